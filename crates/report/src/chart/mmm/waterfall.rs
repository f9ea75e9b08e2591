//! The KPI's decomposition as a waterfall: the baseline, each channel floating on the running
//! total with its 90 % interval, and the total (or, given the actual KPI, a bridge to it).

use charts_rs::{AxisLabelOverflow, BarChart, Series, SeriesBand};

use super::super::{Amount, At, DataPoint, color, extent, finish};
use super::{
    BASELINE_GREY, Chart, Contribution, TOTAL_GREY, UNEXPLAINED, channel_colors, checked,
    checked_interval, exact, model_point, money, money_axis, px, signed_axis, style, subtitle,
};
use crate::ReportError;

/// The charts-rs names of the floating bars' three series (the legend is hidden): the hover
/// texts are matched to the segments by them.
const SPACER: &str = "spacer";
const ABOVE: &str = "above zero";
const BELOW: &str = "below zero";

/// One bar of the waterfall, in KPI units.
struct Bar {
    from: f64,
    to: f64,
    whisker: Option<(f64, f64)>,
    rgb: (u8, u8, u8),
}

/// The three stacked series that draw floating bars: a transparent spacer from zero to the bar's
/// near end where the bar is on one side of zero, then the visible segment above zero and the one
/// below it.
fn floating_bars(bars: &[Bar]) -> Vec<Series> {
    let n = bars.len();
    let mut spacer = vec![None; n];
    let mut up = vec![None; n];
    let mut down = vec![None; n];
    let mut colours = vec![None; n];
    let mut up_band = SeriesBand::default();
    let mut down_band = SeriesBand::default();
    for (i, bar) in bars.iter().enumerate() {
        let (lo, hi) = (px(bar.from.min(bar.to)), px(bar.from.max(bar.to)));
        if lo >= 0.0 {
            spacer[i] = (lo > 0.0).then_some(lo);
            up[i] = Some(hi - lo);
        } else if hi <= 0.0 {
            spacer[i] = (hi < 0.0).then_some(hi);
            down[i] = Some(lo - hi);
        } else {
            up[i] = Some(hi);
            down[i] = Some(lo);
        }
        colours[i] = Some(color(bar.rgb));
        let band = if up[i].is_some() {
            &mut up_band
        } else {
            &mut down_band
        };
        band.lower.resize(i, None);
        band.upper.resize(i, None);
        band.lower.push(bar.whisker.map(|w| px(w.0)));
        band.upper.push(bar.whisker.map(|w| px(w.1)));
    }
    let mut list = Vec::with_capacity(3);
    for (name, data, band) in [
        (SPACER, spacer, None),
        (ABOVE, up, Some(up_band)),
        (BELOW, down, Some(down_band)),
    ] {
        let mut series = Series::new_nullable(name.to_owned(), data);
        series.stack = Some("waterfall".to_owned());
        if let Some(mut band) = band {
            band.stroke_width = Some(1.5);
            series.error_bar = Some(band);
            series.colors = Some(colours.clone());
        }
        list.push(series);
    }
    list
}

/// Draws the KPI's decomposition as a waterfall: the baseline, each channel as a bar floating on
/// the running total with its 90 % interval as a whisker at the bar's end, and the total (the
/// baseline plus every channel's mean). Given the `actual` KPI, the waterfall bridges to it: what
/// the model leaves unexplained (the actual less the modelled total) floats last, and the final
/// bar is the KPI itself, so that the chart ends on the figure the books show. A negative
/// baseline hangs below the zero line and the channels start from there. The text alternative
/// lists every mean with its interval and the total; no channel draws an empty chart that says so.
pub fn contribution_chart(
    title: &str,
    baseline: &Contribution,
    channels: &[Contribution],
    actual: Option<f64>,
    currency: &str,
) -> Result<Chart, ReportError> {
    const CHART: &str = "contribution";
    let actual = actual
        .map(|a| checked(CHART, || "the actual KPI".to_owned(), a))
        .transpose()?;
    let base = checked_interval(CHART, baseline)?;
    let channels: Vec<Contribution> = channels
        .iter()
        .map(|c| checked_interval(CHART, c))
        .collect::<Result<_, _>>()?;
    let mut bars = vec![Bar {
        from: 0.0,
        to: base.mean,
        whisker: Some((base.low, base.high)),
        rgb: BASELINE_GREY,
    }];
    let mut running = base.mean;
    let rgb = channel_colors(channels.iter().map(|c| c.name.as_str()));
    for (i, c) in channels.iter().enumerate() {
        bars.push(Bar {
            from: running,
            to: running + c.mean,
            whisker: Some((running + c.low, running + c.high)),
            rgb: rgb[i],
        });
        running += c.mean;
    }
    let modelled = running;
    if let Some(a) = actual {
        bars.push(Bar {
            from: modelled,
            to: a,
            whisker: None,
            rgb: BASELINE_GREY,
        });
    }
    let total = actual.unwrap_or(modelled);
    bars.push(Bar {
        from: 0.0,
        to: total,
        whisker: None,
        rgb: TOTAL_GREY,
    });

    let mut categories = vec![base.name.clone()];
    categories.extend(channels.iter().map(|c| c.name.clone()));
    if actual.is_some() {
        categories.push(UNEXPLAINED.to_owned());
    }
    categories.push(if actual.is_some() { "KPI" } else { "Total" }.to_owned());
    let list = floating_bars(&bars);
    let mut drawn = Vec::new();
    if !channels.is_empty() {
        let sources = std::iter::once(&base).chain(&channels);
        let mut points: Vec<DataPoint> = sources
            .zip(&categories)
            .map(|(c, name)| {
                model_point(
                    "Contribution",
                    At::Category(name.clone()),
                    Amount::Money(exact(c.mean, 2)),
                    Some((exact(c.low, 2), exact(c.high, 2))),
                )
            })
            .collect();
        if let Some(a) = actual {
            points.push(model_point(
                "Contribution",
                At::Category(UNEXPLAINED.to_owned()),
                Amount::Money(exact(a - modelled, 2)),
                None,
            ));
        }
        points.push(model_point(
            "Contribution",
            At::Category(categories.last().cloned().unwrap_or_default()),
            Amount::Money(exact(total, 2)),
            None,
        ));
        // A segment above zero and one below it for each bar, as drawn (a bar across zero has
        // both, with the same text; `finish` keeps the point once).
        for (i, point) in points.iter().enumerate() {
            for (series, k) in [(ABOVE, 1), (BELOW, 2)] {
                if list[k].data.get(i).is_some_and(Option::is_some) {
                    drawn.push((series.to_owned(), point.clone()));
                }
            }
        }
    }
    let mut chart = BarChart::new(list, categories);
    style(&mut chart.base, title);
    chart.base.series.colors = vec![
        charts_rs::Color::transparent(),
        color(TOTAL_GREY),
        color(TOTAL_GREY),
    ];
    chart.base.legend.show = Some(false);
    chart.base.x_axis.label_overflow = AxisLabelOverflow::Rotate;
    subtitle(
        &mut chart.base,
        "Whiskers: 90 % interval of each contribution",
    );
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(bars.iter().flat_map(|b| {
        let (w0, w1) = b.whisker.unwrap_or((b.to, b.to));
        [px(b.from), px(b.to), px(w0), px(w1)]
    }));
    signed_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];
    if channels.is_empty() {
        chart.base.series_list.clear();
        chart.base.sub_title.text.clear();
        chart.base.x_axis.data.clear();
    }

    let alt = if channels.is_empty() {
        format!("{title}: no channel to draw.")
    } else {
        let interval = |c: &Contribution| {
            format!(
                "{} {} (90 % interval {} to {})",
                c.name,
                money(c.mean, currency),
                money(c.low, currency),
                money(c.high, currency)
            )
        };
        let parts: Vec<String> = channels.iter().map(interval).collect();
        let end = match actual {
            Some(a) => format!(
                "modelled total {}; not explained by the model {}; the KPI {}",
                money(modelled, currency),
                money(a - modelled, currency),
                money(a, currency)
            ),
            None => format!("total {}", money(total, currency)),
        };
        let mut alt = format!(
            "{title}: the KPI the model attributes to each source. {}; then {}; {end}.",
            interval(&base),
            parts.join("; "),
        );
        if base.mean < 0.0 {
            alt.push_str(&format!(
                " The baseline is negative ({}): without the channels the model expects a KPI \
                 below zero, so its bar hangs below the zero line and the channels start from there.",
                money(base.mean, currency)
            ));
        }
        alt
    };
    finish(CHART, title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::BLACK;

    fn bar(from: f64, to: f64) -> Bar {
        Bar {
            from,
            to,
            whisker: Some((to - 1.0, to + 1.0)),
            rgb: BLACK,
        }
    }

    #[test]
    fn floating_bars_stack_on_a_spacer_or_split_at_zero() {
        let list = floating_bars(&[
            bar(0.0, 10.0),
            bar(10.0, 4.0),
            bar(-2.0, -8.0),
            bar(-3.0, 5.0),
        ]);
        let data = |k: usize| list[k].data.clone();
        // Spacer, then the segment above zero, then the one below.
        assert_eq!(data(0), vec![None, Some(4.0), Some(-2.0), None]);
        assert_eq!(data(1), vec![Some(10.0), Some(6.0), None, Some(5.0)]);
        assert_eq!(data(2), vec![None, None, Some(-6.0), Some(-3.0)]);
        // Each whisker on the one visible segment that holds it, at data values.
        let up = list[1].error_bar.clone().expect("whiskers");
        assert_eq!(up.lower, vec![Some(9.0), Some(3.0), None, Some(4.0)]);
        let down = list[2].error_bar.clone().expect("whiskers");
        assert_eq!(down.upper, vec![None, None, Some(-7.0)]);
        assert!(list[0].error_bar.is_none());
    }
}
