//! Platform API connections and OAuth authorisations in flight.
//!
//! A connection ties one platform account (LinkedIn sponsored account, Meta ad account, GA4
//! property, spreadsheet, Google Ads customer) to one campaign. Its credentials arrive here
//! already sealed by the app (see `spendlens_connect::TokenCipher`): the store keeps an opaque
//! blob and never sees a token in clear. Every method a request can reach takes the caller's
//! [`OrgId`]; another organisation's connection is not found.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, OrgId};

use crate::Result;

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Created, waiting for the user to finish the OAuth authorisation.
    Pending,
    /// Authorised; the last sync (if any) succeeded.
    Active,
    /// The last sync failed for a reason a later sync may not have (see `last_error`).
    Error,
    /// The platform rejected the grant: the user must authorise again. The scheduler skips it.
    Reauthorize,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Pending => "pending",
            ConnectionStatus::Active => "active",
            ConnectionStatus::Error => "error",
            ConnectionStatus::Reauthorize => "reauthorize",
        }
    }

    pub(crate) fn parse(s: &str) -> ConnectionStatus {
        match s {
            "active" => ConnectionStatus::Active,
            "error" => ConnectionStatus::Error,
            "reauthorize" => ConnectionStatus::Reauthorize,
            _ => ConnectionStatus::Pending,
        }
    }
}

/// A connection to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConnection {
    pub platform: Platform,
    pub account_id: String,
    /// Platform options as JSON text (owned by the app).
    pub options: String,
    /// `oauth`, `token` or `service_account`.
    pub auth_kind: String,
    /// Sealed credentials, when the user gave them directly (a token or a key).
    pub credentials: Option<String>,
    pub status: ConnectionStatus,
}

/// A stored connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    pub org_id: OrgId,
    pub campaign_id: CampaignId,
    pub platform: Platform,
    pub account_id: String,
    pub options: String,
    pub auth_kind: String,
    /// The sealed credentials (never shown to anyone).
    pub credentials: Option<String>,
    pub status: ConnectionStatus,
    /// The last day of data the last successful sync stored.
    pub last_synced_date: Option<NaiveDate>,
    /// The day (in the campaign's time zone) the last successful sync ran.
    pub synced_on: Option<NaiveDate>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Rows the last successful sync stored.
    pub last_rows: u64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the grant stops working and the user must authorise again (`None`: not known, or
    /// it does not expire).
    pub grant_expires_at: Option<DateTime<Utc>>,
    /// What the last successful sync found that the rows alone do not say (our words).
    pub notice: Option<String>,
    /// No scheduled sync before this instant (a quota comes back then).
    pub retry_at: Option<DateTime<Utc>>,
    /// The grant end the re-authorisation alert was delivered for.
    pub reauth_alerted_for: Option<DateTime<Utc>>,
}

/// What a sync attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncRecord {
    /// Rows up to `last_synced_date` were stored on `synced_on`; `notice` replaces the stored
    /// one (`None` clears it), and any scheduled retry is cleared.
    Succeeded {
        last_synced_date: Option<NaiveDate>,
        synced_on: NaiveDate,
        rows: u64,
        notice: Option<String>,
    },
    /// Nothing was stored; the connection moves to `status` with `error` (already free of
    /// secrets: the connectors never put a token or URL in an error). `retry_at`: no scheduled
    /// sync before then (a quota's reset); `None` clears it.
    Failed {
        status: ConnectionStatus,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// The conflict of a second connection of a platform keyed by campaign name
/// ([`Platform::keyed_by_campaign_name`]) on one campaign.
pub const ONE_PER_CAMPAIGN: &str = "one_per_campaign";

/// Storage of connections.
#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Creates a connection on a campaign of the organisation; `None` when the campaign is not
    /// found there, `Conflict("connection")` when the account is already connected to it,
    /// `Conflict(ONE_PER_CAMPAIGN)` when the platform is keyed by campaign name and another
    /// account of it is connected to the campaign (checked under the campaign's row, so two
    /// created at once cannot both pass).
    async fn create_connection(
        &self,
        org: &OrgId,
        campaign: &CampaignId,
        new: &NewConnection,
        now: DateTime<Utc>,
    ) -> Result<Option<Connection>>;

    /// The connections of a campaign of the organisation, oldest first.
    async fn connections(&self, org: &OrgId, campaign: &CampaignId) -> Result<Vec<Connection>>;

    /// One connection of the organisation.
    async fn connection(&self, org: &OrgId, id: &str) -> Result<Option<Connection>>;

    /// Every connection of every organisation (for the scheduler and operator tools).
    async fn all_connections(&self) -> Result<Vec<Connection>>;

    /// Replaces the sealed credentials and the status (after an OAuth callback or a refresh).
    async fn set_credentials(
        &self,
        id: &str,
        credentials: Option<&str>,
        status: ConnectionStatus,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Records a sync attempt.
    async fn record_sync(&self, id: &str, record: &SyncRecord, now: DateTime<Utc>) -> Result<()>;

    /// Records when the connection's grant ends (after an authorisation or a refresh).
    async fn set_grant_expires_at(&self, id: &str, at: Option<DateTime<Utc>>) -> Result<()>;

    /// Records that the re-authorisation alert for the grant ending at `grant_end` was delivered.
    async fn mark_reauth_alerted(&self, id: &str, grant_end: DateTime<Utc>) -> Result<()>;

    /// Deletes a connection of the organisation (the rows it synced stay); false when not found.
    async fn delete_connection(&self, org: &OrgId, id: &str) -> Result<bool>;

    /// Remembers an OAuth authorisation in flight under the hash of its state.
    async fn put_oauth_state(
        &self,
        state_hash: &str,
        connection_id: &str,
        pkce_verifier: Option<&str>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Takes (once) the unexpired authorisation stored under `state_hash`: the connection id
    /// and the sealed PKCE verifier.
    async fn take_oauth_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, Option<String>)>>;
}

/// Implements [`ConnectionStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with
/// the same portable SQL on both backends.
macro_rules! impl_connection_store {
    ($store:ty, $db:ty) => {
        mod connection_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use spendlens_core::Platform;
            use spendlens_core::campaign::{CampaignId, OrgId};
            use sqlx::Row as _;
            use tracing::instrument;

            use crate::connections::{
                ONE_PER_CAMPAIGN,
                Connection, ConnectionStatus, ConnectionStore, NewConnection, SyncRecord,
            };
            use crate::micros::{from_count, to_count};
            use crate::campaigns::LOCK_CAMPAIGN;
            use crate::{Result, StoreError, new_id};

            const COLUMNS: &str = "id, org_id, campaign_id, platform, account_id, options, auth_kind, \
                credentials, status, last_synced_date, synced_on, last_sync_at, last_rows, last_error, created_at, \
                grant_expires_at, notice, retry_at, reauth_alerted_for";

            fn connection(r: &<$db as sqlx::Database>::Row) -> Result<Connection> {
                let platform: String = r.try_get("platform")?;
                let platform = platform.parse::<Platform>().map_err(|_| {
                    StoreError::Invalid(format!("connection with an unknown platform {platform:?}"))
                })?;
                let status: String = r.try_get("status")?;
                Ok(Connection {
                    id: r.try_get("id")?,
                    org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                    campaign_id: CampaignId::new(r.try_get::<String, _>("campaign_id")?),
                    platform,
                    account_id: r.try_get("account_id")?,
                    options: r.try_get("options")?,
                    auth_kind: r.try_get("auth_kind")?,
                    credentials: r.try_get("credentials")?,
                    status: ConnectionStatus::parse(&status),
                    last_synced_date: r.try_get("last_synced_date")?,
                    synced_on: r.try_get("synced_on")?,
                    last_sync_at: r.try_get("last_sync_at")?,
                    last_rows: from_count(r.try_get("last_rows")?),
                    last_error: r.try_get("last_error")?,
                    created_at: r.try_get("created_at")?,
                    grant_expires_at: r.try_get("grant_expires_at")?,
                    notice: r.try_get("notice")?,
                    retry_at: r.try_get("retry_at")?,
                    reauth_alerted_for: r.try_get("reauth_alerted_for")?,
                })
            }

            #[async_trait]
            impl ConnectionStore for $store {
                #[instrument(skip_all)]
                async fn create_connection(
                    &self,
                    org: &OrgId,
                    campaign: &CampaignId,
                    new: &NewConnection,
                    now: DateTime<Utc>,
                ) -> Result<Option<Connection>> {
                    let id = new_id();
                    let mut tx = self.pool.begin().await?;
                    let owned = sqlx::query(LOCK_CAMPAIGN)
                        .bind(campaign.as_str())
                        .bind(org.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if owned.rows_affected() != 1 {
                        return Ok(None);
                    }
                    if new.platform.keyed_by_campaign_name() {
                        let other: Option<String> = sqlx::query_scalar(
                            "SELECT id FROM connections WHERE campaign_id = $1 AND platform = $2 AND account_id <> $3",
                        )
                        .bind(campaign.as_str())
                        .bind(new.platform.as_str())
                        .bind(&new.account_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if other.is_some() {
                            return Err(StoreError::Conflict(ONE_PER_CAMPAIGN));
                        }
                    }
                    sqlx::query(
                        "INSERT INTO connections (id, org_id, campaign_id, platform, account_id, options, auth_kind, \
                         credentials, status, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                    )
                    .bind(&id)
                    .bind(org.as_str())
                    .bind(campaign.as_str())
                    .bind(new.platform.as_str())
                    .bind(&new.account_id)
                    .bind(&new.options)
                    .bind(&new.auth_kind)
                    .bind(&new.credentials)
                    .bind(new.status.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(db) if db.is_unique_violation() => {
                            StoreError::Conflict("connection")
                        }
                        other => other.into(),
                    })?;
                    tx.commit().await?;
                    self.connection(org, &id).await
                }

                #[instrument(skip_all)]
                async fn connections(&self, org: &OrgId, campaign: &CampaignId) -> Result<Vec<Connection>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM connections WHERE org_id = $1 AND campaign_id = $2 ORDER BY created_at, id"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(campaign.as_str())
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(connection).collect()
                }

                #[instrument(skip_all)]
                async fn connection(&self, org: &OrgId, id: &str) -> Result<Option<Connection>> {
                    let sql = format!("SELECT {COLUMNS} FROM connections WHERE id = $1 AND org_id = $2");
                    let row = sqlx::query(&sql)
                        .bind(id)
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(connection).transpose()
                }

                #[instrument(skip_all)]
                async fn all_connections(&self) -> Result<Vec<Connection>> {
                    let sql = format!("SELECT {COLUMNS} FROM connections ORDER BY created_at, id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(connection).collect()
                }

                #[instrument(skip_all)]
                async fn set_credentials(
                    &self,
                    id: &str,
                    credentials: Option<&str>,
                    status: ConnectionStatus,
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE connections SET credentials = $2, status = $3, updated_at = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(credentials)
                    .bind(status.as_str())
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn record_sync(&self, id: &str, record: &SyncRecord, now: DateTime<Utc>) -> Result<()> {
                    match record {
                        SyncRecord::Succeeded { last_synced_date, synced_on, rows, notice } => {
                            sqlx::query(
                                "UPDATE connections SET status = 'active', \
                                 last_synced_date = CASE WHEN last_synced_date IS NULL OR last_synced_date < $2 \
                                   THEN $2 ELSE last_synced_date END, \
                                 synced_on = $3, last_sync_at = $4, last_rows = $5, last_error = NULL, updated_at = $4, \
                                 notice = $6, retry_at = NULL \
                                 WHERE id = $1",
                            )
                            .bind(id)
                            .bind(*last_synced_date)
                            .bind(*synced_on)
                            .bind(now)
                            .bind(to_count(*rows)?)
                            .bind(notice)
                            .execute(&self.pool)
                            .await?;
                        }
                        SyncRecord::Failed { status, error, retry_at } => {
                            sqlx::query(
                                "UPDATE connections SET status = $2, last_error = $3, last_sync_at = $4, updated_at = $4, \
                                 retry_at = $5 WHERE id = $1",
                            )
                            .bind(id)
                            .bind(status.as_str())
                            .bind(error)
                            .bind(now)
                            .bind(*retry_at)
                            .execute(&self.pool)
                            .await?;
                        }
                    }
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn set_grant_expires_at(&self, id: &str, at: Option<DateTime<Utc>>) -> Result<()> {
                    sqlx::query("UPDATE connections SET grant_expires_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn mark_reauth_alerted(&self, id: &str, grant_end: DateTime<Utc>) -> Result<()> {
                    sqlx::query("UPDATE connections SET reauth_alerted_for = $2 WHERE id = $1")
                        .bind(id)
                        .bind(grant_end)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn delete_connection(&self, org: &OrgId, id: &str) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM connections WHERE id = $1 AND org_id = $2")
                        .bind(id)
                        .bind(org.as_str())
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                }

                #[instrument(skip_all)]
                async fn put_oauth_state(
                    &self,
                    state_hash: &str,
                    connection_id: &str,
                    pkce_verifier: Option<&str>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO oauth_states (state_hash, connection_id, pkce_verifier, expires_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(state_hash)
                    .bind(connection_id)
                    .bind(pkce_verifier)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn take_oauth_state(
                    &self,
                    state_hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<(String, Option<String>)>> {
                    // DELETE ... RETURNING takes it exactly once, even with two callbacks racing.
                    let row = sqlx::query(
                        "DELETE FROM oauth_states WHERE state_hash = $1 RETURNING connection_id, pkce_verifier, expires_at",
                    )
                    .bind(state_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    let expires_at: DateTime<Utc> = row.try_get("expires_at")?;
                    if expires_at <= now {
                        return Ok(None);
                    }
                    Ok(Some((row.try_get("connection_id")?, row.try_get("pkce_verifier")?)))
                }
            }
        }
    };
}

pub(crate) use impl_connection_store;
