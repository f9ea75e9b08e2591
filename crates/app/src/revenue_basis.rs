//! What the analysis page's revenue rests on, in the words every tab uses: the ROI & ROAS tab's
//! figures, the Budget Allocation tab's revenue column, the Insights tab's performance sentence
//! and the health score's ROI and ROAS parts all say it the same way.
//!
//! The analysis values each platform's revenue as the platform reports it, else as its
//! conversions × the conversion value (`spendlens_core::analysis::revenue`). A label names what
//! was actually used (never "platform-reported" for an estimate) and, when no revenue is measured
//! at all, the page shows "Not measured" instead of the seed's figures of a default (a ROAS of
//! 0.00x, an ROI of -100.00%): the analysis API keeps those numbers (the contract), the page gives
//! no verdict from them.

use crate::labels::Label;
use spendlens_core::analysis::verdicts::Verdicts;
use spendlens_core::analysis::{Analysis, PlatformRow, RevenueSource};

/// The words shown where a figure rests on no measured revenue.
pub const NOT_MEASURED: &str = "Not measured";

/// What the campaign's revenue figures rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Every platform with revenue reports it.
    Reported,
    /// No platform reports revenue: conversions × the conversion value on every one.
    Estimated,
    /// Some platforms report revenue, others are estimated from their conversions.
    Mixed,
    /// No revenue is measured (no platform reports any, no conversion or order value is set).
    NotMeasured,
}

/// Whether a platform's revenue is a measurement: the campaign's revenue is measured and the
/// platform's is reported, or estimated from conversions that were given a value (an estimate of
/// zero from conversions without a value is no measurement).
pub fn row_measured(r: &PlatformRow, v: &Verdicts) -> bool {
    v.revenue_measured
        && !(r.revenue_source == RevenueSource::Estimated
            && r.revenue.is_zero()
            && r.conversions > rust_decimal::Decimal::ZERO)
}

impl Basis {
    /// The basis of `a`'s revenue: from the platforms whose revenue counts (reported, or
    /// estimated and measured).
    pub fn of(a: &Analysis, v: &Verdicts) -> Basis {
        if !v.revenue_measured {
            return Basis::NotMeasured;
        }
        let measured = a.platforms.iter().filter(|r| row_measured(r, v));
        let (mut reported, mut estimated) = (false, false);
        for r in measured {
            match r.revenue_source {
                RevenueSource::Reported => reported = true,
                RevenueSource::Estimated => estimated |= !r.revenue.is_zero(),
            }
        }
        match (reported, estimated) {
            (true, true) => Basis::Mixed,
            (false, true) => Basis::Estimated,
            _ => Basis::Reported,
        }
    }

    /// Whether the figures are a measurement.
    pub fn measured(self) -> bool {
        self != Basis::NotMeasured
    }

    /// The basis as a label's qualifier: "Revenue, estimated".
    pub fn adjective(self) -> &'static str {
        match self {
            Basis::Reported => "platform-reported",
            Basis::Estimated => "estimated",
            Basis::Mixed => "platform-reported and estimated",
            Basis::NotMeasured => "not measured",
        }
    }

    /// The basis as a stable code on the wire; `None` when no revenue is measured.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Basis::Reported => Some("reported"),
            Basis::Estimated => Some("estimated"),
            Basis::Mixed => Some("reported_and_estimated"),
            Basis::NotMeasured => None,
        }
    }

    /// The word a revenue figure carries under it in a table of campaigns: what part of it is
    /// an estimate; empty when none is.
    pub fn cell_note(self) -> &'static str {
        match self {
            Basis::Estimated => "estimated",
            Basis::Mixed => "partly estimated",
            Basis::Reported | Basis::NotMeasured => "",
        }
    }

    /// The revenue in the middle of a sentence: "estimated revenue (…)".
    pub fn revenue_words(self) -> &'static str {
        match self {
            Basis::Reported => "platform-reported revenue (what the platforms report)",
            Basis::Estimated => {
                "estimated revenue (each platform's conversions × a value per conversion, its own where it has one, else the one set for the campaign: no platform reports revenue)"
            }
            Basis::Mixed => {
                "platform-reported and estimated revenue (what the platforms report, else their conversions × a value per conversion, their own where they have one, else the one set for the campaign)"
            }
            Basis::NotMeasured => "no measured revenue",
        }
    }

    /// The note every tab showing revenue, ROI or ROAS opens with: what they rest on here, and
    /// what the campaign's ROI on its full investment is set to rest on (`chosen`, in a
    /// sentence's words).
    pub fn note(self, chosen: &str) -> String {
        let here = match self {
            Basis::NotMeasured => "No revenue is measured here (no platform reports revenue and no conversion value or order value is set), so ROI and ROAS are not measured and the health score leaves them out.".to_owned(),
            measured => format!(
                "ROI, ROAS and the health score here rest on {} over ad spend.",
                measured.revenue_words()
            ),
        };
        format!("{here} The campaign's ROI on its full investment is set to rest on: {chosen}.")
    }
}

/// A platform's revenue source as its revenue cell says it ("estimated", or "from its
/// conversion value" when the platform's own conversion value gave it, not the campaign's
/// average order value); empty when the revenue is not measured.
pub fn source_words(r: &PlatformRow, v: &Verdicts) -> String {
    if !row_measured(r, v) {
        String::new()
    } else if r.own_value {
        OWN_VALUE.to_owned()
    } else {
        crate::labels::in_sentence(r.revenue_source.label())
    }
}

/// The words for revenue valued at the platform's own conversion value.
pub const OWN_VALUE: &str = "from its conversion value";

/// Whether some platform's revenue here rests on the campaign's average order value (an
/// estimate from conversions without a value of their own).
pub fn uses_aov(a: &Analysis, v: &Verdicts) -> bool {
    a.platforms.iter().any(|r| {
        row_measured(r, v)
            && r.revenue_source == RevenueSource::Estimated
            && !r.own_value
            && !r.revenue.is_zero()
    })
}

/// A figure resting on a platform's revenue, or "Not measured".
pub fn or_not_measured(measured: bool, text: impl FnOnce() -> String) -> String {
    if measured {
        text()
    } else {
        NOT_MEASURED.to_owned()
    }
}
