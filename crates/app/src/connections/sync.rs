//! Syncing: one connection's window (the days since its last sync plus the restatement window,
//! or a backfill) fetched and written all or nothing, and the scheduler's daily sweep, claimed per
//! connection and hour in `job_runs` so instances never run the same sync together.
//!
//! A version past its published sunset is refused before any call, naming the setting; a quota
//! that ran out (LinkedIn's daily limit, GA4's daily tokens) fails the sync with the time it comes
//! back, and the sweep leaves the connection alone until then instead of burning more of it.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use spendlens_connect::{DateRange, safe_code, safe_text, sync_window};
use spendlens_core::Platform;
use spendlens_store::{
    Connection, ConnectionStatus, ImportRecord, Store, StoreError, SyncRecord, SyncWindow,
    UpsertCounts,
};

use crate::clock::{is_known_zone, today_in};
use crate::labels::Label;

use super::{ConnectionError, Connections, SweepReport, SyncReport, invalid};

/// The longest failure reason stored on a connection (`last_error`).
pub const MAX_LAST_ERROR_CHARS: usize = 500;

impl Connections {
    /// Syncs one connection: `range` when given (a backfill), otherwise the sync window (the
    /// days since the last sync and the restatement window, up to yesterday in the campaign's
    /// time zone). All or nothing: the fetch returns every row or fails, and the rows are
    /// written in one transaction. A failure is recorded on the connection (status `error`, or
    /// `reauthorize` when the grant was refused) and returned.
    pub async fn sync(
        &self,
        store: &dyn Store,
        connection: &Connection,
        range: Option<DateRange>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, ConnectionError> {
        let result = match self.sync_inner(store, connection, range, now).await {
            // A range the platform keeps no data for is a refusal of the days asked for, not a
            // fault of the connection: said on `from`, and the connection keeps its status.
            Err(ConnectionError::Platform(
                e @ spendlens_connect::ConnectError::BeyondRetention { .. },
            )) => {
                return Err(invalid("from", e.to_string()));
            }
            other => other,
        };
        if let Err(e) = &result {
            let status = match e {
                ConnectionError::Platform(p) if p.requires_reauthorization() => {
                    ConnectionStatus::Reauthorize
                }
                _ => ConnectionStatus::Error,
            };
            // A quota that comes back later: no scheduled attempt before then.
            let retry_at = match e {
                ConnectionError::Platform(p) => p
                    .wait()
                    .and_then(|w| TimeDelta::from_std(w).ok())
                    .and_then(|w| now.checked_add_signed(w)),
                _ => None,
            };
            let mut error = e.to_string();
            if let Some(at) = retry_at {
                error.push_str(&format!(
                    "; the next attempt is after {}",
                    spendlens_core::dates::moment(at)
                ));
            }
            // Every text of the error is ours (platform codes are cleaned in connect); the
            // stored reason is still bounded and kept free of hidden characters.
            let record = SyncRecord::Failed {
                status,
                error: safe_text(&error, MAX_LAST_ERROR_CHARS),
                retry_at,
            };
            if let Err(store_error) = store.record_sync(&connection.id, &record, now).await {
                tracing::warn!(connection = %connection.id, error = %store_error, "could not record a failed sync");
            }
            tracing::warn!(connection = %connection.id, platform = connection.platform.as_str(), error = %e, "sync failed");
        }
        result
    }

    async fn sync_inner(
        &self,
        store: &dyn Store,
        connection: &Connection,
        range: Option<DateRange>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, ConnectionError> {
        let campaign = store
            .campaign(&connection.org_id, &connection.campaign_id)
            .await?
            .ok_or(ConnectionError::NotFound)?;
        let today = today_in(now, &campaign.spec.time_zone);
        let range = match range {
            Some(r) => Some(r),
            None => sync_window(
                connection.last_synced_date,
                today,
                self.settings.restatement_days,
            ),
        };
        let Some(range) = range else {
            return nothing_due(store, connection, today, now).await;
        };
        if let Some(refusal) = self
            .version_of(connection.platform, now.date_naive())
            .and_then(|v| v.refusal())
        {
            return Err(ConnectionError::NotConfigured(refusal));
        }
        let source = self.token_source(connection)?;
        if source.grant_expires_at != connection.grant_expires_at
            && let Err(e) = store
                .set_grant_expires_at(&connection.id, source.grant_expires_at)
                .await
        {
            tracing::warn!(connection = %connection.id, error = %e, "could not store the grant's end");
        }
        let connector = self.connector(connection, source.token.clone(), self.sync_http(now))?;
        // The account's reporting days may end later than the campaign's (a London campaign on
        // a Los Angeles account): a day still running in the account's time zone is not read as
        // complete. Without the account's zone (a platform that does not say, one spendlens
        // does not know, or an answer that fails), the campaign's days decide. A spreadsheet's
        // time zone says nothing of when its figures are complete: not asked.
        let account_zone = if connection.platform == Platform::Sheets {
            None
        } else {
            match connector.account_info(&connection.account_id).await {
                Ok(info) => info.time_zone.filter(|z| is_known_zone(z)),
                Err(e) => {
                    tracing::warn!(connection = %connection.id, error = %e, "the account's time zone could not be read");
                    None
                }
            }
        };
        let range = match account_zone.and_then(|z| today_in(now, &z).pred_opt()) {
            Some(last) if last < range.start() => {
                self.store_refreshed_grant(store, connection, &source, now)
                    .await;
                return nothing_due(store, connection, today, now).await;
            }
            Some(last) if last < range.end() => {
                DateRange::new(range.start(), last).unwrap_or(range)
            }
            _ => range,
        };
        let fetched = match connector.fetch_report(&connection.account_id, range).await {
            Ok(fetched) => fetched,
            // The platform no longer serves the version sent: say which setting changes it.
            Err(e) if e.is_retired_version() => {
                let advice = self
                    .version_of(connection.platform, now.date_naive())
                    .map(|v| v.advice())
                    .unwrap_or_default();
                return Err(ConnectionError::NotConfigured(format!("{e}: {advice}")));
            }
            Err(e) => return Err(e.into()),
        };
        let rows = fetched.rows;
        let notice = (!fetched.notices.is_empty()).then(|| {
            let text: Vec<String> = fetched.notices.iter().map(ToString::to_string).collect();
            safe_text(&text.join("; "), MAX_LAST_ERROR_CHARS)
        });
        if let Some(other) = rows
            .iter()
            .filter_map(|r| r.currency.as_deref())
            .find(|c| !c.eq_ignore_ascii_case(&campaign.spec.currency))
        {
            let other = safe_code(other).unwrap_or_else(|| "another currency".to_owned());
            return Err(ConnectionError::Rejected(format!(
                "the {} account reports {other} but the campaign is in {}: connect it to a campaign in {other}",
                connection.platform.label(),
                campaign.spec.currency
            )));
        }
        // The rule of every door (`spendlens_core::limits`): a platform that answers a day
        // outside the accepted range, or a value beyond the caps, fails the sync whole.
        if let Some((row, p)) = rows
            .iter()
            .find_map(|r| r.problems().into_iter().next().map(|p| (r, p)))
        {
            return Err(ConnectionError::Rejected(format!(
                "the {} account answered a row spendlens cannot store ({}, campaign \"{}\"): {p}",
                connection.platform.label(),
                row.date,
                row.external_campaign_id
            )));
        }
        let counts = self
            .store_rows(store, connection, range, &rows, now)
            .await?
            .ok_or(ConnectionError::NotFound)?;
        self.store_refreshed_grant(store, connection, &source, now)
            .await;
        store
            .record_sync(
                &connection.id,
                &SyncRecord::Succeeded {
                    last_synced_date: Some(range.end().min(today)),
                    synced_on: today,
                    rows: rows.len() as u64,
                    notice,
                },
                now,
            )
            .await?;
        tracing::info!(connection = %connection.id, platform = connection.platform.as_str(), rows = rows.len(), %range, "synced");
        Ok(SyncReport {
            range: Some(range),
            rows: rows.len() as u64,
            counts,
        })
    }

    /// Stores a sync's rows. A sheet's and a GA4 property's sync replaces what the connection
    /// stored in the days it fetched: a row deleted or renamed at the source (a sheet's row, GA4's
    /// "(not set)" given its campaign) stops counting, while files', the metrics API's and other
    /// connections' rows stay. An empty answer removes nothing (a cleared or renamed tab is more
    /// likely a mistake than a month without spend). Ad platforms' rows are only upserted: Meta
    /// leaves deleted campaigns out of its insights unless asked, so their absence is no sign
    /// that the spend was not made.
    async fn store_rows(
        &self,
        store: &dyn Store,
        connection: &Connection,
        range: DateRange,
        rows: &[spendlens_core::DailyRow],
        now: DateTime<Utc>,
    ) -> Result<Option<UpsertCounts>, ConnectionError> {
        let platform = connection.platform.as_str();
        let record = ImportRecord {
            source: format!("{platform}-api {}", connection.id),
            file_name: None,
            content_hash: None,
            detail: None,
        };
        let (org, campaign) = (&connection.org_id, &connection.campaign_id);
        if !connection.platform.keyed_by_campaign_name() || rows.is_empty() {
            return Ok(store
                .upsert_rows(org, campaign, rows, Some(&record), now)
                .await?);
        }
        // Syncs before this rule were recorded under the platform alone: theirs only when no
        // other connection of the platform feeds the campaign.
        let same_platform = store
            .connections(org, campaign)
            .await?
            .iter()
            .filter(|c| c.platform == connection.platform)
            .count();
        let window = SyncWindow {
            platform: connection.platform,
            from: range.start(),
            to: range.end(),
            source: record.source,
            legacy_source: (same_platform == 1).then(|| format!("{platform}-api")),
        };
        Ok(store.sync_rows(org, campaign, rows, &window, now).await?)
    }

    /// Syncs every connection due its daily sync: authorised, not yet synced today (in its
    /// campaign's time zone), and not waiting for a quota to come back. Each attempt is claimed
    /// per connection, day and hour, so several instances never run the same one together and a
    /// failed sync is retried the next hour (or once its quota is back).
    pub async fn sweep(
        &self,
        store: &dyn Store,
        instance: &str,
    ) -> Result<SweepReport, StoreError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        for connection in store.all_connections().await? {
            if !matches!(
                connection.status,
                ConnectionStatus::Active | ConnectionStatus::Error
            ) {
                report.skipped += 1;
                continue;
            }
            let Some(campaign) = store
                .campaign(&connection.org_id, &connection.campaign_id)
                .await?
            else {
                continue;
            };
            let today = today_in(now, &campaign.spec.time_zone);
            if connection.synced_on == Some(today) || connection.retry_at.is_some_and(|at| at > now)
            {
                report.skipped += 1;
                continue;
            }
            let key = format!("{}:{}:{}", connection.id, today, now.format("%H"));
            if !store
                .claim_job_run("connector-sync", &key, instance, now)
                .await?
            {
                report.skipped += 1;
                continue;
            }
            match self.sync(store, &connection, None, now).await {
                Ok(_) => report.synced += 1,
                Err(_) => report.failed += 1,
            }
        }
        Ok(report)
    }
}

/// A date range from optional request bounds (a backfill), checked.
pub fn backfill_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Option<DateRange>, ConnectionError> {
    match (from, to) {
        (None, None) => Ok(None),
        (Some(f), t) => {
            // The days spendlens stores at all (`spendlens_core::limits`, every door's rule).
            spendlens_core::limits::check_date(f).map_err(|m| invalid("from", m))?;
            let t = t.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
            if t >= today {
                return Err(invalid(
                    "to",
                    "a sync can only pull completed days (up to yesterday)",
                ));
            }
            let range = DateRange::new(f, t).map_err(|e| invalid("from", e.to_string()))?;
            if range.days() > 3 * 366 {
                return Err(invalid("from", "a backfill covers at most three years"));
            }
            Ok(Some(range))
        }
        (None, Some(_)) => Err(invalid("from", "give the first day of the backfill")),
    }
}

/// A sync with no completed day to read: recorded as done, nothing fetched.
async fn nothing_due(
    store: &dyn Store,
    connection: &Connection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SyncReport, ConnectionError> {
    store
        .record_sync(
            &connection.id,
            &SyncRecord::Succeeded {
                last_synced_date: None,
                synced_on: today,
                rows: 0,
                notice: connection.notice.clone(),
            },
            now,
        )
        .await?;
    Ok(SyncReport {
        range: None,
        rows: 0,
        counts: UpsertCounts::default(),
    })
}
