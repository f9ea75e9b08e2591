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
//!
//! One module per step: `settings` (the `[connectors]` configuration), `connect` (tokens, keys
//! and the OAuth flow), `credentials` (sealed credentials into a token source and a platform
//! client), `sync` (a connection's window, and the daily sweep), `health` (API versions and their
//! sunsets, the grant's end and its reminder, what the last sync found) and `doctor` (what
//! `spendlens doctor` reports).

mod connect;
mod credentials;
pub mod doctor;
mod health;
mod settings;
mod sync;

use std::sync::Arc;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use spendlens_connect::{ConnectError, DateRange, HttpClient, TokenCipher};
use spendlens_core::Platform;
use spendlens_core::campaign::FieldError;
use spendlens_store::{Connection, StoreError, UpsertCounts};
use url::Url;

use crate::clock::Clock;

pub use connect::{refusal_code, state_hash};
pub use health::{ConfiguredVersion, ConnectionHealth, REAUTHORIZE_NOTICE_DAYS};
pub use settings::{ConnectorSettings, ProviderSettings};
pub use sync::{MAX_LAST_ERROR_CHARS, backfill_range};

/// The platforms that have an API connector.
pub const CONNECTABLE: [Platform; 5] = [
    Platform::LinkedIn,
    Platform::Meta,
    Platform::Ga4,
    Platform::Sheets,
    Platform::GoogleAds,
];

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
    /// The connection was made with a token or a key: it cannot be re-authorised with OAuth
    /// (each medium says how to change it).
    #[error("this connection uses a token or key, not OAuth")]
    NotOAuth,
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
    /// Meta: the action types read as conversions (custom conversions such as
    /// `offsite_conversion.custom.123`), in order of preference; none: by campaign objective.
    pub conversion_action_types: Vec<String>,
}

/// A connect request as submitted, by a JSON body or by the connect form (each decodes into it
/// its own way, then both convert it with [`ConnectRequest::try_from`]): every field optional.
#[derive(Debug, Default)]
pub struct ConnectDraft {
    pub platform: Option<String>,
    pub account_id: Option<String>,
    pub access_token: Option<SecretString>,
    pub service_account_key: Option<SecretString>,
    pub range: Option<String>,
    pub login_customer_id: Option<String>,
    /// Meta's conversion action types, comma- or space-separated as typed.
    pub conversion_action_types: Option<String>,
}

impl TryFrom<ConnectDraft> for ConnectRequest {
    type Error = Vec<FieldError>;

    /// A known platform and an account are required; a token and a key exclude each other;
    /// neither means OAuth. Every problem names its field. (What depends on the server or the
    /// platform, such as the account's shape or which platforms take a key, is checked by
    /// [`Connections::create`].)
    fn try_from(draft: ConnectDraft) -> Result<ConnectRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: String| {
            errors.push(FieldError { field, message });
        };
        let platform = match draft.platform {
            None => {
                err("platform", "missing".to_owned());
                None
            }
            Some(name) => match name.parse::<Platform>() {
                Ok(p) => Some(p),
                Err(_) => {
                    err(
                        "platform",
                        format!(
                            "unknown platform {name:?}; expected one of {}",
                            CONNECTABLE.map(Platform::as_str).join(", ")
                        ),
                    );
                    None
                }
            },
        };
        if draft.account_id.is_none() {
            err("account_id", "missing".to_owned());
        }
        if draft.access_token.is_some() && draft.service_account_key.is_some() {
            err(
                "access_token",
                "give an access token or a service-account key, not both".to_owned(),
            );
        }
        // What the user typed to name the account and the sheet range keeps the rule of every
        // typed name (no control or invisible formatting character).
        for (field, text) in [
            ("account_id", &draft.account_id),
            ("range", &draft.range),
            ("login_customer_id", &draft.login_customer_id),
        ] {
            if let Some(Err(message)) = text.as_deref().map(spendlens_core::text::check_name) {
                err(field, message);
            }
        }
        let conversion_action_types: Vec<String> = draft
            .conversion_action_types
            .as_deref()
            .unwrap_or_default()
            .split([',', ' ', '\n', '\t'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(bad) = conversion_action_types
            .iter()
            .find(|t| !spendlens_connect::platform::meta::is_action_type(t))
        {
            err(
                "conversion_action_types",
                format!(
                    "{:?} is not a Meta action type (lower-case letters, digits, _ and ., such as offsite_conversion.custom.123)",
                    spendlens_connect::safe_text(bad, 60)
                ),
            );
        } else if conversion_action_types.len() > MAX_CONVERSION_ACTION_TYPES {
            err(
                "conversion_action_types",
                format!("give at most {MAX_CONVERSION_ACTION_TYPES} action types"),
            );
        }
        let (Some(platform), Some(account_id), true) =
            (platform, draft.account_id, errors.is_empty())
        else {
            return Err(errors);
        };
        let auth = match (draft.access_token, draft.service_account_key) {
            (Some(t), _) => AuthInput::Token(t),
            (None, Some(k)) => AuthInput::ServiceAccount(k),
            (None, None) => AuthInput::OAuth,
        };
        Ok(ConnectRequest {
            platform,
            account_id,
            auth,
            range: draft.range,
            login_customer_id: draft.login_customer_id,
            conversion_action_types,
        })
    }
}

/// The most action types a connection may choose as its conversions.
pub const MAX_CONVERSION_ACTION_TYPES: usize = 10;

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
    /// Meta: the action types read as conversions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    conversion_action_types: Vec<String>,
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

    /// "Now" by the service's clock (the scheduler's sweeps).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The settings in use.
    pub fn settings(&self) -> &ConnectorSettings {
        &self.settings
    }

    /// The HTTP client of one sync: the shared pool, with a wait budget of its own
    /// (`sync_wait_minutes`) and quota resets dated from `now`, the sync's moment.
    fn sync_http(&self, now: chrono::DateTime<chrono::Utc>) -> HttpClient {
        let budget = std::time::Duration::from_secs(self.settings.sync_wait_minutes * 60);
        self.http
            .clone()
            .with_wait_budget(spendlens_connect::WaitBudget::new(budget))
            .with_clock(Arc::new(credentials::At(now)))
    }

    /// Why connections cannot be created or synced on this server (no token encryption key),
    /// in the words `create` would refuse with; `None` when they can.
    pub fn unavailable_reason(&self) -> Option<String> {
        self.cipher().err().map(|e| e.to_string())
    }

    fn cipher(&self) -> Result<&TokenCipher, ConnectionError> {
        self.cipher.as_ref().ok_or_else(|| {
            ConnectionError::NotConfigured(
                "platform connections need a token encryption key: the server's operator sets SPENDLENS_SECRET_KEY (the secret key setting, 32 bytes as hex or base64)".into(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(draft: ConnectDraft) -> Vec<(&'static str, String)> {
        ConnectRequest::try_from(draft)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn a_connect_request_needs_a_platform_and_an_account() {
        assert_eq!(
            fields(ConnectDraft::default()),
            vec![
                ("platform", "missing".to_owned()),
                ("account_id", "missing".to_owned())
            ]
        );
        let both = ConnectDraft {
            platform: Some("tiktok".into()),
            account_id: Some("1".into()),
            access_token: Some(SecretString::from("t")),
            service_account_key: Some(SecretString::from("{}")),
            ..ConnectDraft::default()
        };
        assert_eq!(
            fields(both),
            vec![
                (
                    "platform",
                    "unknown platform \"tiktok\"; expected one of linkedin, meta, ga4, sheets, google_ads"
                        .to_owned()
                ),
                (
                    "access_token",
                    "give an access token or a service-account key, not both".to_owned()
                )
            ]
        );
        let oauth = ConnectRequest::try_from(ConnectDraft {
            platform: Some("meta".into()),
            account_id: Some("act_1".into()),
            ..ConnectDraft::default()
        });
        assert!(matches!(
            oauth,
            Ok(ConnectRequest {
                platform: Platform::Meta,
                auth: AuthInput::OAuth,
                ..
            })
        ));
    }
}
