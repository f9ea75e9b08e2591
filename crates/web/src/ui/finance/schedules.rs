//! The schedules section of the finance page (`/finance#schedules`): the organisation's report
//! schedules, a form that adds one, a delete button per schedule, and the recent deliveries
//! with their attempts and last error.
//!
//! The form is decoded into the API's `ScheduleCommand` and run by
//! `spendlens_app::delivery::create`, with its rules and field names. An HTML form sends every
//! field, so the decoder first drops the fields the chosen kind, channel and cadence do not use
//! (the API refuses them, naming each, since a JSON client sent them on purpose). The Slack URL
//! is write-only: never echoed back, even after a refusal.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::delivery::slot::WEEKDAYS;
use spendlens_app::delivery::{self, Cadence, Channel, ReportKind, Schedule, ScheduleCommand};
use spendlens_store::StoredDelivery;

use super::TokenForm;
use super::org::{OrgOutcome, org_page};
use crate::api::schedules::status;
use crate::state::AppState;
use crate::ui::format::date;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiResult, see_other};

/// A schedule as the page lists it.
#[derive(Debug)]
pub struct ScheduleRow {
    pub id: String,
    pub what: String,
    pub channel: &'static str,
    pub to: String,
    pub when: String,
    pub next: String,
}

/// A delivery as the page lists it.
#[derive(Debug)]
pub struct DeliveryRow {
    pub what: String,
    pub slot: String,
    pub status: &'static str,
    pub attempts: u32,
    pub detail: String,
}

/// A choice of a select.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The section: the list, the form (as typed after a refusal) and the deliveries.
#[derive(Debug, Default)]
pub struct SchedulesSection {
    pub rows: Vec<ScheduleRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub errors: FormErrors,
    pub kinds: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub cadences: Vec<Choice>,
    pub weekdays: Vec<Choice>,
    pub campaigns: Vec<Choice>,
    pub currency: String,
    pub recipients: String,
    pub day: String,
    /// Whether the server can send e-mail (SMTP set) and seal Slack URLs (secret key set).
    pub smtp: bool,
    pub can_seal: bool,
}

/// The schedule form: every field of every kind and channel.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    csrf: String,
    kind: String,
    format: String,
    currency: String,
    campaign_id: String,
    channel: String,
    /// Addresses separated by commas, spaces or lines.
    recipients: String,
    slack_url: String,
    cadence: String,
    weekday: String,
    day: String,
}

fn choices<'a>(
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == selected,
        })
        .collect()
}

fn describe(s: &Schedule, names: &HashMap<String, String>) -> (String, String, String) {
    let campaign = s.campaign_id.as_ref().map_or_else(
        || "every campaign".to_owned(),
        |id| {
            names
                .get(id.as_str())
                .cloned()
                .unwrap_or_else(|| id.to_string())
        },
    );
    let what = match s.kind {
        ReportKind::FinancialReport => format!(
            "Financial report ({}{})",
            s.format.extension().to_uppercase(),
            s.currency
                .as_ref()
                .map(|c| format!(", in {c}"))
                .unwrap_or_default()
        ),
        ReportKind::CampaignSummary => format!("Weekly campaign summary: {campaign}"),
        ReportKind::BudgetAlerts => format!("Budget alerts: {campaign}"),
    };
    let to = match s.channel {
        Channel::Email => s.recipients.join(", "),
        Channel::Slack => "the Slack channel of its incoming webhook".to_owned(),
        Channel::Webhook => "the organisation's webhook".to_owned(),
    };
    let when = match s.cadence {
        Cadence::Weekly(w) => format!(
            "Every {}, the 7 days before",
            WEEKDAYS
                .iter()
                .find(|(_, _, d)| *d == w)
                .map_or("week", |(_, l, _)| *l)
        ),
        Cadence::Monthly(d) => format!("On day {d} of each month, the month before"),
        Cadence::Immediate => "As each alert is raised".to_owned(),
    };
    (what, to, when)
}

fn delivery_row(d: &StoredDelivery, what: &HashMap<&str, String>) -> DeliveryRow {
    let slot = match (d.delivery.period_from, d.delivery.period_to) {
        (Some(from), Some(to)) => format!("{} – {}", date(from), date(to)),
        _ => "an alert".to_owned(),
    };
    let status = status(d);
    let detail = match status {
        "delivered" => d
            .delivered_at
            .map(|t| format!("Delivered {}", spendlens_core::dates::moment(t)))
            .unwrap_or_default(),
        "retrying" => format!(
            "{}; next try {}",
            d.last_error.as_deref().unwrap_or("failed"),
            spendlens_core::dates::moment(d.next_attempt_at)
        ),
        "failed" => format!("Given up: {}", d.last_error.as_deref().unwrap_or("failed")),
        _ => "Waiting to be sent".to_owned(),
    };
    DeliveryRow {
        what: what
            .get(d.delivery.schedule_id.as_str())
            .cloned()
            .unwrap_or_default(),
        slot,
        status,
        attempts: d.attempts,
        detail,
    }
}

/// The section of the visitor's organisation; `form` is the form as sent and why it was
/// refused.
pub(super) async fn section(
    state: &AppState,
    viewer: &SignedIn,
    form: Option<(ScheduleForm, FormErrors)>,
) -> UiResult<SchedulesSection> {
    let org = &viewer.principal.org_id;
    let today = state.clock.now().date_naive();
    let campaigns = state.store.list_campaigns(org).await?;
    let names: HashMap<String, String> = campaigns
        .iter()
        .map(|c| (c.id.to_string(), c.spec.name.clone()))
        .collect();
    let schedules = delivery::list(state.store.as_ref(), org).await?;
    let mut what: HashMap<&str, String> = HashMap::new();
    let rows = schedules
        .iter()
        .map(|s| {
            let (w, to, when) = describe(s, &names);
            what.insert(s.id.as_str(), w.clone());
            ScheduleRow {
                id: s.id.clone(),
                what: w,
                channel: s.channel.label(),
                to,
                when,
                next: s.cadence.next_slot(today).map_or_else(String::new, date),
            }
        })
        .collect();
    let deliveries = state
        .store
        .deliveries(org, 20)
        .await?
        .iter()
        .map(|d| delivery_row(d, &what))
        .collect();
    let (form, errors) = form.unwrap_or_default();
    let weekday = if form.weekday.is_empty() {
        "monday"
    } else {
        form.weekday.as_str()
    };
    Ok(SchedulesSection {
        rows,
        deliveries,
        errors,
        kinds: choices(ReportKind::ALL.map(|k| (k.code(), k.label())), &form.kind),
        channels: choices(Channel::ALL.map(|c| (c.code(), c.label())), &form.channel),
        formats: choices([("pdf", "PDF"), ("xlsx", "XLSX")], &form.format),
        cadences: choices(
            [("weekly", "Weekly"), ("monthly", "Monthly")],
            &form.cadence,
        ),
        weekdays: choices(WEEKDAYS.iter().map(|(c, l, _)| (*c, *l)), weekday),
        campaigns: std::iter::once(Choice {
            value: String::new(),
            label: "Every campaign".to_owned(),
            selected: form.campaign_id.is_empty(),
        })
        .chain(campaigns.iter().map(|c| Choice {
            value: c.id.to_string(),
            label: c.spec.name.clone(),
            selected: form.campaign_id == c.id.as_str(),
        }))
        .collect(),
        currency: form.currency,
        recipients: form.recipients,
        day: form.day,
        smtp: state.deliveries.mailer.is_some(),
        can_seal: state.webhooks.cipher.is_some(),
    })
}

impl ScheduleForm {
    /// The command, with only the fields the chosen kind, channel and cadence use; a day that is
    /// not a number is refused under `day`.
    fn command(&self) -> Result<ScheduleCommand, FormErrors> {
        let kind = ReportKind::parse(&self.kind);
        let channel = Channel::parse(&self.channel);
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let report = kind == Some(ReportKind::FinancialReport);
        let alerts = kind == Some(ReportKind::BudgetAlerts);
        let cadence = self.cadence.trim();
        let day = match (alerts, cadence, self.day.trim()) {
            (false, "monthly", text) => match text.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) => {
                    let mut errors = FormErrors::default();
                    errors.push("day", "expected a day of the month from 1 to 28");
                    return Err(errors);
                }
            },
            _ => None,
        };
        Ok(ScheduleCommand {
            kind: self.kind.clone(),
            format: some(&self.format).filter(|_| report),
            currency: some(&self.currency).filter(|_| report),
            campaign_id: some(&self.campaign_id).filter(|_| !report),
            channel: self.channel.clone(),
            recipients: if channel == Some(Channel::Email) {
                self.recipients
                    .split([',', ';', ' ', '\n', '\r', '\t'])
                    .filter(|r| !r.trim().is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            },
            slack_url: some(&self.slack_url)
                .filter(|_| channel == Some(Channel::Slack))
                .map(SecretString::from),
            cadence: some(cadence).filter(|_| !alerts),
            weekday: some(&self.weekday).filter(|_| !alerts && cadence == "weekly"),
            day,
        })
    }
}

/// `POST /finance/schedules`.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<ScheduleForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let failed = match form.command() {
        Ok(cmd) => match delivery::create(
            state.store.as_ref(),
            &state.deliveries,
            &viewer.principal.org_id,
            cmd,
            state.clock.now(),
        )
        .await
        {
            Ok(_) => return Ok(see_other("/finance?saved=schedule#schedules")),
            Err(e) => super::errors_of(e.into())?,
        },
        Err(errors) => errors,
    };
    let kept = ScheduleForm {
        slack_url: String::new(),
        ..form
    };
    let outcome = OrgOutcome {
        schedule: Some((kept, failed)),
        ..OrgOutcome::default()
    };
    org_page(&state, &viewer, outcome).await
}

/// `POST /finance/schedules/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    delivery::delete(state.store.as_ref(), &viewer.principal.org_id, &id).await?;
    Ok(see_other("/finance?saved=schedule-deleted#schedules"))
}
