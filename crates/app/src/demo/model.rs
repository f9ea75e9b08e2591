//! The demo's first marketing-mix run, so that the Marketing mix page opens on a model rather
//! than an empty list: the Q4 campaign alone on its GA4 revenue (the demo's known returns:
//! Google Ads 2.2, Meta 1.3, LinkedIn 0.7), fitted by the same use case as the page's form, with
//! its default draws. Fitted once: when the organisation already has a run (a restart, or the
//! user's own), nothing is added; a run from an earlier day shows as out of date, with its
//! "Run again".

use crate::AppError;
use crate::context::Context;
use crate::mmm::{KpiSource, MmmCommand};

use super::{DEMO_EMAIL, campaigns};

/// Fits the demo's first model when its organisation has none; the run's id when it did.
pub async fn first_model(ctx: &Context) -> Result<Option<String>, AppError> {
    let store = ctx.store.as_ref();
    let org = store
        .credentials(DEMO_EMAIL)
        .await?
        .map(|c| c.org_id)
        .ok_or(AppError::NotFound)?;
    if !store.mmm_runs(&org).await?.is_empty() {
        return Ok(None);
    }
    let q4 = campaigns()
        .into_iter()
        .next()
        .map(|c| c.name)
        .ok_or(AppError::NotFound)?;
    let campaign = store
        .list_campaigns(&org)
        .await?
        .into_iter()
        .find(|c| c.spec.name == q4)
        .ok_or(AppError::NotFound)?;
    let command = MmmCommand {
        campaigns: vec![campaign.id],
        kpi: KpiSource::Ga4Revenue,
        from: None,
        to: None,
        draws: 500,
        seed: 0,
        experiments: Vec::new(),
    };
    let run = crate::mmm::run(ctx, &org, command).await?;
    Ok(Some(run.stored.id))
}
