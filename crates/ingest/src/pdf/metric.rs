//! The metrics a report is searched for, the words that label them, and where a label stands in a
//! line: at its start before a value, in a row of KPI cards with other labels, or alone in a
//! table's cell (a heading, or the first cell of a metric's row).

use super::value::Kind;

/// The KPIs looked for in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PdfMetric {
    Spend,
    Impressions,
    Clicks,
    Conversions,
    Leads,
    Sessions,
    Users,
    Pageviews,
    AverageOrderValue,
}

impl PdfMetric {
    /// Every metric, in the order a preview lists them.
    pub const ALL: [PdfMetric; 9] = [
        PdfMetric::Spend,
        PdfMetric::Impressions,
        PdfMetric::Clicks,
        PdfMetric::Conversions,
        PdfMetric::Leads,
        PdfMetric::Sessions,
        PdfMetric::Users,
        PdfMetric::Pageviews,
        PdfMetric::AverageOrderValue,
    ];

    /// A name for people.
    pub const fn label(self) -> &'static str {
        match self {
            PdfMetric::Spend => "Spend",
            PdfMetric::Impressions => "Impressions",
            PdfMetric::Clicks => "Clicks",
            PdfMetric::Conversions => "Conversions",
            PdfMetric::Leads => "Leads",
            PdfMetric::Sessions => "Sessions",
            PdfMetric::Users => "Users",
            PdfMetric::Pageviews => "Pageviews",
            PdfMetric::AverageOrderValue => "Average order value",
        }
    }

    /// Labels in reports, lower-case; `total ...` forms rank above the plain ones.
    pub(super) fn labels(self) -> &'static [&'static str] {
        match self {
            PdfMetric::Spend => &[
                "total spend",
                "total ad spend",
                "total cost",
                "ad spend",
                "media spend",
                "amount spent",
                "spend",
                "cost",
            ],
            PdfMetric::Impressions => &["total impressions", "impressions", "impr."],
            PdfMetric::Clicks => &["total clicks", "clicks", "link clicks"],
            PdfMetric::Conversions => &["total conversions", "conversions", "conv."],
            PdfMetric::Leads => &["total leads", "leads"],
            PdfMetric::Sessions => &["total sessions", "sessions", "visits"],
            PdfMetric::Users => &[
                "total users",
                "users",
                "unique users",
                "unique visitors",
                "visitors",
            ],
            PdfMetric::Pageviews => &[
                "total pageviews",
                "pageviews",
                "page views",
                "total page views",
            ],
            PdfMetric::AverageOrderValue => &[
                "average order value",
                "avg. order value",
                "avg order value",
                "aov",
            ],
        }
    }

    pub(super) const fn kind(self) -> Kind {
        match self {
            PdfMetric::Spend | PdfMetric::AverageOrderValue => Kind::Money,
            PdfMetric::Conversions | PdfMetric::Leads => Kind::Decimal,
            _ => Kind::Count,
        }
    }
}

/// KPI labels that are not looked for but occupy a column in a row of cards or a table header.
const OTHER_LABELS: [&str; 16] = [
    "ctr",
    "cpc",
    "cpm",
    "cpa",
    "cpl",
    "roas",
    "avg. cpc",
    "conv. rate",
    "conversion rate",
    "cost per conversion",
    "revenue",
    "conversion value",
    "reach",
    "frequency",
    "bounce rate",
    "roi",
];

/// A line made only of known labels (at least two), e.g. `Spend Impressions Clicks CTR` from a row
/// of KPI cards: each label with its metric (`None` for a label not looked for), left to right.
pub(super) fn label_row(line: &str) -> Option<Vec<(Option<PdfMetric>, &str)>> {
    let lower = line.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while at < lower.len() {
        let rest = &lower[at..];
        let mut best: Option<(Option<PdfMetric>, usize)> = None;
        let candidates = PdfMetric::ALL
            .iter()
            .flat_map(|m| m.labels().iter().map(move |l| (Some(*m), *l)))
            .chain(OTHER_LABELS.iter().map(|l| (None, *l)));
        for (metric, label) in candidates {
            let whole = rest.starts_with(label)
                && matches!(rest[label.len()..].chars().next(), None | Some(' '));
            if whole && best.is_none_or(|(_, len)| label.len() > len) {
                best = Some((metric, label.len()));
            }
        }
        let (metric, len) = best?;
        out.push((metric, &line[at..at + len]));
        at += len;
        while line[at..].starts_with(' ') {
            at += 1;
        }
    }
    (out.len() >= 2).then_some(out)
}

/// What a table cell names: `Some(Some(metric))` for a metric looked for, `Some(None)` for a KPI
/// that is not (CTR, CPC), `None` for anything else. A qualifier in parentheses, a currency and a
/// trailing colon are ignored: `Spend (€)`, `Cost EUR`, `Clicks:`.
pub(super) fn heading(text: &str) -> Option<Option<PdfMetric>> {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<String> = plain
        .split_whitespace()
        .map(|w| w.trim_end_matches(':').to_ascii_lowercase())
        .filter(|w| {
            let currency = matches!(w.as_str(), "€" | "$" | "£" | "in")
                || (w.len() == 3 && crate::currency::known_code(w).is_some());
            !w.is_empty() && !currency
        })
        .collect();
    let name = words.join(" ");
    if name.is_empty() {
        return None;
    }
    if let Some(m) = PdfMetric::ALL
        .into_iter()
        .find(|m| m.labels().contains(&name.as_str()))
    {
        return Some(Some(m));
    }
    OTHER_LABELS.contains(&name.as_str()).then_some(None)
}

/// Whether a row label says the row is the table's total (`Total`, `Grand total`, `Totals`,
/// `Total (June)`, `Gesamt`, `Summe`).
pub(super) fn is_total(label: &str) -> bool {
    let l = label.trim().trim_end_matches(':').to_lowercase();
    let head = l.split([' ', '(']).next().unwrap_or_default();
    matches!(
        head,
        "total" | "totals" | "gesamt" | "summe" | "sum" | "totaal" | "totale"
    ) || l.starts_with("grand total")
        || l == "overall"
}

/// The text after `label` when the line starts with it as a whole word, with separators removed.
pub(super) fn after_label<'a>(lower: &str, line: &'a str, label: &str) -> Option<&'a str> {
    // `lower` is `line` lower-cased in ASCII only, so byte offsets are the same in both.
    if !lower.starts_with(label) {
        return None;
    }
    let rest = &line[label.len()..];
    let next = rest.chars().next();
    if !matches!(next, None | Some(' ' | ':' | '|' | '\t' | '(' | '-' | '–')) {
        return None;
    }
    let mut rest = rest.trim_start_matches([' ', ':', '|', '\t', '-', '–']);
    // A qualifier such as "(unique)" or "(USD)" between label and value.
    if rest.starts_with('(')
        && let Some(end) = rest.find(')')
    {
        rest = rest[end + 1..].trim_start_matches([' ', ':', '|']);
    }
    Some(rest)
}
