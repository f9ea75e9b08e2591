//! What every write of daily rows does before it commits: re-sum the months it touched
//! (`monthly_totals`, see [`crate::metrics`]) and refuse a campaign total beyond the caps of
//! `spendlens_core::limits`.
//!
//! Both run inside the write's transaction, after the rows, so the check sees exactly what would
//! be committed and a refusal leaves nothing behind. The months are upserted, not deleted and
//! re-inserted: daily rows are only ever added or replaced (a campaign's deletion cascades), so
//! a month once summed never disappears, and an upsert cannot collide on the month's key even
//! between writers that were not queued by the campaign's row lock.

use rust_decimal::Decimal;
use spendlens_core::limits::{MAX_AMOUNT, MAX_COUNT};

use crate::StoreError;
use crate::metrics::decimal_of_micros;

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

/// Defines, in the module it is invoked in, the two steps for a backend `$db`:
/// `refresh_months(conn, campaign_id, from, to)`, which re-sums the months spanning
/// `from..=to`, and `check_totals(conn, campaign_id)`, which refuses totals above the caps (see
/// [`check_caps`]). `conn` is the write transaction's connection.
macro_rules! rollup_steps {
    ($db:ty) => {
        /// Re-sums the campaign's months spanning `from..=to` (upserted: see `rollup.rs`).
        async fn refresh_months(
            conn: &mut <$db as sqlx::Database>::Connection,
            campaign_id: &str,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> crate::Result<()> {
            let (first, last, _, _) = crate::metrics::month_span(from, to);
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
