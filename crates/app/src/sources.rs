//! A campaign's daily rows by where they came from (platform and external campaign: the
//! campaign name or id of the file or platform), and the removal of one such line. Importing
//! again replaces rows only under the same name, so rows imported into the wrong campaign, or
//! twice under two names (a campaign renamed on the platform, then exported again), would
//! otherwise stay counted for good.

use serde_json::json;
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{AuditEntry, Principal, RowSource};

use crate::AppError;
use crate::context::Context;
use crate::labels::Label;

/// The campaign's rows by platform and external campaign, each with its days and spend.
pub async fn list(ctx: &Context, org: &OrgId, id: &CampaignId) -> Result<Vec<RowSource>, AppError> {
    ctx.store
        .campaign(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ctx.store.row_sources(org, id).await?)
}

/// Deletes every row of `platform` under `external_campaign_id` from `actor`'s campaign `id`
/// (the months re-summed, the budget alerts evaluated again), recording who deleted what (the
/// line, its days and spend) in the activity log in the same transaction; the rows deleted. A
/// line the campaign does not hold is refused on `external_campaign_id`.
pub async fn delete(
    ctx: &Context,
    actor: &Principal,
    id: &CampaignId,
    platform: Platform,
    external_campaign_id: &str,
) -> Result<u64, AppError> {
    let org = &actor.org_id;
    let campaign = ctx
        .store
        .campaign(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The store adds the line's dates, rows and spend, read in the deletion's transaction.
    let audit = AuditEntry {
        org_id: org.clone(),
        actor: Some(actor.user_id.clone()),
        action: "source_rows.delete".to_owned(),
        target_type: "campaign".to_owned(),
        target_id: id.to_string(),
        details: json!({
            "platform": platform.as_str(),
            "external_campaign_id": external_campaign_id,
            "currency": campaign.spec.currency,
        }),
        at: ctx.now(),
    };
    let removed = ctx
        .store
        .delete_rows(org, id, platform, external_campaign_id, Some(&audit))
        .await?
        .ok_or(AppError::NotFound)?;
    if removed == 0 {
        return Err(AppError::invalid(
            "external_campaign_id",
            format!(
                "the campaign holds no {} rows under \"{external_campaign_id}\"",
                platform.label()
            ),
        ));
    }
    ctx.after_write(org, id).await;
    Ok(removed)
}
