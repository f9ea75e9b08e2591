//! Share links on the pages: the section of the campaign's page that makes, lists and revokes
//! them, and the page a link opens (`GET /share/{token}`), without signing in.
//!
//! The shared page is the analysis page's panels (`analysis_panels.html`, `shared` on) in a frame
//! of its own (`share.html`): no navigation, no form, no link but its own tabs (`?tab=`, relative
//! to the link), no chart download, no script; it loads the campaign the link names through the
//! link's organisation and nothing else. It answers `Cache-Control: no-store`,
//! `X-Robots-Tag: noindex` and `Referrer-Policy: no-referrer` (`security::headers` keeps the
//! last), so neither a cache, a search engine nor a site the visitor goes to next learns the
//! token. A token that does not open (unknown, revoked, past its last day, or of the wrong
//! form) answers the same 404 page.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use spendlens_app::sharing;
use spendlens_core::campaign::Campaign;

use super::view::SharedAnalysisPage;
use super::{analysis_page, tab_of};
use crate::state::AppState;
use crate::ui::format::date;
use crate::ui::session::SignedIn;
use crate::ui::{Crumb, FormErrors, Layout, UiError, UiResult, render, see_other};

/// A share link as the campaign's page lists it.
#[derive(Debug)]
pub struct ShareRow {
    pub id: String,
    pub created: String,
    pub expires: String,
    /// `Active`, `Revoked` or `Expired`.
    pub state: &'static str,
    pub active: bool,
}

/// The share-links section of the campaign's page.
#[derive(Debug, Default)]
pub struct ShareSection {
    pub links: Vec<ShareRow>,
    /// The last-day field as typed, after a refusal.
    pub expires_on: String,
    pub errors: FormErrors,
    /// Today, the earliest last day (`min` of the date field).
    pub today: String,
}

/// The section for a campaign of the visitor's organisation.
pub(super) async fn section(
    state: &AppState,
    viewer: &SignedIn,
    campaign: &Campaign,
) -> UiResult<ShareSection> {
    let today = state.clock.now().date_naive();
    let links = sharing::list(state.store.as_ref(), &viewer.principal.org_id, &campaign.id)
        .await?
        .into_iter()
        .map(|l| ShareRow {
            active: sharing::opens(&l, today),
            state: if l.revoked_at.is_some() {
                "Revoked"
            } else if sharing::opens(&l, today) {
                "Active"
            } else {
                "Expired"
            },
            expires: l
                .expires_on
                .map_or_else(|| "no end".to_owned(), |d| format!("after {}", date(d))),
            created: spendlens_core::dates::moment(l.created_at),
            id: l.id,
        })
        .collect();
    Ok(ShareSection {
        links,
        today: today.to_string(),
        ..ShareSection::default()
    })
}

#[derive(Template)]
#[template(path = "share_missing.html")]
struct MissingPage {
    css: &'static str,
}

/// The headers of every answer under `/share/`: never cached, never indexed, never referred.
fn private(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn missing() -> Response {
    let mut response = render(&MissingPage {
        css: crate::ui::assets::css_url(),
    });
    *response.status_mut() = StatusCode::NOT_FOUND;
    private(response)
}

/// `GET /share/{token}?tab=…`: the campaign's analysis, read-only, without signing in.
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match shared_page(&state, &token, &query).await {
        Ok(Some(response)) => private(response),
        Ok(None) | Err(UiError::NotFound) => missing(),
        Err(other) => private(other.into_response()),
    }
}

async fn shared_page(
    state: &AppState,
    token: &str,
    query: &HashMap<String, String>,
) -> UiResult<Option<Response>> {
    let Some(link) = sharing::open(state.store.as_ref(), token, state.clock.now()).await? else {
        return Ok(None);
    };
    let tab = tab_of(query)?;
    // Only the tab is read from the query: the shared page has no window, comparison or
    // optimiser of its own.
    let (_, mut page) = analysis_page(
        state,
        &link.org_id,
        link.campaign_id.as_str(),
        tab,
        &HashMap::new(),
        "",
    )
    .await?;
    page.shared = true;
    for t in &mut page.tabs {
        t.href = format!("?tab={}", t.key);
    }
    Ok(Some(render(&SharedAnalysisPage(page))))
}

/// The share form: the link's optional last day.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShareForm {
    csrf: String,
    expires_on: String,
}

#[derive(Template)]
#[template(path = "share_created.html")]
struct CreatedPage {
    layout: Layout,
    id: String,
    name: String,
    url: String,
    expires: String,
}

/// `POST /campaigns/{id}/share-links`: makes a link and shows its URL this once.
pub async fn create(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ShareForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let campaign = state.campaign(org, &id).await?;
    let mut errors = FormErrors::default();
    let expires_on = crate::ui::form_day(&mut errors, "expires_on", &form.expires_on);
    if errors.is_empty() {
        match sharing::create(
            state.store.as_ref(),
            org,
            &campaign.id,
            expires_on,
            state.clock.now(),
        )
        .await
        {
            Ok(created) => {
                let page = CreatedPage {
                    layout: viewer.layout("Share link", "campaigns").with_crumbs(vec![
                        Crumb::new("Campaigns", "/campaigns"),
                        Crumb::new(
                            campaign.spec.name.clone(),
                            format!("/campaigns/{}", campaign.id),
                        ),
                    ]),
                    id: campaign.id.to_string(),
                    name: campaign.spec.name.clone(),
                    url: crate::api::sharing::share_url(&state, &created.token),
                    expires: created.link.expires_on.map_or_else(
                        || "until revoked".to_owned(),
                        |d| format!("through {}", date(d)),
                    ),
                };
                let mut response = render(&page);
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return Ok(response);
            }
            Err(spendlens_app::AppError::Invalid { field, message }) => {
                errors.push(&field, message);
            }
            Err(other) => return Err(other.into()),
        }
    }
    let (_, mut page) = analysis_page(
        &state,
        org,
        campaign.id.as_str(),
        "overview",
        &HashMap::new(),
        &viewer.csrf,
    )
    .await?;
    page.layout = page.layout.signed(&viewer);
    page.share = section(&state, &viewer, &campaign).await?;
    page.share.expires_on = form.expires_on;
    page.share.errors = errors;
    let mut response = render(&page);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// The revoke form's token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
}

/// `POST /campaigns/{id}/share-links/{link_id}/revoke`: the link stops opening at once.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, link_id)): Path<(String, String)>,
    Form(form): Form<RevokeForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let org = &viewer.principal.org_id;
    let campaign = state.campaign(org, &id).await?;
    sharing::revoke(
        state.store.as_ref(),
        org,
        &campaign.id,
        &link_id,
        state.clock.now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/campaigns/{}?saved=share-revoked#share-links",
        campaign.id
    )))
}
