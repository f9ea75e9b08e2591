//! Server settings: defaults, then an optional TOML file, then `SPENDLENS_*` environment
//! variables, then command-line flags (applied by the binary).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The server's configuration. `Debug` never shows a secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// `sqlite://path` (default `./spendlens.db`, created on first start) or `postgres://...`.
    pub database_url: String,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    /// How long a sign-in lasts, in hours.
    pub session_hours: u32,
    /// Minutes between snapshot sweeps (0 disables the scheduler).
    pub snapshot_every_minutes: u64,
    /// Sign-in attempts allowed per client address and per e-mail in `login_window_minutes`.
    pub login_attempts: u32,
    pub login_window_minutes: u64,
    /// Key for the encryption of platform tokens at rest (32 bytes, hex or base64). Never logged.
    #[serde(skip_serializing)]
    pub secret_key: Option<SecretString>,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Platform API connections: OAuth clients, endpoints, the restatement window, the daily
    /// sync (`[connectors]`, or `SPENDLENS_CONNECTORS__META__CLIENT_ID` and so on).
    pub connectors: spendlens_app::connections::ConnectorSettings,
    /// Budget-alert webhooks (`[webhooks]`): `allow_private` lists the internal networks,
    /// addresses and host names a webhook may be sent to; empty (the default) allows public
    /// hosts only.
    pub webhooks: spendlens_app::finance::webhook::WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://spendlens.db".to_owned(),
            cookie_secure: false,
            session_hours: 24 * 14,
            snapshot_every_minutes: 60,
            login_attempts: 10,
            login_window_minutes: 15,
            secret_key: None,
            log_format: "text".to_owned(),
            connectors: spendlens_app::connections::ConnectorSettings::default(),
            webhooks: spendlens_app::finance::webhook::WebhookSettings::default(),
        }
    }
}

impl Settings {
    /// Defaults, the TOML file if given (or `spendlens.toml` if present), then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("spendlens.toml")),
        }
        figment
            .merge(Env::prefixed("SPENDLENS_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The cipher for platform tokens at rest, when a usable `secret_key` is configured (the
    /// binary refuses to start with an unusable one, see [`Settings::check_secret_key`]).
    pub fn token_cipher(&self) -> Option<spendlens_connect::TokenCipher> {
        self.secret_key
            .as_ref()
            .and_then(|k| spendlens_connect::TokenCipher::from_config(Some(k)).ok())
    }

    /// Fails when a `secret_key` is configured but unusable (wrong length, not random).
    pub fn check_secret_key(&self) -> Result<(), spendlens_connect::CipherError> {
        match &self.secret_key {
            Some(k) => spendlens_connect::TokenCipher::from_config(Some(k)).map(|_| ()),
            None => Ok(()),
        }
    }

    /// The outbound rule for webhooks with `webhooks.allow_private` (the binary refuses to
    /// start with an unusable entry, see [`Settings::check_webhooks`]; here an unusable list
    /// allows nothing, the safe side).
    pub fn outbound(&self) -> spendlens_connect::Outbound {
        spendlens_connect::Outbound::new(self.webhooks.allow_list().unwrap_or_default())
    }

    /// Fails on a `webhooks.allow_private` entry that is not an address, a network or a host
    /// name, naming it.
    pub fn check_webhooks(&self) -> Result<(), spendlens_connect::AllowListError> {
        self.webhooks.allow_list().map(|_| ())
    }

    /// The session lifetime.
    pub fn session_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.session_hours.max(1)))
    }

    /// The login rate-limit window.
    pub fn login_window(&self) -> Duration {
        Duration::from_secs(self.login_window_minutes.max(1) * 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_toml_file_overrides_the_defaults_and_secrets_stay_out_of_debug() {
        let path =
            std::env::temp_dir().join(format!("spendlens-config-{}.toml", std::process::id()));
        let written = std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://u:pw@db/x\"\nsecret_key = \"do-not-print-me\"\nsnapshot_every_minutes = 5\n",
        );
        assert!(written.is_ok());
        let settings = Settings::load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(settings.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(settings.snapshot_every_minutes, 5);
        assert_eq!(settings.login_attempts, 10, "untouched defaults stay");
        assert_eq!(
            settings
                .secret_key
                .as_ref()
                .map(|s| s.expose_secret().to_owned())
                .as_deref(),
            Some("do-not-print-me")
        );
        assert!(!format!("{settings:?}").contains("do-not-print-me"));
    }

    #[test]
    fn the_webhook_allow_list_is_read_from_the_file() {
        let path = std::env::temp_dir().join(format!(
            "spendlens-config-webhooks-{}.toml",
            std::process::id()
        ));
        let written = std::fs::write(
            &path,
            "[webhooks]\nallow_private = [\"10.0.0.0/8\", \"hooks.internal\"]\n",
        );
        assert!(written.is_ok());
        let settings = Settings::load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            settings.webhooks.allow_private,
            vec!["10.0.0.0/8".to_owned(), "hooks.internal".to_owned()]
        );
        assert!(settings.check_webhooks().is_ok());
        let outbound = settings.outbound();
        assert!(outbound.check_url("http://10.1.2.3/hook").is_ok());
        assert!(outbound.check_url("http://192.168.1.1/hook").is_err());
        assert!(Settings::default().outbound().allow_list().is_empty());
        let bad = Settings {
            webhooks: spendlens_app::finance::webhook::WebhookSettings {
                allow_private: vec!["10.0.0.0/99".into()],
            },
            ..Settings::default()
        };
        assert!(
            bad.check_webhooks()
                .is_err_and(|e| e.entry == "10.0.0.0/99")
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        assert!(Settings::load(Some(Path::new("/nonexistent/spendlens.toml"))).is_err());
    }
}
