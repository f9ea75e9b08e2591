//! A marketing-mix run's page (issue 17), `/mmm/{id}`: what it rests on and whether that still
//! holds (with "Run again" once it does not), the fit and its warnings in sentences, the
//! contribution and incremental ROAS per channel with their intervals beside the
//! platform-reported and attributed figures, the lift tests beside the model, the response curves
//! and the decomposition over time. It reads the stored run document (`spendlens_app::mmm`), the
//! same one `GET /api/mmm/{id}` answers.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use spendlens_app::labels::Label;
use spendlens_app::mmm::kpi_label;
use spendlens_app::mmm::words::{reworded, whole_words};

use crate::state::AppState;
use crate::ui::account::CsrfForm;
use crate::ui::format::{date, money};
use crate::ui::mmm::{names_of, parse};
use crate::ui::session::SignedIn;
use crate::ui::{Layout, UiError, UiResult, render, see_other};

/// One channel's line of a run.
#[derive(Debug)]
pub struct ChannelRow {
    pub key: String,
    /// Whether the best fit finds an effect: when it does not, the row says so before the draws'
    /// means, which would otherwise read as an effect the model just said it could not detect.
    pub detected: bool,
    pub name: String,
    pub spend: String,
    pub contribution: Estimate,
    pub share: String,
    pub roi: Estimate,
    /// The incremental ROAS' mean alone, for the comparison.
    pub roi_mean: String,
    pub marginal: Estimate,
    pub half_life: String,
    pub reported_roas: String,
    pub attributed_roas: String,
}

#[derive(Template)]
#[template(path = "mmm_run.html")]
struct RunPage {
    layout: Layout,
    id: String,
    created: String,
    campaigns: String,
    kpi: String,
    window: String,
    current: bool,
    /// Why the run cannot be fitted again from its kept request (an uploaded file, a deleted
    /// campaign); `None` when it can.
    obstacle: Option<String>,
    csrf: String,
    /// Why "Run again" was refused.
    problem: Option<String>,
    fit: Vec<(String, String)>,
    warnings: Vec<String>,
    /// The chosen campaigns the KPI does not cover, left out of the model (their names).
    left_out: String,
    baseline: Estimate,
    channels: Vec<ChannelRow>,
    attributed_models: String,
    lifts: Vec<LiftRow>,
    charts: Vec<crate::ui::analysis::ChartView>,
}

/// A lift test beside the model's figure for the channel over the test's days.
#[derive(Debug)]
pub struct LiftRow {
    pub key: String,
    pub channel: String,
    pub days: String,
    /// `$5,184.54 ± $518.45`.
    pub measured: String,
    pub before: Estimate,
    pub after: Estimate,
    pub agrees: bool,
}

fn lift_rows(doc: &Value, currency: &str) -> Vec<LiftRow> {
    let day = |v: &Value| {
        v.as_str()
            .and_then(|d| d.parse().ok())
            .map_or_else(String::new, crate::ui::format::date)
    };
    doc["calibration"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let key = c["channel"].as_str().unwrap_or_default().to_owned();
            LiftRow {
                channel: channel_name(&key),
                key,
                days: format!("{} – {}", day(&c["from"]), day(&c["to"])),
                measured: format!(
                    "{} ± {}",
                    amount(c["lift"].as_f64().unwrap_or(0.0), currency),
                    amount(c["lift_se"].as_f64().unwrap_or(0.0), currency)
                ),
                before: interval(&c["uncalibrated"], |x| amount(x, currency)),
                after: interval(&c["calibrated"], |x| amount(x, currency)),
                agrees: c["agrees"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// A modelled figure and its 90 % interval, shown on a line of its own under it (on one line the
/// channel table did not fit a laptop's width).
#[derive(Debug)]
pub struct Estimate {
    pub mean: String,
    /// `($9,323.04 – $118,575.00)`; empty when the figure is missing.
    pub range: String,
}

fn interval(v: &Value, fmt: impl Fn(f64) -> String) -> Estimate {
    match (v["mean"].as_f64(), v["low"].as_f64(), v["high"].as_f64()) {
        (Some(m), Some(l), Some(h)) => Estimate {
            mean: fmt(m),
            range: format!("({} – {})", fmt(l), fmt(h)),
        },
        _ => Estimate {
            mean: "n/a".to_owned(),
            range: String::new(),
        },
    }
}

/// The model's word for revenue caused per unit of spend, and the page's. Marketing-mix tools
/// call it ROI; spendlens keeps ROI for profit over cost (the Finance pages' figure), so here it
/// is the incremental ROAS, beside the platforms' and attribution's ROAS. Longest first.
const RETURN_WORDS: [(&str, &str); 3] = [
    ("marginal ROI", "marginal ROAS"),
    ("ROIs", "incremental ROAS figures"),
    ("ROI", "incremental ROAS"),
];

/// A model sentence for the page: the KPI and each channel
/// by its name (`Google Ads'` for the possessive of a name ending in s), and the return by the
/// page's words.
fn readable(sentence: &str, doc: &Value) -> String {
    let mut out = sentence.to_owned();
    if let Some(code) = doc["kpi"].as_str()
        && code.contains('_')
    {
        out = out.replace(code, kpi_label(code));
    }
    for c in doc["channels"].as_array().into_iter().flatten() {
        if let Some(key) = c["channel"].as_str() {
            let name = channel_name(key);
            if name.ends_with('s') {
                out = whole_words(&out, &format!("{key}'s"), &format!("{name}'"));
            }
            out = whole_words(&out, key, &name);
        }
    }
    reworded(&out, &RETURN_WORDS)
}

fn channel_name(key: &str) -> String {
    key.parse::<spendlens_core::Platform>()
        .map_or_else(|_| key.to_owned(), |p| p.label().to_owned())
}

fn amount(x: f64, currency: &str) -> String {
    money(
        rust_decimal::Decimal::from_f64_retain(x)
            .unwrap_or_default()
            .round_dp(2),
        currency,
    )
}

/// `GET /mmm/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
) -> UiResult<Response> {
    run_page(&state, &viewer, &id, None).await
}

/// `POST /mmm/{id}/run-again` (form `csrf`): fits an out-of-date run again with its own request
/// on today's data and shows the new run; a refusal (the run is current, or explained an
/// uploaded file) is shown on the run's page.
pub async fn run_again(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    match spendlens_app::mmm::refresh::run_again(&state.context(), org, &id).await {
        Ok(run) => Ok(see_other(&format!("/mmm/{}", run.stored.id))),
        Err(spendlens_app::AppError::NotFound) => Err(UiError::NotFound),
        Err(spendlens_app::AppError::Invalid { message, .. }) => {
            let mut response = run_page(&state, &viewer, &id, Some(message)).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn run_page(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    problem: Option<String>,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let run = spendlens_app::mmm::run_of(state.store.as_ref(), org, id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => UiError::NotFound,
            other => other.into(),
        })?;
    let campaigns = state.store.list_campaigns(org).await?;
    let obstacle = if run.current {
        None
    } else {
        spendlens_app::mmm::refresh::obstacle(state.store.as_ref(), org, &run.stored).await?
    };
    let doc = parse(&run);
    let cur = doc["currency"].as_str().unwrap_or("USD").to_owned();
    let ratio = |x: f64| format!("{x:.2}x");
    let comparison = doc["comparison"].as_array().cloned().unwrap_or_default();
    let channels = doc["channels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let key = c["channel"].as_str().unwrap_or_default().to_owned();
            let line = comparison.iter().find(|l| l["channel"] == key.as_str());
            let roas = |k: &str| {
                line.and_then(|l| l[k].as_f64())
                    .map_or_else(|| "—".to_owned(), ratio)
            };
            ChannelRow {
                detected: c["best_fit_contribution"].as_f64().is_none_or(|b| b != 0.0),
                name: channel_name(&key),
                spend: money(
                    c["spend"]
                        .as_str()
                        .unwrap_or("0")
                        .parse()
                        .unwrap_or_default(),
                    &cur,
                ),
                contribution: interval(&c["contribution"], |x| amount(x, &cur)),
                share: c["share_of_kpi"]
                    .as_f64()
                    .map_or_else(String::new, |s| format!("{:.1} %", s * 100.0)),
                roi: interval(&c["roi"], ratio),
                roi_mean: c["roi"]["mean"]
                    .as_f64()
                    .map_or_else(|| "n/a".to_owned(), ratio),
                marginal: interval(&c["marginal_roi"], ratio),
                half_life: c["adstock"]["half_life_periods"]
                    .as_f64()
                    .map_or_else(String::new, |h| format!("{h:.1} days")),
                reported_roas: if line.is_some() {
                    roas("platform_reported_roas")
                } else {
                    "— (offline)".to_owned()
                },
                attributed_roas: if line.is_some() {
                    roas("attributed_roas")
                } else {
                    "— (offline)".to_owned()
                },
                key,
            }
        })
        .collect();
    let attributed_models = comparison
        .first()
        .and_then(|l| l["attributed_models"].as_array())
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let fit = &doc["fit"];
    let pct = |v: &Value| {
        v.as_f64()
            .map_or_else(|| "n/a".to_owned(), |x| format!("{:.1} %", x * 100.0))
    };
    let page = RunPage {
        layout: viewer.layout("Marketing-mix model run", "mmm"),
        id: run.stored.id.clone(),
        created: spendlens_core::dates::moment(run.stored.created_at),
        campaigns: names_of(&run.stored.campaigns, &campaigns),
        kpi: kpi_label(doc["kpi"].as_str().unwrap_or_default()).to_owned(),
        window: match window_of(&doc) {
            w if w.is_empty() => w,
            w => format!("{w} ({} days)", doc["periods"]),
        },
        current: run.current,
        obstacle,
        csrf: viewer.csrf.clone(),
        problem,
        fit: vec![
            (
                "R²".to_owned(),
                fit["r2"]
                    .as_f64()
                    .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}")),
            ),
            ("Error (MAPE)".to_owned(), pct(&fit["mape"])),
            (
                "Error on the held-out last 10 %".to_owned(),
                pct(&fit["holdout_mape"]),
            ),
            (
                "Durbin–Watson".to_owned(),
                fit["durbin_watson"]
                    .as_f64()
                    .map_or_else(|| "n/a".to_owned(), |d| format!("{d:.2}")),
            ),
        ],
        warnings: doc["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            // The model's sentences name the command line's option, and channels by their
            // codes (the contract's names); here they read as the rest of the page.
            .filter_map(|w| w.as_str().map(|w| readable(w, &doc)))
            .collect(),
        left_out: doc["left_out"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect::<Vec<_>>()
            .join(", "),
        baseline: interval(&doc["baseline"]["contribution"], |x| amount(x, &cur)),
        channels,
        attributed_models,
        lifts: lift_rows(&doc, &cur),
        charts: super::mmm_charts::charts(&doc, &cur, &format!("/mmm/{}", run.stored.id)),
    };
    Ok(render(&page))
}

/// A run's charts for their downloads, drawn as the run's page draws them, with what names the
/// run in a file name (`mmm-run-{id}`).
pub(crate) async fn run_charts(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
) -> UiResult<(String, Vec<crate::ui::analysis::ChartView>)> {
    let run = spendlens_app::mmm::run_of(state.store.as_ref(), &viewer.principal.org_id, id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => UiError::NotFound,
            other => other.into(),
        })?;
    let doc = parse(&run);
    let cur = doc["currency"].as_str().unwrap_or("USD").to_owned();
    let base = format!("/mmm/{}", run.stored.id);
    Ok((
        format!("mmm-run-{}", run.stored.id),
        super::mmm_charts::charts(&doc, &cur, &base),
    ))
}

/// A run's window as pages write days (`24 Aug 2026 – 21 Nov 2026`; empty when the document
/// has none).
pub(crate) fn window_of(doc: &Value) -> String {
    let day = |k: &str| doc[k].as_str().and_then(|d| d.parse().ok());
    match (day("from"), day("to")) {
        (Some(a), Some(b)) => format!("{} – {}", date(a), date(b)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::readable;
    use serde_json::json;

    #[test]
    fn the_model_s_sentences_read_as_the_page() {
        let doc = json!({
            "kpi": "ga4_revenue",
            "channels": [{"channel": "google_ads"}, {"channel": "meta"}, {"channel": "tv"}],
        });
        assert_eq!(
            readable(
                "google_ads's ROI is poorly determined (90 % interval 0.61x to 7.78x). A lift \
                 test on google_ads would narrow it.",
                &doc
            ),
            "Google Ads' incremental ROAS is poorly determined (90 % interval 0.61x to 7.78x). \
             A lift test on Google Ads would narrow it."
        );
        assert_eq!(
            readable(
                "meta had no spend: its marginal ROI is the return of its first unit; read the \
                 ROIs with care, the parameters of meta_2 and tv's ROI too.",
                &doc
            ),
            "Meta Ads had no spend: its marginal ROAS is the return of its first unit; read the \
             incremental ROAS figures with care, the parameters of meta_2 and tv's incremental \
             ROAS too."
        );
        assert_eq!(
            readable("The data show no effect of meta on ga4_revenue.", &doc),
            "The data show no effect of Meta Ads on GA4 revenue."
        );
    }
}
