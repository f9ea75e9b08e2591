//! Uploads previewed on the imports page and waiting for their confirmation: in memory on this
//! instance, bound to the organisation and the campaign, for at most [`PENDING_TTL`], within a
//! bound on their number and their bytes (the oldest goes first). The confirmation parses the
//! file again, so what is stored is exactly what the preview showed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use spendlens_app::imports::ImportCommand;
use spendlens_core::campaign::{CampaignId, OrgId};

/// How long a previewed upload waits for its confirmation.
pub const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
/// At most this many uploads wait at once (the oldest goes first).
const MAX_PENDING: usize = 32;
/// At most this many bytes wait at once.
const MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

struct Pending {
    token: String,
    org: OrgId,
    campaign: CampaignId,
    upload: ImportCommand,
    at: Instant,
}

/// Uploads previewed and not yet confirmed.
#[derive(Default)]
pub struct PendingUploads {
    entries: Mutex<VecDeque<Pending>>,
}

impl std::fmt::Debug for PendingUploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingUploads(..)")
    }
}

impl PendingUploads {
    /// Keeps an upload for its confirmation; the token that takes it back.
    pub(super) fn put(&self, org: &OrgId, campaign: &CampaignId, upload: ImportCommand) -> String {
        let token = spendlens_app::accounts::new_secret("");
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        entries.retain(|p| now.duration_since(p.at) < PENDING_TTL);
        entries.push_back(Pending {
            token: token.clone(),
            org: org.clone(),
            campaign: campaign.clone(),
            upload,
            at: now,
        });
        while entries.len() > MAX_PENDING
            || entries.iter().map(|p| p.upload.bytes.len()).sum::<usize>() > MAX_PENDING_BYTES
        {
            if entries.pop_front().is_none() {
                break;
            }
        }
        token
    }

    /// Takes the upload for this token, organisation and campaign (once).
    pub(super) fn take(
        &self,
        token: &str,
        org: &OrgId,
        campaign: &CampaignId,
    ) -> Option<ImportCommand> {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let i = entries.iter().position(|p| {
            p.token == token
                && p.org == *org
                && p.campaign == *campaign
                && now.duration_since(p.at) < PENDING_TTL
        })?;
        entries.remove(i).map(|p| p.upload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(n: usize) -> ImportCommand {
        ImportCommand {
            file_name: "a.csv".into(),
            bytes: vec![b'x'; n],
            source: None,
            rate: None,
            dry_run: false,
        }
    }

    #[test]
    fn a_pending_upload_is_taken_once_and_only_by_its_campaign() {
        let pending = PendingUploads::default();
        let (org, other_org) = (OrgId::new("o1"), OrgId::new("o2"));
        let c = CampaignId::new("c1");
        let token = pending.put(&org, &c, upload(3));
        assert!(pending.take(&token, &other_org, &c).is_none());
        assert!(pending.take(&token, &org, &CampaignId::new("c2")).is_none());
        assert!(pending.take("nope", &org, &c).is_none());
        assert_eq!(
            pending.take(&token, &org, &c).map(|u| u.bytes.len()),
            Some(3)
        );
        assert!(pending.take(&token, &org, &c).is_none());
    }

    #[test]
    fn the_oldest_uploads_make_room() {
        let pending = PendingUploads::default();
        let (org, c) = (OrgId::new("o"), CampaignId::new("c"));
        let first = pending.put(&org, &c, upload(1));
        for _ in 0..MAX_PENDING {
            pending.put(&org, &c, upload(1));
        }
        assert!(pending.take(&first, &org, &c).is_none());
    }
}
