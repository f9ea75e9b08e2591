//! Detection over every fixture, and the override.

use spendlens_ingest::{ImportOptions, Source, detect};

use super::support::fixture;

#[test]
fn every_fixture_is_detected_as_its_source() {
    for (name, source) in [
        ("canonical.csv", Source::Canonical),
        ("linkedin_campaign_performance.csv", Source::LinkedIn),
        ("linkedin_campaign_performance_utf16.csv", Source::LinkedIn),
        ("meta_ads_daily.csv", Source::Meta),
        ("meta_ads_no_day.csv", Source::Meta),
        ("meta_ads_fr.csv", Source::Meta),
        ("google_ads_excel.csv", Source::GoogleAds),
        ("google_ads_report.csv", Source::GoogleAds),
        ("spend_tracker.xlsx", Source::Workbook),
        ("meta_export.xlsx", Source::Workbook),
        ("agency_report.pdf", Source::Pdf),
        ("web_report.pdf", Source::Pdf),
        ("scanned.pdf", Source::Pdf),
        ("grid_report.pdf", Source::Pdf),
    ] {
        // The name is deliberately misleading: content decides.
        assert_eq!(
            detect(&fixture(name), "upload.bin").expect(name),
            source,
            "{name}"
        );
    }
}

#[test]
fn source_names_parse_for_the_override() {
    for s in Source::ALL {
        assert_eq!(s.as_str().parse::<Source>(), Ok(s));
    }
    assert_eq!("Google_Ads".parse::<Source>(), Ok(Source::GoogleAds));
    // One name per source: the error lists exactly the names that parse.
    let error = "tiktok".parse::<Source>().err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some(
            "unknown source \"tiktok\" (expected one of canonical, linkedin, meta, google_ads, \
             spreadsheet_csv, workbook, pdf)"
        )
    );
    for alias in ["csv", "xlsx", "google-ads", "xls"] {
        assert!(alias.parse::<Source>().is_err(), "{alias}");
    }
    assert_eq!(
        ImportOptions::default().max_bytes,
        spendlens_ingest::DEFAULT_MAX_BYTES
    );
}

#[test]
fn a_misspelt_canonical_file_is_still_canonical_so_the_typo_is_reported() {
    let text = "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revnue\n\
                2024-06-01,meta,A,1,1,0,1,0,,\n";
    assert_eq!(
        detect(text.as_bytes(), "x.csv").expect("detected"),
        Source::Canonical
    );
    let err = spendlens_ingest::import(text.as_bytes(), "x.csv", &ImportOptions::default())
        .expect_err("typo");
    assert!(err.to_string().contains("revnue"), "{err}");
    // A user's sheet with some of the same words is not canonical.
    let sheet = "Date,Platform,Campaign,Spend,Impressions,Clicks,Conversions,Revenue\n";
    assert_eq!(
        detect(sheet.as_bytes(), "x.csv").expect("detected"),
        Source::SpreadsheetCsv
    );
}

/// A GA4 report download (its `#` lines above the table) is named for what it is, with where
/// GA4's figures go in, rather than "cannot tell"; a file with a `#` line but none of GA4's is not.
#[test]
fn a_ga4_report_download_is_named_and_redirected() {
    let ga4 = "# ----------------------------------------\n\
               # Traffic acquisition: Session primary channel group (Default Channel Group)\n\
               # Account: Demo\n\
               # Property: Demo property\n\
               # ----------------------------------------\n\
               #\n\
               # Start date: 20261101\n\
               # End date: 20261130\n\
               Session primary channel group (Default Channel Group),Users,Sessions,Total revenue\n\
               Organic Search,1200,1500,1500.50\n";
    let e = detect(ga4.as_bytes(), "ga4.csv")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("Google Analytics 4 report download (Traffic acquisition)")
            && e.contains("GA4 connection")
            && e.contains("KPI file"),
        "{e}"
    );
    let other = "# my notes\nfoo,bar\n1,2\n";
    let e = detect(other.as_bytes(), "notes.csv")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("no known header row"), "{e}");
}

/// spendlens' own columns under `;` (with decimal commas) or tabs are read as a spreadsheet,
/// which takes the separator and the decimal mark: the same figures as the comma file.
#[test]
fn canonical_columns_under_another_separator_are_read() {
    use spendlens_ingest::{Imported, import};
    let comma = "date,platform,campaign,spend,impressions,clicks,conversions\n\
                 2026-11-02,meta,m1,100.50,1000,20,1.5\n";
    let semi = "date;platform;campaign;spend;impressions;clicks;conversions\n\
                2026-11-02;meta;m1;100,50;1000;20;1,5\n";
    let tab = comma.replace(',', "\t");
    let read = |text: &str| match import(text.as_bytes(), "x.csv", &ImportOptions::default()) {
        Ok(Imported::Rows(p)) => p
            .rows
            .iter()
            .map(|r| (r.spend.to_string(), r.conversions.to_string()))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let expected = vec![("100.50".to_owned(), "1.5".to_owned())];
    assert_eq!(read(comma), expected);
    assert_eq!(read(semi), expected);
    assert_eq!(read(&tab), expected);
    assert_eq!(
        detect(semi.as_bytes(), "x.csv").ok(),
        Some(Source::SpreadsheetCsv)
    );
}
