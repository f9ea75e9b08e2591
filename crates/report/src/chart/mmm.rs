//! The marketing-mix model's charts: the contribution waterfall, ROI with its interval per channel,
//! response curves of any channel, and the decomposition of the KPI over time.
//!
//! The model's outputs are fitted statistics, so these charts take `f64` (the contract's JSON
//! numbers) rather than `Decimal`; every number a person reads is still written through
//! [`format_money`] (or as a ratio with two decimals). A value that is not a finite number, or is
//! beyond [`MAX_VALUE`], is an error that names the chart, the series and (over time) the date:
//! drawing it as 0 would state a result the model never gave.
//!
//! An ad platform's channel has the platform's own colour, as on the campaign's charts
//! ([`super::platform_color`]: LinkedIn blue, Meta orange, Google Ads green); every other channel
//! (offline media) takes the next colour of [`SERIES_PALETTE`] that no platform of the chart
//! has, by its position, the same in all four charts when the caller passes them in the same
//! order; the baseline is grey and the total dark grey, colours no channel has.
//!
//! The waterfall is drawn with charts-rs' bar chart, not its waterfall chart: that one colours bars
//! only by sign and draws no interval. A floating bar is a transparent spacer with the visible
//! segment stacked on it (the bar chart stacks positive and negative values apart, each away from
//! zero), or two visible segments, one each side of zero, when the bar crosses it; the interval is
//! an error bar at data values, so a channel's whisker sits at the end of its bar, from the running
//! total plus its low to the running total plus its high. The bars carry no value labels: charts-rs
//! labels a bar with the value of its segment, which for a bar on a spacer or split at zero is not
//! the channel's contribution; the text alternative has the numbers. Ratios are written with `×`,
//! as the ROAS chart writes them.

use charts_rs::{
    AxisLabelOverflow, AxisType, BarChart, LineChart, MarkArea, MarkLineCategory, Series,
    SeriesBand, Symbol, YAxisConfig,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::{
    Amount, At, BLACK, CHART_HEIGHT, Chart, DataPoint, SERIES_PALETTE, color, extent, finish,
    money_axis, platform_color, round_axis, style, value_axis,
};
use crate::ReportError;
use crate::currency::{currency_prefix, format_money, grouped};

mod decomposition;
mod waterfall;

pub use decomposition::decomposition_chart;
pub use waterfall::contribution_chart;

/// One source of the KPI with its 90 % interval: the baseline or a channel's contribution (KPI
/// amounts in currency units), or, for [`roi_interval_chart`], a channel's ROI (KPI per unit of
/// spend).
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub name: String,
    pub mean: f64,
    /// The 5th percentile.
    pub low: f64,
    /// The 95th percentile.
    pub high: f64,
}

/// A channel's response curve (KPI per day against spend per day, in currency units) and its
/// current spend, the recent average, on it.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedCurve {
    pub name: String,
    /// Points of the curve, `(spend, response)`; drawn by increasing spend.
    pub points: Vec<(f64, f64)>,
    /// `None` for a channel without recent spend: nothing is marked.
    pub current: Option<(f64, f64)>,
}

/// The largest magnitude a value may have (10¹⁵): far beyond any KPI or spend, and still exact
/// enough as a drawing coordinate and a `Decimal`.
pub const MAX_VALUE: f64 = 1e15;

/// The baseline's grey and the total's dark grey: neutral, and in no channel's palette.
const BASELINE_GREY: (u8, u8, u8) = (0x99, 0x99, 0x99);
const TOTAL_GREY: (u8, u8, u8) = (0x55, 0x5B, 0x63);
/// The waterfall's bar for what the model leaves unexplained.
const UNEXPLAINED: &str = "Not explained";

/// Each channel's colour, by its name (a platform's code or its display name is the platform).
fn channel_colors<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(u8, u8, u8)> {
    use spendlens_core::Platform;
    let platform = |name: &str| {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == name || p.display_name() == name)
    };
    let names: Vec<&str> = names.into_iter().collect();
    let taken: Vec<(u8, u8, u8)> = names
        .iter()
        .filter_map(|n| platform(n))
        .map(platform_color)
        .collect();
    let free: Vec<(u8, u8, u8)> = SERIES_PALETTE
        .into_iter()
        .filter(|c| !taken.contains(c))
        .collect();
    let mut next = 0usize;
    names
        .iter()
        .map(|n| {
            platform(n).map_or_else(
                || {
                    let c = free.get(next % free.len().max(1)).copied();
                    next += 1;
                    c.unwrap_or(SERIES_PALETTE[0])
                },
                platform_color,
            )
        })
        .collect()
}

/// `value` when it is finite and within [`MAX_VALUE`], else an error saying which value it is.
fn checked(
    chart: &'static str,
    what: impl FnOnce() -> String,
    value: f64,
) -> Result<f64, ReportError> {
    if value.is_finite() && value.abs() <= MAX_VALUE {
        Ok(value)
    } else {
        Err(ReportError::Chart {
            chart,
            message: format!("{} is {value}, not a finite number within ±1e15", what()),
        })
    }
}

/// A [`Contribution`] whose three numbers are checked, with `low <= high`.
fn checked_interval(chart: &'static str, c: &Contribution) -> Result<Contribution, ReportError> {
    let mean = checked(chart, || format!("the mean of \"{}\"", c.name), c.mean)?;
    let low = checked(chart, || format!("the low end of \"{}\"", c.name), c.low)?;
    let high = checked(chart, || format!("the high end of \"{}\"", c.name), c.high)?;
    Ok(Contribution {
        name: c.name.clone(),
        mean,
        low: low.min(high),
        high: low.max(high),
    })
}

/// A checked value as a drawing coordinate (exact enough: 24 bits of a value within 10¹⁵).
#[allow(clippy::cast_possible_truncation)]
fn px(value: f64) -> f32 {
    value as f32
}

/// A checked value as an exact amount: to the cent (money) or to four decimals (a ratio).
fn exact(value: f64, dp: u32) -> Decimal {
    Decimal::from_f64(value).unwrap_or_default().round_dp(dp)
}

/// A drawn point of a model's chart: `value` in its unit, with its interval when it has one.
fn model_point(
    series: &str,
    at: At,
    value: Amount,
    interval: Option<(Decimal, Decimal)>,
) -> DataPoint {
    DataPoint {
        interval,
        ..DataPoint::new(series, at, value)
    }
}

/// A checked value as money for people.
fn money(value: f64, currency: &str) -> String {
    format_money(Decimal::from_f64(value).unwrap_or_default(), currency)
}

/// A ratio for people, with two decimals: `1.77×`.
fn ratio(value: f64) -> String {
    format!(
        "{}×",
        grouped(Decimal::from_f64(value).unwrap_or_default(), 2)
    )
}

/// Sets a y axis to round bounds in round steps, at most six, with zero on a tick, also when the
/// values go below zero (where [`round_axis`] leaves the bounds to charts-rs, which ends them on
/// the data: `-522000`).
fn signed_axis(axis: &mut YAxisConfig, lo: f32, hi: f32) {
    if lo >= 0.0 || !(lo.is_finite() && hi.is_finite()) {
        round_axis(axis, lo, hi);
        return;
    }
    let (below_zero, above_zero) = (-lo, hi.max(0.0));
    let magnitude = 10f32.powf(((below_zero + above_zero) / 6.0).log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0].map(|m| m * magnitude) {
        let below = (1u8..=6).find(|k| f32::from(*k) * step >= below_zero);
        let above = (0u8..=6).find(|k| f32::from(*k) * step >= above_zero);
        if let (Some(below), Some(above)) = (below, above)
            && below + above <= 6
        {
            axis.min = Some(-f32::from(below) * step);
            axis.max = Some(f32::from(above) * step);
            axis.split_number = usize::from(below + above);
            return;
        }
    }
    axis.min = None;
}

/// The house sub-title: a line under the title saying how to read the marks.
fn subtitle(base: &mut charts_rs::ChartBase, text: &str) {
    base.sub_title.text = text.to_owned();
    base.sub_title.font.size = 13.0;
    base.sub_title.align = charts_rs::Align::Left;
}

/// Draws each channel's return per unit of spend (the KPI it caused per unit, named by `measure`:
/// the contract's ROI, the pages' incremental ROAS) as a bar with its 90 % interval as a whisker,
/// and, at `reference` (typically 1.0), a solid black break-even line across the plot named in the
/// legend.
///
/// The line is a thin band (charts-rs' mark area) rather than a mark line: a mark line comes with
/// a dot, an arrowhead and its value written over the bars. The text alternative lists every
/// figure with its interval and says which channels are above, below or around break-even.
pub fn roi_interval_chart(
    title: &str,
    measure: &str,
    channels: &[Contribution],
    reference: Option<f64>,
) -> Result<Chart, ReportError> {
    const CHART: &str = "ROI intervals";
    let channels: Vec<Contribution> = channels
        .iter()
        .map(|c| checked_interval(CHART, c))
        .collect::<Result<_, _>>()?;
    let reference = reference
        .map(|r| checked(CHART, || "the reference".to_owned(), r))
        .transpose()?;

    let mut bars = Series::new(String::new(), channels.iter().map(|c| px(c.mean)).collect());
    let rgb = channel_colors(channels.iter().map(|c| c.name.as_str()));
    bars.colors = Some(rgb.iter().map(|c| Some(color(*c))).collect());
    bars.error_bar = Some(SeriesBand {
        stroke_width: Some(1.5),
        ..SeriesBand::new(
            channels.iter().map(|c| px(c.low)).collect(),
            channels.iter().map(|c| px(c.high)).collect(),
        )
    });
    bars.stack = Some("roi".to_owned());
    let mut axis = value_axis();
    axis.formatter = Some("{c}×".to_owned());
    let (lo, hi) = extent(
        channels
            .iter()
            .flat_map(|c| [px(c.mean), px(c.low), px(c.high)])
            .chain(reference.map(px)),
    );
    signed_axis(&mut axis, lo, hi);
    let mut list = vec![bars];
    let mut colours = vec![color(rgb.first().copied().unwrap_or(SERIES_PALETTE[0]))];
    if let (Some(reference), false) = (reference, channels.is_empty()) {
        // Half the line's width in axis units: about 1 px of the ~290 px plot.
        let span = match (axis.min, axis.max) {
            (Some(min), Some(max)) => max - min,
            _ => (hi - lo) * 1.1,
        };
        let half = span.max(f32::EPSILON) / (CHART_HEIGHT - 110.0);
        let mut line = Series::new_nullable(
            format!("break-even ({})", ratio(reference)),
            vec![None; channels.len()],
        );
        // In the bars' stack, so that it takes no slot of its own beside them.
        line.stack = Some("roi".to_owned());
        line.mark_areas = vec![MarkArea {
            from: MarkLineCategory::Value(px(reference) - half),
            to: MarkLineCategory::Value(px(reference) + half),
            color: Some(color(BLACK)),
            opacity: Some(1.0),
        }];
        list.push(line);
        colours.push(color(BLACK));
    }
    let drawn = channels
        .iter()
        .map(|c| {
            (
                String::new(),
                model_point(
                    measure,
                    At::Category(c.name.clone()),
                    Amount::Ratio(exact(c.mean, 4)),
                    Some((exact(c.low, 4), exact(c.high, 4))),
                ),
            )
        })
        .collect();
    let mut chart = BarChart::new(list, channels.iter().map(|c| c.name.clone()).collect());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.legend.show = Some(reference.is_some());
    chart.base.legend.category = charts_rs::LegendCategory::Normal;
    chart.base.x_axis.label_overflow = AxisLabelOverflow::Rotate;
    subtitle(
        &mut chart.base,
        &format!("{measure} (KPI caused per unit of spend); whiskers: 90 % interval"),
    );
    chart.radius = Some(2.0);
    chart.y_axis_configs = vec![axis];
    if channels.is_empty() {
        chart.base.series_list.clear();
        chart.base.sub_title.text.clear();
    }

    let alt = if channels.is_empty() {
        format!("{title}: no channel to draw.")
    } else {
        let parts: Vec<String> = channels
            .iter()
            .map(|c| {
                format!(
                    "{} {} (90 % interval {} to {})",
                    c.name,
                    ratio(c.mean),
                    ratio(c.low),
                    ratio(c.high)
                )
            })
            .collect();
        let mut alt = format!(
            "{title}: {measure} per channel (KPI caused per unit of spend) with 90 % intervals. {}.",
            parts.join("; ")
        );
        if let Some(reference) = reference {
            let names = |keep: &dyn Fn(&Contribution) -> bool| {
                let names: Vec<&str> = channels
                    .iter()
                    .filter(|c| keep(c))
                    .map(|c| c.name.as_str())
                    .collect();
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            };
            alt.push_str(&format!(
                " Break-even is {}. Whole interval above it: {}. Whole interval below it: {}. \
                 Interval includes it: {}.",
                ratio(reference),
                names(&|c| c.low > reference),
                names(&|c| c.high < reference),
                names(&|c| c.low <= reference && c.high >= reference),
            ));
        }
        alt
    };
    finish(CHART, title, chart.svg(), alt, drawn, "")
}

/// Draws every channel's response curve (KPI per day against spend per day, both in `currency`),
/// coloured by position, with its current spend marked as a circle on it. For any channel name,
/// offline media included, unlike [`super::response_curves_chart`] which colours by platform.
pub fn named_curves_chart(
    title: &str,
    curves: &[NamedCurve],
    currency: &str,
) -> Result<Chart, ReportError> {
    const CHART: &str = "named response curves";
    let mut list = Vec::new();
    let mut colours = Vec::new();
    let mut ys = Vec::new();
    let mut currents = Vec::with_capacity(curves.len());
    let mut drawn = Vec::new();
    let curve_colours = channel_colors(curves.iter().map(|c| c.name.as_str()));
    for (i, curve) in curves.iter().enumerate() {
        let point = |(x, y): (f64, f64), k: usize| -> Result<(f64, f64), ReportError> {
            let what = |axis: &str| format!("the {axis} of point {k} of \"{}\"", curve.name);
            Ok((
                checked(CHART, || what("spend"), x)?,
                checked(CHART, || what("response"), y)?,
            ))
        };
        let mut points: Vec<(f64, f64)> = curve
            .points
            .iter()
            .enumerate()
            .map(|(k, p)| point(*p, k + 1))
            .collect::<Result<_, _>>()?;
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let current = curve
            .current
            .map(|(x, y)| {
                let what = |axis: &str| format!("the current {axis} of \"{}\"", curve.name);
                Ok::<_, ReportError>((
                    checked(CHART, || what("spend"), x)?,
                    checked(CHART, || what("response"), y)?,
                ))
            })
            .transpose()?;
        let rgb = color(curve_colours[i]);
        let per_day = |(x, y): (f64, f64), series: &str| {
            model_point(
                series,
                At::Spend(exact(x, 2)),
                Amount::Money(exact(y, 2)),
                None,
            )
        };
        drawn.extend(
            points
                .iter()
                .map(|p| (curve.name.clone(), per_day(*p, &curve.name))),
        );
        if let Some(p) = current {
            // The markers are nameless in the chart (see below), so their texts go by order.
            drawn.push((
                String::new(),
                per_day(p, &format!("{} current", curve.name)),
            ));
        }
        let mut line = Series::new(curve.name.clone(), points.iter().map(|p| px(p.1)).collect());
        line.x_values = Some(points.iter().map(|p| p.0).collect());
        line.symbol = Some(Symbol::None);
        list.push(line);
        colours.push(rgb);
        if let Some((x, y)) = current {
            // Nameless, so the legend lists each channel once.
            let mut marker = Series::new(String::new(), vec![px(y)]);
            marker.x_values = Some(vec![x]);
            marker.symbol = Some(Symbol::Circle(6.0, None));
            list.push(marker);
            colours.push(rgb);
        }
        ys.extend(points.iter().chain(current.as_ref()).map(|p| px(p.1)));
        currents.push((curve.name.as_str(), current));
    }
    let mut chart = LineChart::new(list, Vec::new());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.series.stroke_width = 2.0;
    chart.base.x_axis.kind = AxisType::Value;
    chart.base.x_axis.formatter = Some(format!(
        "{}{{c}}",
        currency_prefix(currency).replace(['{', '}'], "")
    ));
    chart.base.x_axis.title = "Spend per day".to_owned();
    chart.base.legend.show = Some(true);
    subtitle(
        &mut chart.base,
        "KPI per day; circles: current spend (recent average)",
    );
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(ys);
    signed_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];
    if curves.is_empty() {
        chart.base.series_list.clear();
        chart.base.sub_title.text.clear();
    }

    let alt = if curves.is_empty() {
        format!("{title}: no channel to draw.")
    } else {
        let parts: Vec<String> = currents
            .iter()
            .map(|(name, current)| match current {
                Some((x, y)) => format!(
                    "{name}: current spend {} per day for an expected {} per day",
                    money(*x, currency),
                    money(*y, currency)
                ),
                None => format!("{name}: no recent spend"),
            })
            .collect();
        format!(
            "{title}: expected KPI per day against spend per day, per channel. {}.",
            parts.join("; ")
        )
    };
    finish(CHART, title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A platform's channel has the platform's colour (as on the campaign's charts), by its code
    /// or its display name; offline channels take, in order, the palette's colours no platform of
    /// the chart has.
    #[test]
    fn platforms_keep_their_colour_and_offline_channels_take_the_free_ones() {
        use spendlens_core::Platform;
        let got = channel_colors(["Google Ads", "tv", "linkedin", "radio"]);
        let free: Vec<(u8, u8, u8)> = SERIES_PALETTE
            .into_iter()
            .filter(|c| {
                *c != platform_color(Platform::GoogleAds)
                    && *c != platform_color(Platform::LinkedIn)
            })
            .collect();
        assert_eq!(
            got,
            [
                platform_color(Platform::GoogleAds),
                free[0],
                platform_color(Platform::LinkedIn),
                free[1],
            ]
        );
        assert!(!free.contains(&platform_color(Platform::LinkedIn)));
    }

    fn axis(lo: f32, hi: f32) -> (Option<f32>, Option<f32>, usize) {
        let mut axis = value_axis();
        signed_axis(&mut axis, lo, hi);
        (axis.min, axis.max, axis.split_number)
    }

    #[test]
    fn axes_below_zero_end_on_round_values_with_zero_on_a_tick() {
        assert_eq!(
            axis(-150_000.0, 1_473_567.7),
            (Some(-500_000.0), Some(1_500_000.0), 4)
        );
        assert_eq!(axis(-3_000.0, 0.0), (Some(-3_000.0), Some(0.0), 6));
        assert_eq!(axis(-0.01, 10.0), (Some(-2.0), Some(10.0), 6));
        assert_eq!(axis(-10.0, 10.0), (Some(-10.0), Some(10.0), 4));
        // From zero up, as every other chart does it.
        assert_eq!(axis(0.0, 219.7), (Some(0.0), Some(250.0), 5));
        // Nothing finite: charts-rs' own bounds.
        assert_eq!(axis(f32::NEG_INFINITY, 1.0).1, None);
    }
}
