//! Google service accounts: the JWT bearer grant (RFC 7523) as a [`TokenSource`], for GA4 and
//! Sheets set up without a user's consent screen.
//!
//! A key file names its token endpoint (`token_uri`), but a key file is something a user
//! uploads: following it would let anyone make the server POST a signed assertion to any host
//! and report back what answered. So the grant always goes to the endpoint the deployment
//! configured ([`GOOGLE_TOKEN_URL`] unless the operator set another), and a key naming any other
//! endpoint is refused when it is connected ([`ServiceAccountKey::token_uri_accepted`]).

use std::fmt;
use std::sync::Arc;

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{ConnectError, safe_code};
use crate::oauth::{Clock, TokenSet, TokenSource};
use crate::reason;
use crate::retry::BoxFuture;

/// Google's OAuth token endpoint, the one every genuine key file names.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// The fields of a service-account key file (the JSON Google's console hands out) that the grant
/// needs. The private key is a [`SecretString`]: `{:?}` never shows it. `token_uri` is only
/// checked ([`ServiceAccountKey::token_uri_accepted`]), never requested.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: SecretString,
    #[serde(default)]
    pub private_key_id: Option<String>,
    pub token_uri: Url,
}

impl ServiceAccountKey {
    /// Parse the key file. Errors never quote the file (it holds the private key).
    pub fn from_json(text: &str) -> Result<Self, ConnectError> {
        serde_json::from_str(text).map_err(|e| {
            ConnectError::Config(format!(
                "service-account key file is not valid (line {}, column {})",
                e.line(),
                e.column()
            ))
        })
    }

    /// Whether the key's `token_uri` is Google's token endpoint or the one this deployment
    /// sends grants to (`configured`). Either way the grant goes to `configured`.
    pub fn token_uri_accepted(&self, configured: &Url) -> bool {
        self.token_uri == *configured || self.token_uri.as_str() == GOOGLE_TOKEN_URL
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: String,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct GoogleToken {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// `{"error": "invalid_grant", "error_description": "…"}`: the description is Google's free
/// text and is not shown (see `reason`).
#[derive(Deserialize)]
struct GoogleOAuthError {
    error: String,
}

/// Mints access tokens by signing a one-hour JWT with the service account's key and trading it at
/// the configured token endpoint; caches each token until five minutes before it expires.
pub struct ServiceAccountToken {
    key: ServiceAccountKey,
    token_url: Url,
    signing_key: EncodingKey,
    scopes: Vec<String>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    state: Mutex<Option<TokenSet>>,
}

impl fmt::Debug for ServiceAccountToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountToken")
            .field("client_email", &self.key.client_email)
            .field("token_url", &self.token_url.as_str())
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountToken {
    /// A token source for `scopes` (for example `…/auth/analytics.readonly`) that trades its
    /// assertions at `token_url` (the deployment's setting, normally [`GOOGLE_TOKEN_URL`]; the
    /// key's own `token_uri` is ignored). Fails at once if the private key is not an RSA PEM key,
    /// rather than at the first sync.
    pub fn new(
        key: ServiceAccountKey,
        token_url: Url,
        scopes: Vec<String>,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ConnectError> {
        let signing_key = EncodingKey::from_rsa_pem(key.private_key.expose_secret().as_bytes())
            .map_err(|_| {
                ConnectError::Config("service-account private_key is not an RSA PEM key".into())
            })?;
        Ok(ServiceAccountToken {
            key,
            token_url,
            signing_key,
            scopes,
            http,
            clock,
            state: Mutex::new(None),
        })
    }

    async fn mint(&self) -> Result<TokenSet, ConnectError> {
        let now = self.clock.now();
        let claims = Claims {
            iss: &self.key.client_email,
            scope: self.scopes.join(" "),
            aud: self.token_url.as_str(),
            iat: now.timestamp(),
            exp: now.timestamp() + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.key.private_key_id);
        let assertion = jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map_err(|_| ConnectError::Config("could not sign the service-account JWT".into()))?;
        let resp = self
            .http
            .post(self.token_url.clone())
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| oauth_transport(&e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| oauth_transport(&e))?;
        if !status.is_success() {
            let parsed: Option<GoogleOAuthError> = serde_json::from_str(&body).ok();
            return Err(match parsed.and_then(|e| safe_code(&e.error)) {
                Some(code) => ConnectError::OAuth {
                    message: reason::oauth(&code).to_owned(),
                    code,
                },
                None => ConnectError::OAuth {
                    code: format!("http_{}", status.as_u16()),
                    message: "the token endpoint refused the service-account grant".into(),
                },
            });
        }
        let token: GoogleToken = serde_json::from_str(&body).map_err(|_| ConnectError::OAuth {
            code: "invalid_response".into(),
            message: "the token endpoint answered with an unreadable body".into(),
        })?;
        tracing::info!(client = %self.key.client_email, "service-account access token minted");
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

fn oauth_transport(e: &reqwest::Error) -> ConnectError {
    ConnectError::OAuth {
        code: "request_failed".into(),
        message: if e.is_timeout() {
            "the token endpoint timed out".into()
        } else {
            "the token endpoint could not be reached".into()
        },
    }
}

impl TokenSource for ServiceAccountToken {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, ConnectError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let fresh = state
                .as_ref()
                .is_some_and(|t| !t.expires_within(self.clock.now(), TimeDelta::minutes(5)));
            if !fresh {
                *state = Some(self.mint().await?);
            }
            state
                .as_ref()
                .map(|t| t.access_token.clone())
                .ok_or_else(|| ConnectError::Config("no service-account token".into()))
        })
    }

    fn renew<'a>(
        &'a self,
        rejected: &'a SecretString,
    ) -> BoxFuture<'a, Result<bool, ConnectError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            let replaced = state
                .as_ref()
                .is_some_and(|t| t.access_token.expose_secret() != rejected.expose_secret());
            if !replaced {
                *state = Some(self.mint().await?);
            }
            Ok(true)
        })
    }
}
