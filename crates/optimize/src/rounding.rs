//! Cent rounding that preserves the total (largest remainder).
//!
//! Rounding each spend on its own can make a plan that adds up to 99.99 or 100.01 of a 100.00
//! budget; finance teams reject such a plan. Largest-remainder rounding truncates every spend to
//! cents and hands the missing cents, one each, to the spends with the largest truncated
//! remainders, preferring channels that stay within their cap.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds `amount` to cents, half away from zero (the project's single rounding rule).
pub fn to_cents(amount: f64) -> Decimal {
    Decimal::from_f64(amount)
        .unwrap_or_default()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounds non-negative `spends` to cents so that they add up exactly to `total` rounded to cents.
///
/// `caps` (same length, or empty) are the channels' maximum spends: a cent is given to a channel
/// that would cross its cap only when no other channel can take it. Non-finite or negative spends
/// count as zero.
pub fn round_to_total(spends: &[f64], total: f64, caps: &[f64]) -> Vec<Decimal> {
    let cent = Decimal::new(1, 2);
    let target = to_cents(total);
    let mut out = Vec::with_capacity(spends.len());
    let mut rema = Vec::with_capacity(spends.len());
    for &x in spends {
        let d = if x.is_finite() && x > 0.0 {
            Decimal::from_f64(x).unwrap_or_default()
        } else {
            Decimal::ZERO
        };
        let floor = d.round_dp_with_strategy(2, RoundingStrategy::ToZero);
        rema.push(d - floor);
        out.push(floor);
    }
    let sum: Decimal = out.iter().sum();
    let missing = ((target - sum) / cent).round().to_i64().unwrap_or(0);
    let mut order: Vec<usize> = (0..spends.len()).collect();
    if missing >= 0 {
        order.sort_by(|&i, &j| rema[j].cmp(&rema[i]).then(i.cmp(&j)));
        let fits = |i: usize, v: Decimal| {
            caps.get(i)
                .is_none_or(|&c| v.to_f64().is_none_or(|f| f <= c + 1e-9))
        };
        let mut left = missing;
        // First pass: channels that stay within their cap; then anyone, round robin.
        for &i in &order {
            if left == 0 {
                break;
            }
            if fits(i, out[i] + cent) {
                out[i] += cent;
                left -= 1;
            }
        }
        let mut k = 0;
        while left > 0 && !order.is_empty() {
            out[order[k % order.len()]] += cent;
            left -= 1;
            k += 1;
        }
    } else {
        // Only when the spends overshoot the total by more than rounding: take cents back from
        // the smallest remainders among non-zero spends.
        order.sort_by(|&i, &j| rema[i].cmp(&rema[j]).then(i.cmp(&j)));
        let mut left = -missing;
        while left > 0 {
            let before = left;
            for &i in &order {
                if left > 0 && out[i] >= cent {
                    out[i] -= cent;
                    left -= 1;
                }
            }
            if left == before {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thirds_add_up() {
        let r = round_to_total(&[10.0 / 3.0; 3], 10.0, &[]);
        assert_eq!(r.iter().sum::<Decimal>(), Decimal::new(1000, 2));
        assert_eq!(r[0], Decimal::new(334, 2));
        assert_eq!(r[1], Decimal::new(333, 2));
    }

    #[test]
    fn caps_are_preferred() {
        let r = round_to_total(&[1.009, 1.005], 2.01, &[1.0, 10.0]);
        assert_eq!(r, vec![Decimal::new(100, 2), Decimal::new(101, 2)]);
    }

    proptest! {
        #[test]
        fn total_is_preserved(parts in proptest::collection::vec(0.0f64..1e6, 1..40)) {
            let total: f64 = parts.iter().sum();
            let r = round_to_total(&parts, total, &[]);
            prop_assert_eq!(r.iter().sum::<Decimal>(), to_cents(total));
            for (d, x) in r.iter().zip(&parts) {
                let diff = (d.to_f64().unwrap_or(f64::NAN) - x).abs();
                prop_assert!(diff < 0.0101 + 1e-9 * x, "{} vs {}", d, x);
            }
        }
    }
}
