//! Fuzz-style properties: no input makes any parser panic.

use proptest::prelude::*;
use spendlens_core::DailyRow;
use spendlens_ingest::{
    ImportOptions, detect, import, parse_canonical, parse_google_ads, parse_linkedin, parse_meta,
    parse_sheet_values, parse_spreadsheet_csv, parse_workbook, preview_pdf, preview_text,
    stream_canonical, summary,
};

use super::support::fixture;

fn every_parser(bytes: &[u8]) {
    let o = ImportOptions::default();
    let _ = detect(bytes, "f");
    if let Ok(spendlens_ingest::Imported::Rows(p)) = import(bytes, "f", &o) {
        let _ = summary(&p);
    }
    let _ = parse_canonical(bytes, "f", &o);
    let _ = stream_canonical(bytes, "f", 3, |_: &[DailyRow]| Ok::<(), ()>(()));
    let _ = parse_linkedin(bytes, "f", &o);
    let _ = parse_meta(bytes, "f", &o);
    let _ = parse_google_ads(bytes, "f", &o);
    let _ = parse_spreadsheet_csv(bytes, "f", &o);
    let _ = parse_workbook(bytes, "f", &o);
    let _ = preview_pdf(bytes, "f", &o);
    let _ = preview_text(&String::from_utf8_lossy(bytes), "f", &o);
}

/// Cells that reach the deeper paths: header synonyms, totals labels, number and date forms.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Date".to_owned()),
        Just("Day".to_owned()),
        Just("Cost".to_owned()),
        Just("Amount spent (EUR)".to_owned()),
        Just("Impr.".to_owned()),
        Just("Conversions".to_owned()),
        Just("Platform".to_owned()),
        Just("Campaign".to_owned()),
        Just("Currency".to_owned()),
        Just("Reporting starts".to_owned()),
        Just("Reporting ends".to_owned()),
        Just("Total: Account".to_owned()),
        Just(" --".to_owned()),
        Just("1,234.50".to_owned()),
        Just("(12)".to_owned()),
        Just("€1.200,50".to_owned()),
        Just("45444".to_owned()),
        Just("6/13/2024".to_owned()),
        Just("13/06/2024".to_owned()),
        Just("2024-02-30".to_owned()),
        Just("USD".to_owned()),
        Just("meta".to_owned()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        every_parser(&bytes);
    }

    #[test]
    fn prefixed_bytes_never_panic(
        prefix in prop_oneof![
            Just(b"%PDF-1.4\n".to_vec()),
            Just(b"PK\x03\x04".to_vec()),
            Just(vec![0xFF, 0xFE]),
            Just(vec![0xEF, 0xBB, 0xBF]),
        ],
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut all = prefix;
        all.extend_from_slice(&bytes);
        every_parser(&all);
    }

    #[test]
    fn tables_of_tricky_cells_never_panic(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..8), 0..12),
        delim in prop_oneof![Just(","), Just("\t"), Just(";")],
    ) {
        let text: String = rows.iter().map(|r| r.join(delim) + "\n").collect();
        every_parser(text.as_bytes());
        let _ = parse_sheet_values(&rows, "tab", &ImportOptions::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Damaged copies of every real fixture: flipped bytes and truncation.
    #[test]
    fn damaged_fixtures_never_panic(
        which in 0usize..14,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        keep in any::<prop::sample::Index>(),
    ) {
        let names = [
            "canonical.csv", "linkedin_campaign_performance.csv", "linkedin_campaign_performance_utf16.csv",
            "meta_ads_daily.csv", "meta_ads_no_day.csv", "meta_ads_fr.csv", "google_ads_excel.csv",
            "google_ads_report.csv", "spend_tracker.xlsx", "meta_export.xlsx", "agency_report.pdf",
            "web_report.pdf", "scanned.pdf", "grid_report.pdf",
        ];
        let mut bytes = fixture(names[which]);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let len = bytes.len();
        every_parser(&bytes);
        every_parser(&bytes[..keep.index(len)]);
    }
}
