//! Google Ads API `googleAds:searchStream` (GAQL): cost, clicks and conversions per campaign
//! and day.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use spendlens_core::{DailyRow, Platform};
use url::Url;

use crate::connector::{AccountInfo, Fetched, PlatformApi, finish_rows};
use crate::error::ConnectError;
use crate::http::{HttpClient, endpoint};
use crate::number;
use crate::oauth::TokenSource;
use crate::platform::google::{Envelope, classify_ads, from_error};
use crate::window::DateRange;

/// The production base URL.
pub const GOOGLE_ADS_BASE_URL: &str = "https://googleads.googleapis.com/";
/// The API version used unless configured otherwise: the newest of the version table
/// (`crate::versions`).
pub const GOOGLE_ADS_DEFAULT_VERSION: &str = "v26";

const P: Platform = Platform::GoogleAds;

/// Reads campaign × day metrics with one GAQL query per date chunk.
///
/// Cost arrives as `costMicros`, an int64 string, and is divided by 10^6 exactly; metrics at
/// their zero value are omitted from the JSON (proto3), so a missing metric reads as 0. The
/// currency is the customer's `currency_code`, read with a separate query. Days are the customer
/// account's time zone, which the API does not let us change.
#[derive(Debug, Clone)]
pub struct GoogleAdsConnector {
    http: HttpClient,
    base_url: Url,
    version: String,
    token: Arc<dyn TokenSource>,
    developer_token: SecretString,
    login_customer_id: Option<String>,
    chunk_days: u32,
}

impl GoogleAdsConnector {
    /// A connector against `base_url` ([`GOOGLE_ADS_BASE_URL`] in production).
    pub fn new(
        http: HttpClient,
        base_url: Url,
        token: Arc<dyn TokenSource>,
        developer_token: SecretString,
    ) -> Self {
        GoogleAdsConnector {
            http,
            base_url,
            version: GOOGLE_ADS_DEFAULT_VERSION.into(),
            token,
            developer_token,
            login_customer_id: None,
            chunk_days: 31,
        }
    }

    /// The API version (`v26`): versions sunset about yearly, so it is configuration.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The manager (MCC) account the customer is reached through, sent as `login-customer-id`.
    pub fn with_login_customer_id(mut self, id: &str) -> Result<Self, ConnectError> {
        self.login_customer_id = Some(customer_id(id)?);
        Ok(self)
    }

    /// Days per query (31 by default).
    pub fn with_chunk_days(mut self, days: u32) -> Self {
        self.chunk_days = days.max(1);
        self
    }

    async fn search(&self, customer: &str, query: &str) -> Result<Vec<SearchRow>, ConnectError> {
        let url = endpoint(
            &self.base_url,
            &[
                &self.version,
                "customers",
                customer,
                "googleAds:searchStream",
            ],
        )?;
        let body = serde_json::json!({ "query": query });
        let text = self
            .http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c
                        .post(url.clone())
                        .header("developer-token", self.developer_token.expose_secret())
                        .json(&body);
                    if let Some(login) = &self.login_customer_id {
                        r = r.header("login-customer-id", login);
                    }
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify_ads,
            )
            .await
            .map_err(|e| e.with_version(&self.version))?;
        parse_stream(&text).map_err(|e| e.with_version(&self.version))
    }

    async fn customer_info(&self, customer: &str) -> Result<AccountInfo, ConnectError> {
        let c = self
            .search(
                customer,
                "SELECT customer.currency_code, customer.time_zone FROM customer",
            )
            .await?
            .into_iter()
            .find_map(|r| r.customer);
        Ok(AccountInfo {
            currency: c.as_ref().and_then(|c| c.currency_code.clone()),
            time_zone: c.and_then(|c| c.time_zone),
        })
    }
}

impl PlatformApi for GoogleAdsConnector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, account: &str, range: DateRange) -> Result<Fetched, ConnectError> {
        let customer = customer_id(account)?;
        let currency = self.customer_info(&customer).await?.currency;
        let mut rows = Vec::new();
        for chunk in range.chunks(self.chunk_days) {
            let query = format!(
                "SELECT campaign.id, campaign.name, segments.date, metrics.cost_micros, \
                 metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value \
                 FROM campaign WHERE segments.date BETWEEN '{}' AND '{}' ORDER BY segments.date ASC",
                chunk.start(),
                chunk.end()
            );
            for r in self.search(&customer, &query).await? {
                rows.push(daily_row(r, currency.as_deref())?);
            }
        }
        tracing::debug!(rows = rows.len(), %range, "Google Ads report read");
        finish_rows(P, range, rows).map(Fetched::from)
    }

    async fn info(&self, account: &str) -> Result<AccountInfo, ConnectError> {
        self.customer_info(&customer_id(account)?).await
    }
}

/// A customer id as the API wants it: 10 digits, dashes removed (`123-456-7890`).
fn customer_id(text: &str) -> Result<String, ConnectError> {
    let digits: String = text.trim().chars().filter(|c| *c != '-').collect();
    if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(ConnectError::Config(format!(
            "Google Ads customer id must be 10 digits, got {text:?}"
        )))
    }
}

#[derive(Debug, Deserialize)]
struct Batch {
    #[serde(default)]
    results: Vec<SearchRow>,
    #[serde(default)]
    error: Option<crate::platform::google::GoogleError>,
}

#[derive(Debug, Deserialize)]
struct SearchRow {
    #[serde(default)]
    campaign: Option<Campaign>,
    #[serde(default)]
    metrics: Option<Metrics>,
    #[serde(default)]
    segments: Option<Segments>,
    #[serde(default)]
    customer: Option<Customer>,
}

#[derive(Debug, Deserialize)]
struct Campaign {
    id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    cost_micros: Option<String>,
    impressions: Option<String>,
    clicks: Option<String>,
    conversions: Option<serde_json::Value>,
    conversions_value: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Segments {
    date: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    #[serde(default)]
    currency_code: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

/// The stream is a JSON array of batches. An error after the stream started arrives as an
/// element `{"error":{…}}` inside a 200 response: it fails the whole read.
fn parse_stream(text: &str) -> Result<Vec<SearchRow>, ConnectError> {
    if text.trim_start().starts_with('{')
        && let Ok(env) = serde_json::from_str::<Envelope>(text)
    {
        return Err(from_error(P, StatusCode::OK, &HeaderMap::new(), &env.error));
    }
    let batches: Vec<Batch> = serde_json::from_str(text)
        .map_err(|e| ConnectError::decode(P, format!("searchStream response: {e}")))?;
    let mut rows = Vec::new();
    for batch in batches {
        if let Some(error) = batch.error {
            return Err(from_error(P, StatusCode::OK, &HeaderMap::new(), &error));
        }
        rows.extend(batch.results);
    }
    Ok(rows)
}

fn daily_row(r: SearchRow, currency: Option<&str>) -> Result<DailyRow, ConnectError> {
    let campaign = r
        .campaign
        .ok_or_else(|| ConnectError::decode(P, "a result has no campaign"))?;
    let date_text = r
        .segments
        .ok_or_else(|| ConnectError::decode(P, "a result has no segments.date"))?
        .date;
    let date = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d").map_err(|_| {
        ConnectError::decode(P, format!("segments.date {date_text:?} is not a date"))
    })?;
    let m = r.metrics.unwrap_or_default();
    let mut out = DailyRow::empty(date, P, campaign.id);
    if let Some(c) = &m.cost_micros {
        out.spend = number::micros(P, "metrics.costMicros", c)?;
    }
    if let Some(v) = &m.impressions {
        out.impressions = number::count(P, "metrics.impressions", v)?;
    }
    if let Some(v) = &m.clicks {
        out.clicks = number::count(P, "metrics.clicks", v)?;
    }
    if let Some(v) = &m.conversions {
        out.conversions = number::json_decimal(P, "metrics.conversions", v)?;
    }
    out.conversion_value = Some(match &m.conversions_value {
        Some(v) => number::json_decimal(P, "metrics.conversionsValue", v)?,
        None => rust_decimal::Decimal::ZERO,
    });
    out.currency = currency.map(str::to_owned);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_version_is_the_table_s() {
        assert_eq!(
            crate::versions::default_version(Platform::GoogleAds).map(|v| v.version),
            Some(GOOGLE_ADS_DEFAULT_VERSION)
        );
    }
    use rust_decimal_macros::dec;

    #[test]
    fn customer_ids_lose_their_dashes() {
        assert_eq!(customer_id("123-456-7890").expect("ok"), "1234567890");
        assert!(customer_id("123-456").is_err());
        assert!(customer_id("abcdefghij").is_err());
    }

    #[test]
    fn omitted_metrics_are_zero_and_micros_exact() {
        let text = r#"[{"results":[
            {"campaign":{"resourceName":"customers/1234567890/campaigns/1","id":"1","name":"A"},
             "metrics":{"clicks":"97","costMicros":"71020000","impressions":"2213"},
             "segments":{"date":"2024-06-02"}},
            {"campaign":{"id":"2"},"metrics":{},"segments":{"date":"2024-06-02"}},
            {"campaign":{"id":"3"},"metrics":{"conversions":14.5,"conversionsValue":950.25,"costMicros":"1"},"segments":{"date":"2024-06-02"}}
        ],"fieldMask":"x","requestId":"r"}]"#;
        let rows: Vec<DailyRow> = parse_stream(text)
            .expect("stream")
            .into_iter()
            .map(|r| daily_row(r, Some("EUR")).expect("row"))
            .collect();
        assert_eq!(rows[0].spend, dec!(71.02));
        assert_eq!(rows[0].conversions, dec!(0));
        assert_eq!(rows[0].conversion_value, Some(dec!(0)));
        assert_eq!((rows[1].spend, rows[1].clicks), (dec!(0), 0));
        assert_eq!(rows[2].spend, dec!(0.000001));
        assert_eq!(rows[2].conversions, dec!(14.5));
        assert_eq!(rows[2].conversion_value, Some(dec!(950.25)));
        assert_eq!(rows[2].currency.as_deref(), Some("EUR"));
    }

    #[test]
    fn an_error_inside_the_stream_fails_the_read() {
        let text = r#"[{"results":[{"campaign":{"id":"1"},"segments":{"date":"2024-06-01"}}]},
            {"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}]"#;
        assert!(matches!(
            parse_stream(text),
            Err(ConnectError::Unavailable { .. })
        ));
        let plain = r#"{"error":{"code":400,"message":"bad query","status":"INVALID_ARGUMENT"}}"#;
        assert!(matches!(
            parse_stream(plain),
            Err(ConnectError::Api { status: 400, .. })
        ));
    }
}
