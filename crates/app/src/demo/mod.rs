//! A realistic sample organisation for `spendlens serve --demo`: four campaigns across LinkedIn,
//! Meta, Google Ads, Google Sheets and a Custom Integration, with 90 days of daily data up to
//! today, their conversion values and their daily snapshots (so trend arrows show at once); and
//! (see [`load_books`]) the exchange rates its books close at, and the Q4 campaign's GA4 revenue
//! and buyers' journeys; and (see [`first_model`]) a first marketing-mix run on them.
//!
//! Deterministic: the same day gives the same numbers (`spendlens_rng::mix` of the day and the
//! channel, integer arithmetic into exact decimals). Written through the `Store` trait like any
//! import, and idempotent: run again, it finds the demo account and its campaigns by name, moves
//! the dates along and upserts the rows (nothing is duplicated).

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignSpec, PlatformSettings};
use spendlens_core::daily::DailyRow;
use spendlens_store::{Store, StoreError};

use crate::AppError;

mod books;
mod ledger;
mod model;
pub use books::{BooksReport, JOURNEY_DAYS, load_books};
pub use model::first_model;

/// The demo account's e-mail address.
pub const DEMO_EMAIL: &str = "demo@spendlens.local";
/// The demo account's password (printed at start; documented in the README).
pub const DEMO_PASSWORD: &str = "spendlens-demo";
/// Days of data per campaign, up to and including today.
pub const DEMO_DAYS: u64 = 90;

/// How one platform of a demo campaign behaves.
#[derive(Debug, Clone, Copy)]
struct Channel {
    platform: Platform,
    /// Average daily spend, in whole currency units.
    daily_spend: i64,
    /// Cost per thousand impressions, in cents.
    cpm_cents: i64,
    /// Click-through rate in hundredths of a percent (55 = 0.55 %).
    ctr_bp: i64,
    /// Conversion rate in hundredths of a percent.
    cvr_bp: i64,
    /// Revenue the platform reports per conversion, in whole units (Meta purchase value).
    reported_value: Option<i64>,
}

/// A demo campaign.
#[derive(Debug, Clone)]
struct DemoCampaign {
    name: &'static str,
    currency: &'static str,
    budget: Option<i64>,
    /// Days after today the campaign ends (`None`: no end date).
    ends_in: Option<u64>,
    settings: PlatformSettings,
    channels: Vec<Channel>,
}

fn ch(platform: Platform, daily_spend: i64, cpm_cents: i64, ctr_bp: i64, cvr_bp: i64) -> Channel {
    Channel {
        platform,
        daily_spend,
        cpm_cents,
        ctr_bp,
        cvr_bp,
        reported_value: None,
    }
}

fn campaigns() -> Vec<DemoCampaign> {
    let units = |n: i64| Some(Decimal::from(n));
    vec![
        DemoCampaign {
            name: "Q4 Lead Gen (B2B)",
            currency: "USD",
            budget: Some(60_000),
            ends_in: Some(45),
            settings: PlatformSettings {
                linkedin_conversion_value: units(180),
                ga4_average_order_value: units(95),
                custom_integration_average_order_value: None,
            },
            channels: vec![
                ch(Platform::LinkedIn, 260, 3_800, 55, 110),
                ch(Platform::Meta, 95, 700, 110, 45),
                ch(Platform::GoogleAds, 180, 1_200, 320, 140),
            ],
        },
        DemoCampaign {
            name: "Spring Sale (E-commerce)",
            currency: "EUR",
            budget: Some(45_000),
            ends_in: Some(14),
            settings: PlatformSettings {
                linkedin_conversion_value: None,
                ga4_average_order_value: units(68),
                custom_integration_average_order_value: None,
            },
            channels: vec![
                Channel {
                    reported_value: Some(74),
                    ..ch(Platform::Meta, 240, 800, 160, 350)
                },
                ch(Platform::GoogleAds, 170, 1_500, 450, 610),
                ch(Platform::Sheets, 30, 900, 120, 150),
            ],
        },
        DemoCampaign {
            name: "Brand Awareness",
            currency: "USD",
            budget: Some(20_000),
            ends_in: Some(5),
            settings: PlatformSettings::default(),
            channels: vec![
                ch(Platform::Meta, 150, 500, 80, 40),
                ch(Platform::LinkedIn, 70, 3_200, 45, 60),
                ch(Platform::CustomIntegration, 30, 1_000, 90, 120),
            ],
        },
        DemoCampaign {
            name: "Always-on Search",
            currency: "GBP",
            budget: None,
            ends_in: None,
            settings: PlatformSettings {
                linkedin_conversion_value: None,
                ga4_average_order_value: units(120),
                custom_integration_average_order_value: None,
            },
            channels: vec![ch(Platform::GoogleAds, 140, 1_800, 510, 180)],
        },
    ]
}

/// A factor in thousandths between `low` and `low + width` for this day and channel.
fn noise(day: NaiveDate, salt: u64, low: i64, width: u64) -> i64 {
    let day_number = u64::try_from(day.num_days_from_ce()).unwrap_or(0);
    let r = spendlens_rng::mix(day_number.wrapping_mul(1_000_003) ^ salt) % width.max(1);
    low + i64::try_from(r).unwrap_or(0)
}

fn per_mille(value: Decimal, factor: i64) -> Decimal {
    value * Decimal::from(factor) / Decimal::from(1000)
}

/// The campaign name a demo campaign's rows of `platform` come under, as an ad account names
/// its campaigns ("Q4 Lead Gen (B2B) · Meta Ads").
fn external_name(c: &DemoCampaign, platform: Platform) -> String {
    format!("{} · {}", c.name, crate::labels::Label::label(&platform))
}

/// The name the rows of `platform` came under before demo data had campaign names: removed
/// when the demo is loaded again into a database of that time, so its rows are not doubled.
fn old_external_name(platform: Platform) -> String {
    format!("demo-{platform}")
}

/// The demo rows of one campaign for the `DEMO_DAYS` days ending `today`.
fn rows_of(c: &DemoCampaign, campaign_index: u64, today: NaiveDate) -> Vec<DailyRow> {
    let mut rows = Vec::new();
    for back in (0..DEMO_DAYS).rev() {
        let Some(day) = today.checked_sub_days(Days::new(back)) else {
            continue;
        };
        let age = i64::try_from(DEMO_DAYS - back).unwrap_or(0);
        // Weekends spend less; every campaign ramps up slightly over the quarter.
        let weekday = if day.weekday().number_from_monday() >= 6 {
            720
        } else {
            1000
        };
        for (k, chan) in c.channels.iter().enumerate() {
            let salt = campaign_index * 97 + u64::try_from(k).unwrap_or(0) * 13 + 1;
            let spend = per_mille(
                per_mille(
                    per_mille(Decimal::from(chan.daily_spend), noise(day, salt, 780, 440)),
                    weekday,
                ),
                880 + 3 * age,
            )
            .round_dp(2);
            let impressions =
                (spend * Decimal::from(100_000) / Decimal::from(chan.cpm_cents)).trunc();
            let clicks = per_mille(
                impressions * Decimal::from(chan.ctr_bp) / Decimal::from(10_000),
                noise(day, salt ^ 0xC1, 850, 300),
            )
            .trunc();
            let conversions = per_mille(
                clicks * Decimal::from(chan.cvr_bp) / Decimal::from(10_000),
                noise(day, salt ^ 0xC0, 700, 600),
            )
            .round_dp(2);
            let to_u64 = |d: Decimal| u64::try_from(d).unwrap_or(0);
            let mut row = DailyRow::empty(day, chan.platform, external_name(c, chan.platform));
            row.spend = spend;
            row.impressions = to_u64(impressions);
            row.clicks = to_u64(clicks);
            row.engagements = if chan.platform == Platform::Meta {
                0
            } else {
                to_u64(clicks) * 2
            };
            row.conversions = conversions;
            row.revenue = chan.reported_value.map(|v| {
                per_mille(
                    conversions * Decimal::from(v),
                    noise(day, salt ^ 0xAE, 850, 300),
                )
                .round_dp(2)
            });
            row.currency = Some(c.currency.to_owned());
            rows.push(row);
        }
    }
    rows
}

/// What loading the demo did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub campaigns: usize,
    pub rows: u64,
    pub snapshots: u64,
}

/// Creates (or refreshes) the demo organisation as of `now`. `password_hash` is the stored form
/// of [`DEMO_PASSWORD`] (from `crate::accounts::hash_password`, hashed once by the caller).
pub async fn load(
    store: &dyn Store,
    now: DateTime<Utc>,
    password_hash: &str,
) -> Result<DemoReport, AppError> {
    let today = now.date_naive();
    let org = match store
        .create_account(DEMO_EMAIL, password_hash, "Demo Agency", now)
        .await
    {
        Ok(p) => p.org_id,
        Err(StoreError::Conflict(_)) => store
            .credentials(DEMO_EMAIL)
            .await?
            .map(|c| c.org_id)
            .ok_or(AppError::NotFound)?,
        Err(e) => return Err(e.into()),
    };
    let existing = store.list_campaigns(&org).await?;
    let mut report = DemoReport::default();
    for (i, c) in campaigns().into_iter().enumerate() {
        let spec = CampaignSpec {
            name: c.name.to_owned(),
            currency: c.currency.to_owned(),
            budget: c.budget.map(Decimal::from),
            start_date: today.checked_sub_days(Days::new(DEMO_DAYS - 1)),
            end_date: c.ends_in.and_then(|d| today.checked_add_days(Days::new(d))),
            time_zone: "UTC".to_owned(),
        };
        let campaign = match existing.iter().find(|e| e.spec.name == c.name) {
            Some(found) => store
                .update_campaign(&org, &found.id, &spec, now)
                .await?
                .ok_or(AppError::NotFound)?,
            None => store.create_campaign(&org, &spec, now).await?,
        };
        store
            .put_settings(&org, &campaign.id, &c.settings, now)
            .await?;
        for chan in &c.channels {
            store
                .delete_rows(
                    &org,
                    &campaign.id,
                    chan.platform,
                    &old_external_name(chan.platform),
                    None,
                )
                .await?;
        }
        let rows = rows_of(&c, u64::try_from(i).unwrap_or(0), today);
        store
            .upsert_rows(&org, &campaign.id, &rows, None, now)
            .await?
            .ok_or(AppError::NotFound)?;
        report.campaigns += 1;
        report.rows += u64::try_from(rows.len()).unwrap_or(0);
    }
    report.snapshots = crate::snapshots::sweep(store, now).await?.written;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_rows_are_deterministic_and_plausible() {
        let today = day("2026-11-21");
        for (i, c) in campaigns().iter().enumerate() {
            let a = rows_of(c, i as u64, today);
            let b = rows_of(c, i as u64, today);
            assert_eq!(a, b, "{}", c.name);
            assert_eq!(a.len() as u64, DEMO_DAYS * c.channels.len() as u64);
            assert_eq!(a.first().map(|r| r.date), Some(day("2026-08-24")));
            assert_eq!(a.last().map(|r| r.date), Some(today));
            for r in &a {
                assert!(r.spend > Decimal::ZERO && r.spend.scale() <= 2, "{r:?}");
                assert!(r.clicks <= r.impressions, "{r:?}");
                assert!(r.conversions <= Decimal::from(r.clicks), "{r:?}");
            }
        }
    }

    #[test]
    fn the_sample_covers_the_pages_cases() {
        let all = campaigns();
        let platforms: std::collections::BTreeSet<_> = all
            .iter()
            .flat_map(|c| c.channels.iter().map(|ch| ch.platform.as_str()))
            .collect();
        assert!(platforms.len() >= 5, "{platforms:?}");
        assert!(
            all.iter()
                .any(|c| c.settings == PlatformSettings::default())
        );
        assert!(all.iter().any(|c| c.budget.is_none()));
        assert!(all.iter().any(|c| c.currency != "USD"));
    }
}
