//! Uploads previewed on the imports page and waiting for their confirmation: in the database
//! (`spendlens_store::previews`), so that the confirmation may reach any instance, bound to the
//! organisation and the campaign, for at most [`PENDING_TTL_MINUTES`]. Each organisation has its
//! own quota ([`QUOTA`]): its new preview makes room by dropping its own oldest, never another
//! organisation's. The confirmation parses the file again, so what is stored is exactly what
//! the preview showed. The token in the form is a random secret; the store keeps its SHA-256.

use chrono::TimeDelta;
use spendlens_app::accounts::{hash_secret, new_secret};
use spendlens_app::imports::{ImportCommand, PeriodRule};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_ingest::{ColumnMapping, DateOrder, PeriodChoice, Source};
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
        source: stored_source(upload.source, upload.period, upload.date_order),
        rate: upload.rate.map(|r| r.to_string()),
        mapping: (!upload.mapping.is_empty()).then(|| upload.mapping.to_string()),
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
    // The stored source, rate and mapping were written from a checked command: one that no longer reads
    // (a source renamed since) is a preview to upload again.
    let Some((source, period, date_order)) = read_source(preview.source.as_deref()) else {
        return Ok(None);
    };
    let rate = match preview.rate.as_deref().map(str::parse) {
        None => None,
        Some(Ok(rate)) => Some(rate),
        Some(Err(_)) => return Ok(None),
    };
    let mapping = match preview.mapping.as_deref().map(ColumnMapping::parse) {
        None => ColumnMapping::new(),
        Some(Ok(mapping)) => mapping,
        Some(Err(_)) => return Ok(None),
    };
    Ok(Some(ImportCommand {
        file_name: preview.file_name,
        bytes: preview.bytes,
        source,
        rate,
        dry_run: false,
        period,
        mapping,
        save_mapping: false,
        // A PDF is confirmed through its own form, never kept here.
        pdf_locale: None,
        date_order,
    }))
}

/// The source column of a pending preview: the source's identifier as before, followed by
/// `|` and the reading choices the user made: the period choice (`spread`, `book_on=2026-02-01`,
/// `spread;from=2025-01-01;to=2025-12-31`) and the date order (`dates=day_first`), so the
/// confirmation reads the rows as the preview showed them without a column of its own.
fn stored_source(
    source: Option<Source>,
    period: PeriodRule,
    dates: Option<DateOrder>,
) -> Option<String> {
    let src = source.map_or("", Source::as_str);
    if period == PeriodRule::default() && dates.is_none() {
        return source.map(|_| src.to_owned());
    }
    let mut parts = Vec::new();
    if period != PeriodRule::default() {
        parts.push(match period.choice {
            PeriodChoice::Refuse => "refuse".to_owned(),
            PeriodChoice::Spread => "spread".to_owned(),
            PeriodChoice::BookOn(d) => format!("book_on={d}"),
        });
        if let Some((a, b)) = period.range {
            parts.push(format!("from={a};to={b}"));
        }
    }
    if let Some(order) = dates {
        parts.push(format!("dates={}", order.as_str()));
    }
    Some(format!("{src}|{}", parts.join(";")))
}

/// What [`stored_source`] keeps: the source, the period rule and the date order.
type Stored = (Option<Source>, PeriodRule, Option<DateOrder>);

/// Reads [`stored_source`] back; `None` when it no longer reads (a source renamed since).
fn read_source(text: Option<&str>) -> Option<Stored> {
    let Some(text) = text else {
        return Some((None, PeriodRule::default(), None));
    };
    let (src, period) = text.split_once('|').unwrap_or((text, ""));
    let source = match src {
        "" => None,
        s => Some(s.parse::<Source>().ok()?),
    };
    let mut rule = PeriodRule::default();
    let (mut from, mut to, mut dates) = (None, None, None);
    let day = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    for part in period.split(';').filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            None if part == "spread" => rule.choice = PeriodChoice::Spread,
            None if part == "refuse" => rule.choice = PeriodChoice::Refuse,
            Some(("book_on", d)) => rule.choice = PeriodChoice::BookOn(day(d)?),
            Some(("from", d)) => from = Some(day(d)?),
            Some(("to", d)) => to = Some(day(d)?),
            Some(("dates", o)) => dates = Some(DateOrder::parse(o).ok()?),
            _ => return None,
        }
    }
    rule.range = from.zip(to);
    Some((source, rule, dates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_choice_round_trips_through_the_source_column() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let cases = [
            (None, PeriodRule::default()),
            (Some(Source::Meta), PeriodRule::default()),
            (
                None,
                PeriodRule {
                    choice: PeriodChoice::Spread,
                    range: Some((d("2025-01-01"), d("2025-12-31"))),
                },
            ),
            (
                Some(Source::GoogleAds),
                PeriodRule {
                    choice: PeriodChoice::BookOn(d("2026-02-01")),
                    range: None,
                },
            ),
        ];
        for (source, rule) in cases {
            for dates in [None, Some(DateOrder::DayFirst), Some(DateOrder::MonthFirst)] {
                let stored = stored_source(source, rule, dates);
                assert_eq!(
                    read_source(stored.as_deref()),
                    Some((source, rule, dates)),
                    "{stored:?}"
                );
            }
        }
        assert_eq!(
            stored_source(Some(Source::Meta), PeriodRule::default(), None).as_deref(),
            Some("meta")
        );
        assert_eq!(
            stored_source(None, PeriodRule::default(), Some(DateOrder::DayFirst)).as_deref(),
            Some("|dates=day_first")
        );
        assert_eq!(read_source(Some("nonsense")), None);
    }
}
