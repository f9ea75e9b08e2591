//! What a chart shows, point by point, exactly: the hover text of every drawn point, bar and
//! segment, and the chart's data as CSV.
//!
//! charts-rs can give each point a hover target (`tooltip.show`: a transparent circle or the bar
//! itself, holding a native `<title>`, followed by a `ct-tip` label that its own CSS reveals on
//! hover, with no script), but it writes the value it was drawn with: an `f32`, rounded to one
//! decimal (`LinkedIn Ads: 172.8`). [`with_hover_texts`] rewrites those texts from the exact
//! [`DataPoint`]s, matched by the target's `data-series` attribute and its place among that
//! series' targets (charts-rs draws a series' points in data order, leaving out the ones without
//! a value, as the charts here leave them out of their points). Rejected: drawing our own hit
//! targets over the chart, which would mean recomputing charts-rs' scales and layout.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::xml_escape;
use crate::currency::{fixed, format_money, format_percent, grouped};

/// Where a point sits on the x axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    Date(NaiveDate),
    /// A category of a bar chart (a platform, a channel, a model's source).
    Category(String),
    /// A spend on a response curve, in the chart's currency.
    Spend(Decimal),
}

/// What a point's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// In the chart's currency.
    Money(Decimal),
    /// Revenue (or KPI) per unit of spend, written `3.15×`.
    Ratio(Decimal),
    /// A percentage, written `48.50%`.
    Percent(Decimal),
}

/// One drawn point, bar or segment, with the exact numbers behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPoint {
    /// The series as the legend (or the text alternative) names it.
    pub series: String,
    pub at: At,
    pub value: Amount,
    /// The 90 % interval's ends, in the value's unit, where the chart draws one.
    pub interval: Option<(Decimal, Decimal)>,
}

impl DataPoint {
    pub(crate) fn new(series: &str, at: At, value: Amount) -> DataPoint {
        DataPoint {
            series: series.to_owned(),
            at,
            value,
            interval: None,
        }
    }

    /// The hover text: `LinkedIn Ads · 14 Nov 2026: $1,234.56`.
    pub fn text(&self, currency: &str) -> String {
        let at = match &self.at {
            At::Date(d) => spendlens_core::dates::day(*d),
            At::Category(c) => c.clone(),
            At::Spend(s) => format!("spend {}", format_money(*s, currency)),
        };
        let show = |v: Decimal| match self.value {
            Amount::Money(_) => format_money(v, currency),
            Amount::Ratio(_) => format!("{}×", grouped(v, 2)),
            Amount::Percent(_) => format_percent(v),
        };
        let value = match self.value {
            Amount::Money(v) | Amount::Ratio(v) | Amount::Percent(v) => v,
        };
        let mut text = if self.series.is_empty() {
            format!("{at}: {}", show(value))
        } else {
            format!("{} · {at}: {}", self.series, show(value))
        };
        if let Some((low, high)) = self.interval {
            text.push_str(&format!(" (90 % interval {} to {})", show(low), show(high)));
        }
        text
    }
}

/// Money to the cent, half away from zero, as CSV and hover texts write it.
fn cents(value: Decimal) -> String {
    fixed(value, 2)
}

/// A ratio or percentage to four decimals, trailing zeros dropped.
fn plain(value: Decimal) -> String {
    value
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// The header of [`points_csv`].
pub const CSV_HEADER: &str = "series,point,value,low,high,currency";

/// A chart's points as CSV: a header row, then one row per point in drawing order. `point` is
/// the ISO date, the category, or the spend; money is a plain decimal to the cent with the
/// currency code in `currency`; a ratio or a percentage has an empty `currency` (its series says
/// which it is); `low`/`high` are the 90 % interval where the chart draws one.
pub fn points_csv(points: &[DataPoint], currency: &str) -> String {
    let mut out = String::new();
    crate::csv::record(&mut out, CSV_HEADER.split(','));
    for p in points {
        let money = matches!(p.value, Amount::Money(_));
        let number = |v: Decimal| if money { cents(v) } else { plain(v) };
        let value = match p.value {
            Amount::Money(v) | Amount::Ratio(v) | Amount::Percent(v) => v,
        };
        let at = match &p.at {
            At::Date(d) => d.to_string(),
            At::Category(c) => crate::csv::defuse(c),
            At::Spend(s) => cents(*s),
        };
        let (low, high) = p.interval.map_or((String::new(), String::new()), |(l, h)| {
            (number(l), number(h))
        });
        let fields = [
            crate::csv::defuse(&p.series),
            at,
            number(value),
            low,
            high,
            if money {
                currency.to_owned()
            } else {
                String::new()
            },
        ];
        crate::csv::record(&mut out, fields.iter().map(String::as_str));
    }
    out
}

/// The exact hover text of each drawn point, per charts-rs series name, in drawing order.
#[derive(Debug, Default)]
pub(crate) struct HoverTexts(HashMap<String, Vec<String>>);

impl HoverTexts {
    /// Adds the text of the next drawn point of `series` (series of the same name share one
    /// list, in the order they are drawn).
    pub(crate) fn push(&mut self, series: &str, text: String) {
        self.0.entry(series.to_owned()).or_default().push(text);
    }
}

const TRIGGER: &str = "class=\"ct-trigger\"";

/// The value of attribute `name` in one start tag, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Replaces what lies between the first `open` (to the end of its tag) and the next `close` in
/// `part` with `text`; `None` leaves it out altogether (open tag, content and close tag).
fn replace_first(part: &str, open: &str, close: &str, text: Option<&str>) -> String {
    let Some(at) = part.find(open) else {
        return part.to_owned();
    };
    let Some(content) = part[at..].find('>').map(|i| at + i + 1) else {
        return part.to_owned();
    };
    let Some(end) = part[content..].find(close).map(|i| content + i) else {
        return part.to_owned();
    };
    match text {
        Some(text) => format!("{}{}{}", &part[..content], text, &part[end..]),
        None => {
            let tag_start = part[..=at].rfind('<').unwrap_or(at);
            format!("{}{}", &part[..tag_start], &part[end + close.len()..])
        }
    }
}

/// Rewrites the `<title>` and the `ct-tip` label of every hover target in charts-rs output with
/// the exact text from `texts` (the k-th target of a series gets the series' k-th text). A target
/// without a text (a transparent spacer bar) loses its title and its label is emptied, so no
/// rounded drawing value is ever shown.
pub(crate) fn with_hover_texts(svg: &str, texts: &HoverTexts) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 4);
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Cut the document before each target's start tag: each part holds one target, its title
    // and its label.
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = svg[from..].find(TRIGGER) {
        let at = from + i;
        starts.push(svg[..at].rfind('<').unwrap_or(at));
        from = at + TRIGGER.len();
    }
    out.push_str(&svg[..starts.first().copied().unwrap_or(svg.len())]);
    for (n, start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(svg.len());
        let part = &svg[*start..end];
        let tag = &part[..part.find('>').map_or(part.len(), |i| i + 1)];
        let series = attribute(tag, "data-series").unwrap_or_default();
        let k = seen.entry(series.clone()).or_insert(0);
        let text = texts.0.get(&series).and_then(|list| list.get(*k));
        *k += 1;
        let escaped = text.map(|t| xml_escape(t));
        let part = replace_first(part, "<title", "</title>", escaped.as_deref());
        let label = escaped.map_or_else(String::new, |t| format!("\n{t}\n"));
        out.push_str(&replace_first(
            &part,
            "class=\"ct-tip\"",
            "</text>",
            Some(&label),
        ));
    }
    compact_tips(&out)
}

/// The hover labels' presentation attributes, which charts-rs repeats on every label (about a
/// hundred bytes each, a third of a page with a few thousand points), said once in the chart's
/// style rule instead. Only attributes whose value every label shares move; the PDF never sees
/// the labels (see [`without_hover_labels`]), so its renderer needs no CSS.
fn compact_tips(svg: &str) -> String {
    const TIP: &str = "class=\"ct-tip\"";
    const RULE: &str = ".ct-tip{";
    let tags: Vec<&str> = svg
        .match_indices(TIP)
        .filter_map(|(at, _)| {
            let start = svg[..at].rfind('<')?;
            let end = at + svg[at..].find('>')?;
            Some(&svg[start..end])
        })
        .collect();
    let Some(first) = tags.first() else {
        return svg.to_owned();
    };
    if !svg.contains(RULE) {
        return svg.to_owned();
    }
    // (the attribute as written, the same as a CSS declaration)
    let shared: Vec<(String, String)> = ["font-size", "font-family", "fill"]
        .into_iter()
        .filter_map(|name| {
            let value = raw_attribute(first, name)?;
            let css = if name == "font-size" {
                format!("{name}:{}px;", value.parse::<f64>().ok()?)
            } else {
                format!("{name}:{value};")
            };
            let raw = format!(" {name}=\"{value}\"");
            tags.iter().all(|t| t.contains(&raw)).then_some((raw, css))
        })
        .collect();
    if shared.is_empty() {
        return svg.to_owned();
    }
    let css: String = shared.iter().map(|(_, css)| css.as_str()).collect();
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(TIP) {
        let start = rest[..at].rfind('<').unwrap_or(at);
        let Some(end) = rest[at..].find('>').map(|i| at + i) else {
            break;
        };
        let mut tag = rest[start..end].to_owned();
        for (raw, _) in &shared {
            tag = tag.replacen(raw.as_str(), "", 1);
        }
        out.push_str(&rest[..start]);
        out.push_str(&tag);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replacen(RULE, &format!("{RULE}{css}"), 1)
}

/// An attribute's value as written in the tag (entities kept).
fn raw_attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// The SVG without its hover labels (the `ct-tip` texts), for a renderer that has no hover: the
/// PDF. Hidden by CSS opacity they would draw nothing, but their text would still be in the PDF's
/// text layer, read by search and copy. The native `<title>`s stay: they are never drawn.
pub fn without_hover_labels(svg: &str) -> String {
    const LABEL: &str = "class=\"ct-tip\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(LABEL) {
        let start = rest[..at].rfind('<').unwrap_or(at);
        let Some(end) = rest[at..].find("</text>").map(|i| at + i + "</text>".len()) else {
            break;
        };
        out.push_str(&rest[..start]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn check(svg: &str, texts: &[(&str, &str)], expected: &str) {
        let mut hover = HoverTexts::default();
        for (series, text) in texts {
            hover.push(series, (*text).to_owned());
        }
        assert_eq!(with_hover_texts(svg, &hover), expected);
    }

    #[test]
    fn titles_and_labels_take_the_exact_text_by_series_and_order() {
        let svg = "<svg><style>.ct-tip{}</style>\
            <circle class=\"ct-trigger\" data-series=\"A &amp; B\" data-value=\"1.2\">\n<title>A &amp; B: 1.2</title>\n</circle>\
            <text x=\"1\" class=\"ct-tip\">\nA &amp; B: 1.2\n</text>\
            <rect class=\"ct-trigger\" data-series=\"C\"><title>C: 9</title></rect><text class=\"ct-tip\">C: 9</text>\
            <circle class=\"ct-trigger\" data-series=\"A &amp; B\"><title>A &amp; B: 3.4</title></circle>\
            <text class=\"ct-tip\">A &amp; B: 3.4</text></svg>";
        check(
            svg,
            &[
                ("A & B", "A & B · 1 Mar 2025: $1.23"),
                ("C", "C <1>"),
                ("A & B", "second"),
            ],
            "<svg><style>.ct-tip{}</style>\
            <circle class=\"ct-trigger\" data-series=\"A &amp; B\" data-value=\"1.2\">\n<title>A &amp; B · 1 Mar 2025: $1.23</title>\n</circle>\
            <text x=\"1\" class=\"ct-tip\">\nA &amp; B · 1 Mar 2025: $1.23\n</text>\
            <rect class=\"ct-trigger\" data-series=\"C\"><title>C &lt;1&gt;</title></rect><text class=\"ct-tip\">\nC &lt;1&gt;\n</text>\
            <circle class=\"ct-trigger\" data-series=\"A &amp; B\"><title>second</title></circle>\
            <text class=\"ct-tip\">\nsecond\n</text></svg>",
        );
    }

    #[test]
    fn a_target_without_a_text_loses_its_rounded_value() {
        check(
            "<g><rect class=\"ct-trigger\" data-series=\"\"><title>: 4.5</title></rect><text class=\"ct-tip\">: 4.5</text></g>",
            &[("other", "x")],
            "<g><rect class=\"ct-trigger\" data-series=\"\"></rect><text class=\"ct-tip\"></text></g>",
        );
        // No targets at all: unchanged.
        check("<svg><rect/></svg>", &[], "<svg><rect/></svg>");
    }

    #[test]
    fn the_labels_shared_presentation_is_said_once_in_the_style_rule() {
        let tip = |x: u32, fill: &str| {
            format!(
                "<text font-size=\"13\" x=\"{x}\" font-family=\"Roboto, 'Segoe UI'\" fill=\"{fill}\" class=\"ct-tip\">\nA: {x}\n</text>"
            )
        };
        let svg = format!(
            "<svg><style>.ct-tip{{opacity:0}}</style><circle class=\"ct-trigger\" fill=\"#000000\"/>{}{}</svg>",
            tip(1, "#464646"),
            tip(2, "#464646")
        );
        assert_eq!(
            compact_tips(&svg),
            "<svg><style>.ct-tip{font-size:13px;font-family:Roboto, 'Segoe UI';fill:#464646;opacity:0}</style>\
             <circle class=\"ct-trigger\" fill=\"#000000\"/>\
             <text x=\"1\" class=\"ct-tip\">\nA: 1\n</text><text x=\"2\" class=\"ct-tip\">\nA: 2\n</text></svg>"
        );
        // A value the labels do not share stays on each label.
        let mixed = format!(
            "<svg><style>.ct-tip{{opacity:0}}</style>{}{}</svg>",
            tip(1, "#464646"),
            tip(2, "#000000")
        );
        let out = compact_tips(&mixed);
        assert!(out.contains("fill=\"#464646\" class") && out.contains("fill=\"#000000\" class"));
        assert!(out.contains(".ct-tip{font-size:13px;font-family:Roboto, 'Segoe UI';opacity:0}"));
        // Nothing to do without labels or without the rule; a cut tag ends the pass.
        assert_eq!(
            compact_tips("<svg><text>a</text></svg>"),
            "<svg><text>a</text></svg>"
        );
        let cut = "<svg><style>.ct-tip{}</style><text font-size=\"13\" class=\"ct-tip\"";
        assert!(compact_tips(cut).starts_with("<svg>"));
    }

    #[test]
    fn the_pdf_copy_has_no_hover_labels() {
        assert_eq!(
            without_hover_labels(
                "<svg><rect class=\"ct-trigger\"><title>a</title></rect>\
                 <text x=\"1\" class=\"ct-tip\">\na\n</text><text>keep</text>\
                 <text class=\"ct-tip\">b</text></svg>"
            ),
            "<svg><rect class=\"ct-trigger\"><title>a</title></rect><text>keep</text></svg>"
        );
        assert_eq!(without_hover_labels("<svg/>"), "<svg/>");
    }

    #[test]
    fn texts_and_csv_write_exact_decimals() {
        let mut p = DataPoint::new(
            "LinkedIn Ads",
            At::Date(NaiveDate::from_ymd_opt(2026, 11, 14).expect("date")),
            Amount::Money(dec!(1234.555)),
        );
        assert_eq!(p.text("USD"), "LinkedIn Ads · 14 Nov 2026: $1,234.56");
        let roas = DataPoint::new(
            "ROAS",
            At::Category("Meta, Inc".into()),
            Amount::Ratio(dec!(3.14159)),
        );
        assert_eq!(roas.text("USD"), "ROAS · Meta, Inc: 3.14×");
        p.interval = Some((dec!(-1.005), dec!(2)));
        assert_eq!(
            p.text("EUR"),
            "LinkedIn Ads · 14 Nov 2026: €1,234.56 (90 % interval -€1.01 to €2.00)"
        );
        let curve = DataPoint::new("", At::Spend(dec!(10)), Amount::Percent(dec!(48.5)));
        assert_eq!(curve.text("GBP"), "spend GBP 10.00: 48.50%");
        assert_eq!(
            points_csv(&[p, roas, curve], "USD"),
            "series,point,value,low,high,currency\n\
             LinkedIn Ads,2026-11-14,1234.56,-1.01,2.00,USD\n\
             ROAS,\"Meta, Inc\",3.1416,,,\n\
             ,10.00,48.5,,,\n"
        );
    }
}
