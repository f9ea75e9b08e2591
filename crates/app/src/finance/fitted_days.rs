//! The daily spend the financial report's charts draw, made to agree to the cent with the
//! report's platform table beside them.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::{Platform, num};
use spendlens_report::chart::DailySpend;

/// `points` in whole cents, each platform's days adding up to its line of the report (the
/// table beside the chart). The table converts each campaign's spend and rounds it on its own,
/// so days summed across campaigns of several currencies and then converted may differ from it
/// by a few cents: those cents go to the days with the largest remainders (a cent more) or the
/// smallest (a cent less). A platform further off than a cent a day (no line for it, say) keeps
/// its days rounded as they are.
pub(crate) fn fitted(
    mut points: Vec<DailySpend>,
    lines: &[spendlens_finance::report::PlatformReport],
) -> Vec<DailySpend> {
    let cent = Decimal::new(1, 2);
    for platform in Platform::ALL {
        let mut days: Vec<usize> = (0..points.len())
            .filter(|&i| points[i].platform == platform)
            .collect();
        let Some(line) = lines.iter().find(|l| l.platform == platform.as_str()) else {
            continue;
        };
        let rest = |v: Decimal| v - v.trunc_with_scale(2);
        let floors: Decimal = days
            .iter()
            .map(|&i| points[i].spend.trunc_with_scale(2))
            .sum();
        let Some(short) = line
            .spend
            .checked_sub(floors)
            .and_then(|gap| (gap / cent).trunc().to_i64())
        else {
            continue;
        };
        // A cent more on the days of the largest remainders, or a cent less on those of the
        // smallest (never below zero); the earlier day first on a tie.
        days.sort_by(|&a, &b| {
            let (ra, rb) = (rest(points[a].spend), rest(points[b].spend));
            let by_rest = if short >= 0 { rb.cmp(&ra) } else { ra.cmp(&rb) };
            by_rest.then(points[a].date.cmp(&points[b].date))
        });
        if short < 0 {
            days.retain(|&i| points[i].spend >= cent);
        }
        let moved = usize::try_from(short.unsigned_abs()).unwrap_or(usize::MAX);
        if moved > days.len() {
            for p in points.iter_mut().filter(|p| p.platform == platform) {
                p.spend = num::round_half_away(p.spend, 2);
            }
            continue;
        }
        for p in points.iter_mut().filter(|p| p.platform == platform) {
            p.spend = p.spend.trunc_with_scale(2);
        }
        let step = if short >= 0 { cent } else { -cent };
        for &i in days.iter().take(moved) {
            points[i].spend += step;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;
    use spendlens_finance::report::PlatformReport;

    fn days(values: &[Decimal]) -> Vec<DailySpend> {
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        values
            .iter()
            .zip(first.iter_days())
            .map(|(v, date)| DailySpend {
                date,
                platform: Platform::Meta,
                spend: *v,
            })
            .collect()
    }

    fn line(spend: Decimal) -> PlatformReport {
        PlatformReport {
            platform: "meta".to_owned(),
            known: true,
            spend,
            fees: Decimal::ZERO,
            impressions: 0,
            clicks: 0,
            conversions: Decimal::ZERO,
            cost_per_conversion: None,
            campaigns: 1,
        }
    }

    fn spends(points: &[DailySpend]) -> Vec<Decimal> {
        points.iter().map(|p| p.spend).collect()
    }

    #[test]
    fn the_days_add_up_to_the_table_to_the_cent() {
        let third = dec!(1.0043);
        // Converted days sum to 3.0129; the table (campaigns rounded one by one) says 3.02.
        let up = fitted(days(&[third, third, dec!(1.0043)]), &[line(dec!(3.02))]);
        assert_eq!(spends(&up), [dec!(1.01), dec!(1.01), dec!(1.00)]);
        // Or 2.99: a cent less, on the day of the smallest remainder.
        let down = fitted(
            days(&[dec!(1.009), dec!(1.002), dec!(1.009)]),
            &[line(dec!(2.99))],
        );
        assert_eq!(spends(&down), [dec!(1.00), dec!(0.99), dec!(1.00)]);
        assert_eq!(spends(&down).iter().sum::<Decimal>(), dec!(2.99));
        // Far off (a currency without a rate left out of the days): rounded as they are.
        let far = fitted(days(&[dec!(1.004), dec!(2.006)]), &[line(dec!(10))]);
        assert_eq!(spends(&far), [dec!(1.00), dec!(2.01)]);
        // No line for the platform: untouched.
        let none = fitted(days(&[dec!(1.004)]), &[]);
        assert_eq!(spends(&none), [dec!(1.004)]);
    }
}
