//! The upload parsers fuzzed inside the suite (issue 13): CSV (canonical, platform exports,
//! sheets), XLSX, PDF, touchpoints, the ledger CSV, the analysis JSON decoder and the
//! marketing-mix tables (`read_grid`, then the column rules and the fit).
//!
//! Each parser gets a corpus of seeds (the ingest fixtures, small hand-written files, and the
//! hostile files of `spendlens_testkit::hostile`: the A1+XFD1048576 workbook, zip bombs of
//! whitespace, a shared-strings claim of trillions, a wide CSV, PDF stream and object-stream
//! bombs) and a fixed number of deterministic mutants of them (`spendlens_testkit::fuzz::
//! Mutator`, seeded from spendlens-rng). Every test runs in a child process limited to 1 GB of
//! address space, so that an allocation blow-up (an abort, not a panic) fails the test and not
//! the machine; every outcome must be `Ok` or a clean error. The suite's time is fixed: a few
//! seconds per parser in a debug build.
//!
//! Not in the in-process corpus: the PDF that floods the library with objects
//! (`hostile::pdf_object_flood`), which only a memory limit on the reader holds: the server and
//! the CLI read PDFs in a limited child, tested in `import::pdfs_are_read_in_a_limited_child`.

use spendlens_core::DailyRow;
use spendlens_ingest::ImportOptions;
use spendlens_testkit::fuzz::{Mutator, in_child};
use spendlens_testkit::hostile;

/// The address space of a fuzzing child.
const CHILD_MB: u64 = 1024;
/// The wall time a fuzzing child may take (debug builds on two cores, with other tests).
const CHILD_SECONDS: u64 = 240;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../ingest/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `parse` on every seed and on `iterations` mutants, the seed of the mutator fixed.
/// `SPENDLENS_FUZZ_ROUNDS=n` runs n times as many (a longer hunt, e.g. in a release build), and
/// `SPENDLENS_FUZZ_SEED` moves the mutator to other inputs.
fn fuzz(corpus: &[Vec<u8>], iterations: usize, seed: u64, mut parse: impl FnMut(&[u8])) {
    for input in corpus {
        parse(input);
    }
    let rounds = std::env::var("SPENDLENS_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
        .unwrap_or(1);
    let extra_seed = std::env::var("SPENDLENS_FUZZ_SEED")
        .ok()
        .and_then(|r| r.parse::<u64>().ok())
        .unwrap_or(0);
    let mut mutator = Mutator::new(seed ^ extra_seed);
    for i in 0..iterations * rounds {
        let base = &corpus[i % corpus.len()];
        let mutant = mutator.mutate(base, corpus);
        parse(&mutant);
    }
}

#[test]
fn csv_parsers_survive_mutants() {
    in_child(
        "fuzz::csv_parsers_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let corpus = vec![
                fixture("canonical.csv"),
                fixture("linkedin_campaign_performance.csv"),
                fixture("linkedin_campaign_performance_utf16.csv"),
                fixture("meta_ads_daily.csv"),
                fixture("meta_ads_fr.csv"),
                fixture("google_ads_excel.csv"),
                fixture("google_ads_report.csv"),
                hostile::wide_csv(1_200),
                b"Date,Spend\n\"2024-06-01\",\"1,234.50\"\r\n\"unterminated,1\n".to_vec(),
            ];
            let o = ImportOptions::default();
            fuzz(&corpus, 600, 0x13_c5, |bytes| {
                let _ = spendlens_ingest::import(bytes, "f.csv", &o);
                let _ = spendlens_ingest::parse_canonical(bytes, "f.csv", &o);
                let _ = spendlens_ingest::parse_meta(bytes, "f.csv", &o);
                let _ =
                    spendlens_ingest::stream_canonical(bytes, "f.csv", 7, |_: &[DailyRow]| {
                        Ok::<(), ()>(())
                    });
            });
        },
    );
}

/// A small sheet of the shape real exports have, for XML-level mutants.
const SHEET: &str = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Campaign</t></is></c><c r="C1" t="inlineStr"><is><t>Spend</t></is></c></row><row r="2"><c r="A2"><v>45444</v></c><c r="B2" t="inlineStr"><is><t>Brand</t></is></c><c r="C2"><v>84.53</v></c></row><row r="3"><c r="A3"><v>45445</v></c><c r="B3" t="inlineStr"><is><t>Brand</t></is></c><c r="C3"><v>0.1</v></c></row></sheetData></worksheet>"#;

#[test]
fn workbooks_survive_mutants() {
    in_child(
        "fuzz::workbooks_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let o = ImportOptions::default();
            let parse = |bytes: &[u8]| {
                let _ = spendlens_ingest::parse_workbook(bytes, "f.xlsx", &o);
                let _ = spendlens_ingest::import(bytes, "f.xlsx", &o);
            };
            // Whole files, bytes mutated: the container's checks.
            let files = vec![
                fixture("spend_tracker.xlsx"),
                fixture("meta_export.xlsx"),
                hostile::xlsx_corner(),
                hostile::xlsx_far_cells(),
                hostile::xlsx_shared_strings_claim(),
                hostile::xlsx_whitespace(2, true),
                hostile::xlsx_whitespace(300, true),
                hostile::xlsx_filled(b"<x/>", 300, true),
            ];
            fuzz(&files, 300, 0x13_a1, parse);
            // The sheet's XML mutated and zipped again: the streaming reader's checks.
            let sheets: Vec<Vec<u8>> = vec![
                format!("{}{SHEET}", hostile::SHEET_HEAD).into_bytes(),
                format!(
                    r#"{}<dimension ref="A1:XFD1048576"/>{SHEET}"#,
                    hostile::SHEET_HEAD
                )
                .into_bytes(),
            ];
            fuzz(&sheets, 300, 0x13_a2, |xml| {
                parse(&hostile::xlsx(&String::from_utf8_lossy(xml)));
            });
        },
    );
}

/// A report with a weekly metrics table in a decimal-comma format, written with embedded fonts
/// (their glyph widths in ranges, which the reader rewrites): the table and layout paths.
fn weekly_table() -> Vec<u8> {
    use spendlens_testkit::agency_pdf::{ReportPdf, Table};
    let mut pdf = ReportPdf::new();
    pdf.text(50.0, 60.0, 12.0, "Reporting period: June 3 - June 16, 2024");
    let t = Table::new(50.0, &[250.0, 330.0, 400.0]);
    pdf.table(
        &t,
        100.0,
        &["Week", "Spend", "Impressions", "Clicks"],
        &[
            vec!["2024-W23", "€1.234,50", "48.200", "1.105"],
            vec!["2024-W24", "€987,65", "39.950", ""],
            vec!["Total", "€2.222,15", "88.150", "1.105"],
        ],
    );
    pdf.finish()
}

#[test]
fn pdfs_survive_mutants() {
    in_child(
        "fuzz::pdfs_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let corpus = vec![
                fixture("agency_report.pdf"),
                fixture("web_report.pdf"),
                fixture("grid_report.pdf"),
                fixture("scanned.pdf"),
                hostile::pdf_report(),
                hostile::pdf_pages(3),
                hostile::pdf_flate_bomb(40),
                hostile::pdf_object_stream_bomb(40),
                weekly_table(),
            ];
            let o = ImportOptions::default();
            fuzz(&corpus, 250, 0x13_bd, |bytes| {
                let _ = spendlens_ingest::preview_pdf(bytes, "f.pdf", &o);
            });
        },
    );
}

#[test]
fn touchpoint_files_survive_mutants() {
    in_child(
        "fuzz::touchpoint_files_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let mut wide = "journey_id,timestamp,event,channel,value".to_owned();
            wide.push_str(&",x".repeat(1_100));
            let corpus = vec![
                b"journey_id,timestamp,event,channel,value,campaign_id\nj1,2026-01-01T09:00:00Z,touch,email,,\nj1,2026-01-02T10:00:00+01:00,touch,search,,c1\nj1,2026-01-03T10:00:00Z,conversion,,120.50,\n\"j,2\",2026-01-01T09:00:00Z,touch,\"Paid \"\"Social\"\"\",,\n".to_vec(),
                b"path,total_conversions,total_conversion_value,total_null\nemail > search,10,1000.00,5\nsearch,3,90,1\n,0,0,7\n".to_vec(),
                (wide + "\n").into_bytes(),
            ];
            let options = spendlens_attribution::ReadOptions {
                time_decay_half_life_days: Some(7.0),
            };
            fuzz(&corpus, 1_500, 0x13_70, |bytes| {
                let _ = spendlens_attribution::read_touchpoint_rows(bytes);
                let _ = spendlens_attribution::read(bytes, &options);
            });
        },
    );
}

#[test]
fn ledger_files_survive_mutants() {
    in_child(
        "fuzz::ledger_files_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let wide: Vec<String> = (0..5_000).map(|i| format!("x{i}")).collect();
            let corpus = vec![
            "\u{feff}Category,Campaign ID,Amount,Currency,attribution_method,allocation_date,resource_hours,fixed_cost_allocation,incurred_on,platform,billing_period,allocation_method,reporting_period\r\nmedia_spend,c1,1200.50,,last_touch,2026-03-02,,,,,,,\r\ncreative_production,c1,3000,EUR,,,40,250,2026-03-01,,,,\r\nplatform_fees,c2,99,,,,,,,Meta Ads,2026-03,,\r\noperational_overhead,,9000,,,,,,,,,headcount,2026-Q1\r\n".as_bytes().to_vec(),
            b"amount,reporting_period,category,allocation_method\n500,2026-01,operational_overhead,time_based\n".to_vec(),
            (wide.join(",") + "\n").into_bytes(),
        ];
            fuzz(&corpus, 1_500, 0x13_1e, |bytes| {
                let _ = spendlens_finance::import::parse_ledger_csv(bytes, "USD");
            });
        },
    );
}

#[test]
fn the_analysis_decoder_survives_mutants() {
    in_child(
        "fuzz::the_analysis_decoder_survives_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            let example = std::fs::read(format!(
                "{}/../../examples/campaign.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap_or_else(|e| panic!("{e}"));
            let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
            let corpus = vec![
                example,
                br#"{"as_of":"2026-01-31","campaign":{"budget":"1e28","currency":"usd"},"platforms":{"meta":{"spend":1e-28,"clicks":"99999999999999999999"},"custom_integration":{"users":1,"leads":2.0}},"comparison":{"period":"7d","snapshot":{"date":"2026-01-24","spend":"-0"}}}"#.to_vec(),
                br#"{"platforms":{"linkedin":{"spend":1E+99999999999,"roi":-1e-99999999999,"roas":123456789012345678901234567890.123456789}}}"#.to_vec(),
                deep,
            ];
            let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 31);
            fuzz(&corpus, 3_000, 0x13_de, |bytes| {
                let text = String::from_utf8_lossy(bytes);
                let _ = spendlens_contract::analysis::decode(&text, None);
                let _ = spendlens_contract::analysis::decode(&text, as_of);
            });
        },
    );
}

/// A 60-day marketing-mix table: two channels, a numeric control and a text event column.
fn mmm_table(sep: &str) -> Vec<u8> {
    let mut s = ["date", "revenue", "tv_S", "spend_search", "price", "events"].join(sep);
    s.push('\n');
    for t in 0..60u32 {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
            + chrono::Duration::days(i64::from(t));
        let tv = if t % 14 < 6 { 1000 + 37 * t } else { 0 };
        let event = if t % 17 == 3 { "sale" } else { "na" };
        let row = [
            day.to_string(),
            format!("{}", 20_000 + 3 * tv + 11 * (t % 7)),
            tv.to_string(),
            format!("{}.5", 300 + (t * 53) % 200),
            format!("{}.25", 9 + t % 3),
            event.to_owned(),
        ];
        s.push_str(&row.join(sep));
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn marketing_mix_tables_survive_mutants() {
    in_child(
        "fuzz::marketing_mix_tables_survive_mutants",
        CHILD_MB,
        CHILD_SECONDS,
        || {
            use spendlens_mmm::table::{self, Columns, TableRow};
            let corpus = vec![
                mmm_table(","),
                mmm_table(";"),
                b"channel,from,to,lift,lift_se,spend\ntv,2024-01-08,2024-01-21,5000,800,7000\n"
                    .to_vec(),
            ];
            let o = ImportOptions::default();
            fuzz(&corpus, 300, 0x17_33, |bytes| {
                let Ok(grid) = spendlens_ingest::read_grid(bytes, "f.csv", &o) else {
                    return;
                };
                let rows: Vec<TableRow> = grid
                    .rows
                    .into_iter()
                    .map(|r| TableRow {
                        row: usize::try_from(r.row).unwrap_or(usize::MAX),
                        cells: r.cells,
                    })
                    .collect();
                let _ = table::experiments(&rows, true);
                for controls in [Vec::new(), vec!["events".to_owned()]] {
                    let columns = Columns {
                        kpi: None,
                        date: None,
                        spend: Vec::new(),
                        controls,
                        decimal_comma: grid.delimiter == Some(b';'),
                    };
                    if let Ok(data) = table::dataset(&rows, &columns) {
                        let _ = spendlens_mmm::fit(
                            &data,
                            &[],
                            &spendlens_mmm::Options { draws: 5, seed: 0 },
                        );
                    }
                }
            });
        },
    );
}
