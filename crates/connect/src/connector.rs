//! The [`Connector`] trait every platform client implements, the `PlatformApi` half each
//! platform writes, and the checks a fetch result passes.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;

use chrono::NaiveDate;
use spendlens_core::{DailyRow, Platform};

use crate::error::ConnectError;
use crate::retry::BoxFuture;
use crate::window::DateRange;

/// What the platform says about an account that the sync needs besides the rows.
///
/// `time_zone` (an IANA name such as `America/Los_Angeles`) decides which calendar day is
/// "today" for [`crate::sync_window`]: every platform reports days in its own zone (LinkedIn in
/// UTC, Meta in the ad account's, Google Ads in the customer's, GA4 in the property's), and days
/// cannot be converted between zones afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountInfo {
    /// ISO 4217 code of the money the account reports (`None` where the platform has none, as in
    /// a spreadsheet).
    pub currency: Option<String>,
    /// IANA time zone of the account's reporting days.
    pub time_zone: Option<String>,
}

/// What a fetch found that the rows alone do not say, in our words: the app shows it on the
/// connection until the next sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Meta withheld the conversions of campaigns whose ad sets mix attribution settings (its
    /// unified attribution cannot add them up). A daily row's conversion count cannot be
    /// unknown, so those campaign-days carry 0 conversions and no conversion value: their
    /// conversions are missing from the totals, CPA and ROAS, and the notice says so rather
    /// than letting the 0 pass for a fact.
    MixedAttribution {
        /// The Meta campaign ids concerned (digits), sorted.
        campaigns: Vec<String>,
        /// How many campaign-days were affected.
        days: u64,
    },
    /// The range started before the oldest day Meta keeps insights for (37 months back), so the
    /// fetch read from that day on: the older days were not asked for, and none is stored.
    MetaRetention {
        /// The first day asked for.
        requested: NaiveDate,
        /// The first day read.
        earliest: NaiveDate,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::MixedAttribution { campaigns, days } => {
                let shown: Vec<&str> = campaigns.iter().take(5).map(String::as_str).collect();
                let more = campaigns.len().saturating_sub(shown.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                write!(
                    f,
                    "Meta withheld the conversions of {days} campaign-day(s) because the ad sets of campaign(s) {}{more} mix attribution settings: those days are stored with 0 conversions and no conversion value, so the conversions, CPA and ROAS shown miss those days' conversions; give each campaign's ad sets one attribution setting to get them",
                    shown.join(", ")
                )
            }
            Notice::MetaRetention {
                requested,
                earliest,
            } => write!(
                f,
                "Meta keeps insights for 37 months: the days from {requested} up to the day before {earliest} were not read, and this sync starts on {earliest}"
            ),
        }
    }
}

/// The rows of a range and what the platform said about them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetched {
    /// Every row of the range, checked and sorted (see [`Connector::fetch_daily`]).
    pub rows: Vec<DailyRow>,
    pub notices: Vec<Notice>,
}

impl From<Vec<DailyRow>> for Fetched {
    fn from(rows: Vec<DailyRow>) -> Self {
        Fetched {
            rows,
            notices: Vec::new(),
        }
    }
}

/// A platform API client that returns normalised daily rows.
///
/// Architecture Invariant: `fetch_daily` returns **every** row for the range or an error, never a
/// partial result: paging, chunking and retries happen inside, and any failure on any page fails
/// the whole call. That is what lets the sync replace the stored window in one transaction and
/// leave it untouched when a sync fails.
///
/// Object-safe (returns a boxed future) so the scheduler can hold `Box<dyn Connector>` per
/// connection.
pub trait Connector: Send + Sync + std::fmt::Debug {
    /// The platform the rows belong to.
    fn platform(&self) -> Platform;

    /// The rows for `account` over `range` (both days included), sorted by date then campaign.
    ///
    /// `account` is the platform's own identifier: the LinkedIn sponsored account id, the Meta
    /// ad account id (with or without `act_`), the GA4 property id, the Google Ads customer id
    /// (dashes allowed) or the spreadsheet id.
    fn fetch_daily<'a>(
        &'a self,
        account: &'a str,
        range: DateRange,
    ) -> BoxFuture<'a, Result<Vec<DailyRow>, ConnectError>> {
        Box::pin(async move { self.fetch_report(account, range).await.map(|f| f.rows) })
    }

    /// [`Connector::fetch_daily`] with the notices the platform's answers gave rise to (what the
    /// sync records on the connection).
    fn fetch_report<'a>(
        &'a self,
        account: &'a str,
        range: DateRange,
    ) -> BoxFuture<'a, Result<Fetched, ConnectError>>;

    /// The account's currency and reporting time zone (one cheap call).
    fn account_info<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<AccountInfo, ConnectError>>;
}

/// The per-platform half of a [`Connector`]: which platform, how to read a window of rows and
/// how to read the account's facts, as plain `async fn`s.
///
/// Every platform client implements this and gets [`Connector`] from the one blanket impl below,
/// which boxes the futures for `dyn Connector`. Why the split: the boxing is the same for every
/// platform and was written out five times; keeping [`Connector`] itself object-safe (rather
/// than making it this trait) is what lets the scheduler hold one `Box<dyn Connector>` per
/// connection.
pub(crate) trait PlatformApi: Send + Sync + std::fmt::Debug {
    /// The platform the rows belong to.
    const PLATFORM: Platform;

    /// [`Connector::fetch_report`]: every row of `range`, checked by [`finish_rows`], or an error.
    fn fetch(
        &self,
        account: &str,
        range: DateRange,
    ) -> impl Future<Output = Result<Fetched, ConnectError>> + Send;

    /// [`Connector::account_info`]: the account's currency and reporting time zone.
    fn info(&self, account: &str)
    -> impl Future<Output = Result<AccountInfo, ConnectError>> + Send;
}

impl<T: PlatformApi> Connector for T {
    fn platform(&self) -> Platform {
        T::PLATFORM
    }

    fn fetch_report<'a>(
        &'a self,
        account: &'a str,
        range: DateRange,
    ) -> BoxFuture<'a, Result<Fetched, ConnectError>> {
        Box::pin(self.fetch(account, range))
    }

    fn account_info<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<AccountInfo, ConnectError>> {
        Box::pin(self.info(account))
    }
}

/// Check and order a fetch result: every row inside `range`, no natural key twice.
///
/// A platform that returns a row twice or outside the requested days is answering a different
/// question than the one asked, so the fetch is refused rather than guessed at.
pub(crate) fn finish_rows(
    platform: Platform,
    range: DateRange,
    mut rows: Vec<DailyRow>,
) -> Result<Vec<DailyRow>, ConnectError> {
    let mut seen = HashSet::with_capacity(rows.len());
    for row in &rows {
        if !range.contains(row.date) {
            return Err(ConnectError::decode(
                platform,
                format!(
                    "row for {} is outside the requested range {range}",
                    row.date
                ),
            ));
        }
        if !seen.insert((row.date, row.external_campaign_id.clone())) {
            return Err(ConnectError::decode(
                platform,
                format!(
                    "campaign {:?} appears twice on {}",
                    row.external_campaign_id, row.date
                ),
            ));
        }
    }
    rows.sort_by(|a, b| (a.date, &a.external_campaign_id).cmp(&(b.date, &b.external_campaign_id)));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn rows_are_sorted_and_checked() {
        let range = DateRange::new(d("2024-06-01"), d("2024-06-02")).expect("range");
        let rows = vec![
            DailyRow::empty(d("2024-06-02"), Platform::Meta, "a"),
            DailyRow::empty(d("2024-06-01"), Platform::Meta, "b"),
            DailyRow::empty(d("2024-06-01"), Platform::Meta, "a"),
        ];
        let out = finish_rows(Platform::Meta, range, rows).expect("ok");
        let keys: Vec<_> = out
            .iter()
            .map(|r| (r.date, r.external_campaign_id.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                (d("2024-06-01"), "a"),
                (d("2024-06-01"), "b"),
                (d("2024-06-02"), "a")
            ]
        );

        let dup = vec![
            DailyRow::empty(d("2024-06-01"), Platform::Meta, "a"),
            DailyRow::empty(d("2024-06-01"), Platform::Meta, "a"),
        ];
        assert!(finish_rows(Platform::Meta, range, dup).is_err());
        let outside = vec![DailyRow::empty(d("2024-06-03"), Platform::Meta, "a")];
        assert!(finish_rows(Platform::Meta, range, outside).is_err());
    }
}
