//! What every handler shares.

use std::sync::Arc;

use spendlens_app::Clock;
use spendlens_app::accounts::AuthLimits;
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
    /// The rate limits of sign-in and registration (counted in the database).
    pub auth_limits: AuthLimits,
    /// The security headers' policies (see `security`).
    pub policies: Arc<crate::security::Policies>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Analyses by campaign data version (see `spendlens_app::analysis::AnalysisCache`).
    pub analysis_cache: Arc<spendlens_app::analysis::AnalysisCache>,
    /// The analysis pages' drawn charts by data version (see `ui::charts::ChartCache`).
    pub chart_cache: Arc<crate::ui::charts::ChartCache>,
    /// Platform API connections (OAuth, sealed credentials, syncs).
    pub connections: spendlens_app::connections::Connections,
    /// Delivers budget alerts to the organisations' webhooks (one HTTP client, the secret cipher).
    pub webhooks: Arc<spendlens_app::finance::webhook::WebhookSender>,
    /// Sends scheduled reports and alerts (e-mail, Slack, webhook); see `spendlens_app::delivery`.
    pub deliveries: Arc<spendlens_app::delivery::Deliverer>,
    /// The key of the pages' CSRF tokens (see `ui::session`).
    pub csrf_key: Arc<crate::ui::session::CsrfKey>,
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
