//! The shared engine behind every tabular format (platform CSV exports, sheets saved as CSV, workbook
//! sheets, Google Sheets tabs): find the header row, map headers to fields by synonyms, read each
//! row into a [`DailyRow`], and set aside totals rows.
//!
//! Headers are matched whole (after lower-casing and removing a currency suffix such as `(USD)`),
//! never by substring: "Monthly Budget" is not spend, "Cost per result" is not cost, and "New users"
//! is not users. Each field has tiers of synonyms; two columns in the best tier found for a field
//! make the mapping unsure, and the user is asked for an explicit [`ColumnMapping`].

use std::collections::HashMap;

use rust_decimal::Decimal;
use spendlens_core::{DailyKey, DailyRow, Platform};

use crate::currency::known_code;
use crate::date::{self, DateOrder};
use crate::error::{ColumnRef, ImportError, Problems};
use crate::model::{ColumnMapping, Field, ParsedFile, RowTotals, SkippedRow, Source};
use crate::number::{self, DecimalSeparator};

/// How many rows from the top are searched for the header (title and date lines come first).
const HEADER_SEARCH_ROWS: usize = 30;

/// One row of cells with its spreadsheet row number.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub(crate) row: u64,
    pub(crate) cells: Vec<String>,
}

/// What differs between the tabular formats.
#[derive(Debug, Clone)]
pub(crate) struct TableSpec {
    pub(crate) source: Source,
    /// The platform of every row (platform exports), or `None` to read a platform column.
    pub(crate) platform: Option<Platform>,
    /// The platform of rows without a platform column or cell.
    pub(crate) default_platform: Platform,
    pub(crate) decimal: DecimalSeparator,
    pub(crate) default_order: DateOrder,
    pub(crate) order_override: Option<DateOrder>,
    /// Whether rows may be shorter than the header (Sheets drops trailing empty cells; in a CSV a
    /// short row means a truncated file).
    pub(crate) ragged_ok: bool,
    /// Whether a whole number in the date column is a spreadsheet serial day (Sheets unformatted
    /// values, workbook cells without a date format).
    pub(crate) serial_dates: bool,
    /// Whether a platform column overrides the platform the headers suggested (a user's sheet with a
    /// Channel column and an `Impr.` header is not a Google Ads export).
    pub(crate) platform_column_wins: bool,
}

impl TableSpec {
    pub(crate) fn new(source: Source) -> Self {
        TableSpec {
            source,
            platform: source.platform(),
            default_platform: Platform::Sheets,
            decimal: DecimalSeparator::Dot,
            default_order: match source {
                Source::Meta => DateOrder::DayFirst,
                _ => DateOrder::MonthFirst,
            },
            order_override: None,
            ragged_ok: false,
            serial_dates: false,
            platform_column_wins: false,
        }
    }
}

/// Synonyms per field, best tier first. Lower-case, currency suffix removed.
fn tiers(field: Field) -> &'static [&'static [&'static str]] {
    match field {
        Field::Date => &[
            &[
                "date",
                "day",
                "start date (in utc)",
                "jour",
                "tag",
                "fecha",
                "día",
            ],
            &["reporting starts", "start date", "report date"],
        ],
        Field::Platform => &[&["platform", "channel", "network", "source"]],
        Field::Campaign => &[&[
            "campaign",
            "campaign name",
            "nom de la campagne",
            "kampagne",
        ]],
        Field::CampaignId => &[&["campaign id", "campaign_id"]],
        Field::Spend => &[&[
            "spend",
            "cost",
            "amount spent",
            "total spent",
            "actual spend",
            "ad spend",
            "total spend",
            "spent",
            "montant dépensé",
            "importe gastado",
            "ausgegebener betrag",
            "kosten",
        ]],
        Field::Impressions => &[&["impressions", "impr.", "impr", "impressionen"]],
        Field::Engagements => &[
            &["engagements", "total engagements"],
            &["post engagement", "post engagements"],
        ],
        Field::Clicks => &[
            &["clicks", "clics", "klicks"],
            &["link clicks", "clics sur un lien"],
            &["clicks (all)"],
        ],
        Field::Conversions => &[
            &["conversions", "conv.", "total conversions"],
            &["purchases", "achats"],
            &["results", "résultats", "ergebnisse"],
            &["leads", "orders"],
        ],
        Field::ConversionValue => &[
            &[
                "conversion value",
                "conversion_value",
                "conv. value",
                "total conversion value",
            ],
            &[
                "purchases conversion value",
                "website purchases conversion value",
            ],
        ],
        Field::Revenue => &[&["revenue", "sales", "total revenue"]],
        Field::Currency => &[&["currency", "currency code"]],
    }
}

/// A header cell, lower-cased with spaces collapsed and a trailing currency in brackets removed.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) original: String,
    pub(crate) name: String,
    pub(crate) currency: Option<&'static str>,
}

pub(crate) fn normalise_header(raw: &str) -> Header {
    let original = raw.trim().trim_start_matches('\u{feff}').trim().to_owned();
    let mut name = original
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut currency = None;
    if name.ends_with(')')
        && let Some(open) = name.rfind('(')
    {
        let inner = name[open + 1..name.len() - 1].trim().to_owned();
        let code = known_code(&inner).or(match inner.as_str() {
            "€" => Some("EUR"),
            "£" => Some("GBP"),
            _ => None,
        });
        if code.is_some() || inner == "$" {
            currency = code;
            name = name[..open].trim_end().to_owned();
        }
    }
    Header {
        original,
        name,
        currency,
    }
}

/// Where each field lives in the header row.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) header_row: u64,
    pub(crate) headers: Vec<Header>,
    pub(crate) columns: HashMap<Field, usize>,
    /// Meta's `Reporting ends`, used only when the date is `Reporting starts`.
    pub(crate) reporting_ends: Option<usize>,
}

impl Plan {
    fn col(&self, field: Field) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    fn column_ref(&self, index: usize) -> ColumnRef {
        ColumnRef {
            index,
            header: self.headers.get(index).map(|h| h.original.clone()),
        }
    }
}

/// The outcome of mapping one candidate header row.
enum Mapped {
    /// Not a header row (no date or no spend column).
    No,
    Yes(HashMap<Field, usize>),
    /// A header row, but the user must decide something.
    Unsure(Vec<String>),
}

fn is_letter_ref(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn letter_index(s: &str) -> usize {
    s.bytes()
        .fold(0usize, |acc, b| acc * 26 + usize::from(b - b'A' + 1))
        - 1
}

fn map_headers(headers: &[Header], mapping: &ColumnMapping) -> Mapped {
    let mut columns = HashMap::new();
    let mut unsure = Vec::new();
    for (field, reference) in mapping.entries() {
        let wanted = reference.trim().to_lowercase();
        let by_name = headers
            .iter()
            .position(|h| h.original.to_lowercase() == wanted || h.name == wanted);
        match by_name {
            Some(i) => {
                columns.insert(*field, i);
            }
            None if is_letter_ref(reference.trim()) => {
                columns.insert(*field, letter_index(reference.trim()));
            }
            None => unsure.push(format!(
                "the mapping names column \"{reference}\" for {field}, but the header row has no such column"
            )),
        }
    }
    let taken: Vec<usize> = columns.values().copied().collect();
    for field in Field::ALL {
        if columns.contains_key(&field) {
            continue;
        }
        for tier in tiers(field) {
            let hits: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(i, h)| !taken.contains(i) && tier.contains(&h.name.as_str()))
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [] => continue,
                [one] => {
                    columns.insert(field, *one);
                }
                many => unsure.push(format!(
                    "columns {} could each be the {field}; choose one with a column mapping",
                    many.iter()
                        .map(|&i| format!(
                            "{} \"{}\"",
                            crate::error::column_letter(i),
                            headers[i].original
                        ))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
            }
            break;
        }
    }
    let has = |f: Field| {
        columns.contains_key(&f) || unsure.iter().any(|u| u.contains(&format!("be the {f};")))
    };
    if !(has(Field::Date) && has(Field::Spend)) {
        return Mapped::No;
    }
    if unsure.is_empty() {
        Mapped::Yes(columns)
    } else {
        Mapped::Unsure(unsure)
    }
}

/// Finds the header row among the first rows and maps its columns.
pub(crate) fn plan(
    rows: &[RawRow],
    mapping: &ColumnMapping,
    problems: &mut Problems,
) -> Option<Plan> {
    let mut undated_header = None;
    for raw in rows.iter().take(HEADER_SEARCH_ROWS) {
        let headers: Vec<Header> = raw.cells.iter().map(|c| normalise_header(c)).collect();
        match map_headers(&headers, mapping) {
            Mapped::No => {
                let has_spend = headers
                    .iter()
                    .any(|h| tiers(Field::Spend)[0].contains(&h.name.as_str()));
                if has_spend && undated_header.is_none() {
                    undated_header = Some(raw.row);
                }
                continue;
            }
            Mapped::Unsure(reasons) => {
                for r in reasons {
                    problems.at(raw.row, None, r);
                }
                return None;
            }
            Mapped::Yes(columns) => {
                let reporting_ends = headers.iter().position(|h| h.name == "reporting ends");
                return Some(Plan {
                    header_row: raw.row,
                    headers,
                    columns,
                    reporting_ends,
                });
            }
        }
    }
    if let Some(row) = undated_header {
        problems.at(
            row,
            None,
            "this header row has a spend column but no date column: the report covers a whole date \
             range and cannot be split into days; export it with a Day breakdown (Google Ads: segment \
             by Day; Meta: Breakdown by Day) or map the date column",
        );
        return None;
    }
    problems.whole(format!(
        "no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a date column (Date, Day, \
         Start Date (in UTC), ...) and a spend column (Spend, Cost, Amount spent, Total Spent, ...); \
         name the columns with a column mapping if the headers differ"
    ));
    if !mapping.is_empty() {
        let names: Vec<&str> = mapping.entries().iter().map(|(_, c)| c.as_str()).collect();
        problems.whole(format!(
            "the column mapping names {}, but no header row has them",
            names.join(", ")
        ));
    }
    None
}

/// Which source a header row looks like, for detection.
pub(crate) fn classify(rows: &[RawRow]) -> Option<Source> {
    if rows.iter().take(5).any(|r| {
        r.cells.first().is_some_and(|c| {
            c.trim()
                .to_lowercase()
                .starts_with("campaign performance report")
        })
    }) {
        return Some(Source::LinkedIn);
    }
    for raw in rows.iter().take(HEADER_SEARCH_ROWS) {
        let headers: Vec<Header> = raw.cells.iter().map(|c| normalise_header(c)).collect();
        let names: Vec<&str> = headers.iter().map(|h| h.name.as_str()).collect();
        // spendlens' own files are machine-written in lower case: eight of the ten exact names (or
        // all ten in any case) mean a canonical file, so that a misspelt column is reported by the
        // strict parser instead of being ignored by the lenient one.
        let exact = crate::canonical::CANONICAL_COLUMNS
            .iter()
            .filter(|f| {
                raw.cells
                    .iter()
                    .any(|c| c.trim().trim_start_matches('\u{feff}') == f.as_str())
            })
            .count();
        let any_case = crate::canonical::CANONICAL_COLUMNS
            .iter()
            .all(|f| names.contains(&f.as_str()));
        if exact >= 8 || any_case {
            return Some(Source::Canonical);
        }
        if names.contains(&"start date (in utc)") || names.contains(&"total spent") {
            return Some(Source::LinkedIn);
        }
        let meta = [
            "amount spent",
            "reporting starts",
            "montant dépensé",
            "importe gastado",
            "début des rapports",
        ];
        if meta.iter().any(|m| names.contains(m)) {
            return Some(Source::Meta);
        }
        if names.contains(&"impr.")
            || names.contains(&"currency code")
            || names.contains(&"conv. value")
        {
            return Some(Source::GoogleAds);
        }
        if matches!(
            map_headers(&headers, &ColumnMapping::new()),
            Mapped::Yes(_) | Mapped::Unsure(_)
        ) {
            return Some(Source::SpreadsheetCsv);
        }
    }
    None
}

fn cell(raw: &RawRow, col: Option<usize>) -> &str {
    col.and_then(|c| raw.cells.get(c))
        .map_or("", String::as_str)
}

/// Whether a cell labels a totals row: `Total`, `Total: Account`, `Totals`, `Grand total`, `Summe`.
/// Whole words only, so a campaign called "Totally Outdoors" or "Summer Sale" is data.
fn is_total_label(s: &str) -> bool {
    let lower = s.trim().to_lowercase();
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    match words.next() {
        Some("total" | "totals" | "summe" | "gesamt" | "gesamtergebnis" | "totaux") => true,
        Some("grand") => words.next() == Some("total"),
        _ => false,
    }
}

/// Whether a cell is nothing but a totals word (`Total`, `Totals:`, `Grand total`, `Subtotal`).
fn is_bare_total(s: &str) -> bool {
    let lower = s.trim().trim_end_matches([':', '.']).trim().to_lowercase();
    matches!(
        lower.as_str(),
        "total" | "totals" | "grand total" | "subtotal" | "sub-total" | "summe" | "gesamt"
    )
}

/// Parses the rows of one table into a [`ParsedFile`], or rejects the file listing every problem.
pub(crate) fn parse_table(
    file: &str,
    rows: &[RawRow],
    spec: &TableSpec,
    mapping: &ColumnMapping,
    mut problems: Problems,
) -> Result<ParsedFile, ImportError> {
    let Some(plan) = plan(rows, mapping, &mut problems) else {
        problems.into_result()?;
        return Err(ImportError::whole_file(file, "no header row"));
    };
    let data: Vec<&RawRow> = rows.iter().filter(|r| r.row > plan.header_row).collect();
    let column_spec;
    let spec = if spec.platform_column_wins
        && spec.platform.is_some()
        && plan.col(Field::Platform).is_some()
    {
        column_spec = TableSpec {
            platform: None,
            ..spec.clone()
        };
        &column_spec
    } else {
        spec
    };
    let mut notes = Vec::new();

    // Header currencies (`Amount spent (EUR)`, `Cost (USD)`) must agree.
    let mut header_currency: Option<&'static str> = None;
    for f in [Field::Spend, Field::ConversionValue, Field::Revenue] {
        if let Some(c) = plan
            .col(f)
            .and_then(|i| plan.headers.get(i))
            .and_then(|h| h.currency)
        {
            match header_currency {
                Some(prev) if prev != c => problems.at(
                    plan.header_row,
                    plan.col(f).map(|i| plan.column_ref(i)),
                    format!("the header says {c} but another money column says {prev}"),
                ),
                _ => header_currency = Some(c),
            }
        }
    }

    // How to read slash dates: the user's choice, else what the column shows, else the default.
    let date_col = plan.col(Field::Date);
    let order = match spec.order_override {
        Some(o) => o,
        None => match date::infer_order(data.iter().map(|r| cell(r, date_col))) {
            Ok(Some(o)) => o,
            Ok(None) => {
                if data
                    .iter()
                    .any(|r| date::slash_parts(cell(r, date_col)).is_some())
                {
                    notes.push(format!(
                        "dates such as 06/07/2024 were read {}; set the date order if that is wrong",
                        if spec.default_order == DateOrder::MonthFirst {
                            "month first (US order)"
                        } else {
                            "day first"
                        }
                    ));
                }
                spec.default_order
            }
            Err(e) => {
                problems.at(plan.header_row, date_col.map(|i| plan.column_ref(i)), e);
                spec.default_order
            }
        },
    };
    let range_dates = date_col
        .and_then(|i| plan.headers.get(i))
        .is_some_and(|h| h.name == "reporting starts");
    let name_cols = [plan.col(Field::Campaign), plan.col(Field::CampaignId)];
    let has_name_col = name_cols.iter().any(Option::is_some);

    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut seen: HashMap<DailyKey, u64> = HashMap::new();
    for raw in data {
        if problems.is_full() {
            break;
        }
        if raw.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let label = raw
            .cells
            .iter()
            .find(|c| !c.trim().is_empty())
            .map_or("", |c| c.trim())
            .to_owned();
        let first = raw.cells.first().map_or("", |c| c.trim());
        let names_blank = has_name_col && name_cols.iter().all(|c| cell(raw, *c).trim().is_empty());
        let date_text = cell(raw, date_col);
        let no_date = date_text.trim().is_empty() || is_total_label(date_text);
        const TOTALS: &str =
            "a totals row (the file's own sum; importing it would count the spend twice)";
        // A campaign called "Total Wine - Search" on a real date is data; "Total" alone is not.
        let labelled_total = no_date
            && (is_total_label(first)
                || is_total_label(&label)
                || name_cols.iter().any(|c| is_total_label(cell(raw, *c))));
        let total_reason =
            if labelled_total || name_cols.iter().any(|c| is_bare_total(cell(raw, *c))) {
                Some(TOTALS)
            } else if names_blank && spec.platform.is_some() {
                Some("a row without a campaign name: a totals row")
            } else {
                None
            };
        if let Some(reason) = total_reason {
            let label = [
                first,
                cell(raw, name_cols[0]).trim(),
                cell(raw, name_cols[1]).trim(),
                label.as_str(),
            ]
            .into_iter()
            .find(|l| is_total_label(l))
            .map_or_else(|| "(row without a campaign name)".to_owned(), str::to_owned);
            skipped.push(SkippedRow {
                row: raw.row,
                reason: reason.to_owned(),
                label,
                totals: Some(row_totals(raw, &plan, spec.decimal)),
            });
            continue;
        }
        if !spec.ragged_ok {
            let last_filled = raw
                .cells
                .iter()
                .rposition(|c| !c.trim().is_empty())
                .map_or(0, |i| i + 1);
            if raw.cells.len() < plan.headers.len() {
                problems.at(
                    raw.row,
                    None,
                    format!(
                        "the row has {} cells but the header has {} (truncated file?)",
                        raw.cells.len(),
                        plan.headers.len()
                    ),
                );
                continue;
            }
            if last_filled > plan.headers.len() {
                problems.at(
                    raw.row,
                    Some(plan.column_ref(last_filled - 1)),
                    format!(
                        "the row has {last_filled} cells but the header only {}",
                        plan.headers.len()
                    ),
                );
                continue;
            }
        }
        if let Some(row) = read_row(
            raw,
            &plan,
            spec,
            order,
            header_currency,
            range_dates,
            &mut problems,
        ) {
            let key = row.key();
            if let Some(prev) = seen.insert(key, raw.row) {
                problems.at(
                    raw.row,
                    None,
                    format!(
                        "same day, platform and campaign as row {prev}; export one row per campaign per day \
                         (campaign level, Day breakdown)"
                    ),
                );
            }
            out.push(row);
        }
    }
    problems.into_result()?;
    let currency = single_currency(&out);
    Ok(ParsedFile {
        file: file.to_owned(),
        source: spec.source,
        rows: out,
        skipped,
        currency,
        notes,
    })
}

pub(crate) fn single_currency(rows: &[DailyRow]) -> Option<String> {
    let first = rows.first()?.currency.clone()?;
    rows.iter()
        .all(|r| r.currency.as_deref() == Some(first.as_str()))
        .then_some(first)
}

fn row_totals(raw: &RawRow, plan: &Plan, sep: DecimalSeparator) -> RowTotals {
    let num = |f: Field| {
        number::parse_number(cell(raw, plan.col(f)), sep)
            .ok()
            .flatten()
            .map(|n| n.value)
    };
    let count = |f: Field| num(f).and_then(|v| u64::try_from(v).ok());
    RowTotals {
        spend: num(Field::Spend),
        impressions: count(Field::Impressions),
        clicks: count(Field::Clicks),
        conversions: num(Field::Conversions),
        conversion_value: num(Field::ConversionValue),
        revenue: num(Field::Revenue),
    }
}

/// Maps what users write in a platform cell to a [`Platform`].
pub(crate) fn platform_from_cell(s: &str) -> Option<Platform> {
    let t = s.trim().to_lowercase();
    if let Ok(p) = t.parse::<Platform>() {
        return Some(p);
    }
    match t.as_str() {
        "linkedin ads" | "linked in" | "linkedin campaign manager" => Some(Platform::LinkedIn),
        "facebook" | "facebook ads" | "instagram" | "meta ads" | "fb" => Some(Platform::Meta),
        "google" | "google ads" | "adwords" | "google adwords" | "google search" => {
            Some(Platform::GoogleAds)
        }
        "custom" | "custom integration" => Some(Platform::CustomIntegration),
        "google sheets" => Some(Platform::Sheets),
        _ => None,
    }
}

fn read_row(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    order: DateOrder,
    header_currency: Option<&'static str>,
    range_dates: bool,
    problems: &mut Problems,
) -> Option<DailyRow> {
    let before = problems_len(problems);
    let at = |f: Field| plan.col(f).map(|i| plan.column_ref(i));

    let date_text = cell(raw, plan.col(Field::Date));
    let date = if date_text.trim().is_empty() {
        problems.at(raw.row, at(Field::Date), "the date is missing");
        None
    } else {
        let serial = spec
            .serial_dates
            .then(|| date_text.trim().parse::<f64>().ok())
            .flatten()
            .filter(|v| *v >= 1.0);
        let parsed = match serial {
            Some(v) => date::from_serial(v),
            None => date::parse_date(date_text, order),
        };
        match parsed {
            Ok(d) => Some(d),
            Err(e) => {
                problems.at(raw.row, at(Field::Date), e);
                None
            }
        }
    };
    if let (true, Some(ends_col), Some(start)) = (range_dates, plan.reporting_ends, date)
        && let Ok(end) = date::parse_date(cell(raw, Some(ends_col)), order)
        && end != start
    {
        problems.at(
            raw.row,
            Some(plan.column_ref(ends_col)),
            format!(
                "this row covers {} to {}, not one day; export with the Day breakdown",
                date::describe(start),
                date::describe(end)
            ),
        );
    }

    let platform = match spec.platform {
        Some(p) => p,
        None => {
            let text = cell(raw, plan.col(Field::Platform));
            if text.trim().is_empty() {
                spec.default_platform
            } else {
                match platform_from_cell(text) {
                    Some(p) => p,
                    None => {
                        problems.at(
                            raw.row,
                            at(Field::Platform),
                            format!(
                                "unknown platform \"{}\" (expected LinkedIn, Meta, Google Ads, Custom or Sheets)",
                                text.trim()
                            ),
                        );
                        spec.default_platform
                    }
                }
            }
        }
    };

    let id = cell(raw, plan.col(Field::CampaignId)).trim();
    let name = cell(raw, plan.col(Field::Campaign)).trim();
    let campaign = if id.is_empty() { name } else { id };

    let mut cell_currency: Option<&'static str> = None;
    let mut money = |f: Field, problems: &mut Problems| -> Option<Decimal> {
        let text = cell(raw, plan.col(f));
        match number::parse_number(text, spec.decimal) {
            Ok(None) => None,
            Ok(Some(n)) if n.percent => {
                problems.at(
                    raw.row,
                    at(f),
                    format!(
                        "expected an amount, found the percentage \"{}\"",
                        text.trim()
                    ),
                );
                None
            }
            Ok(Some(n)) if n.value.is_sign_negative() && !n.value.is_zero() => {
                problems.at(
                    raw.row,
                    at(f),
                    format!("{f} cannot be negative (\"{}\")", text.trim()),
                );
                None
            }
            Ok(Some(n)) => {
                if let Some(c) = n.currency {
                    if cell_currency.is_some_and(|prev| prev != c) {
                        problems.at(raw.row, at(f), "two currencies in one row");
                    }
                    cell_currency = Some(c);
                }
                Some(n.value)
            }
            Err(e) => {
                problems.at(raw.row, at(f), e);
                None
            }
        }
    };
    let spend = money(Field::Spend, problems).unwrap_or_default();
    let conversion_value = money(Field::ConversionValue, problems);
    let revenue = money(Field::Revenue, problems);
    let conversions = read_conversions(raw, plan, spec, problems);
    let mut count = |f: Field| read_count(raw, plan, spec, f, problems);
    let impressions = count(Field::Impressions);
    let engagements = count(Field::Engagements);
    let clicks = count(Field::Clicks);

    let column_currency = {
        let text = cell(raw, plan.col(Field::Currency)).trim();
        if text.is_empty() {
            None
        } else {
            match known_code(text) {
                Some(c) => Some(c),
                None => {
                    problems.at(
                        raw.row,
                        at(Field::Currency),
                        format!("\"{text}\" is not a currency code"),
                    );
                    None
                }
            }
        }
    };
    let stated: Vec<&'static str> = [column_currency, header_currency, cell_currency]
        .into_iter()
        .flatten()
        .collect();
    if stated.windows(2).any(|w| w[0] != w[1]) {
        problems.at(
            raw.row,
            at(Field::Currency),
            format!("the row states different currencies: {}", stated.join(", ")),
        );
    }

    if problems_len(problems) != before {
        return None;
    }
    let mut row = DailyRow::empty(date?, platform, campaign);
    row.spend = spend;
    row.impressions = impressions?;
    row.engagements = engagements?;
    row.clicks = clicks?;
    row.conversions = conversions?;
    row.conversion_value = conversion_value;
    row.revenue = revenue;
    row.currency = stated.first().map(|c| (*c).to_owned());
    Some(row)
}

fn problems_len(problems: &Problems) -> usize {
    problems.count()
}

fn read_conversions(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    problems: &mut Problems,
) -> Option<Decimal> {
    let f = Field::Conversions;
    let text = cell(raw, plan.col(f));
    let at = plan.col(f).map(|i| plan.column_ref(i));
    match number::parse_number(text, spec.decimal) {
        Ok(None) => Some(Decimal::ZERO),
        Ok(Some(n)) if n.percent || n.currency.is_some() => {
            problems.at(
                raw.row,
                at,
                format!(
                    "expected a number of conversions, found \"{}\"",
                    text.trim()
                ),
            );
            None
        }
        Ok(Some(n)) if n.value.is_sign_negative() && !n.value.is_zero() => {
            problems.at(
                raw.row,
                at,
                format!("conversions cannot be negative (\"{}\")", text.trim()),
            );
            None
        }
        Ok(Some(n)) => Some(n.value),
        Err(e) => {
            problems.at(raw.row, at, e);
            None
        }
    }
}

fn read_count(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    f: Field,
    problems: &mut Problems,
) -> Option<u64> {
    let text = cell(raw, plan.col(f));
    let at = plan.col(f).map(|i| plan.column_ref(i));
    match number::parse_number(text, spec.decimal) {
        Ok(None) => Some(0),
        Ok(Some(n)) if n.percent || n.currency.is_some() => {
            problems.at(
                raw.row,
                at,
                format!("expected a count of {f}, found \"{}\"", text.trim()),
            );
            None
        }
        Ok(Some(n)) => match u64::try_from(n.value) {
            Ok(v) if n.value.fract().is_zero() => Some(v),
            _ => {
                problems.at(
                    raw.row,
                    at,
                    format!(
                        "{f} must be a whole number of zero or more, found \"{}\"",
                        text.trim()
                    ),
                );
                None
            }
        },
        Err(e) => {
            problems.at(raw.row, at, e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<RawRow> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| RawRow {
                row: i as u64 + 1,
                cells: l.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect()
    }

    #[test]
    fn headers_lose_their_currency_suffix() {
        let h = normalise_header("Amount spent (EUR)");
        assert_eq!((h.name.as_str(), h.currency), ("amount spent", Some("EUR")));
        let h = normalise_header("\u{feff}Total Spent(USD)");
        assert_eq!((h.name.as_str(), h.currency), ("total spent", Some("USD")));
        let h = normalise_header("Spend ($)");
        assert_eq!((h.name.as_str(), h.currency), ("spend", None));
        let h = normalise_header("Start Date (in UTC)");
        assert_eq!(h.name, "start date (in utc)");
    }

    #[test]
    fn budget_and_derived_columns_are_not_spend() {
        let t = rows(&[
            &["Date", "Monthly Budget", "Cost per result", "CPC"],
            &["2024-06-01", "1", "2", "3"],
        ]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let err = p.into_result().expect_err("no spend column");
        assert!(err.to_string().contains("no header row"), "{err}");
    }

    #[test]
    fn a_report_without_days_is_explained() {
        let t = rows(&[
            &["Campaign report"],
            &["Campaign", "Cost", "Impr."],
            &["Brand", "1", "2"],
        ]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let d = p.into_result().expect_err("no date").diagnostics();
        assert_eq!(d[0].row, Some(2));
        assert!(d[0].message.contains("Day breakdown"), "{}", d[0]);
    }

    #[test]
    fn two_spend_candidates_need_a_mapping() {
        let t = rows(&[&["Date", "Cost", "Spend"], &["2024-06-01", "1", "2"]]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let err = p.into_result().expect_err("unsure");
        assert!(
            err.to_string().contains("B \"Cost\" and C \"Spend\""),
            "{err}"
        );
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "spend");
        let plan = plan(&t, &mapping, &mut p).expect("mapped");
        assert_eq!(plan.columns[&Field::Spend], 2);
    }

    #[test]
    fn tiers_prefer_the_better_synonym() {
        let t = rows(&[&[
            "Day",
            "Reporting starts",
            "Link clicks",
            "Clicks (all)",
            "Amount spent (USD)",
        ]]);
        let mut p = Problems::new("f");
        let plan = plan(&t, &ColumnMapping::new(), &mut p).expect("header");
        assert_eq!(plan.columns[&Field::Date], 0);
        assert_eq!(plan.columns[&Field::Clicks], 2);
    }

    #[test]
    fn mapping_by_letter_and_unknown_name() {
        let t = rows(&[&["Tag", "Ausgaben", "x"], &["2024-06-01", "1", "2"]]);
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "B");
        let plan = plan(&t, &mapping, &mut p).expect("mapped by letter");
        assert_eq!(plan.columns[&Field::Spend], 1);
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "Ausgabe");
        assert!(super::plan(&t, &mapping, &mut p).is_none());
    }

    #[test]
    fn totals_labels_are_whole_words() {
        for l in [
            "Total",
            "Total: Account",
            "TOTALS",
            "Grand total",
            "Summe",
            " total - all",
        ] {
            assert!(is_total_label(l), "{l}");
        }
        for l in [
            "Totally Outdoors",
            "Summer Sale",
            "Grand Opening",
            "",
            "Subtotal campaign",
        ] {
            assert!(!is_total_label(l), "{l}");
        }
    }

    #[test]
    fn campaigns_named_total_are_data_on_a_real_date() {
        let t = rows(&[
            &["Day", "Campaign", "Cost"],
            &["2024-06-01", "Total Wine - Search", "5.00"],
            &["2024-06-01", "Subtotal", "5.00"],
            &["Total", "", "5.00"],
        ]);
        let spec = TableSpec::new(Source::GoogleAds);
        let p =
            parse_table("f", &t, &spec, &ColumnMapping::new(), Problems::new("f")).expect("parses");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].external_campaign_id, "Total Wine - Search");
        assert_eq!(
            p.skipped.iter().map(|s| s.row).collect::<Vec<_>>(),
            vec![3, 4]
        );
    }

    #[test]
    fn platform_cells() {
        assert_eq!(platform_from_cell("Facebook Ads"), Some(Platform::Meta));
        assert_eq!(platform_from_cell(" LinkedIn "), Some(Platform::LinkedIn));
        assert_eq!(platform_from_cell("google_ads"), Some(Platform::GoogleAds));
        assert_eq!(platform_from_cell("TikTok"), None);
    }
}
