//! The SQL of [`MemberStore`](crate::members::MemberStore), the same on both backends.

/// Implements [`MemberStore`](crate::members::MemberStore) for `$store` (whose field `pool` is
/// a `sqlx::Pool<$db>`); `$begin_write` as for `impl_store!`.
macro_rules! impl_member_store {
    ($store:ty, $db:ty, $begin_write:literal) => {
        mod member_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use serde_json::json;
            use spendlens_core::Role;
            use spendlens_core::campaign::{OrgId, UserId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::accounts::Principal;
            use crate::audit::{AuditEntry, insert_audit};
            use crate::campaigns::LOCK_ORG;
            use crate::members::{
                Acceptance, IssuerRule, Invitation, Joiner, Member, MemberStore, Membership, NewInvitation,
                Owned, owns_sql,
            };
            use crate::{Result, StoreError, new_id};

            type DbRow = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            fn role(row: &DbRow, column: &str) -> Result<Role> {
                Role::parse(&row.try_get::<String, _>(column)?).map_err(StoreError::Invalid)
            }

            const MEMBER: &str = "SELECT u.id, u.email, m.role FROM memberships m \
                JOIN users u ON u.id = m.user_id WHERE m.org_id = $1";

            fn member_of(row: &DbRow) -> Result<Member> {
                Ok(Member {
                    user_id: UserId::new(row.try_get::<String, _>("id")?),
                    email: row.try_get("email")?,
                    role: role(row, "role")?,
                })
            }

            const INVITATION: &str = "SELECT i.id, i.org_id, o.name AS org_name, i.email, i.role, \
                i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at \
                FROM invitations i JOIN organizations o ON o.id = i.org_id";

            fn invitation(row: &DbRow) -> Result<Invitation> {
                Ok(Invitation {
                    id: row.try_get("id")?,
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                    org_name: row.try_get("org_name")?,
                    email: row.try_get("email")?,
                    role: role(row, "role")?,
                    invited_by: row.try_get::<Option<String>, _>("invited_by")?.map(UserId::new),
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    accepted_at: row.try_get("accepted_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            }

            /// Moves the sessions of user `$2` in organisation `$1` to another organisation of
            /// theirs (the first by id), when they have one.
            const MOVE_SESSIONS: &str = "UPDATE sessions SET org_id = (SELECT MIN(m.org_id) FROM memberships m \
                WHERE m.user_id = $2 AND m.org_id <> $1) WHERE org_id = $1 AND user_id = $2 \
                AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $2 AND m.org_id <> $1)";

            async fn lock_org(tx: &mut Tx, org: &OrgId) -> Result<bool> {
                let locked = sqlx::query(LOCK_ORG).bind(org.as_str()).execute(&mut **tx).await?;
                Ok(locked.rows_affected() > 0)
            }

            async fn role_of(tx: &mut Tx, org: &OrgId, user: &UserId) -> Result<Option<Role>> {
                let row = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
                    .bind(org.as_str())
                    .bind(user.as_str())
                    .fetch_optional(&mut **tx)
                    .await?;
                row.as_ref().map(|r| role(r, "role")).transpose()
            }

            /// Refuses to take `user`, of role `before`, out of `org`'s owners when they are its
            /// last one.
            async fn keep_an_owner(tx: &mut Tx, org: &OrgId, before: Role) -> Result<()> {
                if before != Role::Owner {
                    return Ok(());
                }
                let owners: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'",
                )
                .bind(org.as_str())
                .fetch_one(&mut **tx)
                .await?;
                if owners <= 1 { Err(StoreError::Conflict("last_owner")) } else { Ok(()) }
            }

            async fn audit(tx: &mut Tx, entry: &AuditEntry) -> Result<()> {
                insert_audit!(new_id(), entry).execute(&mut **tx).await?;
                Ok(())
            }

            #[async_trait]
            impl MemberStore for $store {
                #[instrument(skip_all)]
                async fn memberships(&self, user: &UserId) -> Result<Vec<Membership>> {
                    let rows = sqlx::query(
                        "SELECT m.org_id, o.name, m.role FROM memberships m \
                         JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 \
                         ORDER BY o.name, m.org_id",
                    )
                    .bind(user.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Membership {
                                org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                                name: r.try_get("name")?,
                                role: role(r, "role")?,
                            })
                        })
                        .collect()
                }

                #[instrument(skip_all)]
                async fn members(&self, org: &OrgId) -> Result<Vec<Member>> {
                    let rows = sqlx::query(&format!("{MEMBER} ORDER BY u.email"))
                        .bind(org.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(member_of).collect()
                }

                #[instrument(skip_all)]
                async fn member(&self, org: &OrgId, user: &UserId) -> Result<Option<Member>> {
                    let row = sqlx::query(&format!("{MEMBER} AND m.user_id = $2"))
                        .bind(org.as_str())
                        .bind(user.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(member_of).transpose()
                }

                #[instrument(skip_all)]
                async fn set_member_role(
                    &self,
                    org: &OrgId,
                    user: &UserId,
                    before: Role,
                    after: Role,
                    entry: &AuditEntry,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    if !lock_org(&mut tx, org).await?
                        || role_of(&mut tx, org, user).await? != Some(before)
                    {
                        return Ok(false);
                    }
                    if after != Role::Owner {
                        keep_an_owner(&mut tx, org, before).await?;
                    }
                    sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
                        .bind(after.as_str())
                        .bind(org.as_str())
                        .bind(user.as_str())
                        .execute(&mut *tx)
                        .await?;
                    audit(&mut tx, entry).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all)]
                async fn remove_member(
                    &self,
                    org: &OrgId,
                    user: &UserId,
                    before: Role,
                    entry: &AuditEntry,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    if !lock_org(&mut tx, org).await?
                        || role_of(&mut tx, org, user).await? != Some(before)
                    {
                        return Ok(false);
                    }
                    // Whoever removes another must still be able to, under the lock: two admins
                    // removing each other at once both succeeded, each checked before the other.
                    if let Some(actor) = entry.actor.as_ref().filter(|a| *a != user) {
                        let may = match role_of(&mut tx, org, actor).await? {
                            Some(Role::Owner) => true,
                            Some(Role::Admin) => before != Role::Owner,
                            _ => false,
                        };
                        if !may {
                            return Ok(false);
                        }
                    }
                    keep_an_owner(&mut tx, org, before).await?;
                    for statement in [
                        "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
                        // A session in the organisation moves to another of the user's, if any:
                        // removed from one client's organisation, an agency's person stays
                        // signed in to the others.
                        MOVE_SESSIONS,
                        "DELETE FROM sessions WHERE org_id = $1 AND user_id = $2",
                        "DELETE FROM api_tokens WHERE org_id = $1 AND user_id = $2",
                    ] {
                        sqlx::query(statement)
                            .bind(org.as_str())
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    audit(&mut tx, entry).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all)]
                async fn transfer_ownership(
                    &self,
                    org: &OrgId,
                    from: &UserId,
                    to: &UserId,
                    entry: &AuditEntry,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    if !lock_org(&mut tx, org).await?
                        || role_of(&mut tx, org, from).await? != Some(Role::Owner)
                        || role_of(&mut tx, org, to).await?.is_none()
                        || from == to
                    {
                        return Ok(false);
                    }
                    for (user, role) in [(to, Role::Owner), (from, Role::Admin)] {
                        sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
                            .bind(role.as_str())
                            .bind(org.as_str())
                            .bind(user.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    audit(&mut tx, entry).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all)]
                async fn create_organization(
                    &self,
                    user: &UserId,
                    name: &str,
                    entry: &AuditEntry,
                ) -> Result<OrgId> {
                    let org = OrgId::new(new_id());
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                        .bind(org.as_str())
                        .bind(name)
                        .bind(entry.at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'owner')")
                        .bind(user.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let entry = AuditEntry {
                        org_id: org.clone(),
                        target_id: org.as_str().to_owned(),
                        ..entry.clone()
                    };
                    audit(&mut tx, &entry).await?;
                    tx.commit().await?;
                    Ok(org)
                }

                #[instrument(skip_all)]
                async fn delete_organization(&self, org: &OrgId, entry: &AuditEntry) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // Its members' sessions move to another of their organisations, if any.
                    sqlx::query(
                        "UPDATE sessions SET org_id = (SELECT MIN(m.org_id) FROM memberships m \
                         WHERE m.user_id = sessions.user_id AND m.org_id <> $1) WHERE org_id = $1 \
                         AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = sessions.user_id \
                         AND m.org_id <> $1)",
                    )
                    .bind(org.as_str())
                    .execute(&mut *tx)
                    .await?;
                    let deleted = sqlx::query("DELETE FROM organizations WHERE id = $1")
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if deleted.rows_affected() == 0 {
                        return Ok(false);
                    }
                    audit(&mut tx, entry).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all)]
                async fn switch_session_org(
                    &self,
                    token_hash: &str,
                    user: &UserId,
                    org: &OrgId,
                ) -> Result<bool> {
                    let moved = sqlx::query(
                        "UPDATE sessions SET org_id = $1 WHERE token_hash = $2 AND user_id = $3 \
                         AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $3 AND m.org_id = $1)",
                    )
                    .bind(org.as_str())
                    .bind(token_hash)
                    .bind(user.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok(moved.rows_affected() > 0)
                }

                #[instrument(skip_all)]
                async fn create_invitation(
                    &self,
                    inv: &NewInvitation,
                    entry: &AuditEntry,
                ) -> Result<String> {
                    let id = new_id();
                    let email = inv.email.trim().to_lowercase();
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    if !lock_org(&mut tx, &inv.org_id).await? {
                        return Err(StoreError::NotFound("organization"));
                    }
                    let members: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
                         WHERE m.org_id = $1 AND u.email = $2",
                    )
                    .bind(inv.org_id.as_str())
                    .bind(&email)
                    .fetch_one(&mut *tx)
                    .await?;
                    if members > 0 {
                        return Err(StoreError::Conflict("member"));
                    }
                    sqlx::query(
                        "UPDATE invitations SET revoked_at = $1 WHERE org_id = $2 AND email = $3 \
                         AND accepted_at IS NULL AND revoked_at IS NULL",
                    )
                    .bind(inv.created_at)
                    .bind(inv.org_id.as_str())
                    .bind(&email)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, \
                         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&id)
                    .bind(inv.org_id.as_str())
                    .bind(&email)
                    .bind(inv.role.as_str())
                    .bind(&inv.token_hash)
                    .bind(inv.invited_by.as_str())
                    .bind(inv.created_at)
                    .bind(inv.expires_at)
                    .execute(&mut *tx)
                    .await?;
                    let entry = AuditEntry { target_id: id.clone(), ..entry.clone() };
                    audit(&mut tx, &entry).await?;
                    tx.commit().await?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn pending_invitations(
                    &self,
                    org: &OrgId,
                    now: DateTime<Utc>,
                ) -> Result<Vec<Invitation>> {
                    let rows = sqlx::query(&format!(
                        "{INVITATION} WHERE i.org_id = $1 AND i.accepted_at IS NULL \
                         AND i.revoked_at IS NULL AND i.expires_at > $2 \
                         ORDER BY i.created_at DESC, i.id DESC"
                    ))
                    .bind(org.as_str())
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(invitation).collect()
                }

                #[instrument(skip_all)]
                async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>> {
                    let row = sqlx::query(&format!("{INVITATION} WHERE i.token_hash = $1"))
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(invitation).transpose()
                }

                #[instrument(skip_all)]
                async fn revoke_invitation(
                    &self,
                    org: &OrgId,
                    id: &str,
                    now: DateTime<Utc>,
                    entry: &AuditEntry,
                ) -> Result<Option<Invitation>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let revoked = sqlx::query(
                        "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND org_id = $3 \
                         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(org.as_str())
                    .execute(&mut *tx)
                    .await?;
                    if revoked.rows_affected() == 0 {
                        return Ok(None);
                    }
                    let row = sqlx::query(&format!("{INVITATION} WHERE i.id = $1"))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    audit(&mut tx, entry).await?;
                    tx.commit().await?;
                    Ok(Some(invitation(&row)?))
                }

                #[instrument(skip_all)]
                async fn accept_invitation(
                    &self,
                    token_hash: &str,
                    joiner: Joiner<'_>,
                    issuer_may: &IssuerRule,
                    now: DateTime<Utc>,
                ) -> Result<Acceptance> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    // The organisation's row first, as every write of its members and invitations
                    // takes it (so a demotion of the sender cannot interleave, and no two orders
                    // of locks meet), then the invitation's: two clicks racing queue here.
                    let org: Option<String> =
                        sqlx::query_scalar("SELECT org_id FROM invitations WHERE token_hash = $1")
                            .bind(token_hash)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some(org) = org {
                        lock_org(&mut tx, &OrgId::new(org)).await?;
                    }
                    sqlx::query("UPDATE invitations SET token_hash = token_hash WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await?;
                    let row = sqlx::query(&format!("{INVITATION} WHERE i.token_hash = $1"))
                        .bind(token_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(inv) = row.as_ref().map(invitation).transpose()? else {
                        return Ok(Acceptance::Unknown);
                    };
                    if inv.revoked_at.is_some() {
                        return Ok(Acceptance::Revoked);
                    }
                    if inv.accepted_at.is_some() {
                        return Ok(Acceptance::Used);
                    }
                    if inv.expires_at <= now {
                        return Ok(Acceptance::Expired(inv.expires_at));
                    }
                    let issuer = match &inv.invited_by {
                        Some(by) => role_of(&mut tx, &inv.org_id, by).await?,
                        None => None,
                    };
                    if !issuer_may(issuer, inv.role) {
                        return Ok(Acceptance::IssuerLost);
                    }
                    let user = match joiner {
                        Joiner::Existing(user) => {
                            let email: Option<String> =
                                sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                                    .bind(user.as_str())
                                    .fetch_optional(&mut *tx)
                                    .await?;
                            if email.as_deref() != Some(inv.email.as_str()) {
                                return Ok(Acceptance::OtherEmail);
                            }
                            if role_of(&mut tx, &inv.org_id, user).await?.is_some() {
                                return Ok(Acceptance::AlreadyMember);
                            }
                            user.clone()
                        }
                        Joiner::New { password_hash } => {
                            let user = UserId::new(new_id());
                            let created = sqlx::query(
                                "INSERT INTO users (id, email, password_hash, created_at) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING",
                            )
                            .bind(user.as_str())
                            .bind(&inv.email)
                            .bind(password_hash)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            if created.rows_affected() == 0 {
                                return Ok(Acceptance::EmailTaken);
                            }
                            user
                        }
                    };
                    sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)")
                        .bind(user.as_str())
                        .bind(inv.org_id.as_str())
                        .bind(inv.role.as_str())
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3")
                        .bind(now)
                        .bind(user.as_str())
                        .bind(&inv.id)
                        .execute(&mut *tx)
                        .await?;
                    let entry = AuditEntry {
                        org_id: inv.org_id.clone(),
                        actor: Some(user.clone()),
                        action: "member.join".to_owned(),
                        target_type: "member".to_owned(),
                        target_id: user.as_str().to_owned(),
                        details: json!({ "role": inv.role.as_str(), "invitation_id": inv.id }),
                        at: now,
                    };
                    audit(&mut tx, &entry).await?;
                    tx.commit().await?;
                    Ok(Acceptance::Joined(Principal {
                        user_id: user,
                        org_id: inv.org_id,
                        role: inv.role,
                    }))
                }

                #[instrument(skip_all)]
                async fn owns(&self, org: &OrgId, kind: Owned, id: &str) -> Result<bool> {
                    let n: i64 = sqlx::query_scalar(owns_sql(kind))
                        .bind(id)
                        .bind(org.as_str())
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n > 0)
                }
            }
        }
    };
}

pub(crate) use impl_member_store;
