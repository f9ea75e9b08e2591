//! The ranges a daily row's values must stay in, wherever the row comes from.
//!
//! One rule for every door (the metrics API, file imports of every format, the pages, a PDF's
//! confirmed figures, connector syncs): the dates spendlens accepts, and the largest amount and
//! count. The caps exist for the sums, not for the single values: every total is stored and
//! summed as `i64` micros, whose range ends at about 9.2 × 10¹² units. A campaign may hold at most
//! [`MAX_AMOUNT`] of any money or conversion metric and [`MAX_COUNT`] of any count in total (the
//! store checks the total inside the write transaction), so a single value above the cap can never
//! be stored and is refused where it is read, naming its field. The cap leaves room: any month's
//! sum after one more write (at most two caps) still fits `i64` micros, and sums over many
//! campaigns (an organisation's report) are done in `Decimal`, far wider.
//! Rejected alternative: caps at the very edge of `i64`, which make every sum of two valid
//! values a possible overflow.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The largest amount (spend, conversion value, revenue) or number of conversions one campaign
/// can hold in total, in its currency: one trillion, beyond any real campaign in any currency
/// spendlens is used with, and a ninth of the storage's exact range.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// The largest count (impressions, engagements, clicks) one campaign can hold in total: a
/// quadrillion, far beyond any campaign and far inside `i64`.
pub const MAX_COUNT: u64 = 1_000_000_000_000_000;

/// The earliest day a row may carry. Nothing was bought on an ad platform before; an earlier
/// date is a typo or a misread spreadsheet serial number.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The latest day a row may carry.
pub fn latest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// `Err` with a message for the user when `date` is outside [`earliest_date`]..=[`latest_date`].
pub fn check_date(date: NaiveDate) -> Result<(), String> {
    if date < earliest_date() || date > latest_date() {
        return Err(format!(
            "the date {date} is outside the accepted range {} to {}",
            earliest_date(),
            latest_date()
        ));
    }
    Ok(())
}

/// `Err` when an amount or a number of conversions is negative or above [`MAX_AMOUNT`].
pub fn check_amount(value: Decimal) -> Result<(), String> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("{value} cannot be negative"));
    }
    if value > MAX_AMOUNT {
        return Err(format!(
            "{value} is more than the largest accepted value, {MAX_AMOUNT}"
        ));
    }
    Ok(())
}

/// `Err` when a count is above [`MAX_COUNT`].
pub fn check_count(value: u64) -> Result<(), String> {
    if value > MAX_COUNT {
        return Err(format!(
            "{value} is more than the largest accepted count, {MAX_COUNT}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_caps_are_what_they_say_and_sum_inside_i64_micros() {
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000_i64));
        // Two caps in micros still fit an i64: any month's sum after one more write.
        let twice = MAX_AMOUNT * Decimal::from(2_000_000);
        assert!(twice < Decimal::from(i64::MAX));
        assert!(MAX_COUNT.saturating_mul(2) < u64::try_from(i64::MAX).unwrap_or(0));
    }

    #[test]
    fn dates_values_and_counts_are_checked_at_their_edges() {
        assert!(check_date(day(2000, 1, 1)).is_ok());
        assert!(check_date(day(2099, 12, 31)).is_ok());
        assert!(check_date(day(1999, 12, 31)).is_err());
        assert!(check_date(day(9999, 1, 1)).is_err());
        assert!(check_date(day(0, 1, 1)).is_err());
        assert!(check_amount(MAX_AMOUNT).is_ok());
        assert!(check_amount(MAX_AMOUNT + Decimal::new(1, 6)).is_err());
        assert!(check_amount(Decimal::new(-1, 2)).is_err());
        assert!(check_amount(Decimal::NEGATIVE_ONE * Decimal::ZERO).is_ok());
        assert!(check_count(MAX_COUNT).is_ok());
        assert!(check_count(MAX_COUNT + 1).is_err());
    }
}
