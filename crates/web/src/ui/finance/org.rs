//! The organisation's finance page (`/finance`): its overhead entries (add, edit, delete), the
//! finance settings form (cost of capital, alert webhook and its write-only secret), every
//! campaign's alerts, the financial report download and its schedules (`schedules`). Forms are decoded into
//! `spendlens_app::finance`'s commands (`ledger::add_overhead`, `replace_overhead`,
//! `settings::update_settings`), the API's.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::finance::ledger;
use spendlens_app::finance::settings::{self, SettingsPatch};
use spendlens_store::finance::LedgerScope;

use super::forms::{EntryForm, EntryFormView, overhead_form_view, values_of};
use super::rates::{RateForm, RateRow, rate_row};
use super::views::{AlertRow, LedgerRow, alert_row, ledger_row};
use super::{TokenForm, entry_page, errors_of};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{Crumb, FormErrors, Layout, UiError, UiResult, render, see_other};

#[derive(Template)]
#[template(path = "finance.html")]
struct OrgPage {
    layout: Layout,
    csrf: String,
    currency: String,
    overhead: Vec<LedgerRow>,
    overhead_form: EntryFormView,
    cost_of_capital: String,
    webhook_url: String,
    secret_set: bool,
    settings_errors: FormErrors,
    alerts: Vec<AlertRow>,
    report_from: String,
    report_to: String,
    /// The report currency as typed (blank: the campaigns' most common).
    report_currency: String,
    /// Why the report asked for could not be made (its fields kept).
    report_errors: Vec<(bool, String)>,
    rates: Vec<RateRow>,
    rate_form: RateForm,
    rate_errors: FormErrors,
    rates_import_errors: FormErrors,
    /// Report schedules and their deliveries (see `schedules`).
    schedules: super::schedules::SchedulesSection,
    done: Option<String>,
}

/// A report download that failed: the form's dates and currency as sent, and each reason
/// (whether it is about the rates table, and the message).
pub(super) type ReportFailure = ((String, String, String), Vec<(bool, String)>);

#[derive(Default)]
pub(super) struct OrgOutcome {
    pub(super) overhead: Option<(HashMap<String, String>, FormErrors)>,
    pub(super) settings: Option<(SettingsForm, FormErrors)>,
    pub(super) rate: Option<(RateForm, FormErrors)>,
    pub(super) rates_import: Option<FormErrors>,
    /// The report form as sent and why it failed.
    pub(super) report: Option<ReportFailure>,
    /// The schedule form as sent and why it was refused.
    pub(super) schedule: Option<(super::schedules::ScheduleForm, FormErrors)>,
    pub(super) done: Option<String>,
}

pub(super) async fn org_page(
    state: &AppState,
    viewer: &SignedIn,
    outcome: OrgOutcome,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let overhead = state
        .store
        .ledger(org, LedgerScope::Overhead)
        .await?
        .iter()
        .map(ledger_row)
        .collect();
    let settings = settings::stored_settings(state.store.as_ref(), org)
        .await
        .map_err(ApiError::from)?;
    let names: HashMap<String, String> = state
        .store
        .list_campaigns(org)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.spec.name))
        .collect();
    let alerts = state
        .store
        .alerts(org, None)
        .await?
        .iter()
        .map(|a| {
            let name = names
                .get(a.campaign_id.as_str())
                .cloned()
                .unwrap_or_else(|| a.campaign_id.to_string());
            alert_row(a, name)
        })
        .collect();
    let invalid = outcome.overhead.is_some()
        || outcome.settings.is_some()
        || outcome.rate.is_some()
        || outcome.rates_import.is_some()
        || outcome.report.is_some()
        || outcome.schedule.is_some();
    let schedules = super::schedules::section(state, viewer, outcome.schedule).await?;
    let rates = settings.rates.iter().map(rate_row).collect();
    let (rate_form, rate_errors) = outcome.rate.unwrap_or_default();
    let ((report_from, report_to, report_currency), report_errors) =
        outcome.report.unwrap_or_default();
    let overhead_form = match &outcome.overhead {
        Some((values, errors)) => overhead_form_view(values, errors),
        None => overhead_form_view(&HashMap::new(), &FormErrors::default()),
    };
    let (cost_of_capital, webhook_url, settings_errors) = match outcome.settings {
        Some((form, errors)) => (form.cost_of_capital, form.webhook_url, errors),
        None => (
            settings.cost_of_capital.normalize().to_string(),
            settings.webhook_url.clone().unwrap_or_default(),
            FormErrors::default(),
        ),
    };
    let today = state.clock.now().date_naive();
    let first = today.with_day0(0).unwrap_or(today);
    let page = OrgPage {
        layout: viewer.layout("Finance", "finance"),
        csrf: viewer.csrf.clone(),
        currency: ledger::default_currency(state.store.as_ref(), org)
            .await
            .map_err(ApiError::from)?,
        overhead,
        overhead_form,
        cost_of_capital,
        webhook_url,
        secret_set: settings.webhook_secret_sealed.is_some(),
        settings_errors,
        alerts,
        report_from: if report_from.is_empty() {
            first.to_string()
        } else {
            report_from
        },
        report_to: if report_to.is_empty() {
            today.to_string()
        } else {
            report_to
        },
        report_currency,
        report_errors,
        rates,
        rate_form,
        rate_errors,
        rates_import_errors: outcome.rates_import.unwrap_or_default(),
        schedules,
        done: outcome.done,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /finance` (`?saved=1` after the settings were saved).
pub async fn org(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let done = query.get("saved").and_then(|what| {
        let message = match what.as_str() {
            "1" => "Finance settings saved.",
            "rate" => "Exchange rate saved.",
            "rate-deleted" => "Exchange rate deleted.",
            "overhead" => "Overhead added.",
            "overhead-updated" => "Overhead saved.",
            "overhead-deleted" => "Overhead deleted.",
            "schedule" => "Schedule saved: the next delivery goes out on its day.",
            "schedule-deleted" => "Schedule deleted.",
            _ => return None,
        };
        Some(message.to_owned())
    });
    org_page(
        &state,
        &viewer,
        OrgOutcome {
            done,
            ..OrgOutcome::default()
        },
    )
    .await
}

const OVERHEAD_NAMES: [&str; 3] = ["amount", "allocation_method", "reporting_period"];

/// `POST /finance/overhead`.
pub async fn add_overhead(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<EntryForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    match ledger::add_overhead(&state.context(), org, form.draft(&OVERHEAD_NAMES)).await {
        Ok(_) => Ok(see_other("/finance?saved=overhead#overhead")),
        Err(e) => {
            let outcome = OrgOutcome {
                overhead: Some((form.values(), errors_of(e.into())?)),
                ..OrgOutcome::default()
            };
            org_page(&state, &viewer, outcome).await
        }
    }
}

/// `GET /finance/overhead/{entry_id}`: the edit form of an overhead entry.
pub async fn edit_overhead_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(entry_id): Path<String>,
) -> UiResult<Response> {
    let stored = state
        .store
        .ledger_entry(&viewer.principal.org_id, LedgerScope::Overhead, &entry_id)
        .await?
        .ok_or(UiError::NotFound)?;
    Ok(entry_page(
        &viewer,
        "Edit overhead".to_owned(),
        format!("/finance/overhead/{entry_id}"),
        "/finance".to_owned(),
        overhead_form_view(&values_of(&stored), &FormErrors::default()),
        "finance",
        vec![Crumb::new("Finance", "/finance")],
    ))
}

/// `POST /finance/overhead/{entry_id}`: replaces an overhead entry.
pub async fn update_overhead(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(entry_id): Path<String>,
    Form(form): Form<EntryForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let names = [
        "amount",
        "currency",
        "allocation_method",
        "reporting_period",
    ];
    match ledger::replace_overhead(&state.context(), org, &entry_id, form.draft(&names)).await {
        Ok(_) => Ok(see_other("/finance?saved=overhead-updated#overhead")),
        Err(e) => Ok(entry_page(
            &viewer,
            "Edit overhead".to_owned(),
            format!("/finance/overhead/{entry_id}"),
            "/finance".to_owned(),
            overhead_form_view(&form.values(), &errors_of(e.into())?),
            "finance",
            vec![Crumb::new("Finance", "/finance")],
        )),
    }
}

/// `POST /finance/overhead/{entry_id}/delete`.
pub async fn delete_overhead(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(entry_id): Path<String>,
    Form(form): Form<TokenForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    ledger::delete_entry(&state.context(), org, LedgerScope::Overhead, &entry_id)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/finance?saved=overhead-deleted#overhead"))
}

/// The settings form. The secret is write-only: blank keeps the stored one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    csrf: String,
    cost_of_capital: String,
    webhook_url: String,
    webhook_secret: String,
    remove_secret: String,
}

/// `POST /finance/settings`.
pub async fn settings(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<SettingsForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let decoded = form.patch(
        state.webhooks.cipher.is_some(),
        state.webhooks.outbound().allow_list(),
    );
    let failed = match decoded {
        Ok(patch) => match settings::update_settings(&state.context(), org, patch).await {
            Ok(_) => return Ok(see_other("/finance?saved=1")),
            Err(e) => errors_of(e.into())?,
        },
        Err(errors) => errors,
    };
    let kept = SettingsForm {
        webhook_secret: String::new(),
        ..form
    };
    let outcome = OrgOutcome {
        settings: Some((kept, failed)),
        ..OrgOutcome::default()
    };
    org_page(&state, &viewer, outcome).await
}

impl SettingsForm {
    /// The form as a settings patch, with the API's rules and messages, each problem under its
    /// field: the cost of capital always, the webhook URL (blank removes it; `allow` is the
    /// server's outbound allow-list), the secret when one is typed (`can_seal`: the server can
    /// store it) or removed; blank keeps it.
    fn patch(
        &self,
        can_seal: bool,
        allow: &spendlens_connect::AllowList,
    ) -> Result<SettingsPatch, FormErrors> {
        let mut errors = FormErrors::default();
        let rate = match self.cost_of_capital.trim().parse::<Decimal>() {
            Ok(rate) => settings::cost_of_capital(rate)
                .map_err(|m| errors.push("cost_of_capital", m))
                .ok(),
            Err(_) => {
                errors.push("cost_of_capital", "expected a decimal number");
                None
            }
        };
        let url = self.webhook_url.trim();
        let webhook_url = if url.is_empty() {
            Some(None)
        } else {
            settings::webhook_url(url, allow)
                .map_err(|m| errors.push("webhook_url", m))
                .ok()
                .map(Some)
        };
        let webhook_secret = if !self.remove_secret.is_empty() {
            Some(None)
        } else if self.webhook_secret.is_empty() {
            None
        } else {
            settings::webhook_secret(&self.webhook_secret, can_seal)
                .map_err(|m| errors.push("webhook_secret", m))
                .ok()
                .map(|()| Some(SecretString::from(self.webhook_secret.clone())))
        };
        if errors.is_empty() {
            Ok(SettingsPatch {
                cost_of_capital: rate,
                webhook_url,
                webhook_secret,
                rates: None,
            })
        } else {
            Err(errors)
        }
    }
}
