//! The `[connectors]` section of the server settings: the public URL OAuth redirects come back
//! to, the restatement window, the sweep interval, and each provider's registration and endpoints.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

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
    /// The API version (LinkedIn `202607`, Meta `v27.0`, Google Ads `v26`); unset, spendlens'
    /// default, the newest of `spendlens_connect::versions`. A version past its published sunset
    /// is refused with a message naming this setting; one within 60 days of it is warned about.
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
    /// How long one sync may wait, in all, for quotas to come back (a Sheets per-minute quota
    /// fits; LinkedIn's daily limit does not, and the connection is retried after the reset).
    pub sync_wait_minutes: u64,
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
            sync_wait_minutes: 5,
            linkedin: ProviderSettings::default(),
            meta: ProviderSettings::default(),
            google: ProviderSettings::default(),
            ga4: ProviderSettings::default(),
            sheets: ProviderSettings::default(),
            google_ads: ProviderSettings::default(),
        }
    }
}
