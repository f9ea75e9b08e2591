//! The per-platform bar charts: ROAS, and each platform's share of the spend.

use charts_rs::{BarChart, HorizontalBarChart, MarkArea, MarkLineCategory, Position, Series};
use rust_decimal::Decimal;
use spendlens_core::analysis::PlatformRow;

use super::{
    Amount, At, BLACK, Chart, DataPoint, color, coordinate, extent, finish, platform_color,
    round_axis, style, value_axis,
};
use crate::currency::{format_money, format_percent, grouped};

/// Draws ROAS by platform as bars, with a thin black break-even line at 1.0×.
///
/// Takes the analysis' platform rows as they are (they are already filtered to platforms with
/// spend or conversions, in platform order).
pub fn roas_chart(rows: &[PlatformRow]) -> Result<Chart, crate::ReportError> {
    let title = "ROAS by platform";
    let names: Vec<String> = rows
        .iter()
        .map(|r| r.platform.display_name().to_owned())
        .collect();
    let mut series = Series::new(
        "ROAS".to_owned(),
        rows.iter().map(|r| coordinate(r.roas)).collect(),
    );
    series.colors = Some(
        rows.iter()
            .map(|r| Some(color(platform_color(r.platform))))
            .collect(),
    );
    series.label_show = true;
    let mut axis = value_axis();
    axis.formatter = Some("{c}×".to_owned());
    // The break-even line at 1× is always on the plot.
    let (lo, hi) = extent(rows.iter().map(|r| coordinate(r.roas)).chain([1.0]));
    round_axis(&mut axis, lo, hi);
    let mut list = vec![series];
    if !rows.is_empty() {
        // A thin band rather than a mark line: charts-rs draws a mark line with a dot, an
        // arrowhead and its value over the bars. In the bars' stack, so it takes no slot of its
        // own; about 1 px of the plot thick.
        let span = match (axis.min, axis.max) {
            (Some(min), Some(max)) => max - min,
            _ => (hi - lo) * 1.1,
        };
        let half = span.max(f32::EPSILON) / (super::CHART_HEIGHT - 110.0);
        list[0].stack = Some("roas".to_owned());
        let mut line =
            Series::new_nullable("break-even (1.00×)".to_owned(), vec![None; rows.len()]);
        line.stack = Some("roas".to_owned());
        line.mark_areas = vec![MarkArea {
            from: MarkLineCategory::Value(1.0 - half),
            to: MarkLineCategory::Value(1.0 + half),
            color: Some(color(BLACK)),
            opacity: Some(1.0),
        }];
        list.push(line);
    }
    let mut chart = BarChart::new(list, names);
    style(&mut chart.base, title);
    chart.base.legend.show = Some(false);
    chart.base.series.label.formatter = "{c}×".to_owned();
    chart.y_axis_configs = vec![axis];
    chart.radius = Some(2.0);
    if rows.is_empty() {
        chart.base.series_list.clear();
    }

    let alt = if rows.is_empty() {
        "ROAS by platform: no platform has spend in this period.".to_owned()
    } else {
        let parts: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {}×", r.platform.display_name(), grouped(r.roas, 2)))
            .collect();
        let below = rows.iter().filter(|r| r.roas < Decimal::ONE).count();
        format!(
            "Return on ad spend by platform (revenue per unit of spend; 1.00× breaks even): {}. {} \
             below break-even.",
            parts.join(", "),
            match below {
                0 => "No platform is".to_owned(),
                1 => "1 platform is".to_owned(),
                n => format!("{n} platforms are"),
            }
        )
    };
    let drawn = rows
        .iter()
        .map(|r| {
            (
                "ROAS".to_owned(),
                DataPoint::new(
                    "ROAS",
                    At::Category(r.platform.display_name().to_owned()),
                    Amount::Ratio(r.roas),
                ),
            )
        })
        .collect();
    finish("ROAS", title, chart.svg(), alt, drawn, "")
}

/// Draws each platform's share of the spend as horizontal bars, labelled in percent.
///
/// Bars rather than a donut: lengths on a common scale are compared more accurately than angles,
/// and the labels never collide with small slices.
pub fn budget_share_chart(
    rows: &[PlatformRow],
    currency: &str,
) -> Result<Chart, crate::ReportError> {
    let title = "Share of spend by platform";
    // Largest share at the top: charts-rs draws the first category at the bottom.
    let mut ordered: Vec<&PlatformRow> = rows.iter().collect();
    ordered.sort_by_key(|r| r.share_pct);
    let names: Vec<String> = ordered
        .iter()
        .map(|r| r.platform.display_name().to_owned())
        .collect();
    let mut series = Series::new(
        "Share of spend".to_owned(),
        ordered.iter().map(|r| coordinate(r.share_pct)).collect(),
    );
    series.colors = Some(
        ordered
            .iter()
            .map(|r| Some(color(platform_color(r.platform))))
            .collect(),
    );
    series.label_show = true;
    let mut chart = HorizontalBarChart::new(vec![series], names);
    style(&mut chart.base, title);
    chart.base.legend.show = Some(false);
    chart.base.series.label.formatter = "{c}%".to_owned();
    chart.series_label_position = Some(Position::Right);
    let mut axis = value_axis();
    axis.formatter = Some("{c}%".to_owned());
    let (lo, hi) = extent(ordered.iter().map(|r| coordinate(r.share_pct)));
    round_axis(&mut axis, lo, hi);
    chart.y_axis_configs = vec![axis];
    if rows.is_empty() {
        chart.base.series_list.clear();
        chart.base.texts.push(super::no_data_text());
    }

    let alt = if rows.is_empty() {
        "Share of spend by platform: no platform has spend in this period.".to_owned()
    } else {
        let parts: Vec<String> = ordered
            .iter()
            .rev()
            .map(|r| {
                format!(
                    "{} {} ({})",
                    r.platform.display_name(),
                    format_percent(r.share_pct),
                    format_money(r.spend, currency)
                )
            })
            .collect();
        format!("Share of spend by platform: {}.", parts.join(", "))
    };
    let drawn = ordered
        .iter()
        .map(|r| {
            (
                "Share of spend".to_owned(),
                DataPoint::new(
                    "Share of spend",
                    At::Category(r.platform.display_name().to_owned()),
                    Amount::Percent(r.share_pct),
                ),
            )
        })
        .collect();
    finish("budget share", title, chart.svg(), alt, drawn, currency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use spendlens_core::Platform;
    use spendlens_core::analysis::{Badge, RevenueSource, Tier};

    pub(crate) fn row(
        platform: Platform,
        spend: Decimal,
        roas: Decimal,
        share: Decimal,
    ) -> PlatformRow {
        PlatformRow {
            platform,
            spend,
            impressions: 0,
            clicks: 0,
            conversions: Decimal::ZERO,
            revenue: spend * roas,
            revenue_source: RevenueSource::Estimated,
            own_value: false,
            roas,
            roi: (roas - Decimal::ONE) * dec!(100),
            net_profit: spend * roas - spend,
            share_pct: share,
            cpc: Decimal::ZERO,
            cvr: Decimal::ZERO,
            roas_badge: Badge::Green,
            roi_badge: Badge::Green,
            tier: Some(Tier::High),
        }
    }

    fn rows() -> Vec<PlatformRow> {
        vec![
            row(Platform::LinkedIn, dec!(600), dec!(3.456), dec!(60)),
            row(Platform::Meta, dec!(300), dec!(0.5), dec!(30)),
            row(Platform::GoogleAds, dec!(100), dec!(1.25), dec!(10)),
        ]
    }

    #[test]
    fn roas_bars_are_described_with_two_decimals() {
        let chart = roas_chart(&rows()).expect("chart");
        assert_eq!(
            chart.alt,
            "Return on ad spend by platform (revenue per unit of spend; 1.00× breaks even): \
             LinkedIn Ads 3.46×, Meta Ads 0.50×, Google Ads 1.25×. 1 platform is below break-even."
        );
        for name in ["LinkedIn Ads", "Meta Ads", "Google Ads"] {
            assert!(chart.svg.contains(name), "{name}");
        }
        assert!(chart.svg.contains("#E69F00") || chart.svg.contains("#e69f00"));
    }

    #[test]
    fn shares_are_listed_largest_first() {
        let chart = budget_share_chart(&rows(), "GBP").expect("chart");
        assert_eq!(
            chart.alt,
            "Share of spend by platform: LinkedIn Ads 60.00% (GBP 600.00), Meta Ads 30.00% \
             (GBP 300.00), Google Ads 10.00% (GBP 100.00)."
        );
        assert!(chart.svg.contains("60%"), "{}", chart.svg);
    }

    #[test]
    fn no_rows_draw_an_empty_chart() {
        assert!(roas_chart(&[]).expect("chart").alt.contains("no platform"));
        assert!(
            budget_share_chart(&[], "USD")
                .expect("chart")
                .svg
                .contains("No data")
        );
    }
}
