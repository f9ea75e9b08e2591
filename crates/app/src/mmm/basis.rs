//! The marketing-mix model as a campaign's revenue basis (issue 15 with issue 17): the revenue
//! the campaign's channels caused, day by day, by the newest current model run fitted on the
//! campaign alone (a run over several campaigns describes their channels together, so it cannot
//! say what this one caused). The finance ROI, the reconciliation and the report read it through
//! `crate::finance`'s revenue series.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde_json::Value;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::DailyRevenue;
use spendlens_store::{Store, StoreError};

/// A run's contributions for one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    pub run_id: String,
    /// The run as people read it (`run of 5 Dec 2026, KPI ga4_revenue, R² 0.81`).
    pub label: String,
    /// Per day, the channels' contribution summed (whole cents).
    pub days: Vec<DailyRevenue>,
    /// Per ad platform, its contribution over the run.
    pub by_platform: Vec<(Platform, Decimal)>,
    /// The named offline channels' contribution over the run.
    pub offline: Decimal,
    /// The 90 % interval of the channels' total as factors of its mean (low, high); `None` for a
    /// run stored without it, or a total of nothing.
    pub range: Option<(Decimal, Decimal)>,
}

fn cents(x: f64) -> Decimal {
    Decimal::from_f64(x).unwrap_or_default().round_dp(2)
}

/// The contributions of the newest current run fitted on `campaign` alone, `None` without one.
pub async fn contributions(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<Option<Contributions>, StoreError> {
    let Some(stored) = store.newest_mmm_run_of(org, campaign).await? else {
        return Ok(None);
    };
    // Only the newest run on the campaign counts, and only while its data still holds.
    match super::is_current(store, org, &stored).await {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(crate::AppError::Store(e)) => return Err(e),
        Err(_) => return Ok(None),
    }
    let Ok(doc) = serde_json::from_str::<Value>(&stored.result) else {
        return Ok(None);
    };
    let d = &doc["decomposition"];
    let dates: Vec<NaiveDate> = d["dates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect();
    let mut per_day = vec![Decimal::ZERO; dates.len()];
    let mut by_platform: BTreeMap<Platform, Decimal> = BTreeMap::new();
    let mut offline = Decimal::ZERO;
    for (name, values) in d["channels"].as_object().into_iter().flatten() {
        let values: Vec<Decimal> = values
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| cents(v.as_f64().unwrap_or(0.0)).max(Decimal::ZERO))
            .collect();
        let total: Decimal = values.iter().copied().sum();
        match name.parse::<Platform>() {
            Ok(p) if p.is_ad_platform() => *by_platform.entry(p).or_default() += total,
            _ => offline += total,
        }
        for (day, v) in per_day.iter_mut().zip(values) {
            *day += v;
        }
    }
    let media = &doc["media"]["contribution"];
    let range = match (
        media["mean"].as_f64(),
        media["low"].as_f64(),
        media["high"].as_f64(),
    ) {
        (Some(mean), Some(low), Some(high)) if mean > 0.0 => {
            // Exact quotients of the amounts the run's page shows, not rounded factors: the ROI
            // at the interval's ends is then the one those amounts give, to the cent.
            let mean = cents(mean);
            let factor = |x: f64| cents(x).max(Decimal::ZERO).checked_div(mean);
            factor(low).zip(factor(high))
        }
        _ => None,
    };
    let label = format!(
        "run of {}, KPI {}, R² {:.2}",
        spendlens_core::dates::day(stored.created_at.date_naive()),
        super::kpi_label(doc["kpi"].as_str().unwrap_or_default()),
        doc["fit"]["r2"].as_f64().unwrap_or(0.0)
    );
    Ok(Some(Contributions {
        run_id: stored.id,
        label,
        days: dates
            .into_iter()
            .zip(per_day)
            .map(|(date, amount)| DailyRevenue { date, amount })
            .collect(),
        by_platform: by_platform.into_iter().collect(),
        offline,
        range,
    }))
}
