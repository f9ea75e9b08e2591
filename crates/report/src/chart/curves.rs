//! Response curves: expected response against spend per channel, with the current and the
//! optimised spend marked on each curve.

use charts_rs::{AxisType, LineChart, Series, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use spendlens_core::Platform;

use super::{
    Amount, At, Chart, DataPoint, color, finish, money_axis, platform_color, round_axis, style,
};
use crate::currency::format_money;

/// One channel's curve and its two marked points (spend, response), in currency units.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    pub platform: Platform,
    /// Points of the curve, by increasing spend.
    pub points: Vec<(f64, f64)>,
    pub current: (f64, f64),
    pub optimized: (f64, f64),
}

fn money(value: f64) -> Decimal {
    Decimal::from_f64(value).unwrap_or_default().round_dp(2)
}

#[allow(clippy::cast_possible_truncation)] // drawing coordinates
fn px(value: f64) -> f32 {
    if value.is_finite() { value as f32 } else { 0.0 }
}

/// Draws every channel's curve in its platform colour, the current spend as a circle and the
/// optimised spend as a triangle on it. The text alternative lists both points per channel.
pub fn response_curves_chart(
    title: &str,
    curves: &[CurveSeries],
    currency: &str,
) -> Result<Chart, crate::ReportError> {
    let mut list = Vec::new();
    let mut colours = Vec::new();
    let mut max_y: f64 = 0.0;
    let mut drawn = Vec::new();
    for c in curves {
        let name = c.platform.display_name();
        drawn.extend(c.points.iter().map(|(x, y)| {
            (
                name.to_owned(),
                DataPoint::new(name, At::Spend(money(*x)), Amount::Money(money(*y))),
            )
        }));
        let rgb = color(platform_color(c.platform));
        let mut line = Series::new(
            c.platform.display_name().to_owned(),
            c.points.iter().map(|p| px(p.1)).collect(),
        );
        line.x_values = Some(c.points.iter().map(|p| p.0).collect());
        line.symbol = Some(Symbol::None);
        list.push(line);
        colours.push(rgb);
        for (label, point, symbol) in [
            ("current", c.current, Symbol::Circle(6.0, None)),
            ("optimised", c.optimized, Symbol::Triangle(8.0, None)),
        ] {
            // Nameless, so the legend lists each channel once (the sub-title says what the
            // marks are); their hover texts go by order and name the channel.
            drawn.push((
                String::new(),
                DataPoint::new(
                    &format!("{name} {label}"),
                    At::Spend(money(point.0)),
                    Amount::Money(money(point.1)),
                ),
            ));
            let mut marker = Series::new(String::new(), vec![px(point.1)]);
            marker.x_values = Some(vec![point.0]);
            marker.symbol = Some(symbol);
            list.push(marker);
            colours.push(rgb);
        }
        for p in c.points.iter().chain([&c.current, &c.optimized]) {
            max_y = max_y.max(p.1);
        }
    }
    let mut chart = LineChart::new(list, Vec::new());
    style(&mut chart.base, title);
    chart.base.series.colors = colours;
    chart.base.series.stroke_width = 2.0;
    chart.base.x_axis.kind = AxisType::Value;
    chart.base.x_axis.formatter = Some(format!(
        "{}{{c}}",
        super::escape_braces(&crate::currency::currency_prefix(currency))
    ));
    chart.base.x_axis.title = "Spend over the period".to_owned();
    chart.base.legend.show = Some(true);
    chart.base.sub_title.text = "Circles: current spend; triangles: optimised spend".to_owned();
    chart.base.sub_title.font.size = 13.0;
    chart.base.sub_title.align = charts_rs::Align::Left;
    let mut axis = money_axis(currency);
    round_axis(&mut axis, 0.0, px(max_y));
    chart.y_axis_configs = vec![axis];
    if curves.is_empty() {
        chart.base.series_list.clear();
        chart.base.sub_title.text.clear();
        chart.base.texts.push(super::no_data_text());
    }
    let alt = if curves.is_empty() {
        format!("{title}: no channel to draw.")
    } else {
        let parts: Vec<String> = curves
            .iter()
            .map(|c| {
                format!(
                    "{}: current spend {} for an expected {}, optimised spend {} for an expected {}",
                    c.platform.display_name(),
                    format_money(money(c.current.0), currency),
                    format_money(money(c.current.1), currency),
                    format_money(money(c.optimized.0), currency),
                    format_money(money(c.optimized.1), currency),
                )
            })
            .collect();
        format!(
            "{title}: expected response against spend per channel over the planned period. {}.",
            parts.join("; ")
        )
    };
    finish("response curves", title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_draw_with_their_points_described() {
        let points: Vec<(f64, f64)> = (0..=20)
            .map(|i| {
                let x = f64::from(i) * 10.0;
                (x, 500.0 * x / (x + 50.0))
            })
            .collect();
        let chart = response_curves_chart(
            "Response curves",
            &[CurveSeries {
                platform: Platform::Meta,
                points,
                current: (50.0, 250.0),
                optimized: (100.0, 333.33),
            }],
            "USD",
        )
        .expect("draws");
        assert!(chart.svg.contains("<title>Response curves</title>"));
        assert!(
            chart
                .alt
                .contains("Meta Ads: current spend $50.00 for an expected $250.00")
        );
        assert!(
            chart
                .alt
                .contains("optimised spend $100.00 for an expected $333.33")
        );
    }
}
