//! The dry-run preview of an import: how many rows, which days, and the sums a user checks against
//! the platform's own screen before confirming.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::DailyRow;

use crate::model::{ParsedFile, SkippedRow};

/// Sums over the imported rows. Money stays exact; counts saturate rather than overflow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub spend: Decimal,
    pub impressions: u64,
    pub engagements: u64,
    pub clicks: u64,
    pub conversions: Decimal,
    /// `None` when no row states a conversion value.
    pub conversion_value: Option<Decimal>,
    /// `None` when no row states revenue (so "no revenue data" is not shown as 0).
    pub revenue: Option<Decimal>,
}

/// What an import would store, for the dry-run preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub distinct_days: usize,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub totals: Totals,
    /// Rows left out on purpose (totals rows and the like), with reasons.
    pub skipped: Vec<SkippedRow>,
}

/// Accumulates a [`Summary`] row by row, so the streaming parser can summarise a file of millions
/// of rows in memory that grows with the number of distinct days only.
#[derive(Debug, Clone, Default)]
pub struct SummaryBuilder {
    rows: u64,
    days: BTreeSet<NaiveDate>,
    totals: Totals,
}

impl SummaryBuilder {
    /// An empty summary.
    pub fn new() -> Self {
        SummaryBuilder::default()
    }

    /// Adds one row.
    pub fn add(&mut self, row: &DailyRow) {
        self.rows += 1;
        self.days.insert(row.date);
        let t = &mut self.totals;
        t.spend = t.spend.saturating_add(row.spend);
        t.impressions = t.impressions.saturating_add(row.impressions);
        t.engagements = t.engagements.saturating_add(row.engagements);
        t.clicks = t.clicks.saturating_add(row.clicks);
        t.conversions = t.conversions.saturating_add(row.conversions);
        if let Some(v) = row.conversion_value {
            t.conversion_value = Some(t.conversion_value.unwrap_or_default().saturating_add(v));
        }
        if let Some(v) = row.revenue {
            t.revenue = Some(t.revenue.unwrap_or_default().saturating_add(v));
        }
    }

    /// The summary, with the skipped rows the parse reported.
    pub fn finish(self, skipped: Vec<SkippedRow>) -> Summary {
        Summary {
            rows: self.rows,
            distinct_days: self.days.len(),
            date_from: self.days.first().copied(),
            date_to: self.days.last().copied(),
            totals: self.totals,
            skipped,
        }
    }
}

/// The dry-run summary of a parsed file: rows, distinct days, first and last day, totals of spend,
/// impressions, clicks, conversions and revenue, and the skipped rows with their reasons.
pub fn summary(parsed: &ParsedFile) -> Summary {
    let mut b = SummaryBuilder::new();
    for row in &parsed.rows {
        b.add(row);
    }
    b.finish(parsed.skipped.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;
    use rust_decimal_macros::dec;
    use spendlens_core::Platform;

    #[test]
    fn summary_counts_days_and_sums() {
        let d1 = NaiveDate::from_ymd_opt(2024, 6, 2).expect("date");
        let d0 = NaiveDate::from_ymd_opt(2024, 6, 1).expect("date");
        let mut a = DailyRow::empty(d1, Platform::Meta, "a");
        a.spend = dec!(1.10);
        a.impressions = 10;
        a.revenue = Some(dec!(5));
        let mut b = DailyRow::empty(d0, Platform::Meta, "b");
        b.spend = dec!(2.20);
        b.clicks = 3;
        b.conversions = dec!(0.5);
        let mut c = DailyRow::empty(d1, Platform::Meta, "b");
        c.spend = dec!(0.01);
        let parsed = ParsedFile {
            file: "f".into(),
            source: Source::Meta,
            rows: vec![a, b, c],
            skipped: vec![],
            currency: None,
            notes: vec![],
            detail: None,
        };
        let s = summary(&parsed);
        assert_eq!(s.rows, 3);
        assert_eq!(s.distinct_days, 2);
        assert_eq!((s.date_from, s.date_to), (Some(d0), Some(d1)));
        assert_eq!(s.totals.spend, dec!(3.31));
        assert_eq!(s.totals.impressions, 10);
        assert_eq!(s.totals.clicks, 3);
        assert_eq!(s.totals.conversions, dec!(0.5));
        assert_eq!(s.totals.revenue, Some(dec!(5)));
        assert_eq!(s.totals.conversion_value, None);
    }

    #[test]
    fn empty_file_has_no_range() {
        let s = SummaryBuilder::new().finish(vec![]);
        assert_eq!((s.rows, s.date_from, s.totals.revenue), (0, None, None));
    }
}
