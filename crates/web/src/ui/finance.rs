//! The finance pages (issue 6): a campaign's ROI, budget consumption, alerts and cost ledger
//! (`/campaigns/{id}/finance`), and the organisation's overhead, finance settings, alerts and
//! financial report download (`/finance`).
//!
//! Nothing is computed here: entries are checked by `api::finance::cost_entry` /
//! `overhead_entry` (the same rules and field names as the JSON API, from a body built out of
//! the form), the CSV goes through `api::finance::import_ledger_csv`, settings and headcount
//! through `apply_settings` / `apply_facts`, and the figures come from
//! `spendlens_app::finance::{campaign_roi, alerts::status}`. The report download is a plain GET
//! form to `/api/reports/financial`, authenticated by the session cookie.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use spendlens_core::campaign::Campaign;
use spendlens_finance::budget::BudgetStatus;
use spendlens_finance::payback::Payback;
use spendlens_finance::roi::CampaignRoi;
use spendlens_finance::{AttributionMethod, LedgerEntry};
use spendlens_store::finance::{LedgerScope, StoredAlert, StoredEntry};

use crate::api::finance::{
    MAX_LEDGER_BYTES, apply_facts, apply_settings, cost_entry, default_settings, entry_json,
    import_ledger_csv, org_currency, overhead_entry,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::analysis::pacing_label;
use crate::ui::format::{self, money, pct};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, render, see_other};

// ---------------------------------------------------------------------------------------------
// Form fields

/// One option of a select.
#[derive(Debug, Clone)]
pub struct OptionView {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One field of an entry form, with its value as typed and its message.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub id: String,
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<OptionView>,
    pub hint: &'static str,
    pub error: String,
}

struct FieldSpec {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    options: &'static [(&'static str, &'static str)],
    hint: &'static str,
}

const fn text(name: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind: "text",
        options: &[],
        hint,
    }
}

const fn date_field(name: &'static str, label: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind: "date",
        options: &[],
        hint: "",
    }
}

const ATTRIBUTION: &[(&str, &str)] = &[
    ("last_touch", "Last touch"),
    ("first_touch", "First touch"),
    ("multi_touch", "Multi-touch"),
];

const OVERHEAD_METHODS: &[(&str, &str)] =
    &[("headcount", "By headcount"), ("time_based", "Time based")];

const AMOUNT: FieldSpec = text(
    "amount",
    "Amount",
    "In the entry's currency, e.g. 1,250.00.",
);
const PERIOD_HINT: &str = "2026-11, 2026-Q4, 2026 or 2026-11-01..2026-11-30.";

/// The categories of a campaign cost, with their fields.
const COST_CATEGORIES: [(&str, &str, &str, &[FieldSpec]); 3] = [
    (
        "media_spend",
        "Media spend",
        "ms",
        &[
            AMOUNT,
            FieldSpec {
                name: "attribution_method",
                label: "Attribution method",
                kind: "select",
                options: ATTRIBUTION,
                hint: "",
            },
            date_field("allocation_date", "Allocation date"),
        ],
    ),
    (
        "creative_production",
        "Creative production",
        "cp",
        &[
            AMOUNT,
            text("resource_hours", "Resource hours", "Whole hours."),
            text(
                "fixed_cost_allocation",
                "Fixed cost allocation",
                "Added to the amount.",
            ),
            date_field("incurred_on", "Incurred on"),
        ],
    ),
    (
        "platform_fees",
        "Platform fees",
        "pf",
        &[
            AMOUNT,
            text("platform", "Platform", "meta, google_ads, linkedin, …"),
            text("billing_period", "Billing period", PERIOD_HINT),
        ],
    ),
];

const OVERHEAD_FIELD_SPECS: &[FieldSpec] = &[
    AMOUNT,
    FieldSpec {
        name: "allocation_method",
        label: "Allocation method",
        kind: "select",
        options: OVERHEAD_METHODS,
        hint: "Headcount spreads it by people assigned; time based by active days.",
    },
    text("reporting_period", "Reporting period", PERIOD_HINT),
];

/// An entry form (one category), ready to render.
#[derive(Debug, Clone)]
pub struct EntryFormView {
    pub category: &'static str,
    pub title: &'static str,
    pub fields: Vec<FieldView>,
    /// Hidden values kept as they are (the entry's currency when editing).
    pub currency: String,
    /// Problems for no field of the form.
    pub other_errors: Vec<String>,
}

impl EntryFormView {
    /// Whether any field or the form as a whole has a problem.
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| !f.error.is_empty()) || !self.other_errors.is_empty()
    }

    fn build(
        category: &'static str,
        title: &'static str,
        prefix: &str,
        specs: &[FieldSpec],
        values: &HashMap<String, String>,
        errors: &FormErrors,
    ) -> EntryFormView {
        let fields = specs
            .iter()
            .map(|s| {
                let value = values.get(s.name).cloned().unwrap_or_default();
                FieldView {
                    id: format!("{prefix}-{}", s.name),
                    name: s.name,
                    label: s.label,
                    kind: s.kind,
                    options: s
                        .options
                        .iter()
                        .map(|(v, l)| OptionView {
                            value: v,
                            label: l,
                            selected: *v == value,
                        })
                        .collect(),
                    value,
                    hint: s.hint,
                    error: errors.get(s.name),
                }
            })
            .collect();
        let shown: Vec<&str> = specs.iter().map(|s| s.name).collect();
        EntryFormView {
            category,
            title,
            fields,
            currency: values.get("currency").cloned().unwrap_or_default(),
            other_errors: errors.other(&shown.join(",")),
        }
    }
}

/// An entry form as posted: every field of every category (a form sends only its own).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EntryForm {
    csrf: String,
    category: String,
    amount: String,
    currency: String,
    attribution_method: String,
    allocation_date: String,
    resource_hours: String,
    fixed_cost_allocation: String,
    incurred_on: String,
    platform: String,
    billing_period: String,
    allocation_method: String,
    reporting_period: String,
}

impl EntryForm {
    fn values(&self) -> HashMap<String, String> {
        [
            ("category", &self.category),
            ("amount", &self.amount),
            ("currency", &self.currency),
            ("attribution_method", &self.attribution_method),
            ("allocation_date", &self.allocation_date),
            ("resource_hours", &self.resource_hours),
            ("fixed_cost_allocation", &self.fixed_cost_allocation),
            ("incurred_on", &self.incurred_on),
            ("platform", &self.platform),
            ("billing_period", &self.billing_period),
            ("allocation_method", &self.allocation_method),
            ("reporting_period", &self.reporting_period),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }

    /// The JSON body the API would receive: the given fields (blank ones left out), money with
    /// thousands separators accepted as on the campaign form.
    fn body(&self, fields: &[&str]) -> Value {
        let values = self.values();
        let mut map = Map::new();
        for name in fields {
            let Some(text) = values.get(*name).map(|v| v.trim()) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let text = if matches!(*name, "amount" | "fixed_cost_allocation") {
                match format::parse_money(text) {
                    Ok(Some(d)) => d.to_string(),
                    _ => text.to_owned(),
                }
            } else {
                text.to_owned()
            };
            map.insert((*name).to_owned(), Value::String(text));
        }
        Value::Object(map)
    }
}

/// The form values of a stored entry (read from the API's own encoding of it).
fn values_of(stored: &StoredEntry) -> HashMap<String, String> {
    let Value::Object(map) = entry_json(stored) else {
        return HashMap::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Number(n) => Some((k, n.to_string())),
            _ => None,
        })
        .collect()
}

/// Field problems of a validation error; anything else fails the page.
fn errors_of(e: ApiError) -> UiResult<FormErrors> {
    match e {
        ApiError::Validation(problems) => Ok(FormErrors(problems)),
        ApiError::BadRequest(m) => {
            let mut errors = FormErrors::default();
            errors.push("", m);
            Ok(errors)
        }
        other => Err(other.into()),
    }
}

fn cost_fields(category: &str) -> Option<&'static [FieldSpec]> {
    COST_CATEGORIES
        .iter()
        .find(|(c, ..)| *c == category)
        .map(|(.., f)| *f)
}

fn cost_form_view(
    category: &str,
    values: &HashMap<String, String>,
    errors: &FormErrors,
) -> Option<EntryFormView> {
    COST_CATEGORIES
        .iter()
        .find(|(c, ..)| *c == category)
        .map(|(c, title, prefix, specs)| {
            EntryFormView::build(c, title, prefix, specs, values, errors)
        })
}

fn overhead_form_view(values: &HashMap<String, String>, errors: &FormErrors) -> EntryFormView {
    EntryFormView::build(
        "operational_overhead",
        "Operational overhead",
        "oh",
        OVERHEAD_FIELD_SPECS,
        values,
        errors,
    )
}

// ---------------------------------------------------------------------------------------------
// Views of the figures

/// One row of a ledger table.
#[derive(Debug)]
pub struct LedgerRow {
    pub id: String,
    pub category: &'static str,
    pub amount: String,
    pub total: String,
    pub when: String,
    pub details: String,
}

fn category_label(entry: &LedgerEntry) -> &'static str {
    match entry {
        LedgerEntry::MediaSpend(_) => "Media spend",
        LedgerEntry::CreativeProduction(_) => "Creative production",
        LedgerEntry::PlatformFee(_) => "Platform fees",
        LedgerEntry::OperationalOverhead(_) => "Operational overhead",
    }
}

fn attribution_label(m: AttributionMethod) -> &'static str {
    ATTRIBUTION
        .iter()
        .find(|(v, _)| *v == m.as_str())
        .map_or("", |(_, l)| l)
}

fn ledger_row(stored: &StoredEntry) -> LedgerRow {
    let e = &stored.entry;
    let c = e.currency();
    let (amount, when, details) = match e {
        LedgerEntry::MediaSpend(x) => (
            x.amount,
            format::date(x.allocation_date),
            format!("{} attribution", attribution_label(x.attribution_method)),
        ),
        LedgerEntry::CreativeProduction(x) => (
            x.amount,
            format::date(x.incurred_on),
            format!(
                "{} h · fixed {}",
                x.resource_hours,
                money(x.fixed_cost_allocation, c)
            ),
        ),
        LedgerEntry::PlatformFee(x) => (x.amount, x.billing_period.to_string(), x.platform.clone()),
        LedgerEntry::OperationalOverhead(x) => (
            x.amount,
            x.reporting_period.to_string(),
            OVERHEAD_METHODS
                .iter()
                .find(|(v, _)| *v == x.allocation_method.as_str())
                .map_or("", |(_, l)| l)
                .to_owned(),
        ),
    };
    LedgerRow {
        id: stored.id.clone(),
        category: category_label(e),
        amount: money(amount, c),
        total: money(e.total(), c),
        when,
        details,
    }
}

/// The ROI panel.
#[derive(Debug)]
pub struct RoiView {
    pub window: String,
    pub attribution: &'static str,
    pub campaign_costs: String,
    pub media: String,
    pub creative: String,
    pub fees: String,
    pub operational: String,
    pub opportunity: String,
    pub total_investment: String,
    pub revenue: String,
    pub net: String,
    pub roi_pct: String,
    pub roas: String,
    pub payback: String,
    pub payback_status: &'static str,
    pub confidence: &'static str,
    pub interval: String,
}

fn roi_view(r: &CampaignRoi) -> RoiView {
    let c = r.currency.as_str();
    let payback = match r.payback {
        Payback::Reached { date, days } => {
            format!("Reached on {} (day {days})", format::date(date))
        }
        Payback::Projected { date, days } => {
            format!("Projected for {} (day {days})", format::date(date))
        }
        Payback::NotWithinHorizon => "Not within the horizon at the recent rates".to_owned(),
        Payback::NoInvestment => "No investment in the period".to_owned(),
    };
    RoiView {
        window: r.window.as_ref().map_or_else(
            || "no period (the campaign has no dates yet)".to_owned(),
            |p| format!("{} – {}", format::date(p.start()), format::date(p.end())),
        ),
        attribution: attribution_label(r.attribution),
        campaign_costs: money(r.costs.campaign_costs(), c),
        media: money(r.costs.media(), c),
        creative: money(r.costs.creative, c),
        fees: money(r.costs.platform_fees, c),
        operational: money(r.costs.overhead, c),
        opportunity: money(r.costs.opportunity, c),
        total_investment: money(r.total_investment, c),
        revenue: money(r.attributed_revenue, c),
        net: money(r.net_revenue, c),
        roi_pct: r
            .roi_percentage
            .map_or_else(|| "n/a (nothing invested)".to_owned(), pct),
        roas: r.roas.map_or_else(|| "n/a".to_owned(), format::ratio),
        payback,
        payback_status: r.payback.as_str(),
        confidence: r.confidence.level.as_str(),
        interval: r.confidence.interval.map_or_else(
            || "no interval (no day to resample)".to_owned(),
            |(lo, hi)| format!("{} to {}", pct(lo), pct(hi)),
        ),
    }
}

/// The budget consumption panel.
#[derive(Debug)]
pub struct BudgetView {
    pub as_of: String,
    pub budget: String,
    pub spend: String,
    pub used_pct: String,
    pub remaining: String,
    pub status: &'static str,
    pub pacing: String,
}

fn budget_view(s: &BudgetStatus) -> BudgetView {
    let c = s.currency.as_str();
    BudgetView {
        as_of: format::date(s.as_of),
        budget: s
            .budget
            .map_or_else(|| "no budget".to_owned(), |b| money(b, c)),
        spend: money(s.spend, c),
        used_pct: pct(s.used_pct),
        remaining: match (s.remaining, s.over_budget_by) {
            (_, Some(over)) => format!("over budget by {}", money(over, c)),
            (Some(r), None) => format!("{} left", money(r, c)),
            (None, None) => String::new(),
        },
        status: s.status.as_str(),
        pacing: format!(
            "{} ({}){}",
            pacing_label(s.pacing_status),
            pct(s.pacing_pct),
            if s.pacing_assumed { ", assumed" } else { "" }
        ),
    }
}

/// One alert of a list.
#[derive(Debug)]
pub struct AlertRow {
    pub campaign_id: String,
    pub campaign: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub figures: String,
    pub raised_at: String,
    pub delivery: String,
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

fn alert_row(a: &StoredAlert, campaign: String) -> AlertRow {
    let kind = a.alert.kind.as_str();
    let label = match kind {
        "budget_80" => "80 % of the budget used",
        "budget_95" => "95 % of the budget used",
        "budget_100" => "Budget used up",
        "pacing_ahead" => "Spending ahead of pace",
        "pacing_behind" => "Spending behind pace",
        _ => "Alert",
    };
    let c = a.alert.currency.as_str();
    let budget = a
        .alert
        .budget
        .map_or_else(|| "no budget".to_owned(), |b| money(b, c));
    let delivery = match (a.delivered_at, &a.last_error) {
        (Some(at), _) => format!("Delivered {}", timestamp(at)),
        (None, Some(err)) => format!("Not delivered after {} attempts: {err}", a.attempts),
        (None, None) if a.attempts > 0 => format!("Not delivered ({} attempts)", a.attempts),
        (None, None) => "Not sent (no webhook, or waiting)".to_owned(),
    };
    AlertRow {
        campaign_id: a.campaign_id.to_string(),
        campaign,
        kind,
        label,
        figures: format!(
            "{} used ({} of {}) · pacing {} · as of {}",
            pct(a.alert.used_pct),
            money(a.alert.spend, c),
            budget,
            pct(a.alert.pacing_pct),
            format::date(a.alert.as_of)
        ),
        raised_at: timestamp(a.raised_at),
        delivery,
    }
}

// ---------------------------------------------------------------------------------------------
// The campaign finance page

/// The period filter of the ROI panel.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    from: String,
    to: String,
}

impl Filter {
    fn dates(&self, errors: &mut FormErrors) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let mut one = |field: &str, text: &str| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.push(field, format!("\"{text}\" is not a date: use YYYY-MM-DD"));
            }
            parsed
        };
        let from = one("from", &self.from);
        let to = one("to", &self.to);
        (from, to)
    }
}

#[derive(Template)]
#[template(path = "campaign_finance.html")]
struct CampaignPage {
    layout: Layout,
    id: String,
    /// Where the ledger's edit and delete links point.
    cost_base: String,
    name: String,
    currency: String,
    csrf: String,
    filter: Filter,
    filter_errors: FormErrors,
    roi: Option<RoiView>,
    budget: Option<BudgetView>,
    alerts: Vec<AlertRow>,
    ledger: Vec<LedgerRow>,
    add_forms: Vec<EntryFormView>,
    /// The category whose add form failed (opened and focused).
    failed: String,
    headcount: String,
    attribution: Vec<OptionView>,
    headcount_errors: FormErrors,
    import_errors: FormErrors,
    done: Option<String>,
}

/// What a POST hands back to the page when it failed (or succeeded with a message).
#[derive(Default)]
struct Outcome {
    add: Option<(String, HashMap<String, String>, FormErrors)>,
    headcount: Option<(String, FormErrors)>,
    import_errors: FormErrors,
    done: Option<String>,
}

async fn campaign_page(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
    filter: Filter,
    outcome: Outcome,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let now = state.clock.now();
    let mut filter_errors = FormErrors::default();
    let (from, to) = filter.dates(&mut filter_errors);
    let roi = if filter_errors.is_empty() {
        match spendlens_app::finance::campaign_roi(
            state.store.as_ref(),
            org,
            &campaign.id,
            from,
            to,
            now,
        )
        .await
        {
            Ok(r) => Some(roi_view(&r)),
            Err(e) => {
                filter_errors = errors_of(ApiError::from(e))?;
                None
            }
        }
    } else {
        None
    };
    let status =
        spendlens_app::finance::alerts::status(state.store.as_ref(), org, &campaign.id, now)
            .await
            .map_err(ApiError::from)?;
    let alerts = state
        .store
        .alerts(org, Some(&campaign.id))
        .await?
        .iter()
        .map(|a| alert_row(a, campaign.spec.name.clone()))
        .collect();
    let ledger = state
        .store
        .ledger(org, LedgerScope::Campaign(&campaign.id))
        .await?
        .iter()
        .map(ledger_row)
        .collect();
    let facts = state
        .store
        .campaign_finance(org, &campaign.id)
        .await?
        .ok_or(UiError::NotFound)?;
    let (failed, add_forms) = {
        let empty = HashMap::new();
        let none = FormErrors::default();
        let failed = outcome
            .add
            .as_ref()
            .map(|(c, ..)| c.clone())
            .unwrap_or_default();
        let forms = COST_CATEGORIES
            .iter()
            .filter_map(|(c, ..)| match &outcome.add {
                Some((f, values, errors)) if f == c => cost_form_view(c, values, errors),
                _ => cost_form_view(c, &empty, &none),
            })
            .collect();
        (failed, forms)
    };
    let invalid =
        !failed.is_empty() || outcome.headcount.is_some() || !outcome.import_errors.is_empty();
    let (headcount, headcount_errors) = outcome
        .headcount
        .unwrap_or_else(|| (facts.headcount.to_string(), FormErrors::default()));
    let page = CampaignPage {
        layout: Layout::new(
            format!("Finance · {}", campaign.spec.name),
            Some(viewer.csrf.clone()),
            "campaigns",
        ),
        id: campaign.id.to_string(),
        cost_base: format!("/campaigns/{}/finance/costs", campaign.id),
        name: campaign.spec.name.clone(),
        currency: campaign.spec.currency.clone(),
        csrf: viewer.csrf.clone(),
        filter,
        filter_errors,
        roi,
        budget: Some(budget_view(&status)),
        alerts,
        ledger,
        add_forms,
        failed,
        headcount,
        attribution: ATTRIBUTION
            .iter()
            .map(|(v, l)| OptionView {
                value: v,
                label: l,
                selected: *v == facts.attribution_method.as_str(),
            })
            .collect(),
        headcount_errors,
        import_errors: outcome.import_errors,
        done: outcome.done,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /campaigns/{id}/finance`.
pub async fn campaign(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Query(filter): Query<Filter>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    campaign_page(&state, &viewer, &campaign, filter, Outcome::default()).await
}

/// `POST /campaigns/{id}/finance/costs`: adds a cost of the form's category.
pub async fn add_cost(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<EntryForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let Some(specs) = cost_fields(&form.category) else {
        return Err(UiError::BadRequest(format!(
            "\"{}\" is not a cost category",
            form.category
        )));
    };
    let mut names: Vec<&str> = vec!["category"];
    names.extend(specs.iter().map(|s| s.name));
    let stored = match cost_entry(&form.body(&names), &campaign.id, &campaign.spec.currency) {
        Ok(entry) => {
            state
                .store
                .insert_ledger_entries(&viewer.principal.org_id, &[entry], state.clock.now())
                .await?
        }
        Err(e) => {
            let errors = errors_of(e)?;
            let outcome = Outcome {
                add: Some((form.category.clone(), form.values(), errors)),
                ..Outcome::default()
            };
            return campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await;
        }
    };
    stored.ok_or(UiError::NotFound)?;
    Ok(see_other(&format!(
        "/campaigns/{}/finance#ledger",
        campaign.id
    )))
}

#[derive(Template)]
#[template(path = "ledger_entry_form.html")]
struct EntryPage {
    layout: Layout,
    heading: String,
    action: String,
    back: String,
    csrf: String,
    form: EntryFormView,
}

fn entry_page(
    viewer: &SignedIn,
    heading: String,
    action: String,
    back: String,
    form: EntryFormView,
    section: &'static str,
) -> Response {
    let invalid = form.has_errors();
    let mut response = render(&EntryPage {
        layout: Layout::new(heading.clone(), Some(viewer.csrf.clone()), section),
        heading,
        action,
        back,
        csrf: viewer.csrf.clone(),
        form,
    });
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /campaigns/{id}/finance/costs/{entry_id}`: the edit form of a cost.
pub async fn edit_cost_page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, entry_id)): Path<(String, String)>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let stored = state
        .store
        .ledger_entry(
            &viewer.principal.org_id,
            LedgerScope::Campaign(&campaign.id),
            &entry_id,
        )
        .await?
        .ok_or(UiError::NotFound)?;
    let category = stored.entry.category().as_str();
    let form = cost_form_view(category, &values_of(&stored), &FormErrors::default())
        .ok_or(UiError::NotFound)?;
    Ok(entry_page(
        &viewer,
        format!("Edit {} cost", form.title.to_lowercase()),
        format!("/campaigns/{}/finance/costs/{entry_id}", campaign.id),
        format!("/campaigns/{}/finance", campaign.id),
        form,
        "campaigns",
    ))
}

/// `POST /campaigns/{id}/finance/costs/{entry_id}`: replaces a cost.
pub async fn update_cost(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, entry_id)): Path<(String, String)>,
    Form(form): Form<EntryForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let specs = cost_fields(&form.category).ok_or(UiError::NotFound)?;
    let mut names: Vec<&str> = vec!["category", "currency"];
    names.extend(specs.iter().map(|s| s.name));
    let org = &viewer.principal.org_id;
    match cost_entry(&form.body(&names), &campaign.id, &campaign.spec.currency) {
        Ok(entry) => {
            state
                .store
                .update_ledger_entry(
                    org,
                    LedgerScope::Campaign(&campaign.id),
                    &entry_id,
                    &entry,
                    state.clock.now(),
                )
                .await?
                .ok_or(UiError::NotFound)?;
            Ok(see_other(&format!(
                "/campaigns/{}/finance#ledger",
                campaign.id
            )))
        }
        Err(e) => {
            let errors = errors_of(e)?;
            let view =
                cost_form_view(&form.category, &form.values(), &errors).ok_or(UiError::NotFound)?;
            Ok(entry_page(
                &viewer,
                format!("Edit {} cost", view.title.to_lowercase()),
                format!("/campaigns/{}/finance/costs/{entry_id}", campaign.id),
                format!("/campaigns/{}/finance", campaign.id),
                view,
                "campaigns",
            ))
        }
    }
}

/// A form with nothing but its token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
}

/// `POST /campaigns/{id}/finance/costs/{entry_id}/delete`.
pub async fn delete_cost(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, entry_id)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    if !state
        .store
        .delete_ledger_entry(
            &viewer.principal.org_id,
            LedgerScope::Campaign(&campaign.id),
            &entry_id,
        )
        .await?
    {
        return Err(UiError::NotFound);
    }
    Ok(see_other(&format!(
        "/campaigns/{}/finance#ledger",
        campaign.id
    )))
}

/// The headcount form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HeadcountForm {
    csrf: String,
    headcount: String,
    attribution_method: String,
}

/// `POST /campaigns/{id}/finance/headcount`: the people assigned and the ROI attribution.
pub async fn headcount(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<HeadcountForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let mut facts = state
        .store
        .campaign_finance(org, &campaign.id)
        .await?
        .ok_or(UiError::NotFound)?;
    let mut body = Map::new();
    let typed = form.headcount.trim();
    body.insert(
        "headcount".to_owned(),
        typed
            .parse::<u64>()
            .map_or_else(|_| Value::String(typed.to_owned()), Value::from),
    );
    if !form.attribution_method.is_empty() {
        body.insert(
            "attribution_method".to_owned(),
            Value::String(form.attribution_method.clone()),
        );
    }
    if let Err(e) = apply_facts(&mut facts, &body) {
        let outcome = Outcome {
            headcount: Some((form.headcount.clone(), errors_of(e)?)),
            ..Outcome::default()
        };
        return campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await;
    }
    if !state
        .store
        .put_campaign_finance(org, &campaign.id, &facts, state.clock.now())
        .await?
    {
        return Err(UiError::NotFound);
    }
    Ok(see_other(&format!("/campaigns/{}/finance", campaign.id)))
}

/// `POST /campaigns/{id}/finance/import`: a ledger CSV (`file`), all or nothing.
pub async fn import(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    request: Request,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|e| UiError::BadRequest(format!("expected a file upload: {}", e.body_text())))?;
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| UiError::BadRequest(format!("upload: {e}")))?
    {
        match part.name() {
            Some("csrf") => csrf = part.text().await.unwrap_or_default(),
            Some("file") => {
                let data = part
                    .bytes()
                    .await
                    .map_err(|e| UiError::BadRequest(format!("file: {e}")))?;
                if data.len() > MAX_LEDGER_BYTES {
                    return Err(UiError::TooLarge);
                }
                bytes = data.to_vec();
            }
            _ => {}
        }
    }
    viewer.check(&state, &csrf)?;
    let outcome = if bytes.is_empty() {
        let mut errors = FormErrors::default();
        errors.push("file", "choose a ledger CSV to import");
        Outcome {
            import_errors: errors,
            ..Outcome::default()
        }
    } else {
        match import_ledger_csv(&state, &viewer.principal.org_id, &campaign, &bytes).await {
            Ok(stored) => Outcome {
                done: Some(format!("Imported {} ledger entries.", stored.len())),
                ..Outcome::default()
            },
            Err(e) => Outcome {
                import_errors: errors_of(e)?,
                ..Outcome::default()
            },
        }
    };
    campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await
}

// ---------------------------------------------------------------------------------------------
// The organisation's finance page

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
    done: Option<String>,
}

#[derive(Default)]
struct OrgOutcome {
    overhead: Option<(HashMap<String, String>, FormErrors)>,
    settings: Option<(SettingsForm, FormErrors)>,
    done: Option<String>,
}

async fn org_page(state: &AppState, viewer: &SignedIn, outcome: OrgOutcome) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let overhead = state
        .store
        .ledger(org, LedgerScope::Overhead)
        .await?
        .iter()
        .map(ledger_row)
        .collect();
    let settings = state
        .store
        .finance_settings(org)
        .await?
        .unwrap_or_else(default_settings);
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
    let invalid = outcome.overhead.is_some() || outcome.settings.is_some();
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
        layout: Layout::new("Finance", Some(viewer.csrf.clone()), "finance"),
        csrf: viewer.csrf.clone(),
        currency: org_currency(state, org).await?,
        overhead,
        overhead_form,
        cost_of_capital,
        webhook_url,
        secret_set: settings.webhook_secret_sealed.is_some(),
        settings_errors,
        alerts,
        report_from: first.to_string(),
        report_to: today.to_string(),
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
    let done = query
        .contains_key("saved")
        .then(|| "Finance settings saved.".to_owned());
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
    let currency = org_currency(&state, org).await?;
    match overhead_entry(&form.body(&OVERHEAD_NAMES), &currency) {
        Ok(entry) => {
            state
                .store
                .insert_ledger_entries(org, &[entry], state.clock.now())
                .await?;
            Ok(see_other("/finance#overhead"))
        }
        Err(e) => {
            let outcome = OrgOutcome {
                overhead: Some((form.values(), errors_of(e)?)),
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
    let currency = org_currency(&state, org).await?;
    let names = [
        "amount",
        "currency",
        "allocation_method",
        "reporting_period",
    ];
    match overhead_entry(&form.body(&names), &currency) {
        Ok(entry) => {
            state
                .store
                .update_ledger_entry(
                    org,
                    LedgerScope::Overhead,
                    &entry_id,
                    &entry,
                    state.clock.now(),
                )
                .await?
                .ok_or(UiError::NotFound)?;
            Ok(see_other("/finance#overhead"))
        }
        Err(e) => Ok(entry_page(
            &viewer,
            "Edit overhead".to_owned(),
            format!("/finance/overhead/{entry_id}"),
            "/finance".to_owned(),
            overhead_form_view(&form.values(), &errors_of(e)?),
            "finance",
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
    if !state
        .store
        .delete_ledger_entry(&viewer.principal.org_id, LedgerScope::Overhead, &entry_id)
        .await?
    {
        return Err(UiError::NotFound);
    }
    Ok(see_other("/finance#overhead"))
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
    let mut stored = state
        .store
        .finance_settings(org)
        .await?
        .unwrap_or_else(default_settings);
    let mut body = Map::new();
    body.insert(
        "cost_of_capital".to_owned(),
        Value::String(form.cost_of_capital.trim().to_owned()),
    );
    let url = form.webhook_url.trim();
    body.insert(
        "webhook_url".to_owned(),
        if url.is_empty() {
            Value::Null
        } else {
            Value::String(url.to_owned())
        },
    );
    if !form.remove_secret.is_empty() {
        body.insert("webhook_secret".to_owned(), Value::Null);
    } else if !form.webhook_secret.is_empty() {
        body.insert(
            "webhook_secret".to_owned(),
            Value::String(form.webhook_secret.clone()),
        );
    }
    if let Err(e) = apply_settings(&state, &mut stored, &body) {
        let errors = errors_of(e)?;
        let kept = SettingsForm {
            webhook_secret: String::new(),
            ..form
        };
        let outcome = OrgOutcome {
            settings: Some((kept, errors)),
            ..OrgOutcome::default()
        };
        return org_page(&state, &viewer, outcome).await;
    }
    state
        .store
        .put_finance_settings(org, &stored, state.clock.now())
        .await?;
    Ok(see_other("/finance?saved=1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_leaves_blanks_out_and_reads_grouped_money() {
        let form = EntryForm {
            category: "creative_production".into(),
            amount: " 1,200.50 ".into(),
            resource_hours: "".into(),
            fixed_cost_allocation: "abc".into(),
            platform: "meta".into(),
            ..EntryForm::default()
        };
        let body = form.body(&[
            "category",
            "amount",
            "resource_hours",
            "fixed_cost_allocation",
        ]);
        assert_eq!(
            body,
            serde_json::json!({"category": "creative_production", "amount": "1200.50",
                               "fixed_cost_allocation": "abc"})
        );
    }

    #[test]
    fn a_failed_form_keeps_its_values_and_names_its_fields() {
        let mut errors = FormErrors::default();
        errors.push("amount", "must be positive");
        errors.push("colour", "unknown field");
        let values: HashMap<String, String> = [
            ("amount".to_owned(), "-5".to_owned()),
            ("attribution_method".to_owned(), "first_touch".to_owned()),
        ]
        .into_iter()
        .collect();
        let view = cost_form_view("media_spend", &values, &errors)
            .unwrap_or_else(|| panic!("a cost category"));
        assert_eq!(view.fields[0].id, "ms-amount");
        assert_eq!(view.fields[0].value, "-5");
        assert_eq!(view.fields[0].error, "must be positive");
        assert!(
            view.fields[1]
                .options
                .iter()
                .any(|o| o.selected && o.value == "first_touch")
        );
        assert_eq!(view.other_errors, vec!["colour: unknown field".to_owned()]);
        assert!(view.has_errors());
        assert!(cost_form_view("operational_overhead", &values, &errors).is_none());
    }
}
