//! The CSV writer against its golden file, byte for byte.

use super::support;
use spendlens_report::render_csv;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/small_report.csv"
);

#[test]
fn the_sample_report_matches_the_golden_file() {
    let bytes = render_csv(&support::small_report());
    if std::env::var_os("SPENDLENS_UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &bytes).expect("write golden");
    }
    let golden = std::fs::read(GOLDEN).expect("golden file (SPENDLENS_UPDATE_GOLDEN=1 writes it)");
    assert!(
        bytes == golden,
        "CSV differs from {GOLDEN}:\n{}",
        String::from_utf8_lossy(&bytes)
    );
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let report = support::report(100, 30);
    assert_eq!(render_csv(&report), render_csv(&report));
}

#[test]
fn sections_are_separated_by_a_blank_line_and_a_title_comment() {
    let text = String::from_utf8(render_csv(&support::small_report())).expect("utf-8");
    assert!(
        text.contains(
            "\n\n# Platform performance\nPlatform,Spend,Revenue,ROAS,ROI,Share of spend\n"
        )
    );
    assert!(text.contains("\n\n# Campaigns\nCampaign,Platform,Start,End,Budget,Spend,"));
    // A section with charts only has its title and nothing else.
    assert!(text.ends_with("\n\n# Spend over time\n"));
    // Money is plain, two decimals, no currency sign or grouping.
    assert!(
        text.contains("LinkedIn Ads,48210.55,151800.00,3.15,214.87,48.51\n"),
        "{text}"
    );
}
