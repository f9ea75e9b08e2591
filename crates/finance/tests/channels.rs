//! Named channels (TV, radio...) in the finance figures, computed by hand: their spend is media
//! cost of its own line, in the investment, the opportunity cost and ROAS, and the report lists
//! each channel apart from the platforms.

use chrono::NaiveDate;
use spendlens_core::campaign::CampaignId;
use spendlens_core::channel::{ChannelDay, ChannelName};
use spendlens_finance::encode;
use spendlens_finance::{
    FinanceError, FxRate, RatesTable, ReportRequest, calculate_campaign_roi,
    generate_financial_report,
};

use crate::support::*;

fn channel_day(date: NaiveDate, name: &str, spend: &str, impressions: Option<u64>) -> ChannelDay {
    ChannelDay {
        date,
        channel: ChannelName::parse(name).unwrap_or_else(|e| panic!("{e}")),
        spend: d(spend),
        impressions,
        currency: None,
    }
}

/// Campaign A of the worked example (see `roi.rs`) with TV on March 2 (500) and 5 (300, 1000
/// impressions) and on March 15 (after today), radio on February 28 (before the window) and
/// March 10 (100); campaign B (EUR) with TV on March 4 (40 EUR).
fn books_with_channels() -> spendlens_finance::OrgBooks {
    let mut a = campaign_a().book();
    a.channels = vec![
        channel_day(
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap_or_default(),
            "Radio",
            "50",
            None,
        ),
        channel_day(mar(2), "TV", "500", None),
        channel_day(mar(5), "tv", "300", Some(1000)),
        channel_day(mar(10), "Radio", "100", None),
        channel_day(mar(15), "TV", "999", None),
    ];
    let mut b = campaign_b().book();
    b.channels = vec![channel_day(mar(4), "TV", "40", Some(500))];
    books(vec![a, b], worked_ledger())
}

fn eur_usd() -> RatesTable {
    RatesTable::new(&[FxRate {
        from: "EUR".into(),
        to: "USD".into(),
        rate: d("1.25"),
    }])
    .unwrap_or_default()
}

/// A's costs without channels: 1961.2855 exactly (see `roi.rs`). The channels in the window: TV
/// 500 on day 2 and 300 on day 5, radio 100 on day 10 → 900, media 1200 + 900 = 2100.
/// Opportunity at 0.0001 a day on the days held to March 10: 1.2855 + 0.0001 × (500 × 9 +
/// 300 × 6 + 100 × 1) = 1.9255 → 1.93 in cents. Total 1960 + 900 + 1.93 = 2861.93; net
/// 2500 − 2861.93 = −361.93; ROI −12.6463…% → −12.65; ROAS 2500 / 2100 = 1.1905.
#[test]
fn channel_spend_is_media_cost_in_the_full_cost_roi() {
    let books = books_with_channels();
    let roi = calculate_campaign_roi(
        &books,
        &CampaignId::new("a"),
        period("2026-03"),
        mar(10),
        &settings(),
        &RatesTable::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(roi.costs.platform_spend, d("1000"));
    assert_eq!(roi.costs.channel_spend, d("900"));
    assert_eq!(roi.costs.media(), d("2100"));
    assert_eq!(roi.costs.overhead, d("400"));
    assert_eq!(roi.costs.opportunity, d("1.93"));
    assert_eq!(roi.total_investment, d("2861.93"));
    assert_eq!(roi.net_revenue, d("-361.93"));
    assert_eq!(roi.roi_percentage, Some(d("-12.65")));
    assert_eq!(roi.roas.map(|r| r.round_dp(4)), Some(d("1.1905")));
    let lines: Vec<(&str, String, Option<u64>, u64)> = roi
        .channels
        .iter()
        .map(|c| {
            (
                c.channel.as_str(),
                c.spend.to_string(),
                c.impressions,
                c.days,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Radio", "100".to_owned(), None, 1),
            ("tv", "800".to_owned(), Some(1000), 2),
        ]
    );
    let json = encode::campaign_roi(&roi);
    assert_eq!(json["costs"]["offline_channels"], "900.00", "{json}");
    assert_eq!(json["costs"]["media_spend"], "2100.00");
    assert_eq!(json["total_investment"], "2861.93");
    assert_eq!(json["offline_channels"][1]["channel"], "tv");
    assert_eq!(json["offline_channels"][1]["spend"], "800.00");
    assert_eq!(json["offline_channels"][1]["kind"], "offline_channel");

    // B in EUR: TV 40 on day 4, held 7 days: 0.028 more opportunity, 0.732 → 0.73 → 1320.73.
    let roi = calculate_campaign_roi(
        &books,
        &CampaignId::new("b"),
        period("2026-03"),
        mar(10),
        &settings(),
        &eur_usd(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(roi.costs.channel_spend, d("40"));
    assert_eq!(roi.total_investment, d("1320.73"));
}

#[test]
fn a_campaign_without_channels_answers_as_before() {
    let books = books(
        vec![campaign_a().book(), campaign_b().book()],
        worked_ledger(),
    );
    let roi = calculate_campaign_roi(
        &books,
        &CampaignId::new("a"),
        period("2026-03"),
        mar(10),
        &settings(),
        &RatesTable::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(roi.costs.channel_spend, d("0"));
    assert_eq!(roi.total_investment, d("1961.29"));
    let json = encode::campaign_roi(&roi);
    assert!(json["costs"].get("offline_channels").is_none(), "{json}");
    assert!(json.get("offline_channels").is_none(), "{json}");
}

/// In USD, each campaign's categories converted and rounded to the cent before they are added:
/// A 2861.93 + B (800 + 40 + 480 EUR → 1650 USD, opportunity 0.73 → 0.9125 → 0.91) 1650.91 =
/// 4512.84; ROI (3750 − 4512.84) / 4512.84 = −16.9038…% → −16.90. Channels: radio 100 (A),
/// TV 800 (A) + 40 × 1.25 = 50 (B) = 850 over two campaigns; platforms 1000 + 1000 = 2000, so
/// 2950 across platforms and channels. The platforms' lines stay the platforms'.
#[test]
fn the_report_lists_each_channel_apart_from_the_platforms() {
    let books = books_with_channels();
    let rates = eur_usd();
    let report = generate_financial_report(
        &books,
        &ReportRequest {
            period: period("2026-03"),
            today: mar(10),
            currency: "USD".into(),
            settings: settings(),
            rates: &rates,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let t = &report.totals;
    assert_eq!(t.costs.channel_spend, d("950"));
    assert_eq!(t.total_investment, d("4512.84"));
    assert_eq!(t.roi_percentage, Some(d("-16.90")));
    let lines: Vec<(&str, String, Option<u64>, u32)> = report
        .channels
        .iter()
        .map(|c| {
            (
                c.channel.as_str(),
                c.spend.normalize().to_string(),
                c.impressions,
                c.campaigns,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Radio", "100".to_owned(), None, 1),
            ("tv", "850".to_owned(), Some(1500), 2),
        ]
    );
    let platforms: Vec<(&str, String)> = report
        .platforms
        .iter()
        .map(|p| (p.platform.as_str(), p.spend.normalize().to_string()))
        .collect();
    assert_eq!(
        platforms,
        vec![
            ("meta", "1000".to_owned()),
            ("google_ads", "1000".to_owned())
        ]
    );
    let all = t.costs.all_spend();
    assert_eq!(
        (all.platforms, all.channels, all.total),
        (d("2000"), d("950"), d("2950"))
    );

    let json = encode::financial_report(&report);
    assert_eq!(
        json["totals"]["costs"]["offline_channels"], "950.00",
        "{json}"
    );
    assert_eq!(json["offline_channels"][1]["spend"], "850.00");
    assert_eq!(json["offline_channels"][1]["campaigns"], 2);
    assert_eq!(json["spend_all_channels"]["total"], "2950.00");
    assert_eq!(json["spend_all_channels"]["platforms"], "2000.00");
}

#[test]
fn a_channel_day_in_another_currency_is_named() {
    let mut a = campaign_a().book();
    let mut day = channel_day(mar(3), "Podcasts", "10", None);
    day.currency = Some("EUR".into());
    a.channels = vec![day];
    let books = books(vec![a], Vec::new());
    let result = calculate_campaign_roi(
        &books,
        &CampaignId::new("a"),
        period("2026-03"),
        mar(10),
        &settings(),
        &RatesTable::default(),
    );
    match result {
        Err(e @ FinanceError::ChannelCurrency { .. }) => {
            assert_eq!(
                e.to_string(),
                "campaign a: the Podcasts day of 2026-03-03 is in EUR, the campaign is in USD"
            );
        }
        other => panic!("{other:?}"),
    }
}
