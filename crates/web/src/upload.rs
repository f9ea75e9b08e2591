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
    /// One upload at a time per organisation, before the shared slots: an organisation sending
    /// many large files waits behind its own, never queues them all ahead of everyone else's.
    per_org: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
    wait: Duration,
}

/// An upload's place: its organisation's turn and one of the shared slots, both freed when it
/// is dropped (at the end of the handler).
#[derive(Debug)]
pub struct UploadSlot {
    _org: OwnedSemaphorePermit,
    _slot: OwnedSemaphorePermit,
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
            per_org: std::sync::Mutex::new(HashMap::new()),
            wait,
        }
    }

    /// The organisation's turn, then a slot, within the wait (503 when either does not come):
    /// held until the returned [`UploadSlot`] is dropped.
    pub async fn enter(&self, org: &str) -> ApiResult<UploadSlot> {
        let turn = {
            let mut map = self
                .per_org
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Organisations nobody holds or waits for are forgotten.
            map.retain(|_, s| Arc::strong_count(s) > 1);
            Arc::clone(
                map.entry(org.to_owned())
                    .or_insert_with(|| Arc::new(Semaphore::new(1))),
            )
        };
        let deadline = tokio::time::Instant::now() + self.wait;
        let org_turn = match tokio::time::timeout_at(deadline, turn.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(ApiError::Busy(
                    "another upload of your organisation is still being read; try again when it \
                     is done"
                        .to_owned(),
                ));
            }
        };
        match tokio::time::timeout_at(deadline, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(slot)) => Ok(UploadSlot {
                _org: org_turn,
                _slot: slot,
            }),
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

/// An upload as read: its file (when one was sent), the other file fields named in
/// [`Fields::files`] that were sent, and its text fields.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file: Option<FileField>,
    pub attachments: HashMap<String, FileField>,
    pub texts: HashMap<String, String>,
}

impl Upload {
    /// A text field, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.texts.get(name).map_or("", |t| t.trim())
    }

    /// A file field besides `file`, when one was sent with content (a browser sends an empty
    /// part for a file input left empty).
    pub fn attachment(&self, name: &str) -> Option<&FileField> {
        self.attachments.get(name).filter(|f| !f.bytes.is_empty())
    }
}

/// What an upload may carry besides `file`.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The text fields read.
    pub texts: &'static [&'static str],
    /// File fields read besides `file` (into [`Upload::attachments`]); every file of the upload
    /// counts against the one limit.
    pub files: &'static [&'static str],
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

/// A file field, chunk by chunk into one buffer: refused as soon as the upload's files together
/// pass `limit` (`total` counts what the earlier files took), and never held twice.
async fn file(mut field: Field<'_>, limit: usize, total: &mut usize) -> ApiResult<FileField> {
    let name = field.file_name().map(str::to_owned);
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(&e, limit, "file"))?
    {
        if *total + chunk.len() > limit {
            return Err(too_large(limit));
        }
        *total += chunk.len();
        bytes.extend_from_slice(&chunk);
    }
    Ok(FileField { name, bytes })
}

/// Reads the upload: the `file` field and the file fields of `fields` (at most `limit` bytes
/// together, else 413) and the text fields of `fields`; other fields are refused or skipped as
/// `fields` says.
pub async fn read_file_field(
    mut multipart: Multipart,
    limit: usize,
    fields: Fields,
) -> ApiResult<Upload> {
    let mut upload = Upload::default();
    // The bytes of every file read so far: the limit is the upload's, not each file's.
    let mut total = 0;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit, "multipart"))?
    {
        match field.name() {
            Some("file") => {
                upload.file = Some(file(field, limit, &mut total).await?);
            }
            Some(name) if fields.files.contains(&name) => {
                let name = name.to_owned();
                let read = file(field, limit, &mut total).await?;
                upload.attachments.insert(name, read);
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

    /// A multipart request of file parts (`name`, bytes).
    async fn upload_of(files: &[(&str, usize)], limit: usize) -> ApiResult<Upload> {
        let mut body = Vec::new();
        for (name, size) in files {
            body.extend_from_slice(
                format!(
                    "--X\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend(std::iter::repeat_n(b'a', *size));
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--X--\r\n");
        let request = Request::builder()
            .header("content-type", "multipart/form-data; boundary=X")
            .body(axum::body::Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        let multipart = Multipart::from_request(request, &())
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let fields = Fields {
            texts: &[],
            files: &["lift"],
            others: Others::Refuse("file, lift"),
        };
        read_file_field(multipart, limit, fields).await
    }

    #[tokio::test]
    async fn the_files_of_an_upload_share_its_limit() {
        let read = upload_of(&[("file", 400), ("lift", 600)], 1_000)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(read.file.as_ref().map(|f| f.bytes.len()), Some(400));
        assert_eq!(read.attachment("lift").map(|f| f.bytes.len()), Some(600));
        assert_eq!(
            read.attachment("lift")
                .and_then(|f| f.name.clone())
                .as_deref(),
            Some("lift.csv")
        );
        // One byte over, though each file alone is under the limit.
        let over = upload_of(&[("file", 400), ("lift", 601)], 1_000).await;
        assert!(matches!(over, Err(ApiError::TooLarge(_))), "{over:?}");
        // An empty file input is no attachment; an unlisted file field is refused.
        let empty = upload_of(&[("lift", 0)], 1_000)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(empty.attachment("lift").is_none());
        let other = upload_of(&[("kpi", 10)], 1_000).await;
        assert!(matches!(other, Err(ApiError::Validation(_))), "{other:?}");
    }

    #[tokio::test]
    async fn the_gate_lets_its_slots_through_and_answers_busy_after_the_wait() {
        let gate = UploadGate::new(2, Duration::from_millis(50));
        let first = gate.enter("a").await.expect("a slot");
        let _second = gate.enter("b").await.expect("a second slot");
        let busy = gate.enter("c").await.expect_err("no third slot");
        assert!(matches!(busy, ApiError::Busy(_)), "{busy:?}");
        drop(first);
        assert!(
            gate.enter("c").await.is_ok(),
            "a slot frees when its upload ends"
        );
    }

    /// One organisation's uploads wait behind each other, not ahead of another's: with a slot
    /// free, its second upload waits for its first while another organisation's goes through.
    #[tokio::test]
    async fn an_organisation_waits_behind_its_own_upload_not_everyone() {
        let gate = UploadGate::new(2, Duration::from_millis(50));
        let held = gate.enter("busy-org").await.expect("its first upload");
        let again = gate.enter("busy-org").await.expect_err("its second waits");
        assert!(
            matches!(&again, ApiError::Busy(m) if m.contains("your organisation")),
            "{again:?}"
        );
        let other = gate
            .enter("other-org")
            .await
            .expect("another organisation goes through");
        drop(other);
        drop(held);
        assert!(gate.enter("busy-org").await.is_ok());
        // Organisations nobody holds are forgotten.
        let _ = gate.enter("x").await.expect("a slot");
        let known = gate.per_org.lock().map(|m| m.len()).unwrap_or(0);
        assert!(known <= 2, "{known}");
    }
}
