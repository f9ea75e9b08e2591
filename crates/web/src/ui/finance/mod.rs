//! The finance pages (issue 6): a campaign's ROI, budget consumption, alerts and cost ledger
//! ([`campaign`], `/campaigns/{id}/finance`), and the organisation's overhead, finance settings,
//! alerts and financial report download ([`org`], `/finance`).
//!
//! Nothing is computed or checked here: [`forms`] decodes each form into the command the JSON
//! API decodes its body into (an `EntryDraft`, a settings or facts patch), run by
//! `spendlens_app::finance::{ledger, settings}` with the API's rules and field names; the
//! figures come from `spendlens_app::finance::{campaign_roi, alerts::status}` and [`views`]
//! writes them for people. The report download is a plain GET form to `/api/reports/financial`,
//! authenticated by the session cookie.

pub mod campaign;
pub mod forms;
pub mod org;
pub mod rates;
pub mod reconcile;
pub mod schedules;
pub mod views;

pub use campaign::{
    add_cost, campaign, delete_cost, edit_cost_page, headcount, import, update_cost,
};
pub use org::{add_overhead, delete_overhead, edit_overhead_page, org, settings, update_overhead};
pub use reconcile::choose_basis;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::error::ApiError;
use crate::ui::session::SignedIn;
use crate::ui::{Crumb, FormErrors, Layout, UiResult, render};
use forms::EntryFormView;

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

/// A form with nothing but its token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub(super) csrf: String,
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

pub(super) fn entry_page(
    viewer: &SignedIn,
    heading: String,
    action: String,
    back: String,
    form: EntryFormView,
    section: &'static str,
    crumbs: Vec<Crumb>,
) -> Response {
    let invalid = form.has_errors();
    let mut response = render(&EntryPage {
        layout: viewer.layout(heading.clone(), section).with_crumbs(crumbs),
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
