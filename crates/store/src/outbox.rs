//! The outbox: messages for people, sent out of band (a registration's one-time link, the notice
//! that someone tried to register with an address). Written in the request that causes them; a
//! delivery (SMTP, a later issue) sends the unsent ones and stamps `sent_at`. Until then the
//! operator reads them with `spendlens outbox` ([`OutboxStore::unsent_mail`]).

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
