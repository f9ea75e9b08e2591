//! The import page's "Stored rows by source" section: the campaign's daily rows by platform and
//! external campaign (`spendlens_app::sources`), and the deletion of one line, asked and then
//! confirmed (rows imported into the wrong campaign, or twice under two names, cannot be undone
//! by importing again).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use spendlens_app::labels::Label;
use spendlens_app::sources;
use spendlens_core::Platform;
use spendlens_core::campaign::Campaign;

use super::{page_of, respond};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::format::{counted, date, money};
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, UiError, UiResult};

/// One line of the section.
#[derive(Debug)]
pub struct StoredSource {
    pub platform: &'static str,
    pub platform_label: &'static str,
    pub external: String,
    pub days: String,
    pub range: String,
    pub spend: String,
}

/// A deletion asked for, waiting for its confirmation.
#[derive(Debug)]
pub struct AskedDeletion {
    pub line: StoredSource,
}

/// The campaign's stored lines, as the section shows them.
pub(super) async fn stored_of(
    state: &AppState,
    campaign: &Campaign,
) -> UiResult<Vec<StoredSource>> {
    let found = sources::list(&state.context(), &campaign.org_id, &campaign.id)
        .await
        .map_err(ApiError::from)?;
    let currency = campaign.spec.currency.as_str();
    Ok(found
        .iter()
        .map(|s| StoredSource {
            platform: s.platform.as_str(),
            platform_label: s.platform.label(),
            external: s.external_campaign_id.clone(),
            days: counted(s.days, "day"),
            range: format!("{} – {}", date(s.first), date(s.last)),
            spend: money(s.spend, currency),
        })
        .collect())
}

/// The deletion form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    csrf: String,
    platform: String,
    external_campaign_id: String,
    /// `yes` once the page asked and the user confirmed.
    confirm: String,
}

/// `POST /campaigns/{id}/imports/sources/delete`: first asks (the line, its days and spend),
/// then, confirmed, deletes its rows.
pub async fn delete(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> UiResult<Response> {
    let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let platform = form
        .platform
        .parse::<Platform>()
        .map_err(|_| UiError::BadRequest("platform: not a known platform".to_owned()))?;
    let stored = stored_of(&state, &campaign).await?;
    let Some(line) = stored
        .into_iter()
        .find(|s| s.platform == platform.as_str() && s.external == form.external_campaign_id)
    else {
        let mut p = page_of(&viewer, &campaign, FormErrors::default(), "", String::new());
        p.stored = stored_of(&state, &campaign).await?;
        p.done = Some(format!(
            "No {} rows under \u{201c}{}\u{201d} are stored (already deleted?).",
            platform.label(),
            form.external_campaign_id
        ));
        return Ok(respond(&p));
    };
    let mut p = page_of(&viewer, &campaign, FormErrors::default(), "", String::new());
    if form.confirm != "yes" {
        p.stored = stored_of(&state, &campaign).await?;
        p.asked = Some(AskedDeletion { line });
        return Ok(respond(&p));
    }
    let deleted = sources::delete(
        &state.context(),
        &viewer.principal,
        &campaign.id,
        platform,
        &form.external_campaign_id,
    )
    .await
    .map_err(ApiError::from)?;
    p.stored = stored_of(&state, &campaign).await?;
    p.done = Some(format!(
        "Deleted {} of {} under \u{201c}{}\u{201d} ({} spend).",
        counted(deleted, "row"),
        line.platform_label,
        line.external,
        line.spend
    ));
    Ok(respond(&p))
}
