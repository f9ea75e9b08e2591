//! Campaigns, their identifiers, and the parsing that makes an invalid campaign unrepresentable.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Declares a string identifier newtype.
macro_rules! id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier read from storage or a URL (not validated: an unknown id simply
            /// finds nothing).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id!(
    /// An organisation: the tenant every campaign and every query is scoped to.
    OrgId
);
id!(
    /// A user account.
    UserId
);
id!(
    /// A campaign.
    CampaignId
);

/// A problem with one field of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The largest budget, conversion value or ledger amount spendlens accepts: the same cap as a
/// campaign's metric totals ([`crate::limits::MAX_AMOUNT`], one trillion), so every amount a user
/// types is storable as `i64` micros with room for sums (ten trillion, the earlier cap, was beyond
/// the storage's range and answered 400 instead of naming the field).
pub const MAX_MONEY: Decimal = crate::limits::MAX_AMOUNT;

/// The currency of a campaign created without one (and of an organisation without campaigns).
pub const DEFAULT_CURRENCY: &str = "USD";
/// The time zone of a campaign created without one.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// A campaign as its owner defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignSpec {
    pub name: String,
    /// ISO 4217, upper case.
    pub currency: String,
    pub budget: Option<Decimal>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// IANA time zone name; decides which calendar day "today" is for the campaign.
    pub time_zone: String,
}

/// Unchecked campaign fields, as a form or an API request gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignDraft {
    pub name: String,
    pub currency: Option<String>,
    pub budget: Option<Decimal>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub time_zone: Option<String>,
}

impl CampaignDraft {
    /// Checks every field and reports every problem, each naming its field. The time zone is
    /// checked by the caller's `is_known_zone` (the zone database is not the domain's business).
    pub fn parse(
        self,
        is_known_zone: impl Fn(&str) -> bool,
    ) -> Result<CampaignSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_owned(),
            });
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            err("name", "must not be empty");
        } else if name.chars().count() > 200 {
            err("name", "must be at most 200 characters");
        } else if let Err(message) = crate::text::check_name(&name) {
            err("name", &message);
        }
        let currency = self
            .currency
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned())
            .trim()
            .to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            err("currency", "must be a 3-letter ISO 4217 code such as USD");
        } else if !crate::currency::is_iso_4217(&currency) {
            err(
                "currency",
                "is not an ISO 4217 currency code (such as USD, EUR, GBP)",
            );
        }
        if let Some(b) = self.budget {
            if b.is_sign_negative() && !b.is_zero() {
                err("budget", "must not be negative");
            } else if b.is_zero() {
                // The analysis reads a zero budget as none (the contract's rule): stored, it
                // showed "0.00" beside "no budget" and never raised an alert.
                err(
                    "budget",
                    "must be above 0; leave it empty for a campaign without a budget",
                );
            } else if b > MAX_MONEY {
                err("budget", "is too large");
            } else if b.scale() > 2 && b.normalize().scale() > 2 {
                err("budget", "must have at most 2 decimals");
            }
        }
        // The range every stored day keeps to, so that a campaign's own days can be stored and
        // its pages read.
        for (field, day) in [("start_date", self.start_date), ("end_date", self.end_date)] {
            if let Some(e) = day.and_then(|d| crate::limits::check_date(d).err()) {
                err(field, &e);
            }
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date)
            && end < start
        {
            err("end_date", "must not be before the start date");
        }
        let time_zone = self
            .time_zone
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        if !is_known_zone(&time_zone) {
            err(
                "time_zone",
                "must be an IANA time zone such as Europe/London",
            );
        }
        if errors.is_empty() {
            Ok(CampaignSpec {
                name,
                currency,
                budget: self.budget,
                start_date: self.start_date,
                end_date: self.end_date,
                time_zone,
            })
        } else {
            Err(errors)
        }
    }
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: CampaignId,
    pub org_id: OrgId,
    pub spec: CampaignSpec,
}

/// The values a campaign's owner configures per platform, used to value conversions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformSettings {
    /// The value of one LinkedIn conversion.
    pub linkedin_conversion_value: Option<Decimal>,
    /// The average order value to use for GA4 (overrides the one computed from GA4 rows).
    pub ga4_average_order_value: Option<Decimal>,
    /// The average order value stated for the Custom Integration.
    pub custom_integration_average_order_value: Option<Decimal>,
}

impl PlatformSettings {
    /// The values by field name, in the order forms and bodies list them.
    pub fn values(&self) -> [(&'static str, Option<Decimal>); 3] {
        [
            ("linkedin_conversion_value", self.linkedin_conversion_value),
            ("ga4_average_order_value", self.ga4_average_order_value),
            (
                "custom_integration_average_order_value",
                self.custom_integration_average_order_value,
            ),
        ]
    }

    /// Checks every value as a budget is checked: not negative, not above [`MAX_MONEY`] (beyond
    /// it the storage's exact integers overflow). Every problem names its field.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = self
            .values()
            .into_iter()
            .filter_map(|(field, value)| {
                let message = match value? {
                    v if v.is_sign_negative() && !v.is_zero() => "must not be negative",
                    v if v > MAX_MONEY => "is too large",
                    _ => return None,
                };
                Some(FieldError {
                    field,
                    message: message.to_owned(),
                })
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> CampaignDraft {
        CampaignDraft {
            name: " Q4 ".into(),
            currency: Some("eur".into()),
            budget: Some(Decimal::new(150_000, 2)),
            start_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 31),
            time_zone: None,
        }
    }

    #[test]
    fn a_good_draft_parses_and_normalises() {
        let spec = draft()
            .parse(|z| z == "UTC")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (
                spec.name.as_str(),
                spec.currency.as_str(),
                spec.time_zone.as_str()
            ),
            ("Q4", "EUR", "UTC")
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = CampaignDraft {
            name: "  ".into(),
            currency: Some("euro".into()),
            budget: Some(Decimal::new(-1, 0)),
            start_date: NaiveDate::from_ymd_opt(2026, 2, 1),
            end_date: NaiveDate::from_ymd_opt(2026, 1, 31),
            time_zone: Some("Mars/Olympus".into()),
        };
        let fields: Vec<&str> = bad
            .parse(|z| z == "UTC")
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["name", "currency", "budget", "end_date", "time_zone"]
        );
    }

    /// Dates keep to the range every stored day keeps to (2000-01-01 to 2099-12-31), on both
    /// sides of each edge.
    #[test]
    fn dates_keep_to_the_stored_range() {
        let at = |start: (i32, u32, u32), end: (i32, u32, u32)| CampaignDraft {
            start_date: NaiveDate::from_ymd_opt(start.0, start.1, start.2),
            end_date: NaiveDate::from_ymd_opt(end.0, end.1, end.2),
            ..draft()
        };
        let fields = |d: CampaignDraft| -> Vec<&'static str> {
            d.parse(|z| z == "UTC")
                .err()
                .unwrap_or_default()
                .iter()
                .map(|e| e.field)
                .collect()
        };
        assert!(fields(at((2000, 1, 1), (2099, 12, 31))).is_empty());
        assert_eq!(fields(at((1999, 12, 31), (2026, 1, 1))), ["start_date"]);
        assert_eq!(fields(at((2026, 1, 1), (2100, 1, 1))), ["end_date"]);
        assert_eq!(
            fields(at((0, 1, 1), (9999, 12, 31))),
            ["start_date", "end_date"]
        );
    }

    #[test]
    fn settings_values_stay_in_the_budget_range() {
        let ok = PlatformSettings {
            linkedin_conversion_value: Some(MAX_MONEY),
            ga4_average_order_value: Some(Decimal::ZERO),
            custom_integration_average_order_value: None,
        };
        assert_eq!(ok.check(), Ok(()));
        let bad = PlatformSettings {
            linkedin_conversion_value: Some(MAX_MONEY + Decimal::new(1, 2)),
            ga4_average_order_value: Some(Decimal::new(-1, 0)),
            custom_integration_average_order_value: Some(MAX_MONEY * Decimal::TWO),
        };
        let found: Vec<(&str, String)> = bad
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect();
        assert_eq!(
            found,
            vec![
                ("linkedin_conversion_value", "is too large".to_owned()),
                ("ga4_average_order_value", "must not be negative".to_owned()),
                (
                    "custom_integration_average_order_value",
                    "is too large".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn budget_edges() {
        let with = |b: &str| {
            CampaignDraft {
                budget: b.parse().ok(),
                ..draft()
            }
            .parse(|_| true)
            .is_ok()
        };
        // Zero is no budget, said as such: the field is left empty for that.
        assert!(!with("0"));
        assert!(!with("0.00"));
        assert!(with("0.01"));
        assert!(with("1000000000000"));
        assert!(!with("1000000000000.01"));
        assert!(with("12.50"));
        assert!(with("12.500"));
        assert!(!with("12.505"));
        let same_day = CampaignDraft {
            end_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            ..draft()
        };
        assert!(same_day.parse(|_| true).is_ok());
    }
}
