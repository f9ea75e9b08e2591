//! Google Sheets API v4 `spreadsheets.values.get`: a user's spend-tracker sheet as daily rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde::Deserialize;
use spendlens_core::{DailyRow, Platform};
use url::Url;

use crate::connector::{AccountInfo, Fetched, PlatformApi, finish_rows};
use crate::error::ConnectError;
use crate::http::{HttpClient, endpoint};
use crate::number;
use crate::oauth::TokenSource;
use crate::platform::google::classify_sheets;
use crate::window::DateRange;

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
/// users typed as text ("$1,234.50", "2024-06-01", "6/1/2024") are read too.
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

    /// The spreadsheet's own time zone (`properties.timeZone`); a sheet states no currency.
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

/// Map a sheet's cells to rows inside `range`.
///
/// Rows for the same day and campaign are added up (a sheet may list one campaign once per
/// channel). Rows with an empty date cell or a "Total" label are skipped; any other unreadable
/// cell fails the whole read with its row and column, so a typo never silently drops spend.
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
    // The date decides whether a row counts at all, so it is read first.
    columns.sort_by_key(|(_, f)| *f != Field::Date);
    for required in [Field::Date, Field::Spend] {
        if !columns.iter().any(|(_, f)| *f == required) {
            return Err(ConnectError::decode(
                P,
                format!("the header row has no {required:?} column"),
            ));
        }
    }
    let mut by_key: BTreeMap<(NaiveDate, String), DailyRow> = BTreeMap::new();
    for (n, row) in body.iter().enumerate() {
        let sheet_row = n + 2;
        // Ragged rows: a missing trailing cell is an empty one.
        let get = |i: usize| row.get(i).map(cell_text).unwrap_or_default();
        if row.iter().all(|c| cell_text(c).is_empty()) {
            continue;
        }
        let mut out = DailyRow::empty(NaiveDate::MIN, P, "");
        let mut dated = false;
        for &(i, field) in &columns {
            let text = get(i);
            let at = |e: ConnectError| match e {
                ConnectError::Decode { message, .. } => ConnectError::decode(
                    P,
                    format!("row {sheet_row}, column {}: {message}", column_name(i)),
                ),
                other => other,
            };
            match field {
                Field::Date => {
                    if text.is_empty() || text.to_lowercase().contains("total") {
                        break;
                    }
                    out.date = parse_date(row.get(i), &text).map_err(at)?;
                    dated = true;
                }
                Field::Campaign => out.external_campaign_id = text,
                Field::Spend => out.spend = money(&text).map_err(at)?,
                Field::Revenue if !text.is_empty() => out.revenue = Some(money(&text).map_err(at)?),
                Field::Revenue => {}
                Field::Conversions => out.conversions = money(&text).map_err(at)?,
                Field::Impressions => out.impressions = whole(&text).map_err(at)?,
                Field::Clicks => out.clicks = whole(&text).map_err(at)?,
            }
        }
        if !dated || !range.contains(out.date) {
            continue;
        }
        match by_key.entry((out.date, out.external_campaign_id.clone())) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(out);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let acc = o.get_mut();
                acc.spend += out.spend;
                acc.impressions += out.impressions;
                acc.clicks += out.clicks;
                acc.conversions += out.conversions;
                acc.revenue = match (acc.revenue, out.revenue) {
                    (None, None) => None,
                    (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
                };
            }
        }
    }
    Ok(by_key.into_values().collect())
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

/// The Sheets date epoch: serial 0 is 1899-12-30.
fn serial_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

fn parse_date(cell: Option<&serde_json::Value>, text: &str) -> Result<NaiveDate, ConnectError> {
    let bad = || ConnectError::decode(P, format!("{text:?} is not a date"));
    if let Some(serde_json::Value::Number(n)) = cell {
        // A serial number; the fractional part is the time of day.
        let serial = number::decimal(P, "date", &n.to_string())?.trunc();
        let days = u64::try_from(serial).map_err(|_| bad())?;
        return serial_epoch()
            .and_then(|e| e.checked_add_days(Days::new(days)))
            .ok_or_else(bad);
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(text, fmt) {
            return Ok(d);
        }
    }
    Err(bad())
}

/// A money or decimal cell: a typed number, or text with a currency symbol and thousands
/// separators (`"$1,234.50"`, `"€152.37"`). Empty is zero.
fn money(text: &str) -> Result<Decimal, ConnectError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '$' | '€' | '£' | '¥' | ',' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Ok(Decimal::ZERO);
    }
    number::decimal(P, "cell", &cleaned)
}

fn whole(text: &str) -> Result<u64, ConnectError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Ok(0);
    }
    number::count(P, "cell", &cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn june() -> DateRange {
        DateRange::new(d("2024-06-01"), d("2024-06-30")).expect("range")
    }

    #[test]
    fn typed_and_text_cells_are_read_and_duplicates_summed() {
        let values: Vec<Vec<serde_json::Value>> = serde_json::from_value(json!([
            [
                "Date",
                "Platform",
                "Campaign",
                "Monthly Budget",
                "Spend",
                "Impressions",
                "Clicks",
                "Conversions",
                "Revenue",
                "Notes"
            ],
            [
                45444,
                "Meta",
                "Prospecting - Broad",
                3000,
                84.53,
                10234,
                187,
                6,
                412.8
            ],
            [
                "2024-06-01",
                "LinkedIn",
                "ABM - Tier 1",
                "€5,000.00",
                "€152.37",
                "8,412",
                "61",
                "4",
                "€1,200.00",
                "invoice #A-17"
            ],
            [
                "6/1/2024",
                "Google",
                "ABM - Tier 1",
                "",
                "$10.00",
                "",
                "",
                "",
                ""
            ],
            [
                "2024-07-01",
                "Meta",
                "Prospecting - Broad",
                3000,
                1,
                1,
                1,
                1,
                1
            ],
            [],
            ["Total", "", "", "", 247.0]
        ]))
        .expect("json");
        let rows = rows_from_values(&values, june()).expect("rows");
        assert_eq!(rows.len(), 2);
        let abm = &rows[0];
        assert_eq!(
            (abm.date, abm.external_campaign_id.as_str()),
            (d("2024-06-01"), "ABM - Tier 1")
        );
        assert_eq!(abm.spend, dec!(162.37));
        assert_eq!(abm.impressions, 8412);
        assert_eq!(abm.revenue, Some(dec!(1200.00)));
        let meta = &rows[1];
        assert_eq!(meta.spend, dec!(84.53));
        assert_eq!(meta.conversions, dec!(6));
        assert_eq!(meta.platform, Platform::Sheets);
    }

    #[test]
    fn unreadable_cells_fail_with_their_position() {
        let values: Vec<Vec<serde_json::Value>> = serde_json::from_value(json!([
            ["Date", "Spend"],
            ["2024-06-01", "12.50"],
            ["2024-06-02", "twelve"]
        ]))
        .expect("json");
        let err = rows_from_values(&values, june()).expect_err("bad cell");
        assert!(err.to_string().contains("row 3, column B"), "{err}");
        let no_spend: Vec<Vec<serde_json::Value>> =
            serde_json::from_value(json!([["Date", "Budget"]])).expect("json");
        assert!(rows_from_values(&no_spend, june()).is_err());
        assert_eq!(rows_from_values(&[], june()).expect("empty"), vec![]);
    }

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }
}
