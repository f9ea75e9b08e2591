//! The notes of an import's preview and result about what is already stored or dated ahead:
//! rows dated after today, rows under a new campaign name beside rows of the same days under
//! another, and the stored rows a file would replace.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::DailyRow;
use spendlens_core::campaign::Campaign;
use spendlens_store::StoreError;

use crate::context::Context;

/// A note when rows are dated after `today` (in the campaign's time zone): they are stored and
/// count from their day on, so a year typed wrong would otherwise leave today's figures short
/// with nothing said.
pub(super) fn ahead_note(rows: &[DailyRow], today: NaiveDate) -> Option<String> {
    let ahead = || rows.iter().map(|r| r.date).filter(|d| *d > today);
    let (first, last) = (ahead().min()?, ahead().max()?);
    let n = ahead().count();
    let day = spendlens_core::dates::day;
    let span = if first == last {
        day(first)
    } else {
        format!("{} to {}", day(first), day(last))
    };
    let rows = if n == 1 { "1 row is" } else { "rows are" };
    Some(format!(
        "{} dated after today ({span}): stored, they count only from their day on; check the \
         year if that is a mistake",
        if n == 1 {
            rows.to_owned()
        } else {
            format!("{n} {rows}")
        }
    ))
}

/// A warning for each platform × campaign name of the file that the campaign holds no rows
/// under, while it holds rows of the same platform under another name over overlapping days:
/// the same campaign renamed on the platform (or a file meant for another campaign) would be
/// added to what is stored, doubling its spend. Said in the preview, before anything is written.
pub(super) async fn renamed_notes(
    ctx: &Context,
    campaign: &Campaign,
    rows: &[DailyRow],
) -> Result<Vec<String>, StoreError> {
    use crate::labels::Label;
    use std::collections::BTreeMap;
    let mut file: BTreeMap<(spendlens_core::Platform, &str), (NaiveDate, NaiveDate)> =
        BTreeMap::new();
    for r in rows {
        let span = file
            .entry((r.platform, r.external_campaign_id.as_str()))
            .or_insert((r.date, r.date));
        *span = (span.0.min(r.date), span.1.max(r.date));
    }
    if file.is_empty() {
        return Ok(Vec::new());
    }
    let stored = ctx
        .store
        .row_sources(&campaign.org_id, &campaign.id)
        .await?;
    let mut notes = Vec::new();
    for ((platform, name), (first, last)) in file {
        if stored
            .iter()
            .any(|s| s.platform == platform && s.external_campaign_id == name)
        {
            continue;
        }
        let others: Vec<String> = stored
            .iter()
            .filter(|s| s.platform == platform && s.first <= last && first <= s.last)
            .map(|s| format!("\u{201c}{}\u{201d}", s.external_campaign_id))
            .collect();
        if others.is_empty() {
            continue;
        }
        notes.push(format!(
            "{} rows of this file come under \u{201c}{name}\u{201d}, and the campaign already holds {} \
             rows of those days under {}: importing adds them, which doubles that spend if they are \
             the same campaign under a new name. After importing, delete the old line under \
             \"Stored rows by source\", or import the file into its own campaign.",
            platform.label(),
            platform.label(),
            others.join(", ")
        ));
    }
    Ok(notes)
}

/// What a preview of `rows` would replace: the rows of the file already stored (same day,
/// platform and campaign), and their spend as stored against the file's, so a preview says what
/// confirming overwrites, not only the file's totals.
pub(super) async fn replaced_note(
    ctx: &Context,
    campaign: &Campaign,
    rows: &[DailyRow],
) -> Result<Option<String>, StoreError> {
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.date).min(),
        rows.iter().map(|r| r.date).max(),
    ) else {
        return Ok(None);
    };
    let stored: std::collections::HashMap<spendlens_core::DailyKey, Decimal> = ctx
        .store
        .stored_spend(&campaign.org_id, &campaign.id, first, last)
        .await?
        .into_iter()
        .collect();
    let (mut n, mut before, mut after) = (0usize, Decimal::ZERO, Decimal::ZERO);
    for r in rows {
        if let Some(spend) = stored.get(&r.key()) {
            n += 1;
            before += *spend;
            after += r.spend;
        }
    }
    if n == 0 {
        return Ok(None);
    }
    let money = |v| spendlens_report::currency::format_money(v, &campaign.spec.currency);
    let rows = if n == 1 {
        "1 row of this file is".to_owned()
    } else {
        format!("{n} rows of this file are")
    };
    Ok(Some(format!(
        "{rows} already stored (the same day, platform and campaign): importing replaces them, \
         their spend going from {} as stored to {} as in the file",
        money(before),
        money(after)
    )))
}
