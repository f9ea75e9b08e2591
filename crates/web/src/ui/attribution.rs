//! A campaign's multi-touch attribution from the pages: every model's credited conversions,
//! revenue and ROAS per channel side by side with the grouped bar chart, the model the ROI
//! tracker uses, and the touchpoint upload (a check-only dry run or the import, with counts).
//!
//! The numbers come from `spendlens_app::attribution::attributed_by_channel` with every model
//! (what `GET /api/campaigns/{id}/attribution?model=all` answers); the upload is
//! `spendlens_app::touchpoints::import`, the API's parse-and-store; the chart is the API's. A
//! ChannelAttribution path file uploaded here has no dates to store: it is attributed as a whole
//! (`spendlens_app::touchpoints::attribute_file`, what `POST /api/attribution/paths` answers) and
//! shown in its own table.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_app::attribution::{
    ChannelAttribution, Models, attributed_by_channel, campaign_model,
};
use spendlens_app::labels::Label;
use spendlens_app::touchpoints;
use spendlens_attribution::{MarkovOrder, Model};
use spendlens_core::campaign::Campaign;

use crate::api::attribution::{comparison_chart_of, parse_model, window};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Params;
use crate::state::AppState;
use crate::ui::analysis::ChartView;
use crate::ui::format::{count, date, money, plain, ratio};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, multipart, render, see_other};
use crate::upload::{Fields, Others, read_file_field};
use spendlens_core::num::round_half_away;
use spendlens_optimize::round_to_total;
use spendlens_report::currency::grouped;

/// One model's figures for one channel.
#[derive(Debug)]
pub struct Cell {
    conversions: String,
    revenue: String,
    roas: String,
}

/// A channel row of the comparison.
#[derive(Debug)]
pub struct ChannelRow {
    channel: String,
    platform: String,
    spend: String,
    cells: Vec<Cell>,
}

/// A model column (and a choice of the model form).
#[derive(Debug)]
pub struct ModelOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// A channel of a file attributed as a whole.
#[derive(Debug)]
pub struct FileRow {
    channel: String,
    cells: Vec<Cell>,
}

/// A path file attributed as a whole: nothing stored, values as the file states them.
#[derive(Debug)]
pub struct FileAttribution {
    name: String,
    models: Vec<&'static str>,
    rows: Vec<FileRow>,
    totals: Vec<Cell>,
}

impl FileAttribution {
    fn of(name: String, results: &[spendlens_attribution::Attribution]) -> Self {
        let channels: Vec<String> = results
            .first()
            .map(|first| first.channels.iter().map(|c| c.channel.clone()).collect())
            .unwrap_or_default();
        let lines: Vec<Vec<Option<Line>>> = results
            .iter()
            .map(|r| {
                let mut column: Vec<Option<Line>> = channels
                    .iter()
                    .map(|name| {
                        let found = r.channels.iter().find(|x| &x.channel == name);
                        Some(found.map_or((0.0, Decimal::ZERO), |x| (x.conversions, x.value)))
                    })
                    .collect();
                column.push(unattributed(r));
                column
            })
            .collect();
        let (cells, totals) = table(&lines, plain);
        let mut labels = channels;
        labels.push(UNATTRIBUTED.to_owned());
        let rows = labels
            .into_iter()
            .enumerate()
            .filter(|(k, _)| cells.iter().any(|c| c.get(*k).is_some_and(Option::is_some)))
            .map(|(k, channel)| FileRow {
                channel,
                cells: cells.iter().map(|c| cell_at(c, k)).collect(),
            })
            .collect();
        Self {
            name,
            models: results.iter().map(|r| r.model.label()).collect(),
            rows,
            totals,
        }
    }
}

/// A channel's credited conversions and revenue in one model.
type Line = (f64, Decimal);

/// The row of conversions without a touch before them (only when a model has any).
const UNATTRIBUTED: &str = "Unattributed (no touch before the conversion)";

/// A model's unattributed conversions and value, `None` when it has none.
fn unattributed(r: &spendlens_attribution::Attribution) -> Option<Line> {
    (r.unattributed_conversions > 0.0 || !r.unattributed_value.is_zero())
        .then_some((r.unattributed_conversions, r.unattributed_value))
}

/// Each model's column of cells and its total, the total the sum of the cells as shown so it
/// never disagrees with them: conversions rounded to 2 decimals so that they add up to the
/// column's total (largest remainder, as the revenue's cents are) and written with the same
/// decimals down the column (2 when any cell has a fraction, else none), revenue to the cent.
/// `columns[j][k]` is model `j`'s line `k` (`None`: not shown); the cells keep that shape.
fn table(
    columns: &[Vec<Option<Line>>],
    revenue: impl Fn(Decimal) -> String,
) -> (Vec<Vec<Option<Cell>>>, Vec<Cell>) {
    let mut cells = Vec::with_capacity(columns.len());
    let mut totals = Vec::with_capacity(columns.len());
    for column in columns {
        let counts: Vec<f64> = column.iter().flatten().map(|(c, _)| *c).collect();
        let mut rounded = round_to_total(&counts, counts.iter().sum(), &[]).into_iter();
        let shown: Vec<Option<(Decimal, Decimal)>> = column
            .iter()
            .map(|l| {
                l.map(|(_, v)| {
                    let c = rounded.next().unwrap_or_default();
                    (c, round_half_away(v, 2))
                })
            })
            .collect();
        let dp = if shown.iter().flatten().any(|(c, _)| !c.fract().is_zero()) {
            2
        } else {
            0
        };
        let cell = |(c, v): (Decimal, Decimal)| Cell {
            conversions: grouped(c, dp),
            revenue: revenue(v),
            roas: String::new(),
        };
        let (conv, value) = shown
            .iter()
            .flatten()
            .fold((Decimal::ZERO, Decimal::ZERO), |(a, b), (c, v)| {
                (a + c, b + v)
            });
        totals.push(cell((conv, value)));
        cells.push(shown.into_iter().map(|s| s.map(cell)).collect());
    }
    (cells, totals)
}

/// The cell of line `k` in a column; a dash where the model has no such line.
fn cell_at(column: &[Option<Cell>], k: usize) -> Cell {
    match column.get(k) {
        Some(Some(c)) => Cell {
            conversions: c.conversions.clone(),
            revenue: c.revenue.clone(),
            roas: c.roas.clone(),
        },
        _ => Cell {
            conversions: "–".into(),
            revenue: "–".into(),
            roas: "–".into(),
        },
    }
}

#[derive(Template)]
#[template(path = "attribution.html")]
struct AttributionPage {
    layout: Layout,
    id: String,
    name: String,
    currency: String,
    csrf: String,
    from: String,
    to: String,
    journeys: String,
    /// Why touchpoints without a campaign are left out, when they are.
    set_aside: Option<String>,
    models: Vec<ModelOption>,
    rows: Vec<ChannelRow>,
    totals: Vec<Cell>,
    chart: Option<ChartView>,
    errors: FormErrors,
    notice: Option<String>,
    file: Option<FileAttribution>,
}

/// Every model's attribution over the page's window (the campaign's default, or `from`/`to` of
/// the query): what the page and its chart's download are drawn from.
async fn attribution_of(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    query: &Params,
) -> UiResult<(Campaign, NaiveDate, NaiveDate, ChannelAttribution)> {
    let caller = Caller(viewer.principal.clone());
    let (campaign, from, to) = window(state, &caller, id, query).await?;
    let found = attributed_by_channel(
        state.store.as_ref(),
        &viewer.principal.org_id,
        &campaign.id,
        Models::All,
        MarkovOrder::default(),
        from,
        to,
    )
    .await?;
    Ok((campaign, from, to, found))
}

/// The model comparison chart of the page, when there is something to compare.
fn comparison_of(
    found: &ChannelAttribution,
    from: NaiveDate,
    to: NaiveDate,
    campaign: &Campaign,
    query: &Params,
) -> Option<ChartView> {
    if found.journeys == 0 || found.models.is_empty() {
        return None;
    }
    crate::ui::charts::chart_view(
        "attribution-comparison",
        comparison_chart_of(found, from, to),
        &format!("/campaigns/{}", campaign.id),
        &query.0,
    )
}

/// The comparison chart for its download, drawn as the page draws it.
pub(crate) async fn comparison_view(
    state: &AppState,
    viewer: &SignedIn,
    id: &str,
    query: &std::collections::HashMap<String, String>,
) -> UiResult<(Campaign, Option<ChartView>)> {
    let query = Params(query.clone());
    let (campaign, from, to, found) = attribution_of(state, viewer, id, &query).await?;
    let view = comparison_of(&found, from, to, &campaign, &query);
    Ok((campaign, view))
}

/// The page over the campaign's default window (or `from`/`to` of the query).
async fn page_of(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    query: &Params,
) -> UiResult<AttributionPage> {
    let (campaign_found, from, to, found) =
        attribution_of(state, viewer, campaign.id.as_str(), query).await?;
    let org = &viewer.principal.org_id;
    let current = campaign_model(state.store.as_ref(), org, &campaign.id).await?;
    let cur = found.currency.as_str();
    let lines: Vec<&spendlens_app::attribution::ChannelLine> = found
        .models
        .first()
        .map(|first| first.channels.iter().collect())
        .unwrap_or_default();
    let columns: Vec<Vec<Option<Line>>> = found
        .models
        .iter()
        .map(|m| {
            let mut column: Vec<Option<Line>> = (0..lines.len())
                .map(|k| m.channels.get(k).map(|c| (c.conversions, c.revenue)))
                .collect();
            column.push(unattributed(&m.result));
            column
        })
        .collect();
    let (mut cells, totals) = table(&columns, |v| money(v, cur));
    // ROAS beside each channel's credited revenue, where the channel has spend.
    for (column, m) in cells.iter_mut().zip(&found.models) {
        for (cell, line) in column.iter_mut().zip(&m.channels) {
            if let Some(cell) = cell {
                cell.roas = line.roas.map_or_else(|| "–".to_owned(), ratio);
            }
        }
    }
    let mut rows: Vec<ChannelRow> = lines
        .iter()
        .enumerate()
        .map(|(k, line)| ChannelRow {
            channel: line.channel.clone(),
            platform: line
                .platform
                .map_or_else(|| "–".to_owned(), |p| p.label().to_owned()),
            spend: line.spend.map_or_else(|| "–".to_owned(), |s| money(s, cur)),
            cells: cells.iter().map(|c| cell_at(c, k)).collect(),
        })
        .collect();
    let k = lines.len();
    if !rows.is_empty() && cells.iter().any(|c| c.get(k).is_some_and(Option::is_some)) {
        rows.push(ChannelRow {
            channel: UNATTRIBUTED.to_owned(),
            platform: String::new(),
            spend: "–".to_owned(),
            cells: cells.iter().map(|c| cell_at(c, k)).collect(),
        });
    }
    let chart = comparison_of(&found, from, to, &campaign_found, query);
    Ok(AttributionPage {
        layout: viewer.layout(
            format!("Attribution of {}", campaign.spec.name),
            "campaigns",
        ),
        id: campaign.id.to_string(),
        name: campaign.spec.name.clone(),
        currency: cur.to_owned(),
        csrf: viewer.csrf.clone(),
        from: date(from),
        to: date(to),
        journeys: count(found.journeys),
        set_aside: found.set_aside.as_ref().map(|a| a.sentence()),
        models: Model::ALL
            .iter()
            .map(|m| ModelOption {
                value: m.name(),
                label: m.label(),
                selected: *m == current,
            })
            .collect(),
        rows,
        totals,
        chart,
        errors: FormErrors::default(),
        notice: None,
        file: None,
    })
}

fn respond(p: &AttributionPage) -> Response {
    let mut response = render(p);
    if !p.errors.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

fn page_error(e: ApiError) -> UiError {
    match e {
        ApiError::NotFound(_) => UiError::NotFound,
        other => other.into(),
    }
}

/// `GET /campaigns/{id}/attribution` (`?from=&to=` narrow the window).
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<Params>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let mut query = query;
    let model_set = query.0.remove("model_set");
    let mut p = page_of(&state, &viewer, &campaign, &query).await?;
    if let Some(name) = model_set.and_then(|m| m.parse::<Model>().ok()) {
        p.notice = Some(format!(
            "The ROI tracker now credits revenue with the {} model.",
            name.label()
        ));
    }
    Ok(respond(&p))
}

/// The model form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModelForm {
    csrf: String,
    model: String,
}

/// `POST /campaigns/{id}/attribution/model`: the model the campaign's ROI uses.
pub async fn set_model(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ModelForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let model = match parse_model("model", form.model.trim()) {
        Ok(m) => m,
        Err(ApiError::Validation(problems)) => {
            let mut p = page_of(&state, &viewer, &campaign, &Params::default()).await?;
            p.errors = FormErrors(problems);
            return Ok(respond(&p));
        }
        Err(e) => return Err(page_error(e)),
    };
    let found = state
        .store
        .set_attribution_model(
            &viewer.principal.org_id,
            &campaign.id,
            model.name(),
            state.clock.now(),
        )
        .await?;
    if !found {
        return Err(UiError::NotFound);
    }
    Ok(see_other(&format!(
        "/campaigns/{}/attribution?model_set={}",
        campaign.id,
        model.name()
    )))
}

/// `POST /campaigns/{id}/attribution/touchpoints` (multipart `csrf`, `file`, `dry_run`): the
/// organisation's touchpoints, checked only or imported, all or nothing.
pub async fn upload(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    request: Request,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
    let fields = Fields {
        texts: &["csrf", "dry_run"],
        files: &[],
        others: Others::Ignore,
    };
    let upload = read_file_field(
        multipart(request, &state).await?,
        crate::api::attribution::MAX_TOUCHPOINT_BYTES,
        fields,
    )
    .await?;
    let csrf = upload.text("csrf").to_owned();
    let dry_run = upload.texts.get("dry_run").is_some_and(|v| !v.is_empty());
    let file = upload.file.map(|f| {
        let name = f
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "touchpoints.csv".to_owned());
        (name, f.bytes)
    });
    viewer.check(&state, &csrf)?;
    let mut errors = FormErrors::default();
    let file = file.filter(|(_, b)| !b.is_empty());
    if let Some((name, bytes)) = file.as_ref().filter(|(_, b)| touchpoints::is_path_file(b)) {
        // A path file: attributed as a whole, nothing stored.
        let mut p = page_of(&state, &viewer, &campaign, &Params::default()).await?;
        match touchpoints::attribute_file(bytes.clone(), None, MarkovOrder::default())
            .await
            .map_err(ApiError::from)
        {
            Ok(results) => {
                p.notice = Some(format!(
                    "{name} is a ChannelAttribution path file: its paths carry no dates, so they \
                     were attributed as a whole below and nothing was stored."
                ));
                p.file = Some(FileAttribution::of(name.clone(), &results));
            }
            Err(ApiError::Validation(problems)) => p.errors = FormErrors(problems),
            Err(e) => return Err(page_error(e)),
        }
        return Ok(respond(&p));
    }
    let outcome = match file {
        None => {
            errors.push("file", "choose a touchpoint CSV or event log to upload");
            None
        }
        Some((name, bytes)) => {
            let ctx = state.context();
            let org = &viewer.principal.org_id;
            match touchpoints::import(&ctx, org, name.clone(), bytes, dry_run)
                .await
                .map_err(ApiError::from)
            {
                Ok(o) => Some((name, o)),
                Err(ApiError::Validation(problems)) => {
                    errors = FormErrors(problems);
                    None
                }
                Err(ApiError::BadRequest(m)) => {
                    errors.push("file", m);
                    None
                }
                Err(e) => return Err(page_error(e)),
            }
        }
    };
    let mut p = page_of(&state, &viewer, &campaign, &Params::default()).await?;
    p.errors = errors;
    if let Some((name, o)) = outcome {
        let counts = format!(
            "{} rows ({} journeys, {} conversions): {} new, {} updated, {} unchanged",
            count(o.rows as u64),
            count(o.journeys as u64),
            count(o.conversions as u64),
            count(o.counts.inserted),
            count(o.counts.updated),
            count(o.counts.unchanged)
        );
        p.notice = Some(if dry_run {
            format!("Checked {name}: nothing was stored. It would import {counts}.")
        } else {
            format!("Imported {name}: {counts}.")
        });
    }
    Ok(respond(&p))
}
