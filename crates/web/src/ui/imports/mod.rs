//! Imports from the pages: upload a file, see a dry-run preview, confirm; or confirm the figures
//! found in a PDF report (`pdf.rs`).
//!
//! The upload is read and decoded as the API decodes it (`upload::read_file_field`,
//! `api::imports::import_command`) and imported by `spendlens_app::imports::import_rows`, the
//! API's and the CLI's use case; a PDF's confirmed figures become daily rows decoded from the
//! form and stored by `spendlens_app::metrics::upsert_rows`, like `POST /api/campaigns/{id}/metrics`.
//! Between preview and confirmation the file waits in the database (any instance may take the
//! confirmation), bound to the organisation and the campaign, for at most
//! [`PENDING_TTL_MINUTES`] and within the organisation's quota; the confirmation parses it
//! again, so what is stored is exactly what the preview showed.

mod mapping;
mod pdf;
mod pending;
mod stored;

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::response::Response;
use serde::Deserialize;
use spendlens_app::imports::{ImportCommand, ImportOutcome, PeriodRule, import_rows};
use spendlens_app::labels::Label;
use spendlens_core::campaign::Campaign;
use spendlens_ingest::{DateOrder, PeriodChoice, Source};

use crate::api::imports::{MAX_UPLOAD_BYTES, UPLOAD_FIELD_LIST, import_command};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::format::{conversions, count, counted, date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, multipart, render};
use crate::upload::{Fields, Others, read_file_field};
pub use mapping::apply as apply_mapping;
pub use pdf::confirm_pdf;
use pdf::{PdfView, locale_choices, pdf_view};
pub use pending::{PENDING_TTL_MINUTES, QUOTA};
pub use stored::delete as delete_source;
use stored::{AskedDeletion, StoredSource, stored_of};

/// Rows shown in a preview table.
const PREVIEW_ROWS: usize = 50;

/// A source choice of the upload form.
#[derive(Debug)]
pub struct SourceOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// "Detect from the file", then every source of `Source::ALL` (the names `--source` takes).
fn sources(selected: &str) -> Vec<SourceOption> {
    std::iter::once(("", "Detect from the file"))
        .chain(Source::ALL.map(|s| (s.as_str(), s.label())))
        .map(|(value, label)| SourceOption {
            value,
            label,
            selected: value == selected,
        })
        .collect()
}

/// One row of a preview table.
#[derive(Debug)]
pub struct PreviewRow {
    date: String,
    platform: &'static str,
    campaign: String,
    spend: String,
    impressions: String,
    clicks: String,
    conversions: String,
}

/// What a dry run found.
#[derive(Debug)]
pub struct PreviewView {
    token: String,
    file: String,
    source: String,
    rows: String,
    days: String,
    range: String,
    spend: String,
    impressions: String,
    clicks: String,
    conversions: String,
    sample: Vec<PreviewRow>,
    more: usize,
    skipped: Vec<String>,
    notes: Vec<String>,
    /// The column mapping the file was read with (text form), empty when detected.
    mapping: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    layout: Layout,
    id: String,
    name: String,
    currency: String,
    csrf: String,
    sources: Vec<SourceOption>,
    rate: String,
    period: PeriodForm,
    /// "Numbers in the PDF" (`pdf_locale`): value, label, selected.
    pdf_locales: Vec<(&'static str, &'static str, bool)>,
    /// "Dates such as 06/07/2024" (`date_order`): value, label, selected.
    date_orders: Vec<(&'static str, &'static str, bool)>,
    errors: FormErrors,
    preview: Option<PreviewView>,
    pdf: Option<PdfView>,
    mapping: Option<mapping::MappingView>,
    map: String,
    done: Option<String>,
    /// The campaign's stored rows by source (filled where the page is shown plainly or after an
    /// import).
    stored: Vec<StoredSource>,
    /// A deletion of stored rows waiting for its confirmation.
    asked: Option<AskedDeletion>,
}

/// The choices of the upload form's date order (`date_order`): value, label, selected.
fn date_order_choices(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    [
        ("", "Decide from the file"),
        (DateOrder::DayFirst.as_str(), "Day first (31/12/2026)"),
        (DateOrder::MonthFirst.as_str(), "Month first (12/31/2026)"),
    ]
    .into_iter()
    .map(|(value, label)| (value, label, value == selected))
    .collect()
}

/// The period choice as the upload form shows it again (after a refusal or an error).
#[derive(Debug, Default)]
struct PeriodForm {
    spread: bool,
    book_on: String,
    from: String,
    to: String,
}

impl PeriodForm {
    fn of(rule: PeriodRule) -> Self {
        let (from, to) = rule
            .range
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or_default();
        PeriodForm {
            spread: rule.choice == PeriodChoice::Spread,
            book_on: match rule.choice {
                PeriodChoice::BookOn(d) => d.to_string(),
                _ => String::new(),
            },
            from,
            to,
        }
    }
}

fn page_of(
    viewer: &SignedIn,
    campaign: &Campaign,
    errors: FormErrors,
    source: &str,
    rate: String,
) -> ImportsPage {
    ImportsPage {
        layout: viewer.layout(format!("Import into {}", campaign.spec.name), "campaigns"),
        id: campaign.id.to_string(),
        name: campaign.spec.name.clone(),
        currency: campaign.spec.currency.clone(),
        csrf: viewer.csrf.clone(),
        sources: sources(source),
        rate,
        period: PeriodForm::default(),
        pdf_locales: locale_choices(""),
        date_orders: date_order_choices(""),
        errors,
        preview: None,
        pdf: None,
        mapping: None,
        map: String::new(),
        done: None,
        stored: Vec::new(),
        asked: None,
    }
}

fn respond(p: &ImportsPage) -> Response {
    let mut response = render(p);
    if !p.errors.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /campaigns/{id}/imports`.
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let mut p = page_of(&viewer, &campaign, FormErrors::default(), "", String::new());
    // Right after the campaign form: say it was created, and what comes next.
    if query.contains_key("created") {
        p.done = Some(format!(
            "Campaign {} created. Import its data below, or connect a platform.",
            campaign.spec.name
        ));
    }
    p.stored = stored_of(&state, &campaign).await?;
    Ok(respond(&p))
}

fn errors_of(e: ApiError) -> UiResult<FormErrors> {
    match e {
        ApiError::Validation(problems) => Ok(FormErrors(problems)),
        ApiError::BadRequest(m) => {
            let mut errors = FormErrors::default();
            errors.push("file", m);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn preview_view(
    token: String,
    parsed: &spendlens_ingest::ParsedFile,
    currency: &str,
) -> PreviewView {
    let s = spendlens_ingest::summary(parsed);
    let range = match (s.date_from, s.date_to) {
        (Some(a), Some(b)) => format!("{} – {}", date(a), date(b)),
        _ => "no dates".to_owned(),
    };
    PreviewView {
        token,
        file: parsed.file.clone(),
        source: parsed.source.to_string(),
        rows: count(s.rows as u64),
        days: count(s.distinct_days as u64),
        range,
        spend: money(s.totals.spend, currency),
        impressions: count(s.totals.impressions),
        clicks: count(s.totals.clicks),
        conversions: conversions(s.totals.conversions),
        sample: parsed
            .rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(|r| PreviewRow {
                date: r.date.to_string(),
                platform: r.platform.label(),
                campaign: r.external_campaign_id.clone(),
                spend: money(r.spend, currency),
                impressions: count(r.impressions),
                clicks: count(r.clicks),
                conversions: conversions(r.conversions),
            })
            .collect(),
        more: parsed.rows.len().saturating_sub(PREVIEW_ROWS),
        skipped: s
            .skipped
            .iter()
            .map(|k| format!("Row {} ({}): {}", k.row, k.label, k.reason))
            .collect(),
        notes: parsed.notes.clone(),
        mapping: String::new(),
    }
}

/// `POST /campaigns/{id}/imports` (multipart): the dry-run preview of a file, or the numbers
/// found in a PDF, to confirm.
pub async fn upload(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    request: Request,
) -> UiResult<Response> {
    // Access first, as in the API: nothing of an upload to another organisation's campaign is read.
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
    let multipart = multipart(request, &state).await?;
    let fields = Fields {
        texts: &[
            "csrf",
            "source",
            "rate",
            "spread",
            "book_on",
            "from",
            "to",
            "map",
            "save_map",
            "pdf_locale",
            "date_order",
        ],
        files: &[],
        others: Others::Refuse(UPLOAD_FIELD_LIST),
    };
    let failed = |errors| {
        Ok(respond(&page_of(
            &viewer,
            &campaign,
            errors,
            "",
            String::new(),
        )))
    };
    let upload = match read_file_field(multipart, MAX_UPLOAD_BYTES, fields).await {
        Ok(read) => read,
        Err(e @ (ApiError::TooLarge(_) | ApiError::Busy(_))) => return Err(e.into()),
        Err(e) => return failed(errors_of(e)?),
    };
    viewer.check(&state, upload.text("csrf"))?;
    let command = match import_command(upload, true) {
        Ok(command) => command,
        Err(e) => return failed(errors_of(e)?),
    };
    let source = command.source.map(|s| s.to_string()).unwrap_or_default();
    let rate = command.rate.map(|r| r.to_string()).unwrap_or_default();
    let map = command.mapping.to_string();
    let period = command.period;
    let pdf_locale = command.pdf_locale.map_or("", |l| l.as_str());
    let date_order = command.date_order.map_or("", DateOrder::as_str);
    let with_period = |mut page: ImportsPage| {
        page.period = PeriodForm::of(period);
        page.map = map.clone();
        page.pdf_locales = locale_choices(pdf_locale);
        page.date_orders = date_order_choices(date_order);
        page
    };
    if command.bytes.is_empty() {
        let mut errors = FormErrors::default();
        errors.push("file", "choose a file to import");
        return Ok(respond(&with_period(page_of(
            &viewer, &campaign, errors, &source, rate,
        ))));
    }
    let outcome = match import_rows(&state.context(), &campaign, command.clone()).await {
        Ok(outcome) => outcome,
        Err(e) => {
            let offer_mapping = matches!(&e, spendlens_app::imports::ImportFailure::File(f) if f.suggests_mapping());
            let errors = errors_of(e.into())?;
            if offer_mapping
                && let Some(page) =
                    mapping::offer(&state, &viewer, &campaign, command, errors.clone()).await?
            {
                return Ok(respond(&page));
            }
            return Ok(respond(&with_period(page_of(
                &viewer, &campaign, errors, &source, rate,
            ))));
        }
    };
    let mut p = page_of(&viewer, &campaign, FormErrors::default(), &source, rate);
    match outcome {
        ImportOutcome::Preview(preview) => {
            let today = spendlens_app::today_in(state.clock.now(), &campaign.spec.time_zone);
            p.pdf = Some(pdf_view(&preview, today, None, period));
        }
        ImportOutcome::Rows(rows) => {
            let confirm = ImportCommand {
                dry_run: false,
                ..command
            };
            let mapping = confirm.mapping.to_string();
            let token =
                pending::put(&state, &viewer.principal.org_id, &campaign.id, confirm).await?;
            let mut preview = preview_view(token, &rows.parsed, &campaign.spec.currency);
            preview.mapping = mapping;
            p.preview = Some(preview);
        }
    }
    Ok(respond(&p))
}

/// The confirmation of a previewed file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf: String,
    pending: String,
    /// `true`: save the preview's column mapping for the campaign.
    save_map: String,
}

/// Takes the upload waiting under `token` (a preview to confirm, a file to map), or the page
/// that says it has expired: the one answer of every form that brings a waiting file back.
async fn take_waiting(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    token: &str,
) -> UiResult<Result<ImportCommand, Response>> {
    match pending::take(state, token, &viewer.principal.org_id, &campaign.id).await? {
        Some(command) => Ok(Ok(command)),
        None => {
            let mut errors = FormErrors::default();
            errors.push(
                "file",
                "the preview has expired (or was already imported); upload the file again",
            );
            Ok(Err(respond(&page_of(
                viewer,
                campaign,
                errors,
                "",
                String::new(),
            ))))
        }
    }
}

/// `POST /campaigns/{id}/imports/confirm`: stores the previewed file, all or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    // The confirmation parses the file again: it takes an upload slot like the upload did (before
    // the pending file is taken, so a busy answer loses nothing).
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
    let command = match take_waiting(&state, &viewer, &campaign, &form.pending).await? {
        Ok(command) => command,
        Err(expired) => return Ok(expired),
    };
    let file_name = command.file_name.clone();
    let command = ImportCommand {
        save_mapping: matches!(form.save_map.as_str(), "true" | "on")
            && !command.mapping.is_empty(),
        ..command
    };
    let rows = match import_rows(&state.context(), &campaign, command).await {
        Ok(ImportOutcome::Rows(rows)) => rows,
        Ok(ImportOutcome::Preview(_)) => {
            return Err(UiError::BadRequest(
                "a PDF is confirmed through its own form".to_owned(),
            ));
        }
        Err(e) => {
            let errors = errors_of(e.into())?;
            return Ok(respond(&page_of(
                &viewer,
                &campaign,
                errors,
                "",
                String::new(),
            )));
        }
    };
    let mut p = page_of(&viewer, &campaign, FormErrors::default(), "", String::new());
    p.done = Some(import_message(&rows, &file_name, &campaign.spec.currency));
    p.stored = stored_of(&state, &campaign).await?;
    let facts = crate::api::imports::import_facts(&rows, &file_name, &campaign.spec.currency);
    Ok(facts.attach(respond(&p)))
}

/// What an import did, in words: a file that changes nothing says so ("nothing changed: 99 rows
/// unchanged") rather than claiming to have imported its rows again.
fn import_message(
    rows: &spendlens_app::imports::RowsImported,
    file_name: &str,
    currency: &str,
) -> String {
    let s = &rows.summary;
    let file = format!(
        "{file_name} ({} spend over {})",
        money(s.totals.spend, currency),
        counted(s.distinct_days as u64, "day")
    );
    let rows_read = counted(s.rows, "row");
    match &rows.counts {
        Some(c) if c.inserted == 0 && c.updated == 0 => format!(
            "Nothing changed ({} unchanged): {file} is already stored as it is.",
            counted(c.unchanged, "row")
        ),
        Some(c) => {
            let mut done = format!(
                "Imported {rows_read} from {file}: {} new, {} updated, {} unchanged.",
                count(c.inserted),
                count(c.updated),
                count(c.unchanged)
            );
            if let Some(change) = &rows.spend_change {
                let moved = change.after - change.before;
                let sign = if moved < rust_decimal::Decimal::ZERO {
                    "−"
                } else {
                    "+"
                };
                done.push_str(&format!(
                    " The updated days replaced figures stored before: the campaign's spend up to \
                     {} went from {} to {} ({sign}{}).",
                    date(change.through),
                    money(change.before, currency),
                    money(change.after, currency),
                    money(moved.abs(), currency)
                ));
            }
            done
        }
        None => format!("Imported {rows_read} from {file}."),
    }
}
