//! LinkedIn Marketing API `adAnalytics` (campaign pivot, daily): Rest.li 2.0 query syntax and
//! versioned headers.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use serde::Deserialize;
use spendlens_core::{DailyRow, Platform};
use url::Url;

use crate::connector::{AccountInfo, Fetched, PlatformApi, finish_rows};
use crate::error::{ConnectError, safe_code};
use crate::http::{HttpClient, by_status, endpoint, quota_exhausted};
use crate::number;
use crate::oauth::TokenSource;
use crate::quota::Quota;
use crate::reason;
use crate::window::DateRange;

/// The production base URL.
pub const LINKEDIN_BASE_URL: &str = "https://api.linkedin.com/";
/// The `LinkedIn-Version` sent unless configured otherwise: the newest of the version table
/// (`crate::versions`; versions live about a year).
pub const LINKEDIN_DEFAULT_VERSION: &str = "202607";
/// LinkedIn silently truncates an `adAnalytics` response at this many elements.
pub const LINKEDIN_MAX_ELEMENTS: usize = 15_000;

const P: Platform = Platform::LinkedIn;
const FIELDS: &str = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency,\
externalWebsiteConversions,conversionValueInLocalCurrency,likes,comments,shares,follows";

/// Reads campaign × day analytics for one sponsored ad account.
///
/// One call per account returns every campaign (`accounts=List(…)` facet); ranges are split into
/// 30-day chunks because `adAnalytics` has no paging and truncates at
/// [`LINKEDIN_MAX_ELEMENTS`]. A response that reaches the cap is never trusted: its chunk is read
/// again in halves, down to single days, and a single day that still reaches it is refused.
/// Spend is `costInLocalCurrency` in the account currency (read from `adAccounts`); engagements
/// are likes + comments + shares + follows. Days are UTC.
#[derive(Debug, Clone)]
pub struct LinkedInConnector {
    http: HttpClient,
    base_url: Url,
    version: String,
    token: Arc<dyn TokenSource>,
    chunk_days: u32,
}

impl LinkedInConnector {
    /// A connector against `base_url` ([`LINKEDIN_BASE_URL`] in production).
    pub fn new(http: HttpClient, base_url: Url, token: Arc<dyn TokenSource>) -> Self {
        LinkedInConnector {
            http,
            base_url,
            version: LINKEDIN_DEFAULT_VERSION.into(),
            token,
            chunk_days: 30,
        }
    }

    /// The `LinkedIn-Version` header value (`YYYYMM`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Days per `adAnalytics` request (30 by default, as Airbyte does).
    pub fn with_chunk_days(mut self, days: u32) -> Self {
        self.chunk_days = days.max(1);
        self
    }

    async fn get(&self, url: Url) -> Result<String, ConnectError> {
        self.http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c
                        .get(url.clone())
                        .header("LinkedIn-Version", &self.version)
                        .header("X-Restli-Protocol-Version", "2.0.0");
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify,
            )
            .await
            .map_err(|e| e.with_version(&self.version))
    }

    async fn account(&self, account: &str) -> Result<(String, AdAccount), ConnectError> {
        let id = account
            .trim()
            .trim_start_matches("urn:li:sponsoredAccount:");
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectError::Config(format!(
                "LinkedIn ad account id must be digits, got {account:?}"
            )));
        }
        let account_url = endpoint(&self.base_url, &["rest", "adAccounts", id])?;
        let acct: AdAccount = serde_json::from_str(&self.get(account_url).await?)
            .map_err(|e| ConnectError::decode(P, format!("adAccounts response: {e}")))?;
        Ok((id.to_owned(), acct))
    }
}

impl PlatformApi for LinkedInConnector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, account: &str, range: DateRange) -> Result<Fetched, ConnectError> {
        let (id, acct) = self.account(account).await?;
        let id = id.as_str();
        let mut rows = Vec::new();
        // Chunks in order, earliest on top; a chunk that reaches the cap goes back as its halves.
        let mut pending: Vec<DateRange> = range.chunks(self.chunk_days).into_iter().rev().collect();
        while let Some(chunk) = pending.pop() {
            let mut url = endpoint(&self.base_url, &["rest", "adAnalytics"])?;
            url.set_query(Some(&analytics_query(id, chunk)));
            let page: Analytics = serde_json::from_str(&self.get(url).await?)
                .map_err(|e| ConnectError::decode(P, format!("adAnalytics response: {e}")))?;
            if page.elements.len() >= LINKEDIN_MAX_ELEMENTS {
                if chunk.days() > 1 {
                    let half = u32::try_from(chunk.days().div_ceil(2)).unwrap_or(u32::MAX);
                    tracing::warn!(%chunk, "adAnalytics reached its element cap: reading the chunk in halves");
                    pending.extend(chunk.chunks(half).into_iter().rev());
                    continue;
                }
                return Err(ConnectError::decode(
                    P,
                    format!(
                        "adAnalytics returned {} elements for the single day {}, LinkedIn's cap for one answer, so the day may be cut short: the account has more campaign-days than LinkedIn reports in one request",
                        page.elements.len(),
                        chunk.start()
                    ),
                ));
            }
            for e in &page.elements {
                rows.push(daily_row(e, acct.currency.as_deref())?);
            }
        }
        tracing::debug!(rows = rows.len(), %range, "LinkedIn analytics read");
        finish_rows(P, range, rows).map(Fetched::from)
    }

    /// The account currency from `adAccounts`; reporting days are always UTC on LinkedIn.
    async fn info(&self, account: &str) -> Result<AccountInfo, ConnectError> {
        let (_, acct) = self.account(account).await?;
        Ok(AccountInfo {
            currency: acct.currency,
            time_zone: Some("UTC".into()),
        })
    }
}

/// The Rest.li 2.0 query string. Built by hand: parentheses, colons and commas must stay literal
/// while the URNs inside `List(…)` are percent-encoded, which no form encoder does (a standard
/// encoder double-encodes them and LinkedIn rejects the call).
fn analytics_query(account_id: &str, range: DateRange) -> String {
    let date = |d: NaiveDate| format!("(year:{},month:{},day:{})", d.year(), d.month(), d.day());
    format!(
        "q=analytics&pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)\
         &accounts=List(urn%3Ali%3AsponsoredAccount%3A{account_id})\
         &dateRange=(start:{},end:{})&fields={FIELDS}",
        date(range.start()),
        date(range.end()),
    )
}

#[derive(Debug, Deserialize)]
struct AdAccount {
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Analytics {
    #[serde(default)]
    elements: Vec<Element>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Element {
    #[serde(default)]
    pivot_values: Vec<String>,
    date_range: LiDateRange,
    #[serde(default)]
    impressions: Option<serde_json::Value>,
    #[serde(default)]
    clicks: Option<serde_json::Value>,
    #[serde(default)]
    cost_in_local_currency: Option<serde_json::Value>,
    #[serde(default)]
    external_website_conversions: Option<serde_json::Value>,
    #[serde(default)]
    conversion_value_in_local_currency: Option<serde_json::Value>,
    #[serde(default)]
    likes: Option<serde_json::Value>,
    #[serde(default)]
    comments: Option<serde_json::Value>,
    #[serde(default)]
    shares: Option<serde_json::Value>,
    #[serde(default)]
    follows: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct LiDateRange {
    start: LiDate,
    #[serde(default)]
    end: Option<LiDate>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy)]
struct LiDate {
    year: i32,
    month: u32,
    day: u32,
}

fn daily_row(e: &Element, currency: Option<&str>) -> Result<DailyRow, ConnectError> {
    let LiDate { year, month, day } = e.date_range.start;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        ConnectError::decode(P, format!("dateRange {year}-{month}-{day} is not a date"))
    })?;
    if e.date_range
        .end
        .is_some_and(|end| end != e.date_range.start)
    {
        return Err(ConnectError::decode(
            P,
            "a DAILY element spans more than one day",
        ));
    }
    let urn = e
        .pivot_values
        .first()
        .ok_or_else(|| ConnectError::decode(P, "an element has no pivotValues"))?;
    let campaign = urn.rsplit(':').next().unwrap_or(urn);
    let mut out = DailyRow::empty(date, P, campaign);
    // A metric we asked for and did not get is zero.
    let count = |name: &str, v: &Option<serde_json::Value>| {
        v.as_ref().map_or(Ok(0), |v| number::json_count(P, name, v))
    };
    let dec = |name: &str, v: &Option<serde_json::Value>| {
        v.as_ref().map_or(Ok(rust_decimal::Decimal::ZERO), |v| {
            number::json_decimal(P, name, v)
        })
    };
    out.impressions = count("impressions", &e.impressions)?;
    out.clicks = count("clicks", &e.clicks)?;
    out.engagements = count("likes", &e.likes)?
        + count("comments", &e.comments)?
        + count("shares", &e.shares)?
        + count("follows", &e.follows)?;
    out.spend = dec("costInLocalCurrency", &e.cost_in_local_currency)?;
    out.conversions = dec(
        "externalWebsiteConversions",
        &e.external_website_conversions,
    )?;
    out.conversion_value = Some(dec(
        "conversionValueInLocalCurrency",
        &e.conversion_value_in_local_currency,
    )?);
    out.currency = currency.map(str::to_owned);
    Ok(out)
}

/// `{"status":429,"serviceErrorCode":101,"code":"…","message":"…"}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestliError {
    #[serde(default)]
    service_error_code: Option<i64>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A LinkedIn error answer.
///
/// Every 429 is a daily limit (LinkedIn's application and member limits reset at midnight UTC,
/// and a retry before then only burns more of the day's calls), unless the answer carries a
/// `Retry-After`: then that wait is the platform's own word and is honoured. A 426
/// `NONEXISTENT_VERSION` means the `LinkedIn-Version` sent is no longer served.
fn classify(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    let parsed = serde_json::from_str::<RestliError>(body).ok();
    let named = parsed.as_ref().and_then(|e| e.code.as_deref());
    let code = parsed
        .as_ref()
        .and_then(|e| e.service_error_code.map(|c| c.to_string()))
        .or_else(|| named.map(str::to_owned))
        .and_then(|c| safe_code(&c));
    let upstream = parsed.as_ref().and_then(|e| e.message.as_deref());
    reason::log_upstream(P, upstream);
    if status == StatusCode::UPGRADE_REQUIRED || named == Some("NONEXISTENT_VERSION") {
        return ConnectError::RetiredVersion {
            platform: P,
            status: status.as_u16(),
            code: named.and_then(safe_code).or(code),
            version: None,
        };
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        if let Some(wait) = crate::retry::retry_after(headers) {
            return ConnectError::RateLimited {
                platform: P,
                status: status.as_u16(),
                code,
                message: reason::linkedin(named, false, status).to_owned(),
                retry_after: Some(wait),
            };
        }
        let message = reason::linkedin(named, true, status).to_owned();
        return quota_exhausted(P, status, headers, code, message, Quota::LINKEDIN_DAILY);
    }
    let message = reason::linkedin(named, false, status).to_owned();
    by_status(P, status, headers, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_version_is_the_table_s() {
        assert_eq!(
            crate::versions::default_version(Platform::LinkedIn).map(|v| v.version),
            Some(LINKEDIN_DEFAULT_VERSION)
        );
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn query_uses_restli_syntax() {
        let range = DateRange::new(d("2024-06-01"), d("2024-06-30")).expect("range");
        let q = analytics_query("5123", range);
        assert!(
            q.contains("&accounts=List(urn%3Ali%3AsponsoredAccount%3A5123)"),
            "{q}"
        );
        assert!(
            q.contains(
                "&dateRange=(start:(year:2024,month:6,day:1),end:(year:2024,month:6,day:30))"
            ),
            "{q}"
        );
        assert!(q.contains("pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)"));
        assert!(FIELDS.split(',').count() <= 20);
        // The url crate keeps it as written.
        let mut url = Url::parse("http://127.0.0.1/rest/adAnalytics").expect("url");
        url.set_query(Some(&q));
        assert_eq!(url.query(), Some(q.as_str()));
    }

    #[test]
    fn errors_are_classified() {
        let h = HeaderMap::new();
        let mut with_wait = HeaderMap::new();
        with_wait.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("7"),
        );
        let e = classify(
            StatusCode::TOO_MANY_REQUESTS,
            &with_wait,
            r#"{"serviceErrorCode":101,"message":"Resource level throttle limit for calls to this resource is reached.","status":429}"#,
        );
        assert!(
            matches!(e, ConnectError::RateLimited { ref code, .. } if code.as_deref() == Some("101"))
        );
        let e = classify(
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            r#"{"message":"Too many requests: APPLICATION_AND_MEMBER DAY limit reached","status":429}"#,
        );
        assert!(matches!(e, ConnectError::QuotaExhausted { .. }));
        // Without Retry-After even a throttle message is the daily limit; with one, it waits.
        let e = classify(
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            r#"{"serviceErrorCode":101,"message":"Resource level throttle limit for calls to this resource is reached.","status":429}"#,
        );
        assert!(
            matches!(e, ConnectError::QuotaExhausted { quota, .. } if quota == Quota::LINKEDIN_DAILY)
        );
        let e = classify(
            StatusCode::UPGRADE_REQUIRED,
            &h,
            r#"{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20240401 is not active"}"#,
        );
        assert!(e.is_retired_version(), "{e:?}");
        assert_eq!(
            e.with_version("202401").to_string(),
            "linkedin: HTTP 426, code NONEXISTENT_VERSION: the platform no longer serves API version 202401"
        );
        let e = classify(
            StatusCode::UNAUTHORIZED,
            &h,
            r#"{"message":"Expired access token","status":401,"code":"EXPIRED_ACCESS_TOKEN"}"#,
        );
        assert!(e.requires_reauthorization());
        assert!(e.to_string().contains("EXPIRED_ACCESS_TOKEN"));
    }
}
