//! A rates file a user uploads to the rates table: either the plain `from,to,rate` layout (one
//! agreed rate per row, header first) or the European Central Bank's euro reference rates as the
//! ECB publishes them for download:
//!
//! - the daily file (`eurofxref.csv`): a header `Date, USD, JPY, BGN, ...,` (spaces after the
//!   commas, a trailing comma) and one row `04 December 2026, 1.0543, 158.21, ...,`;
//! - the history (`eurofxref-hist.csv`): the same columns without spaces, one row per day, newest
//!   first, dates `2026-12-04`, and `N/A` where a currency had no rate that day.
//!
//! Each ECB column is a rate from EUR to that currency (one euro is worth it); a history gives its
//! newest row. `N/A` and empty cells are skipped, never read as zero. Every problem names its
//! line and column.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::CsvProblem;
use crate::fx::FxRate;

/// Most rows read from a rates file (a daily history since 1999 has under 7,000).
pub const MAX_ROWS: usize = 20_000;

/// What a rates file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatesFile {
    pub rates: Vec<FxRate>,
    /// The day of the ECB rates read (`None` for the plain layout).
    pub as_of: Option<NaiveDate>,
}

fn problem(line: u64, column: Option<&str>, message: impl Into<String>) -> CsvProblem {
    CsvProblem {
        line,
        column: column.map(str::to_owned),
        message: message.into(),
    }
}

fn ecb_date(cell: &str) -> Option<NaiveDate> {
    let t = cell.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d %B %Y"))
        .ok()
}

/// An ECB column: three capitals (the history keeps columns of currencies since replaced, such
/// as CYP, whose newer rows are `N/A`).
fn code_ok(c: &str) -> bool {
    c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())
}

/// Reads a rates file (see the module documentation).
pub fn parse_rates_file(bytes: &[u8]) -> Result<RatesFile, Vec<CsvProblem>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| vec![problem(1, None, "the file is not UTF-8 text")])?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line());
            vec![problem(
                line,
                None,
                format!("not a readable CSV record: {e}"),
            )]
        })?;
        let line = record.position().map_or(1, |p| p.line());
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if rows.len() > MAX_ROWS {
            return Err(vec![problem(
                line,
                None,
                format!("at most {MAX_ROWS} rows"),
            )]);
        }
        rows.push((line, cells));
    }
    let Some((_, header)) = rows.first() else {
        return Err(vec![problem(1, None, "the file is empty")]);
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    if names
        .first()
        .is_some_and(|h| h.eq_ignore_ascii_case("date"))
    {
        ecb(&names, &rows[1..])
    } else {
        plain(&names, &rows[1..])
    }
}

fn ecb(names: &[String], body: &[(u64, Vec<String>)]) -> Result<RatesFile, Vec<CsvProblem>> {
    let Some((line, cells)) = body.first() else {
        return Err(vec![problem(2, None, "the ECB file has no row of rates")]);
    };
    let as_of = ecb_date(cells.first().map_or("", String::as_str)).ok_or_else(|| {
        vec![problem(
            *line,
            Some("Date"),
            format!(
                "{:?} is not a date (the ECB writes 04 December 2026 or 2026-12-04)",
                cells.first().map_or("", String::as_str)
            ),
        )]
    })?;
    let mut rates = Vec::new();
    let mut problems = Vec::new();
    for (i, name) in names.iter().enumerate().skip(1) {
        if name.is_empty() {
            continue; // the daily file's trailing comma
        }
        if !code_ok(name) {
            problems.push(problem(1, Some(name), "is not a currency code"));
            continue;
        }
        let cell = cells.get(i).map_or("", |c| c.trim());
        if cell.is_empty() || cell.eq_ignore_ascii_case("N/A") || name == "EUR" {
            continue;
        }
        match cell.parse::<Decimal>() {
            Ok(rate) if rate > Decimal::ZERO => rates.push(FxRate {
                from: "EUR".to_owned(),
                to: name.clone(),
                rate,
            }),
            _ => problems.push(problem(
                *line,
                Some(name),
                format!("{cell:?} is not a rate above zero"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rates.is_empty() {
        return Err(vec![problem(*line, None, "the row has no rate")]);
    }
    Ok(RatesFile {
        rates,
        as_of: Some(as_of),
    })
}

fn plain(names: &[String], body: &[(u64, Vec<String>)]) -> Result<RatesFile, Vec<CsvProblem>> {
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let find = |n: &str| lower.iter().position(|h| h == n);
    let (Some(f), Some(t), Some(r)) = (find("from"), find("to"), find("rate")) else {
        return Err(vec![problem(
            1,
            None,
            "expected the columns from, to and rate (or the ECB's reference-rate file)",
        )]);
    };
    let mut rates = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in body {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        let from = cell(f).to_ascii_uppercase();
        let to = cell(t).to_ascii_uppercase();
        for (column, code) in [("from", &from), ("to", &to)] {
            if !spendlens_core::currency::is_iso_4217(code) {
                problems.push(problem(
                    *line,
                    Some(column),
                    format!("{code:?} is not an ISO 4217 currency code"),
                ));
            }
        }
        match cell(r).parse::<Decimal>() {
            Ok(rate) if rate > Decimal::ZERO => rates.push(FxRate { from, to, rate }),
            _ => problems.push(problem(
                *line,
                Some("rate"),
                format!("{:?} is not a rate above zero", cell(r)),
            )),
        }
    }
    if problems.is_empty() {
        Ok(RatesFile { rates, as_of: None })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate_of(f: &RatesFile, to: &str) -> Option<String> {
        f.rates
            .iter()
            .find(|r| r.to == to)
            .map(|r| r.rate.to_string())
    }

    #[test]
    fn the_ecb_daily_file_reads_as_rates_from_eur() {
        let daily = "Date, USD, JPY, BGN, CZK, DKK, GBP, HUF, \n04 December 2026, 1.0543, 158.21, 1.9558, 25.123, 7.4580, 0.83465, 409.78, \n";
        let got = parse_rates_file(daily.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(got.as_of, NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(got.rates.len(), 7);
        assert!(got.rates.iter().all(|r| r.from == "EUR"));
        assert_eq!(rate_of(&got, "GBP").as_deref(), Some("0.83465"));
    }

    #[test]
    fn the_ecb_history_gives_its_newest_row_and_skips_na() {
        let hist = "Date,USD,JPY,CYP,GBP,\n2026-12-04,1.0543,158.21,N/A,0.83465,\n2026-12-03,1.05,158,N/A,0.834,\n";
        let got = parse_rates_file(hist.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(got.as_of, NaiveDate::from_ymd_opt(2026, 12, 4));
        assert_eq!(rate_of(&got, "USD").as_deref(), Some("1.0543"));
        assert_eq!(rate_of(&got, "CYP"), None);
        assert_eq!(got.rates.len(), 3);
    }

    #[test]
    fn the_plain_layout_reads_and_bad_cells_are_named() {
        let got = parse_rates_file(b"from,to,rate\ngbp,usd,1.27\nEUR,USD,1.08\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(got.as_of, None);
        assert_eq!(got.rates[0].from, "GBP");
        let e = parse_rates_file(b"from,to,rate\nGBP,US,abc\n")
            .err()
            .unwrap_or_default();
        let text: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("line 2") && text[0].contains("to"),
            "{text:?}"
        );
        assert!(text[1].contains("rate"), "{text:?}");
        let e = parse_rates_file(b"currency,value\nUSD,1\n")
            .err()
            .unwrap_or_default();
        assert!(e[0].to_string().contains("from, to and rate"));
        let e = parse_rates_file(b"Date, USD,\nyesterday, 1.05,\n")
            .err()
            .unwrap_or_default();
        assert!(
            e[0].to_string().contains("line 2") && e[0].to_string().contains("Date"),
            "{e:?}"
        );
        assert!(parse_rates_file(b"").is_err());
    }
}
