//! The financial report prints: read back from the PDF (pdf-extract), no cell is cut (every
//! number whole, every word of every text, no ellipsis anywhere), no header word is split across
//! lines, the wide tables are on landscape pages, the currency and the rates are on the first
//! page, and every page rasterises (poppler's pdftoppm: a visible `skipped:` line where it is
//! missing, a failure under CI).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

use super::finance;
use spendlens_report::{Cell, Report, render_pdf};
use spendlens_testkit::pdf::{PdfPages, shows};

fn printed() -> (Report, Vec<u8>, PdfPages) {
    let report = finance::report();
    let bytes = render_pdf(&report).expect("pdf");
    let pages = spendlens_testkit::pdf::read(&bytes);
    (report, bytes, pages)
}

#[test]
fn no_cell_is_cut() {
    let (report, _, pages) = printed();
    let all = pages.all_text();
    assert!(
        !all.contains('…'),
        "nothing is cut with an ellipsis:\n{all}"
    );
    let squashed: String = all.split_whitespace().collect();
    for section in &report.sections {
        for (r, row) in section.table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let shown = cell.display();
                let at = format!("{} row {} column {}", section.title, r + 1, c + 1);
                if cell.is_numeric() || matches!(cell, Cell::Date(_)) {
                    // Numbers are printed on one line, whole.
                    assert!(shows(&all, &shown), "{at}: {shown:?} is printed whole");
                } else {
                    // Text wraps between words; every word is printed, in full.
                    for word in shown.split_whitespace() {
                        assert!(
                            squashed.contains(word),
                            "{at}: the word {word:?} is printed"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn header_words_are_never_split() {
    let (report, _, pages) = printed();
    let tokens: HashSet<String> = pages
        .all_text()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    // Every word the model prints anywhere: a token that is one of them is no fragment.
    let mut words: HashSet<String> = HashSet::new();
    for section in &report.sections {
        for text in section.table.header.iter().cloned().chain(
            section
                .table
                .rows
                .iter()
                .flat_map(|r| r.iter().map(Cell::display)),
        ) {
            words.extend(text.split_whitespace().map(str::to_owned));
        }
    }
    // And the words printed around the tables (the title, the currency note, part captions).
    let around = format!(
        "{} {} Part of columns and the first column repeats in every part continued Page",
        report.title,
        report.currency_label()
    );
    words.extend(around.split_whitespace().map(str::to_owned));
    for section in &report.sections {
        for head in &section.table.header {
            for word in head.split_whitespace() {
                assert!(
                    tokens.iter().any(|t| t.contains(word)),
                    "{}: header word {word:?} is printed whole",
                    section.title
                );
                let chars: Vec<char> = word.chars().collect();
                for cut in 2..chars.len() {
                    let head_part: String = chars[..cut].iter().collect();
                    let tail_part: String = chars[cut..].iter().collect();
                    // Fragments of one or two letters are too common to tell anything.
                    for part in [&head_part, &tail_part]
                        .into_iter()
                        .filter(|p| p.chars().count() >= 3)
                    {
                        assert!(
                            !tokens.contains(part.as_str()) || words.contains(part.as_str()),
                            "{}: header word {word:?} is split ({part:?} stands alone)",
                            section.title
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn wide_tables_are_landscape_and_the_first_page_states_currency_and_rates() {
    let (_, _, pages) = printed();
    let first = &pages.text[0];
    for expected in [
        "Marketing financial report",
        "Totals in USD; each campaign's own figures in its currency",
        "1 EUR = 1.085 USD",
        "1 GBP = 1.2674 USD",
    ] {
        assert!(shows(first, expected), "page 1 has {expected:?}:\n{first}");
    }
    let landscape: Vec<usize> = (0..pages.sizes.len())
        .filter(|&i| pages.sizes[i].0 > pages.sizes[i].1)
        .collect();
    assert!(!landscape.is_empty(), "the campaigns go on landscape pages");
    for &i in &landscape {
        assert!(
            shows(&pages.text[i], "Campaign") || shows(&pages.text[i], "Platform"),
            "landscape page {} holds a wide table",
            i + 1
        );
    }
    // 20 columns do not fit a landscape page at a readable size: two parts, the campaign names
    // repeated in both.
    let all = pages.all_text();
    assert!(shows(&all, "Part 1 of 2"), "{all}");
    assert!(shows(&all, "Part 2 of 2"));
    let name = "Spring brand awareness";
    assert!(
        all.matches("Spring brand").count() >= 3,
        "{name} in both parts of the campaigns and in the budget table"
    );
}

#[test]
fn every_page_of_the_financial_report_rasterises() {
    let Some(pdftoppm) = spendlens_testkit::tool("pdftoppm") else {
        return;
    };
    let (_, bytes, pages) = printed();
    let dir = std::env::temp_dir().join(format!("spendlens-print-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let pdf = dir.join("financial.pdf");
    std::fs::write(&pdf, &bytes).expect("write pdf");
    let out = Command::new(pdftoppm)
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .expect("run pdftoppm");
    assert!(
        out.status.success(),
        "pdftoppm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut images: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read scratch")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    images.sort();
    assert_eq!(images.len(), pages.text.len(), "one image per page");
    for image in &images {
        let len = std::fs::metadata(image).expect("image").len();
        assert!(len > 500, "{} is a picture ({len} bytes)", image.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A heading never stands alone at the foot of a page: whatever the number of rows of a table
/// split into column parts, the page that shows a section's heading shows its first row too.
#[test]
fn a_heading_is_never_left_alone_on_a_page() {
    let base = finance::report();
    let title = "Campaign figures QX7";
    let template = base
        .sections
        .iter()
        .find(|s| s.title == "Campaigns")
        .cloned()
        .expect("campaigns section");
    for rows in 1..=40 {
        let mut report = base.clone();
        let mut section = template.clone();
        section.title = title.to_owned();
        section.table.rows = template
            .table
            .rows
            .iter()
            .cycle()
            .take(rows)
            .cloned()
            .collect();
        // The first word of each row's first cell (every column part repeats that column).
        let names: Vec<String> = section
            .table
            .rows
            .iter()
            .filter_map(|r| r[0].display().split_whitespace().next().map(str::to_owned))
            .collect();
        let at = report
            .sections
            .iter()
            .position(|s| s.title == "Campaigns")
            .expect("campaigns");
        report.sections[at] = section;
        let pages = spendlens_testkit::pdf::read(&render_pdf(&report).expect("pdf"));
        for (n, page) in pages.text.iter().enumerate() {
            if shows(page, title) {
                assert!(
                    names.iter().any(|word| page.contains(word.as_str())),
                    "{rows} rows: page {} shows the heading without a row:\n{page}",
                    n + 1
                );
            }
        }
    }
}
