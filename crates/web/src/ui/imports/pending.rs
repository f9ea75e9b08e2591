//! Uploads previewed on the imports page and waiting for their confirmation: in the database
//! (`spendlens_store::previews`), so that the confirmation may reach any instance, bound to the
//! organisation and the campaign, for at most [`PENDING_TTL_MINUTES`]. Each organisation has its
//! own quota ([`QUOTA`]): its new preview makes room by dropping its own oldest, never another
//! organisation's. The confirmation parses the file again, so what is stored is exactly what
//! the preview showed. The token in the form is a random secret; the store keeps its SHA-256.

use chrono::TimeDelta;
use spendlens_app::accounts::{hash_secret, new_secret};
use spendlens_app::imports::ImportCommand;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{PendingPreview, PreviewQuota, StoreError};

use crate::state::AppState;

/// How long a previewed upload waits for its confirmation, in minutes.
pub const PENDING_TTL_MINUTES: i64 = 30;

/// What one organisation may keep waiting at once: a few previews, and at most four uploads of
/// the largest size in bytes.
pub const QUOTA: PreviewQuota = PreviewQuota {
    max_count: 8,
    max_bytes: 4 * crate::api::imports::MAX_UPLOAD_BYTES as u64,
};

/// Keeps an upload for its confirmation; the token that takes it back.
pub(super) async fn put(
    state: &AppState,
    org: &OrgId,
    campaign: &CampaignId,
    upload: ImportCommand,
) -> Result<String, StoreError> {
    let token = new_secret("");
    let now = state.clock.now();
    let preview = PendingPreview {
        file_name: upload.file_name,
        source: upload.source.map(|s| s.as_str().to_owned()),
        rate: upload.rate.map(|r| r.to_string()),
        bytes: upload.bytes,
    };
    state
        .store
        .put_preview(
            &hash_secret(&token),
            org,
            campaign,
            &preview,
            now,
            now + TimeDelta::minutes(PENDING_TTL_MINUTES),
            QUOTA,
        )
        .await?;
    Ok(token)
}

/// Takes the upload for this token, organisation and campaign (once), as the command to import
/// it for real.
pub(super) async fn take(
    state: &AppState,
    token: &str,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<Option<ImportCommand>, StoreError> {
    if token.trim().is_empty() {
        return Ok(None);
    }
    let Some(preview) = state
        .store
        .take_preview(&hash_secret(token.trim()), org, campaign, state.clock.now())
        .await?
    else {
        return Ok(None);
    };
    // The stored source and rate were written from a checked command: one that no longer reads
    // (a source renamed since) is a preview to upload again.
    let source = match preview.source.as_deref().map(str::parse) {
        None => None,
        Some(Ok(source)) => Some(source),
        Some(Err(_)) => return Ok(None),
    };
    let rate = match preview.rate.as_deref().map(str::parse) {
        None => None,
        Some(Ok(rate)) => Some(rate),
        Some(Err(_)) => return Ok(None),
    };
    Ok(Some(ImportCommand {
        file_name: preview.file_name,
        bytes: preview.bytes,
        source,
        rate,
        dry_run: false,
    }))
}
