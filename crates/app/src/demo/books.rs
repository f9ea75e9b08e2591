//! What a team sets up once its ad data arrive, for the demo: the exchange rates its books close
//! at, the analytics revenue it connects, and the buyer journeys it imports for attribution. Kept
//! apart from [`super::load`] so that the tests built on the demo's figures see the campaigns'
//! ad data alone (the platforms' revenue, no rates); `spendlens serve --demo` loads both.
//!
//! **Costs.** Creative production and management fees on the campaigns' ledgers (see
//! [`super::ledger`]), so their ROI is on a true cost.
//!
//! **Rates.** EUR → USD 1.16, GBP → USD 1.33 and GBP → EUR 1.1466 (illustrative, not market
//! data), so the portfolio's totals and the financial report take in all four campaigns. Only a
//! missing pair is added: a rate the user changed stays.
//!
//! **GA4 revenue.** What the business booked each day on the Q4 campaign's site, as Google
//! Analytics 4 reports it: a baseline (450 a weekday, less at weekends) plus what each platform's
//! spend truly caused, carried over with a geometric adstock (half of it the next day), at a
//! return of 2.2 for Google Ads, 1.3 for Meta and 0.7 for LinkedIn, with day-to-day noise. It is
//! the KPI a marketing-mix run should explain (the platforms' own revenue is their claim), and
//! those returns are what such a run should roughly find, though spend that never stops leaves
//! them poorly determined, as the run says. Conversions are the revenue over the campaign's GA4
//! order value (95). Upserted on their day, like any import.
//!
//! **Journeys.** The Q4 B2B campaign's buyers' paths over its 90 days of data (up to
//! yesterday). A campaign that never chose a revenue basis credits its platforms by attribution
//! where touchpoints exist (see `finance::basis`), so the demo's Q4 ROI rests on these journeys:
//! about 5.5 leads a day against the 7 or so its platforms claim, as platforms over-claim.
//!
//! Each journey touches the campaign's three ad platforms, organic social and e-mail, named as
//! an analytics export names its channels (attribution maps "Google Ads" to its platform), in an
//! order typical of B2B lead generation: LinkedIn and Meta open more journeys, search and e-mail
//! close more. A journey converts more often when search or LinkedIn took part and when its path
//! is longer. Every conversion is one lead, worth the campaign's LinkedIn conversion value (180).
//! Deterministic: the journeys of a day depend on that day only (`spendlens_rng::mix`).
//!
//! Written like an upload: the rows are a touchpoint CSV, checked by the upload's own
//! [`check_rows`](crate::touchpoints::check_rows) and stored all or nothing. Idempotent: a
//! journey's id is its day and number, so loading again upserts the same rows (nothing is
//! duplicated) and adds the days that are new. The rows carry the Q4 campaign's id, so they
//! count for it alone.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use spendlens_core::Platform;
use spendlens_core::campaign::OrgId;
use spendlens_core::daily::DailyRow;
use spendlens_finance::FxRate;
use spendlens_store::{Store, TouchKind, TouchpointImport};

use super::{DEMO_EMAIL, campaigns};
use crate::AppError;
use crate::touchpoints::TouchpointFailure;

/// Days of journeys, ending yesterday: the demo's days of data.
pub const JOURNEY_DAYS: u64 = super::DEMO_DAYS;
/// The value of one converted journey (a lead), in the campaign's currency.
const LEAD_VALUE: u32 = 180;

/// The demo's exchange rates: from, to, rate.
const RATES: [(&str, &str, &str); 3] = [
    ("EUR", "USD", "1.16"),
    ("GBP", "USD", "1.33"),
    ("GBP", "EUR", "1.1466"),
];

/// The return each Q4 platform's spend truly has on the GA4 revenue, in thousandths.
const GA4_RETURN: [(Platform, i64); 3] = [
    (Platform::GoogleAds, 2_200),
    (Platform::Meta, 1_300),
    (Platform::LinkedIn, 700),
];

/// The Q4 campaign's GA4 rows for the demo's days up to `today`, from its spend rows.
pub(crate) fn ga4_rows(spend_rows: &[DailyRow], today: NaiveDate) -> Vec<DailyRow> {
    let half = Decimal::new(5, 1);
    let mut carried: BTreeMap<Platform, Decimal> = BTreeMap::new();
    let mut out = Vec::new();
    for back in (0..super::DEMO_DAYS).rev() {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            continue;
        };
        let weekday = if day.weekday().number_from_monday() >= 6 {
            700
        } else {
            1000
        };
        let mut revenue = super::per_mille(
            super::per_mille(Decimal::from(450), weekday),
            super::noise(day, 0x6A4, 850, 300),
        );
        for (salt, (platform, per_mille)) in (0x6A5u64..).zip(GA4_RETURN) {
            let spend: Decimal = spend_rows
                .iter()
                .filter(|r| r.date == day && r.platform == platform)
                .map(|r| r.spend)
                .sum();
            let stock = carried.entry(platform).or_default();
            *stock = *stock * half + spend * half;
            revenue += super::per_mille(
                super::per_mille(*stock, per_mille),
                super::noise(day, salt, 900, 200),
            );
        }
        let revenue = revenue.round_dp(2);
        let mut row = DailyRow::empty(day, Platform::Ga4, GA4_PROPERTY);
        row.revenue = Some(revenue);
        row.conversions = (revenue / Decimal::from(GA4_ORDER_VALUE)).round_dp(2);
        row.currency = Some("USD".to_owned());
        out.push(row);
    }
    out
}

/// The GA4 property the Q4 campaign's revenue rows come under.
const GA4_PROPERTY: &str = "Demo store · GA4";

/// The Q4 campaign's GA4 order value (its settings' `ga4_average_order_value`).
const GA4_ORDER_VALUE: i64 = 95;

/// What loading the books did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BooksReport {
    /// Rates in the table after loading.
    pub rates: usize,
    /// The demo's cost ledger entries (creative production, management fees).
    pub costs: usize,
    /// Days of GA4 revenue stored.
    pub ga4_days: usize,
    pub journeys: usize,
    pub conversions: usize,
}

/// One of `weights`' channels, chosen by `r` in proportion to its weight.
fn pick(r: u64, weights: &[(&'static str, u64)]) -> &'static str {
    let total: u64 = weights.iter().map(|(_, w)| w).sum();
    let mut at = r % total.max(1);
    for (name, w) in weights {
        if at < *w {
            return name;
        }
        at -= w;
    }
    weights.last().map_or("Email", |(name, _)| name)
}

/// A deterministic draw for this day, journey and purpose.
fn draw(day: NaiveDate, journey: u64, purpose: u64) -> u64 {
    let day_number = u64::try_from(day.num_days_from_ce()).unwrap_or(0);
    spendlens_rng::mix(
        day_number.wrapping_mul(0x9E37_79B9) ^ journey.wrapping_mul(1_000_003) ^ (purpose << 40),
    )
}

/// The journeys converting or ending on each of the `JOURNEY_DAYS` days before `today`, as a
/// touchpoint CSV tagged with `campaign_id`.
pub(crate) fn journeys_csv(today: NaiveDate, campaign_id: &str) -> String {
    let mut csv = String::from("journey_id,timestamp,event,channel,value,campaign_id\n");
    for back in (1..=JOURNEY_DAYS).rev() {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            continue;
        };
        let count = 9 + draw(day, 0, 1) % 6;
        for j in 1..=count {
            let touches = 1 + draw(day, j, 2) % 4;
            let mut path = Vec::new();
            for t in 0..touches {
                let r = draw(day, j, 10 + t);
                let channel = if t == 0 {
                    pick(
                        r,
                        &[
                            ("LinkedIn", 35),
                            ("Meta", 30),
                            ("Google Ads", 20),
                            ("Organic Social", 15),
                        ],
                    )
                } else if t + 1 == touches {
                    pick(
                        r,
                        &[
                            ("Google Ads", 45),
                            ("LinkedIn", 20),
                            ("Email", 20),
                            ("Meta", 15),
                        ],
                    )
                } else {
                    pick(
                        r,
                        &[
                            ("Meta", 30),
                            ("LinkedIn", 25),
                            ("Google Ads", 25),
                            ("Email", 20),
                        ],
                    )
                };
                path.push(channel);
                // Touches two days apart, the last on `day`.
                let on = day
                    .checked_sub_days(Days::new(2 * (touches - 1 - t)))
                    .unwrap_or(day);
                let _ = writeln!(
                    csv,
                    "demo-{day}-{j:02},{on}T{:02}:00:00Z,touch,{channel},,{campaign_id}",
                    9 + t
                );
            }
            let per_mille = 220
                + if path.contains(&"Google Ads") { 180 } else { 0 }
                + if path.contains(&"LinkedIn") { 100 } else { 0 }
                + 70 * (touches - 1);
            if draw(day, j, 3) % 1000 < per_mille {
                let _ = writeln!(
                    csv,
                    "demo-{day}-{j:02},{day}T18:00:00Z,conversion,,{LEAD_VALUE},{campaign_id}"
                );
            }
        }
    }
    csv
}

/// Adds the demo's rates the organisation's table lacks (checked by the rates editor's rules);
/// the number of rates in the table.
async fn store_rates(
    store: &dyn Store,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut settings = store
        .finance_settings(org)
        .await?
        .unwrap_or_else(crate::finance::settings::default_settings);
    let mut list = settings.rates.clone();
    for (from, to, rate) in RATES {
        if !list
            .iter()
            .any(|r| crate::finance::rates::same_pair(r, from, to))
        {
            list.push(FxRate {
                from: from.to_owned(),
                to: to.to_owned(),
                rate: rate
                    .parse()
                    .map_err(|e| AppError::invalid("rates", format!("{e}")))?,
            });
        }
    }
    settings.rates = crate::finance::settings::rates(list).map_err(AppError::Fields)?;
    store.put_finance_settings(org, &settings, now).await?;
    Ok(settings.rates.len())
}

/// Stores the demo's rates, costs, and the Q4 campaign's GA4 revenue and journeys, as of `now`,
/// after [`super::load`] (which creates the organisation and its campaigns).
pub async fn load_books(store: &dyn Store, now: DateTime<Utc>) -> Result<BooksReport, AppError> {
    let org = store
        .credentials(DEMO_EMAIL)
        .await?
        .map(|c| c.org_id)
        .ok_or(AppError::NotFound)?;
    let rates = store_rates(store, &org, now).await?;
    let q4 = campaigns()
        .into_iter()
        .next()
        .map(|c| c.name)
        .ok_or(AppError::NotFound)?;
    let all = store.list_campaigns(&org).await?;
    let costs = super::ledger::store_ledger(store, &org, &all, now.date_naive(), now).await?;
    let campaign = all
        .iter()
        .find(|c| c.spec.name == q4)
        .ok_or(AppError::NotFound)?;
    let today = now.date_naive();
    let spend = super::rows_of(campaigns().first().ok_or(AppError::NotFound)?, 0, today);
    let ga4 = ga4_rows(&spend, today);
    // Rows of a demo loaded before its property had a name.
    store
        .delete_rows(&org, &campaign.id, Platform::Ga4, "demo-ga4", None)
        .await?;
    store
        .upsert_rows(&org, &campaign.id, &ga4, None, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let csv = journeys_csv(today, &campaign.id.to_string());
    let ids: HashSet<String> = all.iter().map(|c| c.id.to_string()).collect();
    let rows = crate::touchpoints::check_rows(csv.as_bytes(), &ids).map_err(|e| match e {
        TouchpointFailure::Store(e) => AppError::from(e),
        other => AppError::invalid("demo journeys", format!("{other:?}")),
    })?;
    let record = TouchpointImport {
        file_name: Some("demo-journeys.csv".to_owned()),
        content_hash: hex::encode(Sha256::digest(csv.as_bytes())),
    };
    store
        .import_touchpoints(&org, &rows, &record, false, now)
        .await?;
    Ok(BooksReport {
        rates,
        costs,
        ga4_days: ga4.len(),
        journeys: rows
            .iter()
            .map(|r| r.journey_id.as_str())
            .collect::<HashSet<_>>()
            .len(),
        conversions: rows
            .iter()
            .filter(|r| r.kind == TouchKind::Conversion)
            .count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GA4 revenue is the baseline plus each platform's adstocked spend at its return: over
    /// the 90 days it adds up (within the noise) to what that formula gives, independently.
    #[test]
    fn the_ga4_revenue_is_the_baseline_plus_what_the_spend_caused() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
        let q4 = &campaigns()[0];
        let spend = super::super::rows_of(q4, 0, today);
        let rows = ga4_rows(&spend, today);
        assert_eq!(rows.len(), 90);
        assert_eq!(rows, ga4_rows(&spend, today));
        let total: Decimal = rows.iter().filter_map(|r| r.revenue).sum();
        let by = |p: Platform| -> Decimal {
            spend
                .iter()
                .filter(|r| r.platform == p)
                .map(|r| r.spend)
                .sum()
        };
        // Adstock carries each day's spend over, so the whole of it lands (less the tail after
        // the last day); the noise averages 1.0 on the effects and on the baseline.
        let caused = by(Platform::GoogleAds) * Decimal::new(22, 1)
            + by(Platform::Meta) * Decimal::new(13, 1)
            + by(Platform::LinkedIn) * Decimal::new(7, 1);
        let baseline = Decimal::from(450) * Decimal::from(90) * Decimal::new(914, 3);
        let expected = caused + baseline;
        let gap = ((total - expected) / expected).abs();
        assert!(gap < Decimal::new(3, 2), "{total} against {expected}");
        for r in &rows {
            assert_eq!(r.platform, Platform::Ga4);
            assert_eq!(r.spend, Decimal::ZERO);
            assert!(
                r.revenue
                    .is_some_and(|v| v > Decimal::ZERO && v.scale() <= 2)
            );
        }
    }

    #[test]
    fn the_journeys_are_deterministic_valid_and_plausible() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
        let csv = journeys_csv(today, "c1");
        assert_eq!(csv, journeys_csv(today, "c1"));
        let ids: HashSet<String> = ["c1".to_owned()].into();
        let rows = crate::touchpoints::check_rows(csv.as_bytes(), &ids)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let journeys: HashSet<&str> = rows.iter().map(|r| r.journey_id.as_str()).collect();
        let conversions = rows
            .iter()
            .filter(|r| r.kind == TouchKind::Conversion)
            .count();
        // 9 to 14 journeys a day for 90 days; about half convert.
        assert!((900..=1150).contains(&journeys.len()), "{}", journeys.len());
        assert!(
            conversions * 3 > journeys.len() && conversions * 4 < journeys.len() * 3,
            "{conversions} of {}",
            journeys.len()
        );
        // Nothing after yesterday; every platform of the campaign and the unpaid channels appear.
        let last = rows.iter().map(|r| r.at_nanos).max().unwrap_or(0);
        let midnight = today
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_utc().timestamp_nanos_opt())
            .unwrap_or(0);
        assert!(last < midnight);
        let channels: HashSet<&str> = rows.iter().filter_map(|r| r.channel.as_deref()).collect();
        for c in ["LinkedIn", "Meta", "Google Ads", "Email", "Organic Social"] {
            assert!(channels.contains(c), "{c}: {channels:?}");
        }
        // A day's journeys do not change when the window moves on.
        let later = journeys_csv(today + Days::new(1), "c1");
        let first_day_kept = csv
            .lines()
            .filter(|l| l.starts_with("demo-2026-11-20-"))
            .all(|l| later.contains(l));
        assert!(first_day_kept);
    }
}
