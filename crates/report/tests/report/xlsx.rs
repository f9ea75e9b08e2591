//! The XLSX writer read back with calamine: native numbers and dates, one sheet per section,
//! money rounded to cents; and from the sheet XML, frozen header rows, filters and formats.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::{finance, support};
use spendlens_report::{Cell, render_xlsx};

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
}

#[test]
fn money_percent_and_dates_are_typed_cells() {
    let mut book = open(render_xlsx(&support::report(100, 30)).expect("xlsx"));
    assert_eq!(
        book.sheet_names(),
        vec![
            "Report",
            "Platform performance",
            "Campaigns",
            "Spend over time"
        ]
    );

    let platforms = book.worksheet_range("Platform performance").expect("sheet");
    assert_eq!(
        platforms.get((0, 1)),
        Some(&Data::String("Spend".to_owned()))
    );
    assert_eq!(
        platforms.get((1, 0)),
        Some(&Data::String("LinkedIn Ads".to_owned()))
    );
    match platforms.get((1, 1)) {
        Some(Data::Float(v)) => assert!((v - 48_210.55).abs() < 1e-9, "{v}"),
        other => panic!("money must be a number, got {other:?}"),
    }
    match platforms.get((1, 5)) {
        Some(Data::Float(v)) => assert!((v - 0.4851).abs() < 1e-3, "share as a fraction: {v}"),
        other => panic!("percent must be a number, got {other:?}"),
    }

    let campaigns = book.worksheet_range("Campaigns").expect("sheet");
    assert_eq!(campaigns.height(), 101, "header + 100 rows");
    assert_eq!(campaigns.width(), 12);
    for row in 1..campaigns.height() {
        for col in [4, 5, 10] {
            assert!(
                matches!(campaigns.get((row, col)), Some(Data::Float(_))),
                "money cell ({row},{col}) is numeric: {:?}",
                campaigns.get((row, col))
            );
        }
        assert!(
            matches!(campaigns.get((row, 2)), Some(Data::DateTime(_))),
            "dates are real dates: {:?}",
            campaigns.get((row, 2))
        );
        assert!(matches!(
            campaigns.get((row, 7)),
            Some(Data::Float(_) | Data::Int(_))
        ));
    }
    // The injection-looking campaign name is kept as text, verbatim.
    assert_eq!(
        campaigns.get((4, 0)),
        Some(&Data::String("=SUM(A1:A9) lookalike #004".to_owned()))
    );

    let cover = book.worksheet_range("Report").expect("cover");
    assert_eq!(
        cover.get((0, 0)),
        Some(&Data::String(
            "Spring campaigns — financial report".to_owned()
        ))
    );
    let note = cover
        .get((3, 1))
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(note.contains("1 EUR = 1.085 USD (31 Dec 2025)"), "{note}");
}

#[test]
fn the_same_model_gives_the_same_bytes() {
    let report = support::small_report();
    let first = render_xlsx(&report).expect("xlsx");
    // Across a second boundary: the workbook's timestamps come from the model, not the clock.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(first, render_xlsx(&report).expect("xlsx"));
}

/// The XML of `part` inside the workbook (what calamine does not expose: panes, filters,
/// column widths, number formats).
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut file = archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut file, &mut xml).expect("UTF-8 XML");
    xml
}

/// Decimals of `v` as Rust prints it (the shortest text that reads back as the same `f64`).
fn decimals(v: f64) -> usize {
    let text = format!("{v}");
    text.split_once('.').map_or(0, |(_, f)| f.len())
}

#[test]
fn money_is_rounded_to_cents_and_percentages_to_what_is_shown() {
    let report = finance::report();
    let bytes = render_xlsx(&report).expect("xlsx");
    let mut book = open(bytes);
    let mut money_cells = 0;
    for section in &report.sections {
        let sheet = book.worksheet_range(&section.title).expect("sheet");
        for (r, row) in section.table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let got = sheet.get((r + 1, c));
                let at = format!("{} ({}, {})", section.title, r + 1, c);
                match cell {
                    Cell::Money { amount, .. } => {
                        let Some(Data::Float(v)) = got else {
                            panic!("{at}: money is a number, got {got:?}")
                        };
                        assert!(decimals(*v) <= 2, "{at}: {v} has at most 2 decimals");
                        let cents = spendlens_report::currency::fixed(*amount, 2);
                        assert_eq!(format!("{v:.2}"), cents, "{at}: rounded half away");
                        money_cells += 1;
                    }
                    Cell::Percent(p) => {
                        let Some(Data::Float(v)) = got else {
                            panic!("{at}: a percentage is a number, got {got:?}")
                        };
                        assert!(decimals(*v) <= 4, "{at}: {v} is the shown percentage");
                        let shown = spendlens_report::currency::fixed(*p, 2);
                        assert_eq!(format!("{:.2}", v * 100.0), shown, "{at}");
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(money_cells > 80, "{money_cells} money cells checked");
}

#[test]
fn every_table_has_a_frozen_header_a_filter_currency_formats_and_fitted_widths() {
    let report = finance::report();
    let bytes = render_xlsx(&report).expect("xlsx");
    // Sheet 1 is the cover; the sections follow in order.
    for (i, section) in report.sections.iter().enumerate() {
        let xml = part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 2));
        let at = &section.title;
        assert!(
            xml.contains("ySplit=\"1\"") && xml.contains("state=\"frozen\""),
            "{at}: the header row is frozen: {xml}"
        );
        let last_col = char::from(b'A' + u8::try_from(section.table.width() - 1).expect("<26"));
        let filter = format!(
            "<autoFilter ref=\"A1:{last_col}{}\"",
            section.table.rows.len() + 1
        );
        assert!(xml.contains(&filter), "{at}: {filter} in {xml}");
        // `<col min="1" max="2" width="12.7" .../>`: adjacent equal widths share one element.
        let mut covered = 0;
        for col in xml.split("<col ").skip(1) {
            let attr = |name: &str| -> &str {
                col.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or_else(|| panic!("{at}: {name} in <col {col}"))
            };
            let w: f64 = attr("width").parse().expect("a width");
            assert!((8.0..=64.0).contains(&w), "{at}: column width {w}");
            let min: usize = attr("min").parse().expect("min");
            let max: usize = attr("max").parse().expect("max");
            covered += max + 1 - min;
        }
        assert_eq!(covered, section.table.width(), "{at}: a width per column");
    }
    let campaigns = part(&bytes, "xl/worksheets/sheet3.xml");
    assert!(
        campaigns.contains("xSplit=\"1\""),
        "a wide table keeps its names in view"
    );
    let styles = part(&bytes, "xl/styles.xml");
    for format in [
        "&quot;$&quot;#,##0.00",
        "&quot;GBP &quot;#,##0.00",
        "&quot;€&quot;#,##0.00",
        "0.00%",
    ] {
        assert!(styles.contains(format), "{format} in {styles}");
    }
}

/// A multiple (ROAS) is a number rounded to what is shown, formatted `6.32x` as the pages write
/// it.
#[test]
fn a_ratio_is_a_number_shown_as_a_multiple() {
    let mut report = finance::report();
    report.sections = vec![spendlens_report::Section {
        title: "Ratios".to_owned(),
        table: spendlens_report::Table {
            header: vec!["Campaign".to_owned(), "ROAS".to_owned()],
            rows: vec![vec![
                Cell::text("Always-on Search"),
                Cell::Ratio(rust_decimal::Decimal::new(63249, 4)),
            ]],
        },
        charts: Vec::new(),
    }];
    let bytes = render_xlsx(&report).expect("xlsx");
    let styles = part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("#,##0.00&quot;x&quot;"),
        "the multiple's format in {styles}"
    );
    let mut book = open(bytes);
    let sheet = book.worksheet_range("Ratios").expect("sheet");
    assert_eq!(sheet.get((1, 1)), Some(&Data::Float(6.32)));
}
