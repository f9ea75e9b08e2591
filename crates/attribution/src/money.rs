//! Money at output: rounding to cents once, half away from zero, so that the channels add up.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// An amount as an `f64` weight (for sharing, never for money): mantissa over a power of ten,
/// within a unit in the last place, and far cheaper than the decimal crate's exact conversion, which
/// the models would otherwise pay once per path and per conversion.
pub fn weight(amount: Decimal) -> f64 {
    #[allow(clippy::cast_precision_loss)] // a weight needs 15 digits, not 28
    let mantissa = amount.mantissa() as f64;
    #[allow(clippy::cast_possible_wrap)] // the scale is at most 28
    let scale = amount.scale() as i32;
    mantissa / 10f64.powi(scale)
}

/// `amount` rounded to cents, half away from zero.
pub fn round_cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    if rounded.is_zero() {
        Decimal::new(0, 2)
    } else {
        rounded
    }
}

/// Rounds each exact channel value to cents so that the cents add up to `total` rounded to cents.
///
/// Rounding each value on its own can leave the column a cent or two off its total (three channels
/// of 33.333… make 99.99 of 100.00). Each value is rounded half away from zero, then the cents still
/// missing (or in excess) go to the values with the largest remainders (Hamilton's method), so each
/// value stays within one cent of its exact amount. If the exact values do not add up to `total` to
/// begin with (nothing to reconcile), they are just rounded.
pub fn to_cents(total: Decimal, exact: &[Decimal]) -> Vec<Decimal> {
    let mut rounded: Vec<Decimal> = exact.iter().map(|v| round_cents(*v)).collect();
    let Some(exact_sum) = exact
        .iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
    else {
        return rounded;
    };
    let Some(rounded_sum) = rounded
        .iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
    else {
        return rounded;
    };
    if (exact_sum - total).abs() >= Decimal::new(1, 2) {
        return rounded;
    }
    let missing = ((round_cents(total) - rounded_sum) * Decimal::ONE_HUNDRED)
        .to_i64()
        .unwrap_or(0);
    if missing == 0 {
        return rounded;
    }
    let cent = Decimal::new(if missing > 0 { 1 } else { -1 }, 2);
    let mut order: Vec<(Decimal, usize)> = exact
        .iter()
        .zip(&rounded)
        .enumerate()
        .map(|(i, (e, r))| (if missing > 0 { e - r } else { r - e }, i))
        .filter(|(remainder, _)| remainder.is_sign_positive() && !remainder.is_zero())
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in order
        .into_iter()
        .take(usize::try_from(missing.unsigned_abs()).unwrap_or(0))
    {
        rounded[i] += cent;
    }
    rounded
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn weights_are_close_to_the_amount() {
        for (amount, expected) in [
            (dec!(0), 0.0),
            (dec!(12.50), 12.5),
            (dec!(1234567.891), 1_234_567.891),
            (dec!(0.0000001), 1e-7),
        ] {
            assert!(
                (weight(amount) - expected).abs() <= 1e-15 * expected.abs().max(1.0),
                "{amount}"
            );
        }
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_cents(dec!(1.005)).to_string(), "1.01");
        assert_eq!(round_cents(dec!(1.004)).to_string(), "1.00");
        assert_eq!(round_cents(dec!(7)).to_string(), "7.00");
        assert_eq!(round_cents(dec!(0)).to_string(), "0.00");
    }

    #[test]
    fn thirds_add_up_to_the_total() {
        let third = dec!(100) / dec!(3);
        let cents = to_cents(dec!(100), &[third, third, third]);
        assert_eq!(cents, vec![dec!(33.34), dec!(33.33), dec!(33.33)]);
        assert_eq!(cents.iter().sum::<Decimal>(), dec!(100.00));
    }

    #[test]
    fn excess_cents_come_off_the_largest_overshoot() {
        // 0.005 three times rounds up to 0.03 but the total is 0.015 -> 0.02.
        let cents = to_cents(dec!(0.015), &[dec!(0.005), dec!(0.005), dec!(0.005)]);
        assert_eq!(cents.iter().sum::<Decimal>(), dec!(0.02));
        assert!(cents.iter().all(|c| *c >= Decimal::ZERO));
    }

    #[test]
    fn unreconcilable_values_are_only_rounded() {
        assert_eq!(to_cents(dec!(10), &[dec!(1.234)]), vec![dec!(1.23)]);
    }
}
