//! Share links: a read-only link to one campaign's analysis that opens without signing in.
//!
//! The token (256 random bits, `sh_` and hex) is shown once, when the link is made; the store
//! keeps only its SHA-256, so a leaked database opens no link. A link opens while it is not
//! revoked and today (UTC) is not after its last day; anything else is "not found", the same
//! answer as a token that never existed, so a visitor learns nothing from a dead link. What a
//! link shows (one campaign's analysis and nothing else) is the web layer's page; this module
//! only says which campaign of which organisation a token opens.

use chrono::{DateTime, NaiveDate, Utc};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{Store, StoredShareLink};

use crate::AppError;
use crate::accounts::{hash_secret, new_secret};

/// The prefix of share tokens (tells them apart from API tokens in a leaked log line).
pub const TOKEN_PREFIX: &str = "sh_";

/// The most links a campaign can have, revoked ones included (a bound on what a list shows).
pub const MAX_LINKS_PER_CAMPAIGN: usize = 100;

/// A new link with its token, shown this once.
#[derive(Debug, Clone)]
pub struct NewShareLink {
    pub link: StoredShareLink,
    pub token: String,
}

/// Whether a link opens on `today`: not revoked, and today is not after its last day.
pub fn opens(link: &StoredShareLink, today: NaiveDate) -> bool {
    link.revoked_at.is_none() && link.expires_on.is_none_or(|last| today <= last)
}

/// Makes a link to `campaign` of `org`, opening until `expires_on` (inclusive) or for good. A
/// last day before today is refused (`expires_on`); another organisation's campaign is
/// [`AppError::NotFound`].
pub async fn create(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
    expires_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<NewShareLink, AppError> {
    if let Some(last) = expires_on
        && last < now.date_naive()
    {
        return Err(AppError::invalid(
            "expires_on",
            format!(
                "the last day the link opens cannot be before today ({})",
                now.date_naive()
            ),
        ));
    }
    if store.share_links(org, campaign).await?.len() >= MAX_LINKS_PER_CAMPAIGN {
        return Err(AppError::invalid(
            "campaign",
            format!(
                "a campaign has at most {MAX_LINKS_PER_CAMPAIGN} share links, revoked ones included"
            ),
        ));
    }
    let token = new_secret(TOKEN_PREFIX);
    let link = store
        .create_share_link(org, campaign, &hash_secret(&token), expires_on, now)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(NewShareLink { link, token })
}

/// The links of a campaign of `org`, newest first; another organisation's campaign is
/// [`AppError::NotFound`].
pub async fn list(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<Vec<StoredShareLink>, AppError> {
    store
        .campaign(org, campaign)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(store.share_links(org, campaign).await?)
}

/// Revokes a link of a campaign of `org`: it stops opening at once. An unknown (or already
/// revoked) link, or another organisation's, is [`AppError::NotFound`].
pub async fn revoke(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
    link_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if store.revoke_share_link(org, campaign, link_id, now).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The link a presented token opens on `now`'s day, `None` for an unknown, revoked or expired
/// token (the caller answers all three alike). A token of the wrong form is never looked up.
pub async fn open(
    store: &dyn Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredShareLink>, AppError> {
    let well_formed = token.len() == TOKEN_PREFIX.len() + 64
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !well_formed {
        return Ok(None);
    }
    let link = store.share_link_by_hash(&hash_secret(token)).await?;
    Ok(link.filter(|l| opens(l, now.date_naive())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires_on: Option<NaiveDate>, revoked: bool) -> StoredShareLink {
        let at = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        StoredShareLink {
            id: "l".into(),
            org_id: OrgId::new("o"),
            campaign_id: CampaignId::new("c"),
            expires_on,
            created_at: at,
            revoked_at: revoked.then_some(at),
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_link_opens_through_its_last_day_and_never_once_revoked() {
        let last = Some(day("2026-11-30"));
        assert!(opens(&link(None, false), day("2099-01-01")));
        assert!(opens(&link(last, false), day("2026-11-29")));
        assert!(opens(&link(last, false), day("2026-11-30")));
        assert!(!opens(&link(last, false), day("2026-12-01")));
        assert!(!opens(&link(None, true), day("2026-11-21")));
        assert!(!opens(&link(last, true), day("2026-11-21")));
    }

    #[test]
    fn tokens_are_prefixed_and_long() {
        let t = new_secret(TOKEN_PREFIX);
        assert!(t.starts_with("sh_") && t.len() == 67);
    }
}
