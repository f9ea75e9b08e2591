//! A table of text cells (a CSV or a sheet, read by the caller) to a [`Dataset`], by the
//! contract's column rules; and a lift-test table to [`Experiment`]s.
//!
//! Here rather than in the CLI so that every front end (the command line now, an upload in the
//! web app later) finds the same columns the same way; it is pure (the caller reads the file).
//!
//! Column rules (docs/mmm-contract.md): the date is `--date`, else the first column named
//! `date`, `day`, `week`, `date_week` or `time` (any case), else the first whose name has one of
//! those words between `_`, `-` or spaces; the KPI is `--kpi` (default `revenue`); spend is
//! `--spend`, else every `<channel>_spend`, `spend_<channel>` (any case) or `<channel>_S` column;
//! controls are `--controls`, else every other column that is numeric throughout. A text column
//! is an error naming it unless listed in `--controls`, where each distinct value but the most
//! frequent becomes an indicator column (`events=event2`).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::data::{ChannelSpend, Control, Dataset, Experiment};
use crate::error::MmmError;

/// One row of the table: its number in the file and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// Row number as the user sees it (1 for a CSV's header).
    pub row: usize,
    /// Cells in column order.
    pub cells: Vec<String>,
}

/// The column options of `spendlens mmm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The KPI column (`revenue` when `None`).
    pub kpi: Option<String>,
    /// The date column, when not discovered.
    pub date: Option<String>,
    /// Spend columns, when not discovered.
    pub spend: Vec<String>,
    /// Control columns, when not "every other numeric column".
    pub controls: Vec<String>,
    /// Numbers written with a decimal comma (`1.234,5`), as in semicolon-separated files.
    pub decimal_comma: bool,
}

const DATE_NAMES: [&str; 5] = ["date", "day", "week", "date_week", "time"];
const MAX_LEVELS: usize = 50;

/// The channel a spend column names, if it follows one of the contract's patterns.
pub fn channel_of(column: &str) -> Option<String> {
    let lower = column.to_ascii_lowercase();
    let name = if lower.len() > 6 && lower.ends_with("_spend") {
        &column[..column.len() - 6]
    } else if lower.len() > 6 && lower.starts_with("spend_") {
        &column[6..]
    } else if column.len() > 2 && column.ends_with("_S") {
        &column[..column.len() - 2]
    } else {
        return None;
    };
    Some(name.to_owned())
}

/// Reads the table: the first row is the header, the others one period each.
///
/// # Errors
/// A missing or text column, an unreadable cell (naming row and column), or any [`Dataset`]
/// problem the fit would report later.
pub fn dataset(rows: &[TableRow], columns: &Columns) -> Result<Dataset, MmmError> {
    let Some((header, body)) = rows.split_first() else {
        return Err(MmmError::Column {
            column: "date".into(),
            message: "the table is empty".into(),
        });
    };
    let names: Vec<&str> = header.cells.iter().map(|c| c.trim()).collect();
    let find = |wanted: &str, what: &str| -> Result<usize, MmmError> {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| MmmError::Column {
                column: wanted.to_owned(),
                message: format!(
                    "no such column for the {what} (the columns are: {})",
                    names.join(", ")
                ),
            })
    };
    let date = match &columns.date {
        Some(d) => find(d, "date")?,
        None => date_column(&names).ok_or_else(|| MmmError::Column {
            column: "date".into(),
            message: format!(
                "no date column (date, day, week, date_week, time): name it with --date (the columns are: {})",
                names.join(", ")
            ),
        })?,
    };
    let kpi_name = columns.kpi.as_deref().unwrap_or("revenue");
    let kpi = find(kpi_name, "KPI (--kpi)")?;
    let spend: Vec<usize> = if columns.spend.is_empty() {
        (0..names.len())
            .filter(|&i| i != date && i != kpi && channel_of(names[i]).is_some())
            .collect()
    } else {
        columns
            .spend
            .iter()
            .map(|s| find(s, "spend (--spend)"))
            .collect::<Result<_, _>>()?
    };
    if spend.is_empty() {
        return Err(MmmError::Column {
            column: "spend".into(),
            message: format!(
                "no spend column (<channel>_spend, spend_<channel>, <channel>_S): name them with --spend (the columns are: {})",
                names.join(", ")
            ),
        });
    }
    let first_row = body.first().map_or(header.row + 1, |r| r.row);
    for (i, r) in body.iter().enumerate() {
        if r.row != first_row + i {
            return Err(MmmError::Cell {
                row: first_row + i,
                column: names[date].to_owned(),
                message: "a blank row inside the data".into(),
            });
        }
    }
    let dates = body
        .iter()
        .map(|r| {
            parse_date(cell(r, date)).ok_or_else(|| MmmError::Cell {
                row: r.row,
                column: names[date].to_owned(),
                message: format!(
                    "{:?} is not a date (write 2024-01-31 or 20240131)",
                    cell(r, date)
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let number = |r: &TableRow, c: usize| -> Result<f64, MmmError> {
        parse_number(cell(r, c), columns.decimal_comma)
            .and_then(|d| d.to_string().parse::<f64>().ok())
            .or_else(|| plain_float(cell(r, c)))
            .ok_or_else(|| not_a_number(r.row, names[c], cell(r, c)))
    };
    let values = body
        .iter()
        .map(|r| number(r, kpi))
        .collect::<Result<Vec<_>, _>>()?;
    let mut channels = Vec::new();
    for &c in &spend {
        let spend = body
            .iter()
            .map(|r| {
                parse_number(cell(r, c), columns.decimal_comma)
                    .ok_or_else(|| not_a_number(r.row, names[c], cell(r, c)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        channels.push(ChannelSpend {
            name: channel_of(names[c]).unwrap_or_else(|| names[c].to_owned()),
            column: names[c].to_owned(),
            spend,
        });
    }
    let mut controls = Vec::new();
    if columns.controls.is_empty() {
        for c in (0..names.len()).filter(|c| *c != date && *c != kpi && !spend.contains(c)) {
            let values = body.iter().map(|r| number(r, c)).collect::<Result<Vec<_>, _>>().map_err(|e| {
                let MmmError::Cell { row, message, .. } = e else { return e };
                MmmError::Column {
                    column: names[c].to_owned(),
                    message: format!(
                        "text in a control column (row {row}: {message}); list it in --controls to use its values as indicators, or leave it out with --controls"
                    ),
                }
            })?;
            controls.push(Control {
                name: names[c].to_owned(),
                values,
            });
        }
    } else {
        for name in &columns.controls {
            let c = find(name, "control (--controls)")?;
            match body
                .iter()
                .map(|r| number(r, c))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(values) => controls.push(Control {
                    name: names[c].to_owned(),
                    values,
                }),
                Err(_) => {
                    let cells: Vec<&str> = body.iter().map(|r| cell(r, c)).collect();
                    controls.extend(indicators(&cells, names[c])?);
                }
            }
        }
    }
    Ok(Dataset {
        kpi: names[kpi].to_owned(),
        kpi_prefix: String::new(),
        date_column: names[date].to_owned(),
        first_row,
        dates,
        values,
        channels,
        controls,
        holidays: Vec::new(),
    })
}

/// The trimmed cell `c` of a row (empty when the row is short).
fn cell(r: &TableRow, c: usize) -> &str {
    r.cells.get(c).map_or("", |s| s.trim())
}

fn not_a_number(row: usize, column: &str, cell: &str) -> MmmError {
    MmmError::Cell {
        row,
        column: column.to_owned(),
        message: if cell.is_empty() {
            "an empty cell where a number is needed (write 0 for none)".into()
        } else {
            format!("{cell:?} is not a number")
        },
    }
}

/// The date column among a header's `names`: one named `date`, `day`, `week`, `date_week` or
/// `time` (any case), else the first whose name holds one of those words (`week_start`,
/// `Date (UTC)`). Every reader of a table by dates finds it alike.
pub fn date_column(names: &[&str]) -> Option<usize> {
    let exact = names
        .iter()
        .position(|n| DATE_NAMES.iter().any(|d| n.eq_ignore_ascii_case(d)));
    exact.or_else(|| {
        names.iter().position(|n| {
            n.to_ascii_lowercase()
                .split(['_', '-', ' '])
                .any(|w| DATE_NAMES.contains(&w))
        })
    })
}

/// One indicator column per distinct value but the most frequent (the reference level, which
/// the model's level already carries).
fn indicators(cells: &[&str], column: &str) -> Result<Vec<Control>, MmmError> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cells {
        *counts.entry(c).or_default() += 1;
    }
    if counts.len() > MAX_LEVELS {
        return Err(MmmError::Column {
            column: column.to_owned(),
            message: format!(
                "{} distinct values; a text control may have at most {MAX_LEVELS}",
                counts.len()
            ),
        });
    }
    let reference = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(k, _)| *k);
    Ok(counts
        .keys()
        .filter(|k| Some(**k) != reference)
        .map(|level| Control {
            name: format!("{column}={level}"),
            values: cells
                .iter()
                .map(|c| if c == level { 1.0 } else { 0.0 })
                .collect(),
        })
        .collect())
}

/// A number as a Decimal: `1234.5`, `1,234.5`, or with `decimal_comma` `1.234,5` (a cell without
/// a comma is read with a decimal point either way: semicolon files mix both).
fn parse_number(cell: &str, decimal_comma: bool) -> Option<Decimal> {
    let s: String = if decimal_comma && cell.contains(',') {
        cell.chars()
            .filter(|c| *c != '.' && !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect()
    } else {
        cell.chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect()
    };
    if s.is_empty() {
        return None;
    }
    Decimal::from_str(&s)
        .ok()
        .or_else(|| Decimal::from_scientific(&s).ok())
}

/// A float beyond Decimal's range (a control in scientific notation like `1e30`).
fn plain_float(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `2024-01-31`, `2024/01/31`, either with a time after it, `20240131` (the form GA4 and
/// BigQuery exports write a day in), or a spreadsheet serial day. Eight digits are never a serial
/// (the last one a spreadsheet has is 2,958,465, in 9999) and read only as a day from 1900 to
/// 2199; any other spelling (`31/01/2024`, `01/31/2024`) is refused rather than guessed.
pub fn parse_date(cell: &str) -> Option<NaiveDate> {
    let head = cell.split(['T', ' ']).next().unwrap_or("");
    // After the day, only a time of day (`2024-01-31 00:00:00`, `2024-01-31T00:00:00Z`).
    let rest = &cell[head.len()..];
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z' | 'T' | ' '))
    {
        return None;
    }
    if head.len() == 8 && head.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(head, "%Y%m%d")
            .ok()
            .filter(|d| (1900..2200).contains(&d.year()));
    }
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .ok()
        .or_else(|| {
            let serial = cell
                .parse::<i64>()
                .ok()
                .filter(|s| (1..=2_958_465).contains(s))?;
            NaiveDate::from_ymd_opt(1899, 12, 30).map(|d| d + Duration::days(serial))
        })
}

/// Reads a lift-test table: `channel,from,to,lift,lift_se` and optionally `spend`.
///
/// # Errors
/// A missing column or an unreadable cell, naming row and column.
pub fn experiments(rows: &[TableRow], decimal_comma: bool) -> Result<Vec<Experiment>, MmmError> {
    let Some((header, body)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = header
        .cells
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| -> Result<usize, MmmError> {
        names
            .iter()
            .position(|c| c == n)
            .ok_or_else(|| MmmError::Experiment {
                row: header.row,
                column: n.to_owned(),
                message: "missing column (the experiments need channel, from, to, lift, lift_se)"
                    .into(),
            })
    };
    let (ch, from, to, lift, se) = (
        col("channel")?,
        col("from")?,
        col("to")?,
        col("lift")?,
        col("lift_se")?,
    );
    let spend = names.iter().position(|c| c == "spend");
    body.iter()
        .map(|r| {
            let cell = |c: usize| r.cells.get(c).map_or("", |s| s.trim());
            let bad = |c: usize, what: &str| MmmError::Experiment {
                row: r.row,
                column: names[c].clone(),
                message: format!("{:?} is not {what}", cell(c)),
            };
            let date = |c: usize| parse_date(cell(c)).ok_or_else(|| bad(c, "a date"));
            let num = |c: usize| {
                parse_number(cell(c), decimal_comma)
                    .and_then(|d| d.to_string().parse::<f64>().ok())
                    .ok_or_else(|| bad(c, "a number"))
            };
            Ok(Experiment {
                row: r.row,
                channel: cell(ch).to_owned(),
                from: date(from)?,
                to: date(to)?,
                lift: num(lift)?,
                lift_se: num(se)?,
                spend: match spend {
                    Some(c) if !cell(c).is_empty() => Some(
                        parse_number(cell(c), decimal_comma).ok_or_else(|| bad(c, "a number"))?,
                    ),
                    _ => None,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_columns_name_their_channel() {
        assert_eq!(channel_of("tv_S").as_deref(), Some("tv"));
        assert_eq!(channel_of("Meta_Spend").as_deref(), Some("Meta"));
        assert_eq!(channel_of("spend_podcast").as_deref(), Some("podcast"));
        assert_eq!(channel_of("facebook_I"), None);
        assert_eq!(channel_of("_S"), None);
        assert_eq!(channel_of("spend"), None);
    }

    #[test]
    fn numbers_and_dates_in_their_usual_spellings() {
        assert_eq!(
            parse_number("1,234.50", false),
            Some(Decimal::new(123_450, 2))
        );
        assert_eq!(
            parse_number("1.234,50", true),
            Some(Decimal::new(123_450, 2))
        );
        assert_eq!(parse_number("12.5", true), Some(Decimal::new(125, 1)));
        assert_eq!(parse_number("", false), None);
        assert_eq!(parse_number("n/a", false), None);
        let d = NaiveDate::from_ymd_opt(2024, 1, 31);
        assert_eq!(parse_date("2024-01-31"), d);
        assert_eq!(parse_date("2024-01-31 00:00:00"), d);
        assert_eq!(parse_date("2024-01-31T00:00:00+01:00"), d);
        assert_eq!(parse_date("2024-01-31 junk"), None);
        assert_eq!(parse_date("2024-01-31 (Wed)"), None);
        assert_eq!(parse_date("2024/01/31"), d);
        assert_eq!(parse_date("45322"), d);
        assert_eq!(parse_date("31/01/2024"), None);
        assert_eq!(parse_date("20240131"), d);
        // Eight digits that are no day of 1900–2199: a day-first or month-first spelling, or a
        // number, is refused, never read as a serial.
        assert_eq!(parse_date("31012024"), None);
        assert_eq!(parse_date("01312024"), None);
        assert_eq!(parse_date("12345678"), None);
        assert_eq!(parse_date("20241301"), None);
    }

    #[test]
    fn date_columns_are_discovered_exactly_first_then_by_word() {
        assert_eq!(date_column(&["revenue", "DATE", "week_start"]), Some(1));
        assert_eq!(date_column(&["revenue", "week_start"]), Some(1));
        assert_eq!(date_column(&["dayofyear", "y"]), None);
    }
}
