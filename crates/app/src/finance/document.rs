//! The one bridge from the finance report (`spendlens_finance::FinancialReport`) to the report
//! document the renderer writes (`spendlens_report::Report`), and the downloads in each format.
//!
//! It decides which tables and charts the document has and fills them with the report's exact
//! figures (money cells carry their currency: a campaign's own, or the report currency for totals
//! and platforms); it computes nothing financial. The charts read the campaigns' daily spend per
//! platform ([`SpendDays`], gathered while the report is built), converted with the very rates
//! the report lists.
//!
//! Named channels (TV, radio, podcasts...) appear only in a report that has one: a line of the
//! summary's media spend, a column of the campaigns table, and a section of their own, each
//! channel a row labelled with its basis (`CHANNEL_LABEL`) and then the spend across the ad
//! platforms and the channels. The platforms' table and charts stay the platforms' alone, and a
//! report without named channels is laid out exactly as before them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::channel::CHANNEL_LABEL;
use spendlens_core::{Platform, num};
use spendlens_finance::{CampaignBook, FinancialReport, OrgBooks, Payback, Period};
use spendlens_report::chart::{
    BudgetBurn, DailySpend, DailyTotal, cumulative_spend_chart, daily_spend_chart,
};
use spendlens_report::{
    Cell, CurrencyNote, ExchangeRate, Report, ReportError, Section, Table, render_csv, render_pdf,
    render_xlsx,
};

use crate::labels::Label;

/// A download format of the financial report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
    Pdf,
}

impl Format {
    /// Parses `json`, `csv`, `xlsx` or `pdf`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }

    /// The file extension.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    /// The media type.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }
}

/// The ad platforms' daily spend of a report's campaigns in its window, summed per campaign
/// currency, day and platform: what the PDF's charts are drawn from, a slot per day and
/// platform whatever the number of campaigns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpendDays {
    window: Option<Period>,
    /// Per currency, the window's days × `Platform::ALL`: `None` where no row was.
    spend: BTreeMap<String, Vec<Option<Decimal>>>,
}

impl SpendDays {
    /// Nothing yet, for a report over `window`.
    pub fn new(window: Option<Period>) -> Self {
        SpendDays {
            window,
            spend: BTreeMap::new(),
        }
    }

    /// Adds one campaign's spend in the window (GA4 rows carry none).
    pub fn add(&mut self, book: &CampaignBook) {
        let Some(window) = self.window else {
            return;
        };
        let days = usize::try_from(window.days()).unwrap_or(0);
        let slots = self
            .spend
            .entry(book.spec.currency.clone())
            .or_insert_with(|| vec![None; days * Platform::ALL.len()]);
        for row in book.rows.iter().filter(|r| r.platform != Platform::Ga4) {
            let Some(day) = window.index_of(row.date) else {
                continue;
            };
            let platform = Platform::ALL.iter().position(|p| *p == row.platform);
            let slot = platform.and_then(|p| slots.get_mut(day * Platform::ALL.len() + p));
            if let Some(slot) = slot {
                *slot = Some(num::add(slot.unwrap_or_default(), row.spend));
            }
        }
    }

    /// Every campaign's spend in `window`.
    pub fn of_books(books: &OrgBooks, window: Option<Period>) -> Self {
        let mut days = SpendDays::new(window);
        for book in &books.campaigns {
            days.add(book);
        }
        days
    }

    /// Each day and platform with a row, in the report currency (`factor` of a campaign
    /// currency; a currency without one is left out).
    fn points(&self, factor: impl Fn(&str) -> Option<Decimal>) -> Vec<DailySpend> {
        let Some(window) = self.window else {
            return Vec::new();
        };
        let mut points = Vec::new();
        for (currency, slots) in &self.spend {
            let Some(f) = factor(currency) else {
                continue;
            };
            for (i, slot) in slots.iter().enumerate() {
                let day = u64::try_from(i / Platform::ALL.len()).unwrap_or(0);
                let date = window.start().checked_add_days(chrono::Days::new(day));
                if let (Some(spend), Some(date)) = (slot, date) {
                    points.push(DailySpend {
                        date,
                        platform: Platform::ALL[i % Platform::ALL.len()],
                        spend: num::mul(*spend, f),
                    });
                }
            }
        }
        points
    }
}

/// The report rendered in `format`.
pub fn render(
    report: &FinancialReport,
    days: &SpendDays,
    format: Format,
    generated_on: NaiveDate,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Json => {
            let value = spendlens_finance::encode::financial_report(report);
            let mut bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
            bytes.push(b'\n');
            Ok(bytes)
        }
        Format::Csv => Ok(render_csv(&document(report, None, generated_on))),
        Format::Xlsx => render_xlsx(&document(report, None, generated_on)),
        Format::Pdf => render_pdf(&document(report, Some(days), generated_on)),
    }
}

fn money(amount: Decimal, currency: &str) -> Cell {
    Cell::money(amount, currency)
}

fn opt_pct(value: Option<Decimal>) -> Cell {
    value.map_or(Cell::Empty, Cell::Percent)
}

/// A multiple (ROAS), written as the pages write it: `6.32x`.
fn opt_ratio(value: Option<Decimal>) -> Cell {
    value.map_or(Cell::Empty, Cell::Ratio)
}

/// The payback in the words of `crate::labels` (every code a report prints goes through that
/// one map), with its day when there is one.
fn payback_text(p: &Payback) -> String {
    match p {
        Payback::Reached { date, .. } | Payback::Projected { date, .. } => {
            format!("{} {}", p.label(), spendlens_core::dates::day(*date))
        }
        Payback::NotWithinHorizon | Payback::NoInvestment | Payback::NotMeasured => {
            p.label().to_owned()
        }
    }
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The report as a document. With `days`, the PDF's charts are drawn from them.
pub fn document(
    report: &FinancialReport,
    days: Option<&SpendDays>,
    generated_on: NaiveDate,
) -> Report {
    let cur = report.currency.as_str();
    let t = &report.totals;
    // The totals' net revenue, ROI and ROAS name their basis; a campaign whose revenue is not
    // measured has no return to add: they leave it out, and say so.
    let covering = |figure: &str| match t.unmeasured_campaigns {
        0 => format!("{figure} ({REVENUE_BASIS})"),
        n => format!(
            "{figure} ({REVENUE_BASIS}; the {} of {} campaigns whose revenue is measured)",
            report.campaigns.len() - n,
            report.campaigns.len()
        ),
    };
    let with_channels = !report.channels.is_empty();
    let mut summary = Table {
        header: header(&["Figure", "Value"]),
        rows: vec![
            vec![
                Cell::text("Total investment"),
                money(t.total_investment, cur),
            ],
            vec![Cell::text("Media spend"), money(t.costs.media(), cur)],
            vec![
                Cell::text("  of which platform spend"),
                money(t.costs.platform_spend, cur),
            ],
            vec![
                Cell::text("  of which media entries"),
                money(t.costs.media_entries, cur),
            ],
            vec![
                Cell::text("Creative production"),
                money(t.costs.creative, cur),
            ],
            vec![
                Cell::text("Platform fees"),
                money(t.costs.platform_fees, cur),
            ],
            vec![
                Cell::text("Operational overhead (allocated)"),
                money(t.costs.overhead, cur),
            ],
            vec![
                Cell::text("Operational overhead (unallocated)"),
                money(t.unallocated_overhead, cur),
            ],
            vec![
                Cell::text("Opportunity cost"),
                money(t.costs.opportunity, cur),
            ],
            vec![
                Cell::text("Revenue (each campaign's basis)"),
                money(t.attributed_revenue, cur),
            ],
            vec![
                Cell::text(covering("Net revenue")),
                t.net_revenue
                    .map_or_else(|| Cell::text("Not measured"), |n| money(n, cur)),
            ],
            vec![Cell::text(covering(ROI_LABEL)), opt_pct(t.roi_percentage)],
            vec![Cell::text(covering(ROAS_LABEL)), opt_ratio(t.roas)],
            vec![
                Cell::text("Conversions"),
                Cell::Number {
                    value: t.conversions,
                    dp: 2,
                },
            ],
            vec![
                Cell::text("Cost of capital (annual)"),
                Cell::Percent(num::mul(report.settings.cost_of_capital, num::HUNDRED)),
            ],
        ],
    };
    if t.unmeasured_campaigns > 0 {
        // Before the revenue: the part of the investment that the net revenue, ROI and ROAS
        // leave out, so each can be checked from the rows.
        summary.rows.insert(
            9,
            vec![
                Cell::text("Investment in campaigns whose revenue is not measured"),
                money(t.unmeasured_investment, cur),
            ],
        );
    }
    if with_channels {
        // After "of which media entries": the third part of the media spend.
        summary.rows.insert(
            4,
            vec![
                Cell::text("  of which offline channels"),
                money(t.costs.channel_spend, cur),
            ],
        );
    }
    let mut campaigns = Table {
        header: header(&[
            "Campaign",
            "Currency",
            "Platform spend",
            "Media entries",
            "Creative",
            "Fees",
            "Overhead",
            "Opportunity cost",
            "Total investment",
            "Revenue (its basis)",
            "Net revenue",
            "ROI % on the full investment",
            "ROAS on media spend",
            "Payback",
            "Payback days",
            "Confidence",
            "ROI 90% low",
            "ROI 90% high",
            "Revenue basis",
        ]),
        rows: report
            .campaigns
            .iter()
            .map(|c| {
                let r = &c.roi;
                let cc = r.currency.as_str();
                let mut row = vec![
                    Cell::text(&c.name),
                    Cell::text(cc),
                    money(r.costs.platform_spend, cc),
                    money(r.costs.media_entries, cc),
                    money(r.costs.creative, cc),
                    money(r.costs.platform_fees, cc),
                    money(r.costs.overhead, cc),
                    money(r.costs.opportunity, cc),
                    money(r.total_investment, cc),
                ];
                // No revenue measured: no revenue and no net revenue to show, not 0.00 and
                // minus the investment (as the finance page and the campaign list say).
                if matches!(
                    r.revenue_basis,
                    spendlens_finance::books::RevenueBasis::Unmeasured
                ) {
                    row.extend([Cell::text("Not measured"), Cell::text("Not measured")]);
                } else {
                    row.extend([money(r.attributed_revenue, cc), money(r.net_revenue, cc)]);
                }
                row.extend([
                    opt_pct(r.roi_percentage),
                    opt_ratio(r.roas),
                    Cell::text(payback_text(&r.payback)),
                    r.payback
                        .days()
                        .map_or(Cell::Empty, |d| Cell::Integer(i64::from(d))),
                    Cell::text(r.confidence.level.label()),
                    opt_pct(r.confidence.interval.map(|i| i.0)),
                    opt_pct(r.confidence.interval.map(|i| i.1)),
                    Cell::text(r.revenue_basis.label()),
                ]);
                if with_channels {
                    row.insert(CHANNELS_COLUMN, money(r.costs.channel_spend, cc));
                }
                row
            })
            .collect(),
    };
    if with_channels {
        campaigns
            .header
            .insert(CHANNELS_COLUMN, "Offline channels".to_owned());
    }
    let platforms = Table {
        header: header(&[
            "Platform",
            "Spend",
            "Fees",
            "Impressions",
            "Clicks",
            "Conversions",
            COST_PER_CONVERSION_LABEL,
            "Campaigns",
        ]),
        rows: report
            .platforms
            .iter()
            .map(|p| {
                let name = p
                    .platform
                    .parse::<Platform>()
                    .map_or_else(|_| p.platform.clone(), |k| k.label().to_owned());
                vec![
                    Cell::text(name),
                    money(p.spend, cur),
                    money(p.fees, cur),
                    Cell::Integer(i64::try_from(p.impressions).unwrap_or(i64::MAX)),
                    Cell::Integer(i64::try_from(p.clicks).unwrap_or(i64::MAX)),
                    Cell::Number {
                        value: p.conversions,
                        dp: 2,
                    },
                    p.cost_per_conversion.map_or(Cell::Empty, |v| money(v, cur)),
                    Cell::Integer(i64::from(p.campaigns)),
                ]
            })
            .collect(),
    };
    let budget = Table {
        header: header(&[
            "Campaign",
            "Currency",
            "As of",
            "Budget",
            "Spent (lifetime)",
            "Used %",
            "Remaining",
            "Use of budget",
            "Pacing %",
            "Pacing",
            "Projected exhaustion",
        ]),
        rows: report
            .campaigns
            .iter()
            .map(|c| {
                let b = &c.budget;
                let cc = b.currency.as_str();
                // Without a budget there is nothing to use up or pace against (`judged`); the
                // pacing is the verdict the campaign list shows, the budget before the pace.
                let judged = b.judged();
                let verdict = crate::labels::pacing_verdict(b.pacing, cc);
                let pacing = match judged {
                    Some(_) if b.pacing_assumed => format!("{verdict}, on assumed dates"),
                    _ => verdict,
                };
                // Each campaign's budget is in its own currency, which the row names: the
                // report's currency is for the converted figures only.
                vec![
                    Cell::text(&c.name),
                    Cell::text(cc),
                    Cell::Date(b.as_of),
                    b.budget.map_or(Cell::Empty, |v| money(v, cc)),
                    money(b.spend, cc),
                    judged.map_or(Cell::Empty, |(used, ..)| Cell::Percent(used)),
                    b.remaining.map_or(Cell::Empty, |v| money(v, cc)),
                    Cell::text(judged.map_or("No budget", |(_, status, ..)| status.label())),
                    judged.map_or(Cell::Empty, |(.., pct, _)| Cell::Percent(pct)),
                    Cell::text(pacing),
                    b.projected_exhaustion_date.map_or(Cell::Empty, Cell::Date),
                ]
            })
            .collect(),
    };
    let mut sections = vec![
        Section {
            title: "Summary".to_owned(),
            table: summary,
            charts: days.map(|d| charts(report, d)).unwrap_or_default(),
        },
        Section {
            title: "Campaigns".to_owned(),
            table: campaigns,
            charts: Vec::new(),
        },
        Section {
            title: "Platforms".to_owned(),
            table: platforms,
            charts: Vec::new(),
        },
        Section {
            // A budget covers the whole campaign: its consumption is to date, whatever the
            // report's period, and the title says so.
            title: "Budget consumption to date (whole budget)".to_owned(),
            table: budget,
            charts: Vec::new(),
        },
    ];
    if with_channels {
        sections.insert(
            3,
            Section {
                title: "Offline channels".to_owned(),
                table: channels_table(report),
                charts: Vec::new(),
            },
        );
    }
    if !report.unallocated_overhead.is_empty() {
        sections.push(Section {
            title: "Overhead no campaign carries".to_owned(),
            table: Table {
                header: header(&["Reporting period", "Amount", "Reason", "In this period"]),
                rows: report
                    .unallocated_overhead
                    .iter()
                    .map(|u| {
                        vec![
                            Cell::text(u.reporting_period.words()),
                            money(u.amount, &u.currency),
                            Cell::text(u.reason.label()),
                            money(u.in_period, cur),
                        ]
                    })
                    .collect(),
            },
            charts: Vec::new(),
        });
    }
    Report {
        title: "Marketing financial report".to_owned(),
        period: spendlens_report::Period {
            start: report.period.start(),
            end: report.period.end(),
        },
        generated_on,
        currency: CurrencyNote {
            reporting: report.currency.clone(),
            rates: report
                .rates_used
                .iter()
                .map(|r| ExchangeRate {
                    from: r.from.clone(),
                    to: r.to.clone(),
                    rate: r.rate,
                    as_of: None,
                })
                .collect(),
        },
        sections,
    }
}

/// The summary's ROI: on the full investment (media, creative, fees, overhead, opportunity
/// cost), on the revenue of each campaign's basis; the campaign list's ROI is on ad spend and
/// platform-reported revenue, a different figure under a different name.
const ROI_LABEL: &str = "ROI % on the full investment";

/// The summary's ROAS: revenue on each campaign's basis over the media spend (ad platforms, media
/// entries and offline channels; not creative, fees or overhead).
const ROAS_LABEL: &str = "ROAS on media spend";

/// What the revenue of the totals rests on: each campaign's own basis (its "Revenue basis").
const REVENUE_BASIS: &str = "revenue on each campaign's basis";

/// The platforms' cost per conversion: a CFO's all-in cost, the platform fees included, which is
/// not the analysis' CPA (spend alone per conversion); the header says so.
const COST_PER_CONVERSION_LABEL: &str = "Cost per conversion (spend + fees)";

/// Where the campaigns table shows the named channels' spend: after "Media entries".
const CHANNELS_COLUMN: usize = 4;

/// The named channels, each on its own row labelled with its basis, then the channels' total,
/// the ad platforms' and the spend across both (in the report currency).
fn channels_table(report: &FinancialReport) -> Table {
    let cur = report.currency.as_str();
    let all = report.totals.costs.all_spend();
    let mut rows: Vec<Vec<Cell>> = report
        .channels
        .iter()
        .map(|c| {
            vec![
                Cell::text(c.channel.as_str()),
                Cell::text(CHANNEL_LABEL),
                money(c.spend, cur),
                c.impressions.map_or(Cell::Empty, |n| {
                    Cell::Integer(i64::try_from(n).unwrap_or(i64::MAX))
                }),
                Cell::Integer(i64::from(c.campaigns)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::text("Offline channels, total"),
        Cell::text("spend as imported"),
        money(all.channels, cur),
    ]);
    rows.push(vec![
        Cell::text("Ad platforms, total"),
        Cell::text("platform-reported spend (the Platforms table)"),
        money(all.platforms, cur),
    ]);
    rows.push(vec![
        Cell::text("Spend across platforms and channels"),
        Cell::text("ad platforms + offline channels"),
        money(all.total, cur),
    ]);
    Table {
        header: header(&["Channel", "Basis", "Spend", "Impressions", "Campaigns"]),
        rows,
    }
}

/// Daily spend by platform and cumulative spend across the organisation, in the report currency.
fn charts(report: &FinancialReport, days: &SpendDays) -> Vec<spendlens_report::Chart> {
    let Some(window) = report.window else {
        return Vec::new();
    };
    let factor = |currency: &str| -> Option<Decimal> {
        if currency == report.currency {
            return Some(Decimal::ONE);
        }
        report
            .rates_used
            .iter()
            .find(|r| r.from == currency && r.to == report.currency)
            .map(|r| r.rate)
    };
    let points = super::fitted_days::fitted(days.points(factor), &report.platforms);
    let mut out = Vec::new();
    match daily_spend_chart(&points, &report.currency) {
        Ok(chart) => out.push(chart),
        Err(e) => tracing::warn!(error = %e, "daily spend chart not drawn"),
    }
    let total = num::sum(points.iter().map(|p| p.spend));
    let burn = BudgetBurn {
        daily_totals: points
            .iter()
            .map(|p| DailyTotal {
                date: p.date,
                spend: p.spend,
            })
            .collect(),
        budget: None,
        end_date: None,
        daily_burn_rate: num::div_or_zero(total, Decimal::from(window.days())),
        currency: report.currency.clone(),
        portfolio: true,
    };
    match cumulative_spend_chart(&burn) {
        Ok(chart) => out.push(chart),
        Err(e) => tracing::warn!(error = %e, "cumulative spend chart not drawn"),
    }
    out
}
