//! Splitting money in whole cents so that the parts add up exactly to the whole.
//!
//! Overhead spread over campaigns, and a fee or an overhead share spread over the days of its
//! period, must add back to the entry to the cent: a finance team reconciles the report against
//! the invoice. Rounding each part on its own gives 33.33 + 33.33 + 33.33 = 99.99 for 100.00.
//! Largest-remainder rounding (Hamilton's method) instead gives every part the whole cents of its
//! exact share, then hands the cents still missing, one each, to the parts with the largest
//! remainders (ties go to the earlier part, so the result is deterministic).
//!
//! All arithmetic is on integer cents (`i128`), so nothing here divides a `Decimal` or rounds
//! more than once.

use rust_decimal::Decimal;
use spendlens_core::num;

/// One cent.
pub const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// `amount` in whole cents, rounded half away from zero (the project's one rounding rule).
pub fn to_cents(amount: Decimal) -> i128 {
    let rounded = num::round_half_away(amount, 2);
    // After rounding the scale is at most 2 and the mantissa below 2^96, so this cannot overflow.
    let factor: i128 = match rounded.scale() {
        0 => 100,
        1 => 10,
        _ => 1,
    };
    rounded.mantissa().saturating_mul(factor)
}

/// Whole cents back to a decimal with two places (saturating far beyond any real amount).
pub fn from_cents(cents: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(cents, 2).unwrap_or(if cents < 0 {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// Splits `amount` (rounded to cents) in proportion to `weights`, by largest remainder.
///
/// The parts add up exactly to the rounded amount; a part with weight 0 gets nothing. Returns
/// `None` when every weight is 0 (there is nothing to split over: the caller decides what that
/// means). A negative amount is split as its absolute value and every part negated.
pub fn split_cents(amount: Decimal, weights: &[u32]) -> Option<Vec<Decimal>> {
    let total_weight: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total_weight == 0 {
        return None;
    }
    let cents = to_cents(amount);
    let negative = cents < 0;
    let whole = cents.unsigned_abs();
    // share_i = whole × w_i / W = q × w_i + r × w_i / W with q = whole / W, r = whole mod W.
    // Every product below stays far inside u128: r < W and w_i < 2^32.
    let q = whole / total_weight;
    let r = whole % total_weight;
    let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<u128> = Vec::with_capacity(weights.len());
    for &w in weights {
        let w = u128::from(w);
        let scaled = r.saturating_mul(w);
        parts.push(q.saturating_mul(w).saturating_add(scaled / total_weight));
        remainders.push(scaled % total_weight);
    }
    let given: u128 = parts.iter().fold(0u128, |a, &p| a.saturating_add(p));
    let missing = whole.saturating_sub(given);
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&i, &j| remainders[j].cmp(&remainders[i]).then(i.cmp(&j)));
    // The remainders add up to `missing × W` and each is below W, so at least `missing` parts
    // have a positive remainder: a zero-weight part never receives a cent.
    for &i in order
        .iter()
        .take(usize::try_from(missing).unwrap_or(usize::MAX))
    {
        parts[i] = parts[i].saturating_add(1);
    }
    Some(
        parts
            .into_iter()
            .map(|p| {
                let p = i128::try_from(p).unwrap_or(i128::MAX);
                from_cents(if negative { -p } else { p })
            })
            .collect(),
    )
}

/// Splits `total` (rounded to cents) in proportion to decimal `weights`, by largest remainder:
/// [`split_cents`] for weights that are amounts (a campaign's converted spend shared over its
/// platforms in proportion to their own spend). The parts add up exactly to the rounded total,
/// and each is its exact share rounded down or up. `None` when a weight is negative or they add
/// up to nothing.
pub fn apportion(total: Decimal, weights: &[Decimal]) -> Option<Vec<Decimal>> {
    let sum = num::sum(weights.iter().copied());
    if sum <= Decimal::ZERO || weights.iter().any(|w| *w < Decimal::ZERO) {
        return None;
    }
    let cents = to_cents(total);
    let whole = Decimal::try_from_i128_with_scale(cents.abs(), 0).ok()?;
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<Decimal> = Vec::with_capacity(weights.len());
    for w in weights {
        let share = num::div_or_zero(num::mul(whole, *w), sum);
        let floor = share.floor();
        parts.push(i128::try_from(floor).ok()?);
        remainders.push(num::sub(share, floor));
    }
    let given: i128 = parts.iter().sum();
    // The shares add up to the total (to the division's 28 digits), so at most one cent per
    // part is missing.
    let missing = usize::try_from((cents.abs() - given).max(0)).unwrap_or(0);
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&i, &j| remainders[j].cmp(&remainders[i]).then(i.cmp(&j)));
    for &i in order.iter().take(missing) {
        parts[i] += 1;
    }
    Some(
        parts
            .into_iter()
            .map(|p| from_cents(if cents < 0 { -p } else { p }))
            .collect(),
    )
}

/// The part of an even split of `cents` over `days` parts that falls on part `index` (0-based):
/// the same answer as [`split_cents`] with equal weights (the leftover cents go to the first
/// days), computed for one day without building the others.
pub fn even_part(cents: i128, days: i64, index: i64) -> i128 {
    if days <= 0 || index < 0 || index >= days {
        return 0;
    }
    let days = i128::from(days);
    let whole = cents.unsigned_abs();
    let days_u = days.unsigned_abs();
    let base = whole / days_u;
    let extra = u128::from(i128::from(index).unsigned_abs() < whole % days_u);
    let part = i128::try_from(base + extra).unwrap_or(i128::MAX);
    if cents < 0 { -part } else { part }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn cents_round_half_away() {
        assert_eq!(to_cents(dec!(12.345)), 1235);
        assert_eq!(to_cents(dec!(-12.345)), -1235);
        assert_eq!(to_cents(dec!(7)), 700);
        assert_eq!(to_cents(dec!(7.5)), 750);
        assert_eq!(from_cents(1235), dec!(12.35));
    }

    #[test]
    fn a_hundred_over_three_is_34_33_33() {
        assert_eq!(
            split_cents(dec!(100), &[1, 1, 1]),
            Some(vec![dec!(33.34), dec!(33.33), dec!(33.33)])
        );
    }

    #[test]
    fn largest_remainder_wins_the_cent() {
        // 10.00 by 1:2:4 → 1.428571…, 2.857142…, 5.714285… → floors 1.42, 2.85, 5.71 (9.98);
        // remainders .0571, .0714, .0285 (in cents .571, .714, .285) → the 2nd then the 1st.
        assert_eq!(
            split_cents(dec!(10), &[1, 2, 4]),
            Some(vec![dec!(1.43), dec!(2.86), dec!(5.71)])
        );
    }

    #[test]
    fn zero_weights_get_nothing_and_all_zero_is_none() {
        assert_eq!(
            split_cents(dec!(0.05), &[0, 3, 0, 1]),
            Some(vec![dec!(0), dec!(0.04), dec!(0), dec!(0.01)])
        );
        assert_eq!(split_cents(dec!(5), &[0, 0]), None);
        assert_eq!(split_cents(dec!(5), &[]), None);
    }

    #[test]
    fn negative_amounts_split_symmetrically() {
        assert_eq!(
            split_cents(dec!(-1), &[1, 1, 1]),
            Some(vec![dec!(-0.34), dec!(-0.33), dec!(-0.33)])
        );
    }

    #[test]
    fn apportioned_parts_add_up_to_the_rounded_total() {
        // As `split_cents`: 10.00 by 1:2:4 → 1.43, 2.86, 5.71.
        assert_eq!(
            apportion(dec!(10), &[dec!(1), dec!(2), dec!(4)]),
            Some(vec![dec!(1.43), dec!(2.86), dec!(5.71)])
        );
        // 43,582.70 over three platforms' own spend 10,000.10 : 18,000.20 : 9,571.00: shares
        // 11,600.1138…, 20,880.2281…, 11,102.3579… → floors add up to 43,582.68; the two missing
        // cents go to the largest remainders (.82 and .80 of a cent).
        assert_eq!(
            apportion(
                dec!(43582.70),
                &[dec!(10000.10), dec!(18000.20), dec!(9571.00)]
            ),
            Some(vec![dec!(11600.11), dec!(20880.23), dec!(11102.36)])
        );
        assert_eq!(
            apportion(dec!(-0.05), &[dec!(1), dec!(1)]),
            Some(vec![dec!(-0.03), dec!(-0.02)])
        );
        assert_eq!(apportion(dec!(0.05), &[dec!(0), dec!(0)]), None);
        assert_eq!(apportion(dec!(0.05), &[dec!(2), dec!(-1)]), None);
        assert_eq!(apportion(dec!(0.05), &[]), None);
    }

    #[test]
    fn even_parts_match_the_split() {
        for cents in [0i128, 1, 7, 100, 10_001, -205] {
            for days in 1..9i64 {
                let weights = vec![1u32; usize::try_from(days).unwrap_or(0)];
                let split = split_cents(from_cents(cents), &weights).unwrap_or_default();
                let one_by_one: Vec<Decimal> = (0..days)
                    .map(|k| from_cents(even_part(cents, days, k)))
                    .collect();
                assert_eq!(split, one_by_one, "{cents} over {days}");
            }
        }
        assert_eq!(even_part(100, 3, 3), 0);
        assert_eq!(even_part(100, 0, 0), 0);
    }
}
