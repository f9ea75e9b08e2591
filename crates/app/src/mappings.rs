//! Column mappings: how a file detection cannot read is read with the columns a user named,
//! and how a mapping saved for a campaign is reused.
//!
//! An import with an explicit mapping reads with it and nothing else. An import without one
//! detects; only when detection fails and the campaign has saved mappings are they tried,
//! newest first, and the first that reads the file wins, said in the import's notes (a saved
//! mapping never overrides a file that reads by itself). When none reads it, the detection's
//! own error is the answer, so the user sees what is wrong with the file, not with an old
//! mapping.

use spendlens_core::campaign::Campaign;
use spendlens_ingest::{ColumnMapping, FileColumns, ImportOptions, Imported, Source};
use spendlens_store::SavedMapping;

use crate::context::Context;
use crate::imports::{ImportCommand, ImportFailure, store_failure};

/// Parses the command's file as the import will store it (see the module docs for the order).
pub(crate) async fn parse_mapped(
    ctx: &Context,
    campaign: &Campaign,
    command: &ImportCommand,
) -> Result<Imported, ImportFailure> {
    let parse = |mapping: ColumnMapping| {
        crate::isolation::parse_upload(
            command.bytes.clone(),
            command.file_name.clone(),
            command.source,
            campaign.spec.currency.clone(),
            command.rate,
            command.period,
            mapping,
            command.pdf_locale,
            command.date_order,
        )
    };
    let first = parse(command.mapping.clone()).await;
    let failed = match first {
        Err(ImportFailure::File(e)) if command.mapping.is_empty() && may_need_mapping(command) => e,
        other => return other,
    };
    let saved = ctx
        .store
        .saved_mappings(&campaign.org_id, &campaign.id)
        .await
        .map_err(store_failure)?;
    for s in saved {
        let Ok(mapping) = ColumnMapping::parse(&s.mapping) else {
            continue;
        };
        if let Ok(Imported::Rows(mut parsed)) = parse(mapping).await {
            parsed.notes.insert(
                0,
                format!(
                    "read with the column mapping saved for this campaign on {}: {}",
                    s.saved_at.date_naive(),
                    s.mapping
                ),
            );
            return Ok(Imported::Rows(parsed));
        }
    }
    Err(ImportFailure::File(failed))
}

/// Whether the file could be a table a mapping reads (not a PDF, not a channel file).
fn may_need_mapping(command: &ImportCommand) -> bool {
    let pdf = command.source == Some(Source::Pdf) || command.bytes.starts_with(b"%PDF-");
    !pdf && !command.bytes.is_empty()
}

/// Saves a mapping for the campaign (after an import read with it was stored, or given on its
/// own through the API), in its text form.
pub async fn save(
    ctx: &Context,
    campaign: &Campaign,
    mapping: &ColumnMapping,
) -> Result<SavedMapping, ImportFailure> {
    ctx.store
        .save_mapping(
            &campaign.org_id,
            &campaign.id,
            &mapping.to_string(),
            ctx.now(),
        )
        .await
        .map_err(store_failure)?
        .ok_or(ImportFailure::NotFound)
}

/// The campaign's saved mappings, newest first.
pub async fn saved(ctx: &Context, campaign: &Campaign) -> Result<Vec<SavedMapping>, ImportFailure> {
    ctx.store
        .saved_mappings(&campaign.org_id, &campaign.id)
        .await
        .map_err(store_failure)
}

/// Deletes one of the campaign's saved mappings; whether it was there.
pub async fn delete(
    ctx: &Context,
    campaign: &Campaign,
    mapping_id: &str,
) -> Result<bool, ImportFailure> {
    ctx.store
        .delete_mapping(&campaign.org_id, &campaign.id, mapping_id)
        .await
        .map_err(store_failure)
}

/// The columns of an upload for the mapping form (the header row and a few values under each
/// column), parsed off the async workers.
pub async fn columns(command: &ImportCommand) -> Result<FileColumns, ImportFailure> {
    let (bytes, name, source) = (
        command.bytes.clone(),
        command.file_name.clone(),
        command.source,
    );
    tokio::task::spawn_blocking(move || {
        let options = ImportOptions {
            source,
            ..ImportOptions::default()
        };
        spendlens_ingest::file_columns(&bytes, &name, &options)
    })
    .await
    .map_err(|e| ImportFailure::Task(e.to_string()))?
    .map_err(ImportFailure::File)
}
