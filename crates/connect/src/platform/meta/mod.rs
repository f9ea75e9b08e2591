//! Meta Marketing API Insights: campaign level, one row per day, cursor paging, long ranges in
//! windows, and asynchronous reports when a synchronous call times out.
//!
//! One module per responsibility: `insights` (a row and its conversions), `errors` (the error
//! codes), `report_run` (the asynchronous report lifecycle) and `oauth` (Meta Login).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Months, NaiveDate};
use secrecy::ExposeSecret;
use serde::Deserialize;
use spendlens_core::Platform;
use url::Url;

use crate::connector::{AccountInfo, Fetched, Notice, PlatformApi, finish_rows};
use crate::error::ConnectError;
use crate::http::{HttpClient, endpoint};
use crate::oauth::TokenSource;
use crate::window::DateRange;

mod errors;
mod insights;
mod oauth;
mod report_run;

pub use errors::is_rate_limit_code;
pub use insights::{Conversions, LEAD_ACTION_TYPES, PURCHASE_ACTION_TYPES};
pub use oauth::MetaOAuth;
pub use report_run::{MAX_POLL_PAUSE, MAX_REPORT_WAIT};

use insights::{FIELDS, InsightRow, InsightsPage, daily_row};

/// The production base URL.
pub const META_BASE_URL: &str = "https://graph.facebook.com/";
/// The Marketing API version used unless configured otherwise: the newest of the version table
/// (`crate::versions`). Also the version of the OAuth calls.
pub const META_DEFAULT_VERSION: &str = "v27.0";
/// Days per insights request: a long range is read window by window, so that one request stays
/// well inside what a synchronous call answers before it times out.
pub const META_WINDOW_DAYS: u32 = 30;

const P: Platform = Platform::Meta;
/// How far back Meta serves insights: "the start date of the time range cannot be beyond 37
/// months from the current date" (error 3018).
pub const META_RETENTION_MONTHS: u32 = 37;
/// A guard against a server that keeps handing out `next` links.
const MAX_PAGES: usize = 10_000;

/// Reads Insights for one ad account at campaign level with `time_increment=1`.
///
/// Every number arrives as a JSON string and is parsed as a decimal; spend is in the account
/// currency (`account_currency`); days are the ad account's time zone. Conversions follow each
/// campaign's objective unless the connection chose action types (see [`Conversions`]), under
/// unified attribution (each ad set's own setting, what Ads Manager shows). Meta has no refresh
/// tokens, so the token source is normally a [`crate::StaticToken`] holding a long-lived or
/// system-user token. The token is sent as a bearer header, never in the URL.
#[derive(Debug, Clone)]
pub struct MetaConnector {
    http: HttpClient,
    base_url: Url,
    version: String,
    token: Arc<dyn TokenSource>,
    page_size: u32,
    window_days: u32,
    conversions: Conversions,
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
            window_days: META_WINDOW_DAYS,
            conversions: Conversions::ByObjective,
        }
    }

    /// The Marketing API version (`v27.0`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Rows per page (`limit`, 100 by default).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Days per request ([`META_WINDOW_DAYS`] by default).
    pub fn with_window_days(mut self, days: u32) -> Self {
        self.window_days = days.max(1);
        self
    }

    /// Which action types are conversions (by objective unless the connection chose some).
    pub fn with_conversions(mut self, conversions: Conversions) -> Self {
        self.conversions = conversions;
        self
    }

    /// The `paging.next` link, checked and cleaned: it must point at the configured host (the
    /// bearer token is never sent elsewhere), and any `access_token` Meta echoed into it is
    /// removed so the token does not travel in a URL.
    ///
    /// Behind a proxy (a base other than [`META_BASE_URL`]) Meta still writes its own host into
    /// `next`, as a pass-through proxy leaves the answer as it is: such a link is followed
    /// through the configured base (its scheme, host, port and path prefix, then the link's path
    /// and query), never to Meta directly. A link to any other host is refused.
    fn next_url(&self, link: &str) -> Result<Url, ConnectError> {
        let url =
            Url::parse(link).map_err(|_| ConnectError::decode(P, "paging.next is not a URL"))?;
        let url = if url.origin() == self.base_url.origin() {
            url
        } else if is_graph_host(&url) && !is_graph_host(&self.base_url) {
            self.through_base(&url)
        } else {
            return Err(ConnectError::decode(
                P,
                "paging.next points at a different host than the configured base URL",
            ));
        };
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

    /// A Graph API URL's path and query on the configured base (`https://proxy/meta/` and
    /// `https://graph.facebook.com/v27.0/act_1/insights?after=X` give
    /// `https://proxy/meta/v27.0/act_1/insights?after=X`).
    fn through_base(&self, graph: &Url) -> Url {
        let mut out = self.base_url.clone();
        let prefix = self.base_url.path().trim_end_matches('/');
        out.set_path(&format!("{prefix}{}", graph.path()));
        out.set_query(graph.query());
        out.set_fragment(None);
        out
    }

    /// The first day Meta serves insights for, when the client knows today: 37 months back (the
    /// limit Meta states for its insights, error 3018), and a day more, since Meta counts from
    /// its own today and that may already be tomorrow in UTC.
    fn earliest_day(&self) -> Option<NaiveDate> {
        self.http
            .now()?
            .date_naive()
            .checked_sub_months(Months::new(META_RETENTION_MONTHS))?
            .succ_opt()
    }

    /// A GET with the bearer token; a retired-version answer names the version sent.
    async fn get(&self, url: &Url) -> Result<String, ConnectError> {
        self.http
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
                errors::classify,
            )
            .await
            .map_err(|e| e.with_version(&self.version))
    }

    /// The parameters of an insights request over `window` (the synchronous GET's query and the
    /// asynchronous POST's form alike).
    fn insights_params(&self, window: DateRange) -> Vec<(&'static str, String)> {
        vec![
            ("level", "campaign".to_owned()),
            ("time_increment", "1".to_owned()),
            (
                "time_range",
                format!(
                    r#"{{"since":"{}","until":"{}"}}"#,
                    window.start(),
                    window.end()
                ),
            ),
            ("fields", FIELDS.to_owned()),
            ("use_unified_attribution_setting", "true".to_owned()),
        ]
    }

    /// Every page from `first` on, following `paging.next`; a page Meta finds too heavy is asked
    /// for again with half the rows (what Airbyte does), down to one row.
    async fn read_pages(&self, first: Url) -> Result<Vec<InsightRow>, ConnectError> {
        let mut rows = Vec::new();
        let mut next = Some(first);
        let mut pages = 0usize;
        while let Some(mut page_url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ConnectError::decode(P, "paging did not end"));
            }
            let text = loop {
                match self.get(&page_url).await {
                    Err(e) if errors::is_too_much_data(&e) => {
                        match errors::halve_limit(&page_url) {
                            Some(smaller) => {
                                tracing::warn!(
                                    "Meta asked for less data per page; halving the page size"
                                );
                                page_url = smaller;
                            }
                            None => return Err(e),
                        }
                    }
                    other => break other?,
                }
            };
            let page: InsightsPage = serde_json::from_str(&text)
                .map_err(|e| ConnectError::decode(P, format!("insights response: {e}")))?;
            rows.extend(page.data);
            next = match page.paging.and_then(|p| p.next) {
                Some(link) => Some(self.next_url(&link)?),
                None => None,
            };
        }
        Ok(rows)
    }

    /// The rows of one window: synchronously; as an asynchronous report when the synchronous
    /// call times out; in two halves when the window holds more than one call may return.
    async fn window_rows(
        &self,
        account_id: &str,
        window: DateRange,
    ) -> Result<Vec<InsightRow>, ConnectError> {
        let mut rows = Vec::new();
        let mut pending = vec![window];
        while let Some(w) = pending.pop() {
            let mut url = endpoint(
                &self.base_url,
                &[&self.version, &format!("act_{account_id}"), "insights"],
            )?;
            url.query_pairs_mut()
                .extend_pairs(self.insights_params(w))
                .append_pair("limit", &self.page_size.to_string());
            match self.read_pages(url).await {
                Ok(read) => rows.extend(read),
                Err(e) if errors::asks_for_async(&e) => {
                    rows.extend(self.async_rows(account_id, w).await?);
                }
                Err(e) if errors::asks_for_shorter_range(&e) && w.days() > 1 => {
                    let half = u32::try_from(w.days() / 2).unwrap_or(1);
                    tracing::warn!(window = %w, "Meta's data-per-call limit: reading the window in halves");
                    pending.extend(w.chunks(half).into_iter().rev());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(rows)
    }
}

impl PlatformApi for MetaConnector {
    const PLATFORM: Platform = P;

    async fn fetch(&self, account: &str, range: DateRange) -> Result<Fetched, ConnectError> {
        let id = account_id(account)?;
        let mut notices = Vec::new();
        // Days older than Meta keeps are not asked for: Meta would refuse the whole range.
        let range = match self.earliest_day() {
            Some(earliest) if range.end() < earliest => {
                return Err(ConnectError::BeyondRetention {
                    platform: P,
                    months: META_RETENTION_MONTHS,
                    earliest,
                });
            }
            Some(earliest) if range.start() < earliest => {
                notices.push(Notice::MetaRetention {
                    requested: range.start(),
                    earliest,
                });
                DateRange::new(earliest, range.end()).unwrap_or(range)
            }
            _ => range,
        };
        let mut rows = Vec::new();
        let mut withheld_campaigns = BTreeSet::new();
        let mut withheld_days = 0u64;
        let windows = range.chunks(self.window_days);
        for window in &windows {
            for r in self.window_rows(id, *window).await? {
                let (row, withheld) = daily_row(r, &self.conversions)?;
                if withheld {
                    withheld_days += 1;
                    withheld_campaigns.insert(row.external_campaign_id.clone());
                }
                rows.push(row);
            }
        }
        tracing::debug!(rows = rows.len(), windows = windows.len(), %range, "Meta insights read");
        if withheld_days > 0 {
            notices.push(Notice::MixedAttribution {
                campaigns: withheld_campaigns
                    .into_iter()
                    .filter_map(|c| crate::error::safe_code(&c))
                    .collect(),
                days: withheld_days,
            });
        }
        Ok(Fetched {
            rows: finish_rows(P, range, rows)?,
            notices,
        })
    }

    /// `currency` and `timezone_name` of the ad account: Insights days are in that zone.
    async fn info(&self, account: &str) -> Result<AccountInfo, ConnectError> {
        let id = account_id(account)?;
        let mut url = endpoint(&self.base_url, &[&self.version, &format!("act_{id}")])?;
        url.query_pairs_mut()
            .append_pair("fields", "currency,timezone_name");
        let acct: AdAccount = serde_json::from_str(&self.get(&url).await?)
            .map_err(|e| ConnectError::decode(P, format!("ad account response: {e}")))?;
        Ok(AccountInfo {
            currency: acct.currency,
            time_zone: acct.timezone_name,
        })
    }
}

/// Whether `url` is the Graph API's own host (`https://graph.facebook.com`, default port).
fn is_graph_host(url: &Url) -> bool {
    url.scheme() == "https" && url.host_str() == Some("graph.facebook.com") && url.port().is_none()
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

/// Whether `action_type` can name a Meta action type (`offsite_conversion.custom.123`): what a
/// connection may choose as its conversions.
pub fn is_action_type(action_type: &str) -> bool {
    !action_type.is_empty()
        && action_type.len() <= 100
        && action_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.'))
}

#[derive(Debug, Deserialize)]
struct AdAccount {
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    timezone_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_version_is_the_table_s() {
        assert_eq!(
            crate::versions::default_version(P).map(|v| v.version),
            Some(META_DEFAULT_VERSION)
        );
        assert!(is_action_type("offsite_conversion.custom.1234567890"));
        assert!(!is_action_type("lead; drop") && !is_action_type(""));
    }
}
