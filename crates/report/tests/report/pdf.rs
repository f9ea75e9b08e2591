//! The PDF writer read back: the text layer holds the numbers, page by page, on A4 pages
//! (pdf-extract, in Rust, so this runs everywhere), and every page rasterises (poppler's
//! pdftoppm: skipped visibly where poppler-utils is missing, a failure under CI).

use std::path::PathBuf;
use std::process::Command;

use super::support;
use spendlens_report::{Report, render_pdf};
use spendlens_testkit::pdf::{PdfPages, shows};

/// The report of 100 campaigns over a year, long enough to span several pages.
fn long_pdf() -> (Report, Vec<u8>) {
    let report = support::report(100, 365);
    let bytes = render_pdf(&report).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF header");
    (report, bytes)
}

#[test]
fn the_text_holds_the_numbers_on_every_page() {
    let (report, bytes) = long_pdf();
    let PdfPages {
        text: page_texts,
        sizes,
    } = spendlens_testkit::pdf::read(&bytes);
    let pages = page_texts.len();
    assert!(
        pages >= 4,
        "100 campaigns and 4 charts take several pages, got {pages}"
    );
    assert_eq!(sizes.len(), pages, "a size per page");
    for (width, height) in sizes {
        // A4 in either orientation: 595.28 × 841.89 pt.
        let (short, long) = (width.min(height), width.max(height));
        assert!(
            (short - 595.3).abs() < 1.0 && (long - 841.9).abs() < 1.0,
            "A4 pages: {width} × {height} pt"
        );
    }

    let all = page_texts.concat();
    for expected in [
        "Spring campaigns — financial report",
        "Period: 1 Jan 2025 to 31 Dec 2025",
        "1 EUR = 1.085 USD (31 Dec 2025)",
        "$48,210.55",
        "$151,800.00",
        "48.51%",
        "ROAS by platform",
        "Share of spend by platform",
        "Daily spend by platform",
        "Cumulative spend against budget",
        "Retargeting, cart abandoners #002",
        "#100",
    ] {
        assert!(shows(&all, expected), "the text has {expected:?}");
    }
    // Every campaign's spend is printed.
    let campaigns = &report.sections[1].table;
    for row in &campaigns.rows {
        if let spendlens_report::Cell::Money { amount, currency } = &row[5] {
            let shown = spendlens_report::currency::format_money(*amount, currency);
            assert!(shows(&all, &shown), "spend {shown} is in the text");
        }
    }

    // The campaign table continues over pages, each starting with its header row.
    let continued: Vec<usize> = (1..=pages)
        .filter(|p| shows(&page_texts[p - 1], "Campaigns (continued)"))
        .collect();
    assert!(!continued.is_empty(), "the campaign table spans pages");
    for page in continued {
        let text = &page_texts[page - 1];
        let header = text
            .lines()
            .find(|l| l.contains("Campaign") && l.contains("Platform") && !l.contains("continued"))
            .unwrap_or_else(|| panic!("page {page} repeats the header:\n{text}"));
        for column in ["Budget", "Spend", "Impressions", "ROAS"] {
            assert!(
                header.contains(column),
                "page {page} header has {column}: {header}"
            );
        }
        assert!(shows(text, &format!("Page {page} of {pages}")));
    }
}

#[test]
fn every_page_rasterises() {
    let Some(pdftoppm) = spendlens_testkit::tool("pdftoppm") else {
        return;
    };
    let (_, bytes) = long_pdf();
    let pages = spendlens_testkit::pdf::read(&bytes).text.len();
    let dir = scratch("pdf");
    let pdf = dir.join("report.pdf");
    std::fs::write(&pdf, &bytes).expect("write pdf");
    let out = Command::new(pdftoppm)
        .args(["-r", "30", "-png"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .expect("run pdftoppm");
    assert!(
        out.status.success(),
        "pdftoppm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut images: Vec<_> = std::fs::read_dir(&dir)
        .expect("read scratch")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    images.sort();
    assert_eq!(images.len(), pages, "one image per page");
    for image in &images {
        let len = std::fs::metadata(image).expect("image").len();
        assert!(
            len > 500,
            "{} is a real picture ({len} bytes)",
            image.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spendlens-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn the_same_model_gives_the_same_pdf() {
    let report = support::small_report();
    assert_eq!(
        render_pdf(&report).expect("pdf"),
        render_pdf(&report).expect("pdf")
    );
}

#[test]
fn a_chart_that_is_not_svg_is_an_error_not_a_panic() {
    let mut report = support::small_report();
    report.sections[0].charts[0].svg = "<svg".to_owned();
    let err = render_pdf(&report).expect_err("invalid SVG");
    assert!(err.to_string().contains("Platform performance"), "{err}");
}

/// Writes the sample documents to `SPENDLENS_REPORT_DUMP` (a directory) for a person to look at.
#[test]
fn dump_samples_when_asked() {
    let Some(dir) = std::env::var_os("SPENDLENS_REPORT_DUMP") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("dump dir");
    let mut report = support::report(100, 365);
    // Short spans draw a slot per day: show those too.
    let short = support::daily(10);
    report.sections.push(spendlens_report::Section {
        title: "A ten-day campaign".to_owned(),
        table: spendlens_report::Table::default(),
        charts: vec![
            spendlens_report::chart::daily_spend_chart(&short, "EUR").expect("daily"),
            spendlens_report::chart::cumulative_spend_chart(&support::burn(
                &short,
                support::date(2025, 1, 25),
            ))
            .expect("cumulative"),
        ],
    });
    std::fs::write(dir.join("report.pdf"), render_pdf(&report).expect("pdf")).expect("write");
    let financial = super::finance::report();
    std::fs::write(
        dir.join("financial.pdf"),
        render_pdf(&financial).expect("pdf"),
    )
    .expect("write");
    std::fs::write(
        dir.join("financial.xlsx"),
        spendlens_report::render_xlsx(&financial).expect("xlsx"),
    )
    .expect("write");
    std::fs::write(
        dir.join("report.xlsx"),
        spendlens_report::render_xlsx(&report).expect("xlsx"),
    )
    .expect("write");
    std::fs::write(
        dir.join("report.csv"),
        spendlens_report::render_csv(&report),
    )
    .expect("write");
    for section in &report.sections {
        for chart in &section.charts {
            let name = chart.title.to_lowercase().replace(' ', "-");
            std::fs::write(dir.join(format!("{name}.svg")), &chart.svg).expect("write");
        }
    }
}
