//! The finance use cases (issue 6): a campaign's ROI, budget consumption with alerts raised once
//! and delivered to a webhook, and the organisation's financial report in JSON, CSV, XLSX and PDF.
//!
//! Each use case loads what the pure `spendlens-finance` functions read (the organisation's
//! campaigns with their daily rows, named channels' days and revenue, the ledger, the people
//! assigned, the settings and rates) from the store, scoped to the caller's organisation, and
//! calls them. Nothing here computes a financial figure itself; [`document`] only lays the
//! report out for the renderer.

pub mod alerts;
pub mod basis;
pub mod document;
mod fitted_days;
pub mod ledger;
pub mod rates;
pub mod settings;
mod spread;
pub mod webhook;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt as _;
use rust_decimal::Decimal;
use spendlens_core::analysis::{PlatformMetrics, aov, platform_revenue};
use spendlens_core::campaign::{Campaign, CampaignId, OrgId, PlatformSettings};
use spendlens_core::channel::ChannelDay;
use spendlens_core::totals::{analysis_input, totals_of_rows};
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::books::{PlatformDay, RevenueBasis};

use self::basis::BasisChoice;
use self::document::SpendDays;
use spendlens_finance::{
    CampaignBook, CampaignRoi, DailyRevenue, FinanceError, FinanceSettings, FinancialReport,
    FxRate, LedgerEntry, OrgBooks, Period, RatesTable, Reconciliation, ReportPlan, ReportRequest,
    ReportSums, RevenueSeries,
};
use spendlens_store::finance::{CampaignFinance, LedgerScope};
use spendlens_store::{Store, StoreError};

use crate::clock::today_in;
use crate::labels::Label;

pub use crate::Problem;

/// What a finance use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum FinanceAppError {
    /// The campaign (or entry) does not exist in the caller's organisation.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The finance domain refused the input (a field, a rate, a period), naming the place.
    #[error(transparent)]
    Finance(#[from] FinanceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A use case this one builds on refused its input, naming the field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A command broke rules of several fields (or of a file's entries, as field `file`).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Fields(Vec<Problem>),
    /// The record changed under the command too often to apply it (others editing it at the
    /// same moment); nothing was written and the command may be sent again.
    #[error("{0}")]
    Conflict(String),
    /// Something that should not fail did (sealing a secret); logged, never shown.
    #[error("{0}")]
    Internal(String),
}

/// The first day rows are loaded from: every stored day counts for lifetime figures.
const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The organisation's finance settings as the computations read them (defaults when never set)
/// and its rates table.
pub async fn computation_settings(
    store: &dyn Store,
    org: &OrgId,
) -> Result<(FinanceSettings, Vec<FxRate>), FinanceAppError> {
    let stored = store.finance_settings(org).await?;
    let mut settings = FinanceSettings::default();
    let rates = match stored {
        Some(s) => {
            settings.cost_of_capital = s.cost_of_capital;
            s.rates
        }
        None => Vec::new(),
    };
    Ok((settings, rates))
}

/// What a campaign's revenue reads from the store besides its rows: the touchpoints' credit
/// when attribution is its basis and the organisation has touchpoints (kept only when it
/// credits a conversion), the model's contributions when a marketing-mix model is.
#[derive(Debug, Default)]
pub(crate) struct RevenueReads {
    attributed: Option<crate::attribution::AttributedRevenue>,
    modelled: Option<crate::mmm::basis::Contributions>,
}

/// Reads [`RevenueReads`] for a campaign whose first row is on `first` (none: no rows).
async fn revenue_reads(
    store: &dyn Store,
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
    first: Option<NaiveDate>,
) -> Result<RevenueReads, FinanceAppError> {
    let mut reads = RevenueReads::default();
    if let (Some(first), BasisChoice::Attribution(model), true) =
        (first, known.basis, known.touchpoints)
    {
        match crate::attribution::attributed_revenue_of(store, campaign, model, first, up_to).await
        {
            Ok(a) if a.conversions > 0.0 => reads.attributed = Some(a),
            Ok(_) => {}
            // No usable touchpoints (none imported, or none for this window): the platforms'
            // own revenue stands.
            Err(e) => tracing::debug!(error = %e, "no touchpoint attribution for the campaign"),
        }
    }
    if known.basis == BasisChoice::Mmm {
        reads.modelled =
            crate::mmm::basis::contributions(store, &campaign.org_id, &campaign.id).await?;
    }
    Ok(reads)
}

/// The revenue attributed to a campaign, day by day, under its attribution method: THE one
/// place the finance use cases get revenue from.
///
/// The daily shape is the revenue the ad platforms report (or that the analysis estimates from
/// their conversions: reported revenue wins, else the platform's conversion value, else the
/// campaign's average order value, exactly as the Budget & Financial Analysis does per platform,
/// so each platform's days add up to the analysis' figure for it);
/// GA4 rows are left out because their conversions repeat the platforms'.
///
/// When the organisation has imported touchpoints that credit conversions to this campaign's
/// platforms, the total comes from the attribution engine instead: the revenue the campaign's
/// attribution model (see `crate::attribution::attributed_revenue`; default last touch) credits
/// to them up to `up_to`, spread over the days in proportion to the platforms' daily revenue (or
/// evenly over the days with rows when they report none), so payback keeps its timing while the
/// total follows the model. Without such touchpoints ROI and the analysis agree exactly.
/// The campaign's attribution method is recorded with the result.
///
/// `rows` are the campaign's daily platform rows up to `up_to`, all of them; `known` what was
/// read of it for the whole organisation, `reads` what [`revenue_reads`] read of it besides.
/// Pure: a report runs it beside the campaign's computation, off the task gathering the parts.
pub(crate) fn revenue_series(
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
    rows: &[DailyRow],
    reads: RevenueReads,
) -> RevenueSeries {
    let platform_settings = &known.settings;
    // The platforms' totals up to `up_to` are the sums of `rows` (every stored day up to it),
    // without trailing zeros as the store gives its own sums.
    let mut totals = totals_of_rows(rows);
    for t in &mut totals {
        t.spend = t.spend.normalize();
        t.conversions = t.conversions.normalize();
        t.conversion_value = t.conversion_value.map(|v| v.normalize());
        t.revenue = t.revenue.map(|v| v.normalize());
    }
    let input = analysis_input(up_to, &campaign.spec, platform_settings, &totals, None);
    let aov = aov(&input.platforms);
    let reported: Vec<PlatformDay> = rows
        .iter()
        .filter(|r| r.platform != Platform::Ga4)
        .map(|row| PlatformDay {
            date: row.date,
            platform: row.platform,
            amount: row_revenue(row, platform_settings, &aov, &input.platforms),
        })
        .collect();
    let mut days: Vec<DailyRevenue> = Vec::new();
    for d in &reported {
        let amount = d.amount;
        match days.last_mut() {
            Some(last) if last.date == d.date => {
                last.amount = spendlens_core::num::add(last.amount, amount);
            }
            _ => days.push(DailyRevenue {
                date: d.date,
                amount,
            }),
        }
    }
    let mut basis = if spendlens_core::analysis::revenue_configured(&input.platforms, &aov) {
        RevenueBasis::PlatformReported
    } else {
        RevenueBasis::Unmeasured
    };
    let mut credit = Vec::new();
    if let Some(a) = reads.attributed {
        spread::spread(&mut days, a.revenue);
        credit = a.by_platform;
        basis = RevenueBasis::Attributed {
            model: a.model.name().to_owned(),
            label: a.model.label().to_owned(),
        };
    }
    let mut credit_offline = Decimal::ZERO;
    if let Some(m) = reads.modelled {
        // The model's days replace the platforms' claims: revenue the channels caused.
        days = m.days;
        credit = m.by_platform;
        credit_offline = m.offline;
        basis = RevenueBasis::Modelled {
            run: m.run_id,
            label: m.label,
            range: m.range,
        };
    }
    RevenueSeries {
        method: known.facts.attribution_method,
        basis,
        days,
        reported,
        credit,
        credit_offline,
    }
}

/// The revenue of one platform day as the Budget & Financial Analysis values it, so that a
/// platform's days add up to the analysis' figure for the platform over `period` (the
/// platforms' totals of the days they belong to, as [`analysis_input`] makes them).
///
/// What the platform's revenue rests on is decided over the period, as the analysis decides it,
/// and each day is then valued by that: the revenue the platform reports (a day it reports
/// none adds nothing), else its own conversion value (LinkedIn: the configured value per
/// conversion; a day without a value adds nothing, since the platform's value per conversion is
/// its valued conversions' total over all of them), else the campaign's average order value per
/// conversion. Deciding it day by day instead would value a day whose cell was blank at the
/// average order value here and at nothing in the analysis.
pub fn row_revenue(
    row: &DailyRow,
    platform_settings: &spendlens_core::campaign::PlatformSettings,
    aov: &spendlens_core::analysis::Aov,
    period: &spendlens_core::analysis::PlatformInputs,
) -> Decimal {
    let of_period = period.get(row.platform);
    if of_period.is_some_and(|m| m.revenue.is_some()) {
        return row.revenue.unwrap_or(Decimal::ZERO);
    }
    let own_value = || row.conversion_value.unwrap_or(Decimal::ZERO);
    let valued = of_period
        .and_then(|m| m.conversion_value)
        .is_some_and(|v| v > Decimal::ZERO);
    match row.platform {
        Platform::LinkedIn => match platform_settings.linkedin_conversion_value {
            Some(v) => spendlens_core::num::mul(row.conversions, v),
            None => own_value(),
        },
        Platform::Meta | Platform::GoogleAds if valued => own_value(),
        platform => {
            let metrics = PlatformMetrics {
                spend: row.spend,
                conversions: row.conversions,
                ..PlatformMetrics::default()
            };
            platform_revenue(platform, &metrics, aov).0
        }
    }
}

/// What a campaign's book is made of: its platform rows and named channels' days up to
/// `up_to`, and what its revenue reads besides.
struct BookReads {
    rows: Vec<DailyRow>,
    channels: Vec<ChannelDay>,
    revenue: RevenueReads,
}

/// Reads [`BookReads`].
async fn book_reads(
    store: &dyn Store,
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
) -> Result<BookReads, FinanceAppError> {
    let rows = store
        .daily_series(&campaign.org_id, &campaign.id, EARLIEST, up_to)
        .await?;
    let channels = channel_days(store, campaign, known, up_to).await?;
    let first = rows.first().map(|r| r.date);
    let revenue = revenue_reads(store, campaign, known, up_to, first).await?;
    Ok(BookReads {
        rows,
        channels,
        revenue,
    })
}

/// A campaign's book from what was read of it (pure).
fn assemble(
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
    reads: BookReads,
) -> CampaignBook {
    let revenue = revenue_series(campaign, known, up_to, &reads.rows, reads.revenue);
    CampaignBook {
        id: campaign.id.clone(),
        spec: campaign.spec.clone(),
        headcount: known.facts.headcount,
        rows: reads.rows,
        channels: reads.channels,
        revenue,
    }
}

/// A campaign's book: its platform rows and named channels' days up to `up_to`, people assigned
/// and attributed revenue (the platforms'; a named channel has none of its own). Without
/// `with_rows`, only what overhead allocation reads (dates and people).
async fn book(
    store: &dyn Store,
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
    with_rows: bool,
) -> Result<CampaignBook, FinanceAppError> {
    if with_rows {
        let reads = book_reads(store, campaign, known, up_to).await?;
        return Ok(assemble(campaign, known, up_to, reads));
    }
    Ok(CampaignBook {
        id: campaign.id.clone(),
        spec: campaign.spec.clone(),
        headcount: known.facts.headcount,
        rows: Vec::new(),
        channels: Vec::new(),
        revenue: RevenueSeries {
            method: known.facts.attribution_method,
            basis: RevenueBasis::default(),
            days: Vec::new(),
            reported: Vec::new(),
            credit: Vec::new(),
            credit_offline: Decimal::ZERO,
        },
    })
}

/// The campaign's channel days up to `up_to`; none read when it has none.
async fn channel_days(
    store: &dyn Store,
    campaign: &Campaign,
    known: &CampaignKnown,
    up_to: NaiveDate,
) -> Result<Vec<ChannelDay>, StoreError> {
    if !known.channels {
        return Ok(Vec::new());
    }
    store
        .channel_series(&campaign.org_id, &campaign.id, EARLIEST, up_to)
        .await
}

/// What the books read of a campaign besides its days, read for the whole organisation at once
/// (a handful of queries, not a handful per campaign).
#[derive(Debug, Clone)]
pub(crate) struct CampaignKnown {
    /// People assigned, attribution method.
    pub facts: CampaignFinance,
    pub settings: PlatformSettings,
    /// The basis its ROI rests on (with its attribution model).
    pub basis: BasisChoice,
    /// Whether it has offline channel days.
    pub channels: bool,
    /// Whether touchpoints may credit it: the organisation has some.
    pub touchpoints: bool,
}

/// The organisation's campaigns, each with what the books read of it besides its days, and its
/// whole ledger.
async fn campaigns_and_ledger(
    store: &dyn Store,
    org: &OrgId,
) -> Result<(Vec<(Campaign, CampaignKnown)>, Vec<LedgerEntry>), FinanceAppError> {
    let mut facts: HashMap<CampaignId, CampaignFinance> =
        store.org_campaign_finance(org).await?.into_iter().collect();
    let mut settings: HashMap<CampaignId, PlatformSettings> =
        store.org_settings(org).await?.into_iter().collect();
    let mut bases: HashMap<CampaignId, (String, String)> = store
        .org_revenue_bases(org)
        .await?
        .into_iter()
        .map(|(id, b, m)| (id, (b, m)))
        .collect();
    let channels: HashSet<CampaignId> = store
        .campaigns_with_channels(org)
        .await?
        .into_iter()
        .collect();
    let touchpoints = store.has_touchpoints(org).await?;
    let campaigns = store
        .list_campaigns(org)
        .await?
        .into_iter()
        .map(|c| {
            let known = CampaignKnown {
                facts: facts.remove(&c.id).unwrap_or_default(),
                settings: settings.remove(&c.id).unwrap_or_default(),
                basis: basis::choice_of(bases.remove(&c.id)),
                channels: channels.contains(&c.id),
                touchpoints,
            };
            (c, known)
        })
        .collect();
    let entries = store
        .ledger(org, LedgerScope::All)
        .await?
        .into_iter()
        .map(|e| e.entry)
        .collect();
    Ok((campaigns, entries))
}

/// The organisation's books. Campaigns in `full` get their rows, channel days and revenue; the
/// others only what overhead allocation reads (dates and people; their first row when they have
/// no start date).
async fn org_books(
    store: &dyn Store,
    org: &OrgId,
    full: Option<&CampaignId>,
    up_to: NaiveDate,
) -> Result<OrgBooks, FinanceAppError> {
    let (campaigns, entries) = campaigns_and_ledger(store, org).await?;
    let mut books = Vec::with_capacity(campaigns.len());
    for (c, known) in &campaigns {
        let with_rows = full.is_none_or(|id| id == &c.id) || c.spec.start_date.is_none();
        books.push(book(store, c, known, up_to, with_rows).await?);
    }
    Ok(OrgBooks {
        org_id: org.clone(),
        campaigns: books,
        entries,
    })
}

/// The ROI of one campaign over `from..=to` (default: the earlier of its start and its first row,
/// to today in its time zone).
pub async fn campaign_roi(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<CampaignRoi, FinanceAppError> {
    let (books, window, today, settings, rates) = roi_inputs(store, org, id, from, to, now).await?;
    let rates = RatesTable::new(&rates)?;
    Ok(spendlens_finance::calculate_campaign_roi(
        &books, id, window, today, &settings, &rates,
    )?)
}

/// What a campaign's ROI is computed from: the organisation's books with the campaign's in full,
/// the ROI's window (`from` defaulting to the earliest of the campaign's start, its first row
/// or channel day and its first cost; `to` to today), today in its time zone, and the finance settings with the rates.
type RoiInputs = (OrgBooks, Period, NaiveDate, FinanceSettings, Vec<FxRate>);

/// Gathers [`RoiInputs`].
async fn roi_inputs(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<RoiInputs, FinanceAppError> {
    let campaign = store
        .campaign(org, id)
        .await?
        .ok_or(FinanceAppError::NotFound("campaign"))?;
    let today = today_in(now, &campaign.spec.time_zone);
    let to = to.unwrap_or(today);
    let books = org_books(store, org, Some(id), to.max(today)).await?;
    // The whole campaign runs from its start, or from its first row, channel day or cost when
    // one was booked before it (creative made before launch, a fee billed from the month's
    // start): the analysis and the budget count that spend, and its ledger lists those costs,
    // so its ROI counts them too.
    let own_days = books.campaign(id).into_iter().flat_map(|b| {
        let rows = b.rows.iter().map(|r| r.date);
        rows.chain(b.channels.iter().map(|c| c.date))
    });
    let own_costs = books
        .entries
        .iter()
        .filter(|e| e.campaign_id() == Some(id))
        .map(LedgerEntry::first_day);
    let start = campaign
        .spec
        .start_date
        .into_iter()
        .chain(own_days)
        .chain(own_costs)
        .min();
    let asked = from.is_some();
    let from = from.or(start).unwrap_or(to.min(today));
    let window = Period::new(from, to).map_err(|message| {
        FinanceError::InvalidPeriod(if asked || to < from {
            message
        } else {
            // The caller gave no `from`: say where the whole campaign's window starts.
            format!(
                "the whole campaign, from its first day, row or cost ({from}) to {to}, {message}: \
                 give `from` (or correct an entry dated by mistake)"
            )
        })
    })?;
    let (settings, rates) = computation_settings(store, org).await?;
    Ok((books, window, today, settings, rates))
}

/// The walk from the campaign's platform-reported revenue to its ROI on the full investment over
/// `from..=to` (each defaulting as [`campaign_roi`]'s), ending at exactly that ROI.
pub async fn reconciliation(
    store: &dyn Store,
    org: &OrgId,
    id: &CampaignId,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(Reconciliation, BasisChoice), FinanceAppError> {
    let (books, window, today, settings, rates) = roi_inputs(store, org, id, from, to, now).await?;
    let rates = RatesTable::new(&rates)?;
    let walk = spendlens_finance::reconcile(&books, id, window, today, &settings, &rates)?;
    let choice = basis::stored_basis(store, org, id).await?;
    Ok((walk, choice))
}

/// The currency a report is asked in: a 3-letter ISO 4217 code (any case, trimmed); blank means
/// the default.
pub fn report_currency(code: &str) -> Result<Option<String>, String> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        Ok(None)
    } else if spendlens_core::currency::is_iso_4217(&code) {
        Ok(Some(code))
    } else {
        Err(format!(
            "{code} is not an ISO 4217 currency code (such as USD, EUR, GBP)"
        ))
    }
}

/// What a financial report is asked for.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub period: Period,
    /// The report currency; default the one most of the campaigns use
    /// ([`ledger::most_common_currency`]).
    pub currency: Option<String>,
    /// Rates to use instead of the organisation's table (the CLI's `--rates FILE`).
    pub rates: Option<Vec<FxRate>>,
}

/// Campaigns of a report read and computed at once: enough to keep both cores busy while
/// others wait on the database, few enough that their rows stay a few megabytes.
const READ_AHEAD: usize = 8;

/// The organisation's financial report and the daily spend its charts are drawn from. Each
/// campaign's figures are cut off at today in its own time zone, and its budget consumption and
/// pacing verdict are as of that day: the day the campaign list, its analysis and its ROI page
/// count to, so a campaign ahead of UTC shows the same spend everywhere. The report's own
/// window runs to the latest of those days.
///
/// The campaigns are read and computed a few at a time ([`READ_AHEAD`]; reads and
/// computations on blocking threads), and each campaign's rows are dropped once its part of the
/// report is taken: memory stays that of a couple of campaigns, whatever their number.
pub async fn financial_report(
    store: &dyn Store,
    org: &OrgId,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> Result<(FinancialReport, SpendDays), FinanceAppError> {
    let (campaigns, entries) = campaigns_and_ledger(store, org).await?;
    let today = campaigns
        .iter()
        .map(|(c, _)| today_in(now, &c.spec.time_zone))
        .max()
        .unwrap_or_else(|| now.date_naive());
    let up_to = query.period.end().max(today);
    // Overhead is spread over every campaign's activity before any campaign is computed; only
    // a campaign without a start date needs its rows and channel days for it (its first day),
    // not its revenue.
    let mut activities = Vec::with_capacity(campaigns.len());
    for (c, known) in &campaigns {
        let mut dates = book(store, c, known, up_to, false).await?;
        if c.spec.start_date.is_none() {
            dates.rows = store.daily_series(org, &c.id, EARLIEST, up_to).await?;
            dates.channels = channel_days(store, c, known, up_to).await?;
        }
        activities.push(dates.activity());
    }
    let (settings, stored_rates) = computation_settings(store, org).await?;
    let rates = RatesTable::new(query.rates.as_ref().unwrap_or(&stored_rates))?;
    let currency = query.currency.clone().unwrap_or_else(|| {
        ledger::most_common_currency(campaigns.iter().map(|(c, _)| c.spec.currency.as_str()))
    });
    let plan = Arc::new(ReportPlan::new(
        org.clone(),
        &ReportRequest {
            period: query.period,
            today,
            currency,
            settings,
            rates: &rates,
        },
        entries,
        &activities,
    )?);
    // Owned campaigns: a stream of futures borrowing from the list would not be `Send` for
    // every lifetime the server's handlers need.
    // Taken as each finishes, so a slow campaign never leaves a core idle behind it; the
    // parts are added in the campaigns' order (the report lists them so), the days at once
    // (sums, in any order), and the rows dropped.
    let mut parts = futures_util::stream::iter(campaigns.into_iter().enumerate())
        .map(|(index, (c, known))| {
            let plan = Arc::clone(&plan);
            async move {
                let budget_day = today_in(now, &c.spec.time_zone);
                let up_to = up_to.max(budget_day);
                let reads = book_reads(store, &c, &known, up_to).await?;
                tokio::task::spawn_blocking(move || {
                    let book = assemble(&c, &known, up_to, reads);
                    (index, plan.campaign_on(&book, budget_day), book)
                })
                .await
                .map_err(|e| FinanceAppError::Internal(format!("report task: {e}")))
            }
        })
        .buffer_unordered(READ_AHEAD);
    let mut sums = ReportSums::default();
    let mut days = SpendDays::new(plan.window());
    let mut waiting = BTreeMap::new();
    let mut next_index = 0;
    while let Some(next) = parts.next().await {
        let (index, part, book) = next?;
        days.add(&book);
        drop(book);
        waiting.insert(index, part);
        while let Some(part) = waiting.remove(&next_index) {
            sums.add(part?);
            next_index += 1;
        }
    }
    Ok((plan.finish(sums)?, days))
}
