//! Exact decimal arithmetic that cannot panic.
//!
//! `rust_decimal`'s operators panic on overflow. The analysis divides by user-supplied figures
//! (a spend of 0.0000001 against a revenue of billions is valid input), so every ratio goes
//! through these helpers, which saturate at the largest representable decimal instead. The
//! saturated values are far beyond any real campaign; what matters is that no input can crash the
//! analysis.

use rust_decimal::{Decimal, RoundingStrategy};

/// One hundred, for percentages.
pub const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

fn saturate(positive: bool) -> Decimal {
    if positive { Decimal::MAX } else { Decimal::MIN }
}

/// `a + b`, saturating.
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b)
        .unwrap_or_else(|| saturate(a.is_sign_positive()))
}

/// `a - b`, saturating.
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.checked_sub(b)
        .unwrap_or_else(|| saturate(a.is_sign_positive()))
}

/// `a × b`, saturating.
pub fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(b)
        .unwrap_or_else(|| saturate(a.is_sign_positive() == b.is_sign_positive()))
}

/// `a / b`, or 0 when `b` is 0 (the seed's "all formulas guard with > 0 checks, return 0").
pub fn div_or_zero(a: Decimal, b: Decimal) -> Decimal {
    if b.is_zero() {
        return Decimal::ZERO;
    }
    a.checked_div(b)
        .unwrap_or_else(|| saturate(a.is_sign_positive() == b.is_sign_positive()))
}

/// `a / b × 100`, or 0 when `b` is 0.
pub fn pct_or_zero(a: Decimal, b: Decimal) -> Decimal {
    mul(div_or_zero(a, b), HUNDRED)
}

/// Sums decimals, saturating.
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    values.into_iter().fold(Decimal::ZERO, add)
}

/// Rounds half away from zero to `dp` decimals, never producing a negative zero.
///
/// This is the one rounding rule of every output of spendlens (the contract's "rounded half away
/// from zero"); it is applied once, when a value leaves the domain, never in between.
pub fn round_half_away(value: Decimal, dp: u32) -> Decimal {
    let mut r = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r
}

/// Money as text with exactly two decimals, rounded half away from zero (`"8850.50"`).
pub fn cents_text(value: Decimal) -> String {
    // Padding the text rather than `rescale(2)`: near the top of the decimal range a rescale
    // cannot add digits and would silently print no decimals.
    let text = round_half_away(value, 2).to_string();
    match text.split_once('.') {
        None => format!("{text}.00"),
        Some((_, frac)) if frac.len() == 1 => format!("{text}0"),
        Some(_) => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn division_by_zero_is_zero() {
        assert_eq!(div_or_zero(dec!(5), Decimal::ZERO), Decimal::ZERO);
        assert_eq!(pct_or_zero(dec!(5), Decimal::ZERO), Decimal::ZERO);
        assert_eq!(pct_or_zero(dec!(1), dec!(8)), dec!(12.5));
    }

    #[test]
    fn overflow_saturates_with_the_right_sign() {
        assert_eq!(mul(Decimal::MAX, dec!(2)), Decimal::MAX);
        assert_eq!(mul(Decimal::MAX, dec!(-2)), Decimal::MIN);
        assert_eq!(div_or_zero(Decimal::MAX, dec!(0.0001)), Decimal::MAX);
        assert_eq!(div_or_zero(Decimal::MIN, dec!(0.0001)), Decimal::MIN);
        assert_eq!(add(Decimal::MAX, Decimal::MAX), Decimal::MAX);
        assert_eq!(sub(Decimal::MIN, Decimal::MAX), Decimal::MIN);
    }

    #[test]
    fn rounding_is_half_away_from_zero_without_negative_zero() {
        assert_eq!(round_half_away(dec!(2.345), 2), dec!(2.35));
        assert_eq!(round_half_away(dec!(-2.345), 2), dec!(-2.35));
        assert_eq!(round_half_away(dec!(2.3449), 2), dec!(2.34));
        assert_eq!(round_half_away(dec!(0.125), 2), dec!(0.13));
        let z = round_half_away(dec!(-0.001), 2);
        assert!(z.is_zero() && z.is_sign_positive());
    }
}
