//! What `spendlens doctor` reports: each platform's API version with its sunset, each
//! connection's grant and when it ends, and the configuration problems that can be seen without
//! calling a platform. A use case like any other (the binary only prints it), so the checks live
//! next to the rules they check.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use spendlens_connect::versions::{DateSource, VersionStatus, api_name};
use spendlens_core::Platform;
use spendlens_store::{Connection, ConnectionStatus};

use super::health::{ConfiguredVersion, REAUTHORIZE_NOTICE_DAYS};
use super::{CONNECTABLE, Connections, ProviderSettings, parse_url};
use crate::labels::Label;

/// One connection as the doctor shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLine {
    pub id: String,
    pub platform: Platform,
    pub account_id: String,
    pub status: ConnectionStatus,
    /// When the grant ends (`None`: it does not, or it is not known).
    pub grant_expires_at: Option<DateTime<Utc>>,
}

/// Everything `spendlens doctor` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorReport {
    pub now: DateTime<Utc>,
    pub versions: Vec<ConfiguredVersion>,
    pub connections: Vec<ConnectionLine>,
    /// What stops syncs now (a refused version, an ended grant, a missing key).
    pub problems: Vec<String>,
    /// What will stop them soon, or looks wrong.
    pub warnings: Vec<String>,
}

impl DoctorReport {
    /// Whether nothing stops a sync.
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// "in 20 days", "today", "3 days ago".
fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (at - now).num_days();
    match days {
        0 if at >= now => "within a day".to_owned(),
        0 => "less than a day ago".to_owned(),
        1 => "in 1 day".to_owned(),
        d if d > 1 => format!("in {d} days"),
        -1 => "1 day ago".to_owned(),
        d => format!("{} days ago", -d),
    }
}

impl Connections {
    /// The doctor's report over `connections` (every stored one; an empty list when the database
    /// could not be read, which the caller reports).
    pub fn doctor(&self, connections: &[Connection], now: DateTime<Utc>) -> DoctorReport {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let versions = self.versions(now.date_naive());
        for v in &versions {
            if let Some(refusal) = v.refusal() {
                problems.push(refusal);
            } else if let Some(warning) = v.warning() {
                warnings.push(warning);
            } else if v.check.status == VersionStatus::Unknown {
                warnings.push(format!("{} ({})", v.check, v.setting));
            }
        }
        self.settings_problems(connections, &mut problems, &mut warnings);
        let mut lines = Vec::new();
        for c in connections {
            let label = format!(
                "connection {} ({} {})",
                c.id,
                c.platform.label(),
                c.account_id
            );
            match c.grant_expires_at {
                Some(end) if end <= now => problems.push(format!(
                    "{label}: the authorisation expired on {}: re-authorise it",
                    end.date_naive()
                )),
                Some(end) if end - now <= TimeDelta::days(REAUTHORIZE_NOTICE_DAYS) => {
                    warnings.push(format!(
                        "{label}: the token expires on {} ({}): re-authorise before {}",
                        end.date_naive(),
                        relative(end, now),
                        end.date_naive()
                    ));
                }
                _ => {}
            }
            match c.status {
                ConnectionStatus::Reauthorize => problems.push(format!(
                    "{label}: needs re-authorising ({})",
                    c.last_error
                        .as_deref()
                        .unwrap_or("the platform refused the grant")
                )),
                ConnectionStatus::Error => warnings.push(format!(
                    "{label}: the last sync failed: {}",
                    c.last_error.as_deref().unwrap_or("no reason recorded")
                )),
                ConnectionStatus::Pending => {
                    warnings.push(format!("{label}: the authorisation was never finished"))
                }
                ConnectionStatus::Active => {}
            }
            if let Some(notice) = &c.notice {
                warnings.push(format!("{label}: {notice}"));
            }
            lines.push(ConnectionLine {
                id: c.id.clone(),
                platform: c.platform,
                account_id: c.account_id.clone(),
                status: c.status,
                grant_expires_at: c.grant_expires_at,
            });
        }
        DoctorReport {
            now,
            versions,
            connections: lines,
            problems,
            warnings,
        }
    }

    /// The problems of the `[connectors]` settings themselves.
    fn settings_problems(
        &self,
        connections: &[Connection],
        problems: &mut Vec<String>,
        warnings: &mut Vec<String>,
    ) {
        if let Some(reason) = self.unavailable_reason() {
            if connections.is_empty() {
                warnings.push(reason);
            } else {
                problems.push(reason);
            }
        }
        if parse_url("public_url", &self.settings.public_url).is_err() {
            problems.push(format!(
                "public_url {:?} is not a URL: OAuth redirects cannot come back",
                self.settings.public_url
            ));
        }
        let named: [(&str, &ProviderSettings); 6] = [
            ("linkedin", &self.settings.linkedin),
            ("meta", &self.settings.meta),
            ("google", &self.settings.google),
            ("ga4", &self.settings.ga4),
            ("sheets", &self.settings.sheets),
            ("google_ads", &self.settings.google_ads),
        ];
        for (name, p) in named {
            match (p.client_id.is_some(), p.client_secret.is_some()) {
                (true, false) => problems.push(format!(
                    "connectors.{name}: client_id is set without client_secret: OAuth cannot work"
                )),
                (false, true) => problems.push(format!(
                    "connectors.{name}: client_secret is set without client_id: OAuth cannot work"
                )),
                _ => {}
            }
            for (key, value) in [
                ("api_base", &p.api_base),
                ("auth_url", &p.auth_url),
                ("token_url", &p.token_url),
            ] {
                if let Some(v) = value
                    && parse_url(key, v).is_err()
                {
                    problems.push(format!("connectors.{name}.{key} {v:?} is not a URL"));
                }
            }
        }
        let has_ads = connections
            .iter()
            .any(|c| c.platform == Platform::GoogleAds);
        if has_ads && self.settings.google_ads.developer_token.is_none() {
            problems.push(
                "Google Ads connections exist but connectors.google_ads.developer_token is not set"
                    .to_owned(),
            );
        }
        if self.settings.sync_every_minutes == 0 && !connections.is_empty() {
            warnings.push(
                "connectors.sync_every_minutes is 0: the server never syncs on its own".to_owned(),
            );
        }
        if !CONNECTABLE.iter().any(|p| self.oauth_available(*p)) {
            warnings.push(
                "no OAuth client is configured: connections can only be made with a pasted token or a service-account key"
                    .to_owned(),
            );
        }
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "spendlens doctor, {} UTC",
            self.now.format("%Y-%m-%d %H:%M")
        )?;
        writeln!(f, "\nAPI versions")?;
        for v in &self.versions {
            let origin = if v.configured {
                format!("set by {}", v.setting)
            } else {
                "default".to_owned()
            };
            let sunset = match (v.check.sunset, v.check.source) {
                (Some(s), Some(src)) => format!("sunset {s} ({})", DateSource::as_str(src)),
                _ => "sunset unknown".to_owned(),
            };
            let state = match v.check.status {
                VersionStatus::Current => "current".to_owned(),
                VersionStatus::Expiring { days_left } => format!("expires in {days_left} days"),
                VersionStatus::Retired if v.check.is_refused() => "RETIRED: refused".to_owned(),
                VersionStatus::Retired => "past its estimated sunset".to_owned(),
                VersionStatus::Unknown => "not in spendlens' table".to_owned(),
            };
            writeln!(
                f,
                "  {:<24} {:<8} {origin}; {sunset}; {state}",
                api_name(v.check.platform),
                v.check.version
            )?;
        }
        writeln!(f, "\nConnections ({})", self.connections.len())?;
        for c in &self.connections {
            let grant = match c.grant_expires_at {
                Some(end) if end <= self.now => {
                    format!("token expired on {}", end.date_naive())
                }
                Some(end) => format!(
                    "token expires on {} ({})",
                    end.date_naive(),
                    relative(end, self.now)
                ),
                None => "token expiry not known (or it does not expire)".to_owned(),
            };
            writeln!(
                f,
                "  {} {} {}: {}; {grant}",
                c.id,
                c.platform.label(),
                c.account_id,
                c.status.as_str()
            )?;
        }
        for (title, items) in [("Problems", &self.problems), ("Warnings", &self.warnings)] {
            writeln!(f, "\n{title} ({})", items.len())?;
            for item in items {
                writeln!(f, "  - {item}")?;
            }
        }
        Ok(())
    }
}
