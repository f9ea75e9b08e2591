//! Meta Marketing API Insights: campaign level, one row per day, cursor paging.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use spendlens_core::{DailyRow, Platform};
use url::Url;

use crate::connector::{AccountInfo, PlatformApi, finish_rows};
use crate::error::ConnectError;
use crate::http::{HttpClient, by_status, endpoint};
use crate::number;
use crate::oauth::{AuthorizationRequest, TokenSet, TokenSource};
use crate::reason;
use crate::window::DateRange;

/// The production base URL.
pub const META_BASE_URL: &str = "https://graph.facebook.com/";
/// The Graph API version used unless configured otherwise.
pub const META_DEFAULT_VERSION: &str = "v23.0";

const P: Platform = Platform::Meta;
const FIELDS: &str =
    "campaign_id,campaign_name,account_currency,spend,impressions,clicks,actions,action_values";
/// Purchase action types in order of preference. Meta reports one purchase under several types
/// with the same value (`purchase`, `omni_purchase`, the pixel type…): exactly one is read, the
/// first present, never their sum.
pub const PURCHASE_ACTION_TYPES: [&str; 4] = [
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
    "onsite_web_purchase",
];
/// The action type read as engagements.
const ENGAGEMENT_ACTION_TYPE: &str = "post_engagement";
/// A guard against a server that keeps handing out `next` links.
const MAX_PAGES: usize = 10_000;

/// Reads Insights for one ad account at campaign level with `time_increment=1`.
///
/// Every number arrives as a JSON string and is parsed as a decimal; spend is in the account
/// currency (`account_currency`); days are the ad account's time zone. Meta has no refresh
/// tokens, so the token source is normally a [`crate::StaticToken`] holding a long-lived or
/// system-user token. The token is sent as a bearer header, never in the URL.
#[derive(Debug, Clone)]
pub struct MetaConnector {
    http: HttpClient,
    base_url: Url,
    version: String,
    token: Arc<dyn TokenSource>,
    page_size: u32,
}

impl MetaConnector {
    /// A connector against `base_url` ([`META_BASE_URL`] in production).
    pub fn new(http: HttpClient, base_url: Url, token: Arc<dyn TokenSource>) -> Self {
        MetaConnector {
            http,
            base_url,
            version: META_DEFAULT_VERSION.into(),
            token,
            page_size: 100,
        }
    }

    /// The Graph API version (`v23.0`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Rows per page (`limit`, 100 by default).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The `paging.next` link, checked and cleaned: it must point at the configured host (the
    /// bearer token is never sent elsewhere), and any `access_token` Meta echoed into it is
    /// removed so the token does not travel in a URL.
    fn next_url(&self, link: &str) -> Result<Url, ConnectError> {
        let url =
            Url::parse(link).map_err(|_| ConnectError::decode(P, "paging.next is not a URL"))?;
        if url.origin() != self.base_url.origin() {
            return Err(ConnectError::decode(
                P,
                "paging.next points at a different host than the configured base URL",
            ));
        }
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "access_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut clean = url;
        clean.set_query(None);
        if !pairs.is_empty() {
            clean.query_pairs_mut().extend_pairs(pairs);
        }
        Ok(clean)
    }
}

impl PlatformApi for MetaConnector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, account: &str, range: DateRange) -> Result<Vec<DailyRow>, ConnectError> {
        let id = account_id(account)?;
        let mut url = endpoint(
            &self.base_url,
            &[&self.version, &format!("act_{id}"), "insights"],
        )?;
        url.query_pairs_mut()
            .append_pair("level", "campaign")
            .append_pair("time_increment", "1")
            .append_pair(
                "time_range",
                &format!(
                    r#"{{"since":"{}","until":"{}"}}"#,
                    range.start(),
                    range.end()
                ),
            )
            .append_pair("fields", FIELDS)
            .append_pair("limit", &self.page_size.to_string());
        let mut rows = Vec::new();
        let mut next = Some(url);
        let mut pages = 0usize;
        while let Some(mut page_url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectError::decode(P, "paging did not end"));
            }
            let text = loop {
                let result = self
                    .http
                    .send(
                        P,
                        Some(self.token.as_ref()),
                        |c, t| {
                            let mut r = c.get(page_url.clone());
                            if let Some(t) = t {
                                r = r.bearer_auth(t.expose_secret());
                            }
                            r
                        },
                        classify,
                    )
                    .await;
                match result {
                    // Meta's answer to a page that is too heavy: ask again for half as many rows
                    // (what Airbyte does); a one-row page that is still too heavy fails.
                    Err(e) if is_too_much_data(&e) => match halve_limit(&page_url) {
                        Some(smaller) => {
                            tracing::warn!(
                                "Meta asked for less data per page; halving the page size"
                            );
                            page_url = smaller;
                        }
                        None => return Err(e),
                    },
                    other => break other?,
                }
            };
            let page: InsightsPage = serde_json::from_str(&text)
                .map_err(|e| ConnectError::decode(P, format!("insights response: {e}")))?;
            for r in page.data {
                rows.push(daily_row(r)?);
            }
            next = match page.paging.and_then(|p| p.next) {
                Some(link) => Some(self.next_url(&link)?),
                None => None,
            };
        }
        tracing::debug!(rows = rows.len(), pages, %range, "Meta insights read");
        finish_rows(P, range, rows)
    }

    /// `currency` and `timezone_name` of the ad account: Insights days are in that zone.
    async fn info(&self, account: &str) -> Result<AccountInfo, ConnectError> {
        let id = account_id(account)?;
        let mut url = endpoint(&self.base_url, &[&self.version, &format!("act_{id}")])?;
        url.query_pairs_mut()
            .append_pair("fields", "currency,timezone_name");
        let text = self
            .http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c.get(url.clone());
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify,
            )
            .await?;
        let acct: AdAccount = serde_json::from_str(&text)
            .map_err(|e| ConnectError::decode(P, format!("ad account response: {e}")))?;
        Ok(AccountInfo {
            currency: acct.currency,
            time_zone: acct.timezone_name,
        })
    }
}

/// The digits of an ad account id written with or without `act_`.
fn account_id(account: &str) -> Result<&str, ConnectError> {
    let id = account.trim().trim_start_matches("act_");
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConnectError::Config(format!(
            "Meta ad account id must be digits (optionally act_…), got {account:?}"
        )));
    }
    Ok(id)
}

#[derive(Debug, Deserialize)]
struct AdAccount {
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    timezone_name: Option<String>,
}

/// Meta Login's authorisation-code flow. Meta has no refresh tokens: the code is exchanged for a
/// short-lived user token, which is exchanged at once for a long-lived one (about 60 days) that
/// the user renews by logging in again; [`TokenSet::expires_within`] tells when to ask (dlt warns
/// 7 days ahead).
///
/// The token endpoint is called with GET and the app secret in the query, as Meta documents it:
/// the URL is therefore never logged and is stripped from every error.
#[derive(Debug, Clone)]
pub struct MetaOAuth {
    pub app_id: String,
    pub app_secret: SecretString,
    pub redirect_url: Url,
    pub scopes: Vec<String>,
    /// `https://www.facebook.com/` in production (the dialog lives at `/{version}/dialog/oauth`).
    pub dialog_base: Url,
    /// [`META_BASE_URL`] in production.
    pub graph_base: Url,
    pub version: String,
}

#[derive(Debug, Deserialize)]
struct MetaToken {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl MetaOAuth {
    /// The production endpoints and [`META_DEFAULT_VERSION`].
    pub fn new(
        app_id: impl Into<String>,
        app_secret: SecretString,
        redirect_url: Url,
        scopes: Vec<String>,
    ) -> Result<Self, ConnectError> {
        let parse = |s: &str| {
            Url::parse(s).map_err(|e| ConnectError::Config(format!("invalid URL {s:?}: {e}")))
        };
        Ok(MetaOAuth {
            app_id: app_id.into(),
            app_secret,
            redirect_url,
            scopes,
            dialog_base: parse("https://www.facebook.com/")?,
            graph_base: parse(META_BASE_URL)?,
            version: META_DEFAULT_VERSION.into(),
        })
    }

    /// The same app against other endpoints (a mock server in tests).
    pub fn with_endpoints(mut self, dialog_base: Url, graph_base: Url) -> Self {
        self.dialog_base = dialog_base;
        self.graph_base = graph_base;
        self
    }

    /// The login dialog URL with a random `state` (Meta's web flow has no PKCE).
    pub fn authorization_request(&self) -> Result<AuthorizationRequest, ConnectError> {
        let state = oauth2::CsrfToken::new_random();
        let mut url = endpoint(&self.dialog_base, &[&self.version, "dialog", "oauth"])?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.app_id)
            .append_pair("redirect_uri", self.redirect_url.as_str())
            .append_pair("state", state.secret())
            .append_pair("response_type", "code")
            .append_pair("scope", &self.scopes.join(","));
        Ok(AuthorizationRequest {
            url,
            state: SecretString::from(state.secret().to_owned()),
            pkce_verifier: None,
        })
    }

    /// Exchange the callback's `code` for a long-lived user token (two calls).
    pub async fn exchange_code(
        &self,
        http: &HttpClient,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let short = self
            .token_call(
                http,
                &[
                    ("client_id", self.app_id.as_str()),
                    ("redirect_uri", self.redirect_url.as_str()),
                    ("client_secret", self.app_secret.expose_secret()),
                    ("code", code),
                ],
                now,
            )
            .await?;
        self.long_lived(http, &short.access_token, now).await
    }

    /// Exchange a short-lived user token for a long-lived one (`fb_exchange_token`).
    pub async fn long_lived(
        &self,
        http: &HttpClient,
        short_lived: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        self.token_call(
            http,
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.app_secret.expose_secret()),
                ("fb_exchange_token", short_lived.expose_secret()),
            ],
            now,
        )
        .await
    }

    async fn token_call(
        &self,
        http: &HttpClient,
        params: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ConnectError> {
        let url = endpoint(&self.graph_base, &[&self.version, "oauth", "access_token"])?;
        let text = http
            .send(P, None, |c, _| c.get(url.clone()).query(params), classify)
            .await?;
        let token: MetaToken = serde_json::from_str(&text)
            .map_err(|_| ConnectError::decode(P, "the token response is not a Graph API token"))?;
        Ok(TokenSet {
            access_token: SecretString::from(token.access_token),
            refresh_token: None,
            expires_at: token
                .expires_in
                .and_then(|s| now.checked_add_signed(TimeDelta::seconds(s))),
            scopes: self.scopes.clone(),
        })
    }
}

#[derive(Debug, Deserialize)]
struct InsightsPage {
    #[serde(default)]
    data: Vec<InsightRow>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
struct Paging {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct InsightRow {
    campaign_id: String,
    date_start: String,
    date_stop: String,
    #[serde(default)]
    account_currency: Option<String>,
    #[serde(default)]
    spend: Option<String>,
    #[serde(default)]
    impressions: Option<String>,
    #[serde(default)]
    clicks: Option<String>,
    #[serde(default)]
    actions: Vec<ActionStat>,
    #[serde(default)]
    action_values: Vec<ActionStat>,
}

/// `{"action_type":"omni_purchase","value":"6"}`, possibly with per-window keys beside `value`.
#[derive(Debug, Deserialize)]
struct ActionStat {
    action_type: String,
    value: String,
}

/// The value of the first preferred action type present, or zero.
fn pick(stats: &[ActionStat], types: &[&str], field: &str) -> Result<Decimal, ConnectError> {
    for t in types {
        if let Some(s) = stats.iter().find(|s| s.action_type == *t) {
            return number::decimal(P, field, &s.value);
        }
    }
    Ok(Decimal::ZERO)
}

fn daily_row(r: InsightRow) -> Result<DailyRow, ConnectError> {
    if r.date_start != r.date_stop {
        return Err(ConnectError::decode(
            P,
            "a row spans more than one day (time_increment ignored)",
        ));
    }
    let date = NaiveDate::parse_from_str(&r.date_start, "%Y-%m-%d").map_err(|_| {
        ConnectError::decode(P, format!("date_start {:?} is not a date", r.date_start))
    })?;
    let mut out = DailyRow::empty(date, P, r.campaign_id);
    if let Some(s) = &r.spend {
        out.spend = number::decimal(P, "spend", s)?;
    }
    if let Some(s) = &r.impressions {
        out.impressions = number::count(P, "impressions", s)?;
    }
    if let Some(s) = &r.clicks {
        out.clicks = number::count(P, "clicks", s)?;
    }
    out.engagements = match r
        .actions
        .iter()
        .find(|a| a.action_type == ENGAGEMENT_ACTION_TYPE)
    {
        Some(a) => number::count(P, "actions.post_engagement", &a.value)?,
        None => 0,
    };
    out.conversions = pick(&r.actions, &PURCHASE_ACTION_TYPES, "actions")?;
    out.conversion_value = Some(pick(
        &r.action_values,
        &PURCHASE_ACTION_TYPES,
        "action_values",
    )?);
    out.currency = r.account_currency;
    Ok(out)
}

/// `{"error":{"message":…,"type":"OAuthException","code":17,"error_subcode":2446079,"is_transient":true,…}}`
#[derive(Debug, Deserialize)]
struct Envelope {
    error: MetaError,
}

#[derive(Debug, Deserialize)]
struct MetaError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: Option<bool>,
}

/// Meta's "Please reduce the amount of data you're asking for, then retry your request" (code 1,
/// HTTP 500): retrying the same page cannot help, a smaller page can.
const TOO_MUCH_DATA: &str = "reduce the amount of data";

fn is_too_much_data(e: &ConnectError) -> bool {
    matches!(e, ConnectError::Api { message, .. } if message == reason::META_TOO_MUCH_DATA)
}

/// The same page URL with half the `limit`, or `None` when it is already 1 (or absent).
fn halve_limit(url: &Url) -> Option<Url> {
    let limit: u32 = url
        .query_pairs()
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse().ok())?;
    if limit <= 1 {
        return None;
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "limit" {
                (limit / 2).to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.set_query(None);
    out.query_pairs_mut().extend_pairs(pairs);
    Some(out)
}

/// Whether a Meta error code means "slow down": application (4), account (17), page (32) and
/// API (613) limits and the 80000-range business-use-case throttles.
pub fn is_rate_limit_code(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613 | 80_000..=80_014)
}

/// Meta's errors are branched on `error.code`, not on the HTTP status (throttling comes as 400).
fn classify(status: StatusCode, headers: &HeaderMap, body: &str) -> ConnectError {
    let Ok(Envelope { error }) = serde_json::from_str::<Envelope>(body) else {
        return by_status(
            P,
            status,
            headers,
            None,
            reason::by_status(status).to_owned(),
        );
    };
    let code = error.code.map(|c| match error.error_subcode {
        Some(sub) => format!("{c}/{sub}"),
        None => c.to_string(),
    });
    let upstream = error.message.as_deref().unwrap_or_default();
    reason::log_upstream(P, Some(upstream));
    let too_much_data = error.code == Some(1) && upstream.contains(TOO_MUCH_DATA);
    let message = if too_much_data {
        reason::META_TOO_MUCH_DATA
    } else {
        reason::meta(error.code, error.error_subcode, status)
    }
    .to_owned();
    let s = status.as_u16();
    match error.code {
        Some(190 | 102) => ConnectError::Unauthorized {
            platform: P,
            status: s,
            code,
            message,
        },
        Some(c) if is_rate_limit_code(c) => ConnectError::RateLimited {
            platform: P,
            status: s,
            code,
            message,
            retry_after: crate::retry::retry_after(headers).or_else(|| regain_access(headers)),
        },
        Some(1) if too_much_data => ConnectError::Api {
            platform: P,
            status: s,
            code,
            message,
        },
        Some(1 | 2) => ConnectError::Unavailable {
            platform: P,
            status: s,
            code,
            message,
        },
        _ if error.is_transient == Some(true) => ConnectError::Unavailable {
            platform: P,
            status: s,
            code,
            message,
        },
        _ => {
            let mut e = by_status(P, status, headers, code, message);
            if let ConnectError::RateLimited { retry_after, .. } = &mut e {
                *retry_after = retry_after.or_else(|| regain_access(headers));
            }
            e
        }
    }
}

/// The longest `estimated_time_to_regain_access` (minutes) in `x-business-use-case-usage`.
fn regain_access(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get("x-business-use-case-usage")?.to_str().ok()?;
    let usage: serde_json::Value = serde_json::from_str(raw).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|e| e.get("estimated_time_to_regain_access")?.as_u64())
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use rust_decimal_macros::dec;

    #[test]
    fn purchases_are_not_double_counted() {
        let row: InsightRow = serde_json::from_value(serde_json::json!({
            "campaign_id": "1", "date_start": "2024-06-01", "date_stop": "2024-06-01",
            "spend": "84.53", "impressions": "10234", "clicks": "187", "account_currency": "USD",
            "actions": [
                {"action_type": "link_click", "value": "143"},
                {"action_type": "post_engagement", "value": "150"},
                {"action_type": "purchase", "value": "6"},
                {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "6"},
                {"action_type": "omni_purchase", "value": "6", "7d_click": "5", "1d_view": "1"}
            ],
            "action_values": [
                {"action_type": "purchase", "value": "412.8"},
                {"action_type": "omni_purchase", "value": "412.8"}
            ]
        }))
        .expect("row");
        let out = daily_row(row).expect("ok");
        assert_eq!(out.conversions, dec!(6));
        assert_eq!(out.conversion_value, Some(dec!(412.8)));
        assert_eq!(out.spend, dec!(84.53));
        assert_eq!(out.engagements, 150);
    }

    #[test]
    fn purchase_falls_back_to_the_next_type() {
        let stats = vec![ActionStat {
            action_type: "purchase".into(),
            value: "4".into(),
        }];
        assert_eq!(
            pick(&stats, &PURCHASE_ACTION_TYPES, "a").expect("ok"),
            dec!(4)
        );
        assert_eq!(pick(&[], &PURCHASE_ACTION_TYPES, "a").expect("ok"), dec!(0));
    }

    #[test]
    fn throttling_codes_are_rate_limits_with_the_usage_wait() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"123":[{"type":"ads_insights","call_count":100,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":1}]}"#),
        );
        let body = r#"{"error":{"message":"(#17) User request limit reached","type":"OAuthException","is_transient":true,"code":17,"error_subcode":2446079,"fbtrace_id":"AbC"}}"#;
        match classify(StatusCode::BAD_REQUEST, &h, body) {
            ConnectError::RateLimited {
                code,
                retry_after,
                status,
                ..
            } => {
                assert_eq!(code.as_deref(), Some("17/2446079"));
                assert_eq!(retry_after, Some(Duration::from_secs(60)));
                assert_eq!(status, 400);
            }
            other => panic!("unexpected {other:?}"),
        }
        for code in [4, 32, 613, 80000, 80004, 80014] {
            assert!(is_rate_limit_code(code), "{code}");
        }
        assert!(!is_rate_limit_code(100) && !is_rate_limit_code(80_015));
        let expired = r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}"#;
        assert!(
            classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), expired)
                .requires_reauthorization()
        );
        let transient = r#"{"error":{"message":"(#2) Service temporarily unavailable","type":"OAuthException","is_transient":true,"code":2}}"#;
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), transient),
            ConnectError::Unavailable { .. }
        ));
        let invalid = r#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}"#;
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), invalid),
            ConnectError::Api { .. }
        ));
    }
}
