//! The organisation's rates table, one rate at a time (the finance page's rates editor): add or
//! replace a pair, delete one, or import a file (`from,to,rate`, or the ECB's reference rates),
//! each through [`super::settings::update_settings`], so the table's rules hold whichever way a
//! rate arrives.

use chrono::NaiveDate;
use spendlens_core::campaign::OrgId;
use spendlens_finance::{FxRate, parse_rates_file};

use super::settings::{SettingsPatch, stored_settings, update_settings};
use super::{FinanceAppError, Problem};
use crate::context::Context;

/// Whether `a` is the rate of `from` → `to` (codes compared without case).
pub(crate) fn same_pair(a: &FxRate, from: &str, to: &str) -> bool {
    a.from.eq_ignore_ascii_case(from) && a.to.eq_ignore_ascii_case(to)
}

/// `rates` with each of `new` put in: a pair already there takes the new rate in its place,
/// others are added at the end.
fn merged(mut rates: Vec<FxRate>, new: Vec<FxRate>) -> Vec<FxRate> {
    for r in new {
        match rates.iter_mut().find(|x| same_pair(x, &r.from, &r.to)) {
            Some(existing) => *existing = r,
            None => rates.push(r),
        }
    }
    rates
}

async fn replace(ctx: &Context, org: &OrgId, rates: Vec<FxRate>) -> Result<(), FinanceAppError> {
    update_settings(
        ctx,
        org,
        SettingsPatch {
            cost_of_capital: None,
            webhook_url: None,
            webhook_secret: None,
            rates: Some(rates),
        },
    )
    .await
    .map(|_| ())
}

/// Adds a rate, or replaces the rate of its pair.
pub async fn put_rate(ctx: &Context, org: &OrgId, rate: FxRate) -> Result<(), FinanceAppError> {
    let current = stored_settings(ctx.store.as_ref(), org).await?.rates;
    replace(ctx, org, merged(current, vec![rate])).await
}

/// Deletes the rate of a pair (`NotFound` when the table has none).
pub async fn delete_rate(
    ctx: &Context,
    org: &OrgId,
    from: &str,
    to: &str,
) -> Result<(), FinanceAppError> {
    let mut rates = stored_settings(ctx.store.as_ref(), org).await?.rates;
    let before = rates.len();
    rates.retain(|r| !same_pair(r, from, to));
    if rates.len() == before {
        return Err(FinanceAppError::NotFound("rate"));
    }
    replace(ctx, org, rates).await
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRates {
    pub count: usize,
    /// The day of the ECB's rates, when the file was theirs.
    pub as_of: Option<NaiveDate>,
}

/// Imports a rates file into the table, all or nothing: its pairs replace the table's same
/// pairs, the others stay. Problems are named by line and column under `file`.
pub async fn import_rates(
    ctx: &Context,
    org: &OrgId,
    bytes: &[u8],
) -> Result<ImportedRates, FinanceAppError> {
    let file = parse_rates_file(bytes).map_err(|problems| {
        FinanceAppError::Fields(
            problems
                .iter()
                .map(|p| Problem::new("file", p.to_string()))
                .collect(),
        )
    })?;
    let count = file.rates.len();
    let current = stored_settings(ctx.store.as_ref(), org).await?.rates;
    replace(ctx, org, merged(current, file.rates)).await?;
    Ok(ImportedRates {
        count,
        as_of: file.as_of,
    })
}
