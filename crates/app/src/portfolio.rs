//! The portfolio (issue 16 item 6): every campaign of an organisation with its budget, spend,
//! revenue, ROI and ROAS, pacing and open alerts, each in the campaign's own currency and
//! converted into one chosen currency through the organisation's exchange rates, with blended
//! totals in that currency.
//!
//! Every figure of a campaign is its Budget & Financial Analysis as of today in its time zone
//! (the cached one the campaign's page shows), so the portfolio never disagrees with a campaign's
//! page. Revenue, ROI and ROAS are therefore on the platform-reported basis (what the platforms
//! report, else estimated from their conversions), and the pages and the API say so.
//!
//! A converted figure is rounded to the cent, as its row shows it, and the totals are the sums of
//! those rounded rows, with ROI and ROAS computed from them: a total always adds up from the rows
//! beside it (rejected: exact conversions rounded only when written, whose total could be a cent
//! off the sum of its rows). A campaign whose currency has no
//! rate to the chosen one is listed with its own figures, named in [`Portfolio::missing_rates`]
//! and left out of the totals: rejected alternatives were dropping it (a portfolio that silently
//! loses a campaign) and guessing a rate (a total nobody can check).

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use spendlens_core::analysis::verdicts::Verdicts;
use spendlens_core::analysis::{Analysis, ComparisonPeriod};
use spendlens_core::campaign::{Campaign, OrgId};
use spendlens_core::num;
use spendlens_finance::{AlertKind, AlertState, RatesTable, track_budget_consumption};
use spendlens_store::Store;

use crate::AppError;
use crate::analysis::{AnalysisCache, AsOf, analyze_campaign};

/// What the portfolio can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Budget,
    Spend,
    Revenue,
    Roi,
    Roas,
    Health,
    Pacing,
    Alerts,
}

impl SortKey {
    /// Every key, in the order of the portfolio's columns.
    pub const ALL: [SortKey; 9] = [
        SortKey::Name,
        SortKey::Budget,
        SortKey::Spend,
        SortKey::Revenue,
        SortKey::Roi,
        SortKey::Roas,
        SortKey::Health,
        SortKey::Pacing,
        SortKey::Alerts,
    ];

    /// The code in a query string (`?sort=spend`).
    pub const fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Budget => "budget",
            SortKey::Spend => "spend",
            SortKey::Revenue => "revenue",
            SortKey::Roi => "roi",
            SortKey::Roas => "roas",
            SortKey::Health => "health",
            SortKey::Pacing => "pacing",
            SortKey::Alerts => "alerts",
        }
    }

    /// The key of a code.
    pub fn parse(code: &str) -> Option<SortKey> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The direction a column sorts in first: names A to Z, figures largest first.
    pub const fn first_direction(self) -> Direction {
        match self {
            SortKey::Name => Direction::Asc,
            _ => Direction::Desc,
        }
    }
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    /// The code in a query string (`?dir=desc`).
    pub const fn code(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    /// The other direction.
    pub const fn reversed(self) -> Direction {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }
}

/// What a portfolio is asked for: the currency of the converted figures and totals (`None`: the
/// organisation's default, see [`portfolio`]) and the order of the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioQuery {
    pub currency: Option<String>,
    pub sort: SortKey,
    pub direction: Direction,
}

impl Default for PortfolioQuery {
    fn default() -> Self {
        PortfolioQuery {
            currency: None,
            sort: SortKey::Name,
            direction: Direction::Asc,
        }
    }
}

impl PortfolioQuery {
    /// The query from its three text parameters (blank or absent: the default), each refused
    /// naming its field: `currency` (an ISO 4217 code), `sort` (a [`SortKey`] code), `dir`
    /// (`asc` or `desc`; default the key's [`SortKey::first_direction`]). The API and the page
    /// both decode with it.
    pub fn parse(
        currency: Option<&str>,
        sort: Option<&str>,
        dir: Option<&str>,
    ) -> Result<PortfolioQuery, AppError> {
        let currency = crate::finance::report_currency(currency.unwrap_or_default())
            .map_err(|m| AppError::invalid("currency", m))?;
        let sort = match sort.map(str::trim).filter(|s| !s.is_empty()) {
            None => SortKey::Name,
            Some(code) => SortKey::parse(code).ok_or_else(|| {
                AppError::invalid(
                    "sort",
                    format!(
                        "expected one of {}",
                        SortKey::ALL.map(SortKey::code).join(", ")
                    ),
                )
            })?,
        };
        let direction = match dir.map(str::trim).filter(|s| !s.is_empty()) {
            None => sort.first_direction(),
            Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(_) => return Err(AppError::invalid("dir", "expected asc or desc")),
        };
        Ok(PortfolioQuery {
            currency,
            sort,
            direction,
        })
    }
}

/// A campaign's money figures in the chosen currency, each converted with the exact rate and
/// rounded to the cent (half away from zero): the figures its row shows and the totals add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The factor applied (1 for the chosen currency itself).
    pub rate: Decimal,
    pub budget: Option<Decimal>,
    pub spend: Decimal,
    /// `None` when the campaign's revenue is not measured.
    pub revenue: Option<Decimal>,
}

impl Converted {
    /// A campaign's budget, spend and revenue at `rate`: each figure as its own row shows it (to
    /// the cent) times the rate, rounded to the cent, so a reader can redo the conversion from
    /// the page and the financial report converts it alike.
    fn at(
        rate: Decimal,
        budget: Option<Decimal>,
        spend: Decimal,
        revenue: Option<Decimal>,
    ) -> Converted {
        let cents = |amount: Decimal| {
            num::round_half_away(num::mul(num::round_half_away(amount, 2), rate), 2)
        };
        Converted {
            rate,
            budget: budget.map(cents),
            spend: cents(spend),
            revenue: revenue.map(cents),
        }
    }
}

/// One campaign of the portfolio.
#[derive(Debug, Clone)]
pub struct PortfolioRow {
    pub campaign: Campaign,
    /// Its analysis as of today in its time zone (budget, spend, revenue, ROI, ROAS, pacing).
    pub analysis: Arc<Analysis>,
    pub verdicts: Verdicts,
    /// Revenue in its own currency; `None` when not measured (no conversion value or order
    /// value and no platform reporting revenue), so neither are ROI and ROAS.
    pub revenue: Option<Decimal>,
    /// ROI in percent and ROAS, on the platform-reported basis; `None` when the revenue is not
    /// measured.
    pub roi: Option<Decimal>,
    pub roas: Option<Decimal>,
    /// The budget alerts that hold now (the conditions `finance::alerts` raises once each).
    pub open_alerts: Vec<AlertKind>,
    /// In the chosen currency; `None` when the organisation has no rate for it.
    pub converted: Option<Converted>,
}

/// The blended totals in the chosen currency, over the campaigns that could be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioTotals {
    /// How many campaigns the totals cover.
    pub campaigns: usize,
    pub budget: Decimal,
    pub spend: Decimal,
    /// The revenue of the campaigns whose revenue is measured.
    pub revenue: Decimal,
    /// The spend of those same campaigns: what ROI and ROAS are computed on.
    pub measured_spend: Decimal,
    /// How many campaigns' revenue is measured.
    pub measured: usize,
    /// From the totals, never an average of the campaigns' ratios: (revenue − measured spend)
    /// / measured spend × 100 and revenue / measured spend; `None` when no spend is measured.
    pub roi: Option<Decimal>,
    pub roas: Option<Decimal>,
    pub open_alerts: usize,
}

/// A campaign left out of the totals for want of a rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingRate {
    pub campaign: Campaign,
    pub from: String,
    pub to: String,
}

/// The organisation's portfolio.
#[derive(Debug, Clone)]
pub struct Portfolio {
    /// The chosen currency.
    pub currency: String,
    pub sort: SortKey,
    pub direction: Direction,
    pub rows: Vec<PortfolioRow>,
    pub totals: PortfolioTotals,
    /// The campaigns the totals leave out, in the rows' order.
    pub missing_rates: Vec<MissingRate>,
    /// The currencies worth offering: the campaigns', the rates' and the chosen one, sorted.
    pub currencies: Vec<String>,
}

/// The organisation's portfolio as `query` asks, each campaign as of today in its time zone
/// (`now` read once by the caller). The default currency is the organisation's default (the
/// one most of its campaigns use: `finance::ledger::most_common_currency`, the financial
/// report's default too; spendlens keeps no separate report currency). A campaign deleted while
/// the portfolio is gathered is left out.
pub async fn portfolio(
    store: &dyn Store,
    org: &OrgId,
    query: &PortfolioQuery,
    now: DateTime<Utc>,
    cache: Option<&AnalysisCache>,
) -> Result<Portfolio, AppError> {
    let campaigns = store.list_campaigns(org).await?;
    let currency = query.currency.clone().unwrap_or_else(|| {
        crate::finance::ledger::most_common_currency(
            campaigns.iter().map(|c| c.spec.currency.as_str()),
        )
    });
    let stored_rates = store
        .finance_settings(org)
        .await?
        .map(|s| s.rates)
        .unwrap_or_default();
    // Stored rates were checked when written; a table that no longer builds converts nothing
    // rather than failing the portfolio, and every campaign then names its missing rate.
    let table = RatesTable::new(&stored_rates).ok();
    let mut rows = Vec::with_capacity(campaigns.len());
    for c in campaigns {
        let analysis = analyze_campaign(
            store,
            org,
            &c.id,
            AsOf::TodayInCampaignZone,
            now,
            ComparisonPeriod::SevenDays,
            cache,
        )
        .await;
        let (campaign, analysis) = match analysis {
            Ok(found) => found,
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        rows.push(row(campaign, analysis, &currency, table.as_ref()));
    }
    sort(&mut rows, query.sort, query.direction);
    let missing_rates = rows
        .iter()
        .filter(|r| r.converted.is_none())
        .map(|r| MissingRate {
            campaign: r.campaign.clone(),
            from: r.campaign.spec.currency.clone(),
            to: currency.clone(),
        })
        .collect();
    let mut currencies: BTreeSet<String> = rows
        .iter()
        .map(|r| r.campaign.spec.currency.clone())
        .collect();
    for r in &stored_rates {
        currencies.insert(r.from.to_ascii_uppercase());
        currencies.insert(r.to.to_ascii_uppercase());
    }
    currencies.insert(currency.clone());
    Ok(Portfolio {
        totals: totals(&rows),
        currency,
        sort: query.sort,
        direction: query.direction,
        rows,
        missing_rates,
        currencies: currencies.into_iter().collect(),
    })
}

/// One campaign's row: its own figures and, when a rate allows, the converted ones.
fn row(
    campaign: Campaign,
    analysis: Arc<Analysis>,
    currency: &str,
    table: Option<&RatesTable>,
) -> PortfolioRow {
    let verdicts = Verdicts::of(&analysis);
    let measured = verdicts.revenue_measured;
    let revenue = measured.then_some(analysis.totals.revenue);
    let open_alerts = track_budget_consumption(&AlertState::default(), &analysis)
        .state
        .raised;
    let rate = if campaign.spec.currency == currency {
        Some(Decimal::ONE)
    } else {
        table
            .and_then(|t| t.lookup(&campaign.spec.currency, currency))
            .map(|used| used.rate)
    };
    let converted = rate.map(|rate| {
        Converted::at(
            rate,
            analysis.overview.budget.budget,
            analysis.totals.spend,
            revenue,
        )
    });
    // Without spend ROI and ROAS are undefined (the contract's 0 is a stand-in).
    let ratios = measured && !analysis.totals.spend.is_zero();
    PortfolioRow {
        roi: ratios.then_some(analysis.totals.roi),
        roas: ratios.then_some(analysis.totals.roas),
        campaign,
        analysis,
        verdicts,
        revenue,
        open_alerts,
        converted,
    }
}

/// The blended totals of the converted rows.
fn totals(rows: &[PortfolioRow]) -> PortfolioTotals {
    sum_rows(
        rows.iter()
            .filter_map(|r| r.converted.as_ref().map(|c| (c, r.open_alerts.len()))),
    )
}

/// The totals of converted rows (with their open alerts): sums of the rows' cents, and ROI and
/// ROAS from those sums.
fn sum_rows<'a>(rows: impl Iterator<Item = (&'a Converted, usize)>) -> PortfolioTotals {
    let mut t = PortfolioTotals {
        campaigns: 0,
        budget: Decimal::ZERO,
        spend: Decimal::ZERO,
        revenue: Decimal::ZERO,
        measured_spend: Decimal::ZERO,
        measured: 0,
        roi: None,
        roas: None,
        open_alerts: 0,
    };
    for (c, alerts) in rows {
        t.campaigns += 1;
        t.budget = num::add(t.budget, c.budget.unwrap_or_default());
        t.spend = num::add(t.spend, c.spend);
        t.open_alerts += alerts;
        if let Some(revenue) = c.revenue {
            t.measured += 1;
            t.revenue = num::add(t.revenue, revenue);
            t.measured_spend = num::add(t.measured_spend, c.spend);
        }
    }
    if t.measured_spend > Decimal::ZERO {
        t.roas = Some(num::div_or_zero(t.revenue, t.measured_spend));
        t.roi = Some(num::mul(
            num::div_or_zero(num::sub(t.revenue, t.measured_spend), t.measured_spend),
            num::HUNDRED,
        ));
    }
    t
}

/// The value a row is sorted by: money in the chosen currency (rows without a rate have none).
fn sort_value(r: &PortfolioRow, key: SortKey) -> Option<Decimal> {
    let converted = r.converted.as_ref();
    match key {
        SortKey::Name => None,
        SortKey::Budget => converted.and_then(|c| c.budget),
        SortKey::Spend => converted.map(|c| c.spend),
        SortKey::Revenue => converted.and_then(|c| c.revenue),
        SortKey::Roi => r.roi,
        SortKey::Roas => r.roas,
        SortKey::Health => r.verdicts.lead_score.map(Decimal::from),
        SortKey::Pacing => Some(r.analysis.overview.pacing.pacing_pct)
            .filter(|_| !r.analysis.overview.health.pacing.assumed),
        SortKey::Alerts => Some(Decimal::from(r.open_alerts.len())),
    }
}

/// Sorts by `key` in `direction`; rows without a value (no rate, no budget, nothing measured)
/// come last in both directions, and ties keep the order of names (then ids), so the order is
/// the same on every request.
pub fn sort(rows: &mut [PortfolioRow], key: SortKey, direction: Direction) {
    let by_name = |a: &PortfolioRow, b: &PortfolioRow| {
        a.campaign
            .spec
            .name
            .to_lowercase()
            .cmp(&b.campaign.spec.name.to_lowercase())
            .then_with(|| a.campaign.id.as_str().cmp(b.campaign.id.as_str()))
    };
    let directed = |o: Ordering| match direction {
        Direction::Asc => o,
        Direction::Desc => o.reverse(),
    };
    rows.sort_by(|a, b| {
        if key == SortKey::Name {
            return directed(by_name(a, b));
        }
        match (sort_value(a, key), sort_value(b, key)) {
            (Some(x), Some(y)) => directed(x.cmp(&y)).then_with(|| by_name(a, b)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => by_name(a, b),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: AppError) -> String {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("not a field problem: {other}"),
        }
    }

    #[test]
    fn the_query_defaults_and_refuses_naming_the_field() {
        assert_eq!(
            PortfolioQuery::parse(None, None, None).ok(),
            Some(PortfolioQuery::default())
        );
        let q = PortfolioQuery::parse(Some(" eur "), Some("spend"), None).ok();
        assert_eq!(
            q,
            Some(PortfolioQuery {
                currency: Some("EUR".to_owned()),
                sort: SortKey::Spend,
                direction: Direction::Desc,
            })
        );
        let q = PortfolioQuery::parse(Some(""), Some("name"), Some("desc")).ok();
        assert_eq!(
            q.map(|q| (q.currency, q.direction)),
            Some((None, Direction::Desc))
        );
        for (c, s, d, bad) in [
            (Some("XYZ"), None, None, "currency"),
            (Some("EURO"), None, None, "currency"),
            (None, Some("Spend"), None, "sort"),
            (None, None, Some("down"), "dir"),
        ] {
            let e = PortfolioQuery::parse(c, s, d).err().map(field);
            assert_eq!(e.as_deref(), Some(bad));
        }
    }

    /// Money as a row or a total shows it, computed apart from the module: the campaign's own
    /// figure as shown (to the cent) times the rate, rounded half away from zero to the cent.
    fn shown(amount: Decimal, rate: Decimal) -> Decimal {
        let cents = |d: Decimal| {
            d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        };
        cents(cents(amount) * rate)
    }

    /// The audit's GBP view: four campaigns converted into GBP, whose exact sum rounds to
    /// 93,973.99 while the rows as shown add up to 93,973.98. The total is the rows' sum.
    #[test]
    fn the_total_is_the_sum_of_the_rows_as_shown() {
        let rows = [
            (Decimal::ONE, "11732.97"),
            (Decimal::ONE / Decimal::new(133, 2), "21262.57"),
            (Decimal::ONE / Decimal::new(133, 2), "44537.12"),
            (Decimal::ONE / Decimal::new(11466, 4), "37571.29"),
        ];
        let converted: Vec<Converted> = rows
            .iter()
            .map(|(rate, spend)| {
                let spend: Decimal = spend.parse().unwrap_or_default();
                Converted::at(*rate, None, spend, Some(spend))
            })
            .collect();
        let spends: Vec<String> = converted.iter().map(|c| c.spend.to_string()).collect();
        assert_eq!(spends, ["11732.97", "15986.89", "33486.56", "32767.56"]);
        let exact: Decimal = rows
            .iter()
            .map(|(rate, spend)| spend.parse::<Decimal>().unwrap_or_default() * rate)
            .sum();
        assert_eq!(shown(exact, Decimal::ONE).to_string(), "93973.99");
        let t = sum_rows(converted.iter().map(|c| (c, 0)));
        assert_eq!(t.spend.to_string(), "93973.98");
        assert_eq!(t.revenue, t.spend);
        assert_eq!(t.roas, Some(Decimal::ONE));
    }

    /// Over seeded random portfolios in several currencies: every total is the sum of its rows
    /// as shown, to the cent, and ROI and ROAS are those of the shown totals.
    #[test]
    fn totals_add_up_from_the_shown_rows_in_every_currency() {
        let rates = [
            Decimal::ONE,
            Decimal::new(116, 2),
            Decimal::new(133, 2),
            Decimal::ONE / Decimal::new(11466, 4),
            Decimal::ONE / Decimal::new(133, 2),
            Decimal::new(157_345_678, 4),
            Decimal::new(654_321, 8),
        ];
        for seed in 0..500u64 {
            let mut rng = spendlens_rng::SplitMix64::new(seed);
            let n = 1 + rng.index(8);
            let mut inputs = Vec::new();
            for _ in 0..n {
                let micros = |rng: &mut spendlens_rng::SplitMix64| {
                    Decimal::new(i64::try_from(rng.below(5_000_000_000_000)).unwrap_or(0), 6)
                };
                let rate = rates[rng.index(rates.len())];
                let budget = (rng.below(3) > 0).then(|| micros(&mut rng));
                let spend = micros(&mut rng);
                let revenue = (rng.below(4) > 0).then(|| micros(&mut rng));
                inputs.push((rate, budget, spend, revenue));
            }
            let converted: Vec<Converted> = inputs
                .iter()
                .map(|(rate, b, s, r)| Converted::at(*rate, *b, *s, *r))
                .collect();
            let t = sum_rows(converted.iter().map(|c| (c, 1)));
            let spend: Decimal = inputs.iter().map(|(r, _, s, _)| shown(*s, *r)).sum();
            let budget: Decimal = inputs
                .iter()
                .filter_map(|(r, b, ..)| b.map(|b| shown(b, *r)))
                .sum();
            let revenue: Decimal = inputs
                .iter()
                .filter_map(|(r, _, _, v)| v.map(|v| shown(v, *r)))
                .sum();
            let measured: Decimal = inputs
                .iter()
                .filter(|(.., v)| v.is_some())
                .map(|(r, _, s, _)| shown(*s, *r))
                .sum();
            assert_eq!(
                (t.spend, t.budget, t.revenue),
                (spend, budget, revenue),
                "seed {seed}"
            );
            assert_eq!(t.measured_spend, measured, "seed {seed}");
            assert_eq!((t.campaigns, t.open_alerts), (n, n));
            if measured > Decimal::ZERO {
                assert_eq!(t.roas, Some(revenue / measured), "seed {seed}");
                assert_eq!(
                    t.roi,
                    Some((revenue - measured) / measured * Decimal::ONE_HUNDRED),
                    "seed {seed}"
                );
            } else {
                assert_eq!((t.roi, t.roas), (None, None));
            }
        }
    }

    #[test]
    fn every_key_reads_back_from_its_code() {
        for key in SortKey::ALL {
            assert_eq!(SortKey::parse(key.code()), Some(key));
            assert_eq!(
                key.first_direction().reversed().reversed(),
                key.first_direction()
            );
        }
        assert_eq!(SortKey::parse(""), None);
    }

    #[test]
    fn a_window_is_both_days_in_order_and_at_most_the_limit() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert!(matches!(AsOf::window(None, None), Ok(None)));
        assert!(matches!(
            AsOf::window(day("2026-11-01"), day("2026-11-01")),
            Ok(Some(AsOf::Window(_)))
        ));
        let first = day("2026-01-01");
        let last_allowed = first.and_then(|d| d.checked_add_days(chrono::Days::new(1095)));
        assert!(matches!(AsOf::window(first, last_allowed), Ok(Some(_))));
        let one_more = last_allowed.and_then(|d| d.succ_opt());
        for (from, to, bad) in [
            (first, one_more, "to"),
            (day("2026-11-02"), day("2026-11-01"), "to"),
            (first, None, "to"),
            (None, first, "from"),
        ] {
            assert_eq!(
                AsOf::window(from, to).err().map(field).as_deref(),
                Some(bad)
            );
        }
    }
}
