//! Reading daily rows: per-platform totals up to a day and the daily series of a campaign,
//! aggregated in SQL.
//!
//! `monthly_totals` holds each month's sums per platform, rewritten with the rows (see
//! [`crate::imports`]), so a total up to any day reads closed months plus at most a month of days
//! whatever the campaign's length.

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_core::daily::{DailyKey, DailyRow};
use spendlens_core::platform::Platform;
use spendlens_core::totals::PlatformTotals;

use crate::Result;

/// The first and last day of the months spanning `from..=to`, and their 'YYYY-MM' names: the
/// rows a monthly sum covers, and its key.
pub(crate) fn month_span(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate, String, String) {
    let first = from.with_day(1).unwrap_or(from);
    let last = to
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .and_then(|d| d.pred_opt())
        .unwrap_or(to);
    (
        first,
        last,
        first.format("%Y-%m").to_string(),
        last.format("%Y-%m").to_string(),
    )
}

/// `SUM(column)` as two sums that cannot overflow: of the whole units (`column / 1000000`) and of
/// the micros left over (`column % 1000000`), named `{alias}_hi` and `{alias}_lo` and added back
/// exactly in Rust by [`sum_of`]. The writes keep every campaign's totals far inside `i64` (see
/// `spendlens_core::limits`), but rows stored before the caps, or written around them, must not
/// turn a read into an error: an `i64` sum of such rows overflows (SQLite raises "integer
/// overflow", PostgreSQL's cast "bigint out of range"), while these parts stay inside `i64` for
/// any campaign below a million rows of the largest storable value. Both backends divide and
/// take the remainder of integers the same way (truncating toward zero).
pub(crate) fn split_sum(column: &str, alias: &str) -> String {
    format!(
        "CAST(SUM({column} / 1000000) AS BIGINT) AS {alias}_hi, \
         CAST(SUM({column} % 1000000) AS BIGINT) AS {alias}_lo"
    )
}

/// The exact sum a [`split_sum`] read as `alias`; `None` when every summed value was NULL.
pub(crate) fn sum_of<R>(row: &R, alias: &str) -> Result<Option<i128>>
where
    R: sqlx::Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let hi: Option<i64> = row.try_get(format!("{alias}_hi").as_str())?;
    let lo: Option<i64> = row.try_get(format!("{alias}_lo").as_str())?;
    Ok(match (hi, lo) {
        (None, None) => None,
        (hi, lo) => Some(i128::from(hi.unwrap_or(0)) * 1_000_000 + i128::from(lo.unwrap_or(0))),
    })
}

/// Exact micros back to a decimal without trailing zeros (what `Decimal::normalize` gives),
/// saturating beyond `Decimal`'s range (which no sum of `i64` values below 2⁹⁶ micros reaches).
/// A value that fits `i64` (every stored row, and any real sum) has its zeros stripped from the
/// integer: a report reads millions of values, and `normalize`'s division loop cost more than
/// the read of each.
pub(crate) fn decimal_of_micros(micros: i128) -> Decimal {
    let Ok(mut mantissa) = i64::try_from(micros) else {
        return Decimal::try_from_i128_with_scale(micros, 6)
            .map(|d| d.normalize())
            .unwrap_or(if micros < 0 {
                Decimal::MIN
            } else {
                Decimal::MAX
            });
    };
    let mut scale = 6u32;
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Decimal::new(mantissa, scale)
}

/// A summed count, saturating at `u64::MAX` (negative counts cannot be written and read as 0).
pub(crate) fn count_of(sum: i128) -> u64 {
    u64::try_from(sum.max(0)).unwrap_or(u64::MAX)
}

/// Aggregated reads of a campaign's daily rows.
#[async_trait]
pub trait MetricStore: Send + Sync {
    /// Per-platform sums of every stored day up to and including `up_to` (aggregated in SQL).
    async fn platform_totals(
        &self,
        org: &OrgId,
        id: &CampaignId,
        up_to: NaiveDate,
    ) -> Result<Vec<PlatformTotals>>;

    /// The campaign's days from `from` to `to` (inclusive), one row per day and platform (external
    /// campaigns summed, `external_campaign_id` empty), ordered by date then platform. Empty for
    /// another organisation's campaign.
    async fn daily_series(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRow>>;

    /// The names of the organisation's other campaigns (at most three, by name) with rows of
    /// `platform` dated from `from` to `to`: who else ran the platform then. Empty for another
    /// organisation's campaign.
    async fn others_on_platform(
        &self,
        org: &OrgId,
        id: &CampaignId,
        platform: Platform,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<String>>;

    /// The spend of each stored row of the campaign's days from `from` to `to`, by its key (day,
    /// platform, external campaign): what an import of those keys would replace. Empty for
    /// another organisation's campaign.
    async fn stored_spend(
        &self,
        org: &OrgId,
        id: &CampaignId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(DailyKey, Decimal)>>;
}

/// The stored rows of a campaign's days (`$1` organisation, `$2` campaign, `$3`..=`$4` days)
/// in key order (campaign, date, platform, external campaign), for [`DaySeries`] to sum per day
/// and platform: SQLite's GROUP BY with split sums cost about four times the read itself.
pub(crate) const DAILY_SERIES_SQL: &str = "SELECT date, platform, spend_micros, impressions, engagements, clicks, \
     conversions_micros, conversion_value_micros, revenue_micros, currency \
     FROM daily_metrics WHERE campaign_id = $2 AND date >= $3 AND date <= $4 \
     AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
     ORDER BY date, platform";

/// The daily series being read: stored rows, in key order, summed per day and platform as
/// they come (the day and platform being summed kept open, every earlier one already a row).
pub(crate) struct DaySeries {
    open: Option<DaySums>,
    rows: Vec<DailyRow>,
    /// The series' last day, for the room its rows will take.
    to: NaiveDate,
    /// Whether room was made (once the first day is complete).
    sized: bool,
}

/// The most rows [`DaySeries`] makes room for ahead (the vector grows as usual past it).
const ROOM_AHEAD: usize = 1 << 16;

impl DaySeries {
    /// A series whose days end at `to`.
    pub(crate) fn new(to: NaiveDate) -> Self {
        DaySeries {
            open: None,
            rows: Vec::new(),
            to,
            sized: false,
        }
    }

    /// Adds a stored row of `date` and `platform`: its seven metrics in the order of
    /// `DAILY_SERIES_SQL`, its currency.
    pub(crate) fn add(
        &mut self,
        date: NaiveDate,
        platform: Platform,
        values: [Option<i64>; 7],
        currency: Option<&str>,
    ) {
        let same = self
            .open
            .as_ref()
            .is_some_and(|g| g.date == date && g.platform == platform);
        if !same {
            let next = DaySums {
                date,
                platform,
                sums: [None; 7],
                currency: None,
            };
            if let Some(done) = self.open.replace(next) {
                let next_day = done.date != date;
                self.rows.push(done.row());
                // The first day complete: room for as many rows a day up to `to` (a campaign's
                // days are steady, and doubling a vector of thousands of rows copied it about
                // twice over).
                if next_day && !self.sized {
                    self.sized = true;
                    let days = usize::try_from((self.to - date).num_days() + 1).unwrap_or(0);
                    self.rows
                        .reserve(days.saturating_mul(self.rows.len()).min(ROOM_AHEAD));
                }
            }
        }
        if let Some(open) = self.open.as_mut() {
            open.add(values, currency);
        }
    }

    /// One row per day and platform, in key order.
    pub(crate) fn finish(mut self) -> Vec<DailyRow> {
        if let Some(done) = self.open.take() {
            self.rows.push(done.row());
        }
        self.rows
    }
}

/// One day and platform's stored rows summed in exact i128 micros (`SUM` and `MIN(currency)`
/// as SQL would: a sum of only missing values is missing).
struct DaySums {
    date: NaiveDate,
    platform: Platform,
    sums: [Option<i128>; 7],
    currency: Option<String>,
}

impl DaySums {
    /// Adds a stored row: its seven metrics in the order of `DAILY_SERIES_SQL`, its currency.
    fn add(&mut self, values: [Option<i64>; 7], currency: Option<&str>) {
        for (slot, value) in self.sums.iter_mut().zip(values) {
            if let Some(v) = value {
                *slot = Some(slot.unwrap_or(0) + i128::from(v));
            }
        }
        if let Some(c) = currency
            && self.currency.as_deref().is_none_or(|mine| c < mine)
        {
            self.currency = Some(c.to_owned());
        }
    }

    /// The summed day as a row (no external campaign: they are summed).
    fn row(self) -> DailyRow {
        let [
            spend,
            impressions,
            engagements,
            clicks,
            conversions,
            conversion_value,
            revenue,
        ] = self.sums;
        let money = |v: Option<i128>| decimal_of_micros(v.unwrap_or(0));
        let count = |v: Option<i128>| count_of(v.unwrap_or(0));
        DailyRow {
            date: self.date,
            platform: self.platform,
            external_campaign_id: String::new(),
            spend: money(spend),
            impressions: count(impressions),
            engagements: count(engagements),
            clicks: count(clicks),
            conversions: money(conversions),
            conversion_value: conversion_value.map(decimal_of_micros),
            revenue: revenue.map(decimal_of_micros),
            currency: self.currency,
        }
    }
}

/// Implements [`MetricStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the
/// same portable SQL on both backends.
macro_rules! impl_metric_store {
    ($store:ty, $db:ty) => {
        mod metric_store_impl {
            use async_trait::async_trait;
            use chrono::NaiveDate;
            use spendlens_core::campaign::{CampaignId, OrgId};
            use spendlens_core::daily::DailyRow;
            use spendlens_core::platform::Platform;
            use spendlens_core::totals::PlatformTotals;
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::metrics::{DAILY_SERIES_SQL, DaySeries, MetricStore, count_of, decimal_of_micros, month_span, split_sum, sum_of};
            use crate::micros::from_count;
            use crate::{Result, StoreError};

            /// The aliases of the summed metrics, in the order of the sums read.
            const ALIASES: [&str; 7] =
                ["spend", "impressions", "engagements", "clicks", "conversions", "conversion_value", "revenue"];

            #[async_trait]
            impl MetricStore for $store {
                #[instrument(skip_all)]
                async fn platform_totals(&self, org: &OrgId, id: &CampaignId, up_to: NaiveDate) -> Result<Vec<PlatformTotals>> {
                    // Closed months from the monthly sums, the rest of `up_to`'s month from the
                    // days: at most a month of rows per platform, whatever the campaign's length.
                    let (month_start, _, month, _) = month_span(up_to, up_to);

                    // Each branch is grouped by platform in SQL, following the index order; the
                    // (at most two) partial sums per platform are added below, exactly.
                    let sums = [
                        ("spend_micros", "spend"),
                        ("impressions", "impressions"),
                        ("engagements", "engagements"),
                        ("clicks", "clicks"),
                        ("conversions_micros", "conversions"),
                        ("conversion_value_micros", "conversion_value"),
                        ("revenue_micros", "revenue"),
                    ]
                    .map(|(column, alias)| split_sum(column, alias))
                    .join(", ");
                    let sql = format!(
                        "SELECT platform, {sums}, CAST(SUM(row_count) AS BIGINT) AS days FROM monthly_totals \
                         WHERE campaign_id = $2 AND month < $3 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform \
                         UNION ALL \
                         SELECT platform, {sums}, COUNT(*) AS days FROM daily_metrics \
                         WHERE campaign_id = $2 AND date >= $4 AND date <= $5 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id.as_str())
                        .bind(&month)
                        .bind(month_start)
                        .bind(up_to)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(|e| StoreError::or_out_of_range(e, "rows"))?;
                    // Per platform, the exact sums in micros (counts as they are), then decimals.
                    let mut parts: Vec<(Platform, [Option<i128>; 7], i64)> = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                            continue;
                        };
                        let mut part = [None; 7];
                        for (slot, alias) in part.iter_mut().zip(ALIASES) {
                            *slot = sum_of(r, alias)?;
                        }
                        let days: i64 = r.try_get("days")?;
                        match parts.iter_mut().find(|p| p.0 == platform) {
                            None => parts.push((platform, part, days)),
                            Some(p) => {
                                for (sum, more) in p.1.iter_mut().zip(part) {
                                    *sum = match (*sum, more) {
                                        (None, None) => None,
                                        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
                                    };
                                }
                                p.2 = p.2.saturating_add(days);
                            }
                        }
                    }
                    let mut totals: Vec<PlatformTotals> = parts
                        .into_iter()
                        .map(|(platform, [spend, impressions, engagements, clicks, conversions, value, revenue], days)| {
                            PlatformTotals {
                                platform,
                                spend: decimal_of_micros(spend.unwrap_or(0)),
                                impressions: count_of(impressions.unwrap_or(0)),
                                engagements: count_of(engagements.unwrap_or(0)),
                                clicks: count_of(clicks.unwrap_or(0)),
                                conversions: decimal_of_micros(conversions.unwrap_or(0)),
                                conversion_value: value.map(decimal_of_micros),
                                revenue: revenue.map(decimal_of_micros),
                                days: from_count(days),
                            }
                        })
                        .collect();
                    totals.sort_by_key(|t| t.platform);
                    Ok(totals)
                }

                #[instrument(skip_all)]
                async fn daily_series(&self, org: &OrgId, id: &CampaignId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRow>> {
                    if let Some(series) = self.long_series(org, id, from, to).await {
                        return series;
                    }
                    // Rows are decoded where the query is polled: on a task of its own, so that
                    // the series of several campaigns read at once decode on every core.
                    let pool = self.pool.clone();
                    let (org, id) = (org.clone(), id.clone());
                    let read = tokio::spawn(async move {
                        let rows = sqlx::query(DAILY_SERIES_SQL)
                            .bind(org.as_str())
                            .bind(id.as_str())
                            .bind(from)
                            .bind(to)
                            .fetch_all(&pool)
                            .await
                            .map_err(|e| StoreError::or_out_of_range(e, "rows"))?;
                        let mut series = DaySeries::new(to);
                        for r in &rows {
                            let date: NaiveDate = r.try_get(0)?;
                            let name: &str = r.try_get(1)?;
                            let Ok(platform) = name.parse::<Platform>() else {
                                tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                                continue;
                            };
                            let mut values = [None; 7];
                            for (k, slot) in values.iter_mut().enumerate() {
                                *slot = r.try_get(2 + k)?;
                            }
                            let currency: Option<&str> = r.try_get(9)?;
                            series.add(date, platform, values, currency);
                        }
                        Ok::<_, StoreError>(series.finish())
                    });
                    read.await
                        .map_err(|e| StoreError::Invalid(format!("a database read stopped: {e}")))?
                }

                #[instrument(skip_all)]
                async fn others_on_platform(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    platform: Platform,
                    from: NaiveDate,
                    to: NaiveDate,
                ) -> Result<Vec<String>> {
                    let rows = sqlx::query(
                        "SELECT c.name FROM campaigns c WHERE c.org_id = $1 AND c.id <> $2 \
                         AND EXISTS (SELECT 1 FROM campaigns m WHERE m.id = $2 AND m.org_id = $1) \
                         AND EXISTS (SELECT 1 FROM daily_metrics d WHERE d.campaign_id = c.id \
                         AND d.platform = $3 AND d.date >= $4 AND d.date <= $5) \
                         ORDER BY c.name, c.id LIMIT 3",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(platform.as_str())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
                        .collect()
                }

                #[instrument(skip_all)]
                async fn stored_spend(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    from: NaiveDate,
                    to: NaiveDate,
                ) -> Result<Vec<(spendlens_core::daily::DailyKey, rust_decimal::Decimal)>> {
                    let rows = sqlx::query(
                        "SELECT date, platform, external_campaign_id, spend_micros FROM daily_metrics \
                         WHERE campaign_id = $2 AND date >= $3 AND date <= $4 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1)",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: &str = r.try_get(1)?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            continue;
                        };
                        let micros: i64 = r.try_get(3)?;
                        out.push((
                            spendlens_core::daily::DailyKey {
                                platform,
                                date: r.try_get(0)?,
                                external_campaign_id: r.try_get(2)?,
                            },
                            crate::micros::from_micros(micros),
                        ));
                    }
                    Ok(out)
                }
            }
        }
    };
}

pub(crate) use impl_metric_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_read_back_as_normalize_gives_them() {
        let edges = [
            0i128,
            1,
            -1,
            10,
            -10,
            1_000_000,
            -1_000_000,
            64_460_000,
            123_456_789,
            1_230_000_000_000,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX) * 10,
            -(i128::from(i64::MAX) * 1_000_000),
            (1i128 << 95) * 10,
            1i128 << 100,
            -(1i128 << 100),
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut mixed = Vec::new();
        for _ in 0..10_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let digits =
                i128::from(state >> 40) * 10i128.pow(u32::try_from(state % 9).unwrap_or(0));
            mixed.push(if state.is_multiple_of(2) {
                digits
            } else {
                -digits
            });
        }
        for micros in edges.into_iter().chain(mixed) {
            let expected = Decimal::try_from_i128_with_scale(micros, 6)
                .map(|d| d.normalize())
                .unwrap_or(if micros < 0 {
                    Decimal::MIN
                } else {
                    Decimal::MAX
                });
            let got = decimal_of_micros(micros);
            assert_eq!(got, expected, "{micros}");
            assert_eq!(got.scale(), expected.scale(), "{micros}");
            assert_eq!(got.to_string(), expected.to_string(), "{micros}");
        }
    }
}
