//! Reading a multipart upload: the one loop every upload runs (file imports, the ledger CSV,
//! touchpoints, through the API and the pages), so limits, field names and messages are the same
//! everywhere.
//!
//! The body is read field by field and the file refused as soon as it passes its limit; what the
//! fields mean is decoded afterwards by the route (into `spendlens_app`'s commands).

use std::collections::HashMap;

use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Request};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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

async fn text(field: Field<'_>) -> ApiResult<String> {
    field
        .text()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))
}

/// Reads the upload: the `file` field (at most `limit` bytes, else 413) and the text fields of
/// `fields`; other fields are refused or skipped as `fields` says.
pub async fn read_file_field(
    mut multipart: Multipart,
    limit: usize,
    fields: Fields,
) -> ApiResult<Upload> {
    let mut upload = Upload::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().map(str::to_owned);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| ApiError::BadRequest(format!("file: {e}")))?;
                if bytes.len() > limit {
                    return Err(ApiError::TooLarge);
                }
                upload.file = Some(FileField {
                    name,
                    bytes: bytes.to_vec(),
                });
            }
            Some(name) if fields.texts.contains(&name) => {
                let name = name.to_owned();
                let value = text(field).await?;
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
