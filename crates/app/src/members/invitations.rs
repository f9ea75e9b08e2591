//! Invitations: an admin (or owner) invites an e-mail address with a role; the answer carries a
//! one-time link, valid [`INVITATION_DAYS`] days, shown this once (the store keeps its
//! SHA-256). The invitee follows the link and joins: signed in as the invited address, or by
//! signing in on the link's page (an account removed from its last organisation too), or, new
//! to spendlens, by choosing a password there and following the second link that goes to the
//! address ([`join_with_new_account`]). Inviting an address again replaces its pending
//! invitation (the earlier link stops working).
//!
//! The link is no proof of the mailbox: whoever invited saw it. It lets in only the person who
//! proves the address, by its account's password or by the link sent to it. A signed-in user of
//! another address cannot use it (a forwarded link does not make its reader a member).
//! Rejected alternatives: letting any signed-in user take a link up, which turns a leaked link
//! into a membership; creating the account from the invitation's link alone, which let any
//! inviter (anyone: everyone owns their own organisation) take somebody else's address.

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use spendlens_core::Role;
use spendlens_core::campaign::FieldError;
use spendlens_store::{
    Acceptance, AuditEntry, Invitation, Joiner, NewInvitation, PendingRegistration, Principal,
};

use super::{MemberError, may_grant};
use crate::accounts::mail;
use crate::accounts::{
    LINK_HOURS, Links, email_problem, hash_password, hash_secret, new_secret, password_problem,
};
use crate::context::Context;

/// How long an invitation's link works.
pub const INVITATION_DAYS: i64 = 7;

/// An invitation as submitted.
#[derive(Debug, Clone)]
pub struct Invite {
    pub email: String,
    pub role: Role,
}

/// A created invitation: the link's token is shown this once.
#[derive(Debug, Clone)]
pub struct Invited {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

impl Invited {
    /// The link to hand to the invitee, under the server's public address `base`.
    pub fn link(&self, base: &str) -> String {
        invitation_link(base, self.token.expose_secret())
    }
}

/// The page an invitation's token opens, under the server's public address.
pub fn invitation_link(base: &str, token: &str) -> String {
    format!("{}/invitations/{token}", base.trim_end_matches('/'))
}

/// Invites `invite.email` into the caller's organisation with `invite.role` (at most the
/// caller's own role).
pub async fn invite(
    ctx: &Context,
    actor: &Principal,
    invite: Invite,
) -> Result<Invited, MemberError> {
    let email = invite.email.trim().to_lowercase();
    if let Some(message) = email_problem(&email) {
        return Err(MemberError::Invalid(vec![FieldError {
            field: "email",
            message,
        }]));
    }
    may_grant(actor, invite.role)?;
    let now = ctx.now();
    let expires_at = now + TimeDelta::days(INVITATION_DAYS);
    let token = new_secret("");
    let new = NewInvitation {
        org_id: actor.org_id.clone(),
        email: email.clone(),
        role: invite.role,
        token_hash: hash_secret(&token),
        invited_by: actor.user_id.clone(),
        created_at: now,
        expires_at,
    };
    let audit = AuditEntry {
        org_id: actor.org_id.clone(),
        actor: Some(actor.user_id.clone()),
        action: "invitation.create".to_owned(),
        target_type: "invitation".to_owned(),
        target_id: String::new(),
        details: json!({ "email": email, "role": invite.role.as_str() }),
        at: now,
    };
    let id = match ctx.store.create_invitation(&new, &audit).await {
        Ok(id) => id,
        Err(spendlens_store::StoreError::Conflict("member")) => {
            return Err(MemberError::Conflict(format!(
                "{email} is already a member of this organisation"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Invited {
        id,
        email,
        role: invite.role,
        token: SecretString::from(token),
        expires_at,
    })
}

/// The pending invitations of the caller's organisation, newest first: for admins and owners
/// only, who may invite and revoke (the invitees' addresses are not the other members' to see).
pub async fn pending(ctx: &Context, actor: &Principal) -> Result<Vec<Invitation>, MemberError> {
    if actor.role < Role::Admin {
        return Err(MemberError::Forbidden(
            "only an admin or owner sees the pending invitations".to_owned(),
        ));
    }
    Ok(ctx
        .store
        .pending_invitations(&actor.org_id, ctx.now())
        .await?)
}

/// Revokes pending invitation `id` of the caller's organisation: its link stops working.
pub async fn revoke(ctx: &Context, actor: &Principal, id: &str) -> Result<Invitation, MemberError> {
    let now = ctx.now();
    let pending = ctx.store.pending_invitations(&actor.org_id, now).await?;
    let Some(found) = pending.into_iter().find(|i| i.id == id) else {
        return Err(MemberError::NotFound("invitation"));
    };
    let audit = AuditEntry {
        org_id: actor.org_id.clone(),
        actor: Some(actor.user_id.clone()),
        action: "invitation.revoke".to_owned(),
        target_type: "invitation".to_owned(),
        target_id: id.to_owned(),
        details: json!({ "email": found.email, "role": found.role.as_str() }),
        at: now,
    };
    ctx.store
        .revoke_invitation(&actor.org_id, id, now, &audit)
        .await?
        .ok_or(MemberError::NotFound("invitation"))
}

/// Whether an invitation still holds: its sender, as a member now, may still invite (an admin
/// or owner) and grant its role (at most their own). An invitation sent by an admin who was
/// removed or made a viewer since no longer lets anyone in.
fn issuer_may(issuer: Option<Role>, granted: Role) -> bool {
    issuer.is_some_and(|role| role >= Role::Admin && role >= granted)
}

/// Why a link no longer works, in words.
fn gone(acceptance: &Acceptance) -> Option<MemberError> {
    Some(match acceptance {
        Acceptance::IssuerLost => MemberError::Gone(
            "this invitation no longer holds: whoever sent it may no longer invite to this role \
             here; ask an admin for a new one"
                .to_owned(),
        ),
        Acceptance::Unknown => MemberError::NotFound("invitation"),
        Acceptance::Used => {
            MemberError::Gone("this invitation has already been used: it works once".to_owned())
        }
        Acceptance::Revoked => {
            MemberError::Gone("this invitation was revoked: ask for a new one".to_owned())
        }
        Acceptance::Expired(at) => MemberError::Gone(format!(
            "this invitation expired on {}: ask for a new one",
            spendlens_core::dates::moment(*at)
        )),
        _ => return None,
    })
}

/// The invitation of a link, while it can still be taken up (for the link's page); used,
/// revoked and expired ones are [`MemberError::Gone`] saying which, an unknown one
/// [`MemberError::NotFound`].
pub async fn open(ctx: &Context, token: &str) -> Result<Invitation, MemberError> {
    let found = ctx.store.invitation(&hash_secret(token)).await?;
    let issuer = match found
        .as_ref()
        .and_then(|i| Some((&i.org_id, i.invited_by.as_ref()?)))
    {
        Some((org, by)) => ctx.store.member(org, by).await?.map(|m| m.role),
        None => None,
    };
    let state = match &found {
        None => Acceptance::Unknown,
        Some(i) if i.revoked_at.is_some() => Acceptance::Revoked,
        Some(i) if i.accepted_at.is_some() => Acceptance::Used,
        Some(i) if i.expires_at <= ctx.now() => Acceptance::Expired(i.expires_at),
        Some(i) if !issuer_may(issuer, i.role) => Acceptance::IssuerLost,
        Some(_) => Acceptance::AlreadyMember,
    };
    match (gone(&state), found) {
        (Some(e), _) => Err(e),
        (None, Some(invitation)) => Ok(invitation),
        (None, None) => Err(MemberError::NotFound("invitation")),
    }
}

fn joined(acceptance: Acceptance) -> Result<Principal, MemberError> {
    if let Some(e) = gone(&acceptance) {
        return Err(e);
    }
    match acceptance {
        Acceptance::Joined(principal) => Ok(principal),
        Acceptance::OtherEmail => Err(MemberError::Forbidden(
            "this invitation was sent to another e-mail address: sign in as that address to accept it".to_owned(),
        )),
        Acceptance::AlreadyMember => Err(MemberError::Conflict(
            "you are already a member of this organisation".to_owned(),
        )),
        Acceptance::EmailTaken => Err(MemberError::Conflict(
            "an account with this e-mail address exists: sign in to accept the invitation"
                .to_owned(),
        )),
        _ => Err(MemberError::NotFound("invitation")),
    }
}

/// The signed-in user `user` takes up the invitation of `token`; their principal in the
/// invitation's organisation.
pub async fn accept(
    ctx: &Context,
    user: &Principal,
    token: &str,
) -> Result<Principal, MemberError> {
    let acceptance = ctx
        .store
        .accept_invitation(
            &hash_secret(token),
            Joiner::Existing(&user.user_id),
            &issuer_may,
            ctx.now(),
        )
        .await?;
    joined(acceptance)
}

/// What choosing a password on an invitation's page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinRequested {
    /// A link went to the invited address: following it with the password creates the account
    /// and joins. The same answer when the address has an account already (it was told so, in
    /// a message of its own), so the page tells nobody who has one.
    CheckYourEmail,
}

/// The invited address's owner chose `password` (the registration's strength rule) on the
/// invitation's page of `token`. The invitation's link is no proof of the mailbox (whoever
/// invited saw it, and may follow it to make an account for somebody else's address), so
/// nothing is created yet: a registration bound to the invitation is kept, and its link goes to
/// the invited address; following it with the password ([`crate::accounts::verify`]) creates
/// the account in the invitation's organisation ([`complete_join`]). An address that has an
/// account gets a notice to sign in on the invitation's page instead.
pub async fn join_with_new_account(
    ctx: &Context,
    token: &str,
    password: SecretString,
    links: &Links,
) -> Result<JoinRequested, MemberError> {
    let invitation = open(ctx, token).await?;
    if let Some(message) = password_problem(password.expose_secret(), &invitation.email) {
        return Err(MemberError::Invalid(vec![FieldError {
            field: "password",
            message,
        }]));
    }
    let hash = hash_password(password)
        .await
        .map_err(|e| MemberError::Internal(e.to_string()))?;
    let base = links.base.trim_end_matches('/');
    let send = |m| async move {
        mail::send(ctx, m)
            .await
            .map_err(|e| MemberError::Internal(e.to_string()))
    };
    if ctx.store.user_password(&invitation.email).await?.is_some() {
        send(mail::taken(
            &invitation.email,
            &invitation_link(base, token),
        ))
        .await?;
        return Ok(JoinRequested::CheckYourEmail);
    }
    let organization = invitation.org_name.clone();
    let link_token = new_secret("");
    let now = ctx.now();
    ctx.store
        .create_pending_registration(&PendingRegistration {
            token_hash: hash_secret(&link_token),
            email: invitation.email.clone(),
            password_hash: hash,
            organization_name: organization.clone(),
            created_at: now,
            expires_at: now + TimeDelta::hours(LINK_HOURS),
            invitation_token_hash: Some(hash_secret(token)),
        })
        .await?;
    let link = mail::verify_link(base, &link_token);
    send(mail::confirm_join(
        &invitation.email,
        &link,
        &organization,
        LINK_HOURS,
    ))
    .await?;
    Ok(JoinRequested::CheckYourEmail)
}

/// Creates the account of a registration made on an invitation's page (its password hash) and
/// takes the invitation of `invitation_token_hash` up: the new member's principal.
pub(crate) async fn complete_join(
    ctx: &Context,
    invitation_token_hash: &str,
    password_hash: &str,
) -> Result<Principal, MemberError> {
    let acceptance = ctx
        .store
        .accept_invitation(
            invitation_token_hash,
            Joiner::New { password_hash },
            &issuer_may,
            ctx.now(),
        )
        .await?;
    joined(acceptance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dead_link_says_why() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        let said = |a: Acceptance| gone(&a).map(|e| e.to_string());
        assert_eq!(
            said(Acceptance::Unknown).as_deref(),
            Some("invitation not found")
        );
        assert!(said(Acceptance::Used).is_some_and(|m| m.contains("already been used")));
        assert!(said(Acceptance::Revoked).is_some_and(|m| m.contains("revoked")));
        assert!(said(Acceptance::Expired(at)).is_some_and(|m| m.contains("28 Nov 2026 12:00 UTC")));
        assert!(gone(&Acceptance::AlreadyMember).is_none());
        assert!(said(Acceptance::IssuerLost).is_some_and(|m| m.contains("no longer holds")));
    }

    #[test]
    fn an_invitation_holds_while_its_sender_may_still_grant_it() {
        use Role::{Admin, Editor, Owner, Viewer};
        assert!(issuer_may(Some(Admin), Admin) && issuer_may(Some(Owner), Owner));
        assert!(issuer_may(Some(Admin), Viewer));
        // Removed, made an editor or a viewer, or granting above their role now.
        assert!(!issuer_may(None, Viewer));
        assert!(!issuer_may(Some(Editor), Viewer) && !issuer_may(Some(Viewer), Viewer));
        assert!(!issuer_may(Some(Admin), Owner));
    }

    #[test]
    fn the_link_is_under_the_public_address() {
        assert_eq!(
            invitation_link("https://s.example/", "abc"),
            "https://s.example/invitations/abc"
        );
    }
}
