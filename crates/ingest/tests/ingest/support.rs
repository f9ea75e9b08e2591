//! Helpers shared by the integration tests.

use rust_decimal::Decimal;
use spendlens_ingest::{ParsedFile, RowTotals, SkippedRow, Summary, summary};

/// The bytes of a committed fixture.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// The skipped totals row with this label.
pub fn total_row<'a>(parsed: &'a ParsedFile, label: &str) -> &'a SkippedRow {
    parsed
        .skipped
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| panic!("no skipped row labelled {label:?} in {:?}", parsed.skipped))
}

/// Asserts that the imported rows add up to the figures of the file's own totals row.
pub fn assert_matches_file_total(parsed: &ParsedFile, label: &str) -> Summary {
    let s = summary(parsed);
    let t: &RowTotals = total_row(parsed, label)
        .totals
        .as_ref()
        .expect("totals parsed");
    assert_eq!(Some(s.totals.spend), t.spend, "spend vs {label}");
    assert_eq!(
        Some(s.totals.impressions),
        t.impressions,
        "impressions vs {label}"
    );
    assert_eq!(Some(s.totals.clicks), t.clicks, "clicks vs {label}");
    assert_eq!(
        Some(s.totals.conversions),
        t.conversions,
        "conversions vs {label}"
    );
    if let Some(v) = t.conversion_value {
        assert_eq!(
            s.totals.conversion_value.unwrap_or(Decimal::ZERO),
            v,
            "conversion value vs {label}"
        );
    }
    s
}
