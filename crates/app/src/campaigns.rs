//! Campaigns: creating, changing and deleting one, and the values its revenue estimate uses
//! (LinkedIn's conversion value, the GA4 and Custom Integration average order values). The API
//! and the campaign form both decode into a `CampaignDraft`, checked here into the
//! `CampaignSpec` the commands take, so a campaign is valid whichever door it came in by.

use spendlens_core::campaign::{
    Campaign, CampaignDraft, CampaignId, CampaignSpec, FieldError, OrgId, PlatformSettings,
};

use spendlens_store::{CURRENCY_HAS_DATA, StoreError, Written};

use crate::AppError;
use crate::clock::is_known_zone;
use crate::context::Context;

/// A campaign's fields checked (name, currency, budget, dates, a time zone spendlens knows);
/// every problem names its field.
pub fn spec(draft: CampaignDraft) -> Result<CampaignSpec, Vec<FieldError>> {
    draft.parse(is_known_zone)
}

/// Creates a campaign in `org`.
pub async fn create(ctx: &Context, org: &OrgId, spec: &CampaignSpec) -> Result<Campaign, AppError> {
    Ok(ctx.store.create_campaign(org, spec, ctx.now()).await?)
}

/// Creates a campaign in `org` with the values its revenue estimate uses (the campaign form),
/// both in one write: values breaking [`check_settings`]' rules are `AppError::Fields` and
/// nothing is created.
pub async fn create_with_settings(
    ctx: &Context,
    org: &OrgId,
    spec: &CampaignSpec,
    settings: &PlatformSettings,
) -> Result<Campaign, AppError> {
    check_settings(settings)?;
    if *settings == PlatformSettings::default() {
        return create(ctx, org, spec).await;
    }
    Ok(ctx
        .store
        .create_campaign_with_settings(org, spec, settings, ctx.now())
        .await?)
}

/// Replaces a campaign's fields and its values together (the campaign form) if both still are
/// what `read` says (what the form showed): otherwise nothing is written and the answer is
/// [`AppError::Conflict`], for the form to show what the campaign is now. Values breaking
/// [`check_settings`]' rules are `AppError::Fields`.
pub async fn replace(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    read: (&CampaignSpec, &PlatformSettings),
    new: (&CampaignSpec, &PlatformSettings),
) -> Result<Campaign, AppError> {
    check_settings(new.1)?;
    match ctx
        .store
        .update_campaign_and_settings_if(org, id, read, new, ctx.now())
        .await
        .map_err(|e| currency_kept(e, read.0))?
    {
        Written::Done(campaign) => {
            budget_edited(ctx, read.0, &campaign).await;
            Ok(campaign)
        }
        Written::Changed => Err(AppError::Conflict(
            "the campaign was changed after this form was opened; nothing was saved".to_owned(),
        )),
        Written::Missing => Err(AppError::NotFound),
    }
}

/// Changes a campaign's fields: `edit` makes the new fields from the campaign as stored (or
/// refuses), and they are written only if the campaign is still what `edit` saw. When another
/// writer came first, `edit` is applied again to what that writer stored, so two changes of
/// different fields made at once are both kept (a few times at most, then
/// [`AppError::Conflict`]).
pub async fn update<E: From<AppError>>(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    edit: impl Fn(&Campaign) -> Result<CampaignSpec, E>,
) -> Result<Campaign, E> {
    for _ in 0..EDIT_ATTEMPTS {
        let current = ctx
            .store
            .campaign(org, id)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?;
        let spec = edit(&current)?;
        let written = ctx
            .store
            .update_campaign_if(org, id, &current.spec, &spec, ctx.now())
            .await
            .map_err(|e| currency_kept(e, &current.spec))?;
        match written {
            Written::Done(campaign) => {
                budget_edited(ctx, &current.spec, &campaign).await;
                return Ok(campaign);
            }
            Written::Changed => continue,
            Written::Missing => return Err(AppError::NotFound.into()),
        }
    }
    Err(AppError::Conflict(
        "the campaign was changed by others while this change was applied; nothing was saved, send it again"
            .to_owned(),
    )
    .into())
}

/// A new budget or new dates change what the budget alerts say (a budget cut below the spend
/// is exceeded now, not at the next data or the daily sweep): they are evaluated after such an
/// edit, as after new data.
async fn budget_edited(ctx: &Context, before: &CampaignSpec, now: &Campaign) {
    let after = &now.spec;
    if (before.budget, before.start_date, before.end_date)
        != (after.budget, after.start_date, after.end_date)
    {
        ctx.after_write(&now.org_id, &now.id).await;
    }
}

/// The store's refusal of a new currency for a campaign holding money, as a problem of the
/// `currency` field; any other store error as it is.
fn currency_kept(e: StoreError, stored: &CampaignSpec) -> AppError {
    match e {
        StoreError::Conflict(CURRENCY_HAS_DATA) => AppError::invalid(
            "currency",
            format!(
                "the campaign's data is stored in {}, so its currency cannot change (that would \
                 relabel every amount without converting it); create a campaign in the new \
                 currency and import its files there (with a rate, files in another currency \
                 are converted)",
                stored.currency
            ),
        ),
        e => AppError::from(e),
    }
}

/// How many times [`update`] applies an edit again to what another writer stored first.
const EDIT_ATTEMPTS: usize = 5;

/// The values a campaign's revenue estimate uses, checked (none negative or above the money
/// limit); every problem names its field. The campaign form calls it to show the problems beside
/// its fields; [`put_settings`] checks again, so the API refuses the same values.
pub fn check_settings(settings: &PlatformSettings) -> Result<(), Vec<FieldError>> {
    settings.check()
}

/// Replaces the values a campaign's revenue estimate uses; values breaking [`check_settings`]' rules
/// are `AppError::Fields`, naming each field, and nothing is written.
pub async fn put_settings(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    settings: &PlatformSettings,
) -> Result<(), AppError> {
    check_settings(settings)?;
    if ctx.store.put_settings(org, id, settings, ctx.now()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Deletes a campaign with all its data.
pub async fn delete(ctx: &Context, org: &OrgId, id: &CampaignId) -> Result<(), AppError> {
    if ctx.store.delete_campaign(org, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
