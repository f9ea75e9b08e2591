//! Rendering a year-long report of 100 campaigns (a 100 × 12 table, a platform table and the four
//! charts) to each format, and drawing the four charts. Target: well under 2 s for all formats.
//!
//! `CARGO_TARGET_DIR=... cargo bench -p spendlens-report --bench render`
//!
//! Medians on the 2-core development machine (release, shared with other builds): CSV 0.27 ms,
//! XLSX 8.8 ms, PDF 90 ms, the four charts 1.6 ms, all three formats with the charts 111 ms.

use std::sync::LazyLock;

use spendlens_report::chart::{
    budget_share_chart, cumulative_spend_chart, daily_spend_chart, roas_chart,
};
use spendlens_report::{Report, render_csv, render_pdf, render_xlsx};

#[path = "../tests/report/support.rs"]
mod support;

fn main() {
    divan::main();
}

static REPORT: LazyLock<Report> = LazyLock::new(|| support::report(100, 365));

#[divan::bench(sample_count = 20)]
fn csv() -> Vec<u8> {
    render_csv(divan::black_box(&REPORT))
}

#[divan::bench(sample_count = 20)]
fn xlsx() -> Vec<u8> {
    render_xlsx(divan::black_box(&REPORT)).expect("xlsx")
}

#[divan::bench(sample_count = 10)]
fn pdf() -> Vec<u8> {
    render_pdf(divan::black_box(&REPORT)).expect("pdf")
}

/// The four charts of the report, from a year of daily spend over three platforms.
#[divan::bench(sample_count = 20)]
fn charts(bencher: divan::Bencher) {
    let daily = support::daily(365);
    let rows = support::platform_rows();
    let burn = support::burn(&daily, support::date(2025, 12, 31));
    bencher.bench(|| {
        (
            daily_spend_chart(divan::black_box(&daily), "USD").expect("daily"),
            cumulative_spend_chart(divan::black_box(&burn)).expect("cumulative"),
            roas_chart(divan::black_box(&rows)).expect("roas"),
            budget_share_chart(divan::black_box(&rows), "USD").expect("share"),
        )
    });
}

/// Everything a download of all three formats costs, charts included.
#[divan::bench(sample_count = 10)]
fn all_formats_with_charts() -> usize {
    let report = support::report(100, 365);
    render_csv(&report).len()
        + render_xlsx(&report).expect("xlsx").len()
        + render_pdf(&report).expect("pdf").len()
}
