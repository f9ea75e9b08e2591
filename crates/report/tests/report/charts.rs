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
    assert!(
        chart.alt.starts_with(
            "Daily spend by platform from 2025-01-01 to 2025-12-31 (365 days with data)"
        )
    );
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
        chart.alt.contains("by the end date 2025-12-31"),
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
