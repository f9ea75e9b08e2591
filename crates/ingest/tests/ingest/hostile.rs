//! The hostile uploads of issue 13, each refused with a message naming the limit. Those that
//! aborted or swelled the process run in a child limited to 512 MB of address space
//! (`spendlens_testkit::fuzz::in_child`): before the limits, the child died and the test failed;
//! the test runner never did.

use spendlens_core::DailyRow;
use spendlens_ingest::limits::{MAX_CELLS, MAX_COLUMNS, MAX_PDF_PAGES, MAX_ROWS};
use spendlens_ingest::{
    ImportError, ImportOptions, import, parse_canonical, parse_google_ads, parse_spreadsheet_csv,
    parse_workbook, preview_pdf, stream_canonical,
};
use spendlens_testkit::fuzz::in_child;
use spendlens_testkit::hostile;

/// The address space of a child running one hostile parse.
const CHILD_MB: u64 = 512;

fn message(e: &ImportError) -> String {
    e.diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

fn refused(result: Result<impl std::fmt::Debug, ImportError>) -> ImportError {
    match result {
        Ok(v) => panic!("accepted: {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_workbook_declaring_every_cell_is_refused_by_its_dimension() {
    in_child(
        "ingest::hostile::a_workbook_declaring_every_cell_is_refused_by_its_dimension",
        CHILD_MB,
        120,
        || {
            let bytes = hostile::xlsx_corner();
            assert!(bytes.len() < 2000, "{}", bytes.len());
            for e in [
                refused(parse_workbook(
                    &bytes,
                    "corner.xlsx",
                    &ImportOptions::default(),
                )),
                refused(import(&bytes, "corner.xlsx", &ImportOptions::default())),
            ] {
                assert!(!e.is_too_large(), "a shape: 422, {e}");
                let m = message(&e);
                assert!(
                    m.contains("declares 1,048,576 rows × 16,384 columns")
                        && m.contains("at most 6,000,000 cells"),
                    "{m}"
                );
            }
        },
    );
}

#[test]
fn a_workbook_with_a_far_cell_is_refused_by_its_column() {
    in_child(
        "ingest::hostile::a_workbook_with_a_far_cell_is_refused_by_its_column",
        CHILD_MB,
        120,
        || {
            let e = refused(parse_workbook(
                &hostile::xlsx_far_cells(),
                "far.xlsx",
                &ImportOptions::default(),
            ));
            let m = message(&e);
            assert!(
                m.contains("column XFD") && m.contains("at most 1,000 columns"),
                "{m}"
            );
        },
    );
}

#[test]
fn a_workbook_of_whitespace_is_refused_before_it_inflates() {
    in_child(
        "ingest::hostile::a_workbook_of_whitespace_is_refused_before_it_inflates",
        CHILD_MB,
        120,
        || {
            // 600 MB of spaces in 600 KB: honest headers are refused on the declared size...
            let honest = hostile::xlsx_whitespace(600, true);
            assert!(honest.len() < 1_000_000, "{}", honest.len());
            let e = refused(parse_workbook(
                &honest,
                "ws.xlsx",
                &ImportOptions::default(),
            ));
            assert!(e.is_too_large(), "{e}");
            assert!(
                message(&e).contains("expands to 600 MB") && message(&e).contains("at most 256 MB"),
                "{e}"
            );
            // ...one declared within the sheet limit at its first megabyte without a tag (the XML
            // reader would buffer the whole run)...
            let within = hostile::xlsx_whitespace(200, true);
            let e = refused(parse_workbook(
                &within,
                "ws.xlsx",
                &ImportOptions::default(),
            ));
            assert!(e.is_too_large(), "{e}");
            assert!(
                message(&e).contains("1 MB of text or markup without a tag"),
                "{e}"
            );
            // ...and short markup repeated, on its compression ratio.
            let markup = hostile::xlsx_filled(b"<x/>", 200, true);
            let e = refused(parse_workbook(
                &markup,
                "ws.xlsx",
                &ImportOptions::default(),
            ));
            assert!(e.is_too_large(), "{e}");
            assert!(message(&e).contains("compressed more than 200 to 1"), "{e}");
            // ...and lying headers (1 KB declared) by the zip reader, at the declared size.
            let liar = hostile::xlsx_whitespace(600, false);
            let e = refused(parse_workbook(&liar, "ws.xlsx", &ImportOptions::default()));
            assert!(
                message(&e).contains("larger than its declared uncompressed size"),
                "{e}"
            );
        },
    );
}

#[test]
fn a_shared_strings_count_of_trillions_is_refused_before_it_is_reserved() {
    in_child(
        "ingest::hostile::a_shared_strings_count_of_trillions_is_refused_before_it_is_reserved",
        CHILD_MB,
        120,
        || {
            let e = refused(parse_workbook(
                &hostile::xlsx_shared_strings_claim(),
                "sst.xlsx",
                &ImportOptions::default(),
            ));
            assert!(
                message(&e).contains("4,000,000,000,000 shared strings"),
                "{e}"
            );
        },
    );
}

#[test]
fn binary_and_opendocument_workbooks_are_refused_with_advice() {
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    let e = refused(import(&ole, "old.xls", &ImportOptions::default()));
    assert!(message(&e).contains("XLS (Excel 97-2003)"), "{e}");
    let ods = hostile::zip(&[
        hostile::ZipPart::deflate(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        hostile::ZipPart::deflate("content.xml", b"<office:document-content/>"),
    ]);
    let e = refused(import(&ods, "sheet.ods", &ImportOptions::default()));
    assert!(message(&e).contains("ODS"), "{e}");
    assert!(message(&e).contains("save it as XLSX or as CSV"), "{e}");
}

#[test]
fn a_million_columns_are_refused_by_every_csv_reader() {
    in_child(
        "ingest::hostile::a_million_columns_are_refused_by_every_csv_reader",
        CHILD_MB,
        120,
        || {
            let bytes = hostile::wide_csv(1_000_000);
            let o = ImportOptions::default();
            let start = std::time::Instant::now();
            let errors = [
                refused(import(&bytes, "wide.csv", &o)),
                refused(parse_spreadsheet_csv(&bytes, "wide.csv", &o)),
                refused(parse_google_ads(&bytes, "wide.csv", &o)),
                refused(parse_canonical(&bytes, "wide.csv", &o)),
                refused(
                    stream_canonical(&bytes[..], "wide.csv", 100, |_: &[DailyRow]| {
                        Ok::<(), ()>(())
                    })
                    .map_err(|e| match e {
                        spendlens_ingest::StreamError::Import(e) => e,
                        spendlens_ingest::StreamError::Sink(()) => {
                            panic!("the sink never fails")
                        }
                    }),
                ),
            ];
            for e in errors {
                let m = message(&e);
                assert!(
                    m.contains(&format!("more than {MAX_COLUMNS}").replace("1000", "1,000")),
                    "{m}"
                );
            }
            assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
        },
    );
}

#[test]
fn too_many_cells_are_refused_as_too_large() {
    in_child(
        "ingest::hostile::too_many_cells_are_refused_as_too_large",
        CHILD_MB,
        120,
        || {
            // Twenty-four columns of one character: MAX_CELLS / 24 + 1 rows (under the row limit).
            let rows = MAX_CELLS / 24 + 1;
            assert!(rows < MAX_ROWS);
            let mut text = String::with_capacity(rows * 48);
            text.push_str(&format!("Date,Spend{}\n", ",x".repeat(22)));
            for _ in 0..rows {
                text.push_str(&format!("1{}\n", ",1".repeat(23)));
            }
            let e = refused(parse_spreadsheet_csv(
                text.as_bytes(),
                "many.csv",
                &ImportOptions::default(),
            ));
            assert!(e.is_too_large(), "{e}");
            assert!(message(&e).contains("at most 6,000,000 cells"), "{e}");
            // Two columns: the rows run out first.
            let rows = MAX_ROWS + 1;
            let mut text = String::with_capacity(rows * 16);
            text.push_str("Date,Spend\n");
            for i in 0..rows {
                text.push_str(&format!("{i},1\n"));
            }
            let o = ImportOptions::default();
            let mut canonical = String::from(
                "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n",
            );
            for i in 0..rows {
                canonical.push_str(&format!("2024-06-01,meta,c{i},1,0,0,0,0,,\n"));
            }
            for e in [
                refused(parse_spreadsheet_csv(text.as_bytes(), "rows.csv", &o)),
                refused(parse_canonical(canonical.as_bytes(), "rows.csv", &o)),
            ] {
                assert!(e.is_too_large(), "{e}");
                assert!(message(&e).contains("at most 300,000 rows"), "{e}");
            }
        },
    );
}

#[test]
fn a_pdf_content_bomb_is_measured_not_inflated() {
    in_child(
        "ingest::hostile::a_pdf_content_bomb_is_measured_not_inflated",
        CHILD_MB,
        120,
        || {
            let bytes = hostile::pdf_flate_bomb(600);
            assert!(bytes.len() < 1_000_000, "{}", bytes.len());
            let e = refused(preview_pdf(&bytes, "bomb.pdf", &ImportOptions::default()));
            assert!(e.is_too_large(), "{e}");
            assert!(message(&e).contains("decodes to more than 32 MB"), "{e}");
        },
    );
}

#[test]
fn a_pdf_object_stream_bomb_is_refused_before_the_document_loads() {
    in_child(
        "ingest::hostile::a_pdf_object_stream_bomb_is_refused_before_the_document_loads",
        CHILD_MB,
        120,
        || {
            // The PDF library inflates object streams while it loads the file, before anything
            // could look at them: the raw bytes are measured first.
            let bytes = hostile::pdf_object_stream_bomb(600);
            let e = refused(preview_pdf(&bytes, "objstm.pdf", &ImportOptions::default()));
            assert!(e.is_too_large(), "{e}");
            assert!(message(&e).contains("decodes to more than 32 MB"), "{e}");
        },
    );
}

#[test]
fn a_pdf_of_too_many_pages_is_refused_and_a_small_one_read() {
    let e = refused(preview_pdf(
        &hostile::pdf_pages(MAX_PDF_PAGES + 1),
        "long.pdf",
        &ImportOptions::default(),
    ));
    assert!(message(&e).contains("501 pages"), "{e}");
    let p = preview_pdf(&hostile::pdf_report(), "r.pdf", &ImportOptions::default())
        .expect("a small report reads");
    assert_eq!(
        p.value(spendlens_ingest::PdfMetric::Spend),
        Some(rust_decimal_macros::dec!(1234.50))
    );
}

/// A workbook whose sheet declares more rows than are read at once is refused by its dimension,
/// before any cell is read (a 20 MB sheet of a million rows was read up to the limit first, tens
/// of seconds with the upload slot held); one declaring exactly the limit is read.
#[test]
fn a_sheet_declaring_too_many_rows_is_refused_before_its_cells_are_read() {
    let sheet = |last: usize| {
        hostile::xlsx(&format!(
            r#"{}<dimension ref="A1:B{last}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Spend</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>2026-11-02</t></is></c><c r="B2"><v>5</v></c></row></sheetData></worksheet>"#,
            hostile::SHEET_HEAD
        ))
    };
    let e = refused(parse_workbook(
        &sheet(1_048_576),
        "rows.xlsx",
        &ImportOptions::default(),
    ));
    assert!(e.is_too_large(), "{e}");
    assert!(
        message(&e).contains("declares 1,048,576 rows")
            && message(&e).contains("at most 300,000 rows"),
        "{e}"
    );
    let parsed = parse_workbook(&sheet(MAX_ROWS), "ok.xlsx", &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.rows.len(), 1);
}
