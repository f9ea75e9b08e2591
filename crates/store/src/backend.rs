//! The one implementation of [`Store`](crate::Store), instantiated for each backend.
//!
//! The SQL is portable between SQLite and PostgreSQL (`$N` parameters, `ON CONFLICT`,
//! `CAST(... AS BIGINT)`), so both backends run the same statements and cannot drift apart; the
//! macro only fixes the pool type. Rejected alternative: sqlx's `Any` driver, which has no date
//! types, and a generic impl over `sqlx::Database`, whose bounds obscure more than they share.

/// Implements `Store` for `$store`, whose field `pool` is a `sqlx::Pool<$db>`. `$begin_write`
/// starts a write transaction: SQLite takes its write lock up front (`BEGIN IMMEDIATE`), so a
/// writer waits for another instead of failing on a read-to-write upgrade. `$numbered` says
/// whether the bulk upsert numbers its parameters (`$1`, PostgreSQL) or leaves them anonymous
/// (`?`, SQLite: its driver resolves each named parameter by a linear search, quadratic over the
/// 7,000 parameters of a 500-row statement).
macro_rules! impl_store {
    ($store:ty, $db:ty, $begin_write:literal, $numbered:literal) => {
        mod store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::Row as _;
            use spendlens_core::campaign::{Campaign, CampaignId, CampaignSpec, OrgId, PlatformSettings, UserId};
            use spendlens_core::daily::DailyRow;
            use spendlens_core::platform::Platform;
            use spendlens_core::totals::PlatformTotals;
            use tracing::instrument;

            use crate::micros::{from_count, from_micros, opt_to_micros, to_count, to_micros};
            use crate::{
                ImportRecord, ImportWriter, Principal, Result, Store, StoreError, StoredSnapshot,
                UpsertCounts, UserCredentials, new_id,
            };

            /// Rows per multi-row statement: 500 × 14 parameters stays under both backends' limits.
            const BATCH_ROWS: usize = 500;

            /// The multi-row upsert for `n` rows.
            fn upsert_sql(n: usize) -> String {
                let mut sql = String::with_capacity(200 + n * 80);
                sql.push_str(
                    "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, \
                     impressions, engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
                     currency, import_id, updated_at) VALUES ",
                );
                for i in 0..n {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push('(');
                    for c in 0..14 {
                        if c > 0 {
                            sql.push(',');
                        }
                        if $numbered {
                            sql.push('$');
                            sql.push_str(&(i * 14 + c + 1).to_string());
                        } else {
                            sql.push('?');
                        }
                    }
                    sql.push(')');
                }
                sql.push_str(
                    " ON CONFLICT (campaign_id, platform, date, external_campaign_id) DO UPDATE SET \
                     spend_micros = excluded.spend_micros, impressions = excluded.impressions, \
                     engagements = excluded.engagements, clicks = excluded.clicks, \
                     conversions_micros = excluded.conversions_micros, \
                     conversion_value_micros = excluded.conversion_value_micros, \
                     revenue_micros = excluded.revenue_micros, currency = excluded.currency, \
                     import_id = excluded.import_id, updated_at = excluded.updated_at",
                );
                sql
            }

            /// The first and last day of the months spanning `from..=to`, and their 'YYYY-MM' names.
            fn month_span(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate, String, String) {
                use chrono::Datelike;
                let first = from.with_day(1).unwrap_or(from);
                let last = to
                    .with_day(1)
                    .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(to);
                (first, last, first.format("%Y-%m").to_string(), last.format("%Y-%m").to_string())
            }

            /// Recomputes the monthly sums of a campaign for the months spanning `from..=to`, inside
            /// the transaction that changed its rows.
            async fn refresh_months(
                tx: &mut sqlx::Transaction<'static, $db>,
                campaign_id: &str,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<()> {
                let (first, last, first_month, last_month) = month_span(from, to);
                sqlx::query("DELETE FROM monthly_totals WHERE campaign_id = $1 AND month >= $2 AND month <= $3")
                    .bind(campaign_id)
                    .bind(&first_month)
                    .bind(&last_month)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO monthly_totals (campaign_id, platform, month, spend_micros, impressions, engagements, \
                     clicks, conversions_micros, conversion_value_micros, revenue_micros, row_count) \
                     SELECT campaign_id, platform, substr(CAST(date AS TEXT), 1, 7), SUM(spend_micros), SUM(impressions), \
                     SUM(engagements), SUM(clicks), SUM(conversions_micros), SUM(conversion_value_micros), \
                     SUM(revenue_micros), COUNT(*) FROM daily_metrics \
                     WHERE campaign_id = $1 AND date >= $2 AND date <= $3 \
                     GROUP BY campaign_id, platform, substr(CAST(date AS TEXT), 1, 7)",
                )
                .bind(campaign_id)
                .bind(first)
                .bind(last)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Marks a campaign's analysis as changed (see migration 0003).
            const BUMP_VERSION: &str = "UPDATE campaigns SET data_version = data_version + 1 WHERE id = $1";

            /// The import writer: one open transaction.
            struct Writer {
                tx: sqlx::Transaction<'static, $db>,
                campaign_id: String,
                import_id: String,
                now: DateTime<Utc>,
                full_batch_sql: String,
                rows: i64,
                span: Option<(NaiveDate, NaiveDate)>,
            }

            impl std::fmt::Debug for Writer {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct("Writer").field("import_id", &self.import_id).finish_non_exhaustive()
                }
            }

            #[async_trait]
            impl ImportWriter for Writer {
                async fn write(&mut self, rows: &[DailyRow]) -> Result<()> {
                    for chunk in rows.chunks(BATCH_ROWS) {
                        // One statement cannot touch a key twice: keep the last row of each key.
                        let mut last: std::collections::HashMap<(Platform, NaiveDate, &str), usize> =
                            std::collections::HashMap::with_capacity(chunk.len());
                        for (i, r) in chunk.iter().enumerate() {
                            last.insert((r.platform, r.date, r.external_campaign_id.as_str()), i);
                        }
                        let mut keep: Vec<usize> = last.into_values().collect();
                        keep.sort_unstable();
                        let values = keep
                            .iter()
                            .map(|&i| Values::of(&chunk[i]).map(|v| (&chunk[i], v)))
                            .collect::<Result<Vec<_>>>()?;
                        let owned_sql;
                        let sql = if values.len() == BATCH_ROWS {
                            self.full_batch_sql.as_str()
                        } else {
                            owned_sql = upsert_sql(values.len());
                            owned_sql.as_str()
                        };
                        let mut query = sqlx::query(sql);
                        for (row, v) in &values {
                            query = query
                                .bind(self.campaign_id.as_str())
                                .bind(row.platform.as_str())
                                .bind(row.date)
                                .bind(row.external_campaign_id.as_str())
                                .bind(v.spend)
                                .bind(v.impressions)
                                .bind(v.engagements)
                                .bind(v.clicks)
                                .bind(v.conversions)
                                .bind(v.conversion_value)
                                .bind(v.revenue)
                                .bind(v.currency.clone())
                                .bind(self.import_id.as_str())
                                .bind(self.now);
                        }
                        query.execute(&mut *self.tx).await?;
                        self.rows += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
                        for (row, _) in &values {
                            self.span = Some(match self.span {
                                None => (row.date, row.date),
                                Some((a, b)) => (a.min(row.date), b.max(row.date)),
                            });
                        }
                    }
                    Ok(())
                }

                async fn commit(self: Box<Self>, content_hash: Option<String>) -> Result<String> {
                    let Writer { mut tx, import_id, rows, span, campaign_id, .. } = *self;
                    if let Some((from, to)) = span {
                        refresh_months(&mut tx, &campaign_id, from, to).await?;
                    }
                    sqlx::query(BUMP_VERSION).bind(&campaign_id).execute(&mut *tx).await?;
                    sqlx::query("UPDATE imports SET row_count = $1, content_hash = COALESCE($2, content_hash) WHERE id = $3")
                        .bind(rows)
                        .bind(content_hash)
                        .bind(&import_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(import_id)
                }
            }

            type DbRow = <$db as sqlx::Database>::Row;

            const CAMPAIGN_COLUMNS: &str =
                "id, org_id, name, currency, budget_micros, start_date, end_date, time_zone";

            fn campaign(row: &DbRow) -> Result<Campaign> {
                let budget: Option<i64> = row.try_get("budget_micros")?;
                Ok(Campaign {
                    id: CampaignId::new(row.try_get::<String, _>("id")?),
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                    spec: CampaignSpec {
                        name: row.try_get("name")?,
                        currency: row.try_get("currency")?,
                        budget: budget.map(from_micros),
                        start_date: row.try_get("start_date")?,
                        end_date: row.try_get("end_date")?,
                        time_zone: row.try_get("time_zone")?,
                    },
                })
            }

            fn snapshot(row: &DbRow) -> Result<StoredSnapshot> {
                Ok(StoredSnapshot {
                    date: row.try_get("date")?,
                    spend: from_micros(row.try_get("spend_micros")?),
                    impressions: from_count(row.try_get("impressions")?),
                    clicks: from_count(row.try_get("clicks")?),
                    conversions: from_micros(row.try_get("conversions_micros")?),
                    revenue: from_micros(row.try_get("revenue_micros")?),
                    aov: from_micros(row.try_get("aov_micros")?),
                })
            }

            /// The platform settings columns of a row (NULL when the campaign has none).
            fn settings_of(row: &DbRow) -> Result<PlatformSettings> {
                let get = |col: &str| -> Result<Option<rust_decimal::Decimal>> {
                    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_micros))
                };
                Ok(PlatformSettings {
                    linkedin_conversion_value: get("linkedin_conversion_value_micros")?,
                    ga4_average_order_value: get("ga4_aov_micros")?,
                    custom_integration_average_order_value: get("custom_integration_aov_micros")?,
                })
            }

            fn principal(row: &DbRow) -> Result<Principal> {
                Ok(Principal {
                    user_id: UserId::new(row.try_get::<String, _>("user_id")?),
                    org_id: OrgId::new(row.try_get::<String, _>("org_id")?),
                })
            }

            fn conflict(e: sqlx::Error, what: &'static str) -> StoreError {
                match &e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
                    _ => StoreError::Database(e),
                }
            }

            /// The stored form of a daily row's values, in column order after the key.
            struct Values {
                spend: i64,
                impressions: i64,
                engagements: i64,
                clicks: i64,
                conversions: i64,
                conversion_value: Option<i64>,
                revenue: Option<i64>,
                currency: Option<String>,
            }

            impl Values {
                fn of(row: &DailyRow) -> Result<Self> {
                    Ok(Values {
                        spend: to_micros(row.spend)?,
                        impressions: to_count(row.impressions)?,
                        engagements: to_count(row.engagements)?,
                        clicks: to_count(row.clicks)?,
                        conversions: to_micros(row.conversions)?,
                        conversion_value: opt_to_micros(row.conversion_value)?,
                        revenue: opt_to_micros(row.revenue)?,
                        currency: row.currency.clone(),
                    })
                }

                fn read(row: &DbRow) -> Result<Self> {
                    Ok(Values {
                        spend: row.try_get("spend_micros")?,
                        impressions: row.try_get("impressions")?,
                        engagements: row.try_get("engagements")?,
                        clicks: row.try_get("clicks")?,
                        conversions: row.try_get("conversions_micros")?,
                        conversion_value: row.try_get("conversion_value_micros")?,
                        revenue: row.try_get("revenue_micros")?,
                        currency: row.try_get("currency")?,
                    })
                }

                fn same(&self, other: &Values) -> bool {
                    (self.spend, self.impressions, self.engagements, self.clicks, self.conversions,
                     self.conversion_value, self.revenue, &self.currency)
                        == (other.spend, other.impressions, other.engagements, other.clicks,
                            other.conversions, other.conversion_value, other.revenue, &other.currency)
                }
            }

            #[async_trait]
            impl Store for $store {
                #[instrument(skip_all)]
                async fn create_account(
                    &self,
                    email: &str,
                    password_hash: &str,
                    organization_name: &str,
                    now: DateTime<Utc>,
                ) -> Result<Principal> {
                    let user_id = new_id();
                    let org_id = new_id();
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    sqlx::query("INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(&user_id)
                        .bind(email.trim().to_lowercase())
                        .bind(password_hash)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| conflict(e, "email"))?;
                    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                        .bind(&org_id)
                        .bind(organization_name)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'owner')")
                        .bind(&user_id)
                        .bind(&org_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Principal { user_id: UserId::new(user_id), org_id: OrgId::new(org_id) })
                }

                #[instrument(skip_all)]
                async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>> {
                    let row = sqlx::query(
                        "SELECT u.id, u.email, u.password_hash, m.org_id FROM users u \
                         JOIN memberships m ON m.user_id = u.id WHERE u.email = $1 \
                         ORDER BY m.org_id LIMIT 1",
                    )
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(UserCredentials {
                            user_id: UserId::new(r.try_get::<String, _>("id")?),
                            org_id: OrgId::new(r.try_get::<String, _>("org_id")?),
                            email: r.try_get("email")?,
                            password_hash: r.try_get("password_hash")?,
                        })
                    })
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn create_session(
                    &self,
                    token_hash: &str,
                    principal: &Principal,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query("INSERT INTO sessions (token_hash, user_id, org_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(token_hash)
                        .bind(principal.user_id.as_str())
                        .bind(principal.org_id.as_str())
                        .bind(now)
                        .bind(expires_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>> {
                    let row = sqlx::query("SELECT user_id, org_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                        .bind(token_hash)
                        .bind(now)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(principal).transpose()
                }

                #[instrument(skip_all)]
                async fn delete_session(&self, token_hash: &str) -> Result<()> {
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn create_api_token(
                    &self,
                    name: &str,
                    token_hash: &str,
                    principal: &Principal,
                    now: DateTime<Utc>,
                ) -> Result<String> {
                    let id = new_id();
                    sqlx::query("INSERT INTO api_tokens (id, token_hash, name, user_id, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&id)
                        .bind(token_hash)
                        .bind(name)
                        .bind(principal.user_id.as_str())
                        .bind(principal.org_id.as_str())
                        .bind(now)
                        .execute(&self.pool)
                        .await
                        .map_err(|e| conflict(e, "token"))?;
                    Ok(id)
                }

                #[instrument(skip_all)]
                async fn api_token(&self, token_hash: &str) -> Result<Option<Principal>> {
                    let row = sqlx::query("SELECT user_id, org_id FROM api_tokens WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(principal).transpose()
                }

                #[instrument(skip_all)]
                async fn create_campaign(&self, org: &OrgId, spec: &CampaignSpec, now: DateTime<Utc>) -> Result<Campaign> {
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO campaigns (id, org_id, name, currency, budget_micros, start_date, end_date, time_zone, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                    )
                    .bind(&id)
                    .bind(org.as_str())
                    .bind(&spec.name)
                    .bind(&spec.currency)
                    .bind(opt_to_micros(spec.budget)?)
                    .bind(spec.start_date)
                    .bind(spec.end_date)
                    .bind(&spec.time_zone)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(Campaign { id: CampaignId::new(id), org_id: org.clone(), spec: spec.clone() })
                }

                #[instrument(skip_all)]
                async fn list_campaigns(&self, org: &OrgId) -> Result<Vec<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE org_id = $1 ORDER BY name, id");
                    let rows = sqlx::query(&sql).bind(org.as_str()).fetch_all(&self.pool).await?;
                    rows.iter().map(campaign).collect()
                }

                #[instrument(skip_all)]
                async fn campaign(&self, org: &OrgId, id: &CampaignId) -> Result<Option<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND org_id = $2");
                    let row = sqlx::query(&sql)
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(campaign).transpose()
                }

                #[instrument(skip_all)]
                async fn update_campaign(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    spec: &CampaignSpec,
                    now: DateTime<Utc>,
                ) -> Result<Option<Campaign>> {
                    let done = sqlx::query(
                        "UPDATE campaigns SET name = $1, currency = $2, budget_micros = $3, start_date = $4, \
                         end_date = $5, time_zone = $6, updated_at = $7, data_version = data_version + 1 \
                         WHERE id = $8 AND org_id = $9",
                    )
                    .bind(&spec.name)
                    .bind(&spec.currency)
                    .bind(opt_to_micros(spec.budget)?)
                    .bind(spec.start_date)
                    .bind(spec.end_date)
                    .bind(&spec.time_zone)
                    .bind(now)
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .execute(&self.pool)
                    .await?;
                    Ok((done.rows_affected() == 1).then(|| Campaign {
                        id: id.clone(),
                        org_id: org.clone(),
                        spec: spec.clone(),
                    }))
                }

                #[instrument(skip_all)]
                async fn delete_campaign(&self, org: &OrgId, id: &CampaignId) -> Result<bool> {
                    let done = sqlx::query("DELETE FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                #[instrument(skip_all)]
                async fn all_campaigns(&self) -> Result<Vec<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY id");
                    let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                    rows.iter().map(campaign).collect()
                }

                #[instrument(skip_all)]
                async fn campaign_with_settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<(Campaign, PlatformSettings, i64)>> {
                    let row = sqlx::query(
                        "SELECT c.id, c.org_id, c.name, c.currency, c.budget_micros, c.start_date, c.end_date, c.time_zone, c.data_version, \
                         s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| Ok((campaign(&r)?, settings_of(&r)?, r.try_get::<i64, _>("data_version")?)))
                        .transpose()
                }

                #[instrument(skip_all)]
                async fn settings(&self, org: &OrgId, id: &CampaignId) -> Result<Option<PlatformSettings>> {
                    let row = sqlx::query(
                        "SELECT c.id, s.linkedin_conversion_value_micros, s.ga4_aov_micros, s.custom_integration_aov_micros \
                         FROM campaigns c LEFT JOIN platform_settings s ON s.campaign_id = c.id \
                         WHERE c.id = $1 AND c.org_id = $2",
                    )
                    .bind(id.as_str())
                    .bind(org.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(settings_of)
                    .transpose()
                }

                #[instrument(skip_all)]
                async fn put_settings(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    settings: &PlatformSettings,
                    now: DateTime<Utc>,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(false);
                    }
                    sqlx::query(
                        "INSERT INTO platform_settings (campaign_id, linkedin_conversion_value_micros, ga4_aov_micros, \
                         custom_integration_aov_micros, updated_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (campaign_id) DO UPDATE SET \
                         linkedin_conversion_value_micros = excluded.linkedin_conversion_value_micros, \
                         ga4_aov_micros = excluded.ga4_aov_micros, \
                         custom_integration_aov_micros = excluded.custom_integration_aov_micros, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(id.as_str())
                    .bind(opt_to_micros(settings.linkedin_conversion_value)?)
                    .bind(opt_to_micros(settings.ga4_average_order_value)?)
                    .bind(opt_to_micros(settings.custom_integration_average_order_value)?)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(BUMP_VERSION).bind(id.as_str()).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                #[instrument(skip_all, fields(rows = rows.len()))]
                async fn upsert_rows(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    rows: &[DailyRow],
                    import: Option<&ImportRecord>,
                    now: DateTime<Utc>,
                ) -> Result<Option<UpsertCounts>> {
                    // Convert everything first: a value that cannot be stored fails the batch
                    // before anything is written.
                    let values = rows.iter().map(Values::of).collect::<Result<Vec<_>>>()?;
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(None);
                    }
                    let import_id = match import {
                        None => None,
                        Some(record) => {
                            let import_id = new_id();
                            sqlx::query(
                                "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            )
                            .bind(&import_id)
                            .bind(id.as_str())
                            .bind(&record.source)
                            .bind(&record.file_name)
                            .bind(&record.content_hash)
                            .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                            Some(import_id)
                        }
                    };
                    let mut counts = UpsertCounts::default();
                    let mut span: Option<(NaiveDate, NaiveDate)> = None;
                    for (row, new) in rows.iter().zip(&values) {
                        let existing = sqlx::query(
                            "SELECT spend_micros, impressions, engagements, clicks, conversions_micros, \
                             conversion_value_micros, revenue_micros, currency FROM daily_metrics \
                             WHERE campaign_id = $1 AND platform = $2 AND date = $3 AND external_campaign_id = $4",
                        )
                        .bind(id.as_str())
                        .bind(row.platform.as_str())
                        .bind(row.date)
                        .bind(&row.external_campaign_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let sql = match existing.as_ref().map(Values::read).transpose()? {
                            Some(old) if old.same(new) => {
                                counts.unchanged += 1;
                                continue;
                            }
                            Some(_) => {
                                counts.updated += 1;
                                "UPDATE daily_metrics SET spend_micros = $5, impressions = $6, engagements = $7, \
                                 clicks = $8, conversions_micros = $9, conversion_value_micros = $10, revenue_micros = $11, \
                                 currency = $12, import_id = $13, updated_at = $14 \
                                 WHERE campaign_id = $1 AND platform = $2 AND date = $3 AND external_campaign_id = $4"
                            }
                            None => {
                                counts.inserted += 1;
                                "INSERT INTO daily_metrics (campaign_id, platform, date, external_campaign_id, spend_micros, \
                                 impressions, engagements, clicks, conversions_micros, conversion_value_micros, revenue_micros, \
                                 currency, import_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                            }
                        };
                        sqlx::query(sql)
                            .bind(id.as_str())
                            .bind(row.platform.as_str())
                            .bind(row.date)
                            .bind(&row.external_campaign_id)
                            .bind(new.spend)
                            .bind(new.impressions)
                            .bind(new.engagements)
                            .bind(new.clicks)
                            .bind(new.conversions)
                            .bind(new.conversion_value)
                            .bind(new.revenue)
                            .bind(&new.currency)
                            .bind(&import_id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        span = Some(match span {
                            None => (row.date, row.date),
                            Some((a, b)) => (a.min(row.date), b.max(row.date)),
                        });
                    }
                    if let Some((from, to)) = span {
                        refresh_months(&mut tx, id.as_str(), from, to).await?;
                        sqlx::query(BUMP_VERSION).bind(id.as_str()).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(Some(counts))
                }

                #[instrument(skip_all)]
                async fn begin_import(
                    &self,
                    org: &OrgId,
                    id: &CampaignId,
                    record: &ImportRecord,
                    now: DateTime<Utc>,
                ) -> Result<Option<Box<dyn ImportWriter>>> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let owned = sqlx::query("SELECT id FROM campaigns WHERE id = $1 AND org_id = $2")
                        .bind(id.as_str())
                        .bind(org.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if owned.is_none() {
                        return Ok(None);
                    }
                    let import_id = new_id();
                    sqlx::query(
                        "INSERT INTO imports (id, campaign_id, source, file_name, content_hash, row_count, created_at) \
                         VALUES ($1, $2, $3, $4, $5, 0, $6)",
                    )
                    .bind(&import_id)
                    .bind(id.as_str())
                    .bind(&record.source)
                    .bind(&record.file_name)
                    .bind(&record.content_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    Ok(Some(Box::new(Writer {
                        tx,
                        campaign_id: id.as_str().to_owned(),
                        import_id,
                        now,
                        full_batch_sql: upsert_sql(BATCH_ROWS),
                        rows: 0,
                        span: None,
                    })))
                }

                #[instrument(skip_all)]
                async fn campaign_for_operator(&self, id: &CampaignId) -> Result<Option<Campaign>> {
                    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
                    let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(&self.pool).await?;
                    row.as_ref().map(campaign).transpose()
                }

                #[instrument(skip_all)]
                async fn platform_totals(&self, org: &OrgId, id: &CampaignId, up_to: NaiveDate) -> Result<Vec<PlatformTotals>> {
                    // Closed months from the monthly sums, the rest of `up_to`'s month from the
                    // days: at most a month of rows per platform, whatever the campaign's length.
                    let (month_start, _, month, _) = month_span(up_to, up_to);
                    // Each branch is grouped by platform in SQL, following the index order; the
                    // (at most two) partial sums per platform are added below.
                    const SUMS: &str = "CAST(SUM(spend_micros) AS BIGINT) AS spend, \
                         CAST(SUM(impressions) AS BIGINT) AS impressions, \
                         CAST(SUM(engagements) AS BIGINT) AS engagements, \
                         CAST(SUM(clicks) AS BIGINT) AS clicks, \
                         CAST(SUM(conversions_micros) AS BIGINT) AS conversions, \
                         CAST(SUM(conversion_value_micros) AS BIGINT) AS conversion_value, \
                         CAST(SUM(revenue_micros) AS BIGINT) AS revenue";
                    let sql = format!(
                        "SELECT platform, {SUMS}, CAST(SUM(row_count) AS BIGINT) AS days FROM monthly_totals \
                         WHERE campaign_id = $2 AND month < $3 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform \
                         UNION ALL \
                         SELECT platform, {SUMS}, COUNT(*) AS days FROM daily_metrics \
                         WHERE campaign_id = $2 AND date >= $4 AND date <= $5 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) GROUP BY platform"
                    );
                    let rows = sqlx::query(&sql)
                        .bind(org.as_str())
                        .bind(id.as_str())
                        .bind(&month)
                        .bind(month_start)
                        .bind(up_to)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut totals = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                            continue;
                        };
                        let part = PlatformTotals {
                            platform,
                            spend: from_micros(r.try_get("spend")?),
                            impressions: from_count(r.try_get("impressions")?),
                            engagements: from_count(r.try_get("engagements")?),
                            clicks: from_count(r.try_get("clicks")?),
                            conversions: from_micros(r.try_get("conversions")?),
                            conversion_value: r.try_get::<Option<i64>, _>("conversion_value")?.map(from_micros),
                            revenue: r.try_get::<Option<i64>, _>("revenue")?.map(from_micros),
                            days: from_count(r.try_get("days")?),
                        };
                        match totals.iter_mut().find(|t: &&mut PlatformTotals| t.platform == platform) {
                            None => totals.push(part),
                            Some(t) => {
                                let add = |a: Option<rust_decimal::Decimal>, b: Option<rust_decimal::Decimal>| match (a, b) {
                                    (None, None) => None,
                                    (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
                                };
                                t.spend += part.spend;
                                t.impressions = t.impressions.saturating_add(part.impressions);
                                t.engagements = t.engagements.saturating_add(part.engagements);
                                t.clicks = t.clicks.saturating_add(part.clicks);
                                t.conversions += part.conversions;
                                t.conversion_value = add(t.conversion_value, part.conversion_value);
                                t.revenue = add(t.revenue, part.revenue);
                                t.days = t.days.saturating_add(part.days);
                            }
                        }
                    }
                    totals.sort_by_key(|t| t.platform);
                    Ok(totals)
                }

                #[instrument(skip_all)]
                async fn write_snapshot(&self, campaign_id: &CampaignId, s: &StoredSnapshot, now: DateTime<Utc>) -> Result<bool> {
                    let mut tx = self.pool.begin_with($begin_write).await?;
                    let done = sqlx::query(
                        "INSERT INTO snapshots (campaign_id, date, spend_micros, impressions, clicks, conversions_micros, \
                         revenue_micros, aov_micros, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (campaign_id, date) DO NOTHING",
                    )
                    .bind(campaign_id.as_str())
                    .bind(s.date)
                    .bind(to_micros(s.spend)?)
                    .bind(to_count(s.impressions)?)
                    .bind(to_count(s.clicks)?)
                    .bind(to_micros(s.conversions)?)
                    .bind(to_micros(s.revenue)?)
                    .bind(to_micros(s.aov)?)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let written = done.rows_affected() == 1;
                    if written {
                        sqlx::query(BUMP_VERSION).bind(campaign_id.as_str()).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(written)
                }

                #[instrument(skip_all)]
                async fn snapshot_closest(&self, org: &OrgId, id: &CampaignId, date: NaiveDate) -> Result<Option<StoredSnapshot>> {
                    // The nearest snapshot at or before the date and the nearest after it, in
                    // one round trip; the closer wins, the earlier on a tie.
                    let rows = sqlx::query(
                        "SELECT * FROM (SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, \
                         s.revenue_micros, s.aov_micros FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 AND s.date <= $3 ORDER BY s.date DESC LIMIT 1) AS before_day \
                         UNION ALL \
                         SELECT * FROM (SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, \
                         s.revenue_micros, s.aov_micros FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 AND s.date > $3 ORDER BY s.date ASC LIMIT 1) AS after_day",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(date)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut found = rows.iter().map(snapshot).collect::<Result<Vec<_>>>()?;
                    found.sort_by_key(|s| s.date);
                    // min_by_key keeps the first of equals: the earlier snapshot wins a tie.
                    Ok(found.into_iter().min_by_key(|s| (s.date - date).num_days().abs()))
                }

                #[instrument(skip_all)]
                async fn snapshots(&self, org: &OrgId, id: &CampaignId) -> Result<Vec<StoredSnapshot>> {
                    let rows = sqlx::query(
                        "SELECT s.date, s.spend_micros, s.impressions, s.clicks, s.conversions_micros, s.revenue_micros, s.aov_micros \
                         FROM snapshots s JOIN campaigns c ON c.id = s.campaign_id \
                         WHERE c.org_id = $1 AND s.campaign_id = $2 ORDER BY s.date",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(snapshot).collect()
                }

                #[instrument(skip_all)]
                async fn daily_series(&self, org: &OrgId, id: &CampaignId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRow>> {
                    let rows = sqlx::query(
                        "SELECT date, platform, CAST(SUM(spend_micros) AS BIGINT) AS spend, \
                         CAST(SUM(impressions) AS BIGINT) AS impressions, CAST(SUM(engagements) AS BIGINT) AS engagements, \
                         CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(conversions_micros) AS BIGINT) AS conversions, \
                         CAST(SUM(conversion_value_micros) AS BIGINT) AS conversion_value, \
                         CAST(SUM(revenue_micros) AS BIGINT) AS revenue, MIN(currency) AS currency \
                         FROM daily_metrics WHERE campaign_id = $2 AND date >= $3 AND date <= $4 \
                         AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $2 AND c.org_id = $1) \
                         GROUP BY date, platform ORDER BY date, platform",
                    )
                    .bind(org.as_str())
                    .bind(id.as_str())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let name: String = r.try_get("platform")?;
                        let Ok(platform) = name.parse::<Platform>() else {
                            tracing::warn!(platform = %name, "skipping rows of an unknown platform");
                            continue;
                        };
                        out.push(DailyRow {
                            date: r.try_get("date")?,
                            platform,
                            external_campaign_id: String::new(),
                            spend: from_micros(r.try_get("spend")?),
                            impressions: from_count(r.try_get("impressions")?),
                            engagements: from_count(r.try_get("engagements")?),
                            clicks: from_count(r.try_get("clicks")?),
                            conversions: from_micros(r.try_get("conversions")?),
                            conversion_value: r.try_get::<Option<i64>, _>("conversion_value")?.map(from_micros),
                            revenue: r.try_get::<Option<i64>, _>("revenue")?.map(from_micros),
                            currency: r.try_get("currency")?,
                        });
                    }
                    Ok(out)
                }

                async fn ping(&self) -> Result<()> {
                    sqlx::query("SELECT 1").execute(&self.pool).await?;
                    Ok(())
                }

                #[instrument(skip_all)]
                async fn claim_job_run(&self, job: &str, run_key: &str, instance: &str, now: DateTime<Utc>) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO job_runs (job, run_key, instance, started_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (job, run_key) DO NOTHING",
                    )
                    .bind(job)
                    .bind(run_key)
                    .bind(instance)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}

pub(crate) use impl_store;
