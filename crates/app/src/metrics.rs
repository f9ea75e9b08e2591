//! Daily rows written directly, not from a file: `POST /api/campaigns/{id}/metrics` and the
//! figures of a PDF report confirmed on the imports page. Upserted on their natural key, all or
//! nothing, then the campaign's budget alerts, exactly as after an import.

use spendlens_core::campaign::Campaign;
use spendlens_core::daily::DailyRow;
use spendlens_store::UpsertCounts;

use crate::AppError;
use crate::context::Context;

/// Rows per request; larger sets go through imports (which stream).
pub const MAX_ROWS: usize = 50_000;

/// Rows are stored in their campaign's currency: a row stating another one is refused (the
/// poster converts first; a file import can convert with a rate instead).
pub fn check_currency(row_currency: &str, campaign_currency: &str) -> Result<(), String> {
    if row_currency == campaign_currency {
        Ok(())
    } else {
        Err(format!(
            "{row_currency} differs from the campaign currency {campaign_currency}; convert before posting"
        ))
    }
}

/// Every value of the rows outside what spendlens accepts (`spendlens_core::limits`: the
/// dates, the largest amount and count), each named `rows[i].field`.
pub fn row_problems(rows: &[DailyRow]) -> Vec<(String, String)> {
    rows.iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.problems()
                .into_iter()
                .map(move |p| (format!("rows[{i}].{}", p.field), p.message))
        })
        .collect()
}

/// Upserts daily rows of a campaign already resolved through the caller's organisation: a
/// re-posted batch changes nothing, one refused row refuses the batch. The decoders check the
/// currency and the ranges row by row to name the row; both are checked here again so no caller
/// can skip them. A batch that would take one of the campaign's totals past its cap is refused
/// by the store, naming the metric.
pub async fn upsert_rows(
    ctx: &Context,
    campaign: &Campaign,
    rows: &[DailyRow],
) -> Result<UpsertCounts, AppError> {
    if let Some((field, message)) = row_problems(rows).into_iter().next() {
        return Err(AppError::Invalid { field, message });
    }
    for row in rows {
        if let Some(c) = &row.currency {
            check_currency(c, &campaign.spec.currency)
                .map_err(|message| AppError::invalid("currency", message))?;
        }
    }
    let counts = ctx
        .store
        .upsert_rows(&campaign.org_id, &campaign.id, rows, None, ctx.now())
        .await?
        .ok_or(AppError::NotFound)?;
    ctx.after_write(&campaign.org_id, &campaign.id).await;
    Ok(counts)
}
