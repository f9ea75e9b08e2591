//! Platform API connections: connect (a pasted token, a Google service-account key, or the OAuth
//! authorisation-code flow), sync (the restatement window, all or nothing), and the daily sweep.
//!
//! The platform clients live in `spendlens-connect`; this module decides *which* client a stored
//! connection needs, opens its sealed credentials with the configured [`TokenCipher`], and writes
//! what a fetch returned in one transaction. A fetch returns every row of its range or an error,
//! so a failed sync leaves the stored data as it was and only records why on the connection.
//!
//! Credentials are sealed as one JSON document (`{"kind":"oauth"|"token"|"service_account",...}`)
//! and are opened only to build a token source; no token, secret or request URL reaches a log
//! line or an error message.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spendlens_connect::{
    ConnectError, Connector, DateRange, Ga4Connector, GoogleAdsConnector, HttpClient,
    LinkedInConnector, MetaConnector, MetaOAuth, OAuthConfig, RefreshingToken, ServiceAccountKey,
    ServiceAccountToken, SheetsConnector, StaticToken, TokenCipher, TokenSet, TokenSource,
    sync_window,
};
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{
    Connection, ConnectionStatus, ImportRecord, NewConnection, Store, StoreError, SyncRecord,
    UpsertCounts,
};
use url::Url;

use crate::clock::{Clock, today_in};

/// The platforms that have an API connector.
pub const CONNECTABLE: [Platform; 5] = [
    Platform::LinkedIn,
    Platform::Meta,
    Platform::Ga4,
    Platform::Sheets,
    Platform::GoogleAds,
];

/// How long a user has to finish an OAuth authorisation.
const OAUTH_STATE_MINUTES: i64 = 15;

/// One provider's registration and endpoints. Every field is optional: production endpoints are
/// the defaults, and a provider without a client id simply offers no OAuth (a pasted token or a
/// service-account key still works).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderSettings {
    /// OAuth client id (Meta: the app id).
    pub client_id: Option<String>,
    /// OAuth client secret (Meta: the app secret). Never serialised, never logged.
    #[serde(skip_serializing)]
    pub client_secret: Option<SecretString>,
    /// Authorisation endpoint (Meta: the login dialog's base, `https://www.facebook.com/`).
    pub auth_url: Option<String>,
    /// Token endpoint (not used by Meta, whose token endpoint is on the Graph API).
    pub token_url: Option<String>,
    /// The API's base URL (for a proxy, or a mock server in tests).
    pub api_base: Option<String>,
    /// The API version (LinkedIn `202601`, Meta `v23.0`, Google Ads `v21`).
    pub version: Option<String>,
    /// Google Ads developer token. Never serialised, never logged.
    #[serde(skip_serializing)]
    pub developer_token: Option<SecretString>,
}

/// The `[connectors]` section of the server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectorSettings {
    /// The address users reach this server at; OAuth redirects come back to
    /// `{public_url}/api/oauth/callback`, which must be registered with each provider.
    pub public_url: String,
    /// Completed days every sync pulls again, so late conversions update (platforms restate up
    /// to 28 days).
    pub restatement_days: u32,
    /// Minutes between checks for connections due their daily sync (0 disables it).
    pub sync_every_minutes: u64,
    pub linkedin: ProviderSettings,
    pub meta: ProviderSettings,
    /// Google's OAuth registration, shared by GA4, Sheets and Google Ads.
    pub google: ProviderSettings,
    pub ga4: ProviderSettings,
    pub sheets: ProviderSettings,
    pub google_ads: ProviderSettings,
}

impl Default for ConnectorSettings {
    fn default() -> Self {
        ConnectorSettings {
            public_url: "http://127.0.0.1:8080".into(),
            restatement_days: spendlens_connect::DEFAULT_RESTATEMENT_DAYS,
            sync_every_minutes: 60,
            linkedin: ProviderSettings::default(),
            meta: ProviderSettings::default(),
            google: ProviderSettings::default(),
            ga4: ProviderSettings::default(),
            sheets: ProviderSettings::default(),
            google_ads: ProviderSettings::default(),
        }
    }
}

/// Why a connection call failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The campaign or connection does not exist in the caller's organisation.
    #[error("not found")]
    NotFound,
    /// A request field is unusable; `field` names it.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The server lacks the configuration this needs (a key, an OAuth client).
    #[error("{0}")]
    NotConfigured(String),
    /// The OAuth callback's state is unknown, used or expired.
    #[error("the authorisation link is unknown, already used or expired: connect again")]
    BadState,
    /// The platform refused or failed (the message is safe to show: no token, no URL).
    #[error(transparent)]
    Platform(#[from] ConnectError),
    /// What the platform returned cannot be stored in this campaign.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How the user authorises a new connection.
#[derive(Debug)]
pub enum AuthInput {
    /// Send the user to the provider's consent page.
    OAuth,
    /// An access token the user already has (a Meta system-user token, a LinkedIn token).
    Token(SecretString),
    /// A Google service-account key (JSON), for GA4, Sheets and Google Ads.
    ServiceAccount(SecretString),
}

/// A connection to create.
#[derive(Debug)]
pub struct ConnectRequest {
    pub platform: Platform,
    pub account_id: String,
    pub auth: AuthInput,
    /// Sheets: the range in A1 notation (default `A:Z` of the first sheet).
    pub range: Option<String>,
    /// Google Ads: the manager account the access goes through.
    pub login_customer_id: Option<String>,
}

/// A created connection, with the URL to send the user to when it needs OAuth consent.
#[derive(Debug)]
pub struct Created {
    pub connection: Connection,
    pub authorize_url: Option<Url>,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The days pulled; `None` when nothing was due.
    pub range: Option<DateRange>,
    pub rows: u64,
    pub counts: UpsertCounts,
}

/// What a scheduler sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub synced: u32,
    pub failed: u32,
    pub skipped: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login_customer_id: Option<String>,
}

/// Adapts the app's clock to the connect crate's.
#[derive(Debug)]
struct ClockAdapter(Arc<dyn Clock>);

impl spendlens_connect::Clock for ClockAdapter {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

/// Connects, authorises and syncs platform accounts.
#[derive(Debug, Clone)]
pub struct Connections {
    settings: Arc<ConnectorSettings>,
    cipher: Option<TokenCipher>,
    http: HttpClient,
    clock: Arc<dyn Clock>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ConnectionError {
    ConnectionError::Invalid {
        field,
        message: message.into(),
    }
}

fn parse_url(what: &str, s: &str) -> Result<Url, ConnectionError> {
    Url::parse(s).map_err(|e| {
        ConnectionError::NotConfigured(format!("connectors: {what} {s:?} is not a URL: {e}"))
    })
}

/// The stored form of an OAuth state (its SHA-256, hex): the state itself is never stored.
pub fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

fn is_google(p: Platform) -> bool {
    matches!(p, Platform::Ga4 | Platform::Sheets | Platform::GoogleAds)
}

/// The read-only scopes each platform's reporting needs.
fn scopes(p: Platform) -> Vec<String> {
    let s: &[&str] = match p {
        Platform::LinkedIn => &["r_ads_reporting", "r_ads"],
        Platform::Meta => &["ads_read"],
        Platform::Ga4 => &["https://www.googleapis.com/auth/analytics.readonly"],
        Platform::Sheets => &["https://www.googleapis.com/auth/spreadsheets.readonly"],
        Platform::GoogleAds => &["https://www.googleapis.com/auth/adwords"],
        Platform::CustomIntegration => &[],
    };
    s.iter().map(|s| (*s).to_owned()).collect()
}

impl Connections {
    /// The service over the given settings. Without a cipher (no `secret_key` configured)
    /// connections can be listed and deleted but not created or synced.
    pub fn new(
        settings: ConnectorSettings,
        cipher: Option<TokenCipher>,
        http: HttpClient,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Connections {
            settings: Arc::new(settings),
            cipher,
            http,
            clock,
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &ConnectorSettings {
        &self.settings
    }

    /// Why connections cannot be created or synced on this server (no token encryption key),
    /// in the words `create` would refuse with; `None` when they can.
    pub fn unavailable_reason(&self) -> Option<String> {
        self.cipher().err().map(|e| e.to_string())
    }

    fn cipher(&self) -> Result<&TokenCipher, ConnectionError> {
        self.cipher.as_ref().ok_or_else(|| {
            ConnectionError::NotConfigured(
                "platform connections need a token encryption key: set secret_key (SPENDLENS_SECRET_KEY, 32 bytes as hex or base64)".into(),
            )
        })
    }

    fn provider(&self, p: Platform) -> &ProviderSettings {
        match p {
            Platform::LinkedIn => &self.settings.linkedin,
            Platform::Meta => &self.settings.meta,
            Platform::Ga4 => &self.settings.ga4,
            Platform::Sheets => &self.settings.sheets,
            Platform::GoogleAds => &self.settings.google_ads,
            Platform::CustomIntegration => &self.settings.google,
        }
    }

    /// The OAuth registration a platform signs in with.
    fn oauth_app(&self, p: Platform) -> &ProviderSettings {
        if is_google(p) {
            &self.settings.google
        } else {
            self.provider(p)
        }
    }

    /// Whether the platform can be connected with OAuth on this server.
    pub fn oauth_available(&self, p: Platform) -> bool {
        CONNECTABLE.contains(&p) && {
            let app = self.oauth_app(p);
            app.client_id.as_deref().is_some_and(|s| !s.is_empty()) && app.client_secret.is_some()
        }
    }

    fn redirect_url(&self) -> Result<Url, ConnectionError> {
        let base = self.settings.public_url.trim_end_matches('/');
        parse_url("public_url", &format!("{base}/api/oauth/callback"))
    }

    fn oauth_config(&self, p: Platform) -> Result<OAuthConfig, ConnectionError> {
        let app = self.oauth_app(p);
        let (Some(id), Some(secret)) = (app.client_id.clone(), app.client_secret.clone()) else {
            return Err(ConnectionError::NotConfigured(format!(
                "OAuth for {} is not configured on this server: set connectors.{}.client_id and client_secret, or connect with an access token",
                p.display_name(),
                if is_google(p) { "google" } else { p.as_str() }
            )));
        };
        let redirect = self.redirect_url()?;
        let mut config = if is_google(p) {
            OAuthConfig::google(id, secret, redirect, scopes(p))?
        } else {
            OAuthConfig::linkedin(id, secret, redirect, scopes(p))?
        };
        if let (Some(auth), Some(token)) = (&app.auth_url, &app.token_url) {
            config =
                config.with_endpoints(parse_url("auth_url", auth)?, parse_url("token_url", token)?);
        }
        Ok(config)
    }

    fn meta_oauth(&self) -> Result<MetaOAuth, ConnectionError> {
        let app = &self.settings.meta;
        let (Some(id), Some(secret)) = (app.client_id.clone(), app.client_secret.clone()) else {
            return Err(ConnectionError::NotConfigured(
                "OAuth for Meta Ads is not configured on this server: set connectors.meta.client_id (the app id) and client_secret, or connect with an access token".into(),
            ));
        };
        let mut meta = MetaOAuth::new(id, secret, self.redirect_url()?, scopes(Platform::Meta))?;
        let dialog = app
            .auth_url
            .as_deref()
            .map(|u| parse_url("auth_url", u))
            .transpose()?;
        let graph = app
            .api_base
            .as_deref()
            .map(|u| parse_url("api_base", u))
            .transpose()?;
        if dialog.is_some() || graph.is_some() {
            let dialog = dialog.unwrap_or_else(|| meta.dialog_base.clone());
            let graph = graph.unwrap_or_else(|| meta.graph_base.clone());
            meta = meta.with_endpoints(dialog, graph);
        }
        if let Some(v) = &app.version {
            meta.version.clone_from(v);
        }
        Ok(meta)
    }

    /// Creates a connection on a campaign of `org`. With OAuth the connection waits
    /// (`pending`) for the provider's callback and the answer carries the consent URL.
    pub async fn create(
        &self,
        store: &dyn Store,
        org: &OrgId,
        campaign: &CampaignId,
        request: ConnectRequest,
        now: DateTime<Utc>,
    ) -> Result<Created, ConnectionError> {
        let p = request.platform;
        if !CONNECTABLE.contains(&p) {
            return Err(invalid(
                "platform",
                format!(
                    "{} has no API connector: import its reports as files",
                    p.display_name()
                ),
            ));
        }
        let account = request.account_id.trim().to_owned();
        if account.is_empty() || account.len() > 200 || account.chars().any(char::is_control) {
            return Err(invalid(
                "account_id",
                "give the platform's account id (at most 200 characters)",
            ));
        }
        if request.login_customer_id.is_some() && p != Platform::GoogleAds {
            return Err(invalid(
                "login_customer_id",
                "only Google Ads connections have a login customer",
            ));
        }
        if request.range.is_some() && p != Platform::Sheets {
            return Err(invalid(
                "range",
                "only Google Sheets connections have a range",
            ));
        }
        let options = Options {
            range: request
                .range
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
            login_customer_id: request
                .login_customer_id
                .map(|r| r.trim().to_owned())
                .filter(|r| !r.is_empty()),
        };
        let options =
            serde_json::to_string(&options).map_err(|e| invalid("options", e.to_string()))?;
        let cipher = self.cipher()?;
        let (auth_kind, credentials, status) = match &request.auth {
            AuthInput::OAuth => {
                // Fail now, not at the callback, when OAuth is not set up.
                if p == Platform::Meta {
                    self.meta_oauth()?;
                } else {
                    self.oauth_config(p)?;
                }
                ("oauth", None, ConnectionStatus::Pending)
            }
            AuthInput::Token(token) => {
                let t = token.expose_secret().trim();
                if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(invalid(
                        "access_token",
                        "paste the access token exactly, without spaces",
                    ));
                }
                let doc = json!({"kind": "token", "access_token": t});
                ("token", Some(seal(cipher, &doc)?), ConnectionStatus::Active)
            }
            AuthInput::ServiceAccount(key) => {
                if !is_google(p) {
                    return Err(invalid(
                        "service_account_key",
                        "service-account keys are for GA4, Google Sheets and Google Ads",
                    ));
                }
                ServiceAccountKey::from_json(key.expose_secret())
                    .map_err(|e| invalid("service_account_key", e.to_string()))?;
                let doc = json!({"kind": "service_account", "key": key.expose_secret()});
                (
                    "service_account",
                    Some(seal(cipher, &doc)?),
                    ConnectionStatus::Active,
                )
            }
        };
        let new = NewConnection {
            platform: p,
            account_id: account,
            options,
            auth_kind: auth_kind.into(),
            credentials,
            status,
        };
        let connection = match store.create_connection(org, campaign, &new, now).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(ConnectionError::NotFound),
            Err(StoreError::Conflict(_)) => {
                return Err(invalid(
                    "account_id",
                    "this account is already connected to the campaign",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let authorize_url = match request.auth {
            AuthInput::OAuth => Some(self.authorize(store, &connection, now).await?),
            _ => None,
        };
        Ok(Created {
            connection,
            authorize_url,
        })
    }

    /// A fresh consent URL for a connection (a new one, or one that must be re-authorised).
    pub async fn authorize(
        &self,
        store: &dyn Store,
        connection: &Connection,
        now: DateTime<Utc>,
    ) -> Result<Url, ConnectionError> {
        let cipher = self.cipher()?;
        let request = if connection.platform == Platform::Meta {
            self.meta_oauth()?.authorization_request()?
        } else {
            self.oauth_config(connection.platform)?
                .authorization_request()
        };
        let verifier = request
            .pkce_verifier
            .as_ref()
            .map(|v| cipher.seal(v))
            .transpose()
            .map_err(ConnectError::from)?;
        store
            .put_oauth_state(
                &state_hash(request.state.expose_secret()),
                &connection.id,
                verifier.as_deref(),
                now + TimeDelta::minutes(OAUTH_STATE_MINUTES),
            )
            .await?;
        Ok(request.url)
    }

    /// Finishes an OAuth authorisation: takes the state (once), checks it belongs to a
    /// connection of `org` (the signed-in user's), exchanges the code and stores the sealed grant.
    pub async fn finish_oauth(
        &self,
        store: &dyn Store,
        org: &OrgId,
        state: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Connection, ConnectionError> {
        let cipher = self.cipher()?;
        let Some((id, verifier)) = store.take_oauth_state(&state_hash(state), now).await? else {
            return Err(ConnectionError::BadState);
        };
        let connection = store
            .connection(org, &id)
            .await?
            .ok_or(ConnectionError::BadState)?;
        let verifier = verifier
            .map(|v| cipher.open(&v))
            .transpose()
            .map_err(ConnectError::from)?;
        let tokens = if connection.platform == Platform::Meta {
            self.meta_oauth()?
                .exchange_code(&self.http, code, now)
                .await?
        } else {
            self.oauth_config(connection.platform)?
                .exchange_code(self.http.reqwest(), code, verifier.as_ref(), now)
                .await?
        };
        let sealed = seal(cipher, &oauth_doc(&tokens))?;
        store
            .set_credentials(&connection.id, Some(&sealed), ConnectionStatus::Active, now)
            .await?;
        store
            .connection(org, &id)
            .await?
            .ok_or(ConnectionError::NotFound)
    }

    /// Builds the token source a connection's credentials call for.
    fn token_source(
        &self,
        connection: &Connection,
    ) -> Result<Arc<dyn TokenSource>, ConnectionError> {
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
                Ok(Arc::new(StaticToken::new(token)))
            }
            Some("service_account") => {
                let key = text("key").ok_or_else(|| {
                    ConnectionError::Rejected("no stored key: connect again".into())
                })?;
                let key = ServiceAccountKey::from_json(key.expose_secret())?;
                let source = ServiceAccountToken::new(
                    key,
                    scopes(connection.platform),
                    self.http.reqwest().clone(),
                    Arc::new(ClockAdapter(self.clock.clone())),
                )?;
                Ok(Arc::new(source))
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
                    scopes: Vec::new(),
                };
                if connection.platform == Platform::Meta || tokens.refresh_token.is_none() {
                    Ok(Arc::new(StaticToken::new(tokens.access_token)))
                } else {
                    Ok(Arc::new(RefreshingToken::new(
                        self.oauth_config(connection.platform)?,
                        self.http.reqwest().clone(),
                        Arc::new(ClockAdapter(self.clock.clone())),
                        tokens,
                    )))
                }
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

    /// The platform client for a connection.
    fn connector(
        &self,
        connection: &Connection,
        token: Arc<dyn TokenSource>,
    ) -> Result<Box<dyn Connector>, ConnectionError> {
        use spendlens_connect::platform::{ga4, google_ads, linkedin, meta, sheets};
        let options: Options = serde_json::from_str(&connection.options).unwrap_or_default();
        let http = self.http.clone();
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
                let c = MetaConnector::new(
                    http,
                    self.base(Platform::Meta, meta::META_BASE_URL)?,
                    token,
                );
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

    /// Syncs one connection: `range` when given (a backfill), otherwise the sync window (the
    /// days since the last sync and the restatement window, up to yesterday in the campaign's
    /// time zone). All or nothing: the fetch returns every row or fails, and the rows are
    /// written in one transaction. A failure is recorded on the connection (status `error`, or
    /// `reauthorize` when the grant was refused) and returned.
    pub async fn sync(
        &self,
        store: &dyn Store,
        connection: &Connection,
        range: Option<DateRange>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, ConnectionError> {
        let result = self.sync_inner(store, connection, range, now).await;
        if let Err(e) = &result {
            let status = match e {
                ConnectionError::Platform(p) if p.requires_reauthorization() => {
                    ConnectionStatus::Reauthorize
                }
                _ => ConnectionStatus::Error,
            };
            let record = SyncRecord::Failed {
                status,
                error: e.to_string(),
            };
            if let Err(store_error) = store.record_sync(&connection.id, &record, now).await {
                tracing::warn!(connection = %connection.id, error = %store_error, "could not record a failed sync");
            }
            tracing::warn!(connection = %connection.id, platform = connection.platform.as_str(), error = %e, "sync failed");
        }
        result
    }

    async fn sync_inner(
        &self,
        store: &dyn Store,
        connection: &Connection,
        range: Option<DateRange>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, ConnectionError> {
        let campaign = store
            .campaign(&connection.org_id, &connection.campaign_id)
            .await?
            .ok_or(ConnectionError::NotFound)?;
        let today = today_in(now, &campaign.spec.time_zone);
        let range = match range {
            Some(r) => Some(r),
            None => sync_window(
                connection.last_synced_date,
                today,
                self.settings.restatement_days,
            ),
        };
        let Some(range) = range else {
            store
                .record_sync(
                    &connection.id,
                    &SyncRecord::Succeeded {
                        last_synced_date: None,
                        synced_on: today,
                        rows: 0,
                    },
                    now,
                )
                .await?;
            return Ok(SyncReport {
                range: None,
                rows: 0,
                counts: UpsertCounts::default(),
            });
        };
        let token = self.token_source(connection)?;
        let connector = self.connector(connection, token.clone())?;
        let rows = connector.fetch_daily(&connection.account_id, range).await?;
        if let Some(other) = rows
            .iter()
            .filter_map(|r| r.currency.as_deref())
            .find(|c| !c.eq_ignore_ascii_case(&campaign.spec.currency))
        {
            return Err(ConnectionError::Rejected(format!(
                "the {} account reports {other} but the campaign is in {}: connect it to a campaign in {other}",
                connection.platform.display_name(),
                campaign.spec.currency
            )));
        }
        let record = ImportRecord {
            source: format!("{}-api", connection.platform.as_str()),
            file_name: None,
            content_hash: None,
        };
        let counts = store
            .upsert_rows(
                &connection.org_id,
                &connection.campaign_id,
                &rows,
                Some(&record),
                now,
            )
            .await?
            .ok_or(ConnectionError::NotFound)?;
        self.store_refreshed_grant(store, connection, token.as_ref(), now)
            .await;
        store
            .record_sync(
                &connection.id,
                &SyncRecord::Succeeded {
                    last_synced_date: Some(range.end().min(today)),
                    synced_on: today,
                    rows: rows.len() as u64,
                },
                now,
            )
            .await?;
        tracing::info!(connection = %connection.id, platform = connection.platform.as_str(), rows = rows.len(), %range, "synced");
        Ok(SyncReport {
            range: Some(range),
            rows: rows.len() as u64,
            counts,
        })
    }

    /// After a sync with an OAuth grant that refreshed itself, seals and stores the new grant.
    /// A failure here is logged, not fatal: the old grant still refreshes next time.
    async fn store_refreshed_grant(
        &self,
        store: &dyn Store,
        connection: &Connection,
        token: &dyn TokenSource,
        now: DateTime<Utc>,
    ) {
        if connection.auth_kind != "oauth" {
            return;
        }
        let Ok(current) = token.access_token().await else {
            return;
        };
        let Some(cipher) = &self.cipher else { return };
        let Some(sealed) = &connection.credentials else {
            return;
        };
        let Ok(opened) = cipher.open(sealed) else {
            return;
        };
        let Ok(doc) = serde_json::from_str::<Value>(opened.expose_secret()) else {
            return;
        };
        if doc.get("access_token").and_then(Value::as_str) == Some(current.expose_secret()) {
            return;
        }
        let mut doc = doc;
        doc["access_token"] = Value::String(current.expose_secret().to_owned());
        match seal(cipher, &doc) {
            Ok(sealed) => {
                if let Err(e) = store
                    .set_credentials(&connection.id, Some(&sealed), ConnectionStatus::Active, now)
                    .await
                {
                    tracing::warn!(connection = %connection.id, error = %e, "could not store the refreshed grant");
                }
            }
            Err(e) => {
                tracing::warn!(connection = %connection.id, error = %e, "could not seal the refreshed grant")
            }
        }
    }

    /// Syncs every connection due its daily sync: authorised, not yet synced today (in its
    /// campaign's time zone). Each attempt is claimed per connection, day and hour, so several
    /// instances never run the same one together and a failed sync is retried the next hour.
    pub async fn sweep(
        &self,
        store: &dyn Store,
        instance: &str,
    ) -> Result<SweepReport, StoreError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for connection in store.all_connections().await? {
            if !matches!(
                connection.status,
                ConnectionStatus::Active | ConnectionStatus::Error
            ) {
                report.skipped += 1;
                continue;
            }
            let Some(campaign) = store
                .campaign(&connection.org_id, &connection.campaign_id)
                .await?
            else {
                continue;
            };
            let today = today_in(now, &campaign.spec.time_zone);
            if connection.synced_on == Some(today) {
                report.skipped += 1;
                continue;
            }
            let key = format!("{}:{}:{}", connection.id, today, now.format("%H"));
            if !store
                .claim_job_run("connector-sync", &key, instance, now)
                .await?
            {
                report.skipped += 1;
                continue;
            }
            match self.sync(store, &connection, None, now).await {
                Ok(_) => report.synced += 1,
                Err(_) => report.failed += 1,
            }
        }
        Ok(report)
    }
}

/// The sealed form of an OAuth grant.
fn oauth_doc(tokens: &TokenSet) -> Value {
    json!({
        "kind": "oauth",
        "access_token": tokens.access_token.expose_secret(),
        "refresh_token": tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()),
        "expires_at": tokens.expires_at.map(|t| t.to_rfc3339()),
    })
}

fn seal(cipher: &TokenCipher, doc: &Value) -> Result<String, ConnectionError> {
    let text = SecretString::from(doc.to_string());
    Ok(cipher.seal(&text).map_err(ConnectError::from)?)
}

/// A date range from optional request bounds (a backfill), checked.
pub fn backfill_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Option<DateRange>, ConnectionError> {
    match (from, to) {
        (None, None) => Ok(None),
        (Some(f), t) => {
            let t = t.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
            if t >= today {
                return Err(invalid(
                    "to",
                    "a sync can only pull completed days (up to yesterday)",
                ));
            }
            let range = DateRange::new(f, t).map_err(|e| invalid("from", e.to_string()))?;
            if range.days() > 3 * 366 {
                return Err(invalid("from", "a backfill covers at most three years"));
            }
            Ok(Some(range))
        }
        (None, Some(_)) => Err(invalid("from", "give the first day of the backfill")),
    }
}
