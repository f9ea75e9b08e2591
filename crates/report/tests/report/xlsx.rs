//! The XLSX writer read back with calamine: native numbers and dates, one sheet per section.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::support;
use spendlens_report::render_xlsx;

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
    assert!(note.contains("1 EUR = 1.085 USD (2025-12-31)"), "{note}");
}

#[test]
fn the_same_model_gives_the_same_bytes() {
    let report = support::small_report();
    let first = render_xlsx(&report).expect("xlsx");
    // Across a second boundary: the workbook's timestamps come from the model, not the clock.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(first, render_xlsx(&report).expect("xlsx"));
}
