//! One data row into a [`DailyRow`]: its date, platform, campaign, money, counts and currency,
//! with a problem naming the row and column for every cell that cannot be read.

use rust_decimal::Decimal;
use spendlens_core::{DailyRow, Platform};

use crate::currency::iso_code;
use crate::date::{self, DateOrder};
use crate::error::Problems;
use crate::model::Field;
use crate::number;

use super::header::Plan;
use super::{RawRow, TableSpec, cell};

/// Maps what users write in a platform cell to a [`Platform`].
fn platform_from_cell(s: &str) -> Option<Platform> {
    let t = s.trim().to_lowercase();
    if let Ok(p) = t.parse::<Platform>() {
        return Some(p);
    }
    match t.as_str() {
        "linkedin ads" | "linked in" | "linkedin campaign manager" => Some(Platform::LinkedIn),
        "facebook" | "facebook ads" | "instagram" | "meta ads" | "fb" => Some(Platform::Meta),
        "google" | "google ads" | "adwords" | "google adwords" | "google search" => {
            Some(Platform::GoogleAds)
        }
        "custom" | "custom integration" => Some(Platform::CustomIntegration),
        "google sheets" => Some(Platform::Sheets),
        _ => None,
    }
}

pub(super) fn read_row(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    order: DateOrder,
    header_currency: Option<&'static str>,
    problems: &mut Problems,
) -> Option<DailyRow> {
    let before = problems_len(problems);
    let at = |f: Field| plan.col(f).map(|i| plan.column_ref(i));

    let date_text = cell(raw, plan.col(Field::Date));
    // A report without a day column: the row's date is its period's first day until the period
    // is settled (`super::period`).
    let date = if plan.col(Field::Date).is_none()
        && let Some(month) = plan.month
    {
        // A Month segment: the row's month, within the period the file states.
        match super::period::month_period(cell(raw, Some(month)), spec.period_range) {
            Ok((start, _)) => Some(start),
            Err(e) => {
                problems.at(raw.row, Some(plan.column_ref(month)), e);
                None
            }
        }
    } else if plan.col(Field::Date).is_none() {
        match (spec.period_range, spec.period) {
            (Some((start, _)), _) => Some(start),
            (None, crate::model::PeriodChoice::BookOn(day)) => Some(day),
            (None, _) => {
                problems.at(raw.row, None, "the report states no period");
                None
            }
        }
    } else if date_text.trim().is_empty() {
        problems.at(raw.row, at(Field::Date), "the date is missing");
        None
    } else {
        let serial = spec
            .serial_dates
            .then(|| date_text.trim().parse::<f64>().ok())
            .flatten()
            .filter(|v| *v >= 1.0);
        let parsed = match serial {
            Some(v) => date::from_serial(v),
            None => date::parse_date(date_text, order),
        };
        match parsed {
            Ok(d) => Some(d),
            Err(e) => {
                problems.at(raw.row, at(Field::Date), e);
                None
            }
        }
    };
    let platform = match spec.platform {
        Some(p) => p,
        None => {
            let text = cell(raw, plan.col(Field::Platform));
            if text.trim().is_empty() {
                spec.default_platform
            } else {
                match platform_from_cell(text) {
                    Some(p) => p,
                    None => {
                        problems.at(
                            raw.row,
                            at(Field::Platform),
                            format!(
                                "unknown platform \"{}\" (expected LinkedIn, Meta, Google Ads, Custom or Sheets)",
                                text.trim()
                            ),
                        );
                        spec.default_platform
                    }
                }
            }
        }
    };

    let id = cell(raw, plan.col(Field::CampaignId)).trim();
    let name = cell(raw, plan.col(Field::Campaign)).trim();
    let campaign = if id.is_empty() { name } else { id };

    let mut cell_currency: Option<&'static str> = None;
    let mut money = |f: Field, problems: &mut Problems| -> Option<Decimal> {
        let text = cell(raw, plan.col(f));
        match number::parse_number(text, spec.decimal) {
            Ok(None) => None,
            Ok(Some(n)) if n.percent => {
                problems.at(
                    raw.row,
                    at(f),
                    format!(
                        "expected an amount, found the percentage \"{}\"",
                        text.trim()
                    ),
                );
                None
            }
            Ok(Some(n)) if n.value.is_sign_negative() && !n.value.is_zero() => {
                problems.at(
                    raw.row,
                    at(f),
                    format!("{f} cannot be negative (\"{}\")", text.trim()),
                );
                None
            }
            Ok(Some(n)) => {
                if let Some(c) = n.currency {
                    if cell_currency.is_some_and(|prev| prev != c) {
                        problems.at(raw.row, at(f), "two currencies in one row");
                    }
                    cell_currency = Some(c);
                }
                Some(n.value)
            }
            Err(e) => {
                problems.at(raw.row, at(f), e);
                None
            }
        }
    };
    let spend = money(Field::Spend, problems).unwrap_or_default();
    let conversion_value = money(Field::ConversionValue, problems);
    let revenue = money(Field::Revenue, problems);
    let conversions = read_conversions(raw, plan, spec, problems);
    let mut count = |f: Field| read_count(raw, plan, spec, f, problems);
    let impressions = count(Field::Impressions);
    let engagements = count(Field::Engagements);
    let clicks = count(Field::Clicks);

    let column_currency = {
        let text = cell(raw, plan.col(Field::Currency)).trim();
        if text.is_empty() {
            None
        } else {
            match iso_code(text) {
                Some(c) => Some(c),
                None => {
                    problems.at(
                        raw.row,
                        at(Field::Currency),
                        format!("\"{text}\" is not a currency code"),
                    );
                    None
                }
            }
        }
    };
    let stated: Vec<&'static str> = [column_currency, header_currency, cell_currency]
        .into_iter()
        .flatten()
        .collect();
    if stated.windows(2).any(|w| w[0] != w[1]) {
        problems.at(
            raw.row,
            at(Field::Currency),
            format!("the row states different currencies: {}", stated.join(", ")),
        );
    }

    if problems_len(problems) != before {
        return None;
    }
    let mut row = DailyRow::empty(date?, platform, campaign);
    row.spend = spend;
    row.impressions = impressions?;
    row.engagements = engagements?;
    row.clicks = clicks?;
    row.conversions = conversions?;
    row.conversion_value = conversion_value;
    row.revenue = revenue;
    row.currency = stated.first().map(|c| (*c).to_owned());
    Some(row)
}

fn problems_len(problems: &Problems) -> usize {
    problems.count()
}

fn read_conversions(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    problems: &mut Problems,
) -> Option<Decimal> {
    let f = Field::Conversions;
    let text = cell(raw, plan.col(f));
    let at = plan.col(f).map(|i| plan.column_ref(i));
    match number::parse_number(text, spec.decimal) {
        Ok(None) => Some(Decimal::ZERO),
        Ok(Some(n)) if n.percent || n.currency.is_some() => {
            problems.at(
                raw.row,
                at,
                format!(
                    "expected a number of conversions, found \"{}\"",
                    text.trim()
                ),
            );
            None
        }
        Ok(Some(n)) if n.value.is_sign_negative() && !n.value.is_zero() => {
            problems.at(
                raw.row,
                at,
                format!("conversions cannot be negative (\"{}\")", text.trim()),
            );
            None
        }
        Ok(Some(n)) => Some(n.value),
        Err(e) => {
            problems.at(raw.row, at, e);
            None
        }
    }
}

fn read_count(
    raw: &RawRow,
    plan: &Plan,
    spec: &TableSpec,
    f: Field,
    problems: &mut Problems,
) -> Option<u64> {
    let text = cell(raw, plan.col(f));
    let at = plan.col(f).map(|i| plan.column_ref(i));
    match number::parse_number(text, spec.decimal) {
        Ok(None) => Some(0),
        Ok(Some(n)) if n.percent || n.currency.is_some() => {
            problems.at(
                raw.row,
                at,
                format!("expected a count of {f}, found \"{}\"", text.trim()),
            );
            None
        }
        Ok(Some(n)) => match u64::try_from(n.value) {
            Ok(v) if n.value.fract().is_zero() => Some(v),
            _ => {
                problems.at(
                    raw.row,
                    at,
                    format!(
                        "{f} must be a whole number of zero or more, found \"{}\"",
                        text.trim()
                    ),
                );
                None
            }
        },
        Err(e) => {
            problems.at(raw.row, at, e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_cells() {
        assert_eq!(platform_from_cell("Facebook Ads"), Some(Platform::Meta));
        assert_eq!(platform_from_cell(" LinkedIn "), Some(Platform::LinkedIn));
        assert_eq!(platform_from_cell("google_ads"), Some(Platform::GoogleAds));
        assert_eq!(platform_from_cell("TikTok"), None);
    }
}
