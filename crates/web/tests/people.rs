//! People made through the store, quickly: an invitation stored, taken up with a ready hash,
//! and a session planted as the server stores them (no password is hashed).

use std::sync::Arc;

use chrono::TimeDelta;
use reqwest::Client;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use serde_json::json;
use spendlens_app::accounts::{hash_secret, new_secret};
use spendlens_core::Role;
use spendlens_core::campaign::OrgId;
use spendlens_store::{Acceptance, AuditEntry, Joiner, NewInvitation, Principal, Store};

use crate::support::now;

fn audit(org: &OrgId) -> AuditEntry {
    AuditEntry {
        org_id: org.clone(),
        actor: None,
        action: "test.invite".to_owned(),
        target_type: "invitation".to_owned(),
        target_id: String::new(),
        details: json!({}),
        at: now(),
    }
}

/// An invitation of `org` to `email` with `role`, stored; its link's token.
pub async fn invitation(
    store: &Arc<dyn Store>,
    org: &Principal,
    email: &str,
    role: Role,
) -> String {
    let token = new_secret("");
    let new = NewInvitation {
        org_id: org.org_id.clone(),
        email: email.to_owned(),
        role,
        token_hash: hash_secret(&token),
        invited_by: org.user_id.clone(),
        created_at: now(),
        expires_at: now() + TimeDelta::days(7),
    };
    store
        .create_invitation(&new, &audit(&org.org_id))
        .await
        .unwrap_or_else(|e| panic!("invite {email}: {e}"));
    token
}

/// A new user who joins `org` with `role`.
pub async fn member(store: &Arc<dyn Store>, org: &Principal, email: &str, role: Role) -> Principal {
    let token = invitation(store, org, email, role).await;
    match store
        .accept_invitation(
            &hash_secret(&token),
            Joiner::New { password_hash: "x" },
            &|_, _| true,
            now(),
        )
        .await
    {
        Ok(Acceptance::Joined(p)) => p,
        other => panic!("join {email}: {other:?}"),
    }
}

/// A client holding a new session of `principal` (no redirects followed).
pub async fn session(store: &Arc<dyn Store>, principal: &Principal) -> Client {
    let token = new_secret("");
    store
        .create_session(
            &hash_secret(&token),
            principal,
            now(),
            now() + TimeDelta::days(1),
        )
        .await
        .unwrap_or_else(|e| panic!("session: {e}"));
    let mut headers = HeaderMap::new();
    let cookie = HeaderValue::from_str(&format!("spendlens_session={token}"))
        .unwrap_or_else(|e| panic!("{e}"));
    headers.insert(COOKIE, cookie);
    Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}
