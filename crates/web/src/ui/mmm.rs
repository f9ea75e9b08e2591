//! The marketing-mix model pages (issue 17): `/mmm` lists the organisation's runs and holds the
//! form that starts one (which campaigns, which KPI, an optional KPI file), `/mmm/{id}` shows a
//! run: what it rests on and whether that still holds, the fit and its warnings in sentences, the
//! contribution and ROI per channel with their intervals beside the platform-reported and
//! attributed figures, the response curves and the decomposition over time.
//!
//! The form is decoded into `spendlens_app::mmm::MmmCommand`, the API's command; the page reads
//! the stored run document (`spendlens_app::mmm`), the same one `GET /api/mmm/{id}` answers.

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use spendlens_app::labels::Label;
use spendlens_app::mmm::{KpiSource, MmmCommand, Run, kpi_label};
use spendlens_core::campaign::{Campaign, CampaignId};

use crate::state::AppState;
use crate::ui::format::{date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, form_day, multipart, render, see_other};
use crate::upload::{Fields, Others, Upload, read_file_field};

/// Largest KPI file accepted.
pub const MAX_KPI_BYTES: usize = 2 * 1024 * 1024;

/// One choice of the scope select: every campaign of a currency, or one campaign.
#[derive(Debug)]
pub struct ScopeOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One run of the list.
#[derive(Debug)]
pub struct RunRow {
    pub id: String,
    pub created: String,
    pub campaigns: String,
    pub kpi: String,
    pub window: String,
    pub r2: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "mmm.html")]
struct ListPage {
    layout: Layout,
    csrf: String,
    scopes: Vec<ScopeOption>,
    kpi: String,
    from: String,
    to: String,
    draws: String,
    experiments: String,
    errors: FormErrors,
    runs: Vec<RunRow>,
}

fn names_of(ids: &[CampaignId], campaigns: &[Campaign]) -> String {
    ids.iter()
        .map(|id| {
            campaigns
                .iter()
                .find(|c| &c.id == id)
                .map_or_else(|| "(deleted campaign)".to_owned(), |c| c.spec.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse(run: &Run) -> Value {
    serde_json::from_str(&run.stored.result).unwrap_or(Value::Null)
}

fn scopes(campaigns: &[Campaign], chosen: &str) -> Vec<ScopeOption> {
    let mut currencies: Vec<(usize, &str)> = Vec::new();
    for c in campaigns {
        match currencies
            .iter_mut()
            .find(|(_, cur)| *cur == c.spec.currency)
        {
            Some(entry) => entry.0 += 1,
            None => currencies.push((1, c.spec.currency.as_str())),
        }
    }
    // The currency most campaigns use first (the default); a lone campaign is offered as itself.
    currencies.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<ScopeOption> = currencies
        .iter()
        .filter(|(n, _)| *n > 1)
        .map(|(n, cur)| {
            let value = format!("currency:{cur}");
            ScopeOption {
                selected: chosen == value,
                label: if *n == 2 {
                    format!("Both campaigns in {cur}")
                } else {
                    format!("All {n} campaigns in {cur}")
                },
                value,
            }
        })
        .collect();
    out.extend(campaigns.iter().map(|c| {
        let value = format!("campaign:{}", c.id);
        ScopeOption {
            selected: chosen == value,
            label: format!("{} ({})", c.spec.name, c.spec.currency),
            value,
        }
    }));
    if !out.iter().any(|o| o.selected)
        && let Some(first) = out.first_mut()
    {
        first.selected = true;
    }
    out
}

async fn list_page(
    state: &AppState,
    viewer: &SignedIn,
    form: &[(&str, &str)],
    errors: FormErrors,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let campaigns = state.store.list_campaigns(org).await?;
    let runs = spendlens_app::mmm::runs(state.store.as_ref(), org).await?;
    let value = |k: &str| {
        form.iter()
            .find(|(n, _)| *n == k)
            .map_or(String::new(), |(_, v)| (*v).to_owned())
    };
    let rows = runs
        .iter()
        .map(|r| {
            let doc = parse(r);
            RunRow {
                id: r.stored.id.clone(),
                created: spendlens_core::dates::moment(r.stored.created_at),
                campaigns: names_of(&r.stored.campaigns, &campaigns),
                kpi: kpi_label(doc["kpi"].as_str().unwrap_or_default()).to_owned(),
                window: window_of(&doc),
                r2: doc["fit"]["r2"]
                    .as_f64()
                    .map_or_else(String::new, |r| format!("{r:.2}")),
                current: r.current,
            }
        })
        .collect();
    let invalid = !errors.is_empty();
    let page = ListPage {
        layout: viewer.layout("Marketing mix", "mmm"),
        csrf: viewer.csrf.clone(),
        scopes: scopes(&campaigns, &value("scope")),
        kpi: value("kpi"),
        from: value("from"),
        to: value("to"),
        draws: {
            let d = value("draws");
            if d.is_empty() { "500".to_owned() } else { d }
        },
        experiments: value("experiments"),
        errors,
        runs: rows,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /mmm`.
pub async fn list(State(state): State<AppState>, viewer: SignedIn) -> UiResult<Response> {
    list_page(&state, &viewer, &[], FormErrors::default()).await
}

/// `POST /mmm`: runs the model the form describes, then shows the run.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    request: Request,
) -> UiResult<Response> {
    let org = viewer.principal.org_id.clone();
    let _slot = state.upload_gate.enter().await?;
    let fields = Fields {
        texts: &["csrf", "scope", "kpi", "from", "to", "draws", "experiments"],
        files: &["experiments_file"],
        others: Others::Ignore,
    };
    let upload = read_file_field(multipart(request, &state).await?, MAX_KPI_BYTES, fields).await?;
    viewer.check(&state, upload.text("csrf"))?;
    let form: Vec<(&str, &str)> = ["scope", "kpi", "from", "to", "draws", "experiments"]
        .iter()
        .map(|k| (*k, upload.text(k)))
        .collect();
    let mut errors = FormErrors::default();
    let campaigns = state.store.list_campaigns(&org).await?;
    let scope = upload.text("scope");
    let chosen: Vec<CampaignId> = match scope.split_once(':') {
        Some(("currency", cur)) => campaigns
            .iter()
            .filter(|c| c.spec.currency == cur)
            .map(|c| c.id.clone())
            .collect(),
        Some(("campaign", id)) => vec![CampaignId::new(id)],
        _ => Vec::new(),
    };
    if chosen.is_empty() {
        errors.push("scope", "choose the campaigns to model");
    }
    let kpi = match upload.text("kpi") {
        "platform_revenue" => Some(KpiSource::PlatformRevenue),
        "series" => match upload.file.as_ref().filter(|f| !f.bytes.is_empty()) {
            None => {
                errors.push(
                    "file",
                    "choose the KPI file (a date column and a value column)",
                );
                None
            }
            Some(f) => {
                let name = f.name.clone().unwrap_or_else(|| "the file".to_owned());
                match spendlens_app::mmm::series::kpi_series(&f.bytes, &name, "file") {
                    Ok(values) => Some(KpiSource::Series(values)),
                    Err(e) => {
                        errors.push(
                            "file",
                            e.to_string().trim_start_matches("file: ").to_owned(),
                        );
                        None
                    }
                }
            }
        },
        _ => Some(KpiSource::Ga4Revenue),
    };
    let from = form_day(&mut errors, "from", upload.text("from"));
    let to = form_day(&mut errors, "to", upload.text("to"));
    let draws = match upload.text("draws") {
        "" => Some(500),
        d => match d.parse::<usize>() {
            Ok(n) if (10..=5_000).contains(&n) => Some(n),
            _ => {
                errors.push("draws", "a whole number from 10 to 5000");
                None
            }
        },
    };
    let experiments = lift_tests(&upload, &mut errors);
    let (Some(kpi), Some(draws), true) = (kpi, draws, errors.is_empty()) else {
        return list_page(&state, &viewer, &form, errors).await;
    };
    let cmd = MmmCommand {
        campaigns: chosen,
        kpi,
        from,
        to,
        draws,
        seed: 0,
        experiments,
    };
    match spendlens_app::mmm::run(&state.context(), &org, cmd).await {
        Ok(run) => Ok(see_other(&format!("/mmm/{}", run.stored.id))),
        Err(spendlens_app::AppError::Invalid { field, message }) => {
            let field = match field.as_str() {
                "kpi" => "kpi",
                "from" | "to" | "experiments" => field.as_str(),
                _ => "scope",
            };
            errors.push(field, message);
            list_page(&state, &viewer, &form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The lift tests of the form: pasted, or uploaded as a file (not both); a bad one is put on
/// its field, naming the line (or the file's row) and column.
fn lift_tests(upload: &Upload, errors: &mut FormErrors) -> Vec<spendlens_mmm::Experiment> {
    use spendlens_app::mmm::series;
    let pasted = upload.text("experiments");
    let read = match (pasted, upload.attachment("experiments_file")) {
        ("", None) => return Vec::new(),
        ("", Some(f)) => {
            let name = f.name.clone().unwrap_or_else(|| "the file".to_owned());
            series::experiments_file(&f.bytes, &name, "experiments_file")
        }
        (text, None) => series::experiments(text, "experiments"),
        (_, Some(_)) => {
            errors.push(
                "experiments_file",
                "paste the lift tests or upload their file, not both",
            );
            return Vec::new();
        }
    };
    read.unwrap_or_else(|e| {
        match e {
            spendlens_app::AppError::Invalid { field, message } => errors.push(&field, message),
            other => errors.push("experiments", other.to_string()),
        }
        Vec::new()
    })
}

/// One channel's line of a run.
#[derive(Debug)]
pub struct ChannelRow {
    pub key: String,
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

/// A model sentence for the page: without the command line's option, the KPI and each channel
/// by its name (`Google Ads'` for the possessive of a name ending in s), and the return by the
/// page's words.
fn readable(sentence: &str, doc: &Value) -> String {
    let mut out = sentence.replace(" (--experiments)", "");
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
    for (model, page) in RETURN_WORDS {
        out = whole_words(&out, model, page);
    }
    out
}

/// `text` with every whole-word `word` (not inside a longer word or code) replaced by `with`.
fn whole_words(text: &str, word: &str, with: &str) -> String {
    let inside = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (i, _) in text.match_indices(word) {
        let end = i + word.len();
        let bounded = !inside(text[..i].chars().next_back()) && !inside(text[end..].chars().next());
        out.push_str(&text[at..i]);
        out.push_str(if bounded { with } else { word });
        at = end;
    }
    out.push_str(&text[at..]);
    out
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
    let org = &viewer.principal.org_id;
    let run = spendlens_app::mmm::run_of(state.store.as_ref(), org, &id)
        .await
        .map_err(|e| match e {
            spendlens_app::AppError::NotFound => UiError::NotFound,
            other => other.into(),
        })?;
    let campaigns = state.store.list_campaigns(org).await?;
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
fn window_of(doc: &Value) -> String {
    let day = |k: &str| doc[k].as_str().and_then(|d| d.parse().ok());
    match (day("from"), day("to")) {
        (Some(a), Some(b)) => format!("{} – {}", date(a), date(b)),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{readable, whole_words};
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
                 test on google_ads would narrow it (--experiments).",
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

    #[test]
    fn only_whole_words_are_replaced() {
        assert_eq!(
            whole_words("metadata meta meta_ads meta.", "meta", "M"),
            "metadata M meta_ads M."
        );
        assert_eq!(whole_words("ROI ROIs XROI", "ROI", "r"), "r ROIs XROI");
        assert_eq!(whole_words("", "ROI", "r"), "");
        assert_eq!(whole_words("ROI", "ROI", "r"), "r");
    }
}
