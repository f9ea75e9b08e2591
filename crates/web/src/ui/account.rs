//! Sign up, sign in and sign out. The forms decode into the commands of
//! `spendlens_app::accounts` the API decodes its JSON into (`Register`, `SignIn`), so the rules
//! and their messages are the app's: the pages only show the problems beside the fields.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::accounts::{self, AccountError, Register, Registration, SignIn};

use crate::auth::{self, ClientIp};
use crate::state::AppState;
use crate::ui::session::{SignedIn, Visitor};
use crate::ui::{FormErrors, Layout, UiResult, render, see_other};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    heading: &'static str,
    signup: bool,
    csrf: String,
    next: String,
    email: String,
    organization_name: String,
    errors: FormErrors,
}

/// The fields of the sign-in and sign-up forms.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    csrf: String,
    next: String,
    email: String,
    password: String,
    organization_name: String,
}

/// Where to go after signing in: a path on this site, never another host.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/campaigns".to_owned()
    }
}

fn page(visitor: &Visitor, signup: bool, form: &AccountForm, errors: FormErrors) -> Response {
    let heading = if signup { "Sign up" } else { "Sign in" };
    let page = AccountPage {
        layout: Layout::new(heading, None, if signup { "signup" } else { "signin" }),
        heading,
        signup,
        csrf: visitor.csrf.clone(),
        next: safe_next(&form.next),
        email: form.email.clone(),
        organization_name: form.organization_name.clone(),
        errors,
    };
    let mut response = render(&page);
    if !page_errors_empty(&page) {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    if let Some(cookie) = &visitor.set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    response
}

fn page_errors_empty(page: &AccountPage) -> bool {
    page.errors.is_empty()
}

/// `GET /`: the campaigns when signed in, else the sign-in page.
pub async fn home(visitor: Visitor) -> Response {
    see_other(if visitor.signed_in {
        "/campaigns"
    } else {
        "/signin"
    })
}

/// `GET /signup`.
pub async fn signup_page(visitor: Visitor) -> Response {
    page(
        &visitor,
        true,
        &AccountForm::default(),
        FormErrors::default(),
    )
}

/// `GET /signin`.
pub async fn signin_page(visitor: Visitor, Query(q): Query<HashMap<String, String>>) -> Response {
    let form = AccountForm {
        next: q.get("next").cloned().unwrap_or_default(),
        ..AccountForm::default()
    };
    page(&visitor, false, &form, FormErrors::default())
}

fn signed_in_response(cookie: axum::http::HeaderValue, next: &str) -> Response {
    let mut response = see_other(&safe_next(next));
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// An account command's refusal beside the form's fields; anything else is the error page.
fn errors_of(e: AccountError) -> UiResult<FormErrors> {
    let mut errors = FormErrors::default();
    match e {
        AccountError::Invalid(problems) => {
            for p in problems {
                errors.push(p.field, p.message);
            }
        }
        AccountError::EmailTaken => errors.push("email", e.to_string()),
        AccountError::BadCredentials => errors.push("password", "invalid e-mail or password"),
        AccountError::RateLimited { retry_after_secs } => errors.push(
            "",
            format!("too many attempts; try again in {retry_after_secs} seconds"),
        ),
        other => return Err(crate::error::ApiError::from(other).into()),
    }
    Ok(errors)
}

/// `POST /signup`: creates the account and its organisation, then signs in.
pub async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<AccountForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let submitted = Register {
        email: form.email.clone(),
        password: SecretString::from(form.password.clone()),
        organization_name: form.organization_name.clone(),
    };
    let outcome = match Registration::try_from(submitted) {
        Ok(registration) => {
            accounts::register(&state.context(), registration, state.settings.session_ttl()).await
        }
        Err(problems) => Err(AccountError::Invalid(problems)),
    };
    match outcome {
        Ok((_, session)) => Ok(signed_in_response(
            auth::set_session(&state, &session)?,
            &form.next,
        )),
        Err(e) => Ok(page(&visitor, true, &form, errors_of(e)?)),
    }
}

/// `POST /signin`.
pub async fn signin(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    Form(form): Form<AccountForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let mut errors = FormErrors::default();
    if form.email.trim().is_empty() {
        errors.push("email", "enter your e-mail address");
    }
    if form.password.is_empty() {
        errors.push("password", "enter your password");
    }
    if !errors.is_empty() {
        return Ok(page(&visitor, false, &form, errors));
    }
    let credentials = SignIn {
        email: form.email.trim().to_owned(),
        password: SecretString::from(form.password.clone()),
        client: ip,
    };
    let outcome = accounts::sign_in(
        &state.context(),
        &state.login_limiter,
        credentials,
        state.settings.session_ttl(),
    )
    .await;
    match outcome {
        Ok((_, session)) => Ok(signed_in_response(
            auth::set_session(&state, &session)?,
            &form.next,
        )),
        Err(e) => Ok(page(&visitor, false, &form, errors_of(e)?)),
    }
}

/// The sign-out form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /signout`.
pub async fn signout(
    State(state): State<AppState>,
    viewer: SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> UiResult<Response> {
    viewer.check(&state, &form.csrf)?;
    let cookie = auth::end_session(&state, &headers).await?;
    let mut response = see_other("/signin").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/campaigns/1?tab=roi"), "/campaigns/1?tab=roi");
        assert_eq!(safe_next("//evil.example"), "/campaigns");
        assert_eq!(safe_next("https://evil.example"), "/campaigns");
        assert_eq!(safe_next("/\\evil.example"), "/campaigns");
        assert_eq!(safe_next(""), "/campaigns");
    }
}
