//! Reading a multipart upload: the one loop every upload runs (file imports, the ledger CSV,
//! touchpoints, through the API and the pages), so limits, field names and messages are the same
//! everywhere.
//!
//! The body is read field by field and the file refused as soon as it passes its limit (413, as
//! when the body as a whole passes the route's limit); what the fields mean is decoded afterwards
//! by the route (into `spendlens_app`'s commands).
//!
//! Every upload route first takes a slot of the [`UploadGate`], and keeps it until its answer:
//! reading the body and parsing it are what costs memory, and the gate bounds how many happen at
//! once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How many uploads are read and parsed at once; the others wait for the slot.
///
/// Why one: the largest legitimate upload costs about 250 MB while it is read and parsed (400,000
/// touchpoints; an import of 300,000 rows about 200 MB: see `spendlens_ingest::limits` and
/// `spendlens_attribution::read::MAX_TOUCHPOINT_ROWS`), the allocator keeps part of what a parse
/// freed for the next one, and the server must stay under 512 MB whatever is uploaded. Hostile
/// files are refused in milliseconds, and uploads are occasional (a few a day per team), not a
/// throughput path.
pub const PARALLEL_UPLOADS: usize = 1;

/// How long an upload waits for a slot before it is answered 503 with `Retry-After`: several of
/// the largest uploads in a row.
pub const UPLOAD_WAIT: Duration = Duration::from_secs(120);

/// The slots of [`PARALLEL_UPLOADS`], shared by every upload route (API and pages).
#[derive(Debug)]
pub struct UploadGate {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl Default for UploadGate {
    fn default() -> Self {
        UploadGate::new(PARALLEL_UPLOADS, UPLOAD_WAIT)
    }
}

impl UploadGate {
    pub fn new(slots: usize, wait: Duration) -> Self {
        UploadGate {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// A slot, held until the returned permit is dropped (at the end of the handler); 503 when
    /// none frees up within the wait.
    pub async fn enter(&self) -> ApiResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy(
                "the server is reading other uploads; try again in a few seconds".to_owned(),
            )),
        }
    }
}

/// The 413 of an upload over `limit` bytes.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the file is larger than the upload limit of {} MB",
        limit / (1024 * 1024)
    ))
}

/// A multipart error: the body's own length limit is a 413 like the file's, anything else a 400.
fn multipart_error(e: &MultipartError, limit: usize, what: &str) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::BadRequest(format!("{what}: {e}"))
    }
}

/// The `file` field of an upload.
#[derive(Debug, Clone, Default)]
pub struct FileField {
    /// The file name the client sent, if any.
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// An upload as read: its file (when one was sent) and its text fields.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file: Option<FileField>,
    pub texts: HashMap<String, String>,
}

impl Upload {
    /// A text field, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.texts.get(name).map_or("", |t| t.trim())
    }
}

/// What an upload may carry besides `file`.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The text fields read.
    pub texts: &'static [&'static str],
    /// Whether any other field is refused (the API: a typo must not be ignored) or skipped (the
    /// pages: a browser sends the form's buttons too).
    pub others: Others,
}

/// What happens to a field not listed.
#[derive(Debug, Clone, Copy)]
pub enum Others {
    /// Refused, naming the fields expected (`"file, source, rate"`).
    Refuse(&'static str),
    Ignore,
}

/// The multipart body of a request, or a 400 saying what was expected.
pub async fn multipart(request: Request, state: &AppState) -> ApiResult<Multipart> {
    Multipart::from_request(request, state).await.map_err(|e| {
        ApiError::BadRequest(format!(
            "expected a multipart/form-data upload: {}",
            e.body_text()
        ))
    })
}

async fn text(field: Field<'_>, limit: usize) -> ApiResult<String> {
    field
        .text()
        .await
        .map_err(|e| multipart_error(&e, limit, "multipart"))
}

/// Reads the upload: the `file` field (at most `limit` bytes, else 413) and the text fields of
/// `fields`; other fields are refused or skipped as `fields` says.
pub async fn read_file_field(
    mut multipart: Multipart,
    limit: usize,
    fields: Fields,
) -> ApiResult<Upload> {
    let mut upload = Upload::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit, "multipart"))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().map(str::to_owned);
                // Chunk by chunk into one buffer: refused as soon as it passes the limit, and
                // never held twice.
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e, limit, "file"))?
                {
                    if bytes.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.file = Some(FileField { name, bytes });
            }
            Some(name) if fields.texts.contains(&name) => {
                let name = name.to_owned();
                let value = text(field, limit).await?;
                upload.texts.insert(name, value);
            }
            other => match fields.others {
                Others::Ignore => {}
                Others::Refuse(expected) => {
                    return Err(match other {
                        Some(name) => {
                            ApiError::field(name, format!("unknown field (expected {expected})"))
                        }
                        None => ApiError::BadRequest("a multipart field without a name".into()),
                    });
                }
            },
        }
    }
    Ok(upload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_lets_its_slots_through_and_answers_busy_after_the_wait() {
        let gate = UploadGate::new(2, Duration::from_millis(50));
        let first = gate.enter().await.expect("a slot");
        let _second = gate.enter().await.expect("a second slot");
        let busy = gate.enter().await.expect_err("no third slot");
        assert!(matches!(busy, ApiError::Busy(_)), "{busy:?}");
        drop(first);
        assert!(
            gate.enter().await.is_ok(),
            "a slot frees when its upload ends"
        );
    }
}
