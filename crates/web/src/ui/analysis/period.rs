//! The overview's "last N days against the N before" table (issue 15 item 3): trends that move
//! both ways, coloured by whether the change is good for the campaign (CPA up is red, spend is
//! neither), from `spendlens_core::analysis::period_trends`.

use spendlens_core::analysis::Direction;
use spendlens_core::analysis::period_trends::{PeriodChange, PeriodTrends};

use crate::ui::format::{conversions, date, money, pct, ratio};

/// One metric's row.
#[derive(Debug)]
pub struct PeriodRow {
    pub key: &'static str,
    pub name: &'static str,
    pub current: String,
    pub previous: String,
    pub change: String,
    /// `good`, `bad` or `neutral`.
    pub class: &'static str,
}

/// The section's title and rows.
pub fn rows(t: &PeriodTrends, currency: &str) -> (String, Vec<PeriodRow>) {
    let title = format!(
        "Last {} days ({} – {}) against the {} before ({} – {})",
        t.days,
        date(t.current.0),
        date(t.current.1),
        t.days,
        date(t.previous.0),
        date(t.previous.1)
    );
    let row = |key, name, c: &PeriodChange, show: &dyn Fn(rust_decimal::Decimal) -> String| {
        let change = match (c.direction, c.change_pct) {
            (None, _) => "no change".to_owned(),
            (Some(d), Some(p)) => format!(
                "{} {}",
                if d == Direction::Up { "▲" } else { "▼" },
                pct(p.abs())
            ),
            (Some(_), None) => "new".to_owned(),
        };
        PeriodRow {
            key,
            name,
            current: show(c.current),
            previous: show(c.previous),
            change,
            class: match c.good {
                Some(true) => "good",
                Some(false) => "bad",
                None => "neutral",
            },
        }
    };
    let cur = |v| money(v, currency);
    let mut out = vec![
        row("spend", "Spend", &t.spend, &cur),
        row("conversions", "Conversions", &t.conversions, &|v| {
            conversions(v)
        }),
    ];
    if let Some(c) = &t.cpa {
        out.push(row("cpa", "CPA", c, &cur));
    }
    if let Some(c) = &t.roas {
        out.push(row("roas", "ROAS", c, &|v| ratio(v)));
    }
    if let Some(c) = &t.roi {
        out.push(row("roi", "ROI", c, &|v| pct(v)));
    }
    (title, out)
}
