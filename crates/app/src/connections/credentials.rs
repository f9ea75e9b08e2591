//! Credentials: what a stored connection's sealed document opens into (a refreshing OAuth grant,
//! a static token, a service-account key), the token source built from it, and the platform
//! client the connection needs. Credentials are sealed as one JSON document
//! (`{"kind":"oauth"|"token"|"service_account",...}`) with the configured [`TokenCipher`] and are
//! opened only here; no token, secret or request URL reaches a log line or an error message.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use spendlens_connect::{
    ConnectError, Connector, Conversions, Ga4Connector, GoogleAdsConnector, HttpClient,
    LinkedInConnector, MetaConnector, RefreshingToken, ServiceAccountKey, ServiceAccountToken,
    SheetsConnector, StaticToken, TokenCipher, TokenSet, TokenSource,
};
use spendlens_core::Platform;
use spendlens_store::{Connection, ConnectionStatus, Store};
use url::Url;

use crate::clock::Clock;

use super::connect::scopes;
use super::{ConnectionError, Connections, Options, parse_url};

/// Adapts the app's clock to the connect crate's.
#[derive(Debug)]
struct ClockAdapter(Arc<dyn Clock>);

impl spendlens_connect::Clock for ClockAdapter {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

/// The connect crate's clock stopped at one instant: a sync's "now", which dates the quota
/// resets its answers name.
#[derive(Debug)]
pub(super) struct At(pub(super) DateTime<Utc>);

impl spendlens_connect::Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A connection's token source and when its grant ends, as its sealed credentials say (`None`:
/// the grant does not end, or its end is not known).
pub(super) struct Source {
    pub(super) token: Arc<dyn TokenSource>,
    pub(super) grant_expires_at: Option<DateTime<Utc>>,
    /// The grant when it refreshes itself: after the sync it is stored again if it changed.
    pub(super) refreshing: Option<Arc<RefreshingToken>>,
}

impl Connections {
    /// Builds the token source a connection's credentials call for.
    pub(super) fn token_source(&self, connection: &Connection) -> Result<Source, ConnectionError> {
        let cipher = self.cipher()?;
        let Some(sealed) = &connection.credentials else {
            return Err(ConnectionError::Rejected(
                "the connection is not authorised yet: finish connecting it first".into(),
            ));
        };
        let opened = cipher.open(sealed).map_err(ConnectError::from)?;
        let doc: Value = serde_json::from_str(opened.expose_secret()).map_err(|_| {
            ConnectionError::Rejected("the stored credentials are unreadable: connect again".into())
        })?;
        let text = |k: &str| {
            doc.get(k)
                .and_then(Value::as_str)
                .map(|s| SecretString::from(s.to_owned()))
        };
        match doc.get("kind").and_then(Value::as_str) {
            Some("token") => {
                let token = text("access_token").ok_or_else(|| {
                    ConnectionError::Rejected("no stored token: connect again".into())
                })?;
                Ok(Source {
                    token: Arc::new(StaticToken::new(token)),
                    grant_expires_at: None,
                    refreshing: None,
                })
            }
            Some("service_account") => {
                let key = text("key").ok_or_else(|| {
                    ConnectionError::Rejected("no stored key: connect again".into())
                })?;
                let key = ServiceAccountKey::from_json(key.expose_secret())?;
                let source = ServiceAccountToken::new(
                    key,
                    self.service_account_token_url()?,
                    scopes(connection.platform),
                    self.http.reqwest().clone(),
                    Arc::new(ClockAdapter(self.clock.clone())),
                )?;
                Ok(Source {
                    token: Arc::new(source),
                    grant_expires_at: None,
                    refreshing: None,
                })
            }
            Some("oauth") => {
                let tokens = TokenSet {
                    access_token: text("access_token").ok_or_else(|| {
                        ConnectionError::Rejected("no stored token: connect again".into())
                    })?,
                    refresh_token: text("refresh_token"),
                    expires_at: doc
                        .get("expires_at")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok()),
                    refresh_expires_at: doc
                        .get("refresh_expires_at")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok()),
                    scopes: Vec::new(),
                };
                let grant_expires_at = tokens.grant_expires_at();
                if connection.platform == Platform::Meta || tokens.refresh_token.is_none() {
                    return Ok(Source {
                        token: Arc::new(StaticToken::new(tokens.access_token)),
                        grant_expires_at,
                        refreshing: None,
                    });
                }
                let refreshing = Arc::new(RefreshingToken::new(
                    self.oauth_config(connection.platform)?,
                    self.http.reqwest().clone(),
                    Arc::new(ClockAdapter(self.clock.clone())),
                    tokens,
                ));
                Ok(Source {
                    token: refreshing.clone(),
                    grant_expires_at,
                    refreshing: Some(refreshing),
                })
            }
            _ => Err(ConnectionError::Rejected(
                "the stored credentials are unreadable: connect again".into(),
            )),
        }
    }

    fn base(&self, p: Platform, default: &str) -> Result<Url, ConnectionError> {
        let configured = self.provider(p).api_base.as_deref();
        parse_url("api_base", configured.unwrap_or(default))
    }

    /// The platform client for a connection, over `http` (a sync's client, see `sync_http`).
    pub(super) fn connector(
        &self,
        connection: &Connection,
        token: Arc<dyn TokenSource>,
        http: HttpClient,
    ) -> Result<Box<dyn Connector>, ConnectionError> {
        use spendlens_connect::platform::{ga4, google_ads, linkedin, meta, sheets};
        let options: Options = serde_json::from_str(&connection.options).unwrap_or_default();
        let version = self.provider(connection.platform).version.clone();
        Ok(match connection.platform {
            Platform::LinkedIn => {
                let c = LinkedInConnector::new(
                    http,
                    self.base(Platform::LinkedIn, linkedin::LINKEDIN_BASE_URL)?,
                    token,
                );
                Box::new(match version {
                    Some(v) => c.with_version(v),
                    None => c,
                })
            }
            Platform::Meta => {
                let mut c = MetaConnector::new(
                    http,
                    self.base(Platform::Meta, meta::META_BASE_URL)?,
                    token,
                );
                if !options.conversion_action_types.is_empty() {
                    c = c.with_conversions(Conversions::Chosen(options.conversion_action_types));
                }
                Box::new(match version {
                    Some(v) => c.with_version(v),
                    None => c,
                })
            }
            Platform::Ga4 => Box::new(Ga4Connector::new(
                http,
                self.base(Platform::Ga4, ga4::GA4_BASE_URL)?,
                token,
            )),
            Platform::Sheets => Box::new(SheetsConnector::new(
                http,
                self.base(Platform::Sheets, sheets::SHEETS_BASE_URL)?,
                token,
                options.range.unwrap_or_else(|| "A:Z".to_owned()),
            )),
            Platform::GoogleAds => {
                let developer = self.settings.google_ads.developer_token.clone().ok_or_else(|| {
                    ConnectionError::NotConfigured(
                        "Google Ads needs a developer token: set connectors.google_ads.developer_token".into(),
                    )
                })?;
                let mut c = GoogleAdsConnector::new(
                    http,
                    self.base(Platform::GoogleAds, google_ads::GOOGLE_ADS_BASE_URL)?,
                    token,
                    developer,
                );
                if let Some(v) = version {
                    c = c.with_version(v);
                }
                if let Some(login) = &options.login_customer_id {
                    c = c.with_login_customer_id(login)?;
                }
                Box::new(c)
            }
            Platform::CustomIntegration => {
                return Err(ConnectionError::Rejected(
                    "Custom Integration has no API connector".into(),
                ));
            }
        })
    }

    /// After a sync with an OAuth grant that refreshed itself, seals and stores the new grant
    /// (access token, refresh token and their ends) and the grant's end. A failure here is
    /// logged, not fatal: the old grant still refreshes next time.
    pub(super) async fn store_refreshed_grant(
        &self,
        store: &dyn Store,
        connection: &Connection,
        source: &Source,
        now: DateTime<Utc>,
    ) {
        let Some(refreshing) = &source.refreshing else {
            return;
        };
        let current = refreshing.current().await;
        let Some(cipher) = &self.cipher else { return };
        let opened = connection
            .credentials
            .as_ref()
            .and_then(|sealed| cipher.open(sealed).ok());
        let stored_access = opened
            .as_ref()
            .and_then(|o| serde_json::from_str::<Value>(o.expose_secret()).ok())
            .and_then(|doc| doc.get("access_token")?.as_str().map(str::to_owned));
        if stored_access.as_deref() == Some(current.access_token.expose_secret()) {
            return;
        }
        match seal(cipher, &oauth_doc(&current)) {
            Ok(sealed) => {
                if let Err(e) = store
                    .set_credentials(&connection.id, Some(&sealed), ConnectionStatus::Active, now)
                    .await
                {
                    tracing::warn!(connection = %connection.id, error = %e, "could not store the refreshed grant");
                    return;
                }
                let end = current.grant_expires_at();
                if end != connection.grant_expires_at
                    && let Err(e) = store.set_grant_expires_at(&connection.id, end).await
                {
                    tracing::warn!(connection = %connection.id, error = %e, "could not store the grant's end");
                }
            }
            Err(e) => {
                tracing::warn!(connection = %connection.id, error = %e, "could not seal the refreshed grant")
            }
        }
    }
}

/// The sealed form of an OAuth grant.
pub(super) fn oauth_doc(tokens: &TokenSet) -> Value {
    json!({
        "kind": "oauth",
        "access_token": tokens.access_token.expose_secret(),
        "refresh_token": tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()),
        "expires_at": tokens.expires_at.map(|t| t.to_rfc3339()),
        "refresh_expires_at": tokens.refresh_expires_at.map(|t| t.to_rfc3339()),
    })
}

pub(super) fn seal(cipher: &TokenCipher, doc: &Value) -> Result<String, ConnectionError> {
    let text = SecretString::from(doc.to_string());
    Ok(cipher.seal(&text).map_err(ConnectError::from)?)
}
