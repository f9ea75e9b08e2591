//! The PDF writer read back with poppler: every page rasterises (pdftoppm) and the text layer
//! holds the numbers (pdftotext). Skipped, with a notice, only where poppler-utils is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::support;
use spendlens_report::{Report, render_pdf};

fn tool_present(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

fn poppler() -> bool {
    let present = tool_present("pdftoppm") && tool_present("pdftotext") && tool_present("pdfinfo");
    if !present {
        println!(
            "NOTICE: poppler-utils (pdftoppm, pdftotext, pdfinfo) not installed; PDF read-back \
             test skipped (apt-get install -y poppler-utils)"
        );
    }
    present
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spendlens-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write_pdf(dir: &Path, report: &Report) -> PathBuf {
    let bytes = render_pdf(report).expect("pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF header");
    let path = dir.join("report.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    path
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run poppler tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn page_count(pdf: &Path) -> usize {
    let info = run(Command::new("pdfinfo").arg(pdf));
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("pdfinfo names the pages");
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("pdfinfo names the size");
    assert!(size.contains("(A4)"), "A4 pages: {size}");
    pages.trim().parse().expect("a page count")
}

fn text_of_page(pdf: &Path, page: usize) -> String {
    let page = page.to_string();
    run(Command::new("pdftotext")
        .args(["-layout", "-f", &page, "-l", &page])
        .arg(pdf)
        .arg("-"))
}

#[test]
fn every_page_renders_and_the_text_holds_the_numbers() {
    if !poppler() {
        return;
    }
    let dir = scratch("pdf");
    let report = support::report(100, 365);
    let pdf = write_pdf(&dir, &report);
    let pages = page_count(&pdf);
    assert!(
        pages >= 4,
        "100 campaigns and 4 charts take several pages, got {pages}"
    );

    // pdftoppm renders every page to a non-empty image.
    run(Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&pdf)
        .arg(dir.join("page")));
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

    let all = run(Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-"));
    for expected in [
        "Spring campaigns — financial report",
        "Period: 2025-01-01 to 2025-12-31",
        "1 EUR = 1.085 USD (2025-12-31)",
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
        assert!(all.contains(expected), "pdftotext finds {expected:?}");
    }
    // Every campaign's spend is printed.
    let campaigns = &report.sections[1].table;
    for row in &campaigns.rows {
        if let spendlens_report::Cell::Money { amount, currency } = &row[5] {
            let shown = spendlens_report::currency::format_money(*amount, currency);
            assert!(all.contains(&shown), "spend {shown} is in the text");
        }
    }

    // The campaign table continues over pages, each starting with its header row.
    let continued: Vec<usize> = (1..=pages)
        .filter(|p| text_of_page(&pdf, *p).contains("Campaigns (continued)"))
        .collect();
    assert!(!continued.is_empty(), "the campaign table spans pages");
    for page in continued {
        let text = text_of_page(&pdf, page);
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
        assert!(text.contains(&format!("Page {page} of {pages}")));
    }
    let _ = std::fs::remove_dir_all(&dir);
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
