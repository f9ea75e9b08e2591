//! spendlens' canonical CSV, collected and streamed.

use chrono::NaiveDate;
use rust_decimal_macros::dec;
use spendlens_core::{DailyRow, Platform};
use spendlens_ingest::{ImportOptions, Source, detect, parse_canonical, stream_canonical, summary};

use super::support::fixture;

#[test]
fn canonical_fixture_imports_every_platform() {
    let bytes = fixture("canonical.csv");
    assert_eq!(
        detect(&bytes, "export.csv").expect("detected"),
        Source::Canonical
    );
    let p = parse_canonical(&bytes, "canonical.csv", &ImportOptions::default()).expect("valid");
    assert_eq!(p.rows.len(), 9);
    let brand = p
        .rows
        .iter()
        .find(|r| r.external_campaign_id == "Brand, Search")
        .expect("quoted name");
    assert_eq!(brand.platform, Platform::GoogleAds);
    assert_eq!(
        (brand.spend, brand.conversions, brand.conversion_value),
        (dec!(84.53), dec!(14.5), Some(dec!(950.00)))
    );
    let sheet = p
        .rows
        .iter()
        .find(|r| r.platform == Platform::Sheets)
        .expect("sheets row");
    assert_eq!(
        (sheet.revenue, sheet.conversion_value),
        (Some(dec!(99.90)), None)
    );
    assert_eq!(p.currency.as_deref(), Some("USD"));
    let s = summary(&p);
    assert_eq!(s.totals.spend, dec!(661.10));
    assert_eq!(
        s.totals.impressions,
        10234 + 11802 + 2450 + 2213 + 8412 + 7930 + 400
    );
    assert_eq!(s.totals.conversions, dec!(29.83));
    assert_eq!(s.totals.revenue, Some(dec!(99.90)));
    assert_eq!(s.distinct_days, 4);
    assert_eq!(s.date_to, NaiveDate::from_ymd_opt(2024, 6, 4));
}

#[test]
fn streaming_gives_the_same_rows_as_collecting() {
    let bytes = fixture("canonical.csv");
    let collected = parse_canonical(&bytes, "c.csv", &ImportOptions::default()).expect("valid");
    let mut streamed: Vec<DailyRow> = Vec::new();
    let outcome = stream_canonical(bytes.as_slice(), "c.csv", 4, |batch: &[DailyRow]| {
        streamed.extend_from_slice(batch);
        Ok::<(), std::convert::Infallible>(())
    })
    .expect("valid");
    assert_eq!(streamed, collected.rows);
    assert_eq!(outcome.summary, summary(&collected));
    assert_eq!(outcome.currency.as_deref(), Some("USD"));
}

#[test]
fn canonical_without_currency_column_and_with_bom_and_crlf() {
    let text = "\u{feff}date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\r\n\
                2024-06-01,meta,A,1.10,10,0,1,0.5,,\r\n\r\n2024-06-02,meta,A,2.20,20,0,2,1,3.00,4.00\r\n";
    let p = parse_canonical(text.as_bytes(), "c.csv", &ImportOptions::default()).expect("valid");
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[1].revenue, Some(dec!(4.00)));
    assert_eq!(p.currency, None);
    let bad = text.replace("2024-06-02,meta,A,2.20", "2024-06-02,meta,A,2,20");
    let err = parse_canonical(bad.as_bytes(), "c.csv", &ImportOptions::default())
        .expect_err("extra cell");
    assert_eq!(
        err.diagnostics()[0].row,
        Some(4),
        "the blank line counts as a row"
    );
}

#[test]
fn canonical_rejects_loose_numbers_and_unknown_platforms() {
    let head = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue";
    for (row, needle) in [
        ("2024-06-01,meta,A,\"1,234.50\",1,0,1,0,,", "plain number"),
        ("2024-06-01,meta,A,$5,1,0,1,0,,", "plain number"),
        ("2024-06-01,tiktok,A,5,1,0,1,0,,", "unknown platform"),
        ("06/01/2024,meta,A,5,1,0,1,0,,", "YYYY-MM-DD"),
        ("2024-06-01,meta,A,5,1.5,0,1,0,,", "whole number"),
        ("2024-06-01,meta,A,-5,1,0,1,0,,", "plain number"),
        ("2024-06-01,meta,A,,1,0,1,0,,", "spend is missing"),
    ] {
        let text = format!("{head}\n{row}\n");
        let err =
            parse_canonical(text.as_bytes(), "c.csv", &ImportOptions::default()).expect_err(row);
        assert!(err.to_string().contains(needle), "{row}: {err}");
        assert_eq!(err.diagnostics()[0].row, Some(2));
    }
}

#[test]
fn streamed_row_numbers_count_blank_lines_and_multiline_cells() {
    let head = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue";
    let text = format!(
        "{head}\n2024-06-01,meta,\"two\nlines\",1,1,0,1,0,,\n\n\n2024-06-02,meta,A,x,1,0,1,0,,\n"
    );
    let err = stream_canonical(text.as_bytes(), "s.csv", 10, |_: &[DailyRow]| {
        Ok::<(), ()>(())
    })
    .expect_err("bad spend");
    let spendlens_ingest::StreamError::Import(err) = err else {
        panic!("not a sink error")
    };
    assert_eq!(
        err.diagnostics()[0].row,
        Some(5),
        "header, one two-line row, two blank rows"
    );
    let collected = parse_canonical(text.as_bytes(), "s.csv", &ImportOptions::default())
        .expect_err("bad spend");
    assert_eq!(collected.diagnostics()[0].row, Some(5));
}
