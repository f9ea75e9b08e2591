//! Connecting an account: a pasted token, a Google service-account key, or the OAuth
//! authorisation-code flow (the consent URL, then the callback that exchanges the code), with each
//! provider's OAuth registration and read-only scopes.

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};
use spendlens_connect::{
    ConnectError, GOOGLE_TOKEN_URL, MetaOAuth, OAuthConfig, ServiceAccountKey,
};
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{
    Connection, ConnectionStatus, NewConnection, ONE_PER_CAMPAIGN, Store, StoreError, SyncRecord,
};
use url::Url;

use super::credentials::{oauth_doc, seal};
use super::{
    AuthInput, CONNECTABLE, ConnectRequest, ConnectionError, Connections, Created, Options,
    ProviderSettings, invalid, parse_url,
};
use crate::labels::Label;

/// How long a user has to finish an OAuth authorisation.
const OAUTH_STATE_MINUTES: i64 = 15;

/// The stored form of an OAuth state (its SHA-256, hex): the state itself is never stored.
pub fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

pub(super) fn is_google(p: Platform) -> bool {
    matches!(p, Platform::Ga4 | Platform::Sheets | Platform::GoogleAds)
}

/// The read-only scopes each platform's reporting needs.
pub(super) fn scopes(p: Platform) -> Vec<String> {
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

    /// Where service-account grants are sent: `connectors.google.token_url` when the operator
    /// set one (a proxy, a mock in tests), else Google's token endpoint; never a key's own.
    pub(super) fn service_account_token_url(&self) -> Result<Url, ConnectionError> {
        let configured = self.settings.google.token_url.as_deref();
        parse_url("token_url", configured.unwrap_or(GOOGLE_TOKEN_URL))
    }

    /// How a platform can be connected on this server: OAuth when its registration is
    /// configured, a pasted access token always, and a service-account key for Google's
    /// platforms.
    pub fn auth_kinds(&self, p: Platform) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.oauth_available(p) {
            kinds.push("oauth");
        }
        kinds.push("token");
        if is_google(p) {
            kinds.push("service_account");
        }
        kinds
    }

    fn redirect_url(&self) -> Result<Url, ConnectionError> {
        let base = self.settings.public_url.trim_end_matches('/');
        parse_url("public_url", &format!("{base}/api/oauth/callback"))
    }

    pub(super) fn oauth_config(&self, p: Platform) -> Result<OAuthConfig, ConnectionError> {
        let app = self.oauth_app(p);
        let (Some(id), Some(secret)) = (app.client_id.clone(), app.client_secret.clone()) else {
            return Err(ConnectionError::NotConfigured(format!(
                "OAuth for {} is not configured on this server: set connectors.{}.client_id and client_secret, or connect with an access token",
                p.label(),
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
        // Meta Login runs on the Marketing API's version too: a retired one fails it alike.
        if let Some(refusal) = self
            .version_of(Platform::Meta, self.clock.now().date_naive())
            .and_then(|v| v.refusal())
        {
            return Err(ConnectionError::NotConfigured(refusal));
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
                    p.label()
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
        if !request.conversion_action_types.is_empty() && p != Platform::Meta {
            return Err(invalid(
                "conversion_action_types",
                "only Meta connections choose their conversion action types",
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
            conversion_action_types: request.conversion_action_types,
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
                let parsed = ServiceAccountKey::from_json(key.expose_secret())
                    .map_err(|e| invalid("service_account_key", e.to_string()))?;
                // The key's token_uri is a URL from the user: it is never requested, and a key
                // naming another endpoint than Google's (or the configured one) is refused.
                if !parsed.token_uri_accepted(&self.service_account_token_url()?) {
                    return Err(invalid(
                        "service_account_key.token_uri",
                        format!(
                            "must be Google's token endpoint, {GOOGLE_TOKEN_URL}: service-account grants are sent nowhere else"
                        ),
                    ));
                }
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
            Err(StoreError::Conflict(ONE_PER_CAMPAIGN)) => {
                return Err(one_per_campaign(store, org, campaign, p, &new.account_id).await);
            }
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

    /// A fresh consent URL for a connection (a new one, or one that must be re-authorised); a
    /// connection made with a token or a key is [`ConnectionError::NotOAuth`].
    pub async fn authorize(
        &self,
        store: &dyn Store,
        connection: &Connection,
        now: DateTime<Utc>,
    ) -> Result<Url, ConnectionError> {
        if connection.auth_kind != "oauth" {
            return Err(ConnectionError::NotOAuth);
        }
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
            .set_grant_expires_at(&connection.id, tokens.grant_expires_at())
            .await?;
        store
            .connection(org, &id)
            .await?
            .ok_or(ConnectionError::NotFound)
    }

    /// The provider sent the user back with an error instead of a code (the user declined, or
    /// the provider failed): takes the state (once) and records the refusal on its connection,
    /// which then needs re-authorising. `Ok(None)` when the state is unknown, used or expired;
    /// [`ConnectionError::NotFound`] when its connection is not `org`'s. The reason kept is the
    /// provider's error and description, cut to [`MAX_REFUSAL_CHARS`] characters.
    pub async fn refuse_oauth(
        &self,
        store: &dyn Store,
        org: &OrgId,
        state: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Connection>, ConnectionError> {
        let Some((id, _)) = store.take_oauth_state(&state_hash(state), now).await? else {
            return Ok(None);
        };
        let connection = store
            .connection(org, &id)
            .await?
            .ok_or(ConnectionError::NotFound)?;
        // The query is anyone's to write (a crafted link), so only the error code, cleaned, is
        // kept, with our words for it; `error_description` is never repeated.
        let code = refusal_code(error);
        let reason = format!(
            "authorisation refused: {code}: {}",
            spendlens_connect::oauth_reason(&code)
        );
        store
            .record_sync(
                &connection.id,
                &SyncRecord::Failed {
                    status: ConnectionStatus::Reauthorize,
                    error: reason,
                    retry_at: None,
                },
                now,
            )
            .await?;
        Ok(Some(connection))
    }
}

/// The provider's error code as it may be shown: cleaned, or `unknown`.
pub fn refusal_code(error: &str) -> String {
    spendlens_connect::safe_code(error).unwrap_or_else(|| "unknown".to_owned())
}

/// The refusal of a second sheet or GA4 property on a campaign, naming the first: its rows are
/// keyed by campaign name, so two would overwrite each other's days (the store refuses it
/// inside the write, so two connected at once cannot both pass).
async fn one_per_campaign(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
    p: Platform,
    account: &str,
) -> ConnectionError {
    let other = match store.connections(org, campaign).await {
        Ok(all) => all
            .into_iter()
            .find(|c| c.platform == p && c.account_id != account)
            .map(|c| c.account_id),
        Err(e) => return e.into(),
    };
    invalid(
        "account_id",
        format!(
            "this campaign already has a {} connection{}: its rows are keyed by campaign name, so a second one would overwrite the first's days; put the figures in one {}, or connect this one to another campaign",
            p.label(),
            other.map(|a| format!(" ({a})")).unwrap_or_default(),
            if p == Platform::Sheets {
                "sheet"
            } else {
                "property"
            }
        ),
    )
}
