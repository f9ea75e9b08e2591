//! Named channels beyond the ad platforms (TV, radio, out-of-home, print, podcasts,
//! influencers, e-mail, any channel a user names): their import from the canonical channel file
//! and their reads for the analysis, the reports, the budget optimiser and the marketing-mix
//! model.
//!
//! A channel file's rows that name an ad platform are stored as that platform's rows, through
//! the same staged import as any file, and the named channels' days are staged with it: the
//! import's commit writes both in one transaction, so a channel file is stored whole or not at
//! all, and importing it again changes nothing (both are upserts on their natural keys). The
//! amounts are converted to the campaign's currency with the same rule as every import (one
//! foreign currency, with the user's rate).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_core::channel::{ChannelDay, ChannelTotals, totals_by_channel};
use spendlens_ingest::{ChannelFile, ImportOptions};
use spendlens_store::ImportRecord;

use crate::AppError;
use crate::context::Context;
use crate::imports::{
    CurrencyProblem, ImportCommand, ImportFailure, ImportOutcome, RowsImported, check_rows,
    content_hash, store_failure,
};

/// Whether an upload is a canonical channel file (its source unset or canonical, and its header
/// holding a `channel` column; see `spendlens_ingest::is_channel_file`).
pub fn is_channel_upload(command: &ImportCommand) -> bool {
    matches!(
        command.source,
        None | Some(spendlens_ingest::Source::Canonical)
    ) && spendlens_ingest::is_channel_file(&command.bytes)
}

/// Imports a channel file into `campaign`: the platforms' rows as one import, the named
/// channels' days beside them in the same transaction, then the campaign's
/// budget alerts. A dry run parses and converts, and writes nothing.
pub async fn import_channel_file(
    ctx: &Context,
    campaign: &Campaign,
    command: ImportCommand,
) -> Result<ImportOutcome, ImportFailure> {
    let hash = content_hash(&command.bytes);
    let currency = campaign.spec.currency.clone();
    let rate = command.rate;
    let file_name = command.file_name.clone();
    let bytes = command.bytes;
    let (parsed, channels) = tokio::task::spawn_blocking(move || {
        let file =
            spendlens_ingest::parse_channel_file(&bytes, &file_name, &ImportOptions::default())
                .map_err(ImportFailure::File)?;
        convert(file, &currency, rate)
    })
    .await
    .map_err(|e| ImportFailure::Task(e.to_string()))??;
    check_rows(&command.file_name, &parsed.rows)?;
    let summary = spendlens_ingest::summary(&parsed);
    if command.dry_run {
        return Ok(ImportOutcome::Rows(RowsImported {
            parsed,
            summary,
            import_id: None,
            counts: None,
            channels,
            spend_change: None,
        }));
    }
    let (org, id) = (&campaign.org_id, &campaign.id);
    let record = ImportRecord {
        source: "canonical_channels".to_owned(),
        file_name: Some(command.file_name),
        content_hash: Some(hash),
        detail: None,
    };
    let mut writer = ctx
        .store
        .begin_import(org, id, &record, ctx.now())
        .await?
        .ok_or(ImportFailure::NotFound)?;
    writer.write(&parsed.rows).await.map_err(store_failure)?;
    writer
        .stage_channels(&channels)
        .await
        .map_err(store_failure)?;
    let committed = writer.commit(None).await.map_err(store_failure)?;
    ctx.after_write(org, id).await;
    Ok(ImportOutcome::Rows(RowsImported {
        parsed,
        summary,
        import_id: Some(committed.import_id),
        counts: Some(committed.counts),
        channels,
        spend_change: None,
    }))
}

/// The platform rows reconciled to the campaign's currency (`reconcile_currency`, the rule of
/// every import), and the channel days by the same rule: a day without a currency is in the
/// campaign's; one foreign currency, the platform rows' if they have one, is converted with
/// `rate`; two are refused.
fn convert(
    file: ChannelFile,
    campaign: &str,
    rate: Option<Decimal>,
) -> Result<(spendlens_ingest::ParsedFile, Vec<ChannelDay>), ImportFailure> {
    let mut foreign: Option<String> = file
        .parsed
        .rows
        .iter()
        .filter_map(|r| r.currency.clone())
        .find(|c| !c.eq_ignore_ascii_case(campaign));
    let parsed = spendlens_ingest::reconcile_currency(file.parsed, campaign, rate)?;
    let mut channels = file.channels;
    for day in &mut channels {
        let Some(c) = day.currency.clone() else {
            day.currency = Some(campaign.to_owned());
            continue;
        };
        if c.eq_ignore_ascii_case(campaign) {
            continue;
        }
        match &foreign {
            Some(f) if !f.eq_ignore_ascii_case(&c) => {
                return Err(ImportFailure::Currency(CurrencyProblem::Mixed {
                    first: f.clone(),
                    second: c,
                }));
            }
            _ => foreign = Some(c.clone()),
        }
        let Some(rate) = rate else {
            return Err(ImportFailure::Currency(CurrencyProblem::NoRate {
                file: c,
                campaign: campaign.to_owned(),
            }));
        };
        day.spend = day
            .spend
            .checked_mul(rate)
            .ok_or(ImportFailure::Currency(CurrencyProblem::Overflow))?;
        day.currency = Some(campaign.to_owned());
    }
    Ok((parsed, channels))
}

/// The daily spend per named channel of a campaign over `from..=to`, ordered by date then
/// channel: the series the marketing-mix model reads beside the platforms' daily series
/// (`MetricStore::daily_series`). [`AppError::NotFound`] for a campaign outside the
/// organisation; a window whose end precedes its start is refused.
pub async fn channel_series(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ChannelDay>, AppError> {
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    ctx.store
        .campaign(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ctx.store.channel_series(org, id, from, to).await?)
}

/// Per named channel, the campaign's sums of every day up to `up_to`: the rows the analysis,
/// the reports and the optimiser show beside the platforms.
pub async fn channel_totals(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    up_to: NaiveDate,
) -> Result<Vec<ChannelTotals>, AppError> {
    Ok(ctx.store.channel_totals(org, id, up_to).await?)
}

/// One named channel of a campaign over a window: its sums and its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelHistory {
    pub totals: ChannelTotals,
    /// Its days in the window, by date.
    pub days: Vec<ChannelDay>,
}

/// A campaign's named channels over a window (the channel metrics API's answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignChannels {
    pub campaign: Campaign,
    /// The window's first and last days as asked (`None`: unbounded on that side).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Each channel with a day in the window, by key.
    pub channels: Vec<ChannelHistory>,
    /// The channels' spend in the window, summed.
    pub spend: Decimal,
}

/// A campaign's named channels with their totals and daily rows over `from..=to` (either side
/// open when not given: every stored day, which `spendlens_core::limits` keeps within
/// 2000–2099). [`AppError::NotFound`] for a campaign outside the organisation; a `to` before
/// `from` is refused on `to`.
pub async fn campaign_channels(
    ctx: &Context,
    org: &OrgId,
    id: &CampaignId,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<CampaignChannels, AppError> {
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    let campaign = ctx
        .store
        .campaign(org, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let first = from.unwrap_or_else(spendlens_core::limits::earliest_date);
    let last = to.unwrap_or_else(spendlens_core::limits::latest_date);
    let series = ctx.store.channel_series(org, id, first, last).await?;
    let channels: Vec<ChannelHistory> = totals_by_channel(&series)
        .into_iter()
        .map(|totals| ChannelHistory {
            days: series
                .iter()
                .filter(|d| d.channel.key() == totals.channel.key())
                .cloned()
                .collect(),
            totals,
        })
        .collect();
    let spend = channels.iter().fold(Decimal::ZERO, |sum, c| {
        spendlens_core::num::add(sum, c.totals.spend)
    });
    Ok(CampaignChannels {
        campaign,
        from,
        to,
        channels,
        spend,
    })
}
