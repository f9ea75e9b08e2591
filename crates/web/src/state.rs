//! What every handler shares.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use spendlens_app::Clock;
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_store::Store;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

/// The application state handed to every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub login_limiter: Arc<LoginLimiter>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Analyses by campaign data version (see `spendlens_app::analysis::AnalysisCache`).
    pub analysis_cache: Arc<spendlens_app::analysis::AnalysisCache>,
    /// Platform API connections (OAuth, sealed credentials, syncs).
    pub connections: spendlens_app::connections::Connections,
    /// Delivers budget alerts to the organisations' webhooks (one HTTP client, the secret cipher).
    pub webhooks: Arc<spendlens_app::finance::webhook::WebhookSender>,
    /// The key of the pages' CSRF tokens (see `ui::session`).
    pub csrf_key: Arc<crate::ui::session::CsrfKey>,
    /// Uploads previewed in the pages and waiting for their confirmation.
    pub pending_uploads: Arc<crate::ui::imports::PendingUploads>,
    /// The slots every upload takes while it is read and parsed (see `upload::UploadGate`).
    pub upload_gate: Arc<crate::upload::UploadGate>,
}

impl AppState {
    /// A campaign of `org`, or a 404: the one way the API and the pages load a campaign, so that
    /// another organisation's id is a 404 everywhere (the pages render it as their 404 page).
    pub async fn campaign(&self, org: &OrgId, id: &str) -> ApiResult<Campaign> {
        self.store
            .campaign(org, &CampaignId::new(id))
            .await?
            .ok_or(ApiError::NotFound("campaign"))
    }

    /// The use-case context of `spendlens_app` over this server's store, clock and alert sender.
    pub fn context(&self) -> spendlens_app::Context {
        spendlens_app::Context {
            store: self.store.clone(),
            clock: self.clock.clone(),
            webhooks: self.webhooks.clone(),
        }
    }
}

/// Counts sign-in attempts per client address and per e-mail address in a sliding window.
///
/// In memory, per instance: with several instances each allows the limit, which still bounds
/// guessing to a small multiple; the point is to stop brute force, not to meter.
#[derive(Debug)]
pub struct LoginLimiter {
    max: u32,
    window: Duration,
    attempts: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        LoginLimiter {
            max: max.max(1),
            window,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Records an attempt for `ip` and `email`; `Err(seconds)` to wait when either is over the
    /// limit (the attempt is then not counted).
    pub fn check(&self, ip: Option<IpAddr>, email: &str, now: Instant) -> Result<(), u64> {
        let keys = [
            ip.map(|ip| format!("ip:{ip}")),
            Some(format!("email:{}", email.trim().to_lowercase())),
        ];
        let mut map = self
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < self.window);
            !times.is_empty()
        });
        for key in keys.iter().flatten() {
            if let Some(times) = map.get(key)
                && times.len() >= self.max as usize
            {
                let oldest = times.iter().min().copied().unwrap_or(now);
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                return Err(wait.as_secs().max(1));
            }
        }
        for key in keys.into_iter().flatten() {
            map.entry(key).or_default().push(now);
        }
        Ok(())
    }

    /// Forgets the attempts of an e-mail address after a successful sign-in.
    pub fn clear_email(&self, email: &str) {
        let mut map = self
            .attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("email:{}", email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_email_and_per_address_within_the_window() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(limiter.check(ip, "a@x.io", t0).is_ok());
        }
        assert!(
            limiter.check(ip, "A@x.io", t0).is_err(),
            "same e-mail, any case"
        );
        assert!(limiter.check(ip, "b@x.io", t0).is_err(), "same address");
        assert!(limiter.check(None, "b@x.io", t0).is_ok());
        assert!(
            limiter
                .check(ip, "a@x.io", t0 + Duration::from_secs(61))
                .is_ok(),
            "window passed"
        );
    }
}
