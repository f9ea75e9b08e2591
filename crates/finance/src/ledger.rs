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
use spendlens_core::Platform;
use spendlens_core::campaign::{CampaignId, FieldError, MAX_MONEY};

use crate::period::Period;

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

/// Collects field errors.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }

    fn money(&mut self, field: &'static str, value: Decimal) {
        if value.is_sign_negative() && !value.is_zero() {
            self.push(field, "must not be negative");
        } else if value > MAX_MONEY {
            self.push(field, "is too large (at most 10000000000000)");
        } else if value.normalize().scale() > 2 {
            self.push(field, "must have at most 2 decimals");
        }
    }

    fn currency(&mut self, field: &'static str, code: &str) {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            self.push(field, "must be a 3-letter ISO 4217 code such as USD");
        }
    }

    fn campaign_id(&mut self, id: &str) {
        if id.trim().is_empty() {
            self.push("campaign_id", "is required for this category");
        } else if id.chars().count() > 200 {
            self.push("campaign_id", "must be at most 200 characters");
        }
    }

    fn platform(&mut self, platform: &str) {
        if platform.trim().is_empty() {
            self.push("platform", "is required for platform_fees");
        } else if platform.chars().count() > 100 {
            self.push("platform", "must be at most 100 characters");
        }
    }

    /// Reads a required or optional text field: `None` when blank.
    fn text<'a>(&mut self, value: &'a Option<String>) -> Option<&'a str> {
        value.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    fn required<'a>(
        &mut self,
        field: &'static str,
        value: &'a Option<String>,
        category: CostCategory,
    ) -> Option<&'a str> {
        let text = self.text(value);
        if text.is_none() {
            self.push(field, format!("is required for {}", category.as_str()));
        }
        text
    }

    fn parse_money(&mut self, field: &'static str, text: &str) -> Option<Decimal> {
        match text.parse::<Decimal>() {
            Ok(value) if is_plain_decimal(text) => {
                let before = self.0.len();
                self.money(field, value);
                (self.0.len() == before).then_some(value)
            }
            _ => {
                self.push(
                    field,
                    format!("\"{text}\" is not an amount (expected digits with an optional . and up to 2 decimals)"),
                );
                None
            }
        }
    }

    fn parse_date(&mut self, field: &'static str, text: &str) -> Option<NaiveDate> {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if date.is_none() {
            self.push(
                field,
                format!("\"{text}\" is not a date (expected YYYY-MM-DD)"),
            );
        }
        date
    }

    fn parse_period(&mut self, field: &'static str, text: &str) -> Option<Period> {
        match Period::parse(text) {
            Ok(p) => Some(p),
            Err(message) => {
                self.push(field, message);
                None
            }
        }
    }

    fn parse_code<T: Copy>(
        &mut self,
        field: &'static str,
        text: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Option<T> {
        let value = parse(text);
        if value.is_none() {
            self.push(
                field,
                format!("\"{text}\" is not one of {}", all.join(", ")),
            );
        }
        value
    }
}

/// A ledger entry as a form, an API request or a CSV row gives it: every field as text, blank or
/// absent when not given. [`EntryDraft::parse`] turns it into a [`LedgerEntry`] or into the list
/// of every problem, each naming its field (the field names are the CSV column names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryDraft {
    pub category: Option<String>,
    pub campaign_id: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub attribution_method: Option<String>,
    pub allocation_date: Option<String>,
    pub resource_hours: Option<String>,
    pub fixed_cost_allocation: Option<String>,
    pub incurred_on: Option<String>,
    pub platform: Option<String>,
    pub billing_period: Option<String>,
    pub allocation_method: Option<String>,
    pub reporting_period: Option<String>,
}

impl EntryDraft {
    /// The field names, in the canonical column order of a ledger CSV.
    pub const FIELDS: [&'static str; 13] = [
        "category",
        "campaign_id",
        "amount",
        "currency",
        "attribution_method",
        "allocation_date",
        "resource_hours",
        "fixed_cost_allocation",
        "incurred_on",
        "platform",
        "billing_period",
        "allocation_method",
        "reporting_period",
    ];

    /// The slot of a field by its name (one of [`EntryDraft::FIELDS`]).
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "category" => &mut self.category,
            "campaign_id" => &mut self.campaign_id,
            "amount" => &mut self.amount,
            "currency" => &mut self.currency,
            "attribution_method" => &mut self.attribution_method,
            "allocation_date" => &mut self.allocation_date,
            "resource_hours" => &mut self.resource_hours,
            "fixed_cost_allocation" => &mut self.fixed_cost_allocation,
            "incurred_on" => &mut self.incurred_on,
            "platform" => &mut self.platform,
            "billing_period" => &mut self.billing_period,
            "allocation_method" => &mut self.allocation_method,
            "reporting_period" => &mut self.reporting_period,
            _ => return None,
        })
    }

    /// The fields each category uses besides `category`, `amount` and `currency`.
    fn fields_of(category: CostCategory) -> &'static [&'static str] {
        match category {
            CostCategory::MediaSpend => &["campaign_id", "attribution_method", "allocation_date"],
            CostCategory::CreativeProduction => &[
                "campaign_id",
                "resource_hours",
                "fixed_cost_allocation",
                "incurred_on",
            ],
            CostCategory::PlatformFees => &["campaign_id", "platform", "billing_period"],
            CostCategory::OperationalOverhead => &["allocation_method", "reporting_period"],
        }
    }

    /// Checks every field and reports every problem, each naming its field.
    ///
    /// A blank `currency` means `default_currency` (the organisation's, which the caller knows).
    /// A field the category does not use must be blank: a value there almost always means the
    /// columns are shifted or the category is wrong, and silently dropping it would hide that.
    pub fn parse(mut self, default_currency: &str) -> Result<LedgerEntry, Vec<FieldError>> {
        let mut errors = Errors::default();
        let category = match errors.text(&self.category) {
            None => {
                errors.push("category", "is required");
                None
            }
            Some(text) => {
                let all: Vec<&str> = CostCategory::ALL.iter().map(|c| c.as_str()).collect();
                errors.parse_code("category", text, CostCategory::parse, &all)
            }
        };
        let amount = match errors.text(&self.amount) {
            None => {
                errors.push("amount", "is required");
                None
            }
            Some(text) => errors.parse_money("amount", text),
        };
        let currency = errors
            .text(&self.currency)
            .unwrap_or(default_currency)
            .to_ascii_uppercase();
        errors.currency("currency", &currency);
        let Some(category) = category else {
            return Err(errors.0);
        };

        let used = Self::fields_of(category);
        for name in Self::FIELDS.iter().skip(4) {
            let (name, filled) = match self.field_mut(name) {
                Some(slot) => (*name, slot.as_deref().is_some_and(|s| !s.trim().is_empty())),
                None => continue,
            };
            if filled && !used.contains(&name) {
                errors.push(name, format!("must be blank for {}", category.as_str()));
            }
        }
        if category == CostCategory::OperationalOverhead && errors.text(&self.campaign_id).is_some()
        {
            errors.push(
                "campaign_id",
                "must be blank for operational_overhead: overhead belongs to the organisation and is spread over its campaigns",
            );
        }

        let campaign_id = if category == CostCategory::OperationalOverhead {
            None
        } else {
            let id = errors.required("campaign_id", &self.campaign_id, category);
            if let Some(id) = id {
                errors.campaign_id(id);
            }
            id.map(CampaignId::new)
        };

        let entry = match category {
            CostCategory::MediaSpend => {
                let method = errors
                    .required("attribution_method", &self.attribution_method, category)
                    .and_then(|t| {
                        let all: Vec<&str> =
                            AttributionMethod::ALL.iter().map(|c| c.as_str()).collect();
                        errors.parse_code("attribution_method", t, AttributionMethod::parse, &all)
                    });
                let date = errors
                    .required("allocation_date", &self.allocation_date, category)
                    .and_then(|t| errors.parse_date("allocation_date", t));
                match (campaign_id, amount, method, date) {
                    (
                        Some(campaign_id),
                        Some(amount),
                        Some(attribution_method),
                        Some(allocation_date),
                    ) => Some(LedgerEntry::MediaSpend(MediaSpend {
                        campaign_id,
                        amount,
                        currency,
                        attribution_method,
                        allocation_date,
                    })),
                    _ => None,
                }
            }
            CostCategory::CreativeProduction => {
                let hours = errors
                    .required("resource_hours", &self.resource_hours, category)
                    .and_then(|t| {
                        let hours = t
                            .parse::<u32>()
                            .ok()
                            .filter(|_| t.bytes().all(|b| b.is_ascii_digit()));
                        if hours.is_none() {
                            errors.push(
                                "resource_hours",
                                format!("\"{t}\" is not a whole number of hours (0 to 4294967295)"),
                            );
                        }
                        hours
                    });
                let fixed = match errors.text(&self.fixed_cost_allocation) {
                    None => Some(Decimal::ZERO),
                    Some(t) => errors.parse_money("fixed_cost_allocation", t),
                };
                let date = errors
                    .required("incurred_on", &self.incurred_on, category)
                    .and_then(|t| errors.parse_date("incurred_on", t));
                match (campaign_id, amount, hours, fixed, date) {
                    (
                        Some(campaign_id),
                        Some(amount),
                        Some(resource_hours),
                        Some(fixed_cost_allocation),
                        Some(incurred_on),
                    ) => Some(LedgerEntry::CreativeProduction(CreativeProduction {
                        campaign_id,
                        amount,
                        currency,
                        resource_hours,
                        fixed_cost_allocation,
                        incurred_on,
                    })),
                    _ => None,
                }
            }
            CostCategory::PlatformFees => {
                let platform = errors
                    .required("platform", &self.platform, category)
                    .map(normalise_platform);
                if let Some(p) = &platform {
                    errors.platform(p);
                }
                let period = errors
                    .required("billing_period", &self.billing_period, category)
                    .and_then(|t| errors.parse_period("billing_period", t));
                match (campaign_id, amount, platform, period) {
                    (Some(campaign_id), Some(amount), Some(platform), Some(billing_period)) => {
                        Some(LedgerEntry::PlatformFee(PlatformFee {
                            campaign_id,
                            amount,
                            currency,
                            platform,
                            billing_period,
                        }))
                    }
                    _ => None,
                }
            }
            CostCategory::OperationalOverhead => {
                let method = errors
                    .required("allocation_method", &self.allocation_method, category)
                    .and_then(|t| {
                        let all: Vec<&str> =
                            OverheadMethod::ALL.iter().map(|c| c.as_str()).collect();
                        errors.parse_code("allocation_method", t, OverheadMethod::parse, &all)
                    });
                let period = errors
                    .required("reporting_period", &self.reporting_period, category)
                    .and_then(|t| errors.parse_period("reporting_period", t));
                match (amount, method, period) {
                    (Some(amount), Some(allocation_method), Some(reporting_period)) => {
                        Some(LedgerEntry::OperationalOverhead(OperationalOverhead {
                            amount,
                            currency,
                            allocation_method,
                            reporting_period,
                        }))
                    }
                    _ => None,
                }
            }
        };
        match entry {
            Some(entry) if errors.0.is_empty() => Ok(entry),
            _ => Err(errors.0),
        }
    }
}

/// `123`, `-4.5`, `0.25`: digits with an optional sign and decimal point. `Decimal`'s own parser
/// also takes `1e3` and `1_000`, which in a ledger are far more likely typos than intent.
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A spendlens platform identifier when the text names one (by identifier or display name, ASCII
/// case ignored), else the trimmed text.
pub fn normalise_platform(text: &str) -> String {
    let text = text.trim();
    Platform::ALL
        .into_iter()
        .find(|p| {
            p.as_str().eq_ignore_ascii_case(text) || p.display_name().eq_ignore_ascii_case(text)
        })
        .map_or_else(|| text.to_owned(), |p| p.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(category: &str, amount: &str) -> EntryDraft {
        EntryDraft {
            category: Some(category.into()),
            amount: Some(amount.into()),
            ..EntryDraft::default()
        }
    }

    fn fields(result: Result<LedgerEntry, Vec<FieldError>>) -> Vec<&'static str> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn each_category_parses() {
        let media = EntryDraft {
            campaign_id: Some("c1".into()),
            attribution_method: Some(" Last_Touch ".into()),
            allocation_date: Some("2026-03-02".into()),
            ..draft("media_spend", "1200.50")
        };
        assert_eq!(
            media.parse("usd"),
            Ok(LedgerEntry::MediaSpend(MediaSpend {
                campaign_id: CampaignId::new("c1"),
                amount: "1200.50".parse().unwrap_or_default(),
                currency: "USD".into(),
                attribution_method: AttributionMethod::LastTouch,
                allocation_date: date(2026, 3, 2),
            }))
        );
        let creative = EntryDraft {
            campaign_id: Some("c1".into()),
            currency: Some("eur".into()),
            resource_hours: Some("40".into()),
            fixed_cost_allocation: Some("250".into()),
            incurred_on: Some("2026-03-01".into()),
            ..draft("creative_production", "3000")
        };
        let parsed = creative.parse("USD");
        assert_eq!(
            parsed
                .as_ref()
                .map(|e| (e.total(), e.currency().to_owned())),
            Ok((Decimal::from(3250), "EUR".to_owned()))
        );
        let fee = EntryDraft {
            campaign_id: Some("c1".into()),
            platform: Some("Google Ads".into()),
            billing_period: Some("2026-03".into()),
            ..draft("platform_fees", "99")
        };
        match fee.parse("USD") {
            Ok(LedgerEntry::PlatformFee(f)) => {
                assert_eq!(f.platform, "google_ads");
                assert_eq!(f.billing_period.days(), 31);
            }
            other => panic!("{other:?}"),
        }
        let overhead = EntryDraft {
            allocation_method: Some("time_based".into()),
            reporting_period: Some("2026-Q1".into()),
            ..draft("operational_overhead", "9000")
        };
        assert_eq!(
            overhead
                .parse("USD")
                .map(|e| (e.category(), e.campaign_id().cloned())),
            Ok((CostCategory::OperationalOverhead, None))
        );
    }

    #[test]
    fn every_problem_names_its_field() {
        let bad = EntryDraft {
            campaign_id: Some("c1".into()),
            currency: Some("euro".into()),
            attribution_method: Some("linear".into()),
            allocation_date: Some("03/02/2026".into()),
            platform: Some("meta".into()),
            ..draft("media_spend", "-5")
        };
        assert_eq!(
            fields(bad.parse("USD")),
            vec![
                "amount",
                "currency",
                "platform",
                "attribution_method",
                "allocation_date"
            ]
        );
        assert_eq!(
            fields(EntryDraft::default().parse("USD")),
            vec!["category", "amount"]
        );
        assert_eq!(
            fields(draft("salaries", "1").parse("USD")),
            vec!["category"]
        );
        let overhead_with_campaign = EntryDraft {
            campaign_id: Some("c1".into()),
            allocation_method: Some("headcount".into()),
            reporting_period: Some("2026-13".into()),
            ..draft("operational_overhead", "1.234")
        };
        assert_eq!(
            fields(overhead_with_campaign.parse("USD")),
            vec!["amount", "campaign_id", "reporting_period"]
        );
        let creative = EntryDraft {
            resource_hours: Some("-3".into()),
            fixed_cost_allocation: Some("1e3".into()),
            ..draft("creative_production", "10")
        };
        assert_eq!(
            fields(creative.parse("USD")),
            vec![
                "campaign_id",
                "resource_hours",
                "fixed_cost_allocation",
                "incurred_on"
            ]
        );
    }

    #[test]
    fn amount_edges() {
        let ok = |amount: &str| {
            EntryDraft {
                allocation_method: Some("headcount".into()),
                reporting_period: Some("2026".into()),
                ..draft("operational_overhead", amount)
            }
            .parse("USD")
            .is_ok()
        };
        assert!(ok("0"));
        assert!(ok("12.50"));
        assert!(ok("12.500"));
        assert!(ok("10000000000000"));
        assert!(!ok("10000000000000.01"));
        assert!(!ok("12.505"));
        assert!(!ok("1_000"));
        assert!(!ok("1e3"));
        assert!(!ok("1."));
        assert!(!ok(".5"));
        assert!(!ok("abc"));
        assert!(!ok("-0.01"));
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
