//! Server settings: defaults, then an optional TOML file, then `SPENDLENS_*` environment
//! variables, then command-line flags (applied by the binary).

use std::net::SocketAddr;
use std::path::Path;

use chrono::TimeDelta;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use spendlens_app::accounts::{AuthLimits, RateLimit};

/// The server's configuration. `Debug` never shows a secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Address of a second listener that serves only `/metrics` (Prometheus text), e.g.
    /// `127.0.0.1:9090`; unset (the default), the metrics are not served at all. Never the
    /// public listener: request counts and latencies by route are no one else's business.
    pub metrics_bind: Option<SocketAddr>,
    /// The address users reach this server at (`https://spendlens.example.com`): the links in
    /// messages and the origin that cookie-authenticated API writes must come from. Unset, both
    /// come from each request's `Host` header (set it behind a proxy, or wherever a client could
    /// send a forged `Host`).
    pub public_url: Option<String>,
    /// `sqlite://path` (default `./spendlens.db`, created on first start) or `postgres://...`.
    pub database_url: String,
    /// Mark the session cookie `Secure` (also implied by an `https://` `public_url`).
    pub cookie_secure: bool,
    /// How long a sign-in lasts, in hours.
    pub session_hours: u32,
    /// Minutes between snapshot sweeps (0 disables the scheduler).
    pub snapshot_every_minutes: u64,
    /// Days the audit log keeps an entry (at least 30; a daily sweep deletes older ones).
    pub audit_retention_days: u32,
    /// Failed sign-ins allowed per e-mail from one client address in `login_window_minutes`.
    pub login_attempts: u32,
    /// Failed sign-ins allowed from one client address, whatever the e-mail, in the same window.
    pub login_attempts_per_address: u32,
    pub login_window_minutes: u64,
    /// Registrations allowed from one client address in `register_window_minutes`.
    pub register_attempts: u32,
    pub register_window_minutes: u64,
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
    /// The SMTP relay of scheduled e-mail (`[smtp]`: host, port, from, username, password,
    /// starttls; `SPENDLENS_SMTP__HOST` and so on). Without a host no e-mail can be scheduled.
    /// The password is never logged nor written back.
    pub smtp: spendlens_app::delivery::MailSettings,
    /// Seconds between report-delivery sweeps (0 disables them on this instance).
    pub report_every_seconds: u64,
    /// The reverse proxies in front of the server (addresses or networks, `10.0.0.5`,
    /// `10.0.0.0/8`): from a connection of one of them the client's address is the last
    /// `X-Forwarded-For` entry that is not a proxy of this list, so the sign-in and
    /// registration limits count each client, not the proxy. Empty (the default): the
    /// connection's own address, and `X-Forwarded-For` is ignored (anyone may send one).
    pub trusted_proxies: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: None,
            public_url: None,
            database_url: "sqlite://spendlens.db".to_owned(),
            cookie_secure: false,
            session_hours: 24 * 14,
            snapshot_every_minutes: 60,
            audit_retention_days: 365,
            login_attempts: 10,
            login_attempts_per_address: 100,
            login_window_minutes: 15,
            register_attempts: 10,
            register_window_minutes: 60,
            secret_key: None,
            log_format: "text".to_owned(),
            connectors: spendlens_app::connections::ConnectorSettings::default(),
            webhooks: spendlens_app::finance::webhook::WebhookSettings::default(),
            smtp: spendlens_app::delivery::MailSettings::default(),
            report_every_seconds: 60,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The `SPENDLENS_*` variables among `vars` as (dotted setting, value) pairs: the prefix taken
/// off (in any case), `__` nesting (`SPENDLENS_SMTP__PORT` is `smtp.port`), keys in lower case.
/// A value is its text, which a number or switch setting reads as one; a value starting with `[`
/// or `{` is read as a list or table (`SPENDLENS_WEBHOOKS__ALLOW_PRIVATE='["10.0.0.0/8"]'`).
/// Rejected: figment's `Env`, which reads every value as data first, so an all-digit client id
/// or API version (`202607`) became a number that a text setting refused at start-up, and a
/// password such as `0123` would have lost its zero.
fn env_settings(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, figment::value::Value)> {
    const PREFIX: &str = "SPENDLENS_";
    vars.into_iter()
        .filter_map(|(name, text)| {
            let head = name.get(..PREFIX.len())?;
            if !head.eq_ignore_ascii_case(PREFIX) {
                return None;
            }
            let key = name[PREFIX.len()..]
                .split("__")
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
                .join(".");
            if key.is_empty() || key.split('.').any(str::is_empty) {
                return None;
            }
            let value = match text.trim_start().chars().next() {
                Some('[' | '{') => text
                    .parse()
                    .unwrap_or_else(|_| figment::value::Value::from(text.clone())),
                _ => figment::value::Value::from(text),
            };
            Some((key, value))
        })
        .collect()
}

/// The settings of `figment` with the `SPENDLENS_*` variables among `vars` over it (see
/// [`env_settings`]), read leniently: a setting that is a number or a switch reads its
/// variable's text as one.
fn extract(
    mut figment: Figment,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, Box<figment::Error>> {
    for (key, value) in env_settings(vars) {
        figment = figment.merge((key, value));
    }
    figment.extract_lossy().map_err(Box::new)
}

impl Settings {
    /// Defaults, the TOML file if given (or `spendlens.toml` if present), then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config_file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("spendlens.toml")),
        }
        // A variable that is not UTF-8 cannot be a setting's text (and `std::env::vars` would
        // panic on it): only the others are read.
        let vars = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        extract(figment, vars)
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

    /// The rate limits of sign-in and registration.
    pub fn auth_limits(&self) -> AuthLimits {
        let minutes = |m: u64| TimeDelta::minutes(i64::try_from(m.max(1)).unwrap_or(i64::MAX));
        let login = minutes(self.login_window_minutes);
        AuthLimits {
            login_per_account: RateLimit {
                max: self.login_attempts,
                window: login,
            },
            login_per_address: RateLimit {
                max: self.login_attempts_per_address,
                window: login,
            },
            register_per_address: RateLimit {
                max: self.register_attempts,
                window: minutes(self.register_window_minutes),
            },
        }
    }

    /// The address users reach this server at, without a trailing slash: `public_url` when
    /// set, else `connectors.public_url` (the older setting of the OAuth callback, which
    /// `public_url` overrides), so that one setting names the server everywhere.
    pub fn public_base(&self) -> String {
        self.public_url
            .as_deref()
            .unwrap_or(&self.connectors.public_url)
            .trim_end_matches('/')
            .to_owned()
    }

    /// The origin (scheme, host and port) of [`Settings::public_base`], when it is a usable
    /// http(s) URL (the binary refuses to start with an unusable `public_url`, see
    /// [`Settings::check_public_url`]).
    pub fn public_origin(&self) -> Option<url::Origin> {
        url::Url::parse(&self.public_base())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .map(|u| u.origin())
    }

    /// Whether cookies are marked `Secure`: when `cookie_secure` says so, or when the server is
    /// reached over HTTPS (`public_url` starts with `https://`), so an operator who sets only
    /// the address does not ship session cookies that may travel over plain HTTP.
    pub fn secure_cookies(&self) -> bool {
        self.cookie_secure
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }

    /// The `trusted_proxies` as networks (an address is a network of one); the first entry that
    /// is neither is the error.
    pub fn proxy_networks(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        format!("{entry:?} is not an address or a network such as 10.0.0.0/8")
                    })
            })
            .collect()
    }

    /// The client's address of a request that came from `peer` with these `X-Forwarded-For`
    /// header values (see [`Settings::trusted_proxies`]).
    pub fn client_address<'a>(
        &self,
        peer: std::net::IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> std::net::IpAddr {
        let proxies = self.proxy_networks().unwrap_or_default();
        let trusted = |ip: &std::net::IpAddr| proxies.iter().any(|n| n.contains(ip));
        if !trusted(&peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
        hops.iter()
            .rev()
            .map(|hop| hop.trim().parse::<std::net::IpAddr>())
            .take_while(Result::is_ok)
            .flatten()
            .find(|ip| !trusted(ip))
            .unwrap_or(peer)
    }

    /// Fails when `public_url` is set but is not an http(s) URL with a host.
    pub fn check_public_url(&self) -> Result<(), String> {
        match (&self.public_url, self.public_origin()) {
            (Some(u), None) => Err(format!(
                "public_url {u:?} is not an http(s) URL such as https://spendlens.example.com"
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn the_client_is_the_last_address_a_trusted_proxy_was_given() {
        let ip = |t: &str| {
            t.parse::<std::net::IpAddr>()
                .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]))
        };
        let behind = Settings {
            trusted_proxies: vec!["10.0.0.0/8".into(), "192.0.2.7".into()],
            ..Settings::default()
        };
        assert!(behind.proxy_networks().is_ok());
        let from =
            |peer: &str, header: &[&str]| behind.client_address(ip(peer), header.iter().copied());
        // Through the proxy: the client it names, never an address the client made up.
        assert_eq!(from("10.1.2.3", &["203.0.113.66"]), ip("203.0.113.66"));
        assert_eq!(
            from("10.1.2.3", &["1.1.1.1, 203.0.113.66"]),
            ip("203.0.113.66")
        );
        assert_eq!(
            from("10.1.2.3", &["1.1.1.1", "198.51.100.7, 192.0.2.7"]),
            ip("198.51.100.7")
        );
        // Not through a proxy: the header is anyone's to send, and ignored.
        assert_eq!(from("198.51.100.9", &["203.0.113.66"]), ip("198.51.100.9"));
        // A proxy without the header, or a garbled one: the proxy itself.
        assert_eq!(from("10.1.2.3", &[]), ip("10.1.2.3"));
        assert_eq!(from("10.1.2.3", &["not-an-ip"]), ip("10.1.2.3"));
        // Nobody trusted (the default): the connection's address.
        assert_eq!(
            Settings::default().client_address(ip("10.1.2.3"), ["203.0.113.66"].into_iter()),
            ip("10.1.2.3")
        );
        let bad = Settings {
            trusted_proxies: vec!["10.0.0.0/33".into()],
            ..Settings::default()
        };
        assert!(bad.proxy_networks().is_err());
    }

    #[test]
    fn cookies_are_secure_when_asked_or_when_the_server_is_reached_over_https() {
        let with = |public_url: Option<&str>, cookie_secure: bool| Settings {
            public_url: public_url.map(str::to_owned),
            cookie_secure,
            ..Settings::default()
        };
        assert!(!with(None, false).secure_cookies());
        assert!(!with(Some("http://spendlens.lan"), false).secure_cookies());
        assert!(with(Some("HTTPS://spendlens.example.com"), false).secure_cookies());
        assert!(with(None, true).secure_cookies());
    }

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
    fn the_public_url_is_checked_and_read_as_an_origin() {
        let with = |u: &str| Settings {
            public_url: Some(u.to_owned()),
            ..Settings::default()
        };
        assert!(Settings::default().check_public_url().is_ok());
        // Unset, the connectors' older setting names the server.
        assert_eq!(Settings::default().public_base(), "http://127.0.0.1:8080");
        assert_eq!(
            Settings::default()
                .public_origin()
                .map(|o| o.ascii_serialization()),
            Some("http://127.0.0.1:8080".to_owned())
        );
        let s = with("https://spendlens.example.com/");
        assert!(s.check_public_url().is_ok());
        assert_eq!(s.public_base(), "https://spendlens.example.com");
        assert_eq!(
            s.public_origin().map(|o| o.ascii_serialization()),
            Some("https://spendlens.example.com".to_owned())
        );
        for bad in [
            "spendlens.example.com",
            "ftp://x.example",
            "https://",
            "nope",
        ] {
            assert!(with(bad).check_public_url().is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_settings_are_read_and_the_password_never_shown() {
        let path =
            std::env::temp_dir().join(format!("spendlens-config-smtp-{}.toml", std::process::id()));
        let written = std::fs::write(
            &path,
            "[smtp]\nhost = \"smtp.example.com\"\nport = 2525\nusername = \"reports\"\npassword = \"smtp-pass-do-not-print\"\nstarttls = false\n",
        );
        assert!(written.is_ok());
        let settings = Settings::load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(settings.smtp.host.as_deref(), Some("smtp.example.com"));
        assert_eq!(settings.smtp.port, 2525);
        assert!(!settings.smtp.starttls);
        assert_eq!(
            settings
                .smtp
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .as_deref(),
            Some("smtp-pass-do-not-print")
        );
        assert!(!format!("{settings:?}").contains("smtp-pass-do-not-print"));
        let written_back = serde_json::to_string(&settings).unwrap_or_default();
        assert!(
            !written_back.contains("smtp-pass-do-not-print"),
            "{written_back}"
        );
        assert_eq!(
            Settings::default().smtp.port,
            587,
            "the submission port by default"
        );
        assert!(Settings::default().smtp.starttls, "STARTTLS by default");
    }

    /// Variables are read as their text where a setting is text (an all-digit client id or API
    /// version had stopped the server at start-up), as numbers and switches where the setting is
    /// one, and as lists when written as one.
    #[test]
    fn environment_variables_are_text_unless_the_setting_is_a_number_or_a_list() {
        let vars = [
            ("SPENDLENS_CONNECTORS__META__CLIENT_ID", "0123456789"),
            ("SPENDLENS_CONNECTORS__LINKEDIN__VERSION", "202607"),
            ("spendlens_smtp__port", "2525"),
            ("SPENDLENS_SMTP__STARTTLS", "false"),
            ("SPENDLENS_SMTP__PASSWORD", "0123"),
            (
                "SPENDLENS_WEBHOOKS__ALLOW_PRIVATE",
                r#"["10.0.0.0/8", "hooks.internal"]"#,
            ),
            ("SPENDLENS_", "ignored"),
            ("OTHER_SMTP__PORT", "1"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let settings = extract(
            Figment::from(Serialized::defaults(Settings::default())),
            vars,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.connectors.meta.client_id.as_deref(),
            Some("0123456789")
        );
        assert_eq!(
            settings.connectors.linkedin.version.as_deref(),
            Some("202607")
        );
        assert_eq!(settings.smtp.port, 2525);
        assert!(!settings.smtp.starttls);
        assert_eq!(
            settings
                .smtp
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_owned())
                .as_deref(),
            Some("0123")
        );
        assert_eq!(
            settings.webhooks.allow_private,
            vec!["10.0.0.0/8".to_owned(), "hooks.internal".to_owned()]
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        assert!(Settings::load(Some(Path::new("/nonexistent/spendlens.toml"))).is_err());
    }
}
