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
    assert_eq!("Google-Ads".parse::<Source>(), Ok(Source::GoogleAds));
    assert!("tiktok".parse::<Source>().is_err());
    assert_eq!(
        ImportOptions::default().max_bytes,
        spendlens_ingest::DEFAULT_MAX_BYTES
    );
}
