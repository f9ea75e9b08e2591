//! LinkedIn, Meta and Google Ads CSV exports, including their nasty variants.

use chrono::NaiveDate;
use rust_decimal_macros::dec;
use spendlens_core::Platform;
use spendlens_ingest::{
    ImportOptions, Imported, ParsedFile, Source, detect, import, parse_google_ads, parse_linkedin,
    parse_meta, summary,
};

use super::support::{assert_matches_file_total, fixture};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).expect("date")
}

fn rows_of(name: &str) -> ParsedFile {
    match import(&fixture(name), name, &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    {
        Imported::Rows(p) => p,
        Imported::Preview(_) => panic!("{name} gave a PDF preview"),
    }
}

#[test]
fn linkedin_export_with_preamble_and_total_row() {
    let bytes = fixture("linkedin_campaign_performance.csv");
    assert_eq!(
        detect(&bytes, "report.csv").expect("detected"),
        Source::LinkedIn
    );
    let p = parse_linkedin(&bytes, "li.csv", &ImportOptions::default()).expect("imports");
    assert_eq!(p.rows.len(), 6);
    let first = &p.rows[0];
    assert_eq!(first.platform, Platform::LinkedIn);
    assert_eq!(first.date, day(6, 1));
    assert_eq!(
        first.external_campaign_id, "612345678",
        "the campaign id, as the API connector stores it"
    );
    assert_eq!(
        (
            first.spend,
            first.impressions,
            first.clicks,
            first.engagements
        ),
        (dec!(152.37), 8412, 61, 79)
    );
    assert_eq!(
        (first.conversions, first.conversion_value),
        (dec!(4), Some(dec!(1200.00)))
    );
    assert_eq!(first.currency.as_deref(), Some("EUR"));
    // "1,034.10" quoted with a thousands separator; M/D/YYYY with a two-digit day.
    let video = p
        .rows
        .iter()
        .find(|r| r.date == day(6, 13))
        .expect("6/13/2024");
    assert_eq!(video.spend, dec!(998.00));
    assert_eq!(p.rows[3].spend, dec!(1034.10));
    assert_eq!(p.rows[2].conversions, dec!(2.5), "fractional conversions");
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    // Row numbers count the title, report-range, generated and blank lines.
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].row, 12);
    let s = assert_matches_file_total(&p, "Total");
    assert_eq!(s.totals.spend, dec!(3705.86));
    assert_eq!(s.totals.engagements, 1558);
    assert_eq!(
        (s.rows, s.distinct_days, s.date_from, s.date_to),
        (6, 4, Some(day(6, 1)), Some(day(6, 13)))
    );
}

#[test]
fn linkedin_utf16_tab_variant_gives_the_same_rows() {
    let utf8 = rows_of("linkedin_campaign_performance.csv");
    let utf16 = rows_of("linkedin_campaign_performance_utf16.csv");
    assert_eq!(utf16.source, Source::LinkedIn);
    assert_eq!(utf8.rows, utf16.rows);
    assert_eq!(utf8.skipped.len(), utf16.skipped.len());
}

#[test]
fn meta_daily_export_with_bom_summary_row_and_header_currency() {
    let bytes = fixture("meta_ads_daily.csv");
    assert_eq!(
        detect(&bytes, "export.csv").expect("detected"),
        Source::Meta
    );
    let p = parse_meta(&bytes, "meta.csv", &ImportOptions::default()).expect("imports");
    assert_eq!(p.rows.len(), 5);
    let r = &p.rows[0];
    assert_eq!(
        (r.platform, r.date, r.external_campaign_id.as_str()),
        (Platform::Meta, day(6, 1), "120210000000001")
    );
    assert_eq!((r.spend, r.impressions), (dec!(84.53), 10234));
    assert_eq!(r.clicks, 143, "link clicks rank above clicks (all)");
    assert_eq!(r.conversions, dec!(6), "purchases rank above results");
    assert_eq!(r.conversion_value, Some(dec!(412.80)));
    assert_eq!(
        r.currency.as_deref(),
        Some("EUR"),
        "from \"Amount spent (EUR)\""
    );
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].row, 2);
    let s = assert_matches_file_total(&p, "(row without a campaign name)");
    assert_eq!(s.totals.spend, dec!(350.80));
}

#[test]
fn meta_export_without_day_breakdown_is_refused() {
    let err = parse_meta(
        &fixture("meta_ads_no_day.csv"),
        "range.csv",
        &ImportOptions::default(),
    )
    .expect_err("rows span the whole month");
    let d = err.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].row, Some(3));
    assert_eq!(d[0].file, "range.csv");
    for words in [
        "2024-06-01 to 2024-06-30",
        "Day breakdown",
        "--spread",
        "--book-on DATE",
    ] {
        assert!(d[0].message.contains(words), "{words}: {}", d[0]);
    }
}

#[test]
fn meta_french_semicolon_export_with_decimal_commas() {
    let p = rows_of("meta_ads_fr.csv");
    assert_eq!(p.source, Source::Meta);
    let spends: Vec<_> = p.rows.iter().map(|r| r.spend).collect();
    assert_eq!(spends, vec![dec!(84.53), dec!(1097.10), dec!(88.00)]);
    assert_eq!(p.rows[0].impressions, 10234);
    assert_eq!(p.rows[2].conversions, dec!(0.5));
    assert_eq!(
        p.rows.iter().map(|r| r.date).collect::<Vec<_>>(),
        vec![day(6, 1), day(6, 2), day(6, 3)]
    );
    assert!(
        p.notes.iter().any(|n| n.contains("day first")),
        "{:?}",
        p.notes
    );
    assert_eq!(p.currency.as_deref(), Some("EUR"));
}

#[test]
fn google_ads_utf16_excel_csv_with_preamble_dashes_and_total_rows() {
    let bytes = fixture("google_ads_excel.csv");
    assert_eq!(
        &bytes[..2],
        &[0xFF, 0xFE],
        "the fixture is UTF-16LE with a BOM"
    );
    assert_eq!(
        detect(&bytes, "Campaign report.csv").expect("detected"),
        Source::GoogleAds
    );
    let p = parse_google_ads(&bytes, "gads.csv", &ImportOptions::default()).expect("imports");
    assert_eq!(p.rows.len(), 6);
    let r = &p.rows[2];
    assert_eq!(
        (r.platform, r.external_campaign_id.as_str()),
        (Platform::GoogleAds, "20731000222")
    );
    assert_eq!(
        (r.spend, r.impressions, r.clicks),
        (dec!(1033.33), 15750, 402)
    );
    assert_eq!(r.conversions, dec!(7.50));
    assert_eq!(
        p.rows[1].conversion_value, None,
        "\" --\" is empty, not zero"
    );
    assert_eq!(p.rows[3].conversions, dec!(6.33));
    assert_eq!(p.currency.as_deref(), Some("USD"));
    let labels: Vec<_> = p.skipped.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Total: Campaigns",
            "Total: Search",
            "Total: Performance Max",
            "Total: Account"
        ]
    );
    assert_eq!(p.skipped[0].row, 10);
    let s = assert_matches_file_total(&p, "Total: Campaigns");
    assert_matches_file_total(&p, "Total: Account");
    assert_eq!(
        s.totals.spend,
        dec!(2396.98),
        "spend counted once, not five times"
    );
    assert_eq!(s.totals.conversion_value, Some(dec!(3443.15)));
}

#[test]
fn google_ads_plain_csv_with_currency_in_the_header() {
    let plain = rows_of("google_ads_report.csv");
    let excel = rows_of("google_ads_excel.csv");
    assert_eq!(plain.source, Source::GoogleAds);
    assert_eq!(
        plain.rows, excel.rows,
        "Cost (USD) and \"Jun 1, 2024\" give the same rows"
    );
    assert_eq!(summary(&plain).totals, summary(&excel).totals);
}

#[test]
fn explicit_source_overrides_detection() {
    // A Google Ads file imported as Meta is still read by headers, but every row is Meta's.
    let options = ImportOptions {
        source: Some(Source::Meta),
        ..ImportOptions::default()
    };
    match import(&fixture("google_ads_report.csv"), "x.csv", &options).expect("imports") {
        Imported::Rows(p) => assert!(p.rows.iter().all(|r| r.platform == Platform::Meta)),
        Imported::Preview(_) => panic!("not a PDF"),
    }
    let options = ImportOptions {
        source: Some(Source::Canonical),
        ..ImportOptions::default()
    };
    let err =
        import(&fixture("google_ads_report.csv"), "x.csv", &options).expect_err("not canonical");
    assert!(err.to_string().contains("unknown column"), "{err}");
}

/// A Google Ads report segmented by Month, laid out as the UI downloads it (`Jan-26`, the
/// `Total: …` rows in the column after the Month, with a month or ` --` before them): each row
/// is its month's total, within the report's stated period (January from the 15th). Refused
/// unless spread or booked; spread, every month's days add up to its row, the totals rows are
/// set aside (a campaign called "Total Wine" is data), and the sums are the file's own.
#[test]
fn google_ads_report_by_month_rows_cover_their_months() {
    let bytes = fixture("google_ads_monthly.csv");
    let err = import(&bytes, "monthly.csv", &ImportOptions::default()).expect_err("refused");
    let said = err.to_string();
    assert!(
        said.contains("4 row(s) from this row on each cover a period of several days (this one 2026-01-15 to 2026-01-31)"),
        "{said}"
    );
    let options = ImportOptions {
        period: spendlens_ingest::PeriodChoice::Spread,
        ..ImportOptions::default()
    };
    let p = match import(&bytes, "monthly.csv", &options).expect("spread") {
        Imported::Rows(p) => p,
        Imported::Preview(_) => panic!("not a PDF"),
    };
    let s = summary(&p);
    assert_eq!(s.totals.spend, dec!(1460.28));
    assert_eq!(s.totals.clicks, 329);
    assert_eq!(s.totals.impressions, 12_700);
    assert_eq!(s.totals.conversions, dec!(32));
    assert_eq!(s.totals.conversion_value, Some(dec!(3640.50)));
    assert_eq!(p.skipped.len(), 7, "{:?}", p.skipped);
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
    let of = |name: &str, from: NaiveDate, to: NaiveDate| -> rust_decimal::Decimal {
        p.rows
            .iter()
            .filter(|r| r.external_campaign_id == name && r.date >= from && r.date <= to)
            .map(|r| r.spend)
            .sum()
    };
    // January's 170.00 over the 17 days from the 15th, none before; February's over 28 days.
    assert_eq!(of("Search | Brand", d(1, 15), d(1, 31)), dec!(170.00));
    assert_eq!(of("Search | Brand", d(1, 1), d(1, 14)), dec!(0));
    assert_eq!(of("Search | Brand", d(2, 1), d(2, 28)), dec!(280.00));
    assert_eq!(of("Total Wine | Generic", d(2, 1), d(2, 28)), dec!(700.28));
    assert_eq!(p.rows.iter().map(|r| r.date).min(), Some(d(1, 15)));
    assert_eq!(p.rows.iter().map(|r| r.date).max(), Some(d(3, 31)));
    assert!(p.rows.iter().all(|r| r.currency.as_deref() == Some("GBP")));
}

/// A Video campaign report has Interactions but no Clicks: the clicks stored are 0, and the
/// import says so (interactions are views and engagements, not clicks).
#[test]
fn a_report_without_clicks_says_its_clicks_are_not_measured() {
    let bytes = b"Campaign report\n1 July 2025 - 2 July 2025\n\
        Campaign,Currency code,Impr.,Interactions,Cost,Conversions\n\
        Video | Awareness,INR,\"46,168\",\"1,200\",2565.93,15\n";
    let options = ImportOptions {
        period: spendlens_ingest::PeriodChoice::Spread,
        ..ImportOptions::default()
    };
    let p = match import(bytes, "video.csv", &options).expect("spread") {
        Imported::Rows(p) => p,
        Imported::Preview(_) => panic!("not a PDF"),
    };
    assert!(p.rows.iter().all(|r| r.clicks == 0));
    assert!(
        p.notes.iter().any(|n| n
            == "the file has no Clicks column: its rows are stored with 0 clicks, so CPC, CTR and CVR measure nothing for them"),
        "{:?}",
        p.notes
    );
    assert!(!p.notes.iter().any(|n| n.contains("no Impressions")));
    assert_eq!(summary(&p).totals.spend, dec!(2565.93));
}

/// A Meta row covering 1–3 November and a row of 2 November of the same campaign: both are
/// counted when spread, and the note says so, naming both rows (a report exported with and
/// without a day breakdown, pasted together, doubled that day silently).
#[test]
fn a_period_row_and_a_day_within_it_of_one_campaign_are_said() {
    let text = "Reporting starts,Reporting ends,Campaign name,Amount spent (USD),Impressions,Link clicks,Results\n\
                2026-11-01,2026-11-03,P,100.00,10,1,1\n2026-11-02,2026-11-02,P,5.00,1,1,1\n";
    let options = ImportOptions {
        period: spendlens_ingest::PeriodChoice::Spread,
        ..ImportOptions::default()
    };
    let parsed =
        parse_meta(text.as_bytes(), "mixed.csv", &options).unwrap_or_else(|e| panic!("{e}"));
    let spend: rust_decimal::Decimal = parsed.rows.iter().map(|r| r.spend).sum();
    assert_eq!(spend, dec!(105.00));
    let note = parsed
        .notes
        .iter()
        .find(|n| n.contains("both are counted"))
        .unwrap_or_else(|| panic!("{:?}", parsed.notes));
    assert!(
        note.starts_with("row 2 covers 2026-11-01 to 2026-11-03 and row 3 is 2026-11-02"),
        "{note}"
    );
    // Another campaign's day is no overlap.
    let apart = text.replace("02,P,5.00", "02,Q,5.00");
    let parsed =
        parse_meta(apart.as_bytes(), "apart.csv", &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !parsed.notes.iter().any(|n| n.contains("both are counted")),
        "{:?}",
        parsed.notes
    );
}
