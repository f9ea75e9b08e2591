//! SVG charts for the web UI and the PDF, each with a text alternative.
//!
//! Every chart is drawn by charts-rs (no hand-drawn paths) from plain input structs holding
//! `Decimal` money; amounts become `f32` only as drawing coordinates, and every number a person
//! reads in the text alternative is formatted from the exact decimals. The palette is Okabe–Ito
//! (distinguishable with every common colour-vision deficiency), one fixed colour per platform so
//! that a platform looks the same in every chart of a report. The marketing-mix model's charts
//! ([`contribution_chart`] and the others in `mmm`) take the model's fitted `f64` statistics
//! instead, and colour channels by position, since a channel need not be a platform.

mod cumulative;
mod curves;
mod daily;
mod data;
mod grouped;
mod mmm;
mod platforms;

pub use cumulative::{BudgetBurn, DailyTotal, cumulative_spend_chart};
pub use curves::{CurveSeries, response_curves_chart};
pub use daily::{DailySpend, daily_spend_chart};
pub use data::{Amount, At, CSV_HEADER, DataPoint, points_csv, without_hover_labels};
pub use grouped::{BarSeries, SERIES_PALETTE, grouped_bar_chart};
pub use mmm::{
    Contribution, MAX_VALUE, NamedCurve, contribution_chart, decomposition_chart,
    named_curves_chart, roi_interval_chart,
};
pub use platforms::{budget_share_chart, roas_chart};

use charts_rs::{Color, YAxisConfig};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::Platform;

use crate::currency::currency_prefix;
use crate::error::ReportError;

/// A drawn chart: the SVG and the sentence that says what it shows.
///
/// The SVG already carries the alternative (`role="img"`, `aria-label`, `<title>` and `<desc>`),
/// so it can be inlined in a page as it is; `alt` is there for places that need the text on its
/// own (an `<img alt>`, a table caption, a screen-reader summary in the PDF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// A short heading, also the chart's `<title>`.
    pub title: String,
    /// A standalone SVG document.
    pub svg: String,
    /// One or two sentences with the numbers the chart shows.
    pub alt: String,
    /// Every drawn point, bar and segment with its exact numbers (the SVG's hover texts).
    pub points: Vec<DataPoint>,
    /// The currency of the money among `points` (empty for a chart of ratios only).
    pub currency: String,
}

impl Chart {
    /// The visible caption, in two parts: a lead to set in bold and the rest. The text
    /// alternative stands alone, so most begin with the title ("What caused the KPI: the KPI
    /// the model attributes…", "Daily spend by platform from 14 Oct…"); a caption under the
    /// titled chart then says the title once, as its lead, the sentence going on after it.
    /// Otherwise the lead is the title with a full stop.
    pub fn caption(&self) -> (String, &str) {
        self.alt
            .strip_prefix(self.title.as_str())
            .and_then(|rest| match rest.chars().next()? {
                mark @ (':' | '.') => {
                    Some((format!("{}{mark}", self.title), rest[1..].trim_start()))
                }
                ' ' => Some((self.title.clone(), rest.trim_start())),
                _ => None,
            })
            .unwrap_or_else(|| (format!("{}.", self.title), self.alt.as_str()))
    }

    /// The chart's data as CSV ([`points_csv`]).
    pub fn csv(&self) -> String {
        points_csv(&self.points, &self.currency)
    }

    /// The SVG as a file of its own: the same drawing with [`FONT_FAMILY`]'s web font embedded
    /// (`woff2`, the bytes the UI serves) as an `@font-face` with a `data:` URI, so that it shows
    /// in the UI's font wherever it is opened, offline too. The inline copy on a page goes
    /// without it: the page's stylesheet already declares the font, and a 60 kB font in every
    /// chart of a page would be sent again with each one.
    pub fn standalone_svg(&self, woff2: &[u8]) -> String {
        use base64::Engine;
        let face = format!(
            "<style>@font-face{{font-family:Roboto;font-style:normal;font-weight:100 900;\
             src:url(data:font/woff2;base64,{}) format('woff2')}}</style>",
            base64::engine::general_purpose::STANDARD.encode(woff2)
        );
        // After the root element's start tag, before anything is drawn.
        match self
            .svg
            .find("<svg")
            .and_then(|s| self.svg[s..].find('>').map(|e| s + e + 1))
        {
            Some(at) if !self.svg[..at].ends_with("/>") => {
                format!("{}{face}{}", &self.svg[..at], &self.svg[at..])
            }
            _ => self.svg.clone(),
        }
    }
}

/// The width of every chart, in SVG pixels (the PDF scales it to the text width).
pub const CHART_WIDTH: f32 = 720.0;
/// The height of every chart, in SVG pixels.
pub const CHART_HEIGHT: f32 = 400.0;

/// The font of every chart's text: Roboto, the font the UI declares first and serves itself, and
/// the one charts-rs measures text with (its embedded Roboto) and the PDF draws it in, then the
/// UI's system fallbacks. charts-rs measures with its Roboto whenever the family it is given is
/// not one it has registered, so the layout is measured in the font the text is shown in.
pub const FONT_FAMILY: &str = "Roboto, system-ui, -apple-system, 'Segoe UI', sans-serif";

/// Okabe–Ito black, for reference lines such as the budget.
const BLACK: (u8, u8, u8) = (0x00, 0x00, 0x00);
/// Okabe–Ito vermillion, for projections (a colour no platform uses in the same chart).
const VERMILLION: (u8, u8, u8) = (0xD5, 0x5E, 0x00);
/// Okabe–Ito blue, for a single measured series.
const BLUE: (u8, u8, u8) = (0x00, 0x72, 0xB2);

/// The Okabe–Ito colour of a platform. Yellow is left out: it is unreadable as a thin line on
/// white.
pub fn platform_color(platform: Platform) -> (u8, u8, u8) {
    match platform {
        Platform::LinkedIn => (0x00, 0x72, 0xB2),
        Platform::Meta => (0xE6, 0x9F, 0x00),
        Platform::GoogleAds => (0x00, 0x9E, 0x73),
        Platform::CustomIntegration => (0xD5, 0x5E, 0x00),
        Platform::Sheets => (0xCC, 0x79, 0xA7),
        Platform::Ga4 => (0x56, 0xB4, 0xE9),
    }
}

fn color(rgb: (u8, u8, u8)) -> Color {
    Color::from(rgb)
}

/// A decimal as a drawing coordinate. Every `Decimal` fits an `f32` (the largest is about
/// 7.9e28); `0` stands in for the impossible failure.
fn coordinate(value: Decimal) -> f32 {
    value.to_f32().unwrap_or(0.0)
}

/// A date as the unix timestamp of its midnight (UTC), the unit of charts-rs' time axis.
fn timestamp(date: NaiveDate) -> f64 {
    let seconds = date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    // Every NaiveDate is within ±2^43 seconds of the epoch: exact in an f64.
    i32::try_from(seconds / 86_400).map_or(0.0, |days| f64::from(days) * 86_400.0)
}

/// Spans up to this many days are drawn on a category axis with one slot per day; longer ones on
/// a time axis. charts-rs picks time ticks by the width of the plot, which on a few days means
/// ticks every few hours, all labelled with the same day.
const SHORT_SPAN_DAYS: i64 = 31;

/// Every day from `first` to `last`, when that is a short span.
fn every_day(first: NaiveDate, last: NaiveDate) -> Option<Vec<NaiveDate>> {
    if last < first || (last - first).num_days() > SHORT_SPAN_DAYS {
        return None;
    }
    Some(first.iter_days().take_while(|d| *d <= last).collect())
}

/// The label of a day on a category axis.
fn day_label(date: NaiveDate) -> String {
    date.format("%d %b").to_string()
}

/// The tick format of a time axis: day and month up to a year and a bit, then month and two-digit
/// year (short enough that the labels of a long span do not run into each other).
fn time_format(first: NaiveDate, last: NaiveDate) -> &'static str {
    if (last - first).num_days() > 400 {
        "%b %y"
    } else {
        "%d %b"
    }
}

/// An empty-chart notice for charts whose type draws none of its own.
fn no_data_text() -> charts_rs::TextConfig {
    charts_rs::TextConfig {
        text: NO_DATA.to_owned(),
        font: charts_rs::FontConfig {
            size: 14.0,
            color: color((0x55, 0x5B, 0x63)),
            ..Default::default()
        },
        ..Default::default()
    }
}

const NO_DATA: &str = "No data for this period";

/// The y axis every money chart uses: labels in the report's currency (`$1.2k`, `GBP 1.2k`).
fn money_axis(currency: &str) -> YAxisConfig {
    let mut axis = value_axis();
    axis.formatter = Some(format!(
        "{}{{c}}",
        escape_braces(&currency_prefix(currency))
    ));
    axis
}

/// Sets a y axis to run from 0 to a round maximum in round steps (1, 2, 2.5 or 5 × 10ⁿ), at most
/// six of them. Left alone, charts-rs splits the data's range into equal parts (0.7, 1.4, 2.1…).
/// A range with negative values keeps charts-rs' own bounds.
fn round_axis(axis: &mut YAxisConfig, min: f32, max: f32) {
    if !(min.is_finite() && max.is_finite()) || min < 0.0 {
        axis.min = None;
        return;
    }
    if max <= 0.0 {
        return;
    }
    let raw = max / 6.0;
    let magnitude = 10f32.powf(raw.log10().floor());
    let Some(step) = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step * 6.0 >= max)
    else {
        return;
    };
    let Some(splits) = (1u8..=6).find(|k| f32::from(*k) * step >= max) else {
        return;
    };
    axis.max = Some(f32::from(splits) * step);
    axis.split_number = usize::from(splits);
}

/// The smallest and largest of some drawing values (0 and 0 for none).
fn extent(values: impl IntoIterator<Item = f32>) -> (f32, f32) {
    values
        .into_iter()
        .fold((0.0, 0.0), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A y axis with readable labels and a zero baseline.
fn value_axis() -> YAxisConfig {
    YAxisConfig {
        font: charts_rs::FontConfig {
            size: 13.0,
            color: color((0x33, 0x33, 0x33)),
            ..Default::default()
        },
        split_number: 5,
        name_gap: 8.0,
        min: Some(0.0),
        ..Default::default()
    }
}

/// charts-rs formatters use `{c}`; a prefix cannot contain braces after [`currency_prefix`], but
/// this keeps the guarantee local.
fn escape_braces(text: &str) -> String {
    text.replace(['{', '}'], "")
}

/// Applies the house style shared by every chart: size, title, legible fonts, white background.
fn style(base: &mut charts_rs::ChartBase, title: &str) {
    base.width = CHART_WIDTH;
    base.height = CHART_HEIGHT;
    base.margin = charts_rs::Box {
        left: 10.0,
        top: 10.0,
        right: 20.0,
        bottom: 10.0,
    };
    base.background_color = color((0xFF, 0xFF, 0xFF));
    base.title.text = title.to_owned();
    base.title.font.size = 18.0;
    base.title.align = charts_rs::Align::Left;
    base.legend.font.size = 13.0;
    base.x_axis.font.size = 13.0;
    base.series.label.font.size = 13.0;
    base.empty_text = Some(NO_DATA.to_owned());
    base.font_family = FONT_FAMILY.to_owned();
    base.tooltip.show = true;
}

/// Escapes text for an XML attribute or element.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 forbids are dropped rather than escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The drawn points of a chart: each with the charts-rs series it is drawn in (which may differ
/// from the series people read, e.g. the segments of a floating bar), in drawing order.
pub(crate) type Drawn = Vec<(String, DataPoint)>;

/// Finishes a chart: writes the exact hover text of every point into the SVG and adds
/// `role="img"`, `aria-label`, `<title>` and `<desc>` to it.
fn finish(
    chart: &'static str,
    title: &str,
    svg: charts_rs::Result<String>,
    alt: String,
    drawn: Drawn,
    currency: &str,
) -> Result<Chart, ReportError> {
    let svg = svg.map_err(|e| ReportError::Chart {
        chart,
        message: e.to_string(),
    })?;
    let mut hover = data::HoverTexts::default();
    for (series, point) in &drawn {
        hover.push(series, point.text(currency));
    }
    let svg = data::with_hover_texts(&svg, &hover);
    let svg = with_negative_axis_labels(&svg, currency);
    let svg = with_text_alternative(&svg, title, &alt);
    let mut points: Vec<DataPoint> = drawn.into_iter().map(|(_, p)| p).collect();
    // A point drawn as two segments (a bar across zero) is one point of the data.
    points.dedup();
    Ok(Chart {
        title: title.to_owned(),
        svg,
        alt,
        points,
        currency: currency.to_owned(),
    })
}

/// charts-rs shortens an axis label to `$150k` only when it is positive: below zero it writes
/// `$-50000`, the currency before the sign and every digit. Rewrites such labels (a whole text
/// element that is the currency, a minus and a plain number) as `-$50k`, shortened as charts-rs
/// shortens the positive ones. Hover texts and captions, written with grouped digits, never match.
fn with_negative_axis_labels(svg: &str, currency: &str) -> String {
    let prefix = xml_escape(&currency_prefix(currency));
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(end) = rest.find("</text>") {
        // The text element's content: from the end of its start tag to `</text>`; charts-rs
        // writes it between line breaks.
        let start = rest[..end].rfind('>').map_or(0, |i| i + 1);
        let content = &rest[start..end];
        let value = content
            .trim()
            .strip_prefix(prefix.as_str())
            .and_then(|t| t.strip_prefix('-'))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .and_then(|n| n.parse::<f64>().ok());
        out.push_str(&rest[..start]);
        match value {
            Some(v) => {
                let lead = &content[..content.len() - content.trim_start().len()];
                let tail = &content[content.trim_end().len()..];
                out.push_str(&format!("{lead}-{prefix}{}{tail}", short_number(v)));
            }
            None => out.push_str(content),
        }
        out.push_str("</text>");
        rest = &rest[end + "</text>".len()..];
    }
    out.push_str(rest);
    out
}

/// A non-negative number as charts-rs writes its axis labels: `k`, `M`, `G` or `T` from a
/// thousand up, with at most one decimal, trailing zeros dropped (`2.5k`, `50k`, `1.2M`, `800`).
fn short_number(value: f64) -> String {
    let (scaled, unit) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(size, _)| value >= *size)
        .map_or((value, ""), |(size, unit)| (value / size, unit));
    let mut text = format!("{scaled:.1}");
    if text.ends_with(".0") {
        text.truncate(text.len() - 2);
    }
    text + unit
}

fn with_text_alternative(svg: &str, title: &str, alt: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_owned();
    };
    let Some(end) = svg[start..].find('>').map(|i| start + i) else {
        return svg.to_owned();
    };
    let self_closing = svg[..end].ends_with('/');
    let head_end = if self_closing { end - 1 } else { end };
    let mut out = String::with_capacity(svg.len() + title.len() + 2 * alt.len() + 96);
    out.push_str(&svg[..head_end]);
    out.push_str(" role=\"img\" aria-label=\"");
    out.push_str(&xml_escape(alt));
    out.push('"');
    out.push('>');
    out.push_str("<title>");
    out.push_str(&xml_escape(title));
    out.push_str("</title><desc>");
    out.push_str(&xml_escape(alt));
    out.push_str("</desc>");
    if self_closing {
        out.push_str("</svg>");
    } else {
        out.push_str(&svg[end + 1..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_says_the_title_once() {
        let chart = |title: &str, alt: &str| Chart {
            title: title.to_owned(),
            svg: String::new(),
            alt: alt.to_owned(),
            points: Vec::new(),
            currency: String::new(),
        };
        let c = chart(
            "What caused the KPI",
            "What caused the KPI: the KPI by source.",
        );
        assert_eq!(
            c.caption(),
            ("What caused the KPI:".to_owned(), "the KPI by source.")
        );
        let c = chart("Spend by platform", "Spend by platform. Meta $5.");
        assert_eq!(c.caption(), ("Spend by platform.".to_owned(), "Meta $5."));
        let c = chart("Daily spend", "No spend has been recorded yet.");
        assert_eq!(
            c.caption(),
            ("Daily spend.".to_owned(), "No spend has been recorded yet.")
        );
        let c = chart("Daily spend", "Daily spend from 1 May, $5 in total.");
        assert_eq!(
            c.caption(),
            ("Daily spend".to_owned(), "from 1 May, $5 in total.")
        );
        let c = chart("ROI", "ROIs of three channels.");
        assert_eq!(c.caption(), ("ROI.".to_owned(), "ROIs of three channels."));
    }

    #[test]
    fn negative_axis_labels_read_like_the_positive_ones() {
        let svg = "<text x=\"1\">\n$-50000\n</text><text>$-2500</text><text>$-500</text>\
                   <text>$150k</text><text>$0</text><text>-$88,386.45</text><text>$-1,200</text>\
                   <text>$-</text><title>$-7</title>";
        assert_eq!(
            with_negative_axis_labels(svg, "USD"),
            "<text x=\"1\">\n-$50k\n</text><text>-$2.5k</text><text>-$500</text>\
             <text>$150k</text><text>$0</text><text>-$88,386.45</text><text>$-1,200</text>\
             <text>$-</text><title>$-7</title>"
        );
        assert_eq!(
            with_negative_axis_labels("<text>GBP -1200000</text><text>€-3000</text>", "GBP"),
            "<text>-GBP 1.2M</text><text>€-3000</text>"
        );
        for (value, text) in [
            (0.0, "0"),
            (999.0, "999"),
            (1_000.0, "1k"),
            (2_500.0, "2.5k"),
            (1_250_000.0, "1.2M"),
            (3e9, "3G"),
            (4.5e12, "4.5T"),
        ] {
            assert_eq!(short_number(value), text, "{value}");
        }
    }

    #[test]
    fn the_text_alternative_goes_inside_the_root_element() {
        let svg = with_text_alternative(
            "<svg width=\"1\" height=\"1\"><rect/></svg>",
            "T & U",
            "a <b> \"c\"",
        );
        assert_eq!(
            svg,
            "<svg width=\"1\" height=\"1\" role=\"img\" aria-label=\"a &lt;b&gt; &quot;c&quot;\">\
             <title>T &amp; U</title><desc>a &lt;b&gt; &quot;c&quot;</desc><rect/></svg>"
        );
        assert_eq!(
            with_text_alternative("<svg/>", "t", "a"),
            "<svg role=\"img\" aria-label=\"a\"><title>t</title><desc>a</desc></svg>"
        );
    }

    #[test]
    fn axes_end_on_round_values() {
        let check = |max: f32, expected_max: f32, splits: usize| {
            let mut axis = value_axis();
            round_axis(&mut axis, 0.0, max);
            assert_eq!(axis.max, Some(expected_max), "max for {max}");
            assert_eq!(axis.split_number, splits, "splits for {max}");
        };
        check(3.15, 4.0, 4);
        check(219.7, 250.0, 5);
        check(150_000.0, 150_000.0, 6);
        check(187_000.0, 200_000.0, 4);
        check(48.5, 50.0, 5);
        let mut axis = value_axis();
        round_axis(&mut axis, -5.0, 10.0);
        assert_eq!((axis.min, axis.max), (None, None));
        round_axis(&mut axis, 0.0, f32::NAN);
        assert_eq!(axis.max, None);
    }

    #[test]
    fn dates_are_midnight_timestamps() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
        assert!((timestamp(d) - 1_735_776_000.0).abs() < 0.5);
        assert!(timestamp(NaiveDate::MAX).is_finite());
        assert!(timestamp(NaiveDate::MIN) < 0.0);
    }

    #[test]
    fn every_platform_has_its_own_colour() {
        let mut colours: Vec<_> = Platform::ALL.iter().map(|p| platform_color(*p)).collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), Platform::ALL.len());
    }
}
