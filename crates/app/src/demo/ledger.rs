//! The demo's cost ledger: what its campaigns cost beyond the media the platforms bill, so that
//! the finance pages show a true cost (and a payback that is not reached on the first day).
//!
//! - **Q4 Lead Gen (B2B), USD:** creative production of 4,800 plus a 600 share of fixed studio
//!   costs (64 hours) on its first day, and the agency's LinkedIn management fee, 1,200 for each
//!   30 days.
//! - **Spring Sale (E-commerce), EUR:** creative production of 2,900 (36 hours) on its first day,
//!   and a Google Ads management fee of 450 for each 30 days.
//! - **Brand Awareness, USD:** a video of 7,500 plus 1,000 of fixed costs (120 hours).
//! - **Always-on Search, GBP:** a Google Ads management fee of 600 for each 30 days.
//!
//! Written like a user's ledger file: one CSV per campaign, parsed by the import's own
//! [`parse_ledger_file`](spendlens_finance::parse_ledger_file) and stored all or nothing. Every
//! line has an `external_id` (an invoice number), so loading again updates the same entries (their
//! days follow the demo's window) and leaves alone what the user added.

use std::fmt::Write as _;

use chrono::{DateTime, Days, NaiveDate, Utc};
use spendlens_core::campaign::{Campaign, OrgId};
use spendlens_store::Store;

use super::DEMO_DAYS;
use crate::AppError;

/// Days each management fee covers.
const FEE_DAYS: u64 = 30;

/// A demo campaign's costs: its creative production (amount, fixed share, hours) and its
/// management fee (platform, amount per `FEE_DAYS`).
struct Costs {
    campaign: &'static str,
    creative: Option<(u32, u32, u32)>,
    fee: Option<(&'static str, u32)>,
}

const COSTS: [Costs; 4] = [
    Costs {
        campaign: "Q4 Lead Gen (B2B)",
        creative: Some((4_800, 600, 64)),
        fee: Some(("linkedin", 1_200)),
    },
    Costs {
        campaign: "Spring Sale (E-commerce)",
        creative: Some((2_900, 0, 36)),
        fee: Some(("google_ads", 450)),
    },
    Costs {
        campaign: "Brand Awareness",
        creative: Some((7_500, 1_000, 120)),
        fee: None,
    },
    Costs {
        campaign: "Always-on Search",
        creative: None,
        fee: Some(("google_ads", 600)),
    },
];

/// The ledger file of campaign `id` whose data start on `start`, in its currency; `tag`
/// prefixes the invoice numbers.
fn ledger_csv(costs: &Costs, id: &str, tag: &str, start: NaiveDate) -> String {
    let mut csv = String::from(
        "campaign_id,external_id,category,amount,resource_hours,fixed_cost_allocation,\
         incurred_on,platform,billing_period\n",
    );
    if let Some((amount, fixed, hours)) = costs.creative {
        let _ = writeln!(
            csv,
            "{id},{tag}-CR-1,creative_production,{amount},{hours},{fixed},{start},,"
        );
    }
    if let Some((platform, amount)) = costs.fee {
        for n in 0..DEMO_DAYS.div_ceil(FEE_DAYS) {
            let (Some(from), Some(to)) = (
                start.checked_add_days(Days::new(n * FEE_DAYS)),
                start.checked_add_days(Days::new((n + 1) * FEE_DAYS - 1)),
            ) else {
                continue;
            };
            let _ = writeln!(
                csv,
                "{id},{tag}-FEE-{},platform_fees,{amount},,,,{platform},{from}..{to}",
                n + 1
            );
        }
    }
    csv
}

/// Stores the demo's campaign costs (see the module's docs); the number of entries written.
pub(super) async fn store_ledger(
    store: &dyn Store,
    org: &OrgId,
    campaigns: &[Campaign],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let start = today
        .checked_sub_days(Days::new(DEMO_DAYS - 1))
        .ok_or(AppError::NotFound)?;
    let mut count = 0;
    for (i, costs) in COSTS.iter().enumerate() {
        let Some(campaign) = campaigns.iter().find(|c| c.spec.name == costs.campaign) else {
            continue;
        };
        let csv = ledger_csv(
            costs,
            campaign.id.as_str(),
            &format!("DEMO-{}", i + 1),
            start,
        );
        let entries = spendlens_finance::parse_ledger_file(csv.as_bytes(), &campaign.spec.currency)
            .map_err(|e| AppError::invalid("demo ledger", e.to_string()))?;
        store
            .import_ledger_entries(org, &campaign.id, &entries, now)
            .await?
            .ok_or(AppError::NotFound)?;
        count += entries.len();
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fees_cover_the_demo_s_days_and_the_creative_its_first() {
        let start = NaiveDate::from_ymd_opt(2026, 9, 9).unwrap_or_default();
        let csv = ledger_csv(&COSTS[0], "c1", "DEMO-1", start);
        let entries = spendlens_finance::parse_ledger_file(csv.as_bytes(), "USD")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 4, "{csv}");
        assert!(csv.contains("c1,DEMO-1-CR-1,creative_production,4800,64,600,2026-09-09,,"));
        assert!(
            csv.contains("c1,DEMO-1-FEE-1,platform_fees,1200,,,,linkedin,2026-09-09..2026-10-08")
        );
        // The three fees cover the 90 days from the first, no day twice.
        assert!(
            csv.contains("c1,DEMO-1-FEE-3,platform_fees,1200,,,,linkedin,2026-11-08..2026-12-07")
        );
    }
}
