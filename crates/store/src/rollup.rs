//! What every write of daily rows does before it commits: re-sum the months it touched
//! (`monthly_totals`, see [`crate::metrics`]) and refuse a campaign total beyond the caps of
//! `spendlens_core::limits`.
//!
//! Both run inside the write's transaction, after the rows, so the check sees exactly what would
//! be committed and a refusal leaves nothing behind. The months are upserted, not deleted and
//! re-inserted: daily rows are only ever added or replaced (a campaign's deletion cascades), so
//! a month once summed never disappears, and an upsert cannot collide on the month's key even
//! between writers that were not queued by the campaign's row lock.

use std::collections::BTreeMap;

use chrono::Datelike as _;
use rust_decimal::Decimal;
use spendlens_core::limits::{MAX_AMOUNT, MAX_COUNT};

use crate::StoreError;
use crate::metrics::decimal_of_micros;
use crate::spool::Staged;

/// The summed columns of `monthly_totals` with the field each is the total of, and whether it
/// holds micros (money, conversions) or a count.
pub(crate) const TOTALS: [(&str, &str, bool); 7] = [
    ("spend_micros", "spend", true),
    ("impressions", "impressions", false),
    ("engagements", "engagements", false),
    ("clicks", "clicks", false),
    ("conversions_micros", "conversions", true),
    ("conversion_value_micros", "conversion_value", true),
    ("revenue_micros", "revenue", true),
];

/// Refuses a campaign total above its cap, naming the field: `totals` in the order of
/// [`TOTALS`], each the exact sum of the campaign's months.
pub(crate) fn check_caps(totals: &[i128; 7]) -> Result<(), StoreError> {
    for ((_, field, micros), total) in TOTALS.iter().zip(totals) {
        let (over, shown, cap) = if *micros {
            let cap = MAX_AMOUNT.mantissa().saturating_mul(1_000_000);
            (*total > cap, decimal_of_micros(*total), MAX_AMOUNT)
        } else {
            let cap = i128::from(MAX_COUNT);
            (
                *total > cap,
                Decimal::from_i128_with_scale(*total, 0),
                Decimal::from(MAX_COUNT),
            )
        };
        if over {
            return Err(StoreError::OutOfRange {
                field,
                message: format!(
                    "the campaign's total {field} would be {shown}, more than the largest total a campaign can hold ({cap}); nothing was written"
                ),
            });
        }
    }
    Ok(())
}

/// The monthly sums of an import's rows, gathered while the merge writes them: when the months
/// an import touches held no row before it (a campaign's first import), they are these sums
/// exactly, and are written as they are instead of re-summing a million rows in SQL.
#[derive(Debug, Default)]
pub(crate) struct MonthSums {
    /// Per platform and month (year, month): the sums in the order of [`TOTALS`] (the last
    /// two `None` while every row lacks them, as SQL's `SUM`) and the row count.
    months: BTreeMap<(&'static str, i32, u32), MonthEntry>,
}

/// A month's sums so far: the five metrics always present, the two that may be absent, rows.
type MonthEntry = ([i128; 5], [Option<i128>; 2], i64);

/// One month's row of `monthly_totals`: platform, 'YYYY-MM', the sums in the order of
/// [`TOTALS`], the row count.
pub(crate) type MonthRow = (&'static str, String, [Option<i64>; 7], i64);

impl MonthSums {
    /// Adds a row written by the merge.
    pub(crate) fn add(&mut self, row: &Staged) {
        let key = (row.platform.as_str(), row.date.year(), row.date.month());
        let (sums, optional, count) = self.months.entry(key).or_default();
        let v = &row.values;
        for (sum, n) in sums.iter_mut().zip([
            v.spend,
            v.impressions,
            v.engagements,
            v.clicks,
            v.conversions,
        ]) {
            *sum += i128::from(n);
        }
        for (sum, n) in optional.iter_mut().zip([v.conversion_value, v.revenue]) {
            if let Some(n) = n {
                *sum = Some(sum.unwrap_or(0) + i128::from(n));
            }
        }
        *count += 1;
    }

    /// The months' rows, refused like SQL's `SUM` when a sum leaves `i64`.
    pub(crate) fn rows(&self) -> Result<Vec<MonthRow>, StoreError> {
        let fit = |n: i128| {
            i64::try_from(n).map_err(|_| StoreError::OutOfRange {
                field: "rows",
                message: "the stored values add up to more than spendlens can sum exactly"
                    .to_owned(),
            })
        };
        let mut out = Vec::with_capacity(self.months.len());
        for (&(platform, year, month), (sums, optional, count)) in &self.months {
            let mut values = [None; 7];
            for (slot, n) in values
                .iter_mut()
                .zip(sums.iter().map(|n| Some(*n)).chain(*optional))
            {
                *slot = n.map(fit).transpose()?;
            }
            out.push((platform, format!("{year:04}-{month:02}"), values, *count));
        }
        Ok(out)
    }
}

/// Defines, in the module it is invoked in, the two steps for a backend `$db`:
/// `refresh_months(conn, campaign_id, from, to)`, which re-sums the months spanning
/// `from..=to`, `write_months(conn, campaign_id, sums)`, which writes months summed in Rust
/// (see [`MonthSums`]), and `check_totals(conn, campaign_id)`, which refuses totals above the
/// caps (see [`check_caps`]). `conn` is the write transaction's connection.
macro_rules! rollup_steps {
    ($db:ty) => {
        /// Re-sums the campaign's months spanning `from..=to` (upserted: see `rollup.rs`). The
        /// months' sums are dropped first: a platform whose rows of a month were all deleted (a
        /// sync that replaces its window, rows removed by hand) has no row left to re-sum, and
        /// its old sum would stay counted.
        async fn refresh_months(
            conn: &mut <$db as sqlx::Database>::Connection,
            campaign_id: &str,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> crate::Result<()> {
            let (first, last, first_month, last_month) = crate::metrics::month_span(from, to);
            sqlx::query(
                "DELETE FROM monthly_totals WHERE campaign_id = $1 AND month >= $2 AND month <= $3",
            )
            .bind(campaign_id)
            .bind(first_month)
            .bind(last_month)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, engagements, \
                 clicks, conversions_micros, conversion_value_micros, revenue_micros, row_count) \
                 SELECT campaign_id, platform, substr(CAST(date AS TEXT), 1, 7), SUM(spend_micros), SUM(impressions), \
                 SUM(engagements), SUM(clicks), SUM(conversions_micros), SUM(conversion_value_micros), \
                 SUM(revenue_micros), COUNT(*) FROM daily_metrics \
                 WHERE campaign_id = $1 AND date >= $2 AND date <= $3 \
                 GROUP BY campaign_id, platform, substr(CAST(date AS TEXT), 1, 7) \
                 ON CONFLICT (campaign_id, platform, month) DO UPDATE SET \
                 spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                 engagements = excluded.engagements, clicks = excluded.clicks, \
                 conversions_micros = excluded.conversions_micros, \
                 conversion_value_micros = excluded.conversion_value_micros, \
                 revenue_micros = excluded.revenue_micros, row_count = excluded.row_count",
            )
            .bind(campaign_id)
            .bind(first)
            .bind(last)
            .execute(&mut *conn)
            .await
            .map_err(|e| crate::StoreError::or_out_of_range(e, "rows"))?;
            Ok(())
        }

        /// Writes months summed in Rust (see `MonthSums`): a few rows a statement.
        #[allow(dead_code, reason = "only the import's merge sums months in Rust")]
        async fn write_months(
            conn: &mut <$db as sqlx::Database>::Connection,
            campaign_id: &str,
            sums: &crate::rollup::MonthSums,
        ) -> crate::Result<()> {
            const PER_STATEMENT: usize = 100;
            let rows = sums.rows()?;
            for chunk in rows.chunks(PER_STATEMENT) {
                let mut sql = String::from(
                    "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, \
                     engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
                     row_count) VALUES ",
                );
                for i in 0..chunk.len() {
                    let n = i * 11;
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push('(');
                    for c in 1..=11 {
                        if c > 1 {
                            sql.push(',');
                        }
                        sql.push('$');
                        sql.push_str(&(n + c).to_string());
                    }
                    sql.push(')');
                }
                sql.push_str(
                    " ON CONFLICT (campaign_id, platform, month) DO UPDATE SET \
                     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                     engagements = excluded.engagements, clicks = excluded.clicks, \
                     conversions_micros = excluded.conversions_micros, \
                     conversion_value_micros = excluded.conversion_value_micros, \
                     revenue_micros = excluded.revenue_micros, row_count = excluded.row_count",
                );
                let mut query = sqlx::query(&sql);
                for (platform, month, values, count) in chunk {
                    query = query.bind(campaign_id).bind(*platform).bind(month.as_str());
                    for v in values {
                        query = query.bind(*v);
                    }
                    query = query.bind(*count);
                }
                query.execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// Refuses the write when one of the campaign's totals (its months summed exactly, in
        /// Rust: a few rows per month and platform) is above its cap.
        async fn check_totals(
            conn: &mut <$db as sqlx::Database>::Connection,
            campaign_id: &str,
        ) -> crate::Result<()> {
            use sqlx::Row as _;
            let columns = crate::rollup::TOTALS.map(|(column, _, _)| column).join(", ");
            let rows = sqlx::query(&format!(
                "SELECT {columns} FROM monthly_totals WHERE campaign_id = $1"
            ))
            .bind(campaign_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut totals = [0i128; 7];
            for row in &rows {
                for (i, total) in totals.iter_mut().enumerate() {
                    let value: Option<i64> = row.try_get(i)?;
                    *total = total.saturating_add(i128::from(value.unwrap_or(0)));
                }
            }
            crate::rollup::check_caps(&totals)
        }
    };
}

pub(crate) use rollup_steps;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_at_the_cap_passes_and_one_micro_more_names_its_field() {
        let cap = 1_000_000_000_000_i128 * 1_000_000;
        let mut totals = [cap, 1_000_000_000_000_000, 0, 0, cap, cap, cap];
        assert!(check_caps(&totals).is_ok());
        totals[4] += 1;
        match check_caps(&totals) {
            Err(StoreError::OutOfRange { field, .. }) => assert_eq!(field, "conversions"),
            other => panic!("{other:?}"),
        }
        totals[4] = 0;
        totals[1] += 1;
        match check_caps(&totals) {
            Err(StoreError::OutOfRange { field, .. }) => assert_eq!(field, "impressions"),
            other => panic!("{other:?}"),
        }
    }
}
