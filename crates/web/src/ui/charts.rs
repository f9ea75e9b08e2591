//! Charts on the pages and their downloads: every chart is shown with two links under it, the
//! chart as an SVG file (in the UI's font, embedded) and its data as CSV, answered by
//! `GET /campaigns/{id}/charts/{chart}.{svg|csv}` and `GET /mmm/{id}/charts/{chart}.{svg|csv}`.
//!
//! A download is drawn by the same function as the chart on the page, from the same query (the
//! link carries the page's query string: the optimiser's form, the attribution window), so the
//! file is the chart the visitor was looking at. Like the pages, the routes load the campaign
//! or the model run through the visitor's organisation: another organisation's is the 404 page.
//!
//! Drawing is most of a campaign page's time (a 90-day line chart is thousands of SVG
//! elements), so the analysis page's charts are kept in a [`ChartCache`] keyed by what they are
//! drawn from, not by the page view: the campaign, its data version, the analysis day and the
//! window. A hit is the same SVG a new drawing would give, on every instance and after a
//! restart; the cache is bounded by the SVGs' total size.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use spendlens_core::campaign::CampaignId;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use spendlens_report::Chart;

use crate::state::AppState;
use crate::ui::format::url_encode;
use crate::ui::session::SignedIn;
use crate::ui::{UiError, UiResult};

/// What an analysis chart is drawn from: the campaign, its data version (bumped by every write
/// to its rows, budget or dates in the write's own transaction), the analysis day, the window's
/// first day (`None`: the lookback before the analysis day) and the chart's name.
pub type ChartKey = (CampaignId, i64, NaiveDate, Option<NaiveDate>, &'static str);

/// Analysis charts already drawn (see the module's note). The version is read through the
/// organisation-scoped campaign lookup before the cache is asked, so a hit is never stale and
/// never crosses organisations.
#[derive(Debug)]
pub struct ChartCache {
    entries: quick_cache::sync::Cache<ChartKey, Arc<Chart>, SvgBytes>,
}

/// Weighs a chart by its SVG's length.
#[derive(Debug, Clone, Copy)]
pub struct SvgBytes;

impl quick_cache::Weighter<ChartKey, Arc<Chart>> for SvgBytes {
    fn weight(&self, _key: &ChartKey, chart: &Arc<Chart>) -> u64 {
        chart.svg.len() as u64 + 1
    }
}

impl ChartCache {
    /// A cache holding at most `bytes` of SVG.
    pub fn new(bytes: u64) -> Self {
        ChartCache {
            entries: quick_cache::sync::Cache::with_weighter(
                usize::try_from(bytes / 32_768).unwrap_or(64).max(16),
                bytes.max(1),
                SvgBytes,
            ),
        }
    }

    /// The chart held for `key`, else `draw`'s, kept when it is one. Requests that miss the same
    /// key at once wait for the first one's drawing instead of each drawing it (a page's first
    /// visitors after a write would otherwise all read the rows and draw together).
    pub async fn get_or_draw<E>(
        &self,
        key: &ChartKey,
        draw: impl Future<Output = Result<Chart, E>>,
    ) -> Result<Arc<Chart>, E> {
        self.entries
            .get_or_insert_async(key, async { draw.await.map(Arc::new) })
            .await
    }
}

/// A drawn chart on a page, with where to download it.
#[derive(Debug)]
pub struct ChartView {
    /// The chart's name in the page (`data-chart`) and in its download URL.
    pub id: &'static str,
    pub chart: Arc<Chart>,
    /// `…/charts/{id}.svg` with the page's query.
    pub svg_href: String,
    /// `…/charts/{id}.csv` with the page's query.
    pub csv_href: String,
}

impl ChartView {
    /// The chart `id` under `base` (`/campaigns/{id}` or `/mmm/{id}`), downloadable with `query`
    /// (the page's own, so the download is drawn from the same inputs).
    pub fn new(
        id: &'static str,
        chart: impl Into<Arc<Chart>>,
        base: &str,
        query: &HashMap<String, String>,
    ) -> ChartView {
        let query = query_string(query);
        ChartView {
            id,
            chart: chart.into(),
            svg_href: format!("{base}/charts/{id}.svg{query}"),
            csv_href: format!("{base}/charts/{id}.csv{query}"),
        }
    }
}

/// A chart for the page, or nothing (logged) when it cannot be drawn: the page still shows the
/// numbers in its tables.
pub(crate) fn chart_view(
    id: &'static str,
    chart: Result<impl Into<Arc<Chart>>, impl std::fmt::Display>,
    base: &str,
    query: &HashMap<String, String>,
) -> Option<ChartView> {
    match chart {
        Ok(c) => Some(ChartView::new(id, c, base, query)),
        Err(e) => {
            tracing::warn!(error = %e, chart = id, "chart not drawn");
            None
        }
    }
}

/// `?k=v&…` in key order (the page's `tab` left out: a download has none), or nothing.
fn query_string(query: &HashMap<String, String>) -> String {
    let mut pairs: Vec<(&String, &String)> = query.iter().filter(|(k, _)| *k != "tab").collect();
    pairs.sort();
    if pairs.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// What a download is: the chart as SVG or its data as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Csv,
}

/// `daily-spend.svg` → (`daily-spend`, SVG); any other extension is the 404 page.
pub(crate) fn parse_file(file: &str) -> UiResult<(&str, Format)> {
    match file.rsplit_once('.') {
        Some((name, "svg")) => Ok((name, Format::Svg)),
        Some((name, "csv")) => Ok((name, Format::Csv)),
        _ => Err(UiError::NotFound),
    }
}

/// A file name part from free text: lower-case ASCII letters and digits, runs of anything else
/// as one `-` (`Spring Launch — EU` → `spring-launch-eu`).
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "chart".to_owned()
    } else {
        out.to_owned()
    }
}

/// The download of `chart` as a file named `{owner}-{chart}.{svg|csv}`.
pub(crate) fn download(view: &ChartView, owner: &str, format: Format) -> Response {
    let (body, kind, ext) = match format {
        Format::Svg => (
            view.chart
                .standalone_svg(crate::ui::assets::FONT_WOFF2)
                .into_bytes(),
            "image/svg+xml; charset=utf-8",
            "svg",
        ),
        Format::Csv => (
            view.chart.csv().into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    let name = format!("{}-{}.{ext}", slug(owner), view.id);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// `GET /campaigns/{id}/charts/{chart}.{svg|csv}`: a chart of the analysis page, the attribution
/// page or the optimiser, from the same query as the page.
pub async fn campaign_chart(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, file)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> UiResult<Response> {
    let (name, format) = parse_file(&file)?;
    let (campaign, view) = match name {
        "attribution-comparison" => {
            crate::ui::attribution::comparison_view(&state, &viewer, &id, &query).await?
        }
        "response-curves" => {
            let campaign = state.campaign(&viewer.principal.org_id, &id).await?;
            let section =
                crate::ui::optimization::section(&state, &viewer, campaign.id.as_str(), &query)
                    .await?;
            (campaign, section.plan.and_then(|p| p.chart))
        }
        other => crate::ui::analysis::chart(&state, &viewer, &id, other, &query).await?,
    };
    let view = view.ok_or(UiError::NotFound)?;
    Ok(download(&view, &campaign.spec.name, format))
}

/// `GET /mmm/{id}/charts/{chart}.{svg|csv}`: a chart of a model run's page.
pub async fn mmm_chart(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> UiResult<Response> {
    let (name, format) = parse_file(&file)?;
    let (owner, charts) = crate::ui::mmm_run::run_charts(&state, &viewer, &id).await?;
    let view = charts
        .into_iter()
        .find(|c| c.id == name)
        .ok_or(UiError::NotFound)?;
    Ok(download(&view, &owner, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_queries_are_safe() {
        assert_eq!(slug("Spring Launch — EU (2026)"), "spring-launch-eu-2026");
        assert_eq!(slug("——"), "chart");
        assert_eq!(slug("\"a\"\r\nb"), "a-b");
        assert_eq!(parse_file("roas.csv").ok(), Some(("roas", Format::Csv)));
        assert_eq!(parse_file("x.y.svg").ok(), Some(("x.y", Format::Svg)));
        assert!(parse_file("roas.png").is_err());
        assert!(parse_file("roas").is_err());
        let query: HashMap<String, String> = [
            ("tab".to_owned(), "overview".to_owned()),
            ("to".to_owned(), "2026-01-31".to_owned()),
            ("budget".to_owned(), "$5,000 & more".to_owned()),
        ]
        .into();
        assert_eq!(
            query_string(&query),
            format!("?budget={}&to=2026-01-31", url_encode("$5,000 & more"))
        );
        assert_eq!(query_string(&HashMap::new()), "");
    }
}
