//! The header row: which of the first rows is it, and which column holds which field.
//!
//! Headers are matched whole (after lower-casing and removing a currency suffix such as `(USD)`),
//! never by substring: "Monthly Budget" is not spend, "Cost per result" is not cost, and "New users"
//! is not users. Each field has tiers of synonyms; two columns in the best tier found for a field
//! make the mapping unsure, and the user is asked for an explicit [`ColumnMapping`]. The same
//! synonyms tell the formats apart for detection ([`classify`]).

use std::collections::HashMap;

use crate::currency::{known_code, written_code};
use crate::error::{ColumnRef, Problems};
use crate::model::{ColumnMapping, Field, Source};

use super::RawRow;

/// How many rows from the top are searched for the header (title and date lines come first).
const HEADER_SEARCH_ROWS: usize = 30;

/// Synonyms per field, best tier first. Lower-case, currency suffix removed.
fn tiers(field: Field) -> &'static [&'static [&'static str]] {
    match field {
        Field::Date => &[
            &[
                "date",
                "day",
                "start date (in utc)",
                "jour",
                "tag",
                "fecha",
                "día",
            ],
            &["reporting starts", "start date", "report date"],
        ],
        Field::Platform => &[&["platform", "channel", "network", "source"]],
        // Ad-set and ad names stand in for the campaign only when a file has no campaign column
        // (a Meta ad-set export without Campaign name).
        Field::Campaign => &[
            &[
                "campaign",
                "campaign name",
                "nom de la campagne",
                "kampagne",
            ],
            &["ad set name", "ad set", "ad group", "ad group name"],
            &["ad name", "creative name"],
        ],
        Field::CampaignId => &[&["campaign id", "campaign_id"]],
        Field::Spend => &[&[
            "spend",
            "cost",
            "amount spent",
            "total spent",
            "actual spend",
            "ad spend",
            "total spend",
            "spent",
            "montant dépensé",
            "importe gastado",
            "ausgegebener betrag",
            "kosten",
        ]],
        Field::Impressions => &[&["impressions", "impr.", "impr", "impressionen"]],
        Field::Engagements => &[
            &["engagements", "total engagements"],
            &["post engagement", "post engagements"],
        ],
        Field::Clicks => &[
            &["clicks", "clics", "klicks"],
            &["link clicks", "clics sur un lien"],
            &["clicks (all)"],
        ],
        Field::Conversions => &[
            &["conversions", "conv.", "total conversions", "conversiones"],
            &["purchases", "achats", "compras", "käufe"],
            &["results", "résultats", "ergebnisse"],
            &["leads", "orders"],
        ],
        Field::ConversionValue => &[
            &[
                "conversion value",
                "conversion_value",
                "conv. value",
                "total conversion value",
                "conv.-wert",
                "konversionswert",
                "valeur de conv.",
                "valeur de conversion",
                "valor de conv.",
                "valor de conversión",
            ],
            &[
                "purchases conversion value",
                "website purchases conversion value",
                "valeur de conversion des achats",
                "valor de conversión de compras",
            ],
        ],
        Field::Revenue => &[&["revenue", "sales", "total revenue"]],
        Field::Currency => &[&[
            "currency",
            "currency code",
            "währung",
            "währungscode",
            "devise",
            "code de la devise",
            "moneda",
            "código de moneda",
            "divisa",
        ]],
    }
}

/// A header cell, lower-cased with spaces collapsed and a trailing currency in brackets removed.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) original: String,
    pub(crate) name: String,
    pub(crate) currency: Option<&'static str>,
}

pub(crate) fn normalise_header(raw: &str) -> Header {
    let original = raw.trim().trim_start_matches('\u{feff}').trim().to_owned();
    let mut name = original
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut currency = None;
    if name.ends_with(')')
        && let Some(open) = name.rfind('(')
    {
        let inner = name[open + 1..name.len() - 1].trim().to_owned();
        // The code as written (a code outside the common ones counts only in capitals).
        let written = original
            .rfind('(')
            .and_then(|at| original.get(at + 1..original.len() - 1))
            .map(str::trim)
            .unwrap_or_default();
        let code = known_code(&inner)
            .or_else(|| written_code(written))
            .or(match inner.as_str() {
                "€" => Some("EUR"),
                "£" => Some("GBP"),
                "¥" | "￥" => Some(crate::currency::YEN_OR_YUAN),
                "₩" => Some("KRW"),
                _ => None,
            });
        if code.is_some() || inner == "$" {
            currency = code;
            name = name[..open].trim_end().to_owned();
        }
    }
    Header {
        original,
        name,
        currency,
    }
}

/// Where each field lives in the header row.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) header_row: u64,
    pub(crate) headers: Vec<Header>,
    pub(crate) columns: HashMap<Field, usize>,
    /// `columns` by field (`Field::ALL`'s order), for [`Plan::col`], asked about every row.
    by_field: [Option<usize>; Field::ALL.len()],
    /// Meta's `Reporting ends` (LinkedIn's `End Date (in UTC)`), used only when the date is the
    /// start of a range.
    pub(crate) reporting_ends: Option<usize>,
    /// LinkedIn's `Campaign Start Date`: a spread starts no earlier.
    pub(crate) campaign_start: Option<usize>,
    /// A `Month` segment column (Google Ads' `Jan-26`): without a day column, each row is a total
    /// for its month.
    pub(crate) month: Option<usize>,
}

impl Plan {
    pub(crate) fn col(&self, field: Field) -> Option<usize> {
        self.by_field.get(field as usize).copied().flatten()
    }

    pub(crate) fn column_ref(&self, index: usize) -> ColumnRef {
        ColumnRef {
            index,
            header: self.headers.get(index).map(|h| h.original.clone()),
        }
    }
}

/// The outcome of mapping one candidate header row.
enum Mapped {
    /// Not a header row (no date or no spend column).
    No,
    Yes(HashMap<Field, usize>),
    /// A header row, but the user must decide something.
    Unsure(Vec<String>),
}

fn is_letter_ref(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn letter_index(s: &str) -> usize {
    s.bytes()
        .fold(0usize, |acc, b| acc * 26 + usize::from(b - b'A' + 1))
        - 1
}

fn map_headers(headers: &[Header], mapping: &ColumnMapping, need_date: bool) -> Mapped {
    let mut columns = HashMap::new();
    let mut unsure = Vec::new();
    for (field, reference) in mapping.entries() {
        let wanted = reference.trim().to_lowercase();
        let by_name = headers
            .iter()
            .position(|h| h.original.to_lowercase() == wanted || h.name == wanted);
        match by_name {
            Some(i) => {
                columns.insert(*field, i);
            }
            None if is_letter_ref(reference.trim()) => {
                columns.insert(*field, letter_index(reference.trim()));
            }
            None => unsure.push(format!(
                "the mapping names column \"{reference}\" for {field}, but the header row has no such column"
            )),
        }
    }
    let taken: Vec<usize> = columns.values().copied().collect();
    for field in Field::ALL {
        if columns.contains_key(&field) {
            continue;
        }
        for tier in tiers(field) {
            let hits: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(i, h)| !taken.contains(i) && tier.contains(&h.name.as_str()))
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [] => continue,
                [one] => {
                    columns.insert(field, *one);
                }
                many => unsure.push(format!(
                    "columns {} could each be the {field}; choose one with a column mapping",
                    many.iter()
                        .map(|&i| format!(
                            "{} \"{}\"",
                            crate::error::column_letter(i),
                            headers[i].original
                        ))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
            }
            break;
        }
    }
    let has = |f: Field| {
        columns.contains_key(&f) || unsure.iter().any(|u| u.contains(&format!("be the {f};")))
    };
    if !((has(Field::Date) || !need_date) && has(Field::Spend)) {
        return Mapped::No;
    }
    if unsure.is_empty() {
        Mapped::Yes(columns)
    } else {
        Mapped::Unsure(unsure)
    }
}

/// A currency column under a name no tier lists (a locale's own word for it): when no column is
/// the currency, a column no field took whose filled cells below the header are all ISO codes
/// (at least one row in two; a totals row's `--` or a blank aside) is. Otherwise its amounts
/// would be taken to be in the campaign's currency, unconverted.
fn currency_by_content(rows: &[RawRow], header_row: u64, columns: &mut HashMap<Field, usize>) {
    if columns.contains_key(&Field::Currency) {
        return;
    }
    let body: Vec<&RawRow> = rows.iter().filter(|r| r.row > header_row).collect();
    let width = body.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let found = (0..width)
        .filter(|i| !columns.values().any(|c| c == i))
        .find(|&i| {
            let mut codes = 0usize;
            for r in &body {
                match r.cells.get(i).map(str::trim) {
                    None | Some("" | "--") => {}
                    Some(c)
                        if c.bytes().all(|b| b.is_ascii_uppercase())
                            && written_code(c).is_some() =>
                    {
                        codes += 1;
                    }
                    Some(_) => return false,
                }
            }
            codes > 0 && codes * 2 >= body.len()
        });
    if let Some(i) = found {
        columns.insert(Field::Currency, i);
    }
}

/// The plan of a header row whose columns are mapped.
fn plan_of(raw: &RawRow, headers: Vec<Header>, columns: HashMap<Field, usize>) -> Plan {
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.name.as_str()))
    };
    let reporting_ends = find(&["reporting ends", "end date (in utc)", "end date"]);
    let campaign_start = find(&["campaign start date", "campaign start"]);
    let month = find(&["month", "monat", "mois", "mes"]);
    let by_field = Field::ALL.map(|f| columns.get(&f).copied());
    Plan {
        header_row: raw.row,
        headers,
        columns,
        by_field,
        reporting_ends,
        campaign_start,
        month,
    }
}

/// Whether a header row names a date and some metric but no spend: a Meta export whose columns
/// leave out `Amount spent`, a LinkedIn conversion report.
fn spendless(headers: &[Header]) -> bool {
    let any = |f: Field| {
        tiers(f)
            .iter()
            .any(|t| headers.iter().any(|h| t.contains(&h.name.as_str())))
    };
    any(Field::Date)
        && !any(Field::Spend)
        && [
            Field::Impressions,
            Field::Clicks,
            Field::Conversions,
            Field::Campaign,
        ]
        .into_iter()
        .any(any)
}

/// A title line of a LinkedIn report (`Conversion Performance Report (in UTC)`), lower-cased.
fn linkedin_title(rows: &[RawRow]) -> Option<String> {
    rows.iter().take(5).find_map(|r| {
        let t = r
            .cells
            .first()?
            .trim()
            .trim_start_matches('\u{feff}')
            .to_lowercase();
        (t.contains("report (in utc)") || t.starts_with("report start:")).then_some(t)
    })
}

/// Finds the header row among the first rows and maps its columns.
///
/// A header with a spend column but no date column is a report of period totals: its plan has no
/// date column, and the rows are booked as the user chooses ([`super::period`]).
pub(crate) fn plan(
    rows: &[RawRow],
    mapping: &ColumnMapping,
    problems: &mut Problems,
) -> Option<Plan> {
    let mut undated_header = None;
    let mut spendless_header = None;
    // A column named by its letter says nothing of where the header row is: it is the row the
    // mapping form showed as the header (the row of most text), so a title line above it is
    // not taken for the header.
    let by_letter = mapping.entries().iter().any(|(_, c)| {
        let c = c.trim();
        is_letter_ref(c)
            && !rows
                .iter()
                .take(HEADER_SEARCH_ROWS)
                .any(|r| r.cells.iter().any(|h| h.trim().eq_ignore_ascii_case(c)))
    });
    let header_at = by_letter
        .then(|| crate::mapping::likely_header_row(rows))
        .flatten();
    for raw in rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .filter(|r| header_at.is_none_or(|at| r.row == at))
    {
        let headers: Vec<Header> = raw.cells.iter().map(normalise_header).collect();
        match map_headers(&headers, mapping, true) {
            Mapped::No => {
                if undated_header.is_none()
                    && matches!(map_headers(&headers, mapping, false), Mapped::Yes(_))
                {
                    undated_header = Some((raw, headers));
                } else if spendless_header.is_none() && spendless(&headers) {
                    spendless_header = Some(raw.row);
                }
                continue;
            }
            Mapped::Unsure(reasons) => {
                for r in reasons {
                    problems.columns(Some(raw.row), r);
                }
                return None;
            }
            Mapped::Yes(mut columns) => {
                currency_by_content(rows, raw.row, &mut columns);
                return Some(plan_of(raw, headers, columns));
            }
        }
    }
    if let Some((raw, headers)) = undated_header
        && let Mapped::Yes(mut columns) = map_headers(&headers, mapping, false)
    {
        currency_by_content(rows, raw.row, &mut columns);
        return Some(plan_of(raw, headers, columns));
    }
    let title = linkedin_title(rows);
    if let Some(t) = title.as_deref().filter(|t| t.contains("conversion")) {
        problems.whole(format!(
            "this is a LinkedIn conversion report (\"{t}\"): it lists conversions and holds no spend; \
             export the Campaign Performance Report instead (Campaign Manager > Analyze > Export > \
             Campaign performance, time breakdown Daily)"
        ));
        return None;
    }
    if let Some(row) = spendless_header {
        problems.columns(
            Some(row),
            "this header row has no spend column (Amount spent, Cost, Total Spent, ...): the export \
             holds no spend to import; add the spend column (Meta: Columns > Performance > Amount \
             spent) and export again, or name the spend column with a column mapping",
        );
        return None;
    }
    if title.is_some() {
        problems.whole(
            "this LinkedIn report has its metadata lines but no table with a spend column: export \
             the Campaign Performance Report (time breakdown Daily) instead",
        );
        return None;
    }
    problems.columns(None, format!(
        "no header row found in the first {HEADER_SEARCH_ROWS} rows: expected a date column (Date, Day, \
         Start Date (in UTC), ...) and a spend column (Spend, Cost, Amount spent, Total Spent, ...); \
         name the columns with a column mapping if the headers differ"
    ));
    if !mapping.is_empty() {
        let searched: Vec<&RawRow> = rows.iter().take(HEADER_SEARCH_ROWS).collect();
        let missing: Vec<String> = mapping
            .entries()
            .iter()
            .filter(|(_, c)| {
                let wanted = c.trim().to_lowercase();
                !is_letter_ref(c.trim())
                    && !searched
                        .iter()
                        .any(|r| r.cells.iter().any(|h| h.trim().to_lowercase() == wanted))
            })
            .map(|(f, c)| format!("\"{c}\" for {f}"))
            .collect();
        if !missing.is_empty() {
            problems.columns(
                None,
                format!(
                    "the column mapping names {}, but no header row has such a column",
                    missing.join(" and ")
                ),
            );
        }
    }
    None
}

/// Which source a header row looks like, for detection. A platform's own columns decide over a
/// title line: Google Ads exports have been titled "Campaign performance report" too, and read as
/// LinkedIn's they were booked to the wrong platform (and valued at LinkedIn's conversion value).
/// A LinkedIn title decides only over columns no platform owns.
pub(crate) fn classify(rows: &[RawRow]) -> Option<Source> {
    let by_columns = classify_columns(rows);
    if matches!(by_columns, Some(Source::SpreadsheetCsv) | None)
        && (rows.iter().take(5).any(|r| {
            r.cells.first().is_some_and(|c| {
                c.trim()
                    .trim_start_matches('\u{feff}')
                    .to_lowercase()
                    .starts_with("campaign performance report")
            })
        }) || linkedin_title(rows).is_some())
    {
        return Some(Source::LinkedIn);
    }
    by_columns
}

/// [`classify`] from the header row's columns alone.
fn classify_columns(rows: &[RawRow]) -> Option<Source> {
    for raw in rows.iter().take(HEADER_SEARCH_ROWS) {
        let headers: Vec<Header> = raw.cells.iter().map(normalise_header).collect();
        let names: Vec<&str> = headers.iter().map(|h| h.name.as_str()).collect();
        // spendlens' own files are machine-written in lower case: eight of the ten exact names (or
        // all ten in any case) mean a canonical file, so that a misspelt column is reported by the
        // strict parser instead of being ignored by the lenient one.
        let exact = crate::canonical::CANONICAL_COLUMNS
            .iter()
            .filter(|f| {
                raw.cells
                    .iter()
                    .any(|c| c.trim().trim_start_matches('\u{feff}') == f.as_str())
            })
            .count();
        let any_case = crate::canonical::CANONICAL_COLUMNS
            .iter()
            .all(|f| names.contains(&f.as_str()));
        // Every column one of spendlens' own, some left out (a file without engagements or
        // conversion value): nothing is misspelt, so the lenient reader takes it and says which
        // columns it stored as 0, where the strict one refused the file.
        let own = |c: &str| {
            let c = c.trim().trim_start_matches('\u{feff}');
            c.is_empty()
                || c == "currency"
                || crate::canonical::CANONICAL_COLUMNS
                    .iter()
                    .any(|f| f.as_str() == c)
        };
        let only_left_out = !any_case && raw.cells.iter().all(own);
        if (exact >= 8 && !only_left_out) || any_case {
            return Some(Source::Canonical);
        }
        if names.contains(&"start date (in utc)") || names.contains(&"total spent") {
            return Some(Source::LinkedIn);
        }
        let meta = [
            "amount spent",
            "reporting starts",
            "montant dépensé",
            "importe gastado",
            "début des rapports",
        ];
        if meta.iter().any(|m| names.contains(m)) {
            return Some(Source::Meta);
        }
        if names.contains(&"impr.")
            || names.contains(&"currency code")
            || names.contains(&"conv. value")
        {
            return Some(Source::GoogleAds);
        }
        if matches!(
            map_headers(&headers, &ColumnMapping::new(), true),
            Mapped::Yes(_) | Mapped::Unsure(_)
        ) {
            return Some(Source::SpreadsheetCsv);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::tests::rows;

    #[test]
    fn headers_lose_their_currency_suffix() {
        let h = normalise_header("Amount spent (EUR)");
        assert_eq!((h.name.as_str(), h.currency), ("amount spent", Some("EUR")));
        let h = normalise_header("\u{feff}Total Spent(USD)");
        assert_eq!((h.name.as_str(), h.currency), ("total spent", Some("USD")));
        let h = normalise_header("Spend ($)");
        assert_eq!((h.name.as_str(), h.currency), ("spend", None));
        let h = normalise_header("Start Date (in UTC)");
        assert_eq!(h.name, "start date (in utc)");
        // Any ISO code written in capitals (a Meta export in Kuwaiti dinars), never a word.
        let h = normalise_header("Amount spent (KWD)");
        assert_eq!((h.name.as_str(), h.currency), ("amount spent", Some("KWD")));
        for word in [
            "Conversions (ALL)",
            "Conversions (all)",
            "Views (Top)",
            "Cost (kwd)",
        ] {
            assert_eq!(normalise_header(word).currency, None, "{word}");
        }
        let h = normalise_header("Cost (¥)");
        assert_eq!((h.name.as_str(), h.currency), ("cost", Some("¥")));
    }

    #[test]
    fn budget_and_derived_columns_are_not_spend() {
        let t = rows(&[
            &["Date", "Monthly Budget", "Cost per result", "CPC"],
            &["2024-06-01", "1", "2", "3"],
        ]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let err = p.into_result().expect_err("no spend column");
        assert!(err.to_string().contains("no header row"), "{err}");
    }

    #[test]
    fn a_report_without_days_has_a_plan_without_a_date() {
        let t = rows(&[
            &["Campaign report"],
            &["Campaign", "Cost", "Impr."],
            &["Brand", "1", "2"],
        ]);
        let mut p = Problems::new("f");
        let plan = plan(&t, &ColumnMapping::new(), &mut p).expect("undated plan");
        assert_eq!(plan.header_row, 2);
        assert_eq!(plan.col(Field::Date), None);
        assert!(p.is_empty());
    }

    #[test]
    fn a_header_without_spend_says_so() {
        let t = rows(&[
            &[
                "Reporting starts",
                "Reporting ends",
                "Ad set name",
                "Impressions",
            ],
            &["2024-06-01", "2024-06-01", "A", "2"],
        ]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let d = p.into_result().expect_err("no spend").diagnostics();
        assert_eq!(d[0].row, Some(1));
        assert!(d[0].message.contains("no spend column"), "{}", d[0]);
    }

    #[test]
    fn two_spend_candidates_need_a_mapping() {
        let t = rows(&[&["Date", "Cost", "Spend"], &["2024-06-01", "1", "2"]]);
        let mut p = Problems::new("f");
        assert!(plan(&t, &ColumnMapping::new(), &mut p).is_none());
        let err = p.into_result().expect_err("unsure");
        assert!(
            err.to_string().contains("B \"Cost\" and C \"Spend\""),
            "{err}"
        );
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "spend");
        let plan = plan(&t, &mapping, &mut p).expect("mapped");
        assert_eq!(plan.columns[&Field::Spend], 2);
        // `col` reads the columns by each field's place in `Field::ALL`.
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i, "{f:?}");
            assert_eq!(plan.col(f), plan.columns.get(&f).copied(), "{f:?}");
        }
    }

    #[test]
    fn tiers_prefer_the_better_synonym() {
        let t = rows(&[&[
            "Day",
            "Reporting starts",
            "Link clicks",
            "Clicks (all)",
            "Amount spent (USD)",
        ]]);
        let mut p = Problems::new("f");
        let plan = plan(&t, &ColumnMapping::new(), &mut p).expect("header");
        assert_eq!(plan.columns[&Field::Date], 0);
        assert_eq!(plan.columns[&Field::Clicks], 2);
    }

    #[test]
    fn mapping_by_letter_and_unknown_name() {
        let t = rows(&[&["Tag", "Ausgaben", "x"], &["2024-06-01", "1", "2"]]);
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "B");
        let plan = plan(&t, &mapping, &mut p).expect("mapped by letter");
        assert_eq!(plan.columns[&Field::Spend], 1);
        let mut p = Problems::new("f");
        let mapping = ColumnMapping::new().with(Field::Spend, "Ausgabe");
        assert!(super::plan(&t, &mapping, &mut p).is_none());
    }
}
