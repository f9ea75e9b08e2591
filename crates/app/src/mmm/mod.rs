//! The marketing-mix model in the product (issue 17): an organisation-level model over chosen
//! campaigns (or all), fitted by `spendlens-mmm` from what is stored, kept per run with the data
//! versions of its inputs, and set beside the platforms' own and the attribution models' figures.
//!
//! **Inputs.** Channels are the stored spend, day by day, summed over the chosen campaigns: one
//! channel per ad platform with spend, one per named offline channel (TV, radio, podcasts...).
//! The KPI is the campaigns' GA4 revenue, the platforms' revenue as the analysis values it, or a
//! series the caller uploads (the business's own revenue, from its books). With GA4 revenue, a
//! chosen campaign without any over the window is left out and named in the run (`left_out`):
//! its spend cannot be credited with revenue the KPI never counted for it. The campaigns must
//! share one currency (a model of mixed currencies would add euros to dollars). Every day of the
//! window needs a KPI value: a missing day is refused, naming it, never read as zero.
//!
//! **Runs.** Each run is stored with `campaign:inputs_version` of every campaign it read
//! ([`data_version`]); a run whose inputs changed since (rows, offline spend, settings, campaign
//! fields) is shown as out of date, never as current. Snapshots and the choice of a revenue basis
//! are not its inputs: choosing the model as a campaign's basis leaves its run current.
//!
//! **The comparison.** Per ad platform, over the model's window: the model's incremental KPI per
//! unit of spend (its ROI, modelled), the revenue the platform reports per unit of spend
//! (platform-reported ROAS) and the revenue the campaigns' attribution models credit it per unit
//! of spend (attributed ROAS, when touchpoints exist). Each is labelled with its basis.

pub mod basis;
mod command;
mod document;
pub mod refresh;
pub mod series;
pub mod words;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use spendlens_core::Platform;
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_core::daily::DailyRow;
use spendlens_mmm::{ChannelSpend, Dataset, Options};
use spendlens_store::{NewMmmRun, Store, StoredMmmRun};

pub use command::{KpiSource, MmmCommand, kpi_label};
pub use document::Comparison;

use crate::AppError;

/// The smallest window a model is fitted on (the contract's minimum for daily data).
pub const MIN_DAYS: usize = 52;

/// A stored run with whether its inputs still hold.
#[derive(Debug, Clone)]
pub struct Run {
    pub stored: StoredMmmRun,
    /// The data versions of its campaigns are still the stored ones.
    pub current: bool,
}

/// `campaign_id:inputs_version` of each campaign, in order: what a run rests on.
pub async fn data_version(
    store: &dyn Store,
    org: &OrgId,
    campaigns: &[CampaignId],
) -> Result<String, AppError> {
    let mut parts = Vec::with_capacity(campaigns.len());
    for id in campaigns {
        let version = store
            .inputs_version(org, id)
            .await?
            .ok_or(AppError::NotFound)?;
        parts.push(format!("{}:{version}", id.as_str()));
    }
    Ok(parts.join(" "))
}

/// The chosen campaigns of the organisation (all when none is named), each checked to be the
/// organisation's, in one currency.
async fn campaigns_of(
    store: &dyn Store,
    org: &OrgId,
    chosen: &[CampaignId],
) -> Result<Vec<Campaign>, AppError> {
    let all = store.list_campaigns(org).await?;
    let picked: Vec<Campaign> = if chosen.is_empty() {
        all
    } else {
        let mut out: Vec<Campaign> = Vec::new();
        for (i, id) in chosen.iter().enumerate() {
            if chosen[..i].contains(id) {
                return Err(AppError::invalid(
                    &format!("campaigns[{i}]"),
                    format!("campaign {} is given twice", id.as_str()),
                ));
            }
            match all.iter().find(|c| &c.id == id) {
                Some(c) => out.push(c.clone()),
                None => {
                    return Err(AppError::invalid(
                        &format!("campaigns[{i}]"),
                        format!("no campaign {} in your organisation", id.as_str()),
                    ));
                }
            }
        }
        out
    };
    if picked.is_empty() {
        return Err(AppError::invalid(
            "campaigns",
            "the organisation has no campaign to model",
        ));
    }
    let currency = picked[0].spec.currency.clone();
    if let Some(other) = picked.iter().find(|c| c.spec.currency != currency) {
        return Err(AppError::invalid(
            "campaigns",
            format!(
                "the campaigns are in {currency} and {} ({}): model campaigns of one currency",
                other.spec.currency, other.spec.name
            ),
        ));
    }
    Ok(picked)
}

/// What the fit reads, gathered from the store.
struct Gathered {
    /// The campaigns modelled: the chosen ones, less those left out for want of the KPI.
    campaigns: Vec<Campaign>,
    /// Chosen but left out: no GA4 revenue over the window, so the KPI does not count what their
    /// spend caused.
    left_out: Vec<Campaign>,
    dataset: Dataset,
    /// Per ad platform: spend and platform-reported revenue over the window.
    reported: BTreeMap<Platform, (Decimal, Decimal)>,
    /// The sentences for channels left out for a spend the same every day.
    constant: Vec<String>,
}

async fn gather(
    store: &dyn Store,
    org: &OrgId,
    cmd: &MmmCommand,
    today: NaiveDate,
) -> Result<Gathered, AppError> {
    window_days(cmd, today)?;
    let campaigns = campaigns_of(store, org, &cmd.campaigns).await?;
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let to = cmd.to.unwrap_or(today);
    let from = cmd.from.unwrap_or(earliest);
    // Per day: spend per channel name, GA4 revenue, platform-reported revenue.
    let mut spend: BTreeMap<String, BTreeMap<NaiveDate, Decimal>> = BTreeMap::new();
    let mut ga4: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    let mut platform_revenue: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    let mut reported: BTreeMap<Platform, (Decimal, Decimal)> = BTreeMap::new();
    let mut read = Vec::with_capacity(campaigns.len());
    for c in campaigns {
        let rows = store.daily_series(org, &c.id, from, to).await?;
        read.push((c, rows));
    }
    let (read, left_out) = with_kpi(cmd, read)?;
    let campaigns: Vec<Campaign> = read.iter().map(|(c, _)| c.clone()).collect();
    for (c, rows) in read {
        let settings = store.settings(org, &c.id).await?.unwrap_or_default();
        let totals = store.platform_totals(org, &c.id, to).await?;
        let input = spendlens_core::totals::analysis_input(to, &c.spec, &settings, &totals, None);
        let aov = spendlens_core::analysis::aov(&input.platforms);
        for row in rows {
            if row.platform == Platform::Ga4 {
                if let Some(r) = row.revenue {
                    *ga4.entry(row.date).or_default() += r;
                }
                continue;
            }
            let value = crate::finance::row_revenue(&row, &settings, &aov, &input.platforms);
            *platform_revenue.entry(row.date).or_default() += value;
            if row.platform.is_ad_platform() {
                *spend
                    .entry(row.platform.as_str().to_owned())
                    .or_default()
                    .entry(row.date)
                    .or_default() += row.spend;
                let line = reported.entry(row.platform).or_default();
                line.0 += row.spend;
                line.1 += value;
            }
        }
        for day in store.channel_series(org, &c.id, from, to).await? {
            // One channel for `TV` on one campaign and `tv` on another: the first spelling met.
            let name = spend
                .keys()
                .find(|k| k.eq_ignore_ascii_case(day.channel.as_str()))
                .cloned()
                .unwrap_or_else(|| day.channel.as_str().to_owned());
            *spend.entry(name).or_default().entry(day.date).or_default() += day.spend;
        }
    }
    // The default window is the days with spend: a day of zero spend neither opens nor closes it.
    for days in spend.values_mut() {
        days.retain(|_, s| *s > Decimal::ZERO);
    }
    spend.retain(|_, days| !days.is_empty());
    let (first, last) = match (
        spend.values().filter_map(|d| d.keys().next()).min(),
        spend.values().filter_map(|d| d.keys().next_back()).max(),
    ) {
        (Some(a), Some(b)) => (cmd.from.unwrap_or(*a), cmd.to.unwrap_or(*b)),
        _ => {
            return Err(AppError::invalid(
                "campaigns",
                "the campaigns have no spend in the window: import their daily rows first",
            ));
        }
    };
    let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    if dates.len() < MIN_DAYS {
        return Err(AppError::invalid(
            "from",
            format!(
                "{} days from {first} to {last}: a model needs at least {MIN_DAYS} days of data",
                dates.len()
            ),
        ));
    }
    let values = kpi_values(&cmd.kpi, &dates, &ga4, &platform_revenue)?;
    let (channels, constant): (Vec<ChannelSpend>, Vec<ChannelSpend>) = spend
        .into_iter()
        .map(|(name, days)| ChannelSpend {
            column: name.clone(),
            spend: dates
                .iter()
                .map(|d| days.get(d).copied().unwrap_or_default())
                .collect(),
            name,
        })
        .partition(|c| c.spend.iter().any(|s| *s != c.spend[0]));
    // A spend the same every day (a sponsorship's flat fee) cannot be told from the baseline:
    // left out and named, rather than refusing every model of these campaigns.
    let constant: Vec<String> = constant
        .into_iter()
        .map(|c| {
            format!(
                "{}'s spend is {} every day of the window, so what it caused cannot be told from \
                 the baseline: it is left out of the model, and its effect is counted in the \
                 baseline.",
                c.name,
                spendlens_core::num::cents_text(c.spend[0])
            )
        })
        .collect();
    if channels.is_empty() {
        return Err(AppError::invalid(
            "campaigns",
            constant.first().cloned().unwrap_or_else(|| {
                "the campaigns have no spend in the window: import their daily rows first"
                    .to_owned()
            }),
        ));
    }
    // Every KPI here is revenue in the campaigns' one currency (an uploaded series too).
    let kpi_prefix = campaigns
        .first()
        .map(|c| spendlens_report::currency::currency_prefix(&c.spec.currency))
        .unwrap_or_default();
    Ok(Gathered {
        campaigns,
        left_out,
        constant,
        dataset: Dataset {
            kpi: cmd.kpi.name().to_owned(),
            kpi_prefix,
            date_column: "date".to_owned(),
            first_row: 1,
            dates,
            values,
            channels,
            controls: Vec::new(),
            holidays: Vec::new(),
        },
        reported,
    })
}

/// The window's own days: within the years spendlens dates (2000 to 2099), not after today (a
/// model fits days that happened), and in order; each problem on its field.
fn window_days(cmd: &MmmCommand, today: NaiveDate) -> Result<(), AppError> {
    use chrono::Datelike;
    for (field, day) in [("from", cmd.from), ("to", cmd.to)] {
        let Some(day) = day else { continue };
        if !(2000..=2099).contains(&day.year()) {
            return Err(AppError::invalid(
                field,
                format!("{day} is outside the years 2000 to 2099"),
            ));
        }
        if day > today {
            return Err(AppError::invalid(
                field,
                format!("{day} is after today ({today}): a model fits days that happened"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (cmd.from, cmd.to)
        && to < from
    {
        return Err(AppError::invalid("to", "the window ends before it starts"));
    }
    if let KpiSource::Series(values) = &cmd.kpi
        && let Some((day, _)) = values.iter().find(|(d, _)| *d > today)
    {
        return Err(AppError::invalid(
            "kpi",
            format!("the KPI series has a value on {day}, after today ({today})"),
        ));
    }
    Ok(())
}

/// A campaign with its daily rows over the window.
type Read = (Campaign, Vec<DailyRow>);

/// With GA4 revenue as the KPI, the campaigns that have some over the window, and those left out
/// because they have none: modelled against GA4 revenue, their spend would be credited with
/// revenue the KPI never counted for them. The run names them (`left_out`). When none has any,
/// the run is refused. Other KPIs keep every campaign.
fn with_kpi(cmd: &MmmCommand, read: Vec<Read>) -> Result<(Vec<Read>, Vec<Campaign>), AppError> {
    if !matches!(cmd.kpi, KpiSource::Ga4Revenue) {
        return Ok((read, Vec::new()));
    }
    let (kept, left_out): (Vec<_>, Vec<_>) = read.into_iter().partition(|(_, rows)| {
        rows.iter()
            .any(|r| r.platform == Platform::Ga4 && r.revenue.is_some())
    });
    let left_out: Vec<Campaign> = left_out.into_iter().map(|(c, _)| c).collect();
    if kept.is_empty() {
        let when = match (cmd.from, cmd.to) {
            (None, None) => String::new(),
            (from, to) => format!(
                " from {} to {}",
                from.map_or_else(|| "their first day".to_owned(), |d| d.to_string()),
                to.map_or_else(|| "today".to_owned(), |d| d.to_string())
            ),
        };
        return Err(AppError::invalid(
            "kpi",
            format!(
                "no GA4 revenue is stored for these campaigns{when}: connect Google Analytics 4 \
                 or import its daily rows, choose another window, or model the platforms' revenue \
                 or your own KPI file instead"
            ),
        ));
    }
    Ok((kept, left_out))
}

/// The KPI per day of `dates`, from its source; a day without a value is refused, naming it.
fn kpi_values(
    source: &KpiSource,
    dates: &[NaiveDate],
    ga4: &BTreeMap<NaiveDate, Decimal>,
    platforms: &BTreeMap<NaiveDate, Decimal>,
) -> Result<Vec<f64>, AppError> {
    let series: BTreeMap<NaiveDate, f64> = match source {
        KpiSource::Ga4Revenue => ga4
            .iter()
            .map(|(d, v)| (*d, v.to_f64().unwrap_or(0.0)))
            .collect(),
        KpiSource::PlatformRevenue => platforms
            .iter()
            .map(|(d, v)| (*d, v.to_f64().unwrap_or(0.0)))
            .collect(),
        KpiSource::Series(values) => values.iter().copied().collect(),
    };
    dates
        .iter()
        .map(|d| {
            series.get(d).copied().ok_or_else(|| {
                AppError::invalid(
                    "kpi",
                    format!(
                        "{} has no value on {d}: every day from {} to {} needs one (narrow the window with from/to, or model the platforms' revenue or your own KPI file instead)",
                        source.label(),
                        dates.first().copied().unwrap_or(*d),
                        dates.last().copied().unwrap_or(*d)
                    ),
                )
            })
        })
        .collect()
}

/// Fits the model the command describes, stores the run and answers it.
pub async fn run(
    ctx: &crate::context::Context,
    org: &OrgId,
    cmd: MmmCommand,
) -> Result<Run, AppError> {
    let today = ctx.now().date_naive();
    // A lift test may name an ad platform as the pages show it ("Google Ads"): recorded and
    // fitted under the channel's own name.
    let cmd = MmmCommand {
        experiments: cmd
            .experiments
            .into_iter()
            .map(|e| spendlens_mmm::Experiment {
                channel: spendlens_core::channel::platform_named(&e.channel)
                    .map_or_else(|| e.channel.clone(), |p| p.as_str().to_owned()),
                ..e
            })
            .collect(),
        ..cmd
    };
    let gathered = gather(ctx.store.as_ref(), org, &cmd, today).await?;
    let ids: Vec<CampaignId> = gathered.campaigns.iter().map(|c| c.id.clone()).collect();
    // The left-out campaigns count too: GA4 revenue imported on one later changes the run.
    let read: Vec<CampaignId> = ids
        .iter()
        .cloned()
        .chain(gathered.left_out.iter().map(|c| c.id.clone()))
        .collect();
    let version = data_version(ctx.store.as_ref(), org, &read).await?;
    // The request as recorded names the campaigns it read, so that running it again reads the
    // same ones, not whatever "all campaigns" means by then.
    let recorded = MmmCommand {
        campaigns: if cmd.campaigns.is_empty() {
            read.clone()
        } else {
            cmd.campaigns.clone()
        },
        ..cmd.clone()
    };
    let comparison = document::comparison(ctx.store.as_ref(), org, &gathered, &cmd).await?;
    let options = Options {
        draws: cmd.draws,
        seed: cmd.seed,
    };
    let (dataset, experiments) = (gathered.dataset, cmd.experiments.clone());
    let mut model =
        tokio::task::spawn_blocking(move || spendlens_mmm::fit(&dataset, &experiments, &options))
            .await
            .map_err(|e| AppError::invalid("$", format!("the fit stopped: {e}")))?
            .map_err(|e| match &e {
                // A lift test the data cannot take (an unknown channel, days outside the
                // window), on its place: an adapter numbers its tests from 1 (the API's
                // `experiments[0]` is row 1; a file's rows are its own).
                spendlens_mmm::MmmError::Experiment { row, column, .. } => AppError::invalid(
                    &format!("experiments[{}].{column}", row.saturating_sub(1)),
                    e.to_string(),
                ),
                _ => AppError::invalid("kpi", e.to_string()),
            })?;
    model.warnings.extend(gathered.constant);
    let currency = gathered
        .campaigns
        .first()
        .map(|c| c.spec.currency.clone())
        .unwrap_or_default();
    let result = document::result(&model, &currency, &gathered.left_out, &comparison);
    let stored = ctx
        .store
        .save_mmm_run(
            org,
            &NewMmmRun {
                campaigns: ids,
                data_version: version,
                request: recorded.to_json().to_string(),
                result: result.to_string(),
            },
            ctx.now(),
        )
        .await?;
    Ok(Run {
        stored,
        current: true,
    })
}

/// The organisation's runs, newest first, each with whether its inputs still hold.
pub async fn runs(store: &dyn Store, org: &OrgId) -> Result<Vec<Run>, AppError> {
    let mut out = Vec::new();
    for stored in store.mmm_runs(org).await? {
        let current = is_current(store, org, &stored).await?;
        out.push(Run { stored, current });
    }
    Ok(out)
}

/// One run of the organisation (`AppError::NotFound` for another's).
pub async fn run_of(store: &dyn Store, org: &OrgId, id: &str) -> Result<Run, AppError> {
    let stored = store.mmm_run(org, id).await?.ok_or(AppError::NotFound)?;
    let current = is_current(store, org, &stored).await?;
    Ok(Run { stored, current })
}

pub(crate) async fn is_current(
    store: &dyn Store,
    org: &OrgId,
    stored: &StoredMmmRun,
) -> Result<bool, AppError> {
    // Every campaign the run read, as its data version lists them (the modelled ones and any left
    // out for want of the KPI).
    let read: Vec<CampaignId> = stored
        .data_version
        .split(' ')
        .filter_map(|part| part.rsplit_once(':'))
        .map(|(id, _)| CampaignId::new(id))
        .collect();
    match data_version(store, org, &read).await {
        Ok(now) => Ok(now == stored.data_version),
        // A campaign of the run was deleted since.
        Err(AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}
