//! The financial report over two currencies, its JSON form, and the CSV import feeding it.

use serde_json::json;
use spendlens_core::analysis::PacingStatus;
use spendlens_finance::encode;
use spendlens_finance::{
    ConfidenceLevel, FinanceError, FxRate, OverheadMethod, Payback, RatesTable, ReportRequest,
    UnallocatedReason, generate_financial_report, parse_ledger_csv,
};

use crate::support::*;

fn rates() -> RatesTable {
    RatesTable::new(&[FxRate {
        from: "EUR".into(),
        to: "USD".into(),
        rate: d("1.25"),
    }])
    .unwrap_or_default()
}

fn request(rates: &RatesTable) -> ReportRequest<'_> {
    ReportRequest {
        period: period("2026-03"),
        today: mar(10),
        currency: "usd".into(),
        settings: settings(),
        rates,
    }
}

/// The worked example (see `roi.rs`) as a report in USD. B's figures (in cents) are converted at
/// 1.25 and rounded to the cent: platform 800 → 1000, overhead 480 → 600, opportunity 0.70 →
/// 0.875 → 0.88, revenue 1000 → 1250. Totals: investment 1961.29 + 1600.88 = 3562.17 (the sum of
/// the categories as shown: opportunity 1.29 + 0.88 = 2.17), revenue 3750, net 187.83, ROI
/// 5.2729…% → 5.27, ROAS 3750 / 2200.
#[test]
fn worked_example_report() {
    let books = books(
        vec![campaign_a().book(), campaign_b().book()],
        worked_ledger(),
    );
    let rates = rates();
    let report =
        generate_financial_report(&books, &request(&rates)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.currency, "USD");
    assert_eq!(report.window, Some(period("2026-03-01..2026-03-10")));

    let t = &report.totals;
    assert_eq!(t.costs.platform_spend, d("2000"));
    assert_eq!(t.costs.media_entries, d("200"));
    assert_eq!(t.costs.creative, d("350"));
    assert_eq!(t.costs.platform_fees, d("10"));
    assert_eq!(t.costs.overhead, d("1000"));
    assert_eq!(t.costs.opportunity, d("2.17"));
    assert_eq!(t.unallocated_overhead, d("0"));
    assert_eq!(t.total_investment, d("3562.17"));
    assert_eq!(t.attributed_revenue, d("3750"));
    assert_eq!(t.net_revenue, Some(d("187.83")));
    assert_eq!(t.roi_percentage, Some(d("5.27")));
    assert_eq!(t.roas.map(|r| r.round_dp(2)), Some(d("1.70")));
    assert_eq!(t.conversions, d("70"));

    let names: Vec<&str> = report.campaigns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["Campaign a", "Campaign b"]);
    let a = &report.campaigns[0];
    assert_eq!(a.roi.roi_percentage, Some(d("27.47")));
    assert_eq!(
        a.roi.payback,
        Payback::Reached {
            date: mar(6),
            days: 6
        }
    );
    // Budget: 1000 of 5000 spent; 100 a day against 5000 / 31 = 161.29 → 62 % → behind.
    assert_eq!(a.budget.used_pct, d("20"));
    assert_eq!(a.budget.pacing_status, PacingStatus::Behind);
    let b = &report.campaigns[1];
    assert_eq!(b.roi.currency, "EUR");
    assert_eq!(b.roi.total_investment, d("1280.70"));
    assert_eq!(b.budget.budget, None);
    assert_eq!(b.roi.confidence.level, ConfidenceLevel::Low);

    // Platforms: Meta (A: 1000 spend, 10 fees, 50 conversions), Google Ads (B: 1000 USD, 20).
    let lines: Vec<_> = report
        .platforms
        .iter()
        .map(|p| {
            (
                p.platform.as_str(),
                p.known,
                p.spend,
                p.fees,
                p.cost_per_conversion,
                p.campaigns,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("meta", true, d("1000"), d("10"), Some(d("20.2")), 1),
            ("google_ads", true, d("1000"), d("0"), Some(d("50")), 1),
        ]
    );

    // The 2025 overhead has no campaign to carry it and nothing of it falls in March.
    assert_eq!(report.unallocated_overhead.len(), 1);
    let u = &report.unallocated_overhead[0];
    assert_eq!(
        (u.entry_index, u.reason, u.amount, u.in_period),
        (5, UnallocatedReason::NoActiveCampaign, d("730"), d("0"))
    );

    let used: Vec<(&str, &str, bool)> = report
        .rates_used
        .iter()
        .map(|r| (r.from.as_str(), r.to.as_str(), r.inverted))
        .collect();
    assert_eq!(used, vec![("EUR", "USD", false), ("USD", "EUR", true)]);
}

/// The worked example with B's revenue not measured (no platform revenue, no conversion value):
/// B gets no ROI, ROAS or payback verdict, and the totals' ROI and ROAS leave it out. With no
/// unallocated overhead they are then A's own: (2500 − 1961.29) / 1961.29 = 27.4671…% →
/// 27.47 (as in `roi.rs`), and ROAS 2500 / 1200. B's cost stays in the total investment.
#[test]
fn a_campaign_whose_revenue_is_not_measured_is_left_out_of_the_return() {
    let mut b = campaign_b().book();
    b.revenue.days.clear();
    b.revenue.basis = spendlens_finance::books::RevenueBasis::Unmeasured;
    let books = books(vec![campaign_a().book(), b], worked_ledger());
    let rates = rates();
    let report =
        generate_financial_report(&books, &request(&rates)).unwrap_or_else(|e| panic!("{e}"));
    let t = &report.totals;
    assert_eq!(t.unmeasured_campaigns, 1);
    assert_eq!(t.total_investment, d("3562.17"));
    assert_eq!(t.attributed_revenue, d("2500"));
    // Net revenue is over the same campaigns as the ROI: 2500 − 1961.29, not 2500 − 3562.17.
    assert_eq!(t.net_revenue, Some(d("538.71")));
    assert_eq!(t.roi_percentage, Some(d("27.47")));
    assert_eq!(t.roas.map(|r| r.round_dp(4)), Some(d("2.0833")));
    let b = &report.campaigns[1].roi;
    assert_eq!((b.roi_percentage, b.roas), (None, None));
    assert_eq!(b.payback, Payback::NotMeasured);
    assert_eq!(b.confidence.level, ConfidenceLevel::NotMeasurable);
    let json = encode::financial_report(&report);
    assert_eq!(json["totals"]["unmeasured_campaigns"], 1);
    assert_eq!(json["campaigns"][1]["roi_percentage"], json!(null));
    assert_eq!(
        json["campaigns"][1]["payback_period"]["status"],
        "not_measured"
    );

    // Every campaign unmeasured: no return at all.
    let mut a = campaign_a().book();
    a.revenue.days.clear();
    a.revenue.basis = spendlens_finance::books::RevenueBasis::Unmeasured;
    let mut b = campaign_b().book();
    b.revenue.days.clear();
    b.revenue.basis = spendlens_finance::books::RevenueBasis::Unmeasured;
    let report = generate_financial_report(&books_of(vec![a, b]), &request(&rates))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            report.totals.net_revenue,
            report.totals.roi_percentage,
            report.totals.roas
        ),
        (None, None, None)
    );
    assert_eq!(report.totals.unmeasured_campaigns, 2);
    let json = encode::financial_report(&report);
    assert_eq!(json["totals"]["net_revenue"], json!(null));
}

fn books_of(campaigns: Vec<spendlens_finance::CampaignBook>) -> spendlens_finance::OrgBooks {
    books(campaigns, worked_ledger())
}

#[test]
fn a_missing_rate_is_named() {
    let org = books(
        vec![campaign_a().book(), campaign_b().book()],
        worked_ledger(),
    );
    let empty = RatesTable::default();
    let err = generate_financial_report(&org, &request(&empty)).err();
    assert_eq!(
        err.as_ref().map(ToString::to_string),
        Some(
            "missing exchange rate USD → EUR: add it (or EUR → USD) to the rates table".to_owned()
        )
    );
    // Only the report conversion missing: the overhead is in EUR, so B needs no rate, but the
    // totals in GBP do.
    let ledger = vec![overhead("100", "EUR", OverheadMethod::TimeBased, "2026-03")];
    let org = books(vec![campaign_b().book()], ledger);
    let mut req = request(&empty);
    req.currency = "GBP".into();
    assert_eq!(
        generate_financial_report(&org, &req),
        Err(FinanceError::MissingRate {
            from: "EUR".into(),
            to: "GBP".into()
        })
    );
}

/// Overhead nobody can carry counts in the organisation's investment, for its part in the
/// period: 1000 EUR over March 1–10 with only a campaign without people → a report over
/// March 6–31 (today March 10) takes 5 of its 10 days → 500 EUR → 625 USD.
#[test]
fn unallocated_overhead_in_the_period() {
    let mut b = campaign_b();
    b.headcount = 0;
    let books = books(
        vec![b.book()],
        vec![overhead(
            "1000",
            "EUR",
            OverheadMethod::Headcount,
            "2026-03-01..2026-03-10",
        )],
    );
    let rates = rates();
    let mut req = request(&rates);
    req.period = period("2026-03-06..2026-03-31");
    let report = generate_financial_report(&books, &req).unwrap_or_else(|e| panic!("{e}"));
    let u = &report.unallocated_overhead[0];
    assert_eq!(
        (u.reason, u.in_period),
        (UnallocatedReason::NoHeadcount, d("625"))
    );
    assert_eq!(report.totals.unallocated_overhead, d("625"));
    // B over March 6–10 in USD: spend 5 × 80 × 1.25 = 500, opportunity 0.0001 × 80 × 15 × 1.25
    // = 0.15; plus the 625.
    assert_eq!(report.totals.total_investment, d("1125.15"));
}

#[test]
fn the_report_encodes_to_json_with_rounded_money() {
    let books = books(
        vec![campaign_a().book(), campaign_b().book()],
        worked_ledger(),
    );
    let rates = rates();
    let report =
        generate_financial_report(&books, &request(&rates)).unwrap_or_else(|e| panic!("{e}"));
    let value = encode::financial_report(&report);
    assert_eq!(value["currency"], json!("USD"));
    assert_eq!(
        value["period"],
        json!({ "start": "2026-03-01", "end": "2026-03-31" })
    );
    assert_eq!(value["totals"]["total_investment"], json!("3562.17"));
    assert_eq!(value["totals"]["net_revenue"], json!("187.83"));
    assert_eq!(value["totals"]["roi_percentage"].to_string(), "5.27");
    assert_eq!(value["totals"]["costs"]["opportunity_cost"], json!("2.17"));
    let a = &value["campaigns"][0];
    assert_eq!(a["name"], json!("Campaign a"));
    assert_eq!(a["campaign_id"], json!("a"));
    assert_eq!(a["total_investment"], json!("1961.29"));
    assert_eq!(a["roi_percentage"].to_string(), "27.47");
    assert_eq!(a["roas"].to_string(), "2.08");
    assert_eq!(
        a["payback_period"],
        json!({ "status": "reached", "days": 6, "date": "2026-03-06" })
    );
    assert_eq!(a["confidence_level"]["level"], json!("medium"));
    assert_eq!(
        a["confidence_level"]["interval_90"],
        json!({ "lower": 27.47, "upper": 27.47 })
    );
    assert_eq!(a["costs"]["media_spend"], json!("1200.00"));
    // The pacing is the verdict the pages show: inside the budget and its projection, the pace.
    assert_eq!(a["budget"]["pacing"], json!({ "verdict": "behind" }));
    assert_eq!(a["budget"]["pacing_pct"].to_string(), "62.0");
    // B has no budget: nothing judged, no stand-in figure.
    let b = &value["campaigns"][1]["budget"];
    assert_eq!(b["pacing"], json!({ "verdict": "no_budget" }), "{b}");
    assert_eq!(
        (&b["pacing_pct"], &b["used_pct"], &b["status"]),
        (&json!(null), &json!(null), &json!(null))
    );
    assert_eq!(
        value["rates_used"][1],
        json!({ "from": "USD", "to": "EUR", "rate": "0.8", "inverted": true })
    );
    assert_eq!(
        value["unallocated_overhead"][0]["reason"],
        json!("no_active_campaign")
    );
    // Text round trip: money stays exact text.
    let text = value.to_string();
    assert!(text.contains("\"total_investment\":\"3562.17\""));
}

/// A CSV ledger imports and feeds the same report as the hand-built ledger.
#[test]
fn an_imported_ledger_gives_the_same_report() {
    let csv = "category,campaign_id,amount,currency,attribution_method,allocation_date,resource_hours,fixed_cost_allocation,incurred_on,platform,billing_period,allocation_method,reporting_period\n\
        media_spend,a,200,,first_touch,2026-03-03,,,,,,,\n\
        media_spend,a,999,,first_touch,2026-03-20,,,,,,,\n\
        creative_production,a,300,,,,12,50,2026-03-01,,,,\n\
        platform_fees,a,31,,,,,,,Meta Ads,2026-03,,\n\
        operational_overhead,,3100,,,,,,,,,headcount,2026-03\n\
        operational_overhead,,730,,,,,,,,,time_based,2025\n";
    let entries = parse_ledger_csv(csv.as_bytes(), "USD").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entries, worked_ledger());
    let rates = rates();
    let from_csv = generate_financial_report(
        &books(vec![campaign_a().book(), campaign_b().book()], entries),
        &request(&rates),
    );
    let by_hand = generate_financial_report(
        &books(
            vec![campaign_a().book(), campaign_b().book()],
            worked_ledger(),
        ),
        &request(&rates),
    );
    assert_eq!(from_csv, by_hand);
    assert!(from_csv.is_ok());
}
