//! The sources spendlens knows, as one closed enum.

use std::fmt;
use std::str::FromStr;

/// A source of campaign metrics.
///
/// The five *ad platforms* carry spend and are summed into the campaign totals, in the order of
/// [`Platform::AD_PLATFORMS`] (the order of every per-platform list in the analysis). GA4 carries no
/// spend; it only contributes an average order value to the revenue estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    LinkedIn,
    Meta,
    GoogleAds,
    CustomIntegration,
    Sheets,
    Ga4,
}

impl Platform {
    /// The platforms whose spend and counts make up the campaign totals, in contract order.
    pub const AD_PLATFORMS: [Platform; 5] = [
        Platform::LinkedIn,
        Platform::Meta,
        Platform::GoogleAds,
        Platform::CustomIntegration,
        Platform::Sheets,
    ];

    /// Every platform, ad platforms first.
    pub const ALL: [Platform; 6] = [
        Platform::LinkedIn,
        Platform::Meta,
        Platform::GoogleAds,
        Platform::CustomIntegration,
        Platform::Sheets,
        Platform::Ga4,
    ];

    /// The stable identifier used on the wire, in the database and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::LinkedIn => "linkedin",
            Platform::Meta => "meta",
            Platform::GoogleAds => "google_ads",
            Platform::CustomIntegration => "custom_integration",
            Platform::Sheets => "sheets",
            Platform::Ga4 => "ga4",
        }
    }

    /// A name for people.
    pub const fn display_name(self) -> &'static str {
        match self {
            Platform::LinkedIn => "LinkedIn Ads",
            Platform::Meta => "Meta Ads",
            Platform::GoogleAds => "Google Ads",
            Platform::CustomIntegration => "Custom Integration",
            Platform::Sheets => "Google Sheets",
            Platform::Ga4 => "Google Analytics 4",
        }
    }

    /// Whether the platform reports spend (and so is part of the totals).
    pub const fn is_ad_platform(self) -> bool {
        !matches!(self, Platform::Ga4)
    }

    /// Whether a connection's rows of the platform are keyed by campaign name rather than by
    /// an id of the account (a sheet, a GA4 property): one such connection per campaign, and
    /// its sync replaces the days it fetched (a row deleted at the source goes).
    pub const fn keyed_by_campaign_name(self) -> bool {
        matches!(self, Platform::Sheets | Platform::Ga4)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a platform identifier spendlens does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown platform \"{}\" (expected one of linkedin, meta, google_ads, custom_integration, sheets, ga4)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPlatform {}

impl FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPlatform(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>(), Ok(p));
        }
        assert!("tiktok".parse::<Platform>().is_err());
        assert!("LinkedIn".parse::<Platform>().is_err());
    }

    #[test]
    fn ga4_is_the_only_platform_without_spend() {
        let without: Vec<_> = Platform::ALL
            .into_iter()
            .filter(|p| !p.is_ad_platform())
            .collect();
        assert_eq!(without, vec![Platform::Ga4]);
    }
}
