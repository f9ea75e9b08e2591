//! XLSX workbooks read with calamine.

use chrono::NaiveDate;
use rust_decimal_macros::dec;
use spendlens_core::Platform;
use spendlens_ingest::{ImportOptions, Source, detect, parse_workbook, summary};

use super::support::{assert_matches_file_total, fixture};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, d).expect("date")
}

#[test]
fn spend_tracker_picks_the_daily_sheet_and_keeps_decimals_exact() {
    let bytes = fixture("spend_tracker.xlsx");
    assert_eq!(
        detect(&bytes, "tracker.xlsx").expect("detected"),
        Source::Workbook
    );
    let p =
        parse_workbook(&bytes, "spend_tracker.xlsx", &ImportOptions::default()).expect("imports");
    assert_eq!(
        p.file, "spend_tracker.xlsx [Daily actuals]",
        "the pacing sheet has no daily header"
    );
    assert_eq!(p.rows.len(), 4);
    let r = &p.rows[0];
    assert_eq!(
        (r.date, r.platform, r.external_campaign_id.as_str()),
        (day(1), Platform::Meta, "Prospecting - Broad")
    );
    assert_eq!(
        (r.spend, r.impressions, r.clicks, r.conversions),
        (dec!(84.53), 10234, 187, dec!(6))
    );
    assert_eq!(r.revenue, Some(dec!(412.8)));
    assert_eq!(p.rows[1].platform, Platform::LinkedIn);
    assert_eq!(
        p.rows[2].spend,
        dec!(0.1),
        "a float cell of 0.1 is exactly 0.1"
    );
    assert_eq!(p.rows[2].conversions, dec!(2.5));
    assert_eq!(p.rows[2].revenue, None);
    assert_eq!(
        (p.rows[3].date, p.rows[3].platform),
        (day(3), Platform::GoogleAds),
        "a date typed as text"
    );
    assert_eq!(p.rows[3].conversions, dec!(0.33));
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(
        p.skipped[0].row, 8,
        "title, blank, header, four rows, then the total"
    );
    let s = assert_matches_file_total(&p, "Total");
    assert_eq!(s.totals.spend, dec!(270.33));
    assert_eq!(s.totals.revenue, Some(dec!(1624.9)));
}

#[test]
fn a_named_sheet_is_used_or_refused() {
    let bytes = fixture("spend_tracker.xlsx");
    let options = ImportOptions {
        sheet: Some("plan".into()),
        ..ImportOptions::default()
    };
    let err = parse_workbook(&bytes, "t.xlsx", &options).expect_err("no daily header");
    assert!(
        err.to_string().contains("[Plan]") && err.to_string().contains("no header row"),
        "{err}"
    );
    let options = ImportOptions {
        sheet: Some("Nope".into()),
        ..ImportOptions::default()
    };
    let err = parse_workbook(&bytes, "t.xlsx", &options).expect_err("no such sheet");
    assert!(err.to_string().contains("Plan, Daily actuals"), "{err}");
}

#[test]
fn meta_export_saved_as_xlsx_keeps_its_platform_and_currency() {
    let p = parse_workbook(
        &fixture("meta_export.xlsx"),
        "meta.xlsx",
        &ImportOptions::default(),
    )
    .expect("imports");
    assert_eq!(p.rows.len(), 2);
    assert!(p.rows.iter().all(|r| r.platform == Platform::Meta));
    assert_eq!(p.currency.as_deref(), Some("GBP"));
    assert_eq!(summary(&p).totals.spend, dec!(220.49));
    assert_eq!(p.rows[1].conversions, dec!(9));
}
