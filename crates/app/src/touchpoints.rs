//! Touchpoint uploads: an organisation's conversion paths from a CSV of touchpoints (the
//! attribution contract's format) or an event log (the public attribution data sets' shape),
//! checked row by row and stored all or nothing (or only counted, in a dry run). The one path of
//! `POST /api/attribution/touchpoints` and the attribution page.
//!
//! A ChannelAttribution path file has no dates, so it cannot be stored as touchpoints: it is
//! attributed as a whole instead ([`attribute_file`], `POST /api/attribution/paths`), exactly as
//! `spendlens attribute` does.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use spendlens_attribution::{Attribution, InputFormat, MarkovOrder, Model, Problem};
use spendlens_core::campaign::OrgId;
use spendlens_store::{StoreError, StoredTouchpoint, TouchKind, TouchpointImport, UpsertCounts};

use crate::attribution::stored_row;
use crate::context::Context;

/// What a touchpoint upload did (or, in a dry run, would do).
#[derive(Debug)]
pub struct TouchpointOutcome {
    pub import_id: Option<String>,
    /// The SHA-256 of the file, hex.
    pub content_hash: String,
    pub rows: usize,
    pub counts: UpsertCounts,
    pub journeys: usize,
    pub conversions: usize,
    /// The first and last event, in nanoseconds since the epoch.
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

/// Why an upload wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum TouchpointFailure {
    /// Rows refused, each with its line (the header is line 1) and column.
    #[error("the touchpoint file has problems")]
    Rows(Vec<Problem>),
    /// The file as a whole could not be read.
    #[error("{0}")]
    File(String),
    /// The file has more rows than are read at once (the message names the limit).
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("touchpoint parse task: {0}")]
    Task(String),
}

/// Reads an upload into stored rows: every problem with row and column, or the rows. A row's
/// `campaign_id` must be one of `campaigns` (the organisation's); a journey, instant and event
/// identify a touchpoint, so a repeat is refused.
pub fn check_rows(
    bytes: &[u8],
    campaigns: &HashSet<String>,
) -> Result<Vec<StoredTouchpoint>, TouchpointFailure> {
    let file = spendlens_attribution::read_touchpoint_rows(bytes).map_err(|e| match e {
        spendlens_attribution::Error::Invalid(problems) => TouchpointFailure::Rows(problems),
        spendlens_attribution::Error::TooLarge(m) => TouchpointFailure::TooLarge(m),
        other => TouchpointFailure::File(other.to_string()),
    })?;
    let (rows, journey, time, channel) = (&file.rows, &file.journey, &file.time, &file.channel);
    let mut problems = Vec::new();
    let mut seen: HashMap<(&str, i64, TouchKind), u64> = HashMap::with_capacity(rows.len());
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        if problems.len() >= spendlens_attribution::error::MAX_PROBLEMS {
            break;
        }
        let touchpoint = match stored_row(row) {
            Ok(t) => t,
            Err(message) => {
                problems.push(Problem::at(row.line, time.index, &time.name, message));
                continue;
            }
        };
        if let spendlens_attribution::TouchpointEvent::Touch(name) = &row.event
            && let Err(message) = spendlens_core::text::check_name(name)
        {
            problems.push(Problem::at(row.line, channel.index, &channel.name, message));
            continue;
        }
        if let Some(id) = &row.campaign_id
            && !campaigns.contains(id)
        {
            problems.push(Problem::line(
                row.line,
                format!("campaign_id \"{id}\" is not a campaign of your organisation"),
            ));
            continue;
        }
        if let Some(first) = seen.insert(
            (
                row.journey_id.as_str(),
                touchpoint.at_nanos,
                touchpoint.kind,
            ),
            row.line,
        ) {
            problems.push(Problem::at(
                row.line,
                journey.index,
                &journey.name,
                format!(
                    "the same {}, {} and event as row {first} (a touchpoint is identified by \
                     journey + time + event)",
                    journey.name, time.name
                ),
            ));
            continue;
        }
        stored.push(touchpoint);
    }
    if problems.is_empty() {
        Ok(stored)
    } else {
        Err(TouchpointFailure::Rows(problems))
    }
}

/// Whether an upload is a ChannelAttribution path file (aggregated paths, no dates), from its
/// header; `false` for anything else, which the touchpoint reader then judges.
pub fn is_path_file(bytes: &[u8]) -> bool {
    matches!(
        spendlens_attribution::detect_format(bytes),
        Ok(InputFormat::Paths)
    )
}

/// Attributes a file as a whole, storing nothing: any of the three formats, with `model` (or every
/// model the file allows, time decay with its default half-life when it has times), on a blocking
/// thread. The figures of `spendlens attribute` on the same file.
pub async fn attribute_file(
    bytes: Vec<u8>,
    model: Option<Model>,
    order: MarkovOrder,
) -> Result<Vec<Attribution>, TouchpointFailure> {
    let models = model.map_or_else(|| Model::ALL.to_vec(), |m| vec![m]);
    let options = spendlens_attribution::ReadOptions {
        time_decay_half_life_days: models
            .contains(&Model::TimeDecay)
            .then_some(spendlens_attribution::time_decay::DEFAULT_HALF_LIFE_DAYS),
    };
    let request = spendlens_attribution::Request {
        models,
        order,
        transitions: false,
        skip_unavailable: model.is_none(),
    };
    tokio::task::spawn_blocking(move || {
        spendlens_attribution::read(bytes.as_slice(), &options)
            .and_then(|data| spendlens_attribution::attribute(&data, &request))
    })
    .await
    .map_err(|e| TouchpointFailure::Task(e.to_string()))?
    .map_err(|e| match e {
        spendlens_attribution::Error::Invalid(problems) => TouchpointFailure::Rows(problems),
        spendlens_attribution::Error::Unsupported(m) => TouchpointFailure::File(m),
        other => TouchpointFailure::Task(other.to_string()),
    })
}

/// Parses a touchpoint CSV of `org` (on a blocking thread) and stores it unless `dry_run`: all
/// or nothing. Rows are upserted on journey id + timestamp + event, so re-uploading a file
/// changes nothing.
pub async fn import(
    ctx: &Context,
    org: &OrgId,
    file_name: String,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<TouchpointOutcome, TouchpointFailure> {
    let campaigns: HashSet<String> = ctx
        .store
        .list_campaigns(org)
        .await?
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    let content_hash = hex::encode(Sha256::digest(&bytes));
    let rows = tokio::task::spawn_blocking(move || check_rows(&bytes, &campaigns))
        .await
        .map_err(|e| TouchpointFailure::Task(e.to_string()))??;
    let record = TouchpointImport {
        file_name: Some(file_name),
        content_hash: content_hash.clone(),
    };
    let (counts, import_id) = ctx
        .store
        .import_touchpoints(org, &rows, &record, dry_run, ctx.now())
        .await?;
    let journeys = rows
        .iter()
        .map(|r| r.journey_id.as_str())
        .collect::<HashSet<_>>()
        .len();
    let conversions = rows
        .iter()
        .filter(|r| r.kind == TouchKind::Conversion)
        .count();
    Ok(TouchpointOutcome {
        import_id,
        content_hash,
        rows: rows.len(),
        counts,
        journeys,
        conversions,
        first_at: rows.iter().map(|r| r.at_nanos).min(),
        last_at: rows.iter().map(|r| r.at_nanos).max(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_and_foreign_campaigns_are_row_errors() {
        let csv = b"journey_id,timestamp,event,channel,value,campaign_id\n\
            j1,2026-01-01T00:00:00Z,touch,meta,,\n\
            j1,2026-01-01T00:00:00Z,touch,google,,\n\
            j2,2026-01-01T00:00:00Z,touch,meta,,nope\n";
        let Err(TouchpointFailure::Rows(problems)) = check_rows(csv, &HashSet::new()) else {
            panic!("expected problems");
        };
        assert_eq!(problems.len(), 2);
        assert_eq!(
            (
                problems[0].line,
                problems[0].column,
                problems[0].column_name.as_deref()
            ),
            (3, Some(1), Some("journey_id"))
        );
        assert!(problems[0].message.contains("row 2"));
        assert!(problems[1].line == 4 && problems[1].message.contains("nope"));
    }
}
