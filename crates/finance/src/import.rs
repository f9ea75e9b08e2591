//! Importing ledger entries from a CSV file (bytes in, entries out).
//!
//! The header names the columns with the field names of [`EntryDraft::FIELDS`] (case, spaces and
//! dashes are forgiven: `Campaign ID` is `campaign_id`); `category` and `amount` are required,
//! the others optional, in any order. Each row is parsed like a form ([`EntryDraft::parse`]), with
//! a blank `currency` meaning the organisation's default.
//!
//! The import is all or nothing: a ledger half imported is worse than none, because the totals
//! would look plausible and be wrong. Every problem is reported with its line and column (up to
//! [`MAX_PROBLEMS`]) so that the whole file can be fixed in one pass.
//!
//! Importing a file twice must not count its costs twice, so every entry of a file has a natural
//! key, its [`ImportedEntry::key`], by which a re-import finds it: the optional `external_id`
//! column (the entry's id where the file came from, an invoice number) when the row fills it,
//! else the entry itself and its occurrence among identical rows of the file. See
//! [`ImportedEntry`].

use spendlens_core::campaign::FieldError;

use crate::error::{CsvProblem, FinanceError};
use crate::ledger::{EntryDraft, LedgerEntry};

/// The most problems reported before the import stops looking.
pub const MAX_PROBLEMS: usize = 100;
/// The most entries one file may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// The most columns a ledger file may have: its fields, and room for a few nameless ones. Checked
/// before the header's columns are looked at one by one (a header of a million columns took nine
/// seconds and two gigabytes of problems).
pub const MAX_COLUMNS: usize = 100;
/// The longest line (record) of a ledger file, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The optional column naming an entry's id in the system the file came from.
pub const EXTERNAL_ID: &str = "external_id";

/// The longest `external_id` accepted (keys stay short enough to index).
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

/// An entry of a ledger file and its natural key: what a re-import of the file finds it by, so
/// that re-importing changes nothing.
///
/// With an `external_id` the key is `id:` and the id: the row may change (a corrected amount)
/// and a re-import updates the entry it imported before. Without one the key is `entry:` and
/// every field of the entry as parsed (so `1200.5` and `1200.50`, `Meta` and `meta` are the
/// same), then `#` and the entry's occurrence among identical rows of the file: two identical
/// invoices in one file stay two entries, and a re-import finds both unchanged. A changed row
/// without an id is a new entry (nothing says which row it corrects), and its old form stays
/// until deleted. Rejected alternative: a key of category, campaign and date alone, which merges
/// two real costs of one day into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedEntry {
    pub key: String,
    pub entry: LedgerEntry,
}

/// `|` and `\` escaped, so the fields of a key cannot run into each other.
fn key_part(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|")
}

/// Every field of an entry in one line (see [`ImportedEntry`]), decimals normalised.
fn entry_key(entry: &LedgerEntry) -> String {
    let decimal = |d: rust_decimal::Decimal| d.normalize().to_string();
    let campaign = entry.campaign_id().map_or("", |c| c.as_str());
    let (amount, details) = match entry {
        LedgerEntry::MediaSpend(e) => (
            e.amount,
            format!("{}|{}", e.attribution_method.as_str(), e.allocation_date),
        ),
        LedgerEntry::CreativeProduction(e) => (
            e.amount,
            format!(
                "{}|{}|{}",
                e.resource_hours,
                decimal(e.fixed_cost_allocation),
                e.incurred_on
            ),
        ),
        LedgerEntry::PlatformFee(e) => (
            e.amount,
            format!("{}|{}", key_part(&e.platform), e.billing_period),
        ),
        LedgerEntry::OperationalOverhead(e) => (
            e.amount,
            format!("{}|{}", e.allocation_method.as_str(), e.reporting_period),
        ),
    };
    format!(
        "{}|{}|{}|{}|{details}",
        entry.category().as_str(),
        key_part(campaign),
        decimal(amount),
        entry.currency()
    )
}

/// `Campaign ID` → `campaign_id`.
fn normalise_header(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Parses a ledger CSV into its entries. See the module documentation.
pub fn parse_ledger_csv(
    bytes: &[u8],
    default_currency: &str,
) -> Result<Vec<LedgerEntry>, FinanceError> {
    parse_ledger_file(bytes, default_currency).map(|e| e.into_iter().map(|e| e.entry).collect())
}

/// Parses a ledger CSV into its entries with their natural keys (see [`ImportedEntry`]). An
/// `external_id` given twice in the file is a problem of its second line.
pub fn parse_ledger_file(
    bytes: &[u8],
    default_currency: &str,
) -> Result<Vec<ImportedEntry>, FinanceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems: Vec<CsvProblem> = Vec::new();
    let mut records = reader.byte_records();

    let header = match records.next() {
        None => {
            return Err(FinanceError::Import {
                problems: vec![CsvProblem {
                    line: 1,
                    column: None,
                    message: "the file is empty; expected a header line with category, amount, …"
                        .to_owned(),
                }],
            });
        }
        Some(Err(e)) => {
            return Err(FinanceError::Import {
                problems: vec![CsvProblem {
                    line: 1,
                    column: None,
                    message: format!("the header cannot be read: {e}"),
                }],
            });
        }
        Some(Ok(record)) => record,
    };
    if header.len() > MAX_COLUMNS || header.as_slice().len() > MAX_LINE_BYTES {
        return Err(FinanceError::Import {
            problems: vec![CsvProblem {
                line: 1,
                column: None,
                message: format!(
                    "the header has {} columns ({} bytes); a ledger file has at most {MAX_COLUMNS} \
                     columns and lines of at most {} KB",
                    header.len(),
                    header.as_slice().len(),
                    MAX_LINE_BYTES / 1024
                ),
            }],
        });
    }

    // For each column: its name as written, and the field it fills (None: a nameless column).
    let mut columns: Vec<(String, Option<&'static str>)> = Vec::new();
    for cell in header.iter() {
        let text = String::from_utf8_lossy(cell).trim().to_owned();
        let key = normalise_header(&text);
        if key.is_empty() {
            columns.push((text, None));
            continue;
        }
        match EntryDraft::FIELDS
            .iter()
            .chain(std::iter::once(&EXTERNAL_ID))
            .find(|f| **f == key)
        {
            Some(field) if columns.iter().any(|(_, f)| *f == Some(*field)) => {
                problems.push(CsvProblem {
                    line: 1,
                    column: Some(text.clone()),
                    message: "appears twice in the header".to_owned(),
                });
                columns.push((text, None));
            }
            Some(field) => columns.push((text, Some(*field))),
            None => {
                problems.push(CsvProblem {
                    line: 1,
                    column: Some(text.clone()),
                    message: format!(
                        "is not a ledger column (expected {}, {EXTERNAL_ID})",
                        EntryDraft::FIELDS.join(", ")
                    ),
                });
                columns.push((text, None));
            }
        }
    }
    for required in ["category", "amount"] {
        if !columns.iter().any(|(_, f)| *f == Some(required)) {
            problems.push(CsvProblem {
                line: 1,
                column: Some(required.to_owned()),
                message: "is missing from the header".to_owned(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(FinanceError::Import { problems });
    }
    let column_of = |field: &str| -> String {
        columns
            .iter()
            .find(|(_, f)| *f == Some(field))
            .map_or_else(|| field.to_owned(), |(name, _)| name.clone())
    };

    let mut entries = Vec::new();
    // Line of each external id seen, and how many times each entry without one occurred.
    let mut ids: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut occurrences: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for record in records {
        if problems.len() >= MAX_PROBLEMS {
            problems.push(CsvProblem {
                line: problems.last().map_or(1, |p| p.line),
                column: None,
                message: format!("stopped after {MAX_PROBLEMS} problems"),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(CsvProblem {
                    line: e.position().map_or(0, csv::Position::line),
                    column: None,
                    message: format!("cannot be read: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.as_slice().len() > MAX_LINE_BYTES {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!("is longer than {} KB", MAX_LINE_BYTES / 1024),
            });
            continue;
        }
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        if record.len() != columns.len() {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        if entries.len() >= MAX_ENTRIES {
            problems.push(CsvProblem {
                line,
                column: None,
                message: format!("a ledger file may hold at most {MAX_ENTRIES} entries"),
            });
            break;
        }
        let mut draft = EntryDraft::default();
        let mut external_id = None;
        let mut row_ok = true;
        for (position, (cell, (name, field))) in record.iter().zip(&columns).enumerate() {
            let Ok(text) = std::str::from_utf8(cell) else {
                problems.push(CsvProblem {
                    line,
                    column: Some(name.clone()),
                    message: "is not valid UTF-8 text".to_owned(),
                });
                row_ok = false;
                continue;
            };
            match field {
                Some(field) if *field == EXTERNAL_ID => {
                    let id = text.trim();
                    if id.chars().count() > MAX_EXTERNAL_ID_CHARS {
                        problems.push(CsvProblem {
                            line,
                            column: Some(name.clone()),
                            message: format!("is longer than {MAX_EXTERNAL_ID_CHARS} characters"),
                        });
                        row_ok = false;
                    } else if let Some(first) = ids.get(id).filter(|_| !id.is_empty()) {
                        problems.push(CsvProblem {
                            line,
                            column: Some(name.clone()),
                            message: format!("\"{id}\" is the id of line {first} already"),
                        });
                        row_ok = false;
                    } else if !id.is_empty() {
                        ids.insert(id.to_owned(), line);
                        external_id = Some(id.to_owned());
                    }
                }
                Some(field) => {
                    if let Some(slot) = draft.field_mut(field) {
                        *slot = Some(text.to_owned());
                    }
                }
                None if !text.trim().is_empty() => {
                    problems.push(CsvProblem {
                        line,
                        column: None,
                        message: format!(
                            "has a value in column {} which has no name in the header",
                            position + 1
                        ),
                    });
                    row_ok = false;
                }
                None => {}
            }
        }
        if !row_ok {
            continue;
        }
        match draft.parse(default_currency) {
            Ok(entry) => {
                let key = match external_id {
                    Some(id) => format!("id:{id}"),
                    None => {
                        let text = entry_key(&entry);
                        let seen = occurrences.entry(text.clone()).or_insert(0);
                        *seen += 1;
                        format!("entry:{text}#{seen}")
                    }
                };
                entries.push(ImportedEntry { key, entry });
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e: FieldError| CsvProblem {
                line,
                column: Some(column_of(e.field)),
                message: e.message,
            })),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(FinanceError::Import { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::CostCategory;

    fn problems(result: Result<Vec<LedgerEntry>, FinanceError>) -> Vec<String> {
        match result {
            Err(FinanceError::Import { problems }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_good_file_imports_every_category() {
        let csv = "\u{feff}Category,Campaign ID,Amount,Currency,attribution_method,allocation_date,resource_hours,fixed_cost_allocation,incurred_on,platform,billing_period,allocation_method,reporting_period\r\n\
            media_spend,c1,1200.50,,last_touch,2026-03-02,,,,,,,\r\n\
            creative_production,c1,3000,EUR,,,40,250,2026-03-01,,,,\r\n\
            ,,,,,,,,,,,,\r\n\
            platform_fees,c2,99,,,,,,,Meta Ads,2026-03,,\r\n\
            operational_overhead,,9000,,,,,,,,,headcount,2026-Q1\r\n";
        let entries = parse_ledger_csv(csv.as_bytes(), "USD").unwrap_or_default();
        let categories: Vec<CostCategory> = entries.iter().map(LedgerEntry::category).collect();
        assert_eq!(
            categories,
            vec![
                CostCategory::MediaSpend,
                CostCategory::CreativeProduction,
                CostCategory::PlatformFees,
                CostCategory::OperationalOverhead
            ]
        );
        assert_eq!(entries[0].currency(), "USD");
        assert_eq!(entries[1].currency(), "EUR");
    }

    #[test]
    fn columns_may_come_in_any_order_and_be_left_out() {
        let csv = "amount,reporting_period,category,allocation_method\n500,2026-01,operational_overhead,time_based\n";
        let entries = parse_ledger_csv(csv.as_bytes(), "GBP").unwrap_or_default();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].currency(), "GBP");
    }

    #[test]
    fn every_problem_has_its_line_and_column() {
        let csv = "category,campaign_id,amount,allocation_date,attribution_method\n\
            media_spend,c1,12.345,2026-02-30,last_touch\n\
            media_spend,c1,10\n\
            rent,c1,10,,\n\
            media_spend,,5,2026-01-01,first_touch\n";
        assert_eq!(
            problems(parse_ledger_csv(csv.as_bytes(), "USD")),
            vec![
                "line 2, column amount: must have at most 2 decimals",
                "line 2, column allocation_date: \"2026-02-30\" is not a date (expected YYYY-MM-DD)",
                "line 3: has 3 fields, the header has 5",
                "line 4, column category: \"rent\" is not one of media_spend, creative_production, platform_fees, operational_overhead",
                "line 5, column campaign_id: is required for media_spend",
            ]
        );
    }

    #[test]
    fn header_problems_stop_before_the_rows() {
        let csv = "category,amount,amount,colour\nmedia_spend,1,1,red\n";
        assert_eq!(
            problems(parse_ledger_csv(csv.as_bytes(), "USD")),
            vec![
                "line 1, column amount: appears twice in the header",
                "line 1, column colour: is not a ledger column (expected category, campaign_id, amount, currency, attribution_method, allocation_date, resource_hours, fixed_cost_allocation, incurred_on, platform, billing_period, allocation_method, reporting_period, external_id)",
            ]
        );
        assert_eq!(
            problems(parse_ledger_csv(b"campaign_id\n", "USD")),
            vec![
                "line 1, column category: is missing from the header",
                "line 1, column amount: is missing from the header",
            ]
        );
        assert_eq!(problems(parse_ledger_csv(b"", "USD")).len(), 1);
    }

    #[test]
    fn a_million_columns_are_refused_at_once() {
        let header: Vec<String> = (0..1_000_000).map(|i| format!("x{i}")).collect();
        let csv = header.join(",") + "\n";
        let start = std::time::Instant::now();
        let found = problems(parse_ledger_csv(csv.as_bytes(), "USD"));
        assert_eq!(found.len(), 1, "{:?}", found.first());
        assert!(found[0].contains("1000000 columns"), "{}", found[0]);
        assert!(found[0].contains("at most 100 columns"), "{}", found[0]);
        // Was nine seconds in release; the csv reader alone takes a fraction of one in debug.
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
        let long = format!(
            "category,amount\nmedia_spend,{}\n",
            "1".repeat(MAX_LINE_BYTES)
        );
        let found = problems(parse_ledger_csv(long.as_bytes(), "USD"));
        assert_eq!(found, vec!["line 2: is longer than 64 KB".to_owned()]);
    }

    #[test]
    fn invalid_utf8_and_stray_values_are_located() {
        let csv = b"category,amount,\nmedia_spend,\xff1,\noperational_overhead,1,x\n";
        assert_eq!(
            problems(parse_ledger_csv(csv, "USD")),
            vec![
                "line 2, column amount: is not valid UTF-8 text",
                "line 3: has a value in column 3 which has no name in the header",
            ]
        );
    }

    #[test]
    fn every_entry_has_a_natural_key_a_reimport_finds_it_by() {
        let keys = |csv: &str| -> Vec<String> {
            parse_ledger_file(csv.as_bytes(), "USD")
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|e| e.key)
                .collect()
        };
        let file = "category,campaign_id,amount,platform,billing_period,external_id
            platform_fees,c1,99.50,Meta Ads,2026-03,
            platform_fees,c1,99.5,meta,2026-03,
            platform_fees,c1,12,a|b,2026-03,INV-9
";
        // The same entry written two ways is the same entry, twice; an id is the key when given.
        assert_eq!(
            keys(file),
            vec![
                "entry:platform_fees|c1|99.5|USD|meta|2026-03-01..2026-03-31#1",
                "entry:platform_fees|c1|99.5|USD|meta|2026-03-01..2026-03-31#2",
                "id:INV-9",
            ]
        );
        assert_eq!(keys(file), keys(file), "the same file, the same keys");
        let twice = "category,campaign_id,amount,platform,billing_period,external_id
            platform_fees,c1,1,meta,2026-03,A
            platform_fees,c1,2,meta,2026-03,A
";
        assert_eq!(
            problems(
                parse_ledger_file(twice.as_bytes(), "USD")
                    .map(|e| e.into_iter().map(|e| e.entry).collect())
            ),
            vec!["line 3, column external_id: \"A\" is the id of line 2 already"]
        );
    }

    #[test]
    fn a_header_only_file_is_an_empty_ledger() {
        assert_eq!(
            parse_ledger_csv(b"category,amount\n", "USD"),
            Ok(Vec::new())
        );
    }
}
