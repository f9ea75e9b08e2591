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
            .merge(Env::prefixed("SPENDLENS_"))
            .extract()
            .map_err(Box::new)
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
