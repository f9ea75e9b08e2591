//! Google service accounts: the JWT bearer grant (RFC 7523) as a [`TokenSource`], for GA4 and
//! Sheets set up without a user's consent screen.

use std::fmt;
use std::sync::Arc;

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{ConnectError, clip};
use crate::oauth::{Clock, TokenSet, TokenSource};
use crate::retry::BoxFuture;

/// The fields of a service-account key file (the JSON Google's console hands out) that the grant
/// needs. The private key is a [`SecretString`]: `{:?}` never shows it.
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

#[derive(Deserialize)]
struct GoogleOAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Mints access tokens by signing a one-hour JWT with the service account's key and trading it at
/// the key's `token_uri`; caches each token until five minutes before it expires.
pub struct ServiceAccountToken {
    key: ServiceAccountKey,
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
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ServiceAccountToken {
    /// A token source for `scopes` (for example `…/auth/analytics.readonly`). Fails at once if
    /// the private key is not an RSA PEM key, rather than at the first sync.
    pub fn new(
        key: ServiceAccountKey,
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
            aud: self.key.token_uri.as_str(),
            iat: now.timestamp(),
            exp: now.timestamp() + 3600,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.key.private_key_id);
        let assertion = jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map_err(|_| ConnectError::Config("could not sign the service-account JWT".into()))?;
        let resp = self
            .http
            .post(self.key.token_uri.clone())
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
            return Err(match parsed {
                Some(e) => ConnectError::OAuth {
                    code: e.error,
                    message: clip(e.error_description.as_deref().unwrap_or_default()),
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
