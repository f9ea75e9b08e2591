//! Google Sheets tabs as the Sheets API `values` array.

use chrono::NaiveDate;
use rust_decimal_macros::dec;
use spendlens_core::Platform;
use spendlens_ingest::{ColumnMapping, Field, ImportOptions, parse_sheet_values, summary};

/// The rows a text file imports as (detected, as every door reads it).
fn imported(text: &str, options: &ImportOptions) -> spendlens_ingest::ParsedFile {
    match spendlens_ingest::import(text.as_bytes(), "file.csv", options)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        spendlens_ingest::Imported::Rows(p) => p,
        spendlens_ingest::Imported::Preview(_) => panic!("a preview"),
    }
}

fn values(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

#[test]
fn formatted_values_with_symbols_separators_and_ragged_rows() {
    // The FORMATTED_VALUE example of docs/connectors.md §4.3: the LinkedIn row is one cell shorter.
    let v = values(&[
        &[
            "Date",
            "Platform",
            "Campaign",
            "Monthly Budget",
            "Spend",
            "Impressions",
            "Clicks",
            "Conversions",
            "Revenue",
            "Notes",
        ],
        &[
            "2024-06-01",
            "Meta",
            "Prospecting - Broad",
            "$3,000.00",
            "$84.53",
            "10,234",
            "187",
            "6",
            "$412.80",
        ],
        &[
            "2024-06-01",
            "LinkedIn",
            "ABM - Tier 1",
            "€5,000.00",
            "€152.37",
            "8,412",
            "61",
            "4",
            "€1,200.00",
            "invoice #A-17",
        ],
    ]);
    let p = parse_sheet_values(&v, "Spend Tracker", &ImportOptions::default()).expect("imports");
    assert_eq!(p.rows.len(), 2);
    let (meta, li) = (&p.rows[0], &p.rows[1]);
    assert_eq!(
        (meta.platform, meta.spend, meta.impressions),
        (Platform::Meta, dec!(84.53), 10234)
    );
    assert_eq!(meta.revenue, Some(dec!(412.80)));
    assert_eq!(meta.currency, None, "$ does not say which dollar");
    assert_eq!(
        (li.platform, li.spend, li.currency.as_deref()),
        (Platform::LinkedIn, dec!(152.37), Some("EUR"))
    );
    assert_eq!(
        summary(&p).totals.spend,
        dec!(236.90),
        "the budget column is not spend"
    );
}

#[test]
fn unformatted_values_with_serial_dates() {
    let v = values(&[
        &[
            "Day",
            "Campaign",
            "Amount spent",
            "Impr.",
            "Link clicks",
            "Results",
        ],
        &["45444", "Summer", "84.53", "10234", "143", "2.5"],
        &["45445", "Summer", "0.1", "0", "0"],
    ]);
    let p = parse_sheet_values(&v, "tab", &ImportOptions::default()).expect("imports");
    assert_eq!(
        p.rows[0].date,
        NaiveDate::from_ymd_opt(2024, 6, 1).expect("d")
    );
    assert_eq!(
        p.rows[1].date,
        NaiveDate::from_ymd_opt(2024, 6, 2).expect("d")
    );
    assert_eq!(p.rows[0].conversions, dec!(2.5));
    assert_eq!(
        p.rows[1].conversions,
        dec!(0),
        "trailing empty cell dropped by the API"
    );
    assert_eq!(
        p.rows[0].platform,
        Platform::Meta,
        "\"Amount spent\" is a pasted Meta export"
    );
    let options = ImportOptions {
        default_platform: Some(Platform::LinkedIn),
        ..ImportOptions::default()
    };
    let p = parse_sheet_values(&v, "tab", &options).expect("imports");
    assert_eq!(
        p.rows[0].platform,
        Platform::LinkedIn,
        "the user's choice wins over the headers"
    );
    let plain = values(&[&["Date", "Spend"], &["45444", "1"]]);
    let p = parse_sheet_values(&plain, "tab", &ImportOptions::default()).expect("imports");
    assert_eq!(
        p.rows[0].platform,
        Platform::Sheets,
        "nothing says otherwise"
    );
}

#[test]
fn unsure_columns_need_an_explicit_mapping() {
    let v = values(&[
        &["Tag", "Kampagne", "Cost", "Spend", "Klicks"],
        &["03.06.2024", "Sommer", "12,50", "13.00", "4"],
    ]);
    let err =
        parse_sheet_values(&v, "tab", &ImportOptions::default()).expect_err("two spend columns");
    let text = err.to_string();
    assert!(text.contains("C \"Cost\" and D \"Spend\""), "{text}");
    let mapping = ColumnMapping::new().with(Field::Spend, "Spend");
    let options = ImportOptions {
        mapping,
        ..ImportOptions::default()
    };
    let p = parse_sheet_values(&v, "tab", &options).expect("mapped");
    assert_eq!(p.rows[0].spend, dec!(13.00));
    assert_eq!(
        p.rows[0].date,
        NaiveDate::from_ymd_opt(2024, 6, 3).expect("d"),
        "dotted dates are day first"
    );
    assert_eq!(p.rows[0].clicks, 4);
}

#[test]
fn slash_dates_follow_the_column_or_the_option() {
    let v = values(&[
        &["Date", "Spend"],
        &["06/07/2024", "1"],
        &["06/08/2024", "2"],
    ]);
    let p = parse_sheet_values(&v, "tab", &ImportOptions::default()).expect("imports");
    assert_eq!(
        p.rows[0].date,
        NaiveDate::from_ymd_opt(2024, 6, 7).expect("d")
    );
    assert!(p.notes[0].contains("month first"), "{:?}", p.notes);
    let options = ImportOptions {
        date_order: Some(spendlens_ingest::DateOrder::DayFirst),
        ..ImportOptions::default()
    };
    let p = parse_sheet_values(&v, "tab", &options).expect("imports");
    assert_eq!(
        p.rows[0].date,
        NaiveDate::from_ymd_opt(2024, 7, 6).expect("d")
    );
    let v = values(&[
        &["Date", "Spend"],
        &["13/06/2024", "1"],
        &["06/14/2024", "2"],
    ]);
    let err = parse_sheet_values(&v, "tab", &ImportOptions::default()).expect_err("mixed orders");
    assert!(err.to_string().contains("mixes"), "{err}");
}

#[test]
fn bad_cells_reject_the_tab_with_places() {
    let v = values(&[
        &["Date", "Platform", "Spend", "Clicks"],
        &["2024-06-01", "TikTok", "1", "2"],
        &["2024-06-31", "Meta", "1", "2"],
        &["2024-06-02", "Meta", "12%", "2.5"],
        &["Total", "", "15", "6"],
    ]);
    let err = parse_sheet_values(&v, "Tracker", &ImportOptions::default()).expect_err("bad rows");
    let d = err.diagnostics();
    let places: Vec<_> = d
        .iter()
        .map(|d| (d.row, d.column.as_ref().map(|c| c.letter())))
        .collect();
    assert_eq!(
        places,
        vec![
            (Some(2), Some("B".into())),
            (Some(3), Some("A".into())),
            (Some(4), Some("C".into())),
            (Some(4), Some("D".into()))
        ]
    );
    assert!(d.iter().all(|d| d.file == "Tracker"));
    assert!(parse_sheet_values(&[], "empty", &ImportOptions::default()).is_err());
}

/// A spreadsheet CSV whose dates nothing decides (all days ≤ 12): a file that writes decimal
/// commas is read day first (a European sheet was read month first: 1 and 2 November stored as
/// 11 January and 11 February), and the note names the real option to read it the other way;
/// dotted dates are day first and need no note.
#[test]
fn ambiguous_dates_follow_the_file_s_decimal_commas_and_the_note_names_the_option() {
    let parse = |text: &str, order: Option<spendlens_ingest::DateOrder>| {
        let options = ImportOptions {
            date_order: order,
            ..ImportOptions::default()
        };
        imported(text, &options)
    };
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).expect("d");
    let european =
        "Date;Campaign;Spend;Impressions;Clicks\n01/11/2026;C;10,50;1;1\n02/11/2026;C;20,00;1;1\n";
    let p = parse(european, None);
    assert_eq!(p.rows[0].date, day(11, 1));
    assert_eq!(p.rows[0].spend, dec!(10.50));
    let note = p
        .notes
        .iter()
        .find(|n| n.contains("06/07/2024"))
        .expect("a note");
    assert!(
        note.contains("day first, as the file writes decimal commas")
            && note.contains("month_first (date_order)"),
        "{note}"
    );
    // The user's choice decides.
    let p = parse(european, Some(spendlens_ingest::DateOrder::MonthFirst));
    assert_eq!(p.rows[0].date, day(1, 11));

    // Decimal points: month first, and the note offers day first.
    let us = "Date,Campaign,Spend\n01/11/2026,C,10.50\n02/11/2026,C,20.00\n";
    let p = parse(us, None);
    assert_eq!(p.rows[0].date, day(1, 11));
    let note = p
        .notes
        .iter()
        .find(|n| n.contains("06/07/2024"))
        .expect("a note");
    assert!(
        note.contains("month first (US order); if that is wrong"),
        "{note}"
    );
    assert!(note.contains("day_first (date_order)"), "{note}");

    // Dotted dates: day first, no note about the order.
    let dotted = "Date,Campaign,Spend\n01.11.2026,C,10.50\n02.11.2026,C,20.00\n";
    let p = parse(dotted, None);
    assert_eq!(p.rows[0].date, day(11, 1));
    assert!(
        !p.notes.iter().any(|n| n.contains("06/07/2024")),
        "{:?}",
        p.notes
    );
}

/// Amounts that read either way (`1.234`) and nothing else in the file deciding: read as the
/// file's separator suggests, and the note says how, with the cell (it said nothing before).
#[test]
fn an_amount_that_reads_either_way_is_read_as_the_separator_says_and_said() {
    let parse = |text: &str| imported(text, &ImportOptions::default());
    let semi = parse("Date;Campaign;Spend\n2026-11-01;C;1.234\n2026-11-02;C;2.500\n");
    assert_eq!(semi.rows[0].spend, dec!(1234));
    let note = semi
        .notes
        .iter()
        .find(|n| n.contains("\"1.234\""))
        .expect("a note");
    assert!(note.contains("grouping thousands"), "{note}");
    let comma = parse("Date,Campaign,Spend\n2026-11-01,C,1.234\n2026-11-02,C,2.500\n");
    assert_eq!(comma.rows[0].spend, dec!(1.23), "money is kept to the cent");
    let note = comma
        .notes
        .iter()
        .find(|n| n.contains("\"1.234\""))
        .expect("a note");
    assert!(note.contains("decimal point"), "{note}");
    // Decided by another amount (2,50): no such note.
    let decided = parse("Date;Campaign;Spend\n2026-11-01;C;1.234\n2026-11-02;C;2,50\n");
    assert!(
        !decided.notes.iter().any(|n| n.contains("no amount")),
        "{:?}",
        decided.notes
    );
}

/// A file of spendlens' own columns with some left out is read, revenue included, saying which
/// columns were stored as 0 (the strict reader refused it: "could not tell which columns hold
/// the date and the spend", naming engagements as missing).
#[test]
fn own_columns_with_some_left_out_are_read_with_their_revenue() {
    let text = "date,platform,campaign,spend,impressions,clicks,conversions,revenue\n\
                2026-12-01,meta,M,100.10,1000,20,2,300.30\n2026-12-01,google_ads,G,80.00,900,9,1,200\n";
    let parsed = imported(text, &ImportOptions::default());
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[0].platform, Platform::Meta);
    assert_eq!(parsed.rows[0].revenue, Some(dec!(300.30)));
    assert_eq!(parsed.rows[1].platform, Platform::GoogleAds);
}
