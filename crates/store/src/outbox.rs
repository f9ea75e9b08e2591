//! The outbox: messages for people, sent out of band (a registration's one-time link, the notice
//! that someone tried to register with an address). Written in the request that causes them; on
//! a server with an SMTP relay the delivery sweep claims the unsent ones, sends them, and keeps
//! no body once sent ([`OutboxStore::claim_unsent_mail`], [`OutboxStore::settle_mail`]).
//! Without one, the operator reads them with `spendlens outbox` ([`OutboxStore::unsent_mail`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient's address (stored in lower case).
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMail {
    pub id: String,
    pub mail: OutgoingMail,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Storage of the outbox.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a message; returns its id.
    async fn enqueue_mail(&self, mail: &OutgoingMail, now: DateTime<Utc>) -> Result<String>;

    /// The messages to an address (case-insensitive), oldest first.
    async fn mail_to(&self, address: &str) -> Result<Vec<StoredMail>>;

    /// The newest `limit` messages not yet sent, oldest of them first (what an operator relays
    /// while no delivery runs).
    async fn unsent_mail(&self, limit: u32) -> Result<Vec<StoredMail>>;

    /// Claims up to `limit` unsent messages, oldest first, for sending: stamps them sent at
    /// `now` in one statement (two instances never claim the same one) and returns them.
    async fn claim_unsent_mail(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<StoredMail>>;

    /// Settles a claimed message: sent, its body replaced by `note` (a registration's link is
    /// a credential: the database keeps none once it went); or not sent and to be tried again
    /// (`note` `None`), unstamped.
    async fn settle_mail(&self, id: &str, note: Option<&str>) -> Result<()>;
}

/// Implements [`OutboxStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`).
macro_rules! impl_outbox_store {
    ($store:ty, $db:ty) => {
        mod outbox_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::outbox::{OutboxStore, OutgoingMail, StoredMail};
            use crate::{Result, new_id};

            #[async_trait]
            impl OutboxStore for $store {
                #[instrument(skip_all)]
                async fn enqueue_mail(&self, mail: &OutgoingMail, now: DateTime<Utc>) -> Result<String> {
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO outbox (id, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&id)
                    .bind(mail.to.trim().to_lowercase())
                    .bind(&mail.subject)
                    .bind(&mail.body)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn mail_to(&self, address: &str) -> Result<Vec<StoredMail>> {
                    let rows = sqlx::query(
                        "SELECT id, recipient, subject, body, created_at, sent_at FROM outbox \
                         WHERE recipient = $1 ORDER BY created_at, id",
                    )
                    .bind(address.trim().to_lowercase())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(stored).collect()
                }

                #[instrument(skip_all)]
                async fn unsent_mail(&self, limit: u32) -> Result<Vec<StoredMail>> {
                    let rows = sqlx::query(
                        "SELECT id, recipient, subject, body, created_at, sent_at FROM outbox \
                         WHERE sent_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $1",
                    )
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().rev().map(stored).collect()
                }

                #[instrument(skip_all)]
                async fn claim_unsent_mail(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<StoredMail>> {
                    // The outer `sent_at IS NULL` is checked again on a row another instance
                    // claimed meanwhile (PostgreSQL re-reads it), so that row is skipped.
                    let rows = sqlx::query(
                        "UPDATE outbox SET sent_at = $1 WHERE sent_at IS NULL AND id IN \
                         (SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT $2) \
                         RETURNING id, recipient, subject, body, created_at, sent_at",
                    )
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    let mut claimed: Vec<StoredMail> = rows.iter().map(stored).collect::<Result<_>>()?;
                    claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
                    Ok(claimed)
                }

                #[instrument(skip_all)]
                async fn settle_mail(&self, id: &str, note: Option<&str>) -> Result<()> {
                    let query = match note {
                        Some(note) => sqlx::query("UPDATE outbox SET body = $2 WHERE id = $1").bind(id).bind(note),
                        None => sqlx::query("UPDATE outbox SET sent_at = NULL WHERE id = $1").bind(id),
                    };
                    query.execute(&self.pool).await?;
                    Ok(())
                }
            }

            fn stored(r: &<$db as sqlx::Database>::Row) -> Result<StoredMail> {
                Ok(StoredMail {
                    id: r.try_get("id")?,
                    mail: OutgoingMail {
                        to: r.try_get("recipient")?,
                        subject: r.try_get("subject")?,
                        body: r.try_get("body")?,
                    },
                    created_at: r.try_get("created_at")?,
                    sent_at: r.try_get("sent_at")?,
                })
            }
        }
    };
}

pub(crate) use impl_outbox_store;
