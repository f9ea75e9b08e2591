//! The decomposition of the KPI over time: the baseline and each channel's contribution as
//! stacked areas, the actual KPI as a line.

use charts_rs::{AxisType, LineChart, Series, Symbol};
use chrono::{Datelike, NaiveDate};

use super::super::{
    BLACK, Chart, color, day_label, every_day, extent, finish, money_axis, style, time_format,
    timestamp,
};
use super::{
    BASELINE_GREY, channel_colors, checked, exact, model_point, money, px, signed_axis, subtitle,
};
use crate::ReportError;
use crate::chart::{Amount, At};

/// Above this many dates the decomposition is drawn as weekly averages: a daily line over two
/// years has more points than the chart has pixels.
const MAX_POINTS: usize = 120;

/// One drawn point of the decomposition: its date (a week's Monday when weekly), how many dates
/// it holds, and the sums of the actual KPI, the baseline and each channel over them.
struct Period {
    date: NaiveDate,
    days: u32,
    sums: Vec<f64>,
}

impl Period {
    /// Series `k` (0 the actual KPI, 1 the baseline, then the channels) per date of the period:
    /// a day's value, or a week's average per day, so that a partial week at either end of the
    /// span does not dip.
    fn per_day(&self, k: usize) -> f64 {
        self.sums.get(k).copied().unwrap_or(0.0) / f64::from(self.days.max(1))
    }
}

/// Draws the KPI over time as stacked areas (the baseline, then each channel's contribution on
/// top) with the actual KPI as a dashed black line, money on the y axis. More than 120 dates are
/// drawn as weekly averages per day (weeks starting on Monday; sums would dip at a partial week),
/// and the text alternative says so. Every series must have one value per date; dates may come in
/// any order but not twice.
pub fn decomposition_chart(
    title: &str,
    dates: &[NaiveDate],
    actual: &[f64],
    baseline: &[f64],
    channels: &[(String, Vec<f64>)],
    currency: &str,
) -> Result<Chart, ReportError> {
    const CHART: &str = "decomposition";
    let bad = |message: String| ReportError::Chart {
        chart: CHART,
        message,
    };
    let series: Vec<(&str, &[f64])> = [("the actual KPI", actual), ("the baseline", baseline)]
        .into_iter()
        .chain(channels.iter().map(|(n, v)| (n.as_str(), v.as_slice())))
        .collect();
    for (name, values) in &series {
        if values.len() != dates.len() {
            return Err(bad(format!(
                "\"{name}\" has {} values for {} dates",
                values.len(),
                dates.len()
            )));
        }
    }
    let mut order: Vec<usize> = (0..dates.len()).collect();
    order.sort_by_key(|i| dates[*i]);
    for pair in order.windows(2) {
        if dates[pair[0]] == dates[pair[1]] {
            return Err(bad(format!("{} appears twice", dates[pair[0]])));
        }
    }
    let weekly = dates.len() > MAX_POINTS;
    let mut totals = vec![0.0; series.len()];
    let mut periods: Vec<Period> = Vec::new();
    for i in order {
        let day = dates[i];
        let value = |(name, values): &(&str, &[f64])| {
            checked(CHART, || format!("\"{name}\" on {day}"), values[i])
        };
        let values: Vec<f64> = series.iter().map(value).collect::<Result<_, _>>()?;
        for (total, v) in totals.iter_mut().zip(&values) {
            *total += v;
        }
        let date = if weekly {
            day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
        } else {
            day
        };
        match periods.last_mut() {
            Some(last) if last.date == date => {
                last.days += 1;
                for (sum, v) in last.sums.iter_mut().zip(&values) {
                    *sum += v;
                }
            }
            _ => periods.push(Period {
                date,
                days: 1,
                sums: values,
            }),
        }
    }

    let mut list = Vec::with_capacity(series.len());
    let mut colours = Vec::with_capacity(series.len());
    let mut drawn = Vec::new();
    let mut points_of = |name: &str, k: usize| {
        for p in &periods {
            drawn.push((
                name.to_owned(),
                model_point(
                    name,
                    At::Date(p.date),
                    Amount::Money(exact(p.per_day(k), 2)),
                    None,
                ),
            ));
        }
    };
    let rgb = channel_colors(channels.iter().map(|(n, _)| n.as_str()));
    let names = std::iter::once("Baseline").chain(channels.iter().map(|(n, _)| n.as_str()));
    for (k, name) in names.enumerate() {
        points_of(name, k + 1);
        let mut area = Series::new(
            name.to_owned(),
            periods.iter().map(|p| px(p.per_day(k + 1))).collect(),
        );
        area.stack = Some("decomposition".to_owned());
        area.fill = Some(true);
        area.symbol = Some(Symbol::None);
        list.push(area);
        colours.push(color(match k {
            0 => BASELINE_GREY,
            k => rgb[k - 1],
        }));
    }
    points_of("Actual KPI (dashed)", 0);
    let mut actual_line = Series::new(
        "Actual KPI (dashed)".to_owned(),
        periods.iter().map(|p| px(p.per_day(0))).collect(),
    );
    actual_line.symbol = Some(Symbol::None);
    actual_line.stroke_dash_array = Some("6,3".to_owned());
    list.push(actual_line);
    colours.push(color(BLACK));

    let mut chart = LineChart::new(list, Vec::new());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.series.stroke_width = 2.0;
    chart.base.series.fill_opacity = Some(0.7);
    chart.base.legend.show = Some(true);
    if weekly {
        subtitle(&mut chart.base, "Weekly averages per day");
    }
    if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
        if every_day(first.date, last.date).is_some() {
            chart.base.x_axis.data = periods.iter().map(|p| day_label(p.date)).collect();
        } else {
            chart.base.x_axis.values = periods.iter().map(|p| timestamp(p.date)).collect();
            chart.base.x_axis.kind = AxisType::Time;
            chart.base.x_axis.formatter = Some(time_format(first.date, last.date).to_owned());
        }
    }
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(periods.iter().flat_map(|p| {
        let mut running = 0.0;
        let mut ends = vec![px(p.per_day(0))];
        for k in 1..series.len() {
            running += p.per_day(k);
            ends.push(px(running));
        }
        ends
    }));
    signed_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];
    if periods.is_empty() {
        chart.base.series_list.clear();
    }

    let alt = match (dates.iter().min(), dates.iter().max()) {
        (Some(first), Some(last)) => {
            let labels = ["actual KPI", "baseline"]
                .into_iter()
                .chain(channels.iter().map(|(n, _)| n.as_str()));
            let parts: Vec<String> = labels
                .zip(&totals)
                .map(|(label, total)| format!("{label} {}", money(*total, currency)))
                .collect();
            let drawn = if weekly {
                format!(
                    ", drawn as {} weekly averages per day, weeks starting on Monday",
                    periods.len()
                )
            } else {
                String::new()
            };
            let mut alt = format!(
                "{title} from {} to {} ({} dates{drawn}), totals: {}.",
                spendlens_core::dates::day(*first),
                spendlens_core::dates::day(*last),
                dates.len(),
                parts.join("; ")
            );
            if totals[1] < 0.0 {
                alt.push_str(
                    " The baseline is negative over the period: its area lies below zero.",
                );
            }
            alt
        }
        _ => format!("{title}: no data for this period."),
    };
    finish(CHART, title, chart.svg(), alt, drawn, currency)
}
