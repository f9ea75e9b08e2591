//! Daily spend by platform over time: one line per platform on a time axis.

use std::collections::BTreeMap;

use charts_rs::{AxisType, LineChart, Series, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::{Platform, num};

use super::{
    Amount, At, Chart, DataPoint, color, coordinate, day_label, extent, finish, money_axis,
    platform_color, round_axis, style, time_format, timestamp,
};
use crate::currency::format_money;

/// One platform's spend on one day. Several entries for the same day and platform are added up; a
/// day a platform has no entry for counts as no spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySpend {
    pub date: NaiveDate,
    pub platform: Platform,
    pub spend: Decimal,
}

/// Draws daily spend by platform, with money on the y axis in `currency`.
///
/// Platforms are drawn in [`Platform::ALL`] order, each in its own colour; an empty input draws an
/// empty chart that says so.
pub fn daily_spend_chart(
    points: &[DailySpend],
    currency: &str,
) -> Result<Chart, crate::ReportError> {
    let title = "Daily spend by platform";
    // date -> spend per platform (indexed like Platform::ALL), exact.
    let mut days: BTreeMap<NaiveDate, [Decimal; 6]> = BTreeMap::new();
    let mut present = [false; 6];
    for p in points {
        let i = platform_index(p.platform);
        let day = days.entry(p.date).or_insert([Decimal::ZERO; 6]);
        day[i] = num::add(day[i], p.spend);
        present[i] = true;
    }

    // A short span gets a slot per day (a day without spend is a 0); a long one a time axis.
    let span = match (days.keys().next(), days.keys().next_back()) {
        (Some(first), Some(last)) => Some((*first, *last)),
        _ => None,
    };
    let slots: Option<Vec<NaiveDate>> =
        span.and_then(|(first, last)| super::every_day(first, last));
    let zero = [Decimal::ZERO; 6];
    let mut series_list = Vec::new();
    let mut colours = Vec::new();
    let mut summaries = Vec::new();
    let mut drawn = Vec::new();
    for (i, platform) in Platform::ALL.into_iter().enumerate() {
        if !present[i] {
            continue;
        }
        let name = platform.display_name();
        let exact: Vec<(NaiveDate, Decimal)> = match &slots {
            Some(slots) => slots
                .iter()
                .map(|d| (*d, days.get(d).unwrap_or(&zero)[i]))
                .collect(),
            None => days.iter().map(|(d, v)| (*d, v[i])).collect(),
        };
        let data: Vec<f32> = exact.iter().map(|(_, v)| coordinate(*v)).collect();
        drawn.extend(exact.iter().map(|(d, v)| {
            (
                name.to_owned(),
                DataPoint::new(name, At::Date(*d), Amount::Money(*v)),
            )
        }));
        let mut series = Series::new(name.to_owned(), data);
        series.symbol = Some(Symbol::None);
        series_list.push(series);
        colours.push(color(platform_color(platform)));

        let total = num::sum(days.values().map(|v| v[i]));
        let peak = days
            .iter()
            .map(|(d, v)| (*d, v[i]))
            .reduce(|best, next| if next.1 > best.1 { next } else { best });
        let mut summary = format!(
            "{} {}",
            platform.display_name(),
            format_money(total, currency)
        );
        if let Some((date, amount)) = peak {
            summary.push_str(&format!(
                " (highest {} on {})",
                format_money(amount, currency),
                spendlens_core::dates::day(date)
            ));
        }
        summaries.push(summary);
    }

    let mut chart = LineChart::new(series_list, Vec::new());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.series.stroke_width = 2.0;
    match (&slots, span) {
        (Some(slots), _) => chart.base.x_axis.data = slots.iter().map(|d| day_label(*d)).collect(),
        (None, Some((first, last))) => {
            chart.base.x_axis.values = days.keys().map(|d| timestamp(*d)).collect();
            chart.base.x_axis.kind = AxisType::Time;
            chart.base.x_axis.formatter = Some(time_format(first, last).to_owned());
        }
        (None, None) => {}
    }
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(
        chart
            .base
            .series_list
            .iter()
            .flat_map(|s| s.data.iter().flatten().copied()),
    );
    round_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];

    let alt = match (days.keys().next(), days.keys().next_back()) {
        (Some(first), Some(last)) => {
            let total = num::sum(days.values().flat_map(|v| v.iter().copied()));
            format!(
                "Daily spend by platform from {} to {} ({} days with data), {} in total: {}.",
                spendlens_core::dates::day(*first),
                spendlens_core::dates::day(*last),
                days.len(),
                format_money(total, currency),
                summaries.join("; ")
            )
        }
        _ => "Daily spend by platform: no spend was recorded in this period.".to_owned(),
    };
    finish("daily spend", title, chart.svg(), alt, drawn, currency)
}

fn platform_index(platform: Platform) -> usize {
    Platform::ALL
        .iter()
        .position(|p| *p == platform)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).expect("date")
    }

    #[test]
    fn spend_is_summed_per_day_and_platform_and_described() {
        let points = vec![
            DailySpend {
                date: day(1),
                platform: Platform::Meta,
                spend: dec!(10.005),
            },
            DailySpend {
                date: day(1),
                platform: Platform::Meta,
                spend: dec!(5),
            },
            DailySpend {
                date: day(2),
                platform: Platform::LinkedIn,
                spend: dec!(1200),
            },
            DailySpend {
                date: day(3),
                platform: Platform::Meta,
                spend: dec!(2.5),
            },
        ];
        let chart = daily_spend_chart(&points, "USD").expect("chart");
        assert_eq!(
            chart.alt,
            "Daily spend by platform from 1 Mar 2025 to 3 Mar 2025 (3 days with data), $1,217.51 in \
             total: LinkedIn Ads $1,200.00 (highest $1,200.00 on 2 Mar 2025); Meta Ads $17.51 \
             (highest $15.01 on 1 Mar 2025)."
        );
        assert!(chart.svg.starts_with("<svg"));
        assert!(chart.svg.contains("LinkedIn Ads"));
        assert!(chart.svg.contains("#0072B2") || chart.svg.contains("#0072b2"));
        assert!(chart.svg.contains("aria-label=\"Daily spend"));
        // Currency-formatted axis labels.
        assert!(chart.svg.contains("\n$1.2k\n"), "{}", chart.svg);
        // One slot per day, labelled once each.
        assert_eq!(chart.svg.matches("\n02 Mar\n").count(), 1, "{}", chart.svg);
    }

    #[test]
    fn an_empty_input_says_so() {
        let chart = daily_spend_chart(&[], "EUR").expect("chart");
        assert!(chart.alt.contains("no spend"));
        assert!(chart.svg.contains("No data for this period"));
    }
}
