//! The cost ledger's writes: a campaign's costs and the organisation's overhead, one entry at a
//! time (from a JSON body or a page form, both decoded into an [`EntryDraft`]) or a campaign's
//! ledger CSV, all or nothing.
//!
//! The rules of an entry are `spendlens_finance`'s (`EntryDraft::parse`); what is decided here
//! is where an entry belongs: a campaign's cost is charged to that campaign (never overhead,
//! which belongs to the organisation), an entry without a currency is in the campaign's currency
//! (overhead: the organisation's [`default_currency`]).

use spendlens_core::campaign::{Campaign, OrgId};
use spendlens_finance::ledger::EntryDraft;
use spendlens_finance::{CostCategory, FinanceError, LedgerEntry};
use spendlens_store::Store;
use spendlens_store::finance::{LedgerImported, LedgerScope, StoredEntry};

use super::{FinanceAppError, Problem};
use crate::context::Context;

/// The currency most of `currencies` are in (ties: the first alphabetically), the campaigns'
/// default (USD) for none: the
/// organisation's default for overhead and for the financial report.
pub fn most_common_currency<'a>(currencies: impl IntoIterator<Item = &'a str>) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for c in currencies {
        *counts.entry(c).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map_or_else(
            || spendlens_core::campaign::DEFAULT_CURRENCY.to_owned(),
            |(c, _)| c.to_owned(),
        )
}

/// The organisation's default currency: the one most of its campaigns use.
pub async fn default_currency(store: &dyn Store, org: &OrgId) -> Result<String, FinanceAppError> {
    let campaigns = store.list_campaigns(org).await?;
    Ok(most_common_currency(
        campaigns.iter().map(|c| c.spec.currency.as_str()),
    ))
}

/// A campaign cost from its draft: charged to `campaign`, in its currency unless the draft says
/// otherwise. Overhead is refused (it belongs to the organisation).
pub fn cost_entry(draft: EntryDraft, campaign: &Campaign) -> Result<LedgerEntry, FinanceAppError> {
    if draft
        .category
        .as_deref()
        .and_then(CostCategory::parse)
        .is_some_and(|c| c == CostCategory::OperationalOverhead)
    {
        return Err(FinanceAppError::Invalid {
            field: "category".to_owned(),
            message: "operational_overhead belongs to the organisation: post it to /api/overhead"
                .to_owned(),
        });
    }
    let draft = EntryDraft {
        campaign_id: Some(campaign.id.as_str().to_owned()),
        ..draft
    };
    parse(draft, &campaign.spec.currency)
}

/// An overhead entry from its draft (its category is overhead whatever the draft says).
pub fn overhead_entry(draft: EntryDraft, currency: &str) -> Result<LedgerEntry, FinanceAppError> {
    let draft = EntryDraft {
        category: Some(CostCategory::OperationalOverhead.as_str().to_owned()),
        ..draft
    };
    parse(draft, currency)
}

fn parse(draft: EntryDraft, currency: &str) -> Result<LedgerEntry, FinanceAppError> {
    draft
        .parse(currency)
        .map_err(|errors| FinanceError::InvalidEntry { index: 0, errors }.into())
}

/// The organisation's rates table, read when an entry in another currency needs it.
async fn rates_table(
    ctx: &Context,
    org: &OrgId,
) -> Result<spendlens_finance::RatesTable, FinanceAppError> {
    let rates = super::settings::stored_settings(ctx.store.as_ref(), org)
        .await?
        .rates;
    Ok(spendlens_finance::RatesTable::new(&rates)?)
}

/// The first of `targets` that an amount in `currency` cannot be converted into with `table`
/// (directly or inverted), if any.
fn unconvertible(
    table: &spendlens_finance::RatesTable,
    currency: &str,
    targets: &[String],
) -> Option<String> {
    targets
        .iter()
        .find(|t| !t.eq_ignore_ascii_case(currency) && table.lookup(currency, t).is_none())
        .cloned()
}

/// Why an entry in `currency` that cannot be converted into `target` is refused: stored, it
/// would leave every ROI and report that counts it unable to answer.
fn no_rate(currency: &str, target: &str) -> String {
    format!(
        "there is no exchange rate between {currency} and {target} in the organisation's rates \
         table: add one on the finance page first (or enter the amount in {target})"
    )
}

/// Refuses an entry of `org` in a currency the rates table cannot convert into every one of
/// `targets` (a cost: its campaign's currency; overhead: every campaign's, each carrying its
/// share in its own). The table is read only when the entry is in another currency.
async fn check_rate(
    ctx: &Context,
    org: &OrgId,
    entry: &LedgerEntry,
    targets: &[String],
) -> Result<(), FinanceAppError> {
    let currency = entry.currency();
    if targets.iter().all(|t| t.eq_ignore_ascii_case(currency)) {
        return Ok(());
    }
    match unconvertible(&rates_table(ctx, org).await?, currency, targets) {
        Some(t) => Err(FinanceAppError::Fields(vec![Problem::new(
            "currency",
            no_rate(currency, &t),
        )])),
        None => Ok(()),
    }
}

/// The currencies of the organisation's campaigns, each once.
async fn campaign_currencies(ctx: &Context, org: &OrgId) -> Result<Vec<String>, FinanceAppError> {
    let mut currencies: Vec<String> = ctx
        .store
        .list_campaigns(org)
        .await?
        .into_iter()
        .map(|c| c.spec.currency)
        .collect();
    currencies.sort();
    currencies.dedup();
    Ok(currencies)
}

/// Adds a cost to `campaign` (resolved through the caller's organisation).
pub async fn add_cost(
    ctx: &Context,
    campaign: &Campaign,
    draft: EntryDraft,
) -> Result<StoredEntry, FinanceAppError> {
    let entry = cost_entry(draft, campaign)?;
    check_rate(
        ctx,
        &campaign.org_id,
        &entry,
        std::slice::from_ref(&campaign.spec.currency),
    )
    .await?;
    insert_one(ctx, &campaign.org_id, entry)
        .await?
        .ok_or(FinanceAppError::NotFound("campaign"))
}

/// Replaces a cost of `campaign` (the whole entry, as when adding it).
pub async fn replace_cost(
    ctx: &Context,
    campaign: &Campaign,
    entry_id: &str,
    draft: EntryDraft,
) -> Result<StoredEntry, FinanceAppError> {
    let entry = cost_entry(draft, campaign)?;
    check_rate(
        ctx,
        &campaign.org_id,
        &entry,
        std::slice::from_ref(&campaign.spec.currency),
    )
    .await?;
    ctx.store
        .update_ledger_entry(
            &campaign.org_id,
            LedgerScope::Campaign(&campaign.id),
            entry_id,
            &entry,
            ctx.now(),
        )
        .await?
        .ok_or(FinanceAppError::NotFound("cost entry"))
}

/// Adds an overhead entry to the organisation, in its default currency unless the draft says.
pub async fn add_overhead(
    ctx: &Context,
    org: &OrgId,
    draft: EntryDraft,
) -> Result<StoredEntry, FinanceAppError> {
    let currency = default_currency(ctx.store.as_ref(), org).await?;
    let entry = overhead_entry(draft, &currency)?;
    check_rate(ctx, org, &entry, &campaign_currencies(ctx, org).await?).await?;
    insert_one(ctx, org, entry)
        .await?
        .ok_or_else(|| FinanceAppError::Internal("overhead entry not stored".to_owned()))
}

/// Replaces an overhead entry of the organisation.
pub async fn replace_overhead(
    ctx: &Context,
    org: &OrgId,
    entry_id: &str,
    draft: EntryDraft,
) -> Result<StoredEntry, FinanceAppError> {
    let currency = default_currency(ctx.store.as_ref(), org).await?;
    let entry = overhead_entry(draft, &currency)?;
    check_rate(ctx, org, &entry, &campaign_currencies(ctx, org).await?).await?;
    ctx.store
        .update_ledger_entry(org, LedgerScope::Overhead, entry_id, &entry, ctx.now())
        .await?
        .ok_or(FinanceAppError::NotFound("overhead entry"))
}

/// Deletes an entry in `scope` (a campaign's costs, or the overhead).
pub async fn delete_entry(
    ctx: &Context,
    org: &OrgId,
    scope: LedgerScope<'_>,
    entry_id: &str,
) -> Result<(), FinanceAppError> {
    let what = match scope {
        LedgerScope::Overhead => "overhead entry",
        _ => "cost entry",
    };
    if ctx.store.delete_ledger_entry(org, scope, entry_id).await? {
        Ok(())
    } else {
        Err(FinanceAppError::NotFound(what))
    }
}

/// Stores one entry; `None` when its campaign is not the organisation's.
async fn insert_one(
    ctx: &Context,
    org: &OrgId,
    entry: LedgerEntry,
) -> Result<Option<StoredEntry>, FinanceAppError> {
    Ok(ctx
        .store
        .insert_ledger_entries(org, &[entry], ctx.now())
        .await?
        .and_then(|mut stored| stored.pop()))
}

/// Imports a campaign's ledger CSV, all or nothing: every entry is stored on its natural key
/// (the optional `external_id` column, else the entry itself; see
/// `spendlens_finance::ImportedEntry`), so re-importing the file changes nothing, and the counts
/// say how many entries were new, updated or unchanged. `campaign_id` may be left out or blank
/// (this campaign) and when given must be this campaign; overhead is refused. Every problem
/// names its line and column (as problems of the field `file`).
pub async fn import_ledger(
    ctx: &Context,
    campaign: &Campaign,
    bytes: &[u8],
) -> Result<LedgerImported, FinanceAppError> {
    let with_campaign = fill_campaign(bytes, campaign.id.as_str());
    let entries = spendlens_finance::parse_ledger_file(&with_campaign, &campaign.spec.currency)?;
    let mut problems = Vec::new();
    for (i, e) in entries.iter().map(|e| &e.entry).enumerate() {
        match e.campaign_id() {
            None => problems.push(Problem::new(
                "file",
                format!(
                    "entry {}, column category: operational_overhead belongs to the organisation; import it through /api/overhead",
                    i + 1
                ),
            )),
            Some(c) if c != &campaign.id => problems.push(Problem::new(
                "file",
                format!(
                    "entry {}, column campaign_id: names campaign {c}, not this campaign ({})",
                    i + 1,
                    campaign.id
                ),
            )),
            Some(_) => {}
        }
    }
    // The rates table read once, and only when an entry is in another currency.
    let target = [campaign.spec.currency.clone()];
    let foreign: Vec<(usize, &str)> = entries
        .iter()
        .map(|e| e.entry.currency())
        .enumerate()
        .filter(|(_, c)| !c.eq_ignore_ascii_case(&campaign.spec.currency))
        .collect();
    if !foreign.is_empty() {
        let table = rates_table(ctx, &campaign.org_id).await?;
        for (i, currency) in foreign {
            if let Some(t) = unconvertible(&table, currency, &target) {
                problems.push(Problem::new(
                    "file",
                    format!(
                        "entry {}, column currency: {}",
                        i + 1,
                        no_rate(currency, &t)
                    ),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(FinanceAppError::Fields(problems));
    }
    ctx.store
        .import_ledger_entries(&campaign.org_id, &campaign.id, &entries, ctx.now())
        .await?
        .ok_or(FinanceAppError::NotFound("campaign"))
}

/// Fills a blank or missing `campaign_id` with this campaign's id, so a campaign's own ledger
/// file need not repeat it. Record by record, without holding them: anything unreadable, wider or
/// longer than a ledger line may be, or with more lines than a ledger file holds entries, is passed
/// through unfilled for the parser to name (a header of a million columns, or eight megabytes of
/// one-character lines, held as records cost hundreds of megabytes before the parser's limits
/// were reached).
fn fill_campaign(bytes: &[u8], campaign: &str) -> Vec<u8> {
    use spendlens_finance::import::{MAX_COLUMNS, MAX_ENTRIES, MAX_LINE_BYTES};
    let within =
        |r: &csv::ByteRecord| r.len() <= MAX_COLUMNS && r.as_slice().len() <= MAX_LINE_BYTES;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(header)) if within(&header) => header,
        _ => return bytes.to_vec(),
    };
    let is_campaign = |cell: &[u8]| {
        String::from_utf8_lossy(cell)
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            == "campaign_id"
    };
    let column = header.iter().position(is_campaign);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(bytes.len() + bytes.len() / 4));
    let added: &[u8] = if column.is_some() {
        b""
    } else {
        b"campaign_id"
    };
    let header_cells = header.iter().chain((!added.is_empty()).then_some(added));
    if writer.write_record(header_cells).is_err() {
        return bytes.to_vec();
    }
    for (n, record) in records.enumerate() {
        let record = match record {
            Ok(r) if n < MAX_ENTRIES && within(&r) => r,
            _ => return bytes.to_vec(),
        };
        let cells = record.iter().enumerate().map(|(i, cell)| {
            if Some(i) == column && cell.iter().all(u8::is_ascii_whitespace) {
                campaign.as_bytes()
            } else {
                cell
            }
        });
        let written = match column {
            Some(_) => writer.write_record(cells),
            None => writer.write_record(cells.chain(std::iter::once(campaign.as_bytes()))),
        };
        if written.is_err() {
            return bytes.to_vec();
        }
    }
    writer.into_inner().unwrap_or_else(|_| bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_wider_than_a_ledger_is_passed_through_unfilled() {
        let wide = (0..=spendlens_finance::import::MAX_COLUMNS)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        assert_eq!(fill_campaign(wide.as_bytes(), "c1"), wide.as_bytes());
        let lines =
            "category\n".to_owned() + &"a\n".repeat(spendlens_finance::import::MAX_ENTRIES + 1);
        assert_eq!(fill_campaign(lines.as_bytes(), "c1"), lines.as_bytes());
        let ok = "category,amount\nmedia_spend,1\n";
        assert_eq!(
            String::from_utf8_lossy(&fill_campaign(ok.as_bytes(), "c1")),
            "category,amount,campaign_id\nmedia_spend,1,c1\n"
        );
        let given = "\u{feff}Campaign ID,amount\n ,1\nc2,2\n";
        assert_eq!(
            String::from_utf8_lossy(&fill_campaign(given.as_bytes(), "c1")),
            "Campaign ID,amount\nc1,1\nc2,2\n"
        );
    }

    #[test]
    fn the_default_currency_is_the_most_common_then_the_first_alphabetically() {
        assert_eq!(most_common_currency([]), "USD");
        assert_eq!(most_common_currency(["EUR", "USD", "EUR"]), "EUR");
        assert_eq!(most_common_currency(["USD", "GBP"]), "GBP");
    }

    #[test]
    fn a_ledger_without_campaign_ids_is_charged_to_the_campaign() {
        let filled = fill_campaign(b"category,amount\nmedia_spend,1\n", "c1");
        assert_eq!(
            String::from_utf8_lossy(&filled),
            "category,amount,campaign_id\nmedia_spend,1,c1\n"
        );
        let filled = fill_campaign(b"campaign_id,amount\n ,1\nc2,2\n", "c1");
        assert_eq!(
            String::from_utf8_lossy(&filled),
            "campaign_id,amount\nc1,1\nc2,2\n"
        );
    }
}
