//! The campaign's finance page (`/campaigns/{id}/finance`): its ROI over a period, budget
//! consumption, alerts and cost ledger, with the forms that add, edit, delete and import costs
//! and set the people assigned. Forms are decoded into `spendlens_app::finance`'s commands
//! (`ledger::add_cost`, `replace_cost`, `import_ledger`, `settings::update_facts`), the API's.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use spendlens_app::finance::ledger;
use spendlens_app::finance::settings::{self, FactsPatch};
use spendlens_core::campaign::Campaign;
use spendlens_store::finance::LedgerScope;

use super::forms::{
    COST_CATEGORIES, EntryForm, EntryFormView, OptionView, attribution_options, cost_fields,
    cost_form_view, values_of,
};
use super::reconcile::{ReconciliationView, reconciliation_view};
use super::views::{
    AlertRow, BudgetView, LedgerRow, RoiView, alert_row, budget_view, ledger_row, roi_view,
};
use super::{TokenForm, entry_page, errors_of};
use crate::api::finance::MAX_LEDGER_BYTES;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{
    Crumb, FormErrors, Layout, UiError, UiResult, form_day, multipart, render, see_other,
};
use crate::upload::{Fields, Others, read_file_field};

/// The period filter of the ROI panel.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filter {
    from: String,
    to: String,
    /// Set by the redirect after a save (`basis`), for its confirmation.
    saved: String,
}

impl Filter {
    fn dates(&self, errors: &mut FormErrors) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let from = form_day(errors, "from", &self.from);
        let to = form_day(errors, "to", &self.to);
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
    reconciliation: Option<ReconciliationView>,
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
    let (roi, reconciliation) = if filter_errors.is_empty() {
        match spendlens_app::finance::reconciliation(
            state.store.as_ref(),
            org,
            &campaign.id,
            from,
            to,
            now,
        )
        .await
        {
            Ok((walk, choice)) => (
                Some(roi_view(&walk.roi)),
                Some(reconciliation_view(&walk, choice)),
            ),
            Err(e) => {
                filter_errors = errors_of(ApiError::from(e))?;
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    let done = outcome.done.or_else(|| match filter.saved.as_str() {
        "basis" => reconciliation
            .as_ref()
            .map(|r| format!("Saved. The ROI's revenue is now {}.", r.used)),
        "cost" => Some("Cost added to the ledger.".to_owned()),
        "cost-updated" => Some("Cost saved.".to_owned()),
        "cost-deleted" => Some("Cost deleted from the ledger.".to_owned()),
        "facts" => Some("Campaign finance settings saved.".to_owned()),
        _ => None,
    });
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
    let facts = settings::facts(state.store.as_ref(), org, &campaign.id)
        .await
        .map_err(ApiError::from)?;
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
                Some((f, values, errors)) if f == c.as_str() => {
                    cost_form_view(c.as_str(), values, errors)
                }
                _ => cost_form_view(c.as_str(), &empty, &none),
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
        layout: viewer.layout(format!("Finance · {}", campaign.spec.name), "campaigns"),
        id: campaign.id.to_string(),
        cost_base: format!("/campaigns/{}/finance/costs", campaign.id),
        name: campaign.spec.name.clone(),
        currency: campaign.spec.currency.clone(),
        csrf: viewer.csrf.clone(),
        filter,
        filter_errors,
        roi,
        reconciliation,
        budget: Some(budget_view(&status)),
        alerts,
        ledger,
        add_forms,
        failed,
        headcount,
        attribution: attribution_options()
            .into_iter()
            .map(|(v, l)| OptionView {
                value: v,
                label: l,
                selected: v == facts.attribution_method.as_str(),
            })
            .collect(),
        headcount_errors,
        import_errors: outcome.import_errors,
        done,
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
    if let Err(e) = ledger::add_cost(&state.context(), &campaign, form.draft(&names)).await {
        let errors = errors_of(e.into())?;
        let outcome = Outcome {
            add: Some((form.category.clone(), form.values(), errors)),
            ..Outcome::default()
        };
        return campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await;
    }
    Ok(see_other(&format!(
        "/campaigns/{}/finance?saved=cost#ledger",
        campaign.id
    )))
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
        campaign_crumbs(&campaign),
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
    let ctx = state.context();
    match ledger::replace_cost(&ctx, &campaign, &entry_id, form.draft(&names)).await {
        Ok(_) => Ok(see_other(&format!(
            "/campaigns/{}/finance?saved=cost-updated#ledger",
            campaign.id
        ))),
        Err(e) => {
            let errors = errors_of(e.into())?;
            let view =
                cost_form_view(&form.category, &form.values(), &errors).ok_or(UiError::NotFound)?;
            Ok(entry_page(
                &viewer,
                format!("Edit {} cost", view.title.to_lowercase()),
                format!("/campaigns/{}/finance/costs/{entry_id}", campaign.id),
                format!("/campaigns/{}/finance", campaign.id),
                view,
                "campaigns",
                campaign_crumbs(&campaign),
            ))
        }
    }
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
    let scope = LedgerScope::Campaign(&campaign.id);
    ledger::delete_entry(&state.context(), &viewer.principal.org_id, scope, &entry_id)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other(&format!(
        "/campaigns/{}/finance?saved=cost-deleted#ledger",
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
    let outcome = match form.patch() {
        Ok(patch) => {
            let ctx = state.context();
            match settings::update_facts(&ctx, &viewer.principal.org_id, &campaign.id, patch).await
            {
                Ok(_) => {
                    return Ok(see_other(&format!(
                        "/campaigns/{}/finance?saved=facts",
                        campaign.id
                    )));
                }
                Err(e) => errors_of(e.into())?,
            }
        }
        Err(errors) => errors,
    };
    let outcome = Outcome {
        headcount: Some((form.headcount.clone(), outcome)),
        ..Outcome::default()
    };
    campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await
}

impl HeadcountForm {
    /// The form as a facts patch: the headcount always, the attribution method when chosen; each
    /// problem under its field, with the API's messages.
    fn patch(&self) -> Result<FactsPatch, FormErrors> {
        let mut errors = FormErrors::default();
        let people = settings::headcount(self.headcount.trim().parse::<u64>().ok());
        let headcount = people.map_err(|m| errors.push("headcount", m)).ok();
        let attribution_method = if self.attribution_method.is_empty() {
            None
        } else {
            settings::attribution_method(&self.attribution_method)
                .map_err(|m| errors.push("attribution_method", m))
                .ok()
        };
        if errors.is_empty() {
            Ok(FactsPatch {
                headcount,
                attribution_method,
            })
        } else {
            Err(errors)
        }
    }
}

/// `POST /campaigns/{id}/finance/import`: a ledger CSV (`file`), all or nothing.
pub async fn import(
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
        texts: &["csrf"],
        files: &[],
        others: Others::Ignore,
    };
    let upload =
        read_file_field(multipart(request, &state).await?, MAX_LEDGER_BYTES, fields).await?;
    viewer.check(&state, upload.text("csrf"))?;
    let bytes = upload.file.map(|f| f.bytes).unwrap_or_default();
    let outcome = if bytes.is_empty() {
        let mut errors = FormErrors::default();
        errors.push("file", "choose a ledger CSV to import");
        Outcome {
            import_errors: errors,
            ..Outcome::default()
        }
    } else {
        match ledger::import_ledger(&state.context(), &campaign, &bytes).await {
            Ok(imported) => Outcome {
                done: Some(format!(
                    "Imported {} ledger entries: {} new, {} updated, {} unchanged.",
                    imported.entries.len(),
                    imported.counts.inserted,
                    imported.counts.updated,
                    imported.counts.unchanged
                )),
                ..Outcome::default()
            },
            Err(e) => Outcome {
                import_errors: errors_of(e.into())?,
                ..Outcome::default()
            },
        }
    };
    campaign_page(&state, &viewer, &campaign, Filter::default(), outcome).await
}

/// Campaigns / the campaign / Finance /: the trail of a campaign's ledger entry page.
fn campaign_crumbs(campaign: &spendlens_core::campaign::Campaign) -> Vec<Crumb> {
    vec![
        Crumb::new("Campaigns", "/campaigns"),
        Crumb::new(
            campaign.spec.name.clone(),
            format!("/campaigns/{}", campaign.id),
        ),
        Crumb::new("Finance", format!("/campaigns/{}/finance", campaign.id)),
    ]
}
