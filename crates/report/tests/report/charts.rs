//! The four charts from realistic inputs: valid SVG that a renderer parses, with the text
//! alternative inside.

use super::support;
use spendlens_report::chart::{
    budget_share_chart, cumulative_spend_chart, daily_spend_chart, roas_chart,
};

fn assert_accessible(svg: &str, alt: &str) {
    let root_end = svg.find('>').expect("root tag");
    let root = &svg[..root_end];
    assert!(root.starts_with("<svg"), "{root}");
    assert!(root.contains("role=\"img\""), "{root}");
    assert!(root.contains("aria-label=\""), "{root}");
    assert!(svg.contains("<desc>"));
    assert!(!alt.is_empty());
    // Parses as SVG (usvg is what the PDF writer uses).
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("valid SVG");
    assert!((tree.size().width() - 720.0).abs() < 0.5);
}

#[test]
fn a_year_of_daily_spend_is_drawn_per_platform() {
    let daily = support::daily(365);
    let chart = daily_spend_chart(&daily, "USD").expect("chart");
    assert_accessible(&chart.svg, &chart.alt);
    assert!(chart.alt.starts_with(
        "Daily spend by platform from 1 Jan 2025 to 31 Dec 2025 (365 days with data)"
    ));
    for name in ["LinkedIn Ads", "Meta Ads", "Google Ads"] {
        assert!(chart.svg.contains(name), "legend names {name}");
        assert!(chart.alt.contains(name));
    }
    // Money on the axis in the report's currency, in thousands where the values are.
    assert!(chart.svg.contains("\n$"), "currency-prefixed axis labels");
}

#[test]
fn the_cumulative_chart_projects_to_the_end_date() {
    let daily = support::daily(120);
    let chart =
        cumulative_spend_chart(&support::burn(&daily, support::date(2025, 12, 31))).expect("chart");
    assert_accessible(&chart.svg, &chart.alt);
    assert!(
        chart.alt.contains("by the end date 31 Dec 2025"),
        "{}",
        chart.alt
    );
    assert!(
        chart.alt.contains("against a budget of $150,000.00"),
        "{}",
        chart.alt
    );
    assert!(chart.svg.contains("Projection at current burn rate"));
    assert!(chart.svg.contains("\nBudget\n"));
    assert!(
        chart.svg.contains("$100k") || chart.svg.contains("$50k"),
        "k-formatted money axis"
    );
}

#[test]
fn platform_charts_use_the_okabe_ito_colours() {
    let rows = support::platform_rows();
    let roas = roas_chart(&rows).expect("roas");
    let share = budget_share_chart(&rows, "EUR").expect("share");
    for chart in [&roas, &share] {
        assert_accessible(&chart.svg, &chart.alt);
        let svg = chart.svg.to_uppercase();
        for colour in ["#0072B2", "#E69F00", "#009E73"] {
            assert!(svg.contains(colour), "{colour} in {}", chart.title);
        }
    }
    assert!(roas.alt.contains("LinkedIn Ads 3.15×"), "{}", roas.alt);
    assert!(share.alt.contains("(€48,210.55)"), "{}", share.alt);
}

/// Every hover target of `chart` (a `ct-trigger` element) that has a title: the title's value
/// (after the last `": "`, up to an interval) read as a number, and the value charts-rs drew it
/// with (`data-value`, an `f32` rounded to one decimal).
fn hover_values(svg: &str) -> Vec<(String, f64, f64)> {
    let mut out = Vec::new();
    for part in svg.split("class=\"ct-trigger\"").skip(1) {
        let tag = &part[..part.find('>').expect("tag end")];
        let Some(title) = part
            .split_once("<title>")
            .and_then(|(_, t)| t.split_once("</title>"))
            .map(|(t, _)| t)
        else {
            continue;
        };
        let drawn = tag
            .split_once("data-value=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(v, _)| v.parse::<f64>().expect("data-value"));
        let shown = title.rsplit(": ").next().expect("value");
        let shown = shown.split(" (").next().expect("value");
        let number: String = shown
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
            .collect();
        if let Some(drawn) = drawn {
            out.push((title.to_owned(), number.parse().expect("number"), drawn));
        }
    }
    out
}

#[test]
fn every_point_carries_its_exact_value_and_the_ui_font() {
    use spendlens_report::chart::FONT_FAMILY;
    let daily = support::daily(20);
    let rows = support::platform_rows();
    let charts = [
        daily_spend_chart(&daily, "USD").expect("daily"),
        daily_spend_chart(&support::daily(120), "USD").expect("long daily"),
        cumulative_spend_chart(&support::burn(&daily, support::date(2025, 1, 25))).expect("cum"),
        cumulative_spend_chart(&support::burn(&daily, support::date(2025, 3, 25)))
            .expect("long cum"),
        roas_chart(&rows).expect("roas"),
        budget_share_chart(&rows, "EUR").expect("share"),
    ];
    for chart in &charts {
        let values = hover_values(&chart.svg);
        assert!(!values.is_empty(), "{}", chart.title);
        // One titled target per data point.
        assert_eq!(values.len(), chart.points.len(), "{}", chart.title);
        for (title, shown, drawn) in &values {
            assert!(
                (shown - drawn).abs() <= 0.06 + drawn.abs() * 1e-3,
                "{}: {title} drawn at {drawn}",
                chart.title
            );
        }
        // No text in charts-rs' own font name alone: every text names the UI's stack.
        let families = chart.svg.matches("font-family=\"").count();
        assert!(families > 0);
        assert_eq!(
            chart
                .svg
                .matches(&format!("font-family=\"{FONT_FAMILY}\""))
                .count(),
            families,
            "{}",
            chart.title
        );
        // The PDF's copy has no hover labels, and still parses.
        let printed = spendlens_report::chart::without_hover_labels(&chart.svg);
        assert!(!printed.contains("ct-tip\""));
        usvg::Tree::from_str(&printed, &usvg::Options::default()).expect("valid SVG");
    }
    // Exact cents in a title, where the drawing value has one decimal.
    assert!(
        charts[0]
            .svg
            .contains("<title>LinkedIn Ads · 1 Jan 2025: $172.78</title>"),
        "{}",
        &charts[0].svg[..2000]
    );
    assert!(
        charts[4]
            .svg
            .contains("<title>ROAS · LinkedIn Ads: 3.15×</title>")
    );
}

#[test]
fn a_downloaded_chart_embeds_the_font_and_its_data_is_csv() {
    let chart = roas_chart(&support::platform_rows()).expect("roas");
    let font = b"wOF2 not really a font";
    let standalone = chart.standalone_svg(font);
    assert!(standalone.starts_with("<svg"));
    assert!(standalone.contains(
        "@font-face{font-family:Roboto;font-style:normal;font-weight:100 900;\
         src:url(data:font/woff2;base64,d09GMiBub3QgcmVhbGx5IGEgZm9udA==) format('woff2')}"
    ));
    assert!(!chart.svg.contains("@font-face"), "not in the inline copy");
    usvg::Tree::from_str(&standalone, &usvg::Options::default()).expect("valid SVG");
    let csv = chart.csv();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("series,point,value,low,high,currency"));
    assert_eq!(lines.next(), Some("ROAS,LinkedIn Ads,3.1487,,,"));
    assert_eq!(csv.lines().count(), 1 + 3);
    let daily = daily_spend_chart(&support::daily(3), "GBP").expect("daily");
    assert!(
        daily
            .csv()
            .contains("\nLinkedIn Ads,2025-01-01,172.78,,,GBP\n"),
        "{}",
        daily.csv()
    );
}
