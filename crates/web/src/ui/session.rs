//! Who is looking at a page, and the CSRF token every form of theirs carries.
//!
//! A signed-in page is reached with the session cookie only (never a bearer token: a browser
//! sends cookies by itself, which is exactly what CSRF abuses, so the token is bound to the
//! session). The token is HMAC-SHA256 of the session's stored hash under a server key, so it needs
//! no storage and dies with the session. Forms shown before sign-in (sign in, sign up) bind the
//! token to a random pre-session cookie instead (double submit, signed). Cookies are
//! `SameSite=Lax` on top.

use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;
use spendlens_store::{Membership, Principal};

use spendlens_app::accounts::new_secret;

use crate::access::Authenticated;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::config::Settings;
use crate::state::AppState;
use crate::ui::{Layout, UiError};

/// The cookie that binds the CSRF token of the forms shown before sign-in.
pub const PRE_SESSION_COOKIE: &str = "spendlens_csrf";

/// The key CSRF tokens are signed with.
///
/// Derived from `secret_key` when one is configured (tokens then stay valid across restarts and
/// instances); otherwise random per process, so a restart only asks open forms to be reloaded.
pub struct CsrfKey([u8; 32]);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl CsrfKey {
    /// The key for these settings.
    pub fn from_settings(settings: &Settings) -> CsrfKey {
        let mut key = [0u8; 32];
        match &settings.secret_key {
            Some(secret) => {
                // A separate key per use: HMAC of a label under the configured secret.
                if let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose_secret().as_bytes()) {
                    mac.update(b"spendlens csrf v1");
                    key.copy_from_slice(&mac.finalize().into_bytes());
                } else {
                    rand::rng().fill_bytes(&mut key);
                }
            }
            None => rand::rng().fill_bytes(&mut key),
        }
        CsrfKey(key)
    }

    fn mac(&self, binding: &str) -> Option<HmacSha256> {
        let mut mac = HmacSha256::new_from_slice(&self.0).ok()?;
        mac.update(binding.as_bytes());
        Some(mac)
    }

    /// The token for a binding (a session hash, or a pre-session value).
    pub fn token(&self, binding: &str) -> String {
        self.mac(binding)
            .map(|m| hex::encode(m.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Checks a submitted token in constant time.
    pub fn verify(&self, binding: &str, token: &str) -> bool {
        let Ok(bytes) = hex::decode(token.trim()) else {
            return false;
        };
        self.mac(binding)
            .is_some_and(|m| m.verify_slice(&bytes).is_ok())
    }
}

/// A signed-in visitor: their principal (with their role in the current organisation), the
/// organisations they belong to (for the header's switcher) and the CSRF token of their forms.
/// Pages that take it send anyone else to the sign-in page and come back afterwards.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub principal: Principal,
    session_hash: String,
    pub csrf: String,
    /// The visitor's organisations with their role in each, by name.
    pub orgs: Vec<Membership>,
}

impl SignedIn {
    /// The hash of this session's token (a password change keeps this session).
    pub fn session_hash(&self) -> &str {
        &self.session_hash
    }

    /// Refuses a form whose token does not belong to this session.
    pub fn check(&self, state: &AppState, token: &str) -> Result<(), UiError> {
        if state
            .csrf_key
            .verify(&bound(&self.session_hash, &self.principal.org_id), token)
        {
            Ok(())
        } else {
            Err(UiError::Csrf)
        }
    }

    /// The frame of a page of this visitor: the CSRF token of the sign-out form, their role
    /// (what the page may offer) and their organisations (the switcher).
    pub fn layout(&self, title: impl Into<String>, section: &'static str) -> Layout {
        Layout::new(title, Some(self.csrf.clone()), section).signed(self)
    }
}

/// What a signed-in form's CSRF token is bound to: the session and the organisation the page
/// was made in. A page left open while the session moved to another organisation (switched in
/// another tab, or removed from this one) no longer submits: its form would have acted on the
/// organisation the session is in now, not the one the page showed.
fn bound(session_hash: &str, org: &spendlens_core::campaign::OrgId) -> String {
    format!("{session_hash}|{}", org.as_str())
}

impl SignedIn {
    /// The signed-in visitor of a request the access middleware authenticated with a session
    /// (`None` for a bearer token): its CSRF token and organisations.
    pub(crate) async fn of(
        auth: &crate::access::Authenticated,
        state: &AppState,
    ) -> Result<Option<SignedIn>, UiError> {
        let Some(session_hash) = auth.session_hash.clone() else {
            return Ok(None);
        };
        Ok(Some(SignedIn {
            principal: auth.principal.clone(),
            csrf: state
                .csrf_key
                .token(&bound(&session_hash, &auth.principal.org_id)),
            orgs: state.store.memberships(&auth.principal.user_id).await?,
            session_hash,
        }))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = UiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/campaigns", |p| p.as_str())
            .to_owned();
        let found = match parts.extensions.get::<Authenticated>() {
            Some(found) => Some(found.clone()),
            None => crate::auth::credentials(parts, state, false)
                .await
                .map_err(|e| UiError::Internal(e.to_string()))?,
        };
        match found {
            Some(auth) => SignedIn::of(&auth, state)
                .await?
                .ok_or(UiError::SignIn(next)),
            None => Err(UiError::SignIn(next)),
        }
    }
}

/// A visitor before sign-in: the CSRF token of the sign-in and sign-up forms, and the cookie to
/// set when the visitor has none yet.
#[derive(Debug, Clone)]
pub struct Visitor {
    binding: Option<String>,
    pub csrf: String,
    /// Set on the response when this is the visitor's first page.
    pub set_cookie: Option<HeaderValue>,
    /// Whether the visitor is already signed in (the pages then offer to go on).
    pub signed_in: bool,
}

impl Visitor {
    /// Refuses a form whose token does not belong to this visitor's pre-session cookie.
    pub fn check(&self, state: &AppState, token: &str) -> Result<(), UiError> {
        match &self.binding {
            Some(b) if state.csrf_key.verify(&format!("pre:{b}"), token) => Ok(()),
            _ => Err(UiError::Csrf),
        }
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in = cookie(&parts.headers, SESSION_COOKIE).is_some();
        match cookie(&parts.headers, PRE_SESSION_COOKIE) {
            Some(value) => Ok(Visitor {
                csrf: state.csrf_key.token(&format!("pre:{value}")),
                binding: Some(value.to_owned()),
                set_cookie: None,
                signed_in,
            }),
            None => {
                let value = new_secret("");
                let secure = if state.settings.secure_cookies() {
                    "; Secure"
                } else {
                    ""
                };
                let set_cookie = HeaderValue::from_str(&format!(
                    "{PRE_SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/{secure}"
                ))
                .ok();
                Ok(Visitor {
                    csrf: state.csrf_key.token(&format!("pre:{value}")),
                    // A form posted without the cookie cannot be checked: leave the binding
                    // empty so that it is refused.
                    binding: None,
                    set_cookie,
                    signed_in,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_binding_and_key() {
        let key = CsrfKey([7; 32]);
        let token = key.token("session-a");
        assert!(key.verify("session-a", &token));
        assert!(!key.verify("session-b", &token));
        assert!(!key.verify("session-a", ""));
        assert!(!key.verify("session-a", "zz"));
        assert!(!CsrfKey([8; 32]).verify("session-a", &token));
    }

    #[test]
    fn a_configured_secret_gives_the_same_key_every_time() {
        let settings = Settings {
            secret_key: Some("0123456789abcdef0123456789abcdef".to_owned().into()),
            ..Settings::default()
        };
        let a = CsrfKey::from_settings(&settings);
        let b = CsrfKey::from_settings(&settings);
        assert_eq!(a.token("x"), b.token("x"));
        let random = CsrfKey::from_settings(&Settings::default());
        assert_ne!(random.token("x"), a.token("x"));
    }
}
