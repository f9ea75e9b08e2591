//! The Members page (`/organization/members`): the organisation's members with their roles, a
//! form per member to change the role or remove them, the invitation form (the link shown on
//! the next page, once), the pending invitations with a revoke button, leaving, and creating
//! another organisation; and the header's organisation switcher (`POST /organization/switch`).
//!
//! What each visitor sees follows the access table (`Layout::may`): a viewer sees the list and
//! no form that writes the organisation's members. The rules and the audit entries are
//! `spendlens_app::members`', as for `/api/organization/*`; every form is CSRF-checked.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use spendlens_app::members::{self, MemberError, invitations};
use spendlens_core::Role;
use spendlens_core::campaign::{OrgId, UserId};

use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::SignedIn;
use crate::ui::{FormErrors, Layout, UiError, UiResult, render, see_other};

/// A member as the page lists them.
#[derive(Debug)]
pub struct MemberRow {
    user_id: String,
    email: String,
    role: &'static str,
    role_label: &'static str,
    you: bool,
    /// Whether the visitor's role reaches this member's (they may change or remove them).
    reachable: bool,
}

/// A pending invitation as the page lists it.
#[derive(Debug)]
pub struct InvitationRow {
    id: String,
    email: String,
    role: &'static str,
    expires: String,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    layout: Layout,
    csrf: String,
    org_name: String,
    members: Vec<MemberRow>,
    /// `None` for a member who may not see them (below admin).
    invitations: Option<Vec<InvitationRow>>,
    /// The roles the visitor may grant (code, label), lowest first.
    grantable: Vec<(&'static str, &'static str)>,
    /// An invitation just created: the address and the link, shown this once.
    invited: Option<(String, String)>,
    notice: Option<String>,
    email: String,
    errors: FormErrors,
}

fn when(t: DateTime<Utc>) -> String {
    spendlens_core::dates::moment(t)
}

/// The Members page after a change, saying what changed.
async fn done(state: &AppState, viewer: &SignedIn, notice: String) -> UiResult<Response> {
    page(
        state,
        viewer,
        FormErrors::default(),
        None,
        Some(notice),
        String::new(),
    )
    .await
}

async fn page(
    state: &AppState,
    viewer: &SignedIn,
    errors: FormErrors,
    invited: Option<(String, String)>,
    notice: Option<String>,
    email: String,
) -> UiResult<Response> {
    let ctx = state.context();
    let list = members::members(&ctx, &viewer.principal)
        .await
        .map_err(ApiError::from)?;
    let pending = if viewer.principal.role >= Role::Admin {
        Some(
            invitations::pending(&ctx, &viewer.principal)
                .await
                .map_err(ApiError::from)?,
        )
    } else {
        None
    };
    let org_name = viewer
        .orgs
        .iter()
        .find(|m| m.org_id == viewer.principal.org_id)
        .map(|m| m.name.clone())
        .unwrap_or_default();
    let invalid = !errors.is_empty();
    let page = MembersPage {
        layout: viewer.layout("Members", "members"),
        csrf: viewer.csrf.clone(),
        org_name,
        members: list
            .into_iter()
            .map(|m| MemberRow {
                you: m.user_id == viewer.principal.user_id,
                reachable: m.role <= viewer.principal.role,
                user_id: m.user_id.to_string(),
                email: m.email,
                role: m.role.as_str(),
                role_label: m.role.label(),
            })
            .collect(),
        invitations: pending.map(|list| {
            list.into_iter()
                .map(|i| InvitationRow {
                    id: i.id,
                    email: i.email,
                    role: i.role.label(),
                    expires: when(i.expires_at),
                })
                .collect()
        }),
        grantable: Role::ALL
            .into_iter()
            .filter(|r| *r <= viewer.principal.role)
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        invited,
        notice,
        email,
        errors,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /organization/members`.
pub async fn show(State(state): State<AppState>, viewer: SignedIn) -> UiResult<Response> {
    page(
        &state,
        &viewer,
        FormErrors::default(),
        None,
        None,
        String::new(),
    )
    .await
}

/// Every form of the page: its token and the fields any of them sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    csrf: String,
    role: String,
    email: String,
    name: String,
    org_id: String,
}

fn chosen_role(text: &str) -> UiResult<Role> {
    Role::parse(text.trim()).map_err(UiError::BadRequest)
}

/// A members command's failure as the page shows it: a conflict (the last owner) or a
/// forbidden grant as a notice on the page, anything else as its error page.
async fn refused(state: &AppState, viewer: &SignedIn, e: MemberError) -> UiResult<Response> {
    match e {
        MemberError::LastOwner(m) | MemberError::Conflict(m) => {
            let mut errors = FormErrors::default();
            errors.push("members", m);
            page(state, viewer, errors, None, None, String::new()).await
        }
        other => Err(ApiError::from(other).into()),
    }
}

/// `POST /organization/members/{user_id}/role`.
pub async fn change_role(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(user_id): Path<String>,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let role = chosen_role(&form.role)?;
    let user = UserId::new(user_id);
    match members::change_role(&state.context(), &viewer.principal, &user, role).await {
        Ok(member) => {
            let notice = format!("{} is now {}.", member.email, role.label().to_lowercase());
            done(&state, &viewer, notice).await
        }
        Err(e) => refused(&state, &viewer, e).await,
    }
}

/// `POST /organization/members/{user_id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(user_id): Path<String>,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let user = UserId::new(user_id);
    match members::remove_member(&state.context(), &viewer.principal, &user).await {
        Ok(_) if user == viewer.principal.user_id => Ok(see_other("/signin")),
        Ok(member) => {
            let notice = format!("Removed {} from the organisation.", member.email);
            done(&state, &viewer, notice).await
        }
        Err(e) => refused(&state, &viewer, e).await,
    }
}

/// `POST /organization/leave`: the visitor leaves the organisation (and is signed out of it).
pub async fn leave(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    match members::leave(&state.context(), &viewer.principal).await {
        Ok(_) => Ok(see_other("/signin")),
        Err(e) => refused(&state, &viewer, e).await,
    }
}

/// `POST /organization/invitations`: invites an address; the link is shown once.
pub async fn invite(
    State(state): State<AppState>,
    viewer: SignedIn,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let role = chosen_role(&form.role)?;
    let invite = invitations::Invite {
        email: form.email.clone(),
        role,
    };
    match invitations::invite(&state.context(), &viewer.principal, invite).await {
        Ok(invited) => {
            let link = invited.link(&state.settings.public_base());
            let shown = Some((invited.email.clone(), link));
            page(
                &state,
                &viewer,
                FormErrors::default(),
                shown,
                None,
                String::new(),
            )
            .await
        }
        Err(MemberError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.push(p.field, p.message);
            }
            page(&state, &viewer, errors, None, None, form.email).await
        }
        Err(MemberError::Conflict(m)) => {
            let mut errors = FormErrors::default();
            errors.push("email", m);
            page(&state, &viewer, errors, None, None, form.email).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// `POST /organization/invitations/{id}/revoke`.
pub async fn revoke_invitation(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let revoked = invitations::revoke(&state.context(), &viewer.principal, &id)
        .await
        .map_err(ApiError::from)?;
    let notice = format!("Revoked the invitation of {}.", revoked.email);
    done(&state, &viewer, notice).await
}

/// `POST /organization/switch`: the header's switcher moves the session to another of the
/// visitor's organisations (another is the 404 page), then shows its campaigns.
pub async fn switch(
    State(state): State<AppState>,
    viewer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let token = cookie(&headers, SESSION_COOKIE).ok_or(UiError::SignIn("/campaigns".to_owned()))?;
    members::switch_organization(
        &state.context(),
        token,
        &viewer.principal.user_id,
        &OrgId::new(form.org_id.trim()),
    )
    .await
    .map_err(ApiError::from)?;
    Ok(see_other("/campaigns"))
}

/// `POST /organizations`: creates another organisation the visitor owns and switches to it.
pub async fn create_organization(
    State(state): State<AppState>,
    viewer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<MemberForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let ctx = state.context();
    let org = match members::create_organization(&ctx, &viewer.principal, &form.name).await {
        Ok(org) => org,
        Err(MemberError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.push("org_name", p.message);
            }
            return page(&state, &viewer, errors, None, None, String::new()).await;
        }
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let token = cookie(&headers, SESSION_COOKIE).ok_or(UiError::SignIn("/campaigns".to_owned()))?;
    members::switch_organization(&ctx, token, &viewer.principal.user_id, &org)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/campaigns"))
}
