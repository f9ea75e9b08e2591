//! Multi-touch attribution of a stored campaign: the organisation's touchpoints over a date
//! window, attributed by `spendlens-attribution`, set against each channel's spend.
//!
//! **The window.** Dates are calendar days in the campaign's time zone; the window runs from
//! midnight of `from` to midnight after `to`. A journey takes part when it has an event in the
//! window. Its events after the window are ignored (the data as of `to`); its events up to and
//! including its last conversion *before* the window are dropped, so a conversion before `from`
//! still closes its own path and is not counted; touches before `from` that lead to a conversion
//! inside the window do count. Touches after the journey's last conversion form a
//! non-converting path (they matter to the Markov model). Touchpoint rows tagged with another
//! campaign are left out; untagged rows count for a campaign only while no other campaign of the
//! organisation ran one of its ad platforms over the window (else they are [`SetAside`]: their
//! credit cannot be told apart, and counting it for each campaign would count it several times).
//!
//! **Channels and platforms.** A channel's spend is the spend of the ad platform it names, over
//! the same dates, from the campaign's daily series. The name is compared case-insensitively,
//! with spaces and hyphens read as underscores, against the platform ids of
//! [`Platform::as_str`] (`linkedin`, `meta`, `google_ads`, `custom_integration`, `sheets`) and
//! these aliases: `facebook`, `instagram`, `fb`, `meta_ads` → meta; `google`, `adwords`,
//! `googleads`, `google_search` → google_ads; `linkedin_ads`, `linked_in` → linkedin;
//! `custom` → custom_integration; `google_sheets` → sheets. Any other channel (email, organic,
//! `ga4`, which has no spend) has no spend and no ROAS. When several channels name one platform,
//! each shows the platform's whole spend and its ROAS is its own revenue over that spend (the
//! per-platform roll-up adds them up).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use spendlens_attribution::{
    Attribution, MarkovOrder, Model, ReadOptions, Request, Timestamp, TouchpointEvent,
    TouchpointRow,
};
use spendlens_core::Platform;
use spendlens_core::campaign::{Campaign, CampaignId, OrgId};
use spendlens_store::{StoredTouchpoint, TouchKind};

use crate::AppError;
use crate::labels::Label;

/// The model a campaign's ROI uses when none was set.
pub const DEFAULT_MODEL: Model = Model::LastTouch;

/// Sets the model a campaign's ROI credits revenue with (the API's `PUT attribution-model` and
/// the attribution page).
pub async fn set_model(
    ctx: &crate::context::Context,
    org: &OrgId,
    campaign: &CampaignId,
    model: Model,
) -> Result<(), AppError> {
    if ctx
        .store
        .set_attribution_model(org, campaign, model.name(), ctx.now())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The ad platform a channel name stands for (see the module documentation for the rule).
pub fn channel_platform(channel: &str) -> Option<Platform> {
    let name: String = channel
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let platform = match name.as_str() {
        "facebook" | "instagram" | "fb" | "meta_ads" => Platform::Meta,
        "google" | "adwords" | "googleads" | "google_search" => Platform::GoogleAds,
        "linkedin_ads" | "linked_in" => Platform::LinkedIn,
        "custom" => Platform::CustomIntegration,
        "google_sheets" => Platform::Sheets,
        other => other.parse::<Platform>().ok()?,
    };
    platform.is_ad_platform().then_some(platform)
}

/// Which models to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Models {
    One(Model),
    /// Every model (time decay included: stored touchpoints have timestamps).
    All,
}

/// One channel under one model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelLine {
    pub channel: String,
    /// The ad platform the channel names, if any.
    pub platform: Option<Platform>,
    /// Conversions credited (full precision).
    pub conversions: f64,
    /// Revenue credited, rounded to cents so that the channels add up to the total (the same
    /// figures `spendlens attribute` prints as `value`).
    pub revenue: Decimal,
    /// The platform's spend over the window (`None` for a channel that names no ad platform).
    pub spend: Option<Decimal>,
    /// revenue / spend, exact (`None` without spend).
    pub roas: Option<Decimal>,
}

/// One model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelLines {
    /// The crate's full result (totals, unattributed, Markov details).
    pub result: Attribution,
    /// Its channels, sorted by name, with spend and ROAS.
    pub channels: Vec<ChannelLine>,
}

/// One ad platform's part of a model's answer: its channels added up against its spend.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformLine {
    pub platform: Platform,
    /// The channels that name it, in the model's channel order.
    pub channels: Vec<String>,
    pub conversions: f64,
    pub revenue: Decimal,
    pub spend: Decimal,
    /// revenue / spend, exact (`None` without spend).
    pub roas: Option<Decimal>,
}

impl ModelLines {
    /// The per-platform roll-up: for each platform with spend in the window (`spend`, in its
    /// order), the channels naming it added up, and ROAS over the platform's spend.
    pub fn platforms(&self, spend: &[(Platform, Decimal)]) -> Vec<PlatformLine> {
        spend
            .iter()
            .map(|(platform, spend)| {
                let mine: Vec<&ChannelLine> = self
                    .channels
                    .iter()
                    .filter(|c| c.platform == Some(*platform))
                    .collect();
                let revenue: Decimal = mine.iter().map(|c| c.revenue).sum();
                PlatformLine {
                    platform: *platform,
                    channels: mine.iter().map(|c| c.channel.clone()).collect(),
                    // `+ 0.0`: a platform without channels sums to −0.0, shown as `-0.0`.
                    conversions: mine.iter().map(|c| c.conversions).sum::<f64>() + 0.0,
                    revenue,
                    spend: *spend,
                    roas: roas(revenue, *spend),
                }
            })
            .collect()
    }
}

/// A channel's share of the model's conversions, in percent (0 when nothing converted; `None`
/// only for a share a decimal cannot hold).
pub fn conversion_share_pct(conversions: f64, total: f64) -> Option<Decimal> {
    if total > 0.0 {
        Decimal::from_f64(conversions / total * 100.0)
    } else {
        Some(Decimal::ZERO)
    }
}

/// The attribution of a campaign over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAttribution {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The campaign's currency (spend and revenue are in it).
    pub currency: String,
    /// Journeys with an event in the window.
    pub journeys: u64,
    /// Spend per ad platform over the window (platforms with rows only).
    pub spend: Vec<(Platform, Decimal)>,
    /// One entry per model run, in [`Model::ALL`] order.
    pub models: Vec<ModelLines>,
    /// The journeys without a campaign left out, when another campaign ran one of this one's
    /// platforms over the window.
    pub set_aside: Option<SetAside>,
}

/// Touchpoints that name no campaign, left out of a campaign's attribution: another campaign of
/// the organisation ran one of its ad platforms over the same days, so their credit to that
/// platform cannot be told apart between them. Counting it for each would count it once per
/// campaign (in the financial report's total too); a `campaign` column in the touchpoint file
/// says whose each is.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    /// Journeys with such touchpoints in the window.
    pub journeys: u64,
    /// Each platform shared, with (up to three of) the other campaigns that ran it.
    pub shared: Vec<(Platform, Vec<String>)>,
}

impl SetAside {
    /// The sentence a page or report shows.
    pub fn sentence(&self) -> String {
        let shared: Vec<String> = self
            .shared
            .iter()
            .map(|(p, others)| {
                let names: Vec<String> = others
                    .iter()
                    .map(|n| format!("\u{201c}{n}\u{201d}"))
                    .collect();
                format!("{} (also {})", p.label(), names.join(", "))
            })
            .collect();
        format!(
            "{} with touchpoints that name no campaign {} left out: other campaigns ran {} over \
             these days, so whose those touchpoints are cannot be told. Import them with a \
             campaign column to count them here.",
            plural(self.journeys, "journey", "journeys"),
            if self.journeys == 1 { "is" } else { "are" },
            crate::labels::sentence_list(&shared)
        )
    }
}

/// `n` and the noun of its number.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Attributes the organisation's journeys whose events fall in `from..=to` (see the module
/// documentation) with `models`, and sets each channel's revenue against its platform's spend
/// from the campaign's daily series. `AppError::NotFound` for a campaign outside `org`.
pub async fn attributed_by_channel(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    campaign: &CampaignId,
    models: Models,
    order: MarkovOrder,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ChannelAttribution, AppError> {
    let campaign = store
        .campaign(org, campaign)
        .await?
        .ok_or(AppError::NotFound)?;
    attributed_by_channel_of(store, &campaign, models, order, from, to).await
}

/// [`attributed_by_channel`] of a campaign the caller has read from its organisation.
async fn attributed_by_channel_of(
    store: &dyn spendlens_store::Store,
    campaign: &Campaign,
    models: Models,
    order: MarkovOrder,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ChannelAttribution, AppError> {
    let org = &campaign.org_id;
    check_window(from, to)?;
    let (from_nanos, to_nanos) = window_nanos(campaign, from, to)?;
    let mut stored = store
        .touchpoints_in_window(org, Some(&campaign.id), from_nanos, to_nanos)
        .await?;
    // Untagged touchpoints count here only when no other campaign ran one of this one's
    // platforms over the window ([`SetAside`]).
    let mut series = None;
    let mut set_aside = None;
    if stored.iter().any(|t| t.campaign_id.is_none()) {
        let rows = store.daily_series(org, &campaign.id, from, to).await?;
        let platforms: std::collections::BTreeSet<Platform> = rows
            .iter()
            .map(|r| r.platform)
            .filter(|p| p.is_ad_platform())
            .collect();
        let mut shared = Vec::new();
        for p in platforms {
            let others = store
                .others_on_platform(org, &campaign.id, p, from, to)
                .await?;
            if !others.is_empty() {
                shared.push((p, others));
            }
        }
        if !shared.is_empty() {
            let untagged: std::collections::BTreeSet<&str> = stored
                .iter()
                .filter(|t| t.campaign_id.is_none())
                .map(|t| t.journey_id.as_str())
                .collect();
            set_aside = Some(SetAside {
                journeys: untagged.len() as u64,
                shared,
            });
            stored.retain(|t| t.campaign_id.is_some());
        }
        series = Some(rows);
    }
    let (rows, journeys) = window_rows(&stored, from_nanos);
    let models = match models {
        Models::One(model) => vec![model],
        Models::All => Model::ALL.to_vec(),
    };
    let options = ReadOptions {
        time_decay_half_life_days: Some(spendlens_attribution::time_decay::DEFAULT_HALF_LIFE_DAYS),
    };
    let request = Request {
        models,
        order,
        transitions: false,
        skip_unavailable: false,
    };
    let data = spendlens_attribution::dataset_from_rows(&rows, &options)?;
    let results = spendlens_attribution::attribute(&data, &request)?;

    // The platforms' spend, for each channel's ROAS: read only when a model credits a channel
    // (a campaign without touchpoints in the window has none, and a financial report asks this
    // of every campaign).
    let mut spend: BTreeMap<Platform, Decimal> = BTreeMap::new();
    if results.iter().any(|r| !r.channels.is_empty()) {
        let rows = match series {
            Some(rows) => rows,
            None => store.daily_series(org, &campaign.id, from, to).await?,
        };
        for row in rows {
            if row.platform.is_ad_platform() {
                *spend.entry(row.platform).or_default() += row.spend;
            }
        }
    }
    let models = results
        .into_iter()
        .map(|result| {
            let exact: Vec<Decimal> = result.channels.iter().map(|c| c.value).collect();
            let cents = spendlens_attribution::money::to_cents(result.total_value, &exact);
            let channels = result
                .channels
                .iter()
                .zip(cents)
                .map(|(c, revenue)| {
                    let platform = channel_platform(&c.channel);
                    let spend = platform.map(|p| spend.get(&p).copied().unwrap_or_default());
                    ChannelLine {
                        channel: c.channel.clone(),
                        platform,
                        conversions: c.conversions,
                        revenue,
                        spend,
                        roas: spend.and_then(|s| roas(revenue, s)),
                    }
                })
                .collect();
            ModelLines { result, channels }
        })
        .collect();
    Ok(ChannelAttribution {
        from,
        to,
        currency: campaign.spec.currency.clone(),
        journeys,
        spend: spend.into_iter().collect(),
        models,
        set_aside,
    })
}

/// revenue / spend, when there is spend.
pub fn roas(revenue: Decimal, spend: Decimal) -> Option<Decimal> {
    if spend > Decimal::ZERO {
        revenue.checked_div(spend)
    } else {
        None
    }
}

/// A campaign's attributed revenue under the model set on it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributedRevenue {
    /// The model used (the campaign's setting, or [`DEFAULT_MODEL`]).
    pub model: Model,
    /// Revenue credited to the channels of the campaign's ad platforms (those with rows in the
    /// window), in the campaign's currency.
    pub revenue: Decimal,
    /// The same per platform.
    pub by_platform: Vec<(Platform, Decimal)>,
    /// Conversions credited to those channels.
    pub conversions: f64,
    /// Touchpoints without a campaign left out ([`SetAside`]).
    pub set_aside: Option<SetAside>,
}

/// The revenue the ROI tracker attributes to a campaign over `from..=to`: the credit, under the
/// model set on the campaign (default `last_touch`), of the channels that name one of the ad
/// platforms the campaign has rows for in the window. Revenue credited to other channels (email,
/// organic, platforms the campaign does not run on) is not the campaign's. The model matters:
/// every model shares out the same total, differently among channels.
pub async fn attributed_revenue(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    campaign: &CampaignId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<AttributedRevenue, AppError> {
    let model = campaign_model(store, org, campaign).await?;
    let campaign = store
        .campaign(org, campaign)
        .await?
        .ok_or(AppError::NotFound)?;
    attributed_revenue_of(store, &campaign, model, from, to).await
}

/// [`attributed_revenue`] of a campaign read from its organisation, under `model` (the one set
/// on it): the caller holds both, as a report that reads them for every campaign at once.
pub async fn attributed_revenue_of(
    store: &dyn spendlens_store::Store,
    campaign: &Campaign,
    model: Model,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<AttributedRevenue, AppError> {
    let found = attributed_by_channel_of(
        store,
        campaign,
        Models::One(model),
        MarkovOrder::Fixed(1),
        from,
        to,
    )
    .await?;
    let mut by_platform: BTreeMap<Platform, Decimal> = BTreeMap::new();
    let mut conversions = 0.0;
    if let Some(lines) = found.models.first() {
        for line in &lines.channels {
            if let Some(p) = line.platform
                && found.spend.iter().any(|(q, _)| *q == p)
            {
                *by_platform.entry(p).or_default() += line.revenue;
                conversions += line.conversions;
            }
        }
    }
    Ok(AttributedRevenue {
        model,
        revenue: by_platform.values().copied().sum(),
        by_platform: by_platform.into_iter().collect(),
        conversions,
        set_aside: found.set_aside,
    })
}

/// The model set on a campaign, or [`DEFAULT_MODEL`]. A stored name spendlens no longer knows
/// reads as the default.
pub async fn campaign_model(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<Model, AppError> {
    Ok(store
        .attribution_model(org, campaign)
        .await?
        .and_then(|name| name.parse::<Model>().ok())
        .unwrap_or(DEFAULT_MODEL))
}

/// The window of a request: `from` and `to` as given, each defaulting to the campaign's (from
/// its start, or 89 days before `to`, to the earlier of its end and `today`); a `to` before
/// `from` is refused, naming `to`.
pub fn window_of(
    campaign: &Campaign,
    today: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let to = to.unwrap_or_else(|| campaign.spec.end_date.map_or(today, |end| end.min(today)));
    let from = from.unwrap_or_else(|| {
        campaign
            .spec
            .start_date
            .filter(|start| *start <= to)
            .unwrap_or_else(|| to - chrono::Days::new(89))
    });
    check_window(from, to)?;
    Ok((from, to))
}

/// A window runs forwards.
fn check_window(from: NaiveDate, to: NaiveDate) -> Result<(), AppError> {
    if to < from {
        Err(AppError::invalid("to", "must not be before from"))
    } else {
        Ok(())
    }
}

/// Midnight of `from` to midnight after `to` in the campaign's zone, as Unix nanoseconds.
fn window_nanos(
    campaign: &Campaign,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), AppError> {
    let midnight = |day: NaiveDate| -> Option<i64> {
        let naive = day.and_time(chrono::NaiveTime::MIN);
        let instant: DateTime<Utc> = match campaign.spec.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => {
                let local = tz.from_local_datetime(&naive);
                local.earliest().or_else(|| local.latest())?.to_utc()
            }
            Err(_) => naive.and_utc(),
        };
        instant.timestamp_nanos_opt()
    };
    let start = midnight(from).ok_or_else(|| AppError::invalid("from", "out of range"))?;
    let end = to
        .succ_opt()
        .and_then(midnight)
        .ok_or_else(|| AppError::invalid("to", "out of range"))?;
    Ok((start, end))
}

/// An instant in Unix nanoseconds as the attribution crate's timestamp.
fn timestamp(nanos: i64) -> Timestamp {
    let secs = nanos.div_euclid(1_000_000_000);
    let sub = u32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0);
    Timestamp::from_unix(secs, sub)
}

/// The rows the window keeps (see the module documentation), as the crate's rows, and the number
/// of journeys. `stored` comes grouped by journey, ordered by time, touches before a conversion
/// at the same instant.
fn window_rows(stored: &[StoredTouchpoint], from_nanos: i64) -> (Vec<TouchpointRow>, u64) {
    let mut rows = Vec::with_capacity(stored.len());
    let mut journeys = 0u64;
    let mut start = 0;
    while start < stored.len() {
        let id = &stored[start].journey_id;
        let end = stored[start..]
            .iter()
            .position(|t| t.journey_id != *id)
            .map_or(stored.len(), |n| start + n);
        let journey = &stored[start..end];
        let keep_from = journey
            .iter()
            .rposition(|t| t.kind == TouchKind::Conversion && t.at_nanos < from_nanos)
            .map_or(0, |i| i + 1);
        journeys += 1;
        for (offset, t) in journey.iter().enumerate().skip(keep_from) {
            let event = match t.kind {
                TouchKind::Touch => TouchpointEvent::Touch(t.channel.clone().unwrap_or_default()),
                TouchKind::Conversion => TouchpointEvent::Conversion(t.value),
            };
            rows.push(TouchpointRow {
                line: u64::try_from(start + offset).unwrap_or(u64::MAX),
                journey_id: t.journey_id.clone(),
                at: timestamp(t.at_nanos),
                event,
                campaign_id: None,
            });
        }
        start = end;
    }
    (rows, journeys)
}

/// An uploaded row as stored: the instant in nanoseconds (an error naming the row beyond the
/// years 1678–2261, the range of an `i64` of nanoseconds).
pub fn stored_row(row: &TouchpointRow) -> Result<StoredTouchpoint, String> {
    let at_nanos = row
        .at
        .unix_seconds()
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(i64::from(row.at.subsec_nanos())))
        .ok_or_else(|| "the timestamp is out of the supported range (1678 to 2261)".to_owned())?;
    let (kind, channel, value) = match &row.event {
        TouchpointEvent::Touch(channel) => (TouchKind::Touch, Some(channel.clone()), Decimal::ZERO),
        TouchpointEvent::Conversion(value) => (TouchKind::Conversion, None, *value),
    };
    Ok(StoredTouchpoint {
        journey_id: row.journey_id.clone(),
        at_nanos,
        kind,
        channel,
        value,
        campaign_id: row.campaign_id.clone().map(CampaignId::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_aside_sentence_lists_the_shared_platforms_as_a_sentence_does() {
        let aside = SetAside {
            journeys: 1,
            shared: vec![
                (Platform::LinkedIn, vec!["B".to_owned()]),
                (Platform::Meta, vec!["B".to_owned(), "C".to_owned()]),
                (Platform::GoogleAds, vec!["D".to_owned()]),
            ],
        };
        assert_eq!(
            aside.sentence(),
            "1 journey with touchpoints that name no campaign is left out: other campaigns ran \
             LinkedIn Ads (also \u{201c}B\u{201d}), Meta Ads (also \u{201c}B\u{201d}, \
             \u{201c}C\u{201d}) and Google Ads (also \u{201c}D\u{201d}) over these days, so \
             whose those touchpoints are cannot be told. Import them with a campaign column to \
             count them here."
        );
    }

    #[test]
    fn channels_map_to_platforms_by_the_documented_rule() {
        let cases = [
            ("meta", Some(Platform::Meta)),
            ("Facebook", Some(Platform::Meta)),
            ("Meta Ads", Some(Platform::Meta)),
            ("google", Some(Platform::GoogleAds)),
            ("AdWords", Some(Platform::GoogleAds)),
            ("google-ads", Some(Platform::GoogleAds)),
            ("LinkedIn", Some(Platform::LinkedIn)),
            ("custom", Some(Platform::CustomIntegration)),
            ("sheets", Some(Platform::Sheets)),
            ("ga4", None),
            ("email", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(channel_platform(name), expected, "{name}");
        }
    }

    fn touch(journey: &str, at: i64, kind: TouchKind, channel: &str) -> StoredTouchpoint {
        StoredTouchpoint {
            journey_id: journey.to_owned(),
            at_nanos: at,
            kind,
            channel: (kind == TouchKind::Touch).then(|| channel.to_owned()),
            value: Decimal::ONE,
            campaign_id: None,
        }
    }

    #[test]
    fn a_conversion_before_the_window_closes_its_path_and_drops_out() {
        use TouchKind::{Conversion, Touch};
        let stored = vec![
            touch("a", 1, Touch, "x"),
            touch("a", 2, Conversion, ""),
            touch("a", 3, Touch, "y"),
            touch("a", 12, Conversion, ""),
            touch("b", 11, Touch, "z"),
        ];
        let (rows, journeys) = window_rows(&stored, 10);
        assert_eq!(journeys, 2);
        let kept: Vec<(String, i64)> = rows
            .iter()
            .map(|r| (r.journey_id.clone(), r.at.unix_seconds()))
            .collect();
        assert_eq!(rows.len(), 3, "{kept:?}");
        assert!(matches!(&rows[0].event, TouchpointEvent::Touch(c) if c == "y"));
        assert!(matches!(rows[1].event, TouchpointEvent::Conversion(_)));
        assert!(matches!(&rows[2].event, TouchpointEvent::Touch(c) if c == "z"));
    }

    #[test]
    fn nanoseconds_round_trip_through_timestamps() {
        for nanos in [0, 1, -1, 1_700_000_000_123_456_789, -86_400_000_000_001] {
            let t = timestamp(nanos);
            let row = TouchpointRow {
                line: 2,
                journey_id: "j".into(),
                at: t,
                event: TouchpointEvent::Touch("c".into()),
                campaign_id: None,
            };
            assert_eq!(stored_row(&row).map(|s| s.at_nanos), Ok(nanos));
        }
    }
}
