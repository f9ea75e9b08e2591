//! A connection's health beyond its last sync: the API version its platform is called with
//! (warned `versions::SUNSET_WARNING_DAYS` before its sunset, refused past a published one, with the
//! setting to change named), the end of its grant ("re-authorise before DATE", 30 days ahead,
//! with one alert through the organisation's webhook), what the last sync found (Meta withholding
//! conversions), and a quota wait before the next attempt.
//!
//! Everything here is computed from the settings, the stored connection and "now": nothing is
//! stored but the grant's end and the alert already delivered for it.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::json;
use spendlens_connect::versions::{self, VERSIONED, VersionCheck, VersionStatus};
use spendlens_core::Platform;
use spendlens_store::{Connection, ConnectionStatus, Store};

use super::Connections;
use crate::finance::webhook::{self, WebhookSender};
use crate::labels::Label;

/// How many days before a grant ends the connection says "re-authorise before" and the alert
/// is sent.
pub const REAUTHORIZE_NOTICE_DAYS: i64 = 30;

/// The API version a platform is called with on this server, checked against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredVersion {
    pub check: VersionCheck,
    /// Whether the operator set it (`connectors.<platform>.version`) or it is spendlens' default.
    pub configured: bool,
    /// The setting that changes it, `connectors.meta.version`.
    pub setting: String,
}

impl ConfiguredVersion {
    /// Why calls with this version are refused (past a published sunset), naming the setting;
    /// `None` when they are not.
    pub fn refusal(&self) -> Option<String> {
        self.check
            .is_refused()
            .then(|| format!("{}: {}", self.check, self.advice()))
    }

    /// A warning when the version is within `versions::SUNSET_WARNING_DAYS` of its sunset, or past an
    /// estimated one; `None` otherwise (and for a refused version, which [`Self::refusal`] says).
    pub fn warning(&self) -> Option<String> {
        (self.check.needs_attention() && !self.check.is_refused())
            .then(|| format!("{}: {}", self.check, self.advice()))
    }

    pub(super) fn advice(&self) -> String {
        let env = format!(
            "SPENDLENS_{}",
            self.setting.to_ascii_uppercase().replace('.', "__")
        );
        let default = versions::default_version(self.check.platform).map(|v| v.version);
        match (self.configured, default) {
            (true, Some(d)) if d != self.check.version => format!(
                "set {} ({env}) to {d}, or remove it to use spendlens' default",
                self.setting
            ),
            _ => format!(
                "spendlens' default is this version: update spendlens, or set {} ({env}) to a current version from the platform's version schedule",
                self.setting
            ),
        }
    }
}

/// What a page or an answer shows about a connection besides its last sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionHealth {
    /// Warnings in our words, most urgent first.
    pub warnings: Vec<String>,
    /// The day the grant ends, shown as "re-authorise before" from
    /// [`REAUTHORIZE_NOTICE_DAYS`] ahead.
    pub reauthorize_before: Option<NaiveDate>,
    /// No scheduled sync before this instant (a quota comes back then).
    pub next_attempt_after: Option<DateTime<Utc>>,
}

/// The version of `platform` in `provider_version` (the configured one, else the default).
pub(super) fn configured_version(
    platform: Platform,
    provider_version: Option<&str>,
    today: NaiveDate,
) -> Option<ConfiguredVersion> {
    let configured = provider_version.map(str::trim).filter(|v| !v.is_empty());
    let version = match configured {
        Some(v) => v.to_owned(),
        None => versions::default_version(platform)?.version.to_owned(),
    };
    Some(ConfiguredVersion {
        check: versions::check(platform, &version, today),
        configured: configured.is_some(),
        setting: format!("connectors.{}.version", platform.as_str()),
    })
}

impl Connections {
    /// The API version `platform` is called with, checked on `today` (`None` for platforms
    /// without dated versions).
    pub fn version_of(&self, platform: Platform, today: NaiveDate) -> Option<ConfiguredVersion> {
        configured_version(platform, self.provider(platform).version.as_deref(), today)
    }

    /// Every dated platform's version on `today`.
    pub fn versions(&self, today: NaiveDate) -> Vec<ConfiguredVersion> {
        VERSIONED
            .iter()
            .filter_map(|p| self.version_of(*p, today))
            .collect()
    }

    /// The refusals and warnings of the configured versions on `today` (the server logs them at
    /// start; the connections page shows them).
    pub fn version_warnings(&self, today: NaiveDate) -> Vec<String> {
        self.versions(today)
            .iter()
            .filter_map(|v| v.refusal().or_else(|| v.warning()))
            .collect()
    }

    /// Logs the version refusals (as errors) and warnings of this server's configuration.
    pub fn log_versions(&self, now: DateTime<Utc>) {
        for v in self.versions(now.date_naive()) {
            if let Some(refusal) = v.refusal() {
                tracing::error!(platform = v.check.platform.as_str(), "{refusal}");
            } else if let Some(warning) = v.warning() {
                tracing::warn!(platform = v.check.platform.as_str(), "{warning}");
            } else if v.check.status == VersionStatus::Unknown {
                tracing::warn!(platform = v.check.platform.as_str(), "{}", v.check);
            }
        }
    }

    /// A connection's health at `now`.
    pub fn health(&self, c: &Connection, now: DateTime<Utc>) -> ConnectionHealth {
        let mut health = ConnectionHealth::default();
        if let Some(v) = self.version_of(c.platform, now.date_naive()) {
            health.warnings.extend(v.refusal().or_else(|| v.warning()));
        }
        if let Some(end) = c.grant_expires_at {
            let day = end.date_naive();
            if end <= now {
                health.warnings.push(format!(
                    "the {} authorisation expired on {}: re-authorise the connection",
                    c.platform.label(),
                    spendlens_core::dates::day(day)
                ));
                health.reauthorize_before = Some(day);
            } else if end - now <= TimeDelta::days(REAUTHORIZE_NOTICE_DAYS) {
                health.warnings.push(format!(
                    "re-authorise before {}: the {} authorisation ends then",
                    spendlens_core::dates::day(day),
                    c.platform.label()
                ));
                health.reauthorize_before = Some(day);
            }
        }
        if let Some(at) = c.retry_at.filter(|at| *at > now) {
            health.warnings.push(format!(
                "waiting for the platform's quota to come back: the next attempt is after {}",
                spendlens_core::dates::moment(at)
            ));
            health.next_attempt_after = Some(at);
        }
        health.warnings.extend(c.notice.clone());
        health
    }

    /// Sends the "re-authorise before" alert of every connection whose grant ends within
    /// [`REAUTHORIZE_NOTICE_DAYS`], once per grant, through its organisation's webhook (the
    /// delivery budget alerts use). Each attempt is claimed per connection and day, so instances
    /// never send it twice and a failed delivery is tried again the next day. Returns how many
    /// were delivered.
    pub async fn send_reauthorization_alerts(
        &self,
        store: &dyn Store,
        sender: &WebhookSender,
        instance: &str,
        now: DateTime<Utc>,
    ) -> u32 {
        let connections = match store.all_connections().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "re-authorisation alerts: connections not listed");
                return 0;
            }
        };
        let mut delivered = 0;
        for c in connections {
            let Some(end) = c.grant_expires_at else {
                continue;
            };
            if c.status == ConnectionStatus::Pending
                || end - now > TimeDelta::days(REAUTHORIZE_NOTICE_DAYS)
                || c.reauth_alerted_for == Some(end)
            {
                continue;
            }
            let key = format!("{}:{}:{}", c.id, end.to_rfc3339(), now.date_naive());
            match store
                .claim_job_run("reauthorization-alert", &key, instance, now)
                .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!(connection = %c.id, error = %e, "re-authorisation alert not claimed");
                    continue;
                }
            }
            let id = format!("reauthorize:{}:{}", c.id, end.date_naive());
            let event = reauthorization_event(&id, &c, end, now);
            match webhook::deliver_event(store, sender, &c.org_id, &id, &event).await {
                Ok(true) => {
                    delivered += 1;
                    if let Err(e) = store.mark_reauth_alerted(&c.id, end).await {
                        tracing::warn!(connection = %c.id, error = %e, "re-authorisation alert not recorded");
                    }
                }
                Ok(false) => {}
                Err(reason) => {
                    tracing::warn!(connection = %c.id, %reason, "re-authorisation alert not delivered");
                }
            }
        }
        delivered
    }
}

/// The webhook document of a re-authorisation reminder (no token, no secret: what the pages
/// show).
fn reauthorization_event(
    id: &str,
    c: &Connection,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> serde_json::Value {
    json!({
        "id": id,
        "type": "connection_reauthorization",
        "organization_id": c.org_id.as_str(),
        "campaign_id": c.campaign_id.as_str(),
        "connection_id": c.id,
        "platform": c.platform.as_str(),
        "account_id": c.account_id,
        "expires_at": end.to_rfc3339(),
        "reauthorize_before": end.date_naive().to_string(),
        "message": format!(
            "The {} connection of account {} stops working on {}: re-authorise it before then.",
            c.platform.label(),
            c.account_id,
            end.date_naive()
        ),
        "raised_at": now.to_rfc3339(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_retired_configured_version_is_refused_naming_the_setting() {
        let v = configured_version(Platform::Meta, Some("v23.0"), d("2026-12-05")).expect("meta");
        assert_eq!(
            v.refusal().as_deref(),
            Some(
                "Meta Marketing API v23.0 was retired on 2026-06-09 (published): set connectors.meta.version (SPENDLENS_CONNECTORS__META__VERSION) to v27.0, or remove it to use spendlens' default"
            )
        );
        assert_eq!(v.warning(), None);
        let soon =
            configured_version(Platform::LinkedIn, Some("202601"), d("2026-12-05")).expect("li");
        assert_eq!(soon.refusal(), None);
        assert!(
            soon.warning().is_some_and(|w| w.starts_with(
                "LinkedIn Marketing API 202601 stops working on 2027-01-15 (in 41 days, published): set connectors.linkedin.version"
            )),
            "{soon:?}"
        );
        let default = configured_version(Platform::GoogleAds, None, d("2026-12-05")).expect("ads");
        assert!(!default.configured);
        assert_eq!((default.refusal(), default.warning()), (None, None));
        // The defaults themselves, once retired, say to update spendlens.
        let old = configured_version(Platform::GoogleAds, None, d("2028-01-01")).expect("ads");
        assert!(
            old.warning()
                .is_some_and(|w| w.contains("spendlens' default is this version: update spendlens")),
            "{old:?}"
        );
        const { assert!(versions::SUNSET_WARNING_DAYS >= REAUTHORIZE_NOTICE_DAYS) };
        assert_eq!(
            configured_version(Platform::Ga4, None, d("2026-12-05")),
            None
        );
    }
}
