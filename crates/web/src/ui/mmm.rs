//! The marketing-mix model pages (issue 17): `/mmm` lists the organisation's runs and holds the
//! form that starts one (which campaigns, which KPI, an optional KPI file, lift tests pasted or
//! as a file); a run's own page is [`super::mmm_run`].
//!
//! The form is decoded into `spendlens_app::mmm::MmmCommand`, the API's command.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use spendlens_app::mmm::{KpiSource, MmmCommand, Run, kpi_label};
use spendlens_core::campaign::{Campaign, CampaignId};

use crate::state::AppState;
use crate::ui::mmm_run::window_of;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiResult, form_day, multipart, render, see_other};
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
    /// How many lift tests calibrated it, and how many the model agreed with (`none`, `1,
    /// agrees`, `3, 1 agrees`).
    pub lifts: String,
    pub current: bool,
}

/// The lift tests a run was calibrated by, in words (see [`RunRow::lifts`]).
fn lifts_of(doc: &Value) -> String {
    let tests = doc["calibration"].as_array().map_or(&[][..], Vec::as_slice);
    let agree = tests.iter().filter(|t| t["agrees"] == true).count();
    match (tests.len(), agree) {
        (0, _) => "none".to_owned(),
        (1, 1) => "1, agrees".to_owned(),
        (1, _) => "1, disagrees".to_owned(),
        (n, a) if a == n => format!("{n}, all agree"),
        (n, 1) => format!("{n}, 1 agrees"),
        (n, a) => format!("{n}, {a} agree"),
    }
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

pub(crate) fn names_of(ids: &[CampaignId], campaigns: &[Campaign]) -> String {
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

pub(crate) fn parse(run: &Run) -> Value {
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
                lifts: lifts_of(&doc),
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
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
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
        Some(("campaign", id)) if !id.trim().is_empty() => vec![CampaignId::new(id.trim())],
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
        "ga4_revenue" | "" => Some(KpiSource::Ga4Revenue),
        other => {
            errors.push(
                "kpi",
                format!("unknown KPI {other:?}: choose one from the list"),
            );
            None
        }
    };
    if upload.text("kpi") != "series" && upload.file.as_ref().is_some_and(|f| !f.bytes.is_empty()) {
        errors.push(
            "file",
            "a KPI file is read only with \"A KPI file\" chosen as the KPI the model explains",
        );
    }
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
    let (experiments, lift_file) = lift_tests(&upload, &mut errors);
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
            // A lift test the fit refused: on the field it came from, its file named.
            let (field, message) = match (field.as_str(), &lift_file) {
                (f, Some(name)) if f.starts_with("experiments") => {
                    ("experiments_file", format!("{name}: {message}"))
                }
                (f, None) if f.starts_with("experiments") => ("experiments", message),
                ("kpi", _) => ("kpi", message),
                ("from" | "to", _) => (field.as_str(), message),
                _ => ("scope", message),
            };
            errors.push(field, message);
            list_page(&state, &viewer, &form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The lift tests of the form: pasted, or uploaded as a file (not both), with the file's name
/// when they came from one; a bad one is put on its field, naming the line (or the file's row)
/// and column.
fn lift_tests(
    upload: &Upload,
    errors: &mut FormErrors,
) -> (Vec<spendlens_mmm::Experiment>, Option<String>) {
    use spendlens_app::mmm::series;
    let pasted = upload.text("experiments");
    let (read, file) = match (pasted, upload.attachment("experiments_file")) {
        ("", None) => return (Vec::new(), None),
        ("", Some(f)) => {
            let name = f.name.clone().unwrap_or_else(|| "the file".to_owned());
            (
                series::experiments_file(&f.bytes, &name, "experiments_file"),
                Some(name),
            )
        }
        (text, None) => (series::experiments(text, "experiments"), None),
        (_, Some(_)) => {
            errors.push(
                "experiments_file",
                "paste the lift tests or upload their file, not both",
            );
            return (Vec::new(), None);
        }
    };
    let tests = read.unwrap_or_else(|e| {
        match e {
            spendlens_app::AppError::Invalid { field, message } => errors.push(&field, message),
            other => errors.push("experiments", other.to_string()),
        }
        Vec::new()
    });
    (tests, file)
}

#[cfg(test)]
mod tests {
    use super::lifts_of;
    use serde_json::json;

    #[test]
    fn a_run_s_lift_tests_read_in_words() {
        let doc = |agrees: &[bool]| json!({"calibration": agrees.iter().map(|a| json!({"agrees": a})).collect::<Vec<_>>()});
        assert_eq!(lifts_of(&json!({})), "none");
        assert_eq!(lifts_of(&doc(&[])), "none");
        assert_eq!(lifts_of(&doc(&[true])), "1, agrees");
        assert_eq!(lifts_of(&doc(&[false])), "1, disagrees");
        assert_eq!(lifts_of(&doc(&[true, true])), "2, all agree");
        assert_eq!(lifts_of(&doc(&[true, false, false])), "3, 1 agrees");
        assert_eq!(lifts_of(&doc(&[false, false])), "2, 0 agree");
    }
}
