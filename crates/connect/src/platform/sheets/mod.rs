//! Google Sheets API v4 `spreadsheets.values.get`: a user's spend-tracker sheet as daily rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde::Deserialize;
use spendlens_core::{DailyRow, Platform, num};
use url::Url;

use crate::connector::{AccountInfo, Fetched, PlatformApi, finish_rows};
use crate::error::ConnectError;
use crate::http::{HttpClient, endpoint};
use crate::number;
use crate::oauth::TokenSource;
use crate::platform::google::classify_sheets;
use crate::window::DateRange;

mod amount;
mod dates;

use amount::{Kind, Mark};

/// The production base URL.
pub const SHEETS_BASE_URL: &str = "https://sheets.googleapis.com/";

const P: Platform = Platform::Sheets;

/// A `ValueRange` as the API returns it: ragged rows of cells, `values` absent when empty.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ValueRange {
    #[serde(default)]
    pub range: String,
    #[serde(default)]
    pub values: Vec<Vec<serde_json::Value>>,
}

/// Reads one range of a spreadsheet (first row = headers) and maps it to daily rows.
///
/// Cells are fetched `UNFORMATTED_VALUE` with `SERIAL_NUMBER` dates, so numbers arrive typed
/// (and exact, through serde_json's `arbitrary_precision`) whatever the sheet's locale; cells
/// users typed as text ("$1,234.50", "84,53", "2024-06-01", "02/11/2026") are read as their
/// column reads them, and refused, naming the cell, where the column does not say (see
/// `rows_from_values`). A currency typed into a text amount is carried on every row, so the
/// sync refuses a sheet in another currency than its campaign's.
#[derive(Debug, Clone)]
pub struct SheetsConnector {
    http: HttpClient,
    base_url: Url,
    token: Arc<dyn TokenSource>,
    range: String,
}

impl SheetsConnector {
    /// A connector reading `range` in A1 notation (for example `'Spend Tracker'!A:J`).
    pub fn new(
        http: HttpClient,
        base_url: Url,
        token: Arc<dyn TokenSource>,
        range: impl Into<String>,
    ) -> Self {
        SheetsConnector {
            http,
            base_url,
            token,
            range: range.into(),
        }
    }

    async fn get(&self, url: &Url, query: &[(&str, &str)]) -> Result<String, ConnectError> {
        self.http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c.get(url.clone()).query(query);
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify_sheets,
            )
            .await
    }

    /// The raw cells of the configured range, for callers that map columns themselves.
    pub async fn fetch_values(&self, spreadsheet_id: &str) -> Result<ValueRange, ConnectError> {
        let id = sheet_id(spreadsheet_id)?;
        let url = endpoint(
            &self.base_url,
            &["v4", "spreadsheets", id, "values", &self.range],
        )?;
        let query = [
            ("majorDimension", "ROWS"),
            ("valueRenderOption", "UNFORMATTED_VALUE"),
            ("dateTimeRenderOption", "SERIAL_NUMBER"),
        ];
        let text = self.get(&url, &query).await?;
        serde_json::from_str(&text).map_err(|e| ConnectError::decode(P, format!("ValueRange: {e}")))
    }
}

impl PlatformApi for SheetsConnector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, spreadsheet_id: &str, range: DateRange) -> Result<Fetched, ConnectError> {
        let values = self.fetch_values(spreadsheet_id).await?;
        let rows = rows_from_values(&values.values, range)?;
        finish_rows(P, range, rows).map(Fetched::from)
    }

    /// The spreadsheet's own time zone (`properties.timeZone`); a sheet states no currency of its
    /// own (its text amounts may: see `rows_from_values`).
    async fn info(&self, spreadsheet_id: &str) -> Result<AccountInfo, ConnectError> {
        let id = sheet_id(spreadsheet_id)?;
        let url = endpoint(&self.base_url, &["v4", "spreadsheets", id])?;
        let text = self
            .get(&url, &[("fields", "properties(timeZone)")])
            .await?;
        let sheet: Spreadsheet = serde_json::from_str(&text)
            .map_err(|e| ConnectError::decode(P, format!("spreadsheet response: {e}")))?;
        Ok(AccountInfo {
            currency: None,
            time_zone: sheet.properties.and_then(|p| p.time_zone),
        })
    }
}

fn sheet_id(spreadsheet_id: &str) -> Result<&str, ConnectError> {
    let id = spreadsheet_id.trim();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ConnectError::Config(format!(
            "spreadsheet id {spreadsheet_id:?} is not a Google Sheets id"
        )));
    }
    Ok(id)
}

#[derive(Debug, Deserialize)]
struct Spreadsheet {
    #[serde(default)]
    properties: Option<SpreadsheetProperties>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpreadsheetProperties {
    #[serde(default)]
    time_zone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Date,
    Campaign,
    Spend,
    Impressions,
    Clicks,
    Conversions,
    Revenue,
}

/// Header synonyms users write (docs/connectors.md §4.4), matched ignoring case. Derived columns
/// (CTR, CPC, ROAS) are deliberately absent: they are recomputed, never imported.
const SYNONYMS: [(Field, &[&str]); 7] = [
    (
        Field::Date,
        &["date", "day", "reporting starts", "start date"],
    ),
    (
        Field::Campaign,
        &["campaign", "campaign name", "ad group", "ad set"],
    ),
    (
        Field::Spend,
        &[
            "spend",
            "cost",
            "amount spent",
            "actual spend",
            "total spent",
        ],
    ),
    (Field::Impressions, &["impressions", "impr.", "impr"]),
    (Field::Clicks, &["clicks", "link clicks"]),
    (
        Field::Conversions,
        &["conversions", "results", "leads", "purchases", "orders"],
    ),
    (
        Field::Revenue,
        &[
            "revenue",
            "conversion value",
            "conv. value",
            "sales",
            "purchase value",
        ],
    ),
];

fn field_of(header: &str) -> Option<Field> {
    let h = header.trim().to_lowercase();
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(f, _)| *f)
}

fn cell_text(cell: &serde_json::Value) -> String {
    match cell {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Where a cell is, as the sheet shows it: `row 7, column D` (rows count from 1, the header row
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    /// Index into the rows fetched, plus one.
    row: usize,
    /// Index into the row.
    column: usize,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}, column {}", self.row, column_name(self.column))
    }
}

/// A refusal naming the cell it is about.
fn refuse(cell: Cell, message: impl std::fmt::Display) -> ConnectError {
    ConnectError::decode(P, format!("{cell}: {message}"))
}

/// A cell's text as an error quotes it: in quotes, cut short.
fn shown(text: &str) -> String {
    const MAX: usize = 32;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

/// How a numeric column reads its text cells: what it holds, and its decimal mark if its cells
/// show one.
type Reading = (Kind, Option<Mark>);

/// What a numeric field is, for reading its text cells.
fn kind_of(field: Field) -> Option<Kind> {
    match field {
        Field::Spend | Field::Revenue => Some(Kind::Money),
        Field::Conversions => Some(Kind::Decimal),
        Field::Impressions | Field::Clicks => Some(Kind::Count),
        Field::Date | Field::Campaign => None,
    }
}

/// A numeric cell: a typed number exactly as it came, text as its column reads it; empty is 0.
fn value(
    cell: Option<&serde_json::Value>,
    kind: Kind,
    mark: Option<Mark>,
) -> Result<Decimal, String> {
    let v = match cell {
        None | Some(serde_json::Value::Null) => Decimal::ZERO,
        Some(serde_json::Value::Number(n)) => {
            let t = n.to_string();
            number::decimal(P, "cell", &t).map_err(|_| format!("{} is not a number", shown(&t)))?
        }
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Decimal::ZERO,
        Some(serde_json::Value::String(s)) => amount::read(kind, mark, s.trim())?,
        Some(other) => return Err(format!("{} is not a number", shown(&other.to_string()))),
    };
    if kind == Kind::Count && (v.is_sign_negative() || !v.fract().is_zero()) {
        return Err(format!("{v} is not a whole non-negative count"));
    }
    Ok(v)
}

/// Map a sheet's cells to rows inside `range`.
///
/// Rows for the same day and campaign are added up (a sheet may list one campaign once per
/// channel). Rows with an empty date cell or a "Total" label are skipped; any other unreadable
/// cell fails the whole read with its row and column, so a typo never silently drops spend.
/// Text cells are read as their column reads them (`dates`, `amount`): the order of a text
/// date's day and month and the decimal mark of a text amount come from the column's own
/// unambiguous cells, and a currency named in a text amount is the currency of every row (one
/// per sheet), so the sync compares it with the campaign's.
fn rows_from_values(
    values: &[Vec<serde_json::Value>],
    range: DateRange,
) -> Result<Vec<DailyRow>, ConnectError> {
    let Some((header, body)) = values.split_first() else {
        return Ok(Vec::new());
    };
    let mut columns: Vec<(usize, Field)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(f) = field_of(&cell_text(h))
            && !columns.iter().any(|(_, g)| *g == f)
        {
            columns.push((i, f));
        }
    }
    let Some(date_column) = columns
        .iter()
        .find(|(_, f)| *f == Field::Date)
        .map(|(i, _)| *i)
    else {
        return Err(ConnectError::decode(P, "the header row has no Date column"));
    };
    if !columns.iter().any(|(_, f)| *f == Field::Spend) {
        return Err(ConnectError::decode(
            P,
            "the header row has no Spend column",
        ));
    }
    // The rows that hold data: not empty, with a date that is not a "Total" label.
    let data: Vec<(usize, &Vec<serde_json::Value>)> = body
        .iter()
        .enumerate()
        .map(|(n, row)| (n + 2, row))
        .filter(|(_, row)| {
            let date = row.get(date_column).map(cell_text).unwrap_or_default();
            !date.is_empty() && !date.to_lowercase().contains("total")
        })
        .collect();
    let texts = |column: usize| {
        data.iter()
            .filter_map(move |(row, cells)| match cells.get(column) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                    Some((Cell { row: *row, column }, s.trim()))
                }
                _ => None,
            })
    };
    let order = dates::column_order(texts(date_column))?;
    let mut readings: Vec<(usize, Field, Option<Reading>)> = Vec::new();
    for &(i, field) in &columns {
        let reading = match kind_of(field) {
            Some(kind) => Some((kind, amount::column_mark(kind, texts(i))?)),
            None => None,
        };
        readings.push((i, field, reading));
    }
    let money_columns: Vec<usize> = columns
        .iter()
        .filter(|(_, f)| kind_of(*f) == Some(Kind::Money))
        .map(|(i, _)| *i)
        .collect();
    let currency = amount::sheet_currency(money_columns.iter().flat_map(|&i| texts(i)))?;

    let mut by_key: BTreeMap<(NaiveDate, String), DailyRow> = BTreeMap::new();
    for &(sheet_row, row) in &data {
        let mut out = DailyRow::empty(NaiveDate::MIN, P, "");
        out.currency.clone_from(&currency);
        for &(i, field, reading) in &readings {
            let at = |message: String| {
                refuse(
                    Cell {
                        row: sheet_row,
                        column: i,
                    },
                    message,
                )
            };
            let cell = row.get(i);
            match (field, reading) {
                (Field::Date, _) => {
                    out.date = dates::read(
                        cell,
                        &cell_text(cell.unwrap_or(&serde_json::Value::Null)),
                        order,
                    )
                    .map_err(at)?;
                }
                (Field::Campaign, _) => {
                    out.external_campaign_id = cell.map(cell_text).unwrap_or_default();
                }
                (_, None) => {}
                (field, Some((kind, mark))) => {
                    let v = value(cell, kind, mark).map_err(at)?;
                    let empty = cell.is_none_or(|c| cell_text(c).is_empty());
                    match field {
                        Field::Spend => out.spend = v,
                        Field::Revenue if !empty => out.revenue = Some(v),
                        Field::Conversions => out.conversions = v,
                        Field::Impressions => out.impressions = whole(v).map_err(at)?,
                        Field::Clicks => out.clicks = whole(v).map_err(at)?,
                        _ => {}
                    }
                }
            }
        }
        if !range.contains(out.date) {
            continue;
        }
        match by_key.entry((out.date, out.external_campaign_id.clone())) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(out);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let acc = o.get_mut();
                acc.spend = num::add(acc.spend, out.spend);
                acc.impressions = acc.impressions.saturating_add(out.impressions);
                acc.clicks = acc.clicks.saturating_add(out.clicks);
                acc.conversions = num::add(acc.conversions, out.conversions);
                acc.revenue = match (acc.revenue, out.revenue) {
                    (None, None) => None,
                    (a, b) => Some(num::add(a.unwrap_or_default(), b.unwrap_or_default())),
                };
            }
        }
    }
    Ok(by_key.into_values().collect())
}

fn whole(v: Decimal) -> Result<u64, String> {
    u64::try_from(v).map_err(|_| format!("{v} is out of range"))
}

fn column_name(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        s.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests;
