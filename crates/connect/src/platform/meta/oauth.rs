//! Meta Login: the authorisation-code flow and the long-lived token exchange, on the same Graph
//! API version as the insights calls (a retired version fails the login as it fails a sync).

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::errors::classify;
use super::{META_BASE_URL, META_DEFAULT_VERSION, P};
use crate::error::ConnectError;
use crate::http::{HttpClient, endpoint};
use crate::oauth::{AuthorizationRequest, TokenSet};

/// Meta Login's authorisation-code flow. Meta has no refresh tokens: the code is exchanged for a
/// short-lived user token, which is exchanged at once for a long-lived one (about 60 days) that
/// the user renews by logging in again; [`TokenSet::expires_within`] tells when to ask (dlt warns
/// 7 days ahead).
///
/// The token endpoint is called with GET and the app secret in the query, as Meta documents it:
/// the URL is therefore never logged and is stripped from every error.
#[derive(Debug, Clone)]
pub struct MetaOAuth {
    pub app_id: String,
    pub app_secret: SecretString,
    pub redirect_url: Url,
    pub scopes: Vec<String>,
    /// `https://www.facebook.com/` in production (the dialog lives at `/{version}/dialog/oauth`).
    pub dialog_base: Url,
    /// [`META_BASE_URL`] in production.
    pub graph_base: Url,
    pub version: String,
}

#[derive(Debug, Deserialize)]
struct MetaToken {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl MetaOAuth {
    /// The production endpoints and [`META_DEFAULT_VERSION`].
    pub fn new(
        app_id: impl Into<String>,
        app_secret: SecretString,
        redirect_url: Url,
        scopes: Vec<String>,
    ) -> Result<Self, ConnectError> {
        let parse = |s: &str| {
            Url::parse(s).map_err(|e| ConnectError::Config(format!("invalid URL {s:?}: {e}")))
        };
        Ok(MetaOAuth {
            app_id: app_id.into(),
            app_secret,
            redirect_url,
            scopes,
            dialog_base: parse("https://www.facebook.com/")?,
            graph_base: parse(META_BASE_URL)?,
            version: META_DEFAULT_VERSION.into(),
        })
    }

    /// The same app against other endpoints (a mock server in tests).
    pub fn with_endpoints(mut self, dialog_base: Url, graph_base: Url) -> Self {
        self.dialog_base = dialog_base;
        self.graph_base = graph_base;
        self
    }

    /// The login dialog URL with a random `state` (Meta's web flow has no PKCE).
    pub fn authorization_request(&self) -> Result<AuthorizationRequest, ConnectError> {
        let state = oauth2::CsrfToken::new_random();
        let mut url = endpoint(&self.dialog_base, &[&self.version, "dialog", "oauth"])?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.app_id)
            .append_pair("redirect_uri", self.redirect_url.as_str())
            .append_pair("state", state.secret())
            .append_pair("response_type", "code")
            .append_pair("scope", &self.scopes.join(","));
        Ok(AuthorizationRequest {
            url,
            state: SecretString::from(state.secret().to_owned()),
            pkce_verifier: None,
        })
    }

    /// Exchange the callback's `code` for a long-lived user token (two calls).
    pub async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let short = self
            .token_call(
                http,
                &[
                    ("client_id", self.app_id.as_str()),
                    ("redirect_uri", self.redirect_url.as_str()),
                    ("client_secret", self.app_secret.expose_secret()),
                    ("code", code),
                ],
                now,
            )
            .await?;
        self.long_lived(http, &short.access_token, now).await
    }

    /// Exchange a short-lived user token for a long-lived one (`fb_exchange_token`).
    pub async fn long_lived(
        &self,
        http: &HttpClient,
        short_lived: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        self.token_call(
            http,
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.app_secret.expose_secret()),
                ("fb_exchange_token", short_lived.expose_secret()),
            ],
            now,
        )
        .await
    }

    async fn token_call(
        &self,
        http: &HttpClient,
        params: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let url = endpoint(&self.graph_base, &[&self.version, "oauth", "access_token"])?;
        let text = http
            .send(P, None, |c, _| c.get(url.clone()).query(params), classify)
            .await
            .map_err(|e| e.with_version(&self.version))?;
        let token: MetaToken = serde_json::from_str(&text)
            .map_err(|_| ConnectError::decode(P, "the token response is not a Graph API token"))?;
        Ok(TokenSet {
            access_token: SecretString::from(token.access_token),
            refresh_token: None,
            expires_at: token
                .expires_in
                .and_then(|s| now.checked_add_signed(TimeDelta::seconds(s))),
            refresh_expires_at: None,
            scopes: self.scopes.clone(),
        })
    }
}
