//! Budget consumption: the seed's `trackBudgetConsumption` over a stored campaign, with each alert
//! raised once and kept.
//!
//! The status is the Budget & Financial Analysis' own (as of today in the campaign's time zone),
//! so an alert never disagrees with what the analysis page shows. [`evaluate`] runs after every
//! write of daily rows (metrics posts, imports) and in the scheduler's sweep (pacing moves with
//! the calendar even without new data): it feeds the stored alert state to the pure
//! `track_budget_consumption` and records the new state with the alerts in one compare-and-swap
//! transaction, so two instances evaluating together raise an alert once.

use chrono::{DateTime, Utc};
use spendlens_core::analysis::ComparisonPeriod;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::budget::budget_status;
use spendlens_finance::{AlertState, BudgetStatus, track_budget_consumption};
use spendlens_store::Store;
use spendlens_store::finance::{NewAlert, StoredAlert};

use super::FinanceAppError;
use super::webhook::{self, WebhookSender};
use crate::AppError;
use crate::analysis::{AsOf, analyze_campaign};
use crate::context::Context;

/// How many times the evaluation retries after losing a compare-and-swap to another instance.
const CAS_RETRIES: usize = 3;

fn from_app(e: AppError) -> FinanceAppError {
    match e {
        AppError::NotFound => FinanceAppError::NotFound("campaign"),
        AppError::Store(s) => FinanceAppError::Store(s),
        AppError::Invalid { field, message } => FinanceAppError::Invalid { field, message },
        AppError::Fields(problems) => FinanceAppError::Fields(problems),
        AppError::Conflict(m) => FinanceAppError::Conflict(m),
        AppError::Attribution(a) => FinanceAppError::Invalid {
            field: "attribution".into(),
            message: a.to_string(),
        },
        AppError::Optimize(o) => FinanceAppError::Invalid {
            field: "optimization".into(),
            message: o.to_string(),
        },
    }
}

/// The campaign's budget status as of today in its time zone.
pub async fn status(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    now: DateTime<Utc>,
) -> Result<BudgetStatus, FinanceAppError> {
    let (_, analysis) = analyze_campaign(
        store,
        org,
        id,
        AsOf::TodayInCampaignZone,
        now,
        ComparisonPeriod::SevenDays,
        None,
    )
    .await
    .map_err(from_app)?;
    Ok(budget_status(&analysis))
}

/// Evaluates the campaign's alerts now; returns the alerts this call raised (each alert is
/// raised once: a condition still holding raises nothing again).
pub async fn evaluate(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    now: DateTime<Utc>,
) -> Result<Vec<StoredAlert>, FinanceAppError> {
    for _ in 0..CAS_RETRIES {
        let (_, analysis) = analyze_campaign(
            store,
            org,
            id,
            AsOf::TodayInCampaignZone,
            now,
            ComparisonPeriod::SevenDays,
            None,
        )
        .await
        .map_err(from_app)?;
        let stored = store.alert_state(id).await?;
        let previous = AlertState {
            raised: stored.raised.clone(),
        };
        let tracked = track_budget_consumption(&previous, &analysis);
        if tracked.state == previous {
            return Ok(Vec::new());
        }
        let alerts: Vec<NewAlert> = tracked
            .alerts
            .iter()
            .map(|a| NewAlert {
                kind: a.kind,
                as_of: a.as_of,
                used_pct: a.used_pct,
                pacing_pct: a.pacing_pct,
                spend: tracked.status.spend,
                budget: tracked.status.budget,
                currency: tracked.status.currency.clone(),
            })
            .collect();
        if let Some(recorded) = store
            .record_alerts(org, id, stored.version, &tracked.state.raised, &alerts, now)
            .await?
        {
            return Ok(recorded);
        }
    }
    Ok(Vec::new())
}

/// After daily rows of a campaign were written: evaluates its alerts and, when some were raised
/// and a webhook is configured, delivers them in the background (at the time of the delivery,
/// from the context's clock). Never fails the write: problems are logged.
pub async fn after_write(ctx: &Context, org: &OrgId, id: &CampaignId) {
    match evaluate(ctx.store.as_ref(), org, id, ctx.now()).await {
        Ok(raised) if !raised.is_empty() => {
            let (store, sender, clock) =
                (ctx.store.clone(), ctx.webhooks.clone(), ctx.clock.clone());
            tokio::spawn(async move {
                webhook::deliver_all(store.as_ref(), &sender, &raised, clock.now()).await;
            });
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(campaign = %id, error = %e, "budget alerts not evaluated"),
    }
}

/// What one alert sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertSweep {
    pub campaigns: u64,
    pub raised: u64,
    pub failed: u64,
}

/// Evaluates every campaign's alerts (the scheduler's daily pass: pacing moves with the calendar
/// even without new data), then retries the deliveries still pending.
pub async fn sweep(store: &dyn Store, sender: &WebhookSender, now: DateTime<Utc>) -> AlertSweep {
    let mut report = AlertSweep::default();
    let campaigns = match store.all_campaigns().await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "alert sweep: campaigns not listed");
            return report;
        }
    };
    for c in campaigns {
        report.campaigns += 1;
        match evaluate(store, &c.org_id, &c.id, now).await {
            Ok(raised) => report.raised += raised.len() as u64,
            Err(e) => {
                report.failed += 1;
                tracing::warn!(campaign = %c.id, error = %e, "alert sweep failed for a campaign");
            }
        }
    }
    match store.undelivered_alerts(webhook::MAX_DELIVERIES).await {
        Ok(pending) => webhook::deliver_all(store, sender, &pending, now).await,
        Err(e) => tracing::warn!(error = %e, "alert sweep: pending deliveries not listed"),
    }
    report
}
