//! The page an invitation's link opens (`/invitations/{token}`): which organisation invites
//! which address with which role, and the way in. Signed in as the invited address: a Join
//! button. Not signed in: sign in with the address's password and join at once (an account
//! that belongs to no organisation any more too), or choose a password for a new account: the
//! invitation's link proves nothing of the mailbox (whoever invited saw it), so a link goes to
//! the address, and following it with that password creates the account and joins. A used,
//! revoked or expired link is the 410 page saying which, an unknown one the 404 page.
//!
//! The forms before sign-in carry the pre-session CSRF token (`session::Visitor`), the Join
//! form the session's. After joining, the session is in the invitation's organisation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::accounts::{self, AccountError, SignIn, hash_secret};
use spendlens_app::members::{self, MemberError, invitations};
use spendlens_store::{Invitation, Principal};

use crate::auth::{ClientIp, SESSION_COOKIE, cookie, set_session};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::session::{SignedIn, Visitor};
use crate::ui::{FormErrors, Layout, UiResult, render, see_other};

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    org_name: String,
    email: String,
    role: &'static str,
    expires: String,
    /// The pre-session token of the sign-in and sign-up forms.
    csrf: String,
    /// Signed in: the session's token of the Join form, the signed-in address and whether it
    /// is the invited one.
    session: Option<(String, String, bool)>,
    errors: FormErrors,
    /// A password was chosen: the link that confirms the address went to it.
    sent: bool,
    /// How long that link works.
    link_hours: i64,
}

/// The signed-in visitor of a public page, if any: their principal, the session's CSRF token
/// and their address.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> UiResult<Option<(Principal, String, String)>> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let ctx = state.context();
    let Some(principal) = accounts::session_principal(&ctx, token).await? else {
        return Ok(None);
    };
    let email = state
        .store
        .member(&principal.org_id, &principal.user_id)
        .await?
        .map(|m| m.email)
        .unwrap_or_default();
    let csrf = state.csrf_key.token(&hash_secret(token));
    Ok(Some((principal, csrf, email)))
}

fn render_page(
    invitation: &Invitation,
    token: &str,
    visitor: &Visitor,
    session: Option<(String, String)>,
    errors: FormErrors,
) -> Response {
    let session = session.map(|(csrf, email)| {
        let same = email == invitation.email;
        (csrf, email, same)
    });
    let invalid = !errors.is_empty();
    let page = InvitationPage {
        layout: Layout::new("Invitation", None, "signin"),
        token: token.to_owned(),
        org_name: invitation.org_name.clone(),
        email: invitation.email.clone(),
        role: invitation.role.label(),
        expires: spendlens_core::dates::moment(invitation.expires_at),
        csrf: visitor.csrf.clone(),
        session,
        errors,
        sent: false,
        link_hours: accounts::LINK_HOURS,
    };
    let mut response = render(&page);
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    if let Some(cookie) = &visitor.set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    response
}

async fn show(
    state: &AppState,
    token: &str,
    visitor: &Visitor,
    headers: &HeaderMap,
    errors: FormErrors,
) -> UiResult<Response> {
    let invitation = invitations::open(&state.context(), token)
        .await
        .map_err(ApiError::from)?;
    let session = signed_in(state, headers)
        .await?
        .map(|(_, csrf, email)| (csrf, email));
    Ok(render_page(&invitation, token, visitor, session, errors))
}

/// `GET /invitations/{token}`.
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: Visitor,
    headers: HeaderMap,
) -> UiResult<Response> {
    show(&state, &token, &visitor, &headers, FormErrors::default()).await
}

/// The forms of the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JoinForm {
    csrf: String,
    password: String,
}

/// Switches `session_token`'s session to the organisation joined and goes to its campaigns.
async fn into_organization(
    state: &AppState,
    session_token: &str,
    joined: &Principal,
) -> UiResult<()> {
    members::switch_organization(
        &state.context(),
        session_token,
        &joined.user_id,
        &joined.org_id,
    )
    .await
    .map_err(ApiError::from)?;
    Ok(())
}

/// `POST /invitations/{token}/join`: the signed-in visitor (of the invited address) joins.
pub async fn join(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<JoinForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let joined = invitations::accept(&state.context(), &viewer.principal, &token)
        .await
        .map_err(ApiError::from)?;
    let session = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    into_organization(&state, session, &joined).await?;
    Ok(see_other("/campaigns"))
}

/// `POST /invitations/{token}/signup`: creates the invited address's account and joins.
pub async fn sign_up(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(form): Form<JoinForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let ctx = state.context();
    let password = SecretString::from(form.password);
    let links = crate::auth::links(&state);
    match invitations::join_with_new_account(&ctx, &token, password, &links).await {
        Ok(invitations::JoinRequested::CheckYourEmail) => {
            let invitation = invitations::open(&ctx, &token)
                .await
                .map_err(ApiError::from)?;
            let page = InvitationPage {
                layout: Layout::new("Check your e-mail", None, "signin"),
                token: token.clone(),
                org_name: invitation.org_name.clone(),
                email: invitation.email.clone(),
                role: invitation.role.label(),
                expires: spendlens_core::dates::moment(invitation.expires_at),
                csrf: visitor.csrf.clone(),
                session: None,
                errors: FormErrors::default(),
                sent: true,
                link_hours: accounts::LINK_HOURS,
            };
            Ok(render(&page))
        }
        Err(MemberError::Invalid(problems)) => {
            let mut errors = FormErrors::default();
            for p in problems {
                errors.push("new-password", p.message);
            }
            show(&state, &token, &visitor, &headers, errors).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// `POST /invitations/{token}/signin`: signs the invited address in with its password (the
/// sign-in's rate limits apply) and joins.
pub async fn sign_in(
    State(state): State<AppState>,
    Path(token): Path<String>,
    visitor: Visitor,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(form): Form<JoinForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let ctx = state.context();
    let invitation = invitations::open(&ctx, &token)
        .await
        .map_err(ApiError::from)?;
    let credentials = SignIn {
        email: invitation.email.clone(),
        password: SecretString::from(form.password),
        client: ip,
    };
    // The password of the invited address's account, member of an organisation or not (a
    // member removed from their last one comes back this way).
    let (user_id, _) = match accounts::check_password(&ctx, &state.auth_limits, credentials).await {
        Ok(found) => found,
        Err(e @ (AccountError::BadCredentials | AccountError::RateLimited { .. })) => {
            let mut errors = FormErrors::default();
            errors.push("password", e.to_string());
            return show(&state, &token, &visitor, &headers, errors).await;
        }
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let invited = Principal {
        user_id: user_id.clone(),
        org_id: invitation.org_id.clone(),
        role: invitation.role,
    };
    let joined = match invitations::accept(&ctx, &invited, &token).await {
        Ok(joined) => joined,
        // Already a member: the session goes to the organisation, with the role they hold.
        Err(MemberError::Conflict(_)) => {
            let member = state
                .store
                .member(&invitation.org_id, &user_id)
                .await?
                .ok_or_else(|| ApiError::Internal("the member left meanwhile".to_owned()))?;
            Principal {
                role: member.role,
                ..invited
            }
        }
        Err(e) => return Err(ApiError::from(e).into()),
    };
    let session = accounts::start_session(&ctx, &joined, state.settings.session_ttl())
        .await
        .map_err(ApiError::from)?;
    let mut response = see_other("/campaigns");
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_session(&state, &session)?);
    Ok(response)
}
