//! Members of organisations, their roles, the organisations of a person, invitations, and the
//! question every refusal asks first: is this id the caller's organisation's at all?
//!
//! Every write that changes who may do what (a role, a removal, an ownership transfer, an
//! invitation made, revoked or accepted, an organisation created or deleted) writes its audit
//! entry in its own transaction, so neither exists without the other. The rule that an
//! organisation keeps an owner is checked inside the transaction that would break it, after
//! taking the organisation's row (`campaigns::LOCK_ORG`), so two owners demoting each other at
//! once cannot both succeed on either backend.
//!
//! Invitations keep only the SHA-256 of their link's token and stay after use or revocation,
//! so that a second click is told why the link no longer works.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spendlens_core::Role;
use spendlens_core::campaign::{OrgId, UserId};

use crate::Result;
use crate::accounts::Principal;
use crate::audit::AuditEntry;

/// An organisation of a person, with their role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub org_id: OrgId,
    pub name: String,
    pub role: Role,
}

/// A member of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
}

/// An invitation to store (its token already hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub org_id: OrgId,
    pub email: String,
    pub role: Role,
    pub token_hash: String,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An invitation as stored: never its token nor the token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub org_id: OrgId,
    /// The inviting organisation's name (for the invitee's page).
    pub org_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who takes up an invitation: a user who has an account, or a new account for the invited
/// address with this password hash.
#[derive(Debug, Clone, Copy)]
pub enum Joiner<'a> {
    Existing(&'a UserId),
    New { password_hash: &'a str },
}

/// What taking up an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// The user is now a member of the invitation's organisation with its role.
    Joined(Principal),
    /// No invitation has this token.
    Unknown,
    /// It was already taken up.
    Used,
    Revoked,
    Expired(DateTime<Utc>),
    /// The signed-in user's address is not the invited one.
    OtherEmail,
    /// The user is already a member (the invitation stays pending).
    AlreadyMember,
    /// A new account was asked for an address that has one: sign in instead.
    EmailTaken,
    /// Whoever sent it may no longer grant its role here (removed, or their role lowered since):
    /// the invitation no longer holds.
    IssuerLost,
}

/// Whether an invitation still holds given its sender's role in the organisation now (`None`:
/// no longer a member) and the role it grants: the app's rule, checked inside the acceptance.
pub type IssuerRule = dyn Fn(Option<Role>, Role) -> bool + Send + Sync;

/// A kind of thing an organisation owns, named by a route's path (see the web layer's access
/// policy): a refusal for the role must not tell another organisation's id from a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    Campaign,
    Connection,
    /// A cost or overhead entry of the finance ledger.
    LedgerEntry,
    /// A saved column mapping (owned through its campaign).
    Mapping,
    MmmRun,
    ApiToken,
    /// A member, by user id.
    Member,
    Invitation,
    /// A campaign's read-only share link.
    ShareLink,
    /// A scheduled report delivery.
    ReportSchedule,
}

/// Storage of memberships, organisations and invitations.
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// The organisations `user` belongs to, with their role, by name.
    async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>>;

    /// The members of `org`, by e-mail.
    async fn members(&self, org: &OrgId) -> Result<Vec<Member>>;

    /// One member of `org`.
    async fn member(&self, org: &OrgId, user: &UserId) -> Result<Option<Member>>;

    /// Changes `user`'s role in `org` from `before` to `after`, writing `audit`. `Ok(false)`
    /// when `user` is not a member or no longer has role `before` (nothing written);
    /// `Conflict("last_owner")` when it would leave `org` without an owner.
    async fn set_member_role(
        &self,
        org: &OrgId,
        user: &UserId,
        before: Role,
        after: Role,
        audit: &AuditEntry,
    ) -> Result<bool>;

    /// Removes `user` (of role `before`) from `org` with their sessions in it and their API
    /// tokens there, writing `audit`; `Ok(false)` and `Conflict("last_owner")` as for
    /// [`MemberStore::set_member_role`].
    async fn remove_member(
        &self,
        org: &OrgId,
        user: &UserId,
        before: Role,
        audit: &AuditEntry,
    ) -> Result<bool>;

    /// Makes `to` (a member) an owner and `from` (an owner) an admin, writing `audit`;
    /// `Ok(false)` when either is not what it must be.
    async fn transfer_ownership(
        &self,
        org: &OrgId,
        from: &UserId,
        to: &UserId,
        audit: &AuditEntry,
    ) -> Result<bool>;

    /// Creates an organisation owned by `user`; `audit`'s organisation and target are filled
    /// in with the new one's id.
    async fn create_organization(
        &self,
        user: &UserId,
        name: &str,
        audit: &AuditEntry,
    ) -> Result<OrgId>;

    /// Deletes `org` and everything it owns (campaigns, data, sessions in it, tokens,
    /// invitations), writing `audit` (the audit log keeps it). `Ok(false)` when there is none.
    async fn delete_organization(&self, org: &OrgId, audit: &AuditEntry) -> Result<bool>;

    /// Moves the session of `token_hash` (of `user`) to `org`, when `user` is a member of it.
    async fn switch_session_org(
        &self,
        token_hash: &str,
        user: &UserId,
        org: &OrgId,
    ) -> Result<bool>;

    /// Stores an invitation, revoking any pending one to the same address in the same
    /// organisation, writing `audit`; returns its id. `Conflict("member")` when the address is
    /// already a member's.
    async fn create_invitation(
        &self,
        invitation: &NewInvitation,
        audit: &AuditEntry,
    ) -> Result<String>;

    /// The invitations of `org` neither taken up nor revoked and unexpired at `now`, newest
    /// first.
    async fn pending_invitations(&self, org: &OrgId, now: DateTime<Utc>)
    -> Result<Vec<Invitation>>;

    /// The invitation of a link's token hash, whatever its state.
    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>>;

    /// Revokes pending invitation `id` of `org` at `now`, writing `audit`; `None` when `org`
    /// has no such pending invitation.
    async fn revoke_invitation(
        &self,
        org: &OrgId,
        id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<Option<Invitation>>;

    /// Takes up the invitation of `token_hash` at `now`, once: the joiner becomes a member with
    /// its role and the invitation is used, with a `member.join` audit entry, in one
    /// transaction; refused ([`Acceptance::IssuerLost`]) when `issuer_may` says its sender,
    /// as a member now, may not grant it.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        joiner: Joiner<'_>,
        issuer_may: &IssuerRule,
        now: DateTime<Utc>,
    ) -> Result<Acceptance>;

    /// Whether `org` owns the `kind` of id `id`.
    async fn owns(&self, org: &OrgId, kind: Owned, id: &str) -> Result<bool>;
}

/// The statement that answers [`MemberStore::owns`] for a kind: `$1` the id, `$2` the
/// organisation.
pub(crate) fn owns_sql(kind: Owned) -> &'static str {
    match kind {
        Owned::Campaign => "SELECT COUNT(*) FROM campaigns WHERE id = $1 AND org_id = $2",
        Owned::Connection => "SELECT COUNT(*) FROM connections WHERE id = $1 AND org_id = $2",
        Owned::LedgerEntry => "SELECT COUNT(*) FROM finance_ledger WHERE id = $1 AND org_id = $2",
        Owned::Mapping => {
            "SELECT COUNT(*) FROM column_mappings m JOIN campaigns c ON c.id = m.campaign_id \
             WHERE m.id = $1 AND c.org_id = $2"
        }
        Owned::MmmRun => "SELECT COUNT(*) FROM mmm_runs WHERE id = $1 AND org_id = $2",
        Owned::ApiToken => "SELECT COUNT(*) FROM api_tokens WHERE id = $1 AND org_id = $2",
        Owned::Member => "SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND org_id = $2",
        Owned::Invitation => "SELECT COUNT(*) FROM invitations WHERE id = $1 AND org_id = $2",
        Owned::ShareLink => "SELECT COUNT(*) FROM share_links WHERE id = $1 AND org_id = $2",
        Owned::ReportSchedule => {
            "SELECT COUNT(*) FROM report_schedules WHERE id = $1 AND org_id = $2"
        }
    }
}
