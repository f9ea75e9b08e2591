//! The shared engine behind every tabular format (platform CSV exports, sheets saved as CSV, workbook
//! sheets, Google Sheets tabs): find the header row and map headers to fields ([`header`]), set
//! aside totals rows ([`totals`]), read each other row into a [`DailyRow`] ([`row`]), and check
//! the file as a whole here (one currency in the headers, one date order, no day twice).

mod cells;
mod detail;
mod header;
mod period;
mod row;
mod totals;

use chrono::NaiveDate;
use spendlens_core::{DailyRow, Platform};

use crate::date::{self, DateOrder};
use crate::error::{ImportError, Problems};
use crate::model::{ColumnMapping, Field, ParsedFile, PeriodChoice, Source};
use crate::number::DecimalSeparator;

pub(crate) use cells::Cells;
pub(crate) use header::classify;
pub(crate) use period::spread;

use header::plan;
use period::{Dated, Stated};
use row::read_row;
use totals::totals_row;

/// One row of cells with its spreadsheet row number.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub(crate) row: u64,
    pub(crate) cells: Cells,
}

/// What differs between the tabular formats.
#[derive(Debug, Clone)]
pub(crate) struct TableSpec {
    pub(crate) source: Source,
    /// The platform of every row (platform exports), or `None` to read a platform column.
    pub(crate) platform: Option<Platform>,
    /// The platform of rows without a platform column or cell.
    pub(crate) default_platform: Platform,
    pub(crate) decimal: DecimalSeparator,
    /// Whether the numbers' own marks decide [`TableSpec::decimal`] (delimited text, whose locale
    /// the file does not state), `decimal` being the default when they do not.
    pub(crate) decimal_from_data: bool,
    pub(crate) default_order: DateOrder,
    pub(crate) order_override: Option<DateOrder>,
    /// Whether rows may be shorter than the header (Sheets drops trailing empty cells; in a CSV a
    /// short row means a truncated file).
    pub(crate) ragged_ok: bool,
    /// Whether a whole number in the date column is a spreadsheet serial day (Sheets unformatted
    /// values, workbook cells without a date format).
    pub(crate) serial_dates: bool,
    /// Whether a platform column overrides the platform the headers suggested (a user's sheet with a
    /// Channel column and an `Impr.` header is not a Google Ads export).
    pub(crate) platform_column_wins: bool,
    /// What to do with rows covering a period ([`PeriodChoice`]).
    pub(crate) period: PeriodChoice,
    /// The period of a file that states none (`--from/--to`).
    pub(crate) period_range: Option<(NaiveDate, NaiveDate)>,
}

impl TableSpec {
    pub(crate) fn new(source: Source) -> Self {
        TableSpec {
            source,
            platform: source.platform(),
            default_platform: Platform::Sheets,
            decimal: DecimalSeparator::Dot,
            decimal_from_data: false,
            default_order: match source {
                Source::Meta => DateOrder::DayFirst,
                _ => DateOrder::MonthFirst,
            },
            order_override: None,
            ragged_ok: false,
            serial_dates: false,
            platform_column_wins: false,
            period: PeriodChoice::Refuse,
            period_range: None,
        }
    }
}

/// The text of column `col` in `raw`; empty when the plan has no such column or the row ends
/// before it (Sheets drops trailing empty cells).
fn cell(raw: &RawRow, col: Option<usize>) -> &str {
    col.and_then(|c| raw.cells.get(c)).unwrap_or("")
}

/// Parses the rows of one table into a [`ParsedFile`], or rejects the file listing every problem.
pub(crate) fn parse_table(
    file: &str,
    rows: &[RawRow],
    spec: &TableSpec,
    mapping: &ColumnMapping,
    mut problems: Problems,
) -> Result<ParsedFile, ImportError> {
    let Some(plan) = plan(rows, mapping, &mut problems) else {
        problems.into_result()?;
        return Err(ImportError::whole_file(file, "no header row"));
    };
    let data: Vec<&RawRow> = rows.iter().filter(|r| r.row > plan.header_row).collect();
    let column_spec;
    let spec = if spec.platform_column_wins
        && spec.platform.is_some()
        && plan.col(Field::Platform).is_some()
    {
        column_spec = TableSpec {
            platform: None,
            ..spec.clone()
        };
        &column_spec
    } else {
        spec
    };
    let mut notes = Vec::new();
    let mut commas_seen = false;
    let decided_spec;
    let spec = if spec.decimal_from_data {
        let numeric = [
            Field::Spend,
            Field::Impressions,
            Field::Engagements,
            Field::Clicks,
            Field::Conversions,
            Field::ConversionValue,
            Field::Revenue,
        ]
        .into_iter()
        .filter_map(|f| plan.col(f))
        .collect::<Vec<_>>();
        let cells = data
            .iter()
            .flat_map(|r| numeric.iter().map(|&c| cell(r, Some(c))));
        let (decimal, decided) = crate::number::decide_separator(cells, spec.decimal);
        commas_seen = decided && decimal == DecimalSeparator::Comma;
        if commas_seen {
            notes.push(
                "numbers are written with a decimal comma (1.234,56): read as such".to_owned(),
            );
        }
        // No amount shows its decimal mark, and one could be read either way (`1.234`): say how
        // it was read and why, with the cell.
        let money = [Field::Spend, Field::ConversionValue, Field::Revenue]
            .into_iter()
            .filter_map(|f| plan.col(f))
            .collect::<Vec<_>>();
        let either_way = data
            .iter()
            .flat_map(|r| money.iter().map(|&c| cell(r, Some(c)).trim()))
            .find(|c| crate::number::reads_either_way(c));
        if let (false, Some(example)) = (decided, either_way) {
            notes.push(match decimal {
                DecimalSeparator::Comma => format!(
                    "no amount in the file shows its decimals: \"{example}\" was read with the \
                     mark grouping thousands, as a semicolon-separated file writes them; if it \
                     is a decimal, write the amounts with their decimals (such as 1.234,00)"
                ),
                DecimalSeparator::Dot => format!(
                    "no amount in the file shows its decimals: \"{example}\" was read with a \
                     decimal point, as a comma-separated file writes it; if the mark groups \
                     thousands, write the amounts with their decimals (such as 1,234.00)"
                ),
            });
        }
        decided_spec = TableSpec {
            decimal,
            ..spec.clone()
        };
        &decided_spec
    } else {
        spec
    };

    // Header currencies (`Amount spent (EUR)`, `Cost (USD)`) must agree.
    let mut header_currency: Option<&'static str> = None;
    for f in [Field::Spend, Field::ConversionValue, Field::Revenue] {
        if let Some(c) = plan
            .col(f)
            .and_then(|i| plan.headers.get(i))
            .and_then(|h| h.currency)
        {
            match header_currency {
                Some(prev) if prev != c => problems.at(
                    plan.header_row,
                    plan.col(f).map(|i| plan.column_ref(i)),
                    format!("the header says {c} but another money column says {prev}"),
                ),
                _ => header_currency = Some(c),
            }
        }
    }

    // How to read slash dates: the user's choice, else what the column shows, else the default.
    let date_col = plan.col(Field::Date);
    let order = match spec.order_override {
        Some(o) => o,
        None => match date::infer_order(data.iter().map(|r| cell(r, date_col))) {
            Ok(Some(o)) => o,
            Ok(None) => {
                // Nothing in the column decides. A file that writes decimal commas is laid out
                // as most of the world writes dates, day first; else the source's default.
                let (order, why) = if commas_seen {
                    (DateOrder::DayFirst, ", as the file writes decimal commas")
                } else if spec.decimal == DecimalSeparator::Comma {
                    (
                        DateOrder::DayFirst,
                        ", as a semicolon-separated file comes from a decimal-comma locale",
                    )
                } else {
                    (spec.default_order, "")
                };
                // Dotted dates (31.12.2024) are always day first: only slash or dash dates are
                // read by the order.
                if data.iter().any(|r| {
                    let c = cell(r, date_col);
                    date::slash_parts(c).is_some() && !c.trim().contains('.')
                }) {
                    let (read, other) = match order {
                        DateOrder::MonthFirst => ("month first (US order)", DateOrder::DayFirst),
                        DateOrder::DayFirst => ("day first", DateOrder::MonthFirst),
                    };
                    notes.push(format!(
                        "no date in the file tells its order: dates such as 06/07/2024 were read \
                         {read}{why}; if that is wrong, import it again with the date order set \
                         to {} (date_order)",
                        other.as_str()
                    ));
                }
                order
            }
            Err(e) => {
                problems.at(plan.header_row, date_col.map(|i| plan.column_ref(i)), e);
                spec.default_order
            }
        },
    };
    let range_dates = plan.reporting_ends.is_some()
        && date_col.and_then(|i| plan.headers.get(i)).is_some_and(|h| {
            matches!(
                h.name.as_str(),
                "reporting starts" | "start date (in utc)" | "start date"
            )
        });
    let name_cols = [plan.col(Field::Campaign), plan.col(Field::CampaignId)];
    let preamble: Vec<&RawRow> = rows.iter().filter(|r| r.row < plan.header_row).collect();
    let stated = period::stated_period(&preamble, order);
    let file_period = match stated {
        Stated::Range(a, b) => Some((a, b)),
        Stated::AllTime | Stated::Nothing => spec.period_range,
    };
    // A count the file does not have is stored as 0: said, so that a CPC or CTR of nothing is
    // not read as a measurement.
    for (field, name, figures) in [
        (Field::Clicks, "Clicks", "CPC, CTR and CVR"),
        (Field::Impressions, "Impressions", "CPM and CTR"),
    ] {
        if plan.col(field).is_none() {
            notes.push(format!(
                "the file has no {name} column: its rows are stored with 0 {}, so {figures} \
                 measure nothing for them",
                name.to_lowercase()
            ));
        }
    }
    let month_col = plan.month.filter(|_| date_col.is_none());
    if month_col.is_some() {
        notes.push(
            "the report has a Month column and no day column: each row is a total for its month"
                .to_owned(),
        );
    } else if date_col.is_none() {
        if let Some(p) = file_period {
            notes.push(format!(
                "the report has no day column: each row is a total for {} to {}",
                date::describe(p.0),
                date::describe(p.1)
            ));
        } else if !matches!(spec.period, PeriodChoice::BookOn(_)) {
            let said = if stated == Stated::AllTime {
                "\"All time\""
            } else {
                "no date range"
            };
            problems.at(
                plan.header_row,
                None,
                format!(
                    "this report has no day column, so each row is a total for the whole report period, \
                     and the file states {said}; give the period (`--from` and `--to`, or the period \
                     fields on the upload page) and spread the rows over it (`--spread`), book them on \
                     one date (`--book-on DATE`), or export the report again with a Day breakdown"
                ),
            );
            return Err(problems
                .into_result()
                .err()
                .unwrap_or_else(|| ImportError::whole_file(file, "the report states no period")));
        }
    }
    let row_spec;
    let spec = if date_col.is_none() {
        row_spec = TableSpec {
            period_range: file_period,
            ..spec.clone()
        };
        &row_spec
    } else {
        spec
    };

    if data.iter().all(|r| is_no_data(r)) && data.iter().any(|r| !is_blank_row(r)) {
        notes.push(
            "the export says \"No data available.\": there is nothing to import for its period"
                .to_owned(),
        );
        problems.into_result()?;
        return Ok(ParsedFile {
            file: file.to_owned(),
            source: spec.source,
            rows: Vec::new(),
            skipped: Vec::new(),
            currency: None,
            notes,
            detail: None,
        });
    }

    let mut read: Vec<Dated> = Vec::with_capacity(data.len());
    let mut skipped = Vec::new();
    for raw in data {
        if problems.is_full() {
            break;
        }
        if is_blank_row(raw) {
            continue;
        }
        if let Some(totals) = totals_row(raw, &plan, spec, date_col, name_cols) {
            skipped.push(totals);
            continue;
        }
        if !spec.ragged_ok {
            let last_filled = raw
                .cells
                .iter()
                .rposition(|c| !c.trim().is_empty())
                .map_or(0, |i| i + 1);
            if raw.cells.len() < plan.headers.len() {
                problems.at(
                    raw.row,
                    None,
                    format!(
                        "the row has {} cells but the header has {} (truncated file?)",
                        raw.cells.len(),
                        plan.headers.len()
                    ),
                );
                continue;
            }
            if last_filled > plan.headers.len() {
                problems.at(
                    raw.row,
                    Some(plan.column_ref(last_filled - 1)),
                    format!(
                        "the row has {last_filled} cells but the header only {}",
                        plan.headers.len()
                    ),
                );
                continue;
            }
        }
        if let Some(daily) = read_row(raw, &plan, spec, order, header_currency, &mut problems) {
            let dated = |col: Option<usize>| {
                col.and_then(|c| raw.cells.get(c))
                    .filter(|t| !t.trim().is_empty())
                    .and_then(|t| date::parse_date(t, order).ok())
            };
            let period = if let Some(month) = month_col {
                period::month_period(cell(raw, Some(month)), spec.period_range).ok()
            } else if date_col.is_none() {
                spec.period_range.or(match spec.period {
                    PeriodChoice::BookOn(day) => Some((day, day)),
                    _ => None,
                })
            } else if range_dates {
                dated(plan.reporting_ends)
                    .filter(|end| *end > daily.date)
                    .map(|end| (daily.date, end))
            } else {
                None
            };
            read.push(Dated {
                row: raw.row,
                daily,
                period,
                campaign_start: dated(plan.campaign_start),
            });
        }
    }
    // A LinkedIn report without a daily breakdown dates every row at the report's start: its rows
    // are totals for the report period, however daily they look.
    if spec.source == Source::LinkedIn
        && let Stated::Range(a, b) = stated
        && b > a
        && !read.is_empty()
        && read.iter().all(|d| d.period.is_none() && d.daily.date == a)
    {
        for d in &mut read {
            d.period = Some((a, b));
        }
        notes.push(format!(
            "every row is dated at the report's start {}: the rows are totals for {} to {}",
            date::describe(a),
            date::describe(a),
            date::describe(b)
        ));
    }
    if spec.period == PeriodChoice::Refuse && read.iter().any(|d| d.period.is_some()) {
        // The refusal says everything; duplicates among period rows are beside the point.
        period::settle(read, spec.period, &mut problems, &mut notes);
        problems.into_result()?;
        return Err(ImportError::whole_file(file, "rows cover a period"));
    }
    let detail = detail::detail(&plan, spec.platform.is_some());
    let before = read.len();
    let mut read = detail::combine(read, detail.sums(), &mut problems);
    if detail.sums() {
        notes.push(format!(
            "{}: {before} rows summed into {} rows of one day and campaign",
            detail.describe(),
            read.len()
        ));
    }
    for d in &mut read {
        round_money(&mut d.daily);
    }
    // Rows covering a period become days, which may meet other rows' days. Without such rows
    // the days are the rows combined above.
    let read = if read.iter().any(|d| d.period.is_some()) {
        let settled = period::settle(read, spec.period, &mut problems, &mut notes);
        detail::combine(
            settled
                .into_iter()
                .map(|(row, daily)| Dated {
                    row,
                    daily,
                    period: None,
                    campaign_start: None,
                })
                .collect(),
            detail.sums() || spec.period != PeriodChoice::Refuse,
            &mut problems,
        )
    } else {
        read
    };
    problems.into_result()?;
    let out: Vec<DailyRow> = read.into_iter().map(|d| d.daily).collect();
    let currency = single_currency(&out);
    Ok(ParsedFile {
        file: file.to_owned(),
        source: spec.source,
        rows: out,
        skipped,
        currency,
        notes,
        detail: detail.sums().then(|| detail.describe()),
    })
}

fn is_blank_row(raw: &RawRow) -> bool {
    raw.cells.iter().all(|c| c.trim().is_empty())
}

/// Meta's empty export: one `No data available.` line under the header.
fn is_no_data(raw: &RawRow) -> bool {
    is_blank_row(raw)
        || raw.cells.iter().any(|c| {
            c.trim()
                .trim_end_matches('.')
                .eq_ignore_ascii_case("no data available")
        }) && raw.cells.iter().filter(|c| !c.trim().is_empty()).count() == 1
}

/// Money as platforms write it may carry 15 decimals (`20.8373114038425`): rounded half away from
/// zero to the cent, after breakdown rows are summed (so the sum is of what the platform counted).
/// Conversions keep their decimals.
fn round_money(row: &mut DailyRow) {
    use spendlens_core::num::round_half_away;
    row.spend = round_half_away(row.spend, 2);
    row.conversion_value = row.conversion_value.map(|v| round_half_away(v, 2));
    row.revenue = row.revenue.map(|v| round_half_away(v, 2));
}

pub(crate) fn single_currency(rows: &[DailyRow]) -> Option<String> {
    let first = rows.first()?.currency.clone()?;
    rows.iter()
        .all(|r| r.currency.as_deref() == Some(first.as_str()))
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn rows(lines: &[&[&str]]) -> Vec<RawRow> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| RawRow {
                row: i as u64 + 1,
                cells: l.iter().copied().collect(),
            })
            .collect()
    }

    #[test]
    fn campaigns_named_total_are_data_on_a_real_date() {
        let t = rows(&[
            &["Day", "Campaign", "Cost"],
            &["2024-06-01", "Total Wine - Search", "5.00"],
            &["2024-06-01", "Subtotal", "5.00"],
            &["Total", "", "5.00"],
        ]);
        let spec = TableSpec::new(Source::GoogleAds);
        let p =
            parse_table("f", &t, &spec, &ColumnMapping::new(), Problems::new("f")).expect("parses");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].external_campaign_id, "Total Wine - Search");
        assert_eq!(
            p.skipped.iter().map(|s| s.row).collect::<Vec<_>>(),
            vec![3, 4]
        );
    }
}
