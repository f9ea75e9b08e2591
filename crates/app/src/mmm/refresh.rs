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
//!
//! Any other out-of-date run (an organisation-wide model, one a budget plan was to use) is run
//! again on request: [`run_again`], the run page's "Run again" and `POST /api/mmm/{id}/run-again`.

use spendlens_core::campaign::OrgId;
use spendlens_store::StoredMmmRun;

use crate::AppError;
use crate::context::Context;

use super::{MmmCommand, Run};

/// The request a run was fitted with, as the command that fits it again; `None` for a run on an
/// uploaded KPI series, whose values are not kept.
fn repeat(stored: &StoredMmmRun) -> Option<MmmCommand> {
    serde_json::from_str(&stored.request)
        .ok()
        .and_then(|record| MmmCommand::from_record(&record))
}

/// The command that fits a run again, or why it cannot be: a run on an uploaded KPI series
/// (its values are not kept), or one of whose campaigns was deleted since.
async fn repeatable(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    stored: &StoredMmmRun,
) -> Result<Result<MmmCommand, String>, AppError> {
    let Some(command) = repeat(stored) else {
        return Ok(Err(
            "It explained an uploaded KPI file, whose values spendlens does not keep: run the \
             model again on the Marketing mix page with the file."
                .to_owned(),
        ));
    };
    let campaigns = store.list_campaigns(org).await?;
    let gone: Vec<&str> = command
        .campaigns
        .iter()
        .filter(|id| !campaigns.iter().any(|c| &c.id == *id))
        .map(spendlens_core::campaign::CampaignId::as_str)
        .collect();
    if !gone.is_empty() {
        return Ok(Err(format!(
            "Campaign {} of this run was deleted since: run the model again on the Marketing mix \
             page over the campaigns there are.",
            gone.join(", ")
        )));
    }
    Ok(Ok(command))
}

/// Why a run cannot be fitted again from what is kept of it (see [`run_again`]); `None` when
/// it can.
pub async fn obstacle(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    stored: &StoredMmmRun,
) -> Result<Option<String>, AppError> {
    Ok(repeatable(store, org, stored).await?.err())
}

/// Fits run `id` of the organisation again, with its own request, on today's data: a new run,
/// the old one kept as it was. `NotFound` for another organisation's run; refused (on `run`)
/// while the run is current, since its figures would not change, for a run on an uploaded KPI
/// file, and for one whose campaign was deleted.
pub async fn run_again(ctx: &Context, org: &OrgId, id: &str) -> Result<Run, AppError> {
    let store = ctx.store.as_ref();
    let stored = store.mmm_run(org, id).await?.ok_or(AppError::NotFound)?;
    if super::is_current(store, org, &stored).await? {
        return Err(AppError::invalid(
            "run",
            "this run is up to date: its campaigns' data have not changed since, so running it \
             again would give the same figures",
        ));
    }
    let command = repeatable(store, org, &stored)
        .await?
        .map_err(|why| AppError::invalid("run", why))?;
    super::run(ctx, org, command).await
}

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
        let Some(command) = repeat(&stored) else {
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
