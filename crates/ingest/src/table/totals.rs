//! Totals rows: the file's own sums (`Total`, `Grand total`, a row without a campaign name in a
//! platform export), set aside with what they add up to so the preview can show them, never
//! imported (they would count the spend twice).

use crate::model::{Field, RowTotals, SkippedRow};
use crate::number::{self, DecimalSeparator};

use super::header::Plan;
use super::{RawRow, TableSpec, cell};

/// The row set aside when `raw` is a totals row, `None` when it is data. `date_col` and
/// `name_cols` (campaign name, campaign id) are the plan's columns, looked up once per file.
pub(super) fn totals_row(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    date_col: Option<usize>,
    name_cols: [Option<usize>; 2],
) -> Option<SkippedRow> {
    const TOTALS: &str =
        "a totals row (the file's own sum; importing it would count the spend twice)";
    let has_name_col = name_cols.iter().any(Option::is_some);
    let label = raw
        .cells
        .iter()
        .find(|c| !c.trim().is_empty())
        .map_or("", |c| c.trim())
        .to_owned();
    let first = raw.cells.first().map_or("", |c| c.trim());
    let names_blank = has_name_col && name_cols.iter().all(|c| cell(raw, *c).trim().is_empty());
    // Without a day column the date says nothing, so only an unmistakable label (a bare
    // `Total`, Google's `Total: …`) marks a totals row: a campaign called "Total Wine" is data.
    let date_text = cell(raw, date_col);
    let no_date =
        date_col.is_some() && (matches!(date_text.trim(), "" | "--") || is_total_label(date_text));
    // A campaign called "Total Wine - Search" on a real date is data; "Total" alone is not.
    let labelled_total = no_date
        && (is_total_label(first)
            || is_total_label(&label)
            || name_cols.iter().any(|c| is_total_label(cell(raw, *c))));
    // Google Ads writes `Total: Campaigns` (`Total: Account`, …) in the first column after its
    // segment columns (Month, Day), with a month, a day or ` --` before it: whatever the date
    // cell holds, such a row restates sums.
    let google_total = raw.cells.iter().any(is_google_total);
    let reason = if labelled_total
        || google_total
        || is_bare_total(first)
        || name_cols.iter().any(|c| is_bare_total(cell(raw, *c)))
    {
        TOTALS
    } else if names_blank && spec.platform.is_some() {
        "a row without a campaign name: a totals row"
    } else {
        return None;
    };
    let google_label = raw
        .cells
        .iter()
        .map(|c| c.trim())
        .find(|c| is_google_total(c))
        .unwrap_or_default();
    let label = [
        first,
        cell(raw, name_cols[0]).trim(),
        cell(raw, name_cols[1]).trim(),
        label.as_str(),
        google_label,
    ]
    .into_iter()
    .find(|l| is_total_label(l))
    .map_or_else(|| "(row without a campaign name)".to_owned(), str::to_owned);
    Some(SkippedRow {
        row: raw.row,
        reason: reason.to_owned(),
        label,
        totals: Some(row_totals(raw, plan, spec.decimal)),
    })
}

/// Whether a cell labels a totals row: `Total`, `Total: Account`, `Totals`, `Grand total`, `Summe`.
/// Whole words only, so a campaign called "Totally Outdoors" or "Summer Sale" is data.
fn is_total_label(s: &str) -> bool {
    let lower = s.trim().to_lowercase();
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    match words.next() {
        Some("total" | "totals" | "summe" | "gesamt" | "gesamtergebnis" | "totaux") => true,
        Some("grand") => words.next() == Some("total"),
        _ => false,
    }
}

/// Whether a cell is Google Ads' totals label, `Total: ` and what it sums (`Total: Campaigns`,
/// `Total: Account`, `Total: Search`): the colon makes it no campaign name.
fn is_google_total(s: &str) -> bool {
    s.trim()
        .get(..6)
        .is_some_and(|head| head.eq_ignore_ascii_case("total:"))
}

/// Whether a cell is nothing but a totals word (`Total`, `Totals:`, `Grand total`, `Subtotal`).
fn is_bare_total(s: &str) -> bool {
    let lower = s.trim().trim_end_matches([':', '.']).trim().to_lowercase();
    matches!(
        lower.as_str(),
        "total" | "totals" | "grand total" | "subtotal" | "sub-total" | "summe" | "gesamt"
    )
}

fn row_totals(raw: &RawRow, plan: &Plan, sep: DecimalSeparator) -> RowTotals {
    let num = |f: Field| {
        number::parse_number(cell(raw, plan.col(f)), sep)
            .ok()
            .flatten()
            .map(|n| n.value)
    };
    let count = |f: Field| num(f).and_then(|v| u64::try_from(v).ok());
    RowTotals {
        spend: num(Field::Spend),
        impressions: count(Field::Impressions),
        clicks: count(Field::Clicks),
        conversions: num(Field::Conversions),
        conversion_value: num(Field::ConversionValue),
        revenue: num(Field::Revenue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_labels_are_whole_words() {
        for l in [
            "Total",
            "Total: Account",
            "TOTALS",
            "Grand total",
            "Summe",
            " total - all",
        ] {
            assert!(is_total_label(l), "{l}");
        }
        for l in [
            "Totally Outdoors",
            "Summer Sale",
            "Grand Opening",
            "",
            "Subtotal campaign",
        ] {
            assert!(!is_total_label(l), "{l}");
        }
        for l in ["Total: Campaigns", " total: account", "TOTAL: Search"] {
            assert!(is_google_total(l), "{l}");
        }
        for l in ["Total Wine - Search", "Totals", "Subtotal: x", "", "Tot"] {
            assert!(!is_google_total(l), "{l}");
        }
    }
}
