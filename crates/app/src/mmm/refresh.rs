//! Keeping the model a campaign's ROI rests on up to date. A run holds only while its inputs do
//! (see [`super::is_current`]), and a team whose connections sync daily changes them every day:
//! the campaign's ROI would fall back to the platforms' revenue each morning until someone ran
//! the model again. So, for every campaign whose revenue basis is the model, the scheduler runs
//! the newest run on that campaign alone again on today's data when its inputs moved on, with the
//! same request (campaigns, KPI, window, draws, seed, lift tests), and the ROI rests on the new
//! run, which its label names.
//!
//! A run on an uploaded KPI series is not run again (its values are not kept): the campaign's ROI
//! falls back to the platforms' revenue and says so until the user uploads the series again.

use crate::AppError;
use crate::context::Context;

use super::MmmCommand;

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Campaigns whose revenue basis is the model.
    pub campaigns: usize,
    /// Runs fitted again.
    pub refreshed: usize,
    /// Out-of-date runs on an uploaded series, which cannot be run again.
    pub not_repeatable: usize,
    /// Runs whose refit failed (too few days now, a lift test outside the data...).
    pub failed: usize,
}

/// Runs again, on today's data, the out-of-date model each model-based revenue basis rests on.
pub async fn refresh(ctx: &Context) -> Result<RefreshReport, AppError> {
    let store = ctx.store.as_ref();
    let mut report = RefreshReport::default();
    for campaign in store.all_campaigns().await? {
        let org = &campaign.org_id;
        let chosen = store.revenue_basis(org, &campaign.id).await?;
        if chosen.as_ref().is_none_or(|(basis, _)| basis != "mmm") {
            continue;
        }
        report.campaigns += 1;
        let Some(stored) = store.newest_mmm_run_of(org, &campaign.id).await? else {
            continue;
        };
        if super::is_current(store, org, &stored).await? {
            continue;
        }
        let command = serde_json::from_str(&stored.request)
            .ok()
            .and_then(|record| MmmCommand::from_record(&record));
        let Some(command) = command else {
            report.not_repeatable += 1;
            continue;
        };
        match super::run(ctx, org, command).await {
            Ok(_) => report.refreshed += 1,
            Err(AppError::Store(e)) => return Err(AppError::Store(e)),
            Err(e) => {
                report.failed += 1;
                tracing::warn!(campaign = %campaign.id, error = %e, "model refresh failed");
            }
        }
    }
    Ok(report)
}
