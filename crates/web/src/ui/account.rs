//! Sign up, confirm the address, sign in and sign out. The forms decode into the commands of
//! `spendlens_app::accounts` the API decodes its JSON into (`Register`, `SignIn`), so the rules
//! and their messages are the app's: the pages only show the problems beside the fields.
//!
//! Signing up follows the API: the instance's first account signs in at once; afterwards the
//! page says to check the e-mail (the same words whether the address is new or taken), and the
//! link in the message (`GET /verify?token=…`) opens a page whose button creates the account
//! and signs in. After signing in the visitor goes back to `next`, a path of this site only
//! ([`safe_next`]).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Deserialize;
use spendlens_app::accounts::{self, AccountError, Register, Registered, Registration, SignIn};

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
    /// After a registration: the address the message went to (the form is not shown).
    sent_to: Option<String>,
    /// The hours a registration's link is valid.
    link_hours: i64,
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

/// The base a `next` is resolved against: any fixed origin will do, only the path is kept.
const NEXT_BASE: &str = "https://spendlens.invalid/";

/// Where to go after signing in: a path of this site, never another host. Empty means the
/// campaigns; anything refused goes to `/` (see `local_path`).
pub fn safe_next(next: &str) -> String {
    if next.is_empty() {
        return "/campaigns".to_owned();
    }
    local_path(next).unwrap_or_else(|| "/".to_owned())
}

/// `next` as a path of this site, or `None`. It must start with one `/` and hold no control
/// character, whitespace or backslash, both as given and once more percent-decoded (browsers
/// drop tabs and newlines and read `\` as `/`, so `/\t/evil` and `/\evil` would leave the site,
/// and a proxy that decodes `/%2F/evil` would make it `//evil`); then it is resolved against a
/// fixed base the way a browser resolves a `Location`, and kept only when the result is on that
/// origin and its path does not start with `//` (which a browser reads as another host).
fn local_path(next: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8_lossy();
    let unsafe_char = |c: char| c.is_control() || c == '\\';
    for text in [next, decoded.as_ref()] {
        if !text.starts_with('/') || text.starts_with("//") || text.contains(unsafe_char) {
            return None;
        }
    }
    if next.contains(char::is_whitespace) {
        return None;
    }
    let base = url::Url::parse(NEXT_BASE).ok()?;
    let target = base.join(next).ok()?;
    if target.origin() != base.origin() {
        return None;
    }
    let local = &target[url::Position::BeforePath..];
    (local.starts_with('/') && !local.starts_with("//")).then(|| local.to_owned())
}

fn page(visitor: &Visitor, signup: bool, form: &AccountForm, errors: FormErrors) -> Response {
    let heading = if signup { "Sign up" } else { "Sign in" };
    let page = AccountPage {
        layout: Layout::new(heading, None, if signup { "signup" } else { "signin" }),
        heading,
        signup,
        sent_to: None,
        link_hours: accounts::LINK_HOURS,
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
        AccountError::BadCredentials => errors.push("password", "invalid e-mail or password"),
        // The right password of an account that belongs to no organisation any more: said
        // beside the form, with the way back (an invitation).
        AccountError::Forbidden(message) => errors.push("email", message),
        AccountError::RateLimited { retry_after_secs } => errors.push(
            "",
            format!("too many attempts; try again in {retry_after_secs} seconds"),
        ),
        other => return Err(crate::error::ApiError::from(other).into()),
    }
    Ok(errors)
}

/// `POST /signup`: registers; the instance's first account signs in at once, any other gets
/// the "check your e-mail" page.
pub async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
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
            accounts::register(
                &state.context(),
                &state.auth_limits,
                registration,
                ip,
                &auth::links(&state),
                state.settings.session_ttl(),
            )
            .await
        }
        Err(problems) => Err(AccountError::Invalid(problems)),
    };
    match outcome {
        Ok(Registered::SignedIn(_, session)) => Ok(signed_in_response(
            auth::set_session(&state, &session)?,
            &form.next,
        )),
        Ok(Registered::CheckYourEmail) => {
            let page = AccountPage {
                layout: Layout::new("Check your e-mail", None, "signup"),
                heading: "Check your e-mail",
                signup: true,
                sent_to: Some(form.email.trim().to_owned()),
                link_hours: accounts::LINK_HOURS,
                csrf: visitor.csrf.clone(),
                next: String::new(),
                email: String::new(),
                organization_name: String::new(),
                errors: FormErrors::default(),
            };
            Ok(render(&page))
        }
        Err(e) => Ok(page(&visitor, true, &form, errors_of(e)?)),
    }
}

/// The page a registration's link opens: one button that confirms it.
#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    layout: Layout,
    csrf: String,
    token: String,
    errors: FormErrors,
}

/// `GET /verify?token=…`: the link of a registration's message. It only shows the form that
/// posts the token with the password the registration was made with: following a link must not
/// create anything, because mail scanners open links before their reader does (and would use up
/// the link, and get the session).
pub async fn verify_page(visitor: Visitor, Query(q): Query<HashMap<String, String>>) -> Response {
    verify_form(
        &visitor,
        q.get("token").cloned().unwrap_or_default(),
        FormErrors::default(),
    )
}

/// The confirmation form for `token`, with `errors` beside its password.
fn verify_form(visitor: &Visitor, token: String, errors: FormErrors) -> Response {
    let page = VerifyPage {
        layout: Layout::new("Confirm your account", None, "signup"),
        csrf: visitor.csrf.clone(),
        token,
        errors,
    };
    let mut response = render(&page);
    if let Some(cookie) = &visitor.set_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    response
}

/// The confirmation form of [`verify_page`].
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VerifyForm {
    csrf: String,
    token: String,
    password: String,
}

/// `POST /verify`: creates the account of the link's registration, signs in and goes to the
/// campaigns; a link that is unknown, used or expired gets a page saying so.
pub async fn verify(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<VerifyForm>,
) -> UiResult<Response> {
    visitor.check(&state, &form.csrf)?;
    let password = SecretString::from(form.password);
    match accounts::verify(
        &state.context(),
        &form.token,
        password,
        state.settings.session_ttl(),
    )
    .await
    {
        Ok((_, session)) => Ok(signed_in_response(
            auth::set_session(&state, &session)?,
            "/campaigns",
        )),
        Err(e @ AccountError::Invalid(_)) => {
            let mut response = verify_form(&visitor, form.token, errors_of(e)?);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(AccountError::InvalidLink) => {
            let page = LinkPage {
                layout: Layout::new("Link not valid", None, "signup"),
            };
            let mut response = render(&page);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
        Err(e) => Err(crate::error::ApiError::from(e).into()),
    }
}

#[derive(Template)]
#[template(path = "link_invalid.html")]
struct LinkPage {
    layout: Layout,
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
        &state.auth_limits,
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

/// A form that carries only its CSRF token (sign-out, a run's "Run again").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
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
        assert_eq!(
            safe_next("/campaigns/1?tab=roi#x"),
            "/campaigns/1?tab=roi#x"
        );
        assert_eq!(safe_next("/a/../campaigns"), "/campaigns");
        assert_eq!(safe_next(""), "/campaigns");
        for trick in [
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "\t//evil.example",
            "/\n/evil.example",
            " //evil.example",
            "https://evil.example",
            "HTTPS://evil.example",
            "///evil.example",
            "////evil.example",
            "/.//evil.example",
            "/./..//evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "evil.example",
            "/\u{3000}/evil.example",
            "/\u{0}/evil",
        ] {
            assert_eq!(safe_next(trick), "/", "{trick:?}");
        }
        // Encoded tricks are refused too (a proxy may decode them once).
        for encoded in [
            "/%2F%2Fevil.example",
            "/%2Fevil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/%0d%0a/evil.example",
            "/%2e%2e//evil.example",
            "/%2E%2E/%2E%2E//evil.example",
        ] {
            assert_eq!(safe_next(encoded), "/", "{encoded:?}");
        }
        // Encoded text that stays a path of this site passes.
        assert_eq!(safe_next("/campaigns?q=a%20b"), "/campaigns?q=a%20b");
        assert_eq!(safe_next("/campaigns/a%2Fb"), "/campaigns/a%2Fb");
    }
}
