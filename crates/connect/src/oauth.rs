//! OAuth 2.0: the authorisation-code flow (with state and PKCE), code exchange and refresh, and
//! the [`TokenSource`] connectors ask for an access token.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{ConnectError, clip, safe_code};
use crate::retry::BoxFuture;

/// Where "now" comes from when deciding whether a token has expired.
///
/// Injected (the app passes its own clock) so that this crate never reads the system time and
/// tests can move time forward.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// A token grant as returned by the platform, ready to be sealed and stored.
///
/// The tokens are [`SecretString`]s, so `{:?}` prints `[REDACTED]` and a token cannot end up in a
/// log line by accident.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    /// Absent for Meta (no refresh tokens) and on Google refreshes, which keep the old one.
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the refresh token itself stops working (LinkedIn's `refresh_token_expires_in`: 365
    /// days from the first grant, not extended by refreshing); `None` when the provider does not
    /// say (Google) or there is no refresh token.
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub scopes: Vec<String>,
}

impl TokenSet {
    /// Whether the access token expires within `window` of `now` (false when it does not
    /// expire). Meta tokens cannot be refreshed, so the app warns the user ahead of time.
    pub fn expires_within(&self, now: DateTime<Utc>, window: TimeDelta) -> bool {
        self.expires_at.is_some_and(|at| at - window <= now)
    }

    /// When the grant as a whole stops working and the user has to authorise again: the refresh
    /// token's end when there is a refresh token (`None` if the provider gives it no end), the
    /// access token's end otherwise (Meta's long-lived tokens, LinkedIn without refresh tokens).
    pub fn grant_expires_at(&self) -> Option<DateTime<Utc>> {
        if self.refresh_token.is_some() {
            self.refresh_expires_at
        } else {
            self.expires_at
        }
    }
}

/// An OAuth client registration for one provider.
///
/// Endpoints are plain configuration so that tests point them at a local mock. The client
/// authenticates in the form body (`client_id`/`client_secret` fields), which both Google and
/// LinkedIn accept; LinkedIn does not accept HTTP Basic on its token endpoint.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: SecretString,
    pub auth_url: Url,
    pub token_url: Url,
    pub redirect_url: Url,
    pub scopes: Vec<String>,
    /// Send a PKCE S256 challenge (Google supports it; LinkedIn's web flow does not).
    pub pkce: bool,
    /// Provider-specific authorisation parameters (Google needs `access_type=offline` and
    /// `prompt=consent` to hand out a refresh token).
    pub extra_auth_params: Vec<(String, String)>,
}

/// What the app keeps between sending the user to the provider and handling the callback.
///
/// The `state` must be compared with [`verify_state`] against the callback's `state` parameter;
/// the PKCE verifier is sent with the code exchange.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: SecretString,
    pub pkce_verifier: Option<SecretString>,
}

fn parse_url(s: &str) -> Result<Url, ConnectError> {
    Url::parse(s).map_err(|e| ConnectError::Config(format!("invalid URL {s:?}: {e}")))
}

impl OAuthConfig {
    /// Google (GA4, Sheets, Google Ads): offline access for a refresh token, PKCE on.
    pub fn google(
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_url: Url,
        scopes: Vec<String>,
    ) -> Result<Self, ConnectError> {
        Ok(OAuthConfig {
            client_id: client_id.into(),
            client_secret,
            auth_url: parse_url("https://accounts.google.com/o/oauth2/v2/auth")?,
            token_url: parse_url("https://oauth2.googleapis.com/token")?,
            redirect_url,
            scopes,
            pkce: true,
            extra_auth_params: vec![
                ("access_type".into(), "offline".into()),
                ("prompt".into(), "consent".into()),
            ],
        })
    }

    /// LinkedIn Marketing: 3-legged code flow; refresh tokens only for approved partners.
    pub fn linkedin(
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_url: Url,
        scopes: Vec<String>,
    ) -> Result<Self, ConnectError> {
        Ok(OAuthConfig {
            client_id: client_id.into(),
            client_secret,
            auth_url: parse_url("https://www.linkedin.com/oauth/v2/authorization")?,
            token_url: parse_url("https://www.linkedin.com/oauth/v2/accessToken")?,
            redirect_url,
            scopes,
            pkce: false,
            extra_auth_params: Vec::new(),
        })
    }

    /// The same registration with other endpoints (a mock server in tests, a proxy in
    /// production).
    pub fn with_endpoints(mut self, auth_url: Url, token_url: Url) -> Self {
        self.auth_url = auth_url;
        self.token_url = token_url;
        self
    }

    fn client(&self) -> OAuthClient {
        Client::<
            BasicErrorResponse,
            GrantResponse,
            BasicTokenIntrospectionResponse,
            StandardRevocableToken,
            BasicRevocationErrorResponse,
        >::new(ClientId::new(self.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            self.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_uri(AuthUrl::from_url(self.auth_url.clone()))
        .set_token_uri(TokenUrl::from_url(self.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(self.redirect_url.clone()))
        .set_auth_type(AuthType::RequestBody)
    }

    /// The URL to send the user to, with a random `state` and (when enabled) a PKCE challenge.
    pub fn authorization_request(&self) -> AuthorizationRequest {
        let client = self.client();
        let mut req = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new));
        for (k, v) in &self.extra_auth_params {
            req = req.add_extra_param(k.as_str(), v.as_str());
        }
        let mut verifier = None;
        if self.pkce {
            let (challenge, v) = PkceCodeChallenge::new_random_sha256();
            req = req.set_pkce_challenge(challenge);
            verifier = Some(SecretString::from(v.secret().to_owned()));
        }
        let (url, state) = req.url();
        AuthorizationRequest {
            url,
            state: SecretString::from(state.secret().to_owned()),
            pkce_verifier: verifier,
        }
    }

    /// Exchange the callback's `code` for tokens.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let client = self.client();
        let mut req = client.exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(v) = pkce_verifier {
            req = req.set_pkce_verifier(PkceCodeVerifier::new(v.expose_secret().to_owned()));
        }
        let resp = req
            .request_async(&OAuthHttp(http))
            .await
            .map_err(oauth_error)?;
        Ok(token_set(&resp, None, now))
    }

    /// Get a new access token with the grant's refresh token. Providers that do not rotate
    /// refresh tokens (Google, LinkedIn) may omit it from the response; the old one is carried
    /// over, with its end when the response does not state one.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        grant: &TokenSet,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let Some(refresh_token) = &grant.refresh_token else {
            return Err(ConnectError::OAuth {
                code: "invalid_grant".into(),
                message: crate::reason::oauth("invalid_grant").to_owned(),
            });
        };
        let client = self.client();
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let resp = client
            .exchange_refresh_token(&token)
            .request_async(&OAuthHttp(http))
            .await
            .map_err(oauth_error)?;
        tracing::info!("OAuth access token refreshed");
        let mut fresh = token_set(&resp, Some(refresh_token), now);
        if resp.refresh_token_expires_in.is_none() {
            fresh.refresh_expires_at = grant.refresh_expires_at;
        }
        Ok(fresh)
    }
}

/// Compare the `state` returned to the callback with the one issued, in constant time.
pub fn verify_state(issued: &SecretString, returned: &str) -> bool {
    let a = issued.expose_secret().as_bytes();
    let b = returned.as_bytes();
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The oauth2 client with [`GrantResponse`] in place of the standard token response.
type OAuthClient = Client<
    BasicErrorResponse,
    GrantResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A token endpoint response, tolerant where providers deviate from RFC 6749: LinkedIn sends no
/// `token_type` and separates scopes with commas.
#[derive(Debug, Serialize, Deserialize)]
struct GrantResponse {
    access_token: AccessToken,
    #[serde(default = "bearer")]
    token_type: BasicTokenType,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    /// LinkedIn's lifetime of the refresh token, in seconds (not part of RFC 6749).
    #[serde(default)]
    refresh_token_expires_in: Option<u64>,
    #[serde(default, rename = "scope", deserialize_with = "scope_list")]
    scopes: Option<Vec<Scope>>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

fn scope_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Scope>>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.map(|t| {
        t.split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(|s| Scope::new(s.to_owned()))
            .collect()
    }))
}

impl TokenResponse for GrantResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<std::time::Duration> {
        self.expires_in.map(std::time::Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

fn token_set(
    resp: &GrantResponse,
    previous_refresh: Option<&SecretString>,
    now: DateTime<Utc>,
) -> TokenSet {
    let expires_at = resp
        .expires_in()
        .and_then(|d| TimeDelta::from_std(d).ok())
        .and_then(|d| now.checked_add_signed(d));
    let refresh_expires_at = resp
        .refresh_token_expires_in
        .and_then(|s| i64::try_from(s).ok())
        .and_then(|s| now.checked_add_signed(TimeDelta::seconds(s)));
    TokenSet {
        access_token: SecretString::from(resp.access_token().secret().to_owned()),
        refresh_token: resp
            .refresh_token()
            .map(|t| SecretString::from(t.secret().to_owned()))
            .or_else(|| previous_refresh.cloned()),
        expires_at,
        refresh_expires_at,
        scopes: resp
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The adapter between oauth2's HTTP abstraction and the shared reqwest client.
#[derive(Debug, thiserror::Error)]
pub enum OAuthHttpError {
    #[error("token request failed: {0}")]
    Request(#[source] reqwest::Error),
    #[error("token response could not be built: {0}")]
    Response(#[source] oauth2::http::Error),
}

/// oauth2's HTTP client trait over the shared reqwest client, with a `Send` future so token
/// refreshes can run inside spawned tasks.
struct OAuthHttp<'a>(&'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for OAuthHttp<'_> {
    type Error = OAuthHttpError;
    type Future = BoxFuture<'c, Result<HttpResponse, OAuthHttpError>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send_oauth(self.0, request))
    }
}

async fn send_oauth(
    client: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, OAuthHttpError> {
    let (parts, body) = request.into_parts();
    let resp = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| OAuthHttpError::Request(e.without_url()))?;
    let mut builder = oauth2::http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        builder = builder.header(k, v);
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| OAuthHttpError::Request(e.without_url()))?;
    builder
        .body(body.to_vec())
        .map_err(OAuthHttpError::Response)
}

/// A refused token request as an error: the provider's error code (cleaned) and our words for
/// it; the provider's `error_description` is free text and is not repeated.
fn oauth_error(e: RequestTokenError<OAuthHttpError, BasicErrorResponse>) -> ConnectError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let code = safe_code(r.error().as_ref()).unwrap_or_else(|| "invalid_response".into());
            ConnectError::OAuth {
                message: crate::reason::oauth(&code).to_owned(),
                code,
            }
        }
        // The body of an unparsable response is not repeated: it may hold a token.
        RequestTokenError::Parse(_, _) => ConnectError::OAuth {
            code: "invalid_response".into(),
            message: "the token endpoint answered with an unreadable body".into(),
        },
        RequestTokenError::Request(err) => ConnectError::OAuth {
            code: "request_failed".into(),
            message: err.to_string(),
        },
        RequestTokenError::Other(msg) => ConnectError::OAuth {
            code: "other".into(),
            message: clip(&msg),
        },
    }
}

/// Hands connectors an access token and renews it when the platform rejects it.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A token to send now (refreshed first if it is about to expire).
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, ConnectError>>;

    /// The platform rejected `rejected`: get a new token if possible. Returns whether a new one
    /// is available; `false` means retrying cannot help (the user must authorise again).
    fn renew<'a>(&'a self, rejected: &'a SecretString)
    -> BoxFuture<'a, Result<bool, ConnectError>>;
}

/// A token that cannot be refreshed: Meta long-lived and system-user tokens, or tests.
#[derive(Debug, Clone)]
pub struct StaticToken(SecretString);

impl StaticToken {
    pub fn new(token: SecretString) -> Self {
        StaticToken(token)
    }
}

impl TokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, ConnectError>> {
        let t = self.0.clone();
        Box::pin(async move { Ok(t) })
    }

    fn renew<'a>(
        &'a self,
        _rejected: &'a SecretString,
    ) -> BoxFuture<'a, Result<bool, ConnectError>> {
        Box::pin(async { Ok(false) })
    }
}

/// An OAuth grant that refreshes itself: proactively when it expires within `margin`, and once
/// when the platform answers 401 with it.
///
/// After a sync the app reads [`RefreshingToken::current`] and, if it changed, seals and stores
/// it; a failed refresh leaves the stored grant alone (the connection is not deleted).
#[derive(Debug)]
pub struct RefreshingToken {
    oauth: OAuthConfig,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    margin: TimeDelta,
    state: Mutex<TokenSet>,
}

impl RefreshingToken {
    /// Refresh tokens expiring within 5 minutes, as the original did before imports.
    pub fn new(
        oauth: OAuthConfig,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
        tokens: TokenSet,
    ) -> Self {
        RefreshingToken {
            oauth,
            http,
            clock,
            margin: TimeDelta::minutes(5),
            state: Mutex::new(tokens),
        }
    }

    /// The grant as it is now, to be stored again after a refresh.
    pub async fn current(&self) -> TokenSet {
        self.state.lock().await.clone()
    }

    /// Refreshes the grant. A refresh token past its stated end is not sent (it can only be
    /// refused), and a refusal once it has ended is reported as [`ConnectError::GrantExpired`]
    /// with the day, rather than the token endpoint's bare `invalid_grant`.
    async fn refresh_locked(&self, state: &mut TokenSet) -> Result<bool, ConnectError> {
        if state.refresh_token.is_none() {
            return Ok(false);
        }
        let now = self.clock.now();
        let ended = |at: Option<DateTime<Utc>>| at.filter(|at| *at <= now);
        if let Some(at) = ended(state.refresh_expires_at) {
            return Err(ConnectError::GrantExpired {
                expired_on: at.date_naive(),
            });
        }
        let fresh = match self.oauth.refresh(&self.http, state, now).await {
            Ok(fresh) => fresh,
            Err(ConnectError::OAuth { code, .. })
                if code == "invalid_grant"
                    && state
                        .refresh_expires_at
                        .is_some_and(|at| at <= now + TimeDelta::minutes(5)) =>
            {
                return Err(ConnectError::GrantExpired {
                    expired_on: state
                        .refresh_expires_at
                        .map_or_else(|| now.date_naive(), |at| at.date_naive()),
                });
            }
            Err(e) => return Err(e),
        };
        *state = fresh;
        Ok(true)
    }
}

impl TokenSource for RefreshingToken {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, ConnectError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let expiring = state.expires_within(self.clock.now(), self.margin);
            if expiring {
                self.refresh_locked(&mut state).await?;
            }
            Ok(state.access_token.clone())
        })
    }

    fn renew<'a>(
        &'a self,
        rejected: &'a SecretString,
    ) -> BoxFuture<'a, Result<bool, ConnectError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            // Another request already replaced the rejected token: use the new one.
            if state.access_token.expose_secret() != rejected.expose_secret() {
                return Ok(true);
            }
            self.refresh_locked(&mut state).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> OAuthConfig {
        OAuthConfig::google(
            "client-1",
            SecretString::from("shh".to_owned()),
            Url::parse("http://localhost:8080/oauth/callback").expect("url"),
            vec!["https://www.googleapis.com/auth/analytics.readonly".into()],
        )
        .expect("config")
    }

    #[test]
    fn google_authorization_url_has_state_pkce_and_offline_access() {
        let req = config().authorization_request();
        let pairs: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("response_type").as_deref(), Some("code"));
        assert_eq!(get("client_id").as_deref(), Some("client-1"));
        assert_eq!(get("state").as_deref(), Some(req.state.expose_secret()));
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert!(get("code_challenge").is_some());
        assert!(req.pkce_verifier.is_some());
        assert_eq!(get("access_type").as_deref(), Some("offline"));
        assert!(
            get("client_secret").is_none(),
            "the secret never goes in the URL"
        );
        assert!(verify_state(&req.state, req.state.expose_secret()));
        assert!(!verify_state(&req.state, "forged"));
    }

    #[test]
    fn states_are_random_and_linkedin_has_no_pkce() {
        let li = OAuthConfig::linkedin(
            "li",
            SecretString::from("s".to_owned()),
            Url::parse("http://localhost/cb").expect("url"),
            vec!["r_ads_reporting".into()],
        )
        .expect("config");
        let a = li.authorization_request();
        let b = li.authorization_request();
        assert_ne!(a.state.expose_secret(), b.state.expose_secret());
        assert!(a.pkce_verifier.is_none());
        assert!(!a.url.as_str().contains("code_challenge"));
        assert!(
            a.url
                .as_str()
                .starts_with("https://www.linkedin.com/oauth/v2/authorization?")
        );
    }

    #[test]
    fn token_set_debug_redacts() {
        let t = TokenSet {
            access_token: SecretString::from("ya29.secret".to_owned()),
            refresh_token: Some(SecretString::from("1//refresh".to_owned())),
            expires_at: None,
            refresh_expires_at: None,
            scopes: vec![],
        };
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("ya29") && !shown.contains("1//refresh"),
            "{shown}"
        );
    }
}
