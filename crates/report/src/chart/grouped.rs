//! A grouped bar chart: one group of bars per category, one bar per series (for example the
//! revenue each attribution model credits to each channel).

use charts_rs::{BarChart, Series};
use rust_decimal::Decimal;

use super::{
    Amount, At, Chart, DataPoint, color, coordinate, extent, finish, money_axis, round_axis, style,
};
use crate::currency::format_money;

/// The eight Okabe–Ito colours, in an order that keeps neighbouring bars far apart for every
/// common colour-vision deficiency (yellow last: it is the least visible on white).
pub const SERIES_PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2),
    (0xE6, 0x9F, 0x00),
    (0x00, 0x9E, 0x73),
    (0xD5, 0x5E, 0x00),
    (0x56, 0xB4, 0xE9),
    (0xCC, 0x79, 0xA7),
    (0x00, 0x00, 0x00),
    (0xF0, 0xE4, 0x42),
];

/// One series of a grouped bar chart: a name and one amount per category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<Decimal>,
}

/// Draws money amounts as grouped bars: `categories` along the x axis, one bar per series in each
/// group, coloured from [`SERIES_PALETTE`] in series order (a ninth series reuses the first colour;
/// the legend still tells them apart). The text alternative lists every amount.
pub fn grouped_bar_chart(
    title: &str,
    categories: &[String],
    series: &[BarSeries],
    currency: &str,
) -> Result<Chart, crate::ReportError> {
    let list: Vec<Series> = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut values: Vec<f32> = s.values.iter().map(|v| coordinate(*v)).collect();
            values.resize(categories.len(), 0.0);
            let mut line = Series::new(s.name.clone(), values);
            line.colors = None;
            line.index = Some(i);
            line
        })
        .collect();
    let mut chart = BarChart::new(list, categories.to_vec());
    style(&mut chart.base, title);
    chart.base.series.colors = SERIES_PALETTE
        .iter()
        .cycle()
        .take(series.len().max(1))
        .map(|rgb| color(*rgb))
        .collect();
    chart.base.legend.show = Some(true);
    let mut axis = money_axis(currency);
    let (lo, hi) = extent(
        series
            .iter()
            .flat_map(|s| s.values.iter().map(|v| coordinate(*v))),
    );
    round_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];
    let empty = categories.is_empty() || series.is_empty();
    if empty {
        chart.base.series_list.clear();
        chart.base.texts.push(super::no_data_text());
    }
    let alt = if empty {
        format!("{title}: no data for this period.")
    } else {
        let groups: Vec<String> = categories
            .iter()
            .enumerate()
            .map(|(k, category)| {
                let parts: Vec<String> = series
                    .iter()
                    .map(|s| {
                        let value = s.values.get(k).copied().unwrap_or_default();
                        format!("{} {}", s.name, format_money(value, currency))
                    })
                    .collect();
                format!("{category}: {}", parts.join(", "))
            })
            .collect();
        format!("{title}. {}.", groups.join("; "))
    };
    let drawn = if empty {
        Vec::new()
    } else {
        series
            .iter()
            .flat_map(|s| {
                categories.iter().enumerate().map(|(k, category)| {
                    let value = s.values.get(k).copied().unwrap_or_default();
                    (
                        s.name.clone(),
                        DataPoint::new(
                            &s.name,
                            At::Category(category.clone()),
                            Amount::Money(value),
                        ),
                    )
                })
            })
            .collect()
    };
    finish("grouped bars", title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn draws_every_series_with_a_text_alternative() {
        let chart = grouped_bar_chart(
            "Revenue by channel and model",
            &["email".to_owned(), "meta".to_owned()],
            &[
                BarSeries {
                    name: "last_touch".into(),
                    values: vec![dec!(10), dec!(90)],
                },
                BarSeries {
                    name: "linear".into(),
                    values: vec![dec!(40), dec!(60)],
                },
            ],
            "USD",
        )
        .expect("draws");
        assert!(
            chart
                .svg
                .contains("<title>Revenue by channel and model</title>")
        );
        assert!(chart.svg.contains("<desc>"));
        assert!(
            chart
                .alt
                .contains("email: last_touch $10.00, linear $40.00")
        );
        assert!(
            chart.svg.contains("rgb(0,114,178)")
                || chart.svg.contains("#0072B2")
                || chart.svg.contains("#0072b2")
        );
    }

    #[test]
    fn an_empty_chart_says_so() {
        let chart = grouped_bar_chart("T", &[], &[], "USD").expect("draws");
        assert!(chart.alt.contains("no data"));
    }
}
