//! Google Analytics 4 Data API `runReport`: revenue and transactions per campaign and day.

use std::sync::Arc;

use chrono::NaiveDate;
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
use crate::platform::google::classify_ga4;
use crate::window::DateRange;

/// The production base URL.
pub const GA4_BASE_URL: &str = "https://analyticsdata.googleapis.com/";

const P: Platform = Platform::Ga4;
const METRICS: [&str; 4] = ["sessions", "keyEvents", "purchaseRevenue", "transactions"];

/// Reads GA4 purchase revenue and transactions per `sessionCampaignName` and day.
///
/// GA4 carries no spend: its rows exist for the revenue estimate, which needs an average order
/// value. `conversions` in the rows is therefore `transactions` (orders, the denominator of the
/// AOV) rather than key events, and `revenue` is `purchaseRevenue` in the property currency.
/// Days are the property's reporting days.
#[derive(Debug, Clone)]
pub struct Ga4Connector {
    http: HttpClient,
    base_url: Url,
    token: Arc<dyn TokenSource>,
    page_size: u32,
}

impl Ga4Connector {
    /// A connector against `base_url` ([`GA4_BASE_URL`] in production).
    pub fn new(http: HttpClient, base_url: Url, token: Arc<dyn TokenSource>) -> Self {
        Ga4Connector {
            http,
            base_url,
            token,
            page_size: 10_000,
        }
    }

    /// Rows per page (`limit`); GA4 allows up to 250,000. Small pages exercise paging in tests.
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    fn report_url(&self, property: &str) -> Result<Url, ConnectError> {
        let id = property.trim().trim_start_matches("properties/");
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectError::Config(format!(
                "GA4 property id must be digits, got {property:?}"
            )));
        }
        endpoint(
            &self.base_url,
            &["v1beta", "properties", &format!("{id}:runReport")],
        )
    }

    async fn run_report(
        &self,
        url: &Url,
        body: &serde_json::Value,
    ) -> Result<RunReportResponse, ConnectError> {
        let text = self
            .http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c.post(url.clone()).json(body);
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify_ga4,
            )
            .await?;
        serde_json::from_str(&text)
            .map_err(|e| ConnectError::decode(P, format!("runReport response: {e}")))
    }
}

impl PlatformApi for Ga4Connector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, property: &str, range: DateRange) -> Result<Fetched, ConnectError> {
        let url = self.report_url(property)?;
        let mut rows = Vec::new();
        let mut offset: u64 = 0;
        // The first page's rowCount; later pages must agree, or the report changed under us.
        let mut expected: Option<u64> = None;
        loop {
            let body = serde_json::json!({
                "dateRanges": [{"startDate": range.start().to_string(), "endDate": range.end().to_string()}],
                "dimensions": [{"name": "date"}, {"name": "sessionCampaignName"}],
                "metrics": METRICS.iter().map(|m| serde_json::json!({"name": m})).collect::<Vec<_>>(),
                "limit": self.page_size.to_string(),
                "offset": offset.to_string(),
                "keepEmptyRows": false,
            });
            let page = self.run_report(&url, &body).await?;
            // Absent means 0 (proto3 JSON).
            let count = page.row_count.unwrap_or(0);
            let total = *expected.get_or_insert(count);
            if count != total {
                return Err(ConnectError::decode(
                    P,
                    format!("rowCount changed from {total} to {count} while paging"),
                ));
            }
            let received = page.rows.len() as u64;
            rows.extend(page_rows(&page)?);
            offset += received;
            if offset >= total {
                break;
            }
            if received == 0 {
                return Err(ConnectError::decode(
                    P,
                    format!("rowCount says {total} rows but the page at offset {offset} is empty"),
                ));
            }
        }
        tracing::debug!(rows = rows.len(), %range, "GA4 report read");
        finish_rows(P, range, rows).map(Fetched::from)
    }

    /// GA4 has no cheap property lookup on this API; a one-row report for yesterday carries the
    /// property's `metadata` (currency and reporting time zone) at the cost of a few quota tokens.
    async fn info(&self, property: &str) -> Result<AccountInfo, ConnectError> {
        let url = self.report_url(property)?;
        let body = serde_json::json!({
            "dateRanges": [{"startDate": "yesterday", "endDate": "yesterday"}],
            "dimensions": [{"name": "date"}],
            "metrics": [{"name": "sessions"}],
            "limit": "1",
        });
        let report = self.run_report(&url, &body).await?;
        let meta = report.metadata.unwrap_or_default();
        Ok(AccountInfo {
            currency: meta.currency_code,
            time_zone: meta.time_zone,
        })
    }
}

/// Average order value over rows from [`Ga4Connector`]: total purchase revenue divided by total
/// transactions, `None` without transactions.
///
/// Summed first and divided once: averaging GA4's per-day `averagePurchaseRevenue` would weight
/// a day with one order like a day with a hundred.
pub fn average_order_value(rows: &[DailyRow]) -> Option<Decimal> {
    let revenue: Decimal = rows.iter().filter_map(|r| r.revenue).sum();
    let orders: Decimal = rows.iter().map(|r| r.conversions).sum();
    if orders.is_zero() {
        None
    } else {
        revenue.checked_div(orders)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunReportResponse {
    #[serde(default)]
    dimension_headers: Vec<Header>,
    #[serde(default)]
    metric_headers: Vec<Header>,
    /// Absent, not empty, when there are no rows (proto3 JSON).
    #[serde(default)]
    rows: Vec<Row>,
    #[serde(default)]
    row_count: Option<u64>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Header {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    #[serde(default)]
    dimension_values: Vec<Value>,
    #[serde(default)]
    metric_values: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Value {
    #[serde(default)]
    value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

/// Values are positional: find each column by its header name, never by an assumed order.
fn position(headers: &[Header], name: &str) -> Result<usize, ConnectError> {
    headers
        .iter()
        .position(|h| h.name == name)
        .ok_or_else(|| ConnectError::decode(P, format!("runReport has no {name:?} column")))
}

fn page_rows(page: &RunReportResponse) -> Result<Vec<DailyRow>, ConnectError> {
    if page.rows.is_empty() {
        return Ok(Vec::new());
    }
    let date_i = position(&page.dimension_headers, "date")?;
    let campaign_i = position(&page.dimension_headers, "sessionCampaignName")?;
    let revenue_i = position(&page.metric_headers, "purchaseRevenue")?;
    let orders_i = position(&page.metric_headers, "transactions")?;
    let currency = page.metadata.as_ref().and_then(|m| m.currency_code.clone());
    page.rows
        .iter()
        .map(|row| {
            let dim = |i: usize| {
                row.dimension_values
                    .get(i)
                    .map(|v| v.value.as_str())
                    .ok_or_else(|| ConnectError::decode(P, "a row is shorter than its headers"))
            };
            let metric = |i: usize| {
                row.metric_values
                    .get(i)
                    .map(|v| v.value.as_str())
                    .ok_or_else(|| ConnectError::decode(P, "a row is shorter than its headers"))
            };
            let date_text = dim(date_i)?;
            let date = NaiveDate::parse_from_str(date_text, "%Y%m%d").map_err(|_| {
                ConnectError::decode(P, format!("date {date_text:?} is not YYYYMMDD"))
            })?;
            let mut out = DailyRow::empty(date, P, dim(campaign_i)?);
            out.revenue = Some(number::decimal(P, "purchaseRevenue", metric(revenue_i)?)?);
            out.conversions = number::decimal(P, "transactions", metric(orders_i)?)?;
            out.currency = currency.clone();
            Ok(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn row(revenue: Decimal, orders: Decimal) -> DailyRow {
        let mut r = DailyRow::empty(NaiveDate::MIN, P, "c");
        r.revenue = Some(revenue);
        r.conversions = orders;
        r
    }

    #[test]
    fn aov_is_a_ratio_of_sums() {
        let rows = [row(dec!(2450.5), dec!(30)), row(dec!(1980), dec!(24))];
        assert_eq!(average_order_value(&rows), Some(dec!(4430.5) / dec!(54)));
        // Not the mean of the daily averages (81.68 and 82.5).
        assert_ne!(
            average_order_value(&rows),
            Some((dec!(2450.5) / dec!(30) + dec!(82.5)) / dec!(2))
        );
        assert_eq!(average_order_value(&[row(dec!(10), dec!(0))]), None);
        assert_eq!(average_order_value(&[]), None);
    }
}
