//! The campaign list as the organisation's portfolio (issue 16 item 6): every campaign with its
//! budget, spend, revenue, ROI, ROAS, health, pacing and open alerts, its money converted into a
//! chosen currency through the organisation's rates, and the blended totals. The figures are
//! `spendlens_app::portfolio`'s, the converted ones already in cents (so the totals row adds up
//! from the rows above it); this page writes them for people.
//!
//! Everything works without JavaScript: the currency is a GET form (submitted on change by the
//! script, with an Apply button otherwise) and the column headers are links (`?sort=spend&dir=
//! desc`) carrying `aria-sort` on the sorted one.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rust_decimal::Decimal;
use spendlens_app::portfolio::{
    Direction, Portfolio, PortfolioQuery, PortfolioRow, SortKey, portfolio,
};

use crate::query::Params;
use crate::state::AppState;
use crate::ui::analysis::{lead_rating, pacing_verdict_label};
use crate::ui::format::{self, money, pct, ratio, url_encode};
use crate::ui::session::SignedIn;
use crate::ui::{Layout, UiError, UiResult, render};
use spendlens_app::labels::Label;

/// A column header: its label, the link that sorts by it and its `aria-sort`.
#[derive(Debug)]
struct Header {
    key: &'static str,
    label: &'static str,
    numeric: bool,
    href: String,
    /// `ascending`, `descending` or empty (not sorted by this column).
    aria_sort: &'static str,
    /// The arrow shown beside the sorted column's label.
    arrow: &'static str,
}

/// A money cell: the figure in the chosen currency, and the campaign's own figure under it
/// when the two differ (or alone, when no rate converts it).
#[derive(Debug, Default)]
struct MoneyCell {
    main: String,
    own: String,
}

#[derive(Debug)]
struct Row {
    id: String,
    name: String,
    dates: String,
    budget: MoneyCell,
    spend: MoneyCell,
    revenue: MoneyCell,
    /// What part of the revenue is an estimate ("estimated", "partly estimated"), or empty.
    revenue_basis: &'static str,
    roi: String,
    roas: String,
    rating: &'static str,
    rating_class: &'static str,
    pacing: String,
    pacing_class: &'static str,
    alerts: usize,
    alerts_title: String,
    /// Left out of the totals for want of a rate.
    unconverted: bool,
}

#[derive(Debug)]
struct TotalsView {
    campaigns: usize,
    budget: String,
    spend: String,
    revenue: String,
    roi: String,
    roas: String,
    alerts: usize,
    /// Said when some campaigns' revenue is not measured.
    measured_note: String,
}

#[derive(Debug)]
struct MissingView {
    id: String,
    name: String,
    from: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct PortfolioPage {
    layout: Layout,
    currency: String,
    currencies: Vec<(String, bool)>,
    sort: &'static str,
    dir: &'static str,
    headers: Vec<Header>,
    rows: Vec<Row>,
    totals: TotalsView,
    missing: Vec<MissingView>,
}

/// `GET /campaigns?currency=&sort=&dir=`: the portfolio; a bad parameter is the 400 page naming
/// it.
pub async fn page(
    State(state): State<AppState>,
    viewer: SignedIn,
    Query(query): Query<Params>,
) -> UiResult<Response> {
    let query = PortfolioQuery::parse(
        query.text("currency"),
        query.text("sort"),
        query.text("dir"),
    )
    .map_err(|e| UiError::BadRequest(e.to_string()))?;
    let found = portfolio(
        state.store.as_ref(),
        &viewer.principal.org_id,
        &query,
        state.clock.now(),
        Some(&state.analysis_cache),
    )
    .await?;
    Ok(render(&view(
        &found,
        viewer.layout("Campaigns", "campaigns"),
    )))
}

/// The columns, each sortable: key, label, numeric.
const COLUMNS: [(SortKey, &str, bool); 9] = [
    (SortKey::Name, "Campaign", false),
    (SortKey::Budget, "Budget", true),
    (SortKey::Spend, "Spend", true),
    // Named by their basis: the Finance pages' ROI is on the full investment and the campaign's
    // chosen revenue basis, a different figure.
    (SortKey::Revenue, "Platform revenue", true),
    (SortKey::Roi, "ROI on ad spend", true),
    (SortKey::Roas, "ROAS", true),
    (SortKey::Health, "Health", false),
    (SortKey::Pacing, "Pacing", false),
    (SortKey::Alerts, "Alerts", true),
];

fn view(p: &Portfolio, layout: Layout) -> PortfolioPage {
    let cur = p.currency.clone();
    let headers = COLUMNS
        .iter()
        .map(|&(key, label, numeric)| {
            let sorted = key == p.sort;
            // A click on the sorted column reverses it; on another, sorts it its natural way.
            let dir = if sorted {
                p.direction.reversed()
            } else {
                key.first_direction()
            };
            Header {
                key: key.code(),
                label,
                numeric,
                href: format!(
                    "/campaigns?currency={}&sort={}&dir={}",
                    url_encode(&cur),
                    key.code(),
                    dir.code()
                ),
                aria_sort: match (sorted, p.direction) {
                    (false, _) => "",
                    (true, Direction::Asc) => "ascending",
                    (true, Direction::Desc) => "descending",
                },
                arrow: match (sorted, p.direction) {
                    (false, _) => "",
                    (true, Direction::Asc) => "▲",
                    (true, Direction::Desc) => "▼",
                },
            }
        })
        .collect();
    let rows = p.rows.iter().map(|r| row(r, &cur)).collect();
    let t = &p.totals;
    let measured_note = if t.measured < t.campaigns {
        format!(
            "ROI and ROAS of the total cover the {} of {} campaigns whose revenue is measured.",
            t.measured, t.campaigns
        )
    } else {
        String::new()
    };
    let totals = TotalsView {
        campaigns: t.campaigns,
        // Over no campaign (none converts into the currency asked) the totals are no figure.
        budget: if t.campaigns > 0 {
            money(t.budget, &cur)
        } else {
            "–".to_owned()
        },
        spend: if t.campaigns > 0 {
            money(t.spend, &cur)
        } else {
            "–".to_owned()
        },
        revenue: if t.measured > 0 {
            money(t.revenue, &cur)
        } else {
            "Not measured".to_owned()
        },
        roi: t.roi.map_or_else(|| "–".to_owned(), pct),
        roas: t.roas.map_or_else(|| "–".to_owned(), ratio),
        alerts: t.open_alerts,
        measured_note,
    };
    let missing = p
        .missing_rates
        .iter()
        .map(|m| MissingView {
            id: m.campaign.id.to_string(),
            name: m.campaign.spec.name.clone(),
            from: m.from.clone(),
        })
        .collect();
    PortfolioPage {
        layout,
        currencies: p
            .currencies
            .iter()
            .map(|c| (c.clone(), *c == cur))
            .collect(),
        sort: p.sort.code(),
        dir: p.direction.code(),
        currency: cur,
        headers,
        rows,
        totals,
        missing,
    }
}

fn money_cell(
    own: Option<Decimal>,
    converted: Option<Option<Decimal>>,
    own_cur: &str,
    cur: &str,
    absent: &str,
) -> MoneyCell {
    match (own, converted) {
        (None, _) => MoneyCell {
            main: absent.to_owned(),
            own: String::new(),
        },
        (Some(v), Some(Some(c))) => MoneyCell {
            main: money(c, cur),
            own: if own_cur == cur {
                String::new()
            } else {
                money(v, own_cur)
            },
        },
        (Some(v), _) => MoneyCell {
            main: money(v, own_cur),
            own: format!("no rate to {cur}"),
        },
    }
}

fn row(r: &PortfolioRow, cur: &str) -> Row {
    let c = &r.campaign;
    let own = c.spec.currency.as_str();
    let conv = r.converted.as_ref();
    let lead = lead_rating(&r.analysis, &r.verdicts);
    let (pacing, pacing_class) = pacing_verdict_label(r.verdicts.pacing, own);
    let dates = match (c.spec.start_date, c.spec.end_date) {
        (Some(s), Some(e)) => format!("{} – {}", format::date(s), format::date(e)),
        (Some(s), None) => format!("from {}", format::date(s)),
        (None, Some(e)) => format!("until {}", format::date(e)),
        (None, None) => "no dates".to_owned(),
    };
    let alert_words: Vec<&str> = r.open_alerts.iter().map(|k| k.label()).collect();
    Row {
        id: c.id.to_string(),
        name: c.spec.name.clone(),
        dates,
        budget: money_cell(c.spec.budget, conv.map(|x| x.budget), own, cur, "no budget"),
        spend: money_cell(
            Some(r.analysis.totals.spend),
            conv.map(|x| Some(x.spend)),
            own,
            cur,
            "",
        ),
        revenue: money_cell(r.revenue, conv.map(|x| x.revenue), own, cur, "Not measured"),
        revenue_basis: super::analysis::Basis::of(&r.analysis, &r.verdicts).cell_note(),
        roi: r.roi.map_or_else(|| "–".to_owned(), pct),
        roas: r.roas.map_or_else(|| "–".to_owned(), ratio),
        rating: lead.0,
        rating_class: lead.1,
        pacing,
        pacing_class,
        alerts: r.open_alerts.len(),
        alerts_title: alert_words.join("; "),
        unconverted: conv.is_none(),
    }
}
