//! Cumulative spend against the budget, with the burn-rate projection to the end date.

use std::collections::BTreeMap;

use charts_rs::{AxisType, LineChart, Series, Symbol};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::num;

use super::{
    Amount, At, BLACK, BLUE, Chart, DataPoint, VERMILLION, color, coordinate, day_label, extent,
    finish, money_axis, round_axis, style, time_format, timestamp,
};
use crate::currency::{format_money, format_percent};

/// The campaign's total spend on one day (every platform together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyTotal {
    pub date: NaiveDate,
    pub spend: Decimal,
}

/// What the cumulative-spend chart needs: the spend so far, the budget and the pace.
///
/// `daily_burn_rate` is the analysis' `overview.pacing.daily_burn_rate` (spend per elapsed day);
/// the projection continues from the last day with data at that rate until `end_date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetBurn {
    /// In any order; several entries for one day are added up.
    pub daily_totals: Vec<DailyTotal>,
    /// `None` when the campaign has no budget: no budget line is drawn.
    pub budget: Option<Decimal>,
    /// `None` when the campaign has no end date: no projection is drawn.
    pub end_date: Option<NaiveDate>,
    pub daily_burn_rate: Decimal,
    pub currency: String,
    /// Several campaigns together (the organisation's report): each budget covers its own
    /// dates, not the period's, so no budget line is drawn and the title speaks of spend alone.
    pub portfolio: bool,
}

/// Draws cumulative spend, the budget line and the projection at the current burn rate.
pub fn cumulative_spend_chart(input: &BudgetBurn) -> Result<Chart, crate::ReportError> {
    let title = if input.portfolio {
        "Cumulative spend across campaigns"
    } else {
        "Cumulative spend against budget"
    };
    let currency = input.currency.as_str();
    let mut days: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for t in &input.daily_totals {
        let day = days.entry(t.date).or_insert(Decimal::ZERO);
        *day = num::add(*day, t.spend);
    }
    let mut running = Decimal::ZERO;
    let cumulative: Vec<(NaiveDate, Decimal)> = days
        .iter()
        .map(|(d, s)| {
            running = num::add(running, *s);
            (*d, running)
        })
        .collect();

    let first = cumulative.first().map(|(d, _)| *d);
    let last = cumulative.last().copied();

    // The projection: from the last day with data, at the burn rate, to the end date.
    let projection = match (input.end_date, last) {
        (Some(end), Some((last_date, spent))) if end > last_date => {
            let days_left = Decimal::from((end - last_date).num_days());
            let projected = num::add(spent, num::mul(input.daily_burn_rate, days_left));
            Some((last_date, spent, end, projected))
        }
        _ => None,
    };
    let span_end = projection
        .map(|(_, _, end, _)| end)
        .or(last.map(|(d, _)| d));
    let slots = first
        .zip(span_end)
        .and_then(|(a, b)| super::every_day(a, b));

    let mut series_list = Vec::new();
    let mut colours = Vec::new();
    let mut sentences = Vec::new();

    let actual_name = "Cumulative spend";
    let mut drawn = Vec::new();
    let money_point = |series: &str, day: NaiveDate, value: Decimal| {
        (
            series.to_owned(),
            DataPoint::new(series, At::Date(day), Amount::Money(value)),
        )
    };
    let mut actual = match &slots {
        Some(slots) => {
            let mut next = cumulative.iter().peekable();
            let mut current = None;
            let exact: Vec<Option<Decimal>> = slots
                .iter()
                .map(|day| {
                    while let Some((_, value)) = next.next_if(|(d, _)| d <= day) {
                        current = Some(*value);
                    }
                    current.filter(|_| last.is_some_and(|(l, _)| *day <= l))
                })
                .collect();
            for (day, value) in slots.iter().zip(&exact) {
                if let Some(v) = value {
                    drawn.push(money_point(actual_name, *day, *v));
                }
            }
            Series::new_nullable(
                actual_name.to_owned(),
                exact.iter().map(|v| v.map(coordinate)).collect(),
            )
        }
        None => {
            drawn.extend(
                cumulative
                    .iter()
                    .map(|(d, v)| money_point(actual_name, *d, *v)),
            );
            let mut series = Series::new(
                actual_name.to_owned(),
                cumulative.iter().map(|(_, v)| coordinate(*v)).collect(),
            );
            series.x_values = Some(cumulative.iter().map(|(d, _)| timestamp(*d)).collect());
            series
        }
    };
    actual.symbol = Some(Symbol::None);
    actual.fill = Some(true);
    series_list.push(actual);
    colours.push(color(BLUE));

    if let Some((last_date, spent)) = last {
        sentences.push(format!(
            "Cumulative spend reached {} by {}",
            format_money(spent, currency),
            spendlens_core::dates::day(last_date)
        ));
    } else {
        sentences.push("No spend has been recorded yet".to_owned());
    }

    if let Some((from, spent, end, projected)) = projection {
        let name = "Projection at current burn rate";
        let at = |day: NaiveDate| {
            let days = Decimal::from((day - from).num_days());
            num::add(spent, num::mul(input.daily_burn_rate, days))
        };
        let mut series = match &slots {
            Some(slots) => {
                let exact: Vec<Option<Decimal>> = slots
                    .iter()
                    .map(|day| (*day >= from && *day <= end).then(|| at(*day)))
                    .collect();
                for (day, value) in slots.iter().zip(&exact) {
                    if let Some(v) = value {
                        drawn.push(money_point(name, *day, *v));
                    }
                }
                Series::new_nullable(
                    name.to_owned(),
                    exact.iter().map(|v| v.map(coordinate)).collect(),
                )
            }
            None => {
                drawn.push(money_point(name, from, spent));
                drawn.push(money_point(name, end, projected));
                let mut series = Series::new(
                    name.to_owned(),
                    vec![coordinate(spent), coordinate(projected)],
                );
                series.x_values = Some(vec![timestamp(from), timestamp(end)]);
                series
            }
        };
        series.stroke_dash_array = Some("8 4".to_owned());
        series.symbol = Some(Symbol::None);
        series_list.push(series);
        colours.push(color(VERMILLION));
        sentences.push(format!(
            "at {} a day it is projected to reach {} by the end date {}",
            format_money(input.daily_burn_rate, currency),
            format_money(projected, currency),
            spendlens_core::dates::day(end)
        ));
    }

    if let Some(budget) = input.budget {
        if let (Some(start), Some(stop)) = (first, span_end) {
            let level = coordinate(budget);
            let mut series = match &slots {
                Some(slots) => {
                    drawn.extend(slots.iter().map(|d| money_point("Budget", *d, budget)));
                    Series::new("Budget".to_owned(), vec![level; slots.len()])
                }
                None => {
                    drawn.push(money_point("Budget", start, budget));
                    drawn.push(money_point("Budget", stop, budget));
                    let mut series = Series::new("Budget".to_owned(), vec![level, level]);
                    series.x_values = Some(vec![timestamp(start), timestamp(stop)]);
                    series
                }
            };
            series.stroke_dash_array = Some("2 3".to_owned());
            series.symbol = Some(Symbol::None);
            series_list.push(series);
            colours.push(color(BLACK));
        }
        let spent = last.map_or(Decimal::ZERO, |(_, s)| s);
        let mut sentence = format!(
            "against a budget of {} ({} used",
            format_money(budget, currency),
            format_percent(num::pct_or_zero(spent, budget))
        );
        if let Some((_, _, _, projected)) = projection {
            let gap = num::sub(projected, budget);
            if gap > Decimal::ZERO {
                sentence.push_str(&format!(
                    "; the projection ends {} over budget",
                    format_money(gap, currency)
                ));
            } else {
                sentence.push_str(&format!(
                    "; the projection ends {} under budget",
                    format_money(num::sub(budget, projected), currency)
                ));
            }
        }
        sentence.push(')');
        sentences.push(sentence);
    } else if input.portfolio {
        sentences.push(
            "each campaign's budget covers its own dates, not this period, so no budget line is \
             drawn"
                .to_owned(),
        );
    } else {
        sentences.push("no budget is set, so no budget line is drawn".to_owned());
    }

    let mut chart = LineChart::new(series_list, Vec::new());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.series.stroke_width = 2.0;
    chart.base.series.fill_opacity = Some(0.15);
    match (&slots, first, span_end) {
        (Some(slots), _, _) => {
            chart.base.x_axis.data = slots.iter().map(|d| day_label(*d)).collect()
        }
        (None, Some(a), Some(b)) => {
            chart.base.x_axis.kind = AxisType::Time;
            chart.base.x_axis.formatter = Some(time_format(a, b).to_owned());
        }
        _ => {}
    }
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(
        chart
            .base
            .series_list
            .iter()
            .flat_map(|s| s.data.iter().flatten().copied()),
    );
    // Headroom above the highest line, so a budget on a round value is not drawn on the frame.
    round_axis(&mut axis, lo, hi * 1.04);
    chart.y_axis_configs = vec![axis];
    if cumulative.is_empty() {
        chart.base.series_list.clear();
        drawn.clear();
    }

    let alt = format!("{}.", sentences.join(", "));
    finish("cumulative spend", title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).expect("date")
    }

    fn burn(budget: Option<Decimal>, end: Option<NaiveDate>) -> BudgetBurn {
        BudgetBurn {
            daily_totals: vec![
                DailyTotal {
                    date: day(1, 2),
                    spend: dec!(100),
                },
                DailyTotal {
                    date: day(1, 1),
                    spend: dec!(50),
                },
                DailyTotal {
                    date: day(1, 2),
                    spend: dec!(25.5),
                },
            ],
            budget,
            end_date: end,
            daily_burn_rate: dec!(87.75),
            currency: "EUR".to_owned(),
            portfolio: false,
        }
    }

    #[test]
    fn the_projection_runs_from_the_last_day_to_the_end_date() {
        let chart =
            cumulative_spend_chart(&burn(Some(dec!(1000)), Some(day(1, 12)))).expect("chart");
        assert_eq!(
            chart.alt,
            "Cumulative spend reached €175.50 by 2 Jan 2025, at €87.75 a day it is projected to \
             reach €1,053.00 by the end date 12 Jan 2025, against a budget of €1,000.00 (17.55% \
             used; the projection ends €53.00 over budget)."
        );
        assert!(chart.svg.contains("Projection at current burn rate"));
        assert!(chart.svg.contains("Budget"));
        assert!(chart.svg.contains("€"), "currency on the axis");
    }

    #[test]
    fn without_budget_or_end_date_only_the_spend_is_drawn() {
        let chart = cumulative_spend_chart(&burn(None, None)).expect("chart");
        assert_eq!(
            chart.alt,
            "Cumulative spend reached €175.50 by 2 Jan 2025, no budget is set, so no budget line is drawn."
        );
        assert!(!chart.svg.contains("Projection"));
        // An end date before the data: no projection either.
        let chart = cumulative_spend_chart(&burn(Some(dec!(100)), Some(day(1, 1)))).expect("chart");
        assert!(!chart.svg.contains("Projection"));
        assert!(chart.alt.contains("(175.50% used)"), "{}", chart.alt);
    }

    #[test]
    fn over_several_campaigns_no_budget_is_claimed_missing() {
        let chart = cumulative_spend_chart(&BudgetBurn {
            portfolio: true,
            ..burn(None, None)
        })
        .expect("chart");
        assert_eq!(chart.title, "Cumulative spend across campaigns");
        assert_eq!(
            chart.alt,
            "Cumulative spend reached €175.50 by 2 Jan 2025, each campaign's budget covers its own \
             dates, not this period, so no budget line is drawn."
        );
    }

    #[test]
    fn no_data_at_all_still_draws() {
        let mut input = burn(Some(dec!(10)), Some(day(2, 1)));
        input.daily_totals.clear();
        let chart = cumulative_spend_chart(&input).expect("chart");
        assert!(chart.alt.starts_with("No spend has been recorded yet"));
    }
}
