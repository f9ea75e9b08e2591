//! Teams: the members of an organisation and their roles, the organisations of a person, and
//! invitations ([`invitations`]).
//!
//! Which role may call which route is the web layer's one policy table; the rules here are the
//! ones that depend on the data: a member changes or removes only members whose role is at most
//! their own, and grants at most their own role (so only an owner grants owner); an
//! organisation always keeps an owner (checked by the store inside the write's transaction, so
//! two owners demoting each other at once cannot both succeed). Removing a member ends their
//! sessions in the organisation and deletes their tokens there, in the same transaction. Every
//! write here is in the audit log, with the role before and after where one changes, never a
//! secret.

pub mod invitations;

use serde_json::json;
use spendlens_core::Role;
use spendlens_core::campaign::{FieldError, OrgId, UserId};
use spendlens_store::{AuditEntry, Member, Membership, Principal, StoreError};

use crate::accounts::{hash_secret, organization_name_problem};
use crate::context::Context;

/// Why a members command failed.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    /// No such thing in the caller's organisation (or no such organisation of theirs).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's role does not allow this (the message says what would).
    #[error("{0}")]
    Forbidden(String),
    /// It would leave the organisation without an owner (the message says what to do).
    #[error("{0}")]
    LastOwner(String),
    /// It clashes with the current state (already a member, changed meanwhile).
    #[error("{0}")]
    Conflict(String),
    /// An invitation link that was used, revoked or has expired (the message says which).
    #[error("{0}")]
    Gone(String),
    /// Fields of the command break their rules, each named.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed; logged, never shown.
    #[error("{0}")]
    Internal(String),
}

fn entry(
    actor: &Principal,
    action: &str,
    target_type: &str,
    target_id: &str,
    details: serde_json::Value,
    ctx: &Context,
) -> AuditEntry {
    AuditEntry {
        org_id: actor.org_id.clone(),
        actor: Some(actor.user_id.clone()),
        action: action.to_owned(),
        target_type: target_type.to_owned(),
        target_id: target_id.to_owned(),
        details,
        at: ctx.now(),
    }
}

/// Refuses when `actor` may not act on a member of role `target` (theirs is lower).
fn outranks(actor: &Principal, target: Role, what: &str) -> Result<(), MemberError> {
    if target > actor.role {
        return Err(MemberError::Forbidden(format!(
            "only an {} or higher may {what} an {}",
            target,
            target.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Refuses to grant a role above the actor's own.
pub(crate) fn may_grant(actor: &Principal, role: Role) -> Result<(), MemberError> {
    if role > actor.role {
        return Err(MemberError::Forbidden(if role == Role::Owner {
            "only an owner grants owner".to_owned()
        } else {
            format!("you may grant at most your own role ({})", actor.role)
        }));
    }
    Ok(())
}

/// The members of the caller's organisation, by e-mail.
pub async fn members(ctx: &Context, actor: &Principal) -> Result<Vec<Member>, MemberError> {
    Ok(ctx.store.members(&actor.org_id).await?)
}

/// Changes the role of member `user` of the caller's organisation to `role`; the member as
/// they are now.
pub async fn change_role(
    ctx: &Context,
    actor: &Principal,
    user: &UserId,
    role: Role,
) -> Result<Member, MemberError> {
    let target = ctx
        .store
        .member(&actor.org_id, user)
        .await?
        .ok_or(MemberError::NotFound("member"))?;
    outranks(actor, target.role, "change the role of")?;
    may_grant(actor, role)?;
    if target.role == role {
        return Ok(target);
    }
    let audit = entry(
        actor,
        "member.role_change",
        "member",
        user.as_str(),
        json!({ "email": target.email, "before": target.role.as_str(), "after": role.as_str() }),
        ctx,
    );
    match ctx
        .store
        .set_member_role(&actor.org_id, user, target.role, role, &audit)
        .await
    {
        Ok(true) => Ok(Member { role, ..target }),
        Ok(false) => Err(MemberError::Conflict(
            "the member's role changed meanwhile: reload and try again".to_owned(),
        )),
        Err(StoreError::Conflict("last_owner")) => Err(MemberError::LastOwner(
            "this is the organisation's last owner: make another member owner first".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Removes member `user` from the caller's organisation: their sessions in it end and their
/// tokens there stop working at once. The caller removing themselves is leaving ([`leave`]).
pub async fn remove_member(
    ctx: &Context,
    actor: &Principal,
    user: &UserId,
) -> Result<Member, MemberError> {
    let target = ctx
        .store
        .member(&actor.org_id, user)
        .await?
        .ok_or(MemberError::NotFound("member"))?;
    outranks(actor, target.role, "remove")?;
    let leaving = user == &actor.user_id;
    let audit = entry(
        actor,
        if leaving {
            "member.leave"
        } else {
            "member.remove"
        },
        "member",
        user.as_str(),
        json!({ "email": target.email, "before": target.role.as_str() }),
        ctx,
    );
    match ctx
        .store
        .remove_member(&actor.org_id, user, target.role, &audit)
        .await
    {
        Ok(true) => Ok(target),
        Ok(false) => Err(MemberError::Conflict(
            "the member changed meanwhile: reload and try again".to_owned(),
        )),
        Err(StoreError::Conflict("last_owner")) => Err(MemberError::LastOwner(if leaving {
            "you are the organisation's last owner and cannot leave: make another member owner first, or delete the organisation".to_owned()
        } else {
            "this is the organisation's last owner and cannot be removed: make another member owner first".to_owned()
        })),
        Err(e) => Err(e.into()),
    }
}

/// The caller leaves their current organisation (their session there ends).
pub async fn leave(ctx: &Context, actor: &Principal) -> Result<Member, MemberError> {
    remove_member(ctx, actor, &actor.user_id).await
}

/// Hands the caller's ownership to member `to`: they become an owner, the caller an admin.
pub async fn transfer_ownership(
    ctx: &Context,
    actor: &Principal,
    to: &UserId,
) -> Result<(), MemberError> {
    if actor.role != Role::Owner {
        return Err(MemberError::Forbidden(
            "only an owner transfers ownership".to_owned(),
        ));
    }
    let target = ctx
        .store
        .member(&actor.org_id, to)
        .await?
        .ok_or(MemberError::NotFound("member"))?;
    if to == &actor.user_id {
        return Err(MemberError::Conflict("you already own it".to_owned()));
    }
    let audit = entry(
        actor,
        "organization.transfer",
        "member",
        to.as_str(),
        json!({ "email": target.email, "before": target.role.as_str(), "after": "owner",
                "previous_owner_after": "admin" }),
        ctx,
    );
    if ctx
        .store
        .transfer_ownership(&actor.org_id, &actor.user_id, to, &audit)
        .await?
    {
        Ok(())
    } else {
        Err(MemberError::Conflict(
            "the members changed meanwhile: reload and try again".to_owned(),
        ))
    }
}

/// The organisations of the caller's user, with their role in each, by name.
pub async fn organizations(ctx: &Context, user: &UserId) -> Result<Vec<Membership>, MemberError> {
    Ok(ctx.store.memberships(user).await?)
}

/// Creates another organisation owned by the caller (who stays in their current one until
/// they switch).
pub async fn create_organization(
    ctx: &Context,
    actor: &Principal,
    name: &str,
) -> Result<OrgId, MemberError> {
    let name = name.trim();
    if let Some(message) = organization_name_problem(name) {
        return Err(MemberError::Invalid(vec![FieldError {
            field: "name",
            message,
        }]));
    }
    let audit = entry(
        actor,
        "organization.create",
        "organization",
        "",
        json!({ "name": name }),
        ctx,
    );
    Ok(ctx
        .store
        .create_organization(&actor.user_id, name, &audit)
        .await?)
}

/// Deletes the caller's current organisation with everything it holds (its members keep
/// their accounts and other organisations; the audit log keeps the deletion).
pub async fn delete_organization(ctx: &Context, actor: &Principal) -> Result<(), MemberError> {
    if actor.role != Role::Owner {
        return Err(MemberError::Forbidden(
            "only an owner deletes the organisation".to_owned(),
        ));
    }
    let audit = entry(
        actor,
        "organization.delete",
        "organization",
        actor.org_id.as_str(),
        json!({}),
        ctx,
    );
    if ctx.store.delete_organization(&actor.org_id, &audit).await? {
        Ok(())
    } else {
        Err(MemberError::NotFound("organization"))
    }
}

/// Moves the session of `session_token` (the caller's) to organisation `org`, one of the
/// caller's; another is [`MemberError::NotFound`].
pub async fn switch_organization(
    ctx: &Context,
    session_token: &str,
    user: &UserId,
    org: &OrgId,
) -> Result<(), MemberError> {
    if ctx
        .store
        .switch_session_org(&hash_secret(session_token), user, org)
        .await?
    {
        Ok(())
    } else {
        Err(MemberError::NotFound("organization"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Principal {
        Principal {
            user_id: UserId::new("u"),
            org_id: OrgId::new("o"),
            role,
        }
    }

    #[test]
    fn a_member_grants_at_most_their_own_role() {
        assert!(may_grant(&actor(Role::Owner), Role::Owner).is_ok());
        assert!(may_grant(&actor(Role::Admin), Role::Admin).is_ok());
        assert!(
            matches!(may_grant(&actor(Role::Admin), Role::Owner), Err(MemberError::Forbidden(m)) if m == "only an owner grants owner")
        );
        assert!(may_grant(&actor(Role::Editor), Role::Admin).is_err());
        assert!(may_grant(&actor(Role::Editor), Role::Viewer).is_ok());
    }

    #[test]
    fn a_member_acts_only_on_members_of_at_most_their_role() {
        assert!(outranks(&actor(Role::Admin), Role::Admin, "remove").is_ok());
        assert!(outranks(&actor(Role::Admin), Role::Owner, "remove").is_err());
        assert!(outranks(&actor(Role::Owner), Role::Owner, "remove").is_ok());
    }
}
