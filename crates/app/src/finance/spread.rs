//! The attributed revenue's total spread over the campaign's days in proportion to their
//! platform revenue, to the cent.

use rust_decimal::Decimal;
use spendlens_finance::DailyRevenue;

/// Rescales `days` so they add up to `total` exactly (whole cents, the remainder on the last
/// day), keeping their proportions; evenly when they are all zero.
pub(super) fn spread(days: &mut [DailyRevenue], total: Decimal) {
    if days.is_empty() {
        return;
    }
    let sum = days.iter().fold(Decimal::ZERO, |acc, d| {
        spendlens_core::num::add(acc, d.amount)
    });
    let n = Decimal::from(days.len() as u64);
    let mut given = Decimal::ZERO;
    let last = days.len() - 1;
    for (i, day) in days.iter_mut().enumerate() {
        day.amount = if i == last {
            total - given
        } else if sum > Decimal::ZERO {
            spendlens_core::num::round_half_away(
                spendlens_core::num::div_or_zero(spendlens_core::num::mul(total, day.amount), sum),
                2,
            )
        } else {
            spendlens_core::num::round_half_away(spendlens_core::num::div_or_zero(total, n), 2)
        };
        given += day.amount;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: u32, amount: &str) -> DailyRevenue {
        DailyRevenue {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            amount: amount.parse().unwrap_or_default(),
        }
    }

    #[test]
    fn attributed_totals_keep_the_daily_shape_and_add_up_to_the_cent() {
        let mut days = vec![day(1, "10"), day(2, "30"), day(3, "60")];
        spread(&mut days, "50.01".parse().unwrap_or_default());
        let got: Vec<String> = days.iter().map(|d| d.amount.to_string()).collect();
        assert_eq!(got, ["5.00", "15.00", "30.01"]);
        let mut flat = vec![day(1, "0"), day(2, "0"), day(3, "0")];
        spread(&mut flat, "10".parse().unwrap_or_default());
        let got: Vec<String> = flat.iter().map(|d| d.amount.to_string()).collect();
        assert_eq!(got, ["3.33", "3.33", "3.34"]);
    }
}
