//! Job runs: a scheduled run (a day's snapshots, an hour's connection syncs) is claimed by one
//! instance through a unique key, so instances sharing a database never do it twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// Claims of scheduled runs.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Claims a run of a job (e.g. the snapshot of one day) for this instance; false when another
    /// instance already claimed it.
    async fn claim_job_run(
        &self,
        job: &str,
        run_key: &str,
        instance: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// Implements [`JobStore`] for `$store` (whose field `pool` is a `sqlx::Pool<$db>`), with the same
/// portable SQL on both backends.
macro_rules! impl_job_store {
    ($store:ty) => {
        mod job_store_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use tracing::instrument;

            use crate::Result;
            use crate::jobs::JobStore;

            #[async_trait]
            impl JobStore for $store {
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

pub(crate) use impl_job_store;
