//! Exact decimals as integer micros, the storage representation of money and conversions.
//!
//! Both backends store `i64` micros: SQLite has no exact decimal type, and one representation
//! keeps the two backends' answers identical. Six decimals cover every platform (money has two,
//! fractional conversions rarely more than three); a value with more is rounded half away from
//! zero at the sixth, the one documented rounding of input.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::num::round_half_away;

use crate::StoreError;

const SCALE: u32 = 6;

/// A decimal as micros; an error beyond ±9.2 trillion.
pub fn to_micros(value: Decimal) -> Result<i64, StoreError> {
    let mut scaled = round_half_away(value, SCALE);
    scaled.rescale(SCALE);
    if scaled.scale() != SCALE {
        return Err(StoreError::Invalid(format!(
            "{value} is too large to store"
        )));
    }
    scaled
        .mantissa()
        .to_i64()
        .ok_or_else(|| StoreError::Invalid(format!("{value} is too large to store")))
}

/// A decimal as micros, clamped to the `i64` range: for derived figures recorded beside the data
/// (an alert's percentage of a tiny budget), where the record matters more than the far digits.
pub fn to_micros_saturating(value: Decimal) -> i64 {
    to_micros(value).unwrap_or(if value.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// An optional decimal as optional micros.
pub fn opt_to_micros(value: Option<Decimal>) -> Result<Option<i64>, StoreError> {
    value.map(to_micros).transpose()
}

/// Micros back to a decimal, normalised (`12.500000` is `12.5`).
pub fn from_micros(micros: i64) -> Decimal {
    Decimal::new(micros, SCALE).normalize()
}

/// A count as stored (BIGINT); counts beyond i64 are refused.
pub fn to_count(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{value} is too large to store")))
}

/// A stored count back (negative values cannot be written, so they read as 0).
pub fn from_count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_exactly() {
        for s in [
            "0",
            "8850.50",
            "61.5",
            "0.000001",
            "9223372036854.775807",
            "-3.25",
        ] {
            let d: Decimal = s.parse().unwrap_or_default();
            let m = to_micros(d).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(from_micros(m), d.normalize(), "{s}");
        }
    }

    #[test]
    fn rounds_at_the_sixth_decimal_and_refuses_overflow() {
        let d: Decimal = "0.3333335".parse().unwrap_or_default();
        assert_eq!(to_micros(d).ok(), Some(333_334));
        let big: Decimal = "9223372036854.775808".parse().unwrap_or_default();
        assert!(to_micros(big).is_err());
        assert!(to_micros(Decimal::MAX).is_err());
    }
}
