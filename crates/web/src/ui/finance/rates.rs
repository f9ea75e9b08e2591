//! The rates editor of the organisation's finance page and its report download: add or replace a
//! rate, delete one, import a rates file (`from,to,rate` or the ECB's reference rates), each
//! through `spendlens_app::finance::rates`; and `GET /finance/report`, the report download that
//! answers the file, or the finance page saying what is missing and where to add it — never an
//! error document in the browser.

use axum::Form;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_app::finance::rates::{delete_rate, import_rates, put_rate};
use spendlens_finance::FxRate;

use super::errors_of;
use super::org::{OrgOutcome, org_page};
use crate::error::ApiError;
use crate::query::Params;
use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiResult, multipart, see_other};
use crate::upload::{Fields, Others, read_file_field};

/// Largest rates file accepted (the ECB's whole history is about 1.5 MB).
pub const MAX_RATES_BYTES: usize = 4 * 1024 * 1024;

/// One rate of the table.
#[derive(Debug)]
pub struct RateRow {
    pub from: String,
    pub to: String,
    pub rate: String,
    /// What one unit of `to` is worth in `from`, for reading the other way.
    pub inverse: String,
}

pub(super) fn rate_row(r: &FxRate) -> RateRow {
    let inverse = if r.rate > Decimal::ZERO {
        (Decimal::ONE / r.rate).round_dp(6).normalize().to_string()
    } else {
        String::new()
    };
    RateRow {
        from: r.from.clone(),
        to: r.to.clone(),
        rate: r.rate.normalize().to_string(),
        inverse,
    }
}

/// The add-or-replace form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    csrf: String,
    pub from: String,
    pub to: String,
    pub rate: String,
}

/// `POST /finance/rates`: adds a rate, or replaces its pair's.
pub async fn save_rate(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<RateForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let mut errors = FormErrors::default();
    let rate = match form.rate.trim().parse::<Decimal>() {
        Ok(r) => Some(r),
        Err(_) => {
            errors.push("rate", "expected a decimal number such as 1.0850");
            None
        }
    };
    if let Some(rate) = rate {
        let fx = FxRate {
            from: form.from.trim().to_ascii_uppercase(),
            to: form.to.trim().to_ascii_uppercase(),
            rate,
        };
        match put_rate(&state.context(), org, fx).await {
            Ok(()) => return Ok(see_other("/finance?saved=rate#rates")),
            Err(e) => {
                // The table's rules name `rates[i].from`; the form's field is `from`.
                for p in errors_of(e.into())?.0 {
                    let field = ["from", "to", "rate"]
                        .into_iter()
                        .find(|f| p.field.ends_with(&format!(".{f}")))
                        .unwrap_or("rate");
                    errors.push(field, p.message);
                }
            }
        }
    }
    let outcome = OrgOutcome {
        rate: Some((form, errors)),
        ..OrgOutcome::default()
    };
    org_page(&state, &viewer, outcome).await
}

/// The delete form of one rate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeleteRateForm {
    csrf: String,
    from: String,
    to: String,
}

/// `POST /finance/rates/delete`.
pub async fn remove_rate(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<DeleteRateForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    delete_rate(
        &state.context(),
        &viewer.principal.org_id,
        &form.from,
        &form.to,
    )
    .await
    .map_err(ApiError::from)?;
    Ok(see_other("/finance?saved=rate-deleted#rates"))
}

/// `POST /finance/rates/import`: a rates file, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    viewer: SignedIn,
    request: Request,
) -> UiResult<Response> {
    let _slot = state
        .upload_gate
        .enter(viewer.principal.org_id.as_str())
        .await?;
    let fields = Fields {
        texts: &["csrf"],
        files: &[],
        others: Others::Ignore,
    };
    let upload =
        read_file_field(multipart(request, &state).await?, MAX_RATES_BYTES, fields).await?;
    viewer.check(&state, upload.text("csrf"))?;
    let bytes = upload.file.map(|f| f.bytes).unwrap_or_default();
    let outcome = if bytes.is_empty() {
        let mut errors = FormErrors::default();
        errors.push("file", "choose a rates file to import");
        OrgOutcome {
            rates_import: Some(errors),
            ..OrgOutcome::default()
        }
    } else {
        match import_rates(&state.context(), &viewer.principal.org_id, &bytes).await {
            Ok(done) => OrgOutcome {
                done: Some(match done.as_of {
                    Some(day) => format!(
                        "Imported {} ECB reference rates of {day} (one euro in each currency).",
                        done.count
                    ),
                    None => format!("Imported {} exchange rates.", done.count),
                }),
                ..OrgOutcome::default()
            },
            Err(e) => OrgOutcome {
                rates_import: Some(errors_of(e.into())?),
                ..OrgOutcome::default()
            },
        }
    };
    org_page(&state, &viewer, outcome).await
}

/// `GET /finance/report?from=&to=&format=&currency=`: the financial report download as the API
/// makes it, or, when it cannot be made, the finance page saying why (a missing rate links to the
/// rates editor).
pub async fn report(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<Params>,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    // Opened without its dates (a bookmark, a typed address): the page with the report's form,
    // not a refusal.
    if query.text("from").is_none() && query.text("to").is_none() {
        return org_page(&state, &viewer, OrgOutcome::default()).await;
    }
    match crate::api::finance::reports::report_response(&state, org, &query).await {
        Ok(response) => Ok(response),
        Err(ApiError::Validation(problems)) => {
            // Each reason names its field as the form labels it ("To: missing").
            let reasons = problems
                .into_iter()
                .map(|p| match p.field.as_str() {
                    "rates" => (true, p.message),
                    "from" => (false, format!("From: {}", p.message)),
                    "to" => (false, format!("To: {}", p.message)),
                    "currency" => (false, format!("Currency: {}", p.message)),
                    "format" => (false, format!("Format: {}", p.message)),
                    other => (false, format!("{other}: {}", p.message)),
                })
                .collect();
            let kept = (
                query.0.get("from").cloned().unwrap_or_default(),
                query.0.get("to").cloned().unwrap_or_default(),
                query.0.get("currency").cloned().unwrap_or_default(),
            );
            let outcome = OrgOutcome {
                report: Some((kept, reasons)),
                ..OrgOutcome::default()
            };
            org_page(&state, &viewer, outcome).await
        }
        Err(other) => Err(other.into()),
    }
}
