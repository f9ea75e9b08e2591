//! Corrupt inputs: truncated, wrongly encoded, text where a number is, impossible dates, 50 MB of
//! garbage. Each gives an error naming the place, never a panic and never half a result.

use spendlens_core::DailyRow;
use spendlens_ingest::{
    ImportError, ImportOptions, import, parse_canonical, parse_google_ads, parse_linkedin,
    parse_meta, parse_workbook, stream_canonical,
};

use super::support::fixture;

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn truncated_canonical_names_the_last_row() {
    let bytes = fixture("canonical.csv");
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    let cut = text.find("ABM - Tier 1,2024-06-02").expect("row") + 30;
    let err = parse_canonical(&bytes[..cut], "cut.csv", &ImportOptions::default())
        .expect_err("truncated");
    let d = &err.diagnostics()[0];
    assert_eq!(d.row, Some(8));
    assert!(d.message.contains("truncated"), "{d}");
}

#[test]
fn truncated_utf16_export_is_refused() {
    let bytes = fixture("google_ads_excel.csv");
    // An odd length cannot be UTF-16.
    let err = parse_google_ads(
        &bytes[..bytes.len() - 301],
        "cut.csv",
        &ImportOptions::default(),
    )
    .expect_err("odd");
    assert!(err.to_string().contains("UTF-16LE"), "{err}");
    // Cut at a code-unit boundary inside a data row: that row is short.
    let text: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let decoded = String::from_utf16(&text).expect("utf-16");
    let keep = decoded
        .find("Generic - Search\t20731000222\tSearch\t2024-06-02")
        .expect("row")
        + 30;
    let cut = 2 + 2 * decoded[..keep].encode_utf16().count();
    let err = parse_google_ads(&bytes[..cut], "cut.csv", &ImportOptions::default())
        .expect_err("short row");
    assert_eq!(err.diagnostics()[0].row, Some(7));
}

#[test]
fn latin1_file_is_refused_with_its_row() {
    let text = "Reporting starts,Reporting ends,Day,Campaign name,Amount spent (EUR),Impressions\n\
                2024-06-01,2024-06-30,2024-06-01,Caf\u{e9} Cr\u{e8}me,1.00,10\n";
    let latin1: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect();
    let err = parse_meta(&latin1, "latin1.csv", &ImportOptions::default()).expect_err("not UTF-8");
    let d = &err.diagnostics()[0];
    assert_eq!(d.row, Some(2));
    assert!(d.message.contains("UTF-8"), "{d}");
}

#[test]
fn text_where_a_number_is_names_row_and_column() {
    let bytes = fixture("linkedin_campaign_performance.csv");
    let text = String::from_utf8(bytes)
        .expect("utf-8")
        .replace("139.05", "n/a");
    let err =
        parse_linkedin(text.as_bytes(), "li.csv", &ImportOptions::default()).expect_err("n/a");
    assert!(matches!(err, ImportError::Rejected { .. }));
    let d = err.diagnostics();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].row, Some(7));
    assert_eq!(
        d[0].column.as_ref().map(|c| (c.letter(), c.header.clone())),
        Some(("G".into(), Some("Total Spent".into())))
    );
    assert!(
        d[0].to_string()
            .starts_with("li.csv, row 7, column G \"Total Spent\": expected a number"),
        "{}",
        d[0]
    );
}

#[test]
fn impossible_and_out_of_range_dates_are_named() {
    let bytes = fixture("canonical.csv");
    let text = String::from_utf8(bytes).expect("utf-8");
    for (bad, needle) in [
        ("2024-02-30", "not a real calendar date"),
        ("1999-12-31", "outside"),
        ("2024-13-01", "not a real"),
    ] {
        let broken = text.replacen("2024-06-02", bad, 1);
        let err =
            parse_canonical(broken.as_bytes(), "c.csv", &ImportOptions::default()).expect_err(bad);
        let d = &err.diagnostics()[0];
        assert_eq!(
            (d.row, d.column.as_ref().map(|c| c.letter())),
            (Some(3), Some("B".into())),
            "{bad}"
        );
        assert!(d.message.contains(needle), "{d}");
    }
    let li = String::from_utf8(fixture("linkedin_campaign_performance.csv"))
        .expect("utf-8")
        .replace("6/13/2024", "6/31/2024");
    let err =
        parse_linkedin(li.as_bytes(), "li.csv", &ImportOptions::default()).expect_err("June 31st");
    assert_eq!(err.diagnostics()[0].row, Some(11));
}

#[test]
fn fifty_megabytes_of_garbage() {
    let junk = garbage(50 * 1024 * 1024, 0x5eed);
    let err = import(&junk, "junk.csv", &ImportOptions::default()).expect_err("too large");
    assert!(matches!(err, ImportError::TooLarge { .. }), "{err}");
    let roomy = ImportOptions {
        max_bytes: 64 * 1024 * 1024,
        ..ImportOptions::default()
    };
    let err = import(&junk, "junk.csv", &roomy).expect_err("garbage");
    assert!(err.to_string().contains("junk.csv"), "{err}");
    assert!(parse_meta(&junk, "junk.csv", &roomy).is_err());
    assert!(parse_workbook(&junk, "junk.xlsx", &roomy).is_err());
    let r = stream_canonical(junk.as_slice(), "junk.csv", 1024, |_: &[DailyRow]| {
        Ok::<(), ()>(())
    });
    assert!(r.is_err());
    // Garbage that is valid text: 50 MB of lines without a header.
    let text: Vec<u8> = garbage(50 * 1024 * 1024, 7)
        .iter()
        .map(|b| b"abc,;\t 0123456789\n\"x"[usize::from(*b) % 20])
        .collect();
    assert!(import(&text, "junk.csv", &roomy).is_err());
}

#[test]
fn truncated_and_damaged_workbooks_are_errors() {
    let bytes = fixture("spend_tracker.xlsx");
    for cut in [4, 100, bytes.len() / 2, bytes.len() - 10] {
        let err = parse_workbook(&bytes[..cut], "t.xlsx", &ImportOptions::default())
            .expect_err("truncated");
        assert!(err.to_string().contains("t.xlsx"), "{err}");
    }
}

#[test]
fn empty_input_is_an_error_everywhere() {
    let o = ImportOptions::default();
    assert!(import(b"", "e.csv", &o).is_err());
    assert!(parse_canonical(b"", "e.csv", &o).is_err());
    assert!(parse_linkedin(b"", "e.csv", &o).is_err());
    assert!(parse_workbook(b"", "e.xlsx", &o).is_err());
}

/// A formula cell whose result the file does not hold (openpyxl and other writers that do not
/// calculate): refused naming the cell, never read as an empty cell (a spend of 0, a campaign
/// with no name). The same formula with its cached result reads the result.
#[test]
fn a_formula_without_its_result_is_refused_naming_the_cell() {
    let sheet = |spend: &str| {
        spendlens_testkit::hostile::xlsx(&format!(
            r#"{}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Campaign</t></is></c><c r="C1" t="inlineStr"><is><t>Spend</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>2026-11-02</t></is></c><c r="B2" t="inlineStr"><is><t>Brand</t></is></c>{spend}</row></sheetData></worksheet>"#,
            spendlens_testkit::hostile::SHEET_HEAD
        ))
    };
    let bare = sheet(r#"<c r="C2"><f>1+1</f></c>"#);
    let err = parse_workbook(&bare, "f.xlsx", &ImportOptions::default()).expect_err("no result");
    let text = err.to_string();
    assert!(
        text.contains("f.xlsx")
            && text.contains("cell C2: a formula whose result the file does not hold"),
        "{text}"
    );
    let cached = sheet(r#"<c r="C2"><f>1+1</f><v>2</v></c>"#);
    let parsed = parse_workbook(&cached, "f.xlsx", &ImportOptions::default()).expect("cached");
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].spend.to_string(), "2");
}
