//! The cost ledger: the seed's cost attribution schema as types, and the validation that makes an
//! invalid entry unrepresentable once parsed.
//!
//! Four categories, as in the schema:
//! - `media_spend`: media cost the platforms do not report (a TV spot, a sponsorship, a manual
//!   buy). The platforms' daily spend is media spend automatically; an entry only adds to it.
//! - `creative_production`: `amount` (the production cost) plus `fixed_cost_allocation` (the
//!   campaign's share of fixed creative costs such as studio time or tool licences), with the
//!   `resource_hours` it took. The two amounts add up: reading `fixed_cost_allocation` as "the part
//!   of `amount` that is fixed" was rejected because the schema names it an *allocation*, a cost
//!   brought in from elsewhere, and because the split would change no total.
//! - `platform_fees`: a platform's fee for a `billing_period`; it is spread evenly over the
//!   period's days (in whole cents).
//! - `operational_overhead`: an organisation's overhead for a `reporting_period`, spread over the
//!   campaigns active in that period by headcount or by days active (see [`crate::overhead`]).
//!
//! Every entry carries its currency; an entry in another currency than its campaign's is converted
//! with the rates table the user supplies (see [`crate::fx`]).
//!
//! Two fields go beyond the seed's schema, because every cost needs a place in time: a creative
//! entry's `incurred_on` date (the schema gives it none), and the parsed ranges of the free-text
//! periods.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, FieldError};

use crate::period::Period;

mod check;
mod draft;

pub use draft::{EntryDraft, normalise_platform};

use check::Errors;

/// Declares a closed set of codes with their stable wire names and a parser.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in files, on the wire and in reports.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses the code (ASCII case and surrounding spaces ignored).
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }
        }
    };
}

codes! {
    /// How a media cost was attributed to the campaign (the schema's `attribution_method`). It is
    /// recorded and reported, never used to filter: counting a cost only under one revenue model
    /// would make the investment change with the attribution view, which finance rejects.
    AttributionMethod { FirstTouch => "first_touch", LastTouch => "last_touch", MultiTouch => "multi_touch" }
}

codes! {
    /// How an overhead entry is spread over the campaigns active in its period.
    OverheadMethod { Headcount => "headcount", TimeBased => "time_based" }
}

codes! {
    /// The four cost categories of the schema.
    CostCategory {
        MediaSpend => "media_spend",
        CreativeProduction => "creative_production",
        PlatformFees => "platform_fees",
        OperationalOverhead => "operational_overhead",
    }
}

/// Media cost the platforms do not report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSpend {
    pub campaign_id: CampaignId,
    pub amount: Decimal,
    /// ISO 4217, upper case.
    pub currency: String,
    pub attribution_method: AttributionMethod,
    /// The day the cost counts on.
    pub allocation_date: NaiveDate,
}

/// The cost of producing the campaign's creatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreativeProduction {
    pub campaign_id: CampaignId,
    /// The production cost.
    pub amount: Decimal,
    pub currency: String,
    /// The hours the production took (reported, not priced: the amount is the cost).
    pub resource_hours: u32,
    /// The campaign's share of fixed creative costs, added to `amount`.
    pub fixed_cost_allocation: Decimal,
    /// The day the cost counts on.
    pub incurred_on: NaiveDate,
}

impl CreativeProduction {
    /// `amount + fixed_cost_allocation` (saturating).
    pub fn total(&self) -> Decimal {
        spendlens_core::num::add(self.amount, self.fixed_cost_allocation)
    }
}

/// A platform's fee (an agency or ad-server fee, a platform's service charge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformFee {
    pub campaign_id: CampaignId,
    pub amount: Decimal,
    pub currency: String,
    /// A spendlens platform identifier (`google_ads`) when the text names one, else the text as
    /// given (fees also come from platforms spendlens does not connect to).
    pub platform: String,
    /// The days the fee covers; it is spread evenly over them.
    pub billing_period: Period,
}

/// Overhead of the organisation, spread over its campaigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationalOverhead {
    pub amount: Decimal,
    pub currency: String,
    pub allocation_method: OverheadMethod,
    /// The days the overhead covers; campaigns active on any of them share it.
    pub reporting_period: Period,
}

/// One entry of an organisation's cost ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerEntry {
    MediaSpend(MediaSpend),
    CreativeProduction(CreativeProduction),
    PlatformFee(PlatformFee),
    OperationalOverhead(OperationalOverhead),
}

impl LedgerEntry {
    /// The entry's category.
    pub fn category(&self) -> CostCategory {
        match self {
            LedgerEntry::MediaSpend(_) => CostCategory::MediaSpend,
            LedgerEntry::CreativeProduction(_) => CostCategory::CreativeProduction,
            LedgerEntry::PlatformFee(_) => CostCategory::PlatformFees,
            LedgerEntry::OperationalOverhead(_) => CostCategory::OperationalOverhead,
        }
    }

    /// The campaign the entry is charged to; `None` for overhead, which belongs to the
    /// organisation.
    pub fn campaign_id(&self) -> Option<&CampaignId> {
        match self {
            LedgerEntry::MediaSpend(e) => Some(&e.campaign_id),
            LedgerEntry::CreativeProduction(e) => Some(&e.campaign_id),
            LedgerEntry::PlatformFee(e) => Some(&e.campaign_id),
            LedgerEntry::OperationalOverhead(_) => None,
        }
    }

    /// The entry's currency.
    pub fn currency(&self) -> &str {
        match self {
            LedgerEntry::MediaSpend(e) => &e.currency,
            LedgerEntry::CreativeProduction(e) => &e.currency,
            LedgerEntry::PlatformFee(e) => &e.currency,
            LedgerEntry::OperationalOverhead(e) => &e.currency,
        }
    }

    /// The first day the entry counts on: its date, or the first day of its billing or reporting
    /// period.
    pub fn first_day(&self) -> NaiveDate {
        match self {
            LedgerEntry::MediaSpend(e) => e.allocation_date,
            LedgerEntry::CreativeProduction(e) => e.incurred_on,
            LedgerEntry::PlatformFee(e) => e.billing_period.start(),
            LedgerEntry::OperationalOverhead(e) => e.reporting_period.start(),
        }
    }

    /// The money the entry adds (for creative production, amount plus fixed cost allocation).
    pub fn total(&self) -> Decimal {
        match self {
            LedgerEntry::MediaSpend(e) => e.amount,
            LedgerEntry::CreativeProduction(e) => e.total(),
            LedgerEntry::PlatformFee(e) => e.amount,
            LedgerEntry::OperationalOverhead(e) => e.amount,
        }
    }

    /// Checks the rules a parsed entry always meets; for entries built in code or read from
    /// storage, which did not go through [`EntryDraft::parse`]. Every problem names its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        errors.currency("currency", self.currency());
        if let Some(id) = self.campaign_id() {
            errors.campaign_id(id.as_str());
        }
        match self {
            LedgerEntry::MediaSpend(e) => errors.money("amount", e.amount),
            LedgerEntry::CreativeProduction(e) => {
                errors.money("amount", e.amount);
                errors.money("fixed_cost_allocation", e.fixed_cost_allocation);
            }
            LedgerEntry::PlatformFee(e) => {
                errors.money("amount", e.amount);
                errors.platform(&e.platform);
            }
            LedgerEntry::OperationalOverhead(e) => errors.money("amount", e.amount),
        }
        errors.finish(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn validate_catches_what_code_can_build() {
        let entry = LedgerEntry::PlatformFee(PlatformFee {
            campaign_id: CampaignId::new(" "),
            amount: "0.001".parse().unwrap_or_default(),
            currency: "usd".into(),
            platform: String::new(),
            billing_period: Period::day(date(2026, 1, 1)),
        });
        let fields: Vec<&str> = entry
            .validate()
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["currency", "campaign_id", "amount", "platform"]
        );
    }

    #[test]
    fn codes_round_trip() {
        for m in AttributionMethod::ALL {
            assert_eq!(AttributionMethod::parse(m.as_str()), Some(*m));
        }
        for m in OverheadMethod::ALL {
            assert_eq!(OverheadMethod::parse(m.as_str()), Some(*m));
        }
        assert_eq!(normalise_platform(" LinkedIn Ads "), "linkedin");
        assert_eq!(normalise_platform("DV360"), "DV360");
    }
}
