//! The charts of a model run's page, drawn from the stored run document by
//! `spendlens_report::chart`'s marketing-mix charts: the contribution waterfall, incremental
//! ROAS with its interval per channel against break-even, the response curves with the recent
//! spend marked, and the decomposition over time.

use serde_json::Value;
use spendlens_app::labels::Label;
use spendlens_report::chart::{
    Contribution, NamedCurve, contribution_chart, decomposition_chart, named_curves_chart,
    roi_interval_chart,
};

use std::collections::HashMap;

use crate::ui::analysis::ChartView;

/// Points per drawn curve.
const CURVE_POINTS: u32 = 40;

fn name_of(key: &str) -> String {
    key.parse::<spendlens_core::Platform>()
        .map_or_else(|_| key.to_owned(), |p| p.label().to_owned())
}

fn interval(name: String, v: &Value) -> Option<Contribution> {
    Some(Contribution {
        name,
        mean: v["mean"].as_f64()?,
        low: v["low"].as_f64()?,
        high: v["high"].as_f64()?,
    })
}

/// `beta · x^s / (x^s + k^s)`, the model's steady-state KPI per day at a daily spend `x`.
fn hill(beta: f64, k: f64, s: f64, x: f64) -> f64 {
    if x <= 0.0 || k <= 0.0 {
        return 0.0;
    }
    let r = (x / k).powf(s);
    beta * r / (1.0 + r)
}

/// Every chart of the run, in page order; a chart that cannot be drawn is left out (and logged).
pub fn charts(doc: &Value, currency: &str, base: &str) -> Vec<ChartView> {
    let none = HashMap::new();
    let view = |id: &'static str, chart| crate::ui::charts::chart_view(id, chart, base, &none);
    let channels = doc["channels"].as_array().cloned().unwrap_or_default();
    let contributions: Vec<Contribution> = channels
        .iter()
        .filter_map(|c| interval(name_of(c["channel"].as_str()?), &c["contribution"]))
        .collect();
    let rois: Vec<Contribution> = channels
        .iter()
        .filter_map(|c| interval(name_of(c["channel"].as_str()?), &c["roi"]))
        .collect();
    let baseline = interval("Baseline".to_owned(), &doc["baseline"]["contribution"]);
    let curves: Vec<NamedCurve> = doc["curves"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let best = (
                c["beta"].as_f64()?,
                c["half_saturation"].as_f64()?,
                c["shape"].as_f64()?,
            );
            // The curve drawn is the draws' mean, as the table's figures are (its slope at the
            // recent spend is the table's marginal ROAS); the best fit alone where a run kept no
            // draws.
            let mut draws: Vec<(f64, f64, f64)> = c["draws"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| Some((d[0].as_f64()?, d[1].as_f64()?, d[2].as_f64()?)))
                .collect();
            if draws.is_empty() {
                draws.push(best);
            }
            #[allow(clippy::cast_precision_loss)]
            let expected = |x: f64| {
                draws
                    .iter()
                    .map(|(b, k, s)| hill(*b, *k, *s, x))
                    .sum::<f64>()
                    / draws.len() as f64
            };
            let current = c["reference_spend"].as_f64()?;
            // Out to twice the recent spend or the draws' median half-saturation, so the bend
            // of the curve drawn shows.
            let mut halves: Vec<f64> = draws.iter().map(|d| d.1).collect();
            halves.sort_by(f64::total_cmp);
            let half = halves.get(halves.len() / 2).copied().unwrap_or(best.1);
            let top = (current * 2.0).max(half * 2.0);
            let points = (0..=CURVE_POINTS)
                .map(|i| {
                    let x = top * f64::from(i) / f64::from(CURVE_POINTS);
                    (x, expected(x))
                })
                .collect();
            Some(NamedCurve {
                name: name_of(c["channel"].as_str()?),
                points,
                current: Some((current, expected(current))),
            })
        })
        .collect();
    let d = &doc["decomposition"];
    let series = |v: &Value| -> Vec<f64> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|x| x.as_f64().unwrap_or(0.0))
            .collect()
    };
    let dates: Vec<chrono::NaiveDate> = d["dates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str()?.parse().ok())
        .collect();
    let by_channel: Vec<(String, Vec<f64>)> = d["channels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (name_of(k), series(v)))
        .collect();
    [
        baseline.and_then(|b| {
            view(
                "mmm-contribution",
                contribution_chart(
                    "What caused the KPI",
                    &b,
                    &contributions,
                    Some(series(&d["actual"]).iter().sum()),
                    currency,
                ),
            )
        }),
        view(
            "mmm-roi",
            roi_interval_chart(
                "Incremental ROAS per channel, modelled",
                "Incremental ROAS",
                &rois,
                Some(1.0),
            ),
        ),
        view(
            "mmm-curves",
            named_curves_chart("Response curves (KPI per day)", &curves, currency),
        ),
        view(
            "mmm-decomposition",
            decomposition_chart(
                "The KPI over time, by cause",
                &dates,
                &series(&d["actual"]),
                &series(&d["baseline"]),
                &by_channel,
                currency,
            ),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use spendlens_report::chart::At;

    use super::*;

    /// The response curve drawn is the mean of the draws' curves (the table's figures are
    /// means), not the best fit's: a channel with no effect at the best fit but some in its
    /// draws shows a rising curve, at their average.
    #[test]
    fn a_response_curve_is_the_mean_of_the_draws() {
        let doc = json!({
            "curves": [{
                "channel": "linkedin", "beta": 0.0, "half_saturation": 100.0, "shape": 1.0,
                "reference_spend": 100.0,
                "draws": [[40.0, 100.0, 1.0], [80.0, 100.0, 1.0], [0.0, 100.0, 1.0]]
            }]
        });
        let charts = charts(&doc, "USD", "/mmm/x");
        let curves = charts
            .iter()
            .find(|c| c.id == "mmm-curves")
            .expect("curves chart");
        // At the half-saturation spend each draw gives β/2: (20 + 40 + 0) / 3 = 20 a day.
        let current = curves
            .chart
            .points
            .iter()
            .find(|p| p.series.ends_with("current") || p.at == At::Spend(100.into()))
            .expect("the current point");
        assert_eq!(
            current.value,
            spendlens_report::chart::Amount::Money(rust_decimal::Decimal::new(2000, 2)),
            "{current:?}"
        );
    }

    /// The curve runs out to twice the draws' median half-saturation (or twice the recent
    /// spend), not the best fit's, so the bend of the curve drawn shows.
    #[test]
    fn a_response_curve_spans_the_draws_half_saturation() {
        let doc = json!({
            "curves": [{
                "channel": "meta", "beta": 0.0, "half_saturation": 50.0, "shape": 1.0,
                "reference_spend": 100.0,
                "draws": [[40.0, 300.0, 1.0], [80.0, 400.0, 1.0], [60.0, 500.0, 1.0]]
            }]
        });
        let charts = charts(&doc, "USD", "/mmm/x");
        let curves = charts
            .iter()
            .find(|c| c.id == "mmm-curves")
            .expect("curves chart");
        let widest = curves
            .chart
            .points
            .iter()
            .filter_map(|p| match &p.at {
                At::Spend(x) => Some(*x),
                _ => None,
            })
            .max();
        assert_eq!(widest, Some(800.into()));
    }
}
