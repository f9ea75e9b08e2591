//! Asynchronous insights reports: the way past a synchronous call that times out on a long or
//! heavy window ("try a smaller date range … or use async jobs").
//!
//! The lifecycle Meta documents: `POST /act_{id}/insights` with the same parameters answers
//! `{"report_run_id": …}`; `GET /{report_run_id}` reports `async_status` ("Job Not Started",
//! "Job Started", "Job Running", then "Job Completed", or "Job Failed" / "Job Skipped") and
//! `async_percent_completion`; once completed, `GET /{report_run_id}/insights` pages through the
//! rows like the synchronous edge. Polls wait on the client's sleeper (tests wait for nothing),
//! with a doubling pause up to [`MAX_POLL_PAUSE`], for at most [`MAX_REPORT_WAIT`]; a failed or
//! skipped run is started once more before the window fails (Airbyte restarts failed jobs the
//! same way).

use std::time::Duration;

use secrecy::ExposeSecret;
use serde::Deserialize;

use super::errors::classify;
use super::insights::InsightRow;
use super::{MetaConnector, P};
use crate::error::{ConnectError, safe_code};
use crate::http::endpoint;
use crate::reason;
use crate::window::DateRange;

/// The longest pause between two polls of a report run.
pub const MAX_POLL_PAUSE: Duration = Duration::from_secs(30);

/// How long a report run may take before the window fails (Airbyte's connector gives up after
/// 30 minutes too; Meta says a run can take up to an hour with its own retries).
pub const MAX_REPORT_WAIT: Duration = Duration::from_secs(30 * 60);

/// Runs started per window: the first, and one more when Meta fails or skips it.
const RUNS_PER_WINDOW: u32 = 2;

#[derive(Debug, Deserialize)]
struct Started {
    report_run_id: serde_json::Value,
}

/// `GET /{report_run_id}`: the fields of an `AdReportRun` the poller reads.
#[derive(Debug, Deserialize)]
struct ReportRun {
    #[serde(default)]
    async_status: Option<String>,
    #[serde(default)]
    async_percent_completion: Option<u32>,
    /// Filled when a run fails (Marketing API v25.0 and later).
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
}

/// Where a run ended.
enum Outcome {
    Completed,
    /// Failed or skipped, with Meta's code and subcode when it gave them.
    Failed(Option<i64>, Option<i64>),
}

impl MetaConnector {
    /// Every row of `window`, read through an asynchronous report.
    pub(super) async fn async_rows(
        &self,
        account_id: &str,
        window: DateRange,
    ) -> Result<Vec<InsightRow>, ConnectError> {
        let mut failure = (None, None);
        for run in 1..=RUNS_PER_WINDOW {
            let id = self.start_report(account_id, window).await?;
            tracing::info!(%window, run, "Meta asked for an asynchronous report; polling it");
            match self.wait_for(&id).await? {
                Outcome::Completed => {
                    let mut url = endpoint(&self.base_url, &[&self.version, &id, "insights"])?;
                    url.query_pairs_mut()
                        .append_pair("limit", &self.page_size.to_string());
                    return self.read_pages(url).await;
                }
                Outcome::Failed(code, subcode) => {
                    tracing::warn!(%window, run, ?code, ?subcode, "Meta's asynchronous report failed");
                    failure = (code, subcode);
                }
            }
        }
        let (code, subcode) = failure;
        Err(ConnectError::Unavailable {
            platform: P,
            status: 200,
            code: code
                .map(|c| subcode.map_or_else(|| c.to_string(), |s| format!("{c}/{s}")))
                .and_then(|c| safe_code(&c)),
            message: match code {
                Some(_) => reason::meta(code, subcode, reqwest::StatusCode::OK),
                None => "Meta failed to generate the report; try again later",
            }
            .to_owned(),
        })
    }

    /// `POST /act_{id}/insights`: starts a report run and returns its id.
    async fn start_report(
        &self,
        account_id: &str,
        window: DateRange,
    ) -> Result<String, ConnectError> {
        let url = endpoint(
            &self.base_url,
            &[&self.version, &format!("act_{account_id}"), "insights"],
        )?;
        let params = self.insights_params(window);
        let text = self
            .http
            .send(
                P,
                Some(self.token.as_ref()),
                |c, t| {
                    let mut r = c.post(url.clone()).form(&params);
                    if let Some(t) = t {
                        r = r.bearer_auth(t.expose_secret());
                    }
                    r
                },
                classify,
            )
            .await
            .map_err(|e| e.with_version(&self.version))?;
        let started: Started = serde_json::from_str(&text)
            .map_err(|e| ConnectError::decode(P, format!("report run response: {e}")))?;
        let id = match started.report_run_id {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectError::decode(P, "report_run_id is not an id"));
        }
        Ok(id)
    }

    /// Polls the run until it completes, fails or takes too long.
    async fn wait_for(&self, id: &str) -> Result<Outcome, ConnectError> {
        let url = endpoint(&self.base_url, &[&self.version, id])?;
        let mut pause = Duration::from_secs(1);
        let mut waited = Duration::ZERO;
        loop {
            let run: ReportRun = serde_json::from_str(&self.get(&url).await?)
                .map_err(|e| ConnectError::decode(P, format!("report run status: {e}")))?;
            let status = run.async_status.as_deref().unwrap_or_default();
            tracing::debug!(status, percent = ?run.async_percent_completion, "Meta report run");
            match status {
                "Job Completed" => return Ok(Outcome::Completed),
                "Job Failed" | "Job Skipped" => {
                    return Ok(Outcome::Failed(run.error_code, run.error_subcode));
                }
                _ => {}
            }
            if waited >= MAX_REPORT_WAIT {
                return Err(ConnectError::Unavailable {
                    platform: P,
                    status: 200,
                    code: None,
                    message: format!(
                        "the asynchronous report did not finish within {} minutes",
                        MAX_REPORT_WAIT.as_secs() / 60
                    ),
                });
            }
            self.http.pause(pause).await;
            waited += pause;
            pause = (pause * 2).min(MAX_POLL_PAUSE);
        }
    }
}
