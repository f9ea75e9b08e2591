//! Daily snapshots: a campaign's totals as they stood at the end of each day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use spendlens_core::analysis::analyze;
use spendlens_core::campaign::Campaign;
use spendlens_core::totals::analysis_input;
use spendlens_store::{Store, StoreError, StoredSnapshot};

use crate::clock::today_in;

/// How far back a sweep catches up when a campaign has no snapshot yet.
pub const MAX_CATCH_UP_DAYS: u64 = 400;

/// The snapshot of `campaign` for the closed day `day`: totals of every stored row up to it.
pub async fn snapshot_of(
    store: &dyn Store,
    campaign: &Campaign,
    day: NaiveDate,
) -> Result<StoredSnapshot, StoreError> {
    let settings = store
        .settings(&campaign.org_id, &campaign.id)
        .await?
        .unwrap_or_default();
    let totals = store
        .platform_totals(&campaign.org_id, &campaign.id, day)
        .await?;
    let analysis = analyze(&analysis_input(
        day,
        &campaign.spec,
        &settings,
        &totals,
        None,
    ));
    Ok(StoredSnapshot {
        date: day,
        spend: analysis.totals.spend,
        impressions: analysis.totals.impressions,
        clicks: analysis.totals.clicks,
        conversions: analysis.totals.conversions,
        revenue: analysis.totals.revenue,
        aov: analysis.aov.estimated,
    })
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub campaigns: u64,
    /// Snapshots this call wrote.
    pub written: u64,
    /// Days another writer (another instance) had already written.
    pub skipped: u64,
    /// Campaigns whose sweep failed (logged, retried next time).
    pub failed: u64,
}

/// Writes the missing snapshots of every campaign, from the day after its latest snapshot (or
/// `MAX_CATCH_UP_DAYS` back) to yesterday in the campaign's time zone. Safe to run on several
/// instances at once: a day's snapshot is inserted only if absent, so no day is written twice.
pub async fn sweep(store: &dyn Store, now: DateTime<Utc>) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    for campaign in store.all_campaigns().await? {
        report.campaigns += 1;
        match sweep_campaign(store, &campaign, now).await {
            Ok((written, skipped)) => {
                report.written += written;
                report.skipped += skipped;
            }
            Err(e) => {
                report.failed += 1;
                tracing::warn!(campaign = %campaign.id, error = %e, "snapshot sweep failed for a campaign");
            }
        }
    }
    Ok(report)
}

async fn sweep_campaign(
    store: &dyn Store,
    campaign: &Campaign,
    now: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let Some(yesterday) = today_in(now, &campaign.spec.time_zone).pred_opt() else {
        return Ok((0, 0));
    };
    let last = store
        .last_snapshot_date(&campaign.org_id, &campaign.id)
        .await?;
    let earliest = yesterday
        .checked_sub_days(Days::new(MAX_CATCH_UP_DAYS - 1))
        .unwrap_or(yesterday);
    let start = match last {
        Some(last) => last.succ_opt().unwrap_or(last).max(earliest),
        None => match campaign.spec.start_date {
            Some(start) => start.max(earliest),
            None => yesterday,
        },
    };
    let (mut written, mut skipped) = (0, 0);
    let mut day = start;
    while day <= yesterday {
        let snapshot = snapshot_of(store, campaign, day).await?;
        if store.write_snapshot(&campaign.id, &snapshot, now).await? {
            written += 1;
        } else {
            skipped += 1;
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    Ok((written, skipped))
}
