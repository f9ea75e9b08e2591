//! Confirmed report figures into daily rows, as the user chooses ([`PeriodChoice`], the choice
//! every period report gets): each period spread evenly over its days (cents and counts
//! distributed so every sum stays exact, as `table/period.rs` spreads a CSV's period rows), or
//! everything booked on one day. A report is never booked without that choice.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};

use crate::model::PeriodChoice;

/// The ad figures of one period (or of the whole report) as confirmed, to be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    /// The days the figures cover: `None` when nothing says (a report that states no period).
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    pub conversions: Decimal,
}

/// The most daily rows one confirmation gives: a spread of ten years of report, far beyond an
/// agency's report, well within one request's memory.
pub const MAX_BOOKED_DAYS: usize = 3_700;

/// Books confirmed figures as daily rows of `platform` and the campaign `external_campaign_id`,
/// in `currency` when the report states one.
///
/// Refused (with the reason for the user) without a choice, for overlapping periods (their
/// common days would be counted twice), for a spread of figures without a period, or past
/// [`MAX_BOOKED_DAYS`]. Booked on one day, the figures are summed into one row.
pub fn book_figures(
    rows: &[PeriodRow],
    choice: PeriodChoice,
    platform: Platform,
    external_campaign_id: &str,
    currency: Option<&str>,
) -> Result<Vec<DailyRow>, String> {
    if rows.is_empty() {
        return Err("there are no figures to book".to_owned());
    }
    let mut periods: Vec<(NaiveDate, NaiveDate)> = rows.iter().filter_map(|r| r.period).collect();
    periods.sort();
    if let Some(w) = periods.windows(2).find(|w| w[1].0 <= w[0].1) {
        return Err(format!(
            "the periods {} to {} and {} to {} overlap: booking both would count their common \
             days twice",
            w[0].0, w[0].1, w[1].0, w[1].1
        ));
    }
    let row_of = |figures: &PeriodRow, day: NaiveDate| DailyRow {
        spend: figures.spend,
        impressions: figures.impressions,
        clicks: figures.clicks,
        conversions: figures.conversions,
        currency: currency.map(str::to_owned),
        ..DailyRow::empty(day, platform, external_campaign_id)
    };
    match choice {
        PeriodChoice::Refuse => Err(
            "the figures cover a period: choose to spread them over its days or to book them on \
             one day"
                .to_owned(),
        ),
        PeriodChoice::BookOn(day) => {
            let too_large = || "the figures are too large to add up".to_owned();
            let mut sum = row_of(&rows[0], day);
            for r in &rows[1..] {
                sum.spend = sum.spend.checked_add(r.spend).ok_or_else(too_large)?;
                sum.impressions = sum
                    .impressions
                    .checked_add(r.impressions)
                    .ok_or_else(too_large)?;
                sum.clicks = sum.clicks.checked_add(r.clicks).ok_or_else(too_large)?;
                sum.conversions = sum
                    .conversions
                    .checked_add(r.conversions)
                    .ok_or_else(too_large)?;
            }
            Ok(vec![sum])
        }
        PeriodChoice::Spread => {
            let mut periods = Vec::new();
            for r in rows {
                let Some((start, end)) = r.period else {
                    return Err(
                        "the report states no period to spread its figures over: give the \
                         period's first and last day, or book the figures on one day"
                            .to_owned(),
                    );
                };
                if start > end {
                    return Err(format!("the period {start} to {end} ends before it starts"));
                }
                periods.push((start, end, r));
            }
            periods.sort_by_key(|(s, e, _)| (*s, *e));
            let mut out = Vec::new();
            for (start, end, r) in periods {
                let days: Vec<NaiveDate> = start
                    .iter_days()
                    .take_while(|d| *d <= end)
                    .take(MAX_BOOKED_DAYS + 1)
                    .collect();
                if out.len() + days.len() > MAX_BOOKED_DAYS {
                    return Err(format!(
                        "spreading these figures gives more than {MAX_BOOKED_DAYS} daily rows"
                    ));
                }
                out.extend(crate::table::spread(&row_of(r, start), &days));
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).expect("date")
    }

    fn week(start: NaiveDate, spend: Decimal, clicks: u64) -> PeriodRow {
        PeriodRow {
            period: Some((start, start + chrono::Days::new(6))),
            spend,
            impressions: 1000,
            clicks,
            conversions: dec!(3),
        }
    }

    #[test]
    fn periods_are_spread_exactly_or_booked_on_one_day() {
        let rows = [
            week(d(6, 3), dec!(100.00), 10),
            week(d(6, 10), dec!(50.05), 7),
        ];
        let spread = book_figures(
            &rows,
            PeriodChoice::Spread,
            Platform::CustomIntegration,
            "pdf:r",
            Some("EUR"),
        )
        .expect("spread");
        assert_eq!(spread.len(), 14);
        assert_eq!(
            spread.iter().map(|r| r.spend).sum::<Decimal>(),
            dec!(150.05)
        );
        assert_eq!(spread.iter().map(|r| r.clicks).sum::<u64>(), 17);
        assert_eq!(spread[0].spend, dec!(14.29));
        assert_eq!(spread[6].spend, dec!(14.28));
        assert_eq!(spread[0].currency.as_deref(), Some("EUR"));
        let booked = book_figures(
            &rows,
            PeriodChoice::BookOn(d(6, 30)),
            Platform::CustomIntegration,
            "pdf:r",
            None,
        )
        .expect("booked");
        assert_eq!(booked.len(), 1);
        assert_eq!(
            (booked[0].date, booked[0].spend, booked[0].impressions),
            (d(6, 30), dec!(150.05), 2000)
        );
        assert!(book_figures(&rows, PeriodChoice::Refuse, Platform::Meta, "x", None).is_err());
        let overlap = [week(d(6, 3), dec!(1), 1), week(d(6, 9), dec!(1), 1)];
        let err = book_figures(&overlap, PeriodChoice::Spread, Platform::Meta, "x", None)
            .expect_err("overlap");
        assert!(err.contains("overlap"), "{err}");
    }
}
