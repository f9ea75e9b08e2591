//! The input document of `spendlens analyze` into an [`AnalysisInput`].

use chrono::NaiveDate;
use serde_json::Value;
use spendlens_core::analysis::{
    AnalysisInput, CampaignPlan, Comparison, ComparisonPeriod, PlatformInputs, PlatformMetrics,
    Snapshot, WebMetrics, resolve_custom_integration,
};
use spendlens_core::platform::Platform;

use crate::json::{self, ObjectReader, Problems, describe};

/// Decodes an input document given as text.
///
/// `as_of_override` (the CLI's `--as-of`) wins over the document's `as_of`; one of them is
/// required. Every problem is reported, each with its JSON path.
pub fn decode(text: &str, as_of_override: Option<NaiveDate>) -> Result<AnalysisInput, Problems> {
    let value = json::parse_document(text)?;
    decode_value(&value, as_of_override)
}

/// Decodes an already parsed input document.
pub fn decode_value(
    value: &Value,
    as_of_override: Option<NaiveDate>,
) -> Result<AnalysisInput, Problems> {
    let mut problems = Problems::default();
    let Some(mut root) = ObjectReader::new("", value, &mut problems) else {
        return Err(problems);
    };
    let as_of = root.date("as_of", &mut problems);
    let campaign = match root.get("campaign") {
        Some(v) => campaign(v, &mut problems),
        None => Some(CampaignPlan::default()),
    };
    let platforms = match root.get("platforms") {
        Some(v) => platforms(v, &mut problems),
        None => Some(PlatformInputs::default()),
    };
    let comparison = root.get("comparison").map(|v| comparison(v, &mut problems));
    root.finish(&mut problems);

    let as_of = as_of_override.or(as_of);
    if as_of.is_none() && value.get("as_of").is_none_or(Value::is_null) {
        problems.push("as_of", "missing: give it in the input or with --as-of");
    }
    match (as_of, campaign, platforms, comparison) {
        (Some(as_of), Some(campaign), Some(platforms), comparison) if problems.is_empty() => {
            Ok(AnalysisInput {
                as_of,
                campaign,
                platforms,
                comparison: comparison.flatten(),
            })
        }
        _ => Err(problems),
    }
}

fn campaign(value: &Value, problems: &mut Problems) -> Option<CampaignPlan> {
    let mut r = ObjectReader::new("campaign", value, problems)?;
    let name = r.string("name", problems).unwrap_or_default().to_owned();
    let currency = match r.string("currency", problems) {
        None => "USD".to_owned(),
        Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            c.to_ascii_uppercase()
        }
        Some(c) => {
            problems.push(
                "campaign.currency",
                format!("expected a 3-letter ISO 4217 code, got \"{c}\""),
            );
            "USD".to_owned()
        }
    };
    let plan = CampaignPlan {
        name,
        currency,
        budget: r.amount("budget", problems),
        start_date: r.date("start_date", problems),
        end_date: r.date("end_date", problems),
        spent_to_date: None,
    };
    r.finish(problems);
    Some(plan)
}

/// The fields each platform accepts; anything else is a typo and is reported.
fn ad_metrics(
    platform: Platform,
    value: &Value,
    problems: &mut Problems,
    web: &mut WebMetrics,
    ci_aov: &mut Option<rust_decimal::Decimal>,
) -> Option<PlatformMetrics> {
    let path = json::join("platforms", platform.as_str());
    let mut r = ObjectReader::new(&path, value, problems)?;
    let mut m = PlatformMetrics {
        spend: r.amount("spend", problems).unwrap_or_default(),
        clicks: r.metric_count("clicks", problems).unwrap_or_default(),
        conversions: r.amount("conversions", problems).unwrap_or_default(),
        revenue: r.amount("revenue", problems),
        ..PlatformMetrics::default()
    };
    let impressions = r.metric_count("impressions", problems);
    let engagements = if platform == Platform::Meta {
        None
    } else {
        r.metric_count("engagements", problems)
    };
    m.impressions = impressions.unwrap_or_default();
    m.engagements = engagements.unwrap_or_default();
    if matches!(
        platform,
        Platform::LinkedIn | Platform::Meta | Platform::GoogleAds
    ) {
        m.conversion_value = r.amount("conversion_value", problems);
    }
    if platform == Platform::LinkedIn {
        m.roas = r.amount("roas", problems);
        let roi_path = r.path_of("roi");
        m.roi = r
            .get("roi")
            .and_then(|v| json::decimal(&roi_path, v, problems));
    }
    if platform == Platform::CustomIntegration {
        *web = WebMetrics {
            pageviews: r.metric_count("pageviews", problems).unwrap_or_default(),
            sessions: r.metric_count("sessions", problems).unwrap_or_default(),
            users: r.metric_count("users", problems).unwrap_or_default(),
            leads: r.metric_count("leads", problems).unwrap_or_default(),
        };
        *ci_aov = r.amount("average_order_value", problems);
        (m.impressions, m.engagements) = resolve_custom_integration(impressions, engagements, *web);
    }
    r.finish(problems);
    Some(m)
}

fn platforms(value: &Value, problems: &mut Problems) -> Option<PlatformInputs> {
    let Value::Object(map) = value else {
        problems.push(
            "platforms",
            format!("expected an object, got {}", describe(value)),
        );
        return None;
    };
    let mut inputs = PlatformInputs::default();
    for (key, v) in map {
        let Ok(platform) = key.parse::<Platform>() else {
            problems.push(
                json::join("platforms", key),
                "unknown platform (expected one of linkedin, meta, google_ads, custom_integration, sheets, ga4)",
            );
            continue;
        };
        if v.is_null() {
            continue;
        }
        if platform == Platform::Ga4 {
            if let Some(mut r) = ObjectReader::new("platforms.ga4", v, problems) {
                inputs.ga4_aov = r.amount("average_order_value", problems);
                r.finish(problems);
            }
            continue;
        }
        let mut web = WebMetrics::default();
        let mut ci_aov = None;
        let metrics = ad_metrics(platform, v, problems, &mut web, &mut ci_aov);
        if platform == Platform::CustomIntegration {
            inputs.custom_integration_web = web;
            inputs.custom_integration_aov = ci_aov;
        }
        if let Some(slot) = inputs.slot_mut(platform) {
            *slot = metrics;
        }
    }
    Some(inputs)
}

fn comparison(value: &Value, problems: &mut Problems) -> Option<Comparison> {
    let mut r = ObjectReader::new("comparison", value, problems)?;
    let period = match r.get("period") {
        None => Some(ComparisonPeriod::SevenDays),
        Some(Value::String(s)) => ComparisonPeriod::parse(s).or_else(|| {
            problems.push(
                "comparison.period",
                format!("expected one of 1d, 7d, 30d, got \"{s}\""),
            );
            None
        }),
        Some(other) => {
            problems.push(
                "comparison.period",
                format!("expected one of 1d, 7d, 30d, got {}", describe(other)),
            );
            None
        }
    };
    let snapshot = r.get("snapshot").and_then(|v| snapshot(v, problems));
    r.finish(problems);
    Some(Comparison {
        period: period?,
        snapshot,
    })
}

fn snapshot(value: &Value, problems: &mut Problems) -> Option<Snapshot> {
    let mut r = ObjectReader::new("comparison.snapshot", value, problems)?;
    let date = r.date("date", problems);
    if value.get("date").is_none_or(Value::is_null) {
        problems.push(
            "comparison.snapshot.date",
            "missing: a snapshot needs its date",
        );
    }
    let spend = r.amount("spend", problems).unwrap_or_default();
    let conversions = r.amount("conversions", problems).unwrap_or_default();
    let revenue = r.amount("revenue", problems);
    r.finish(problems);
    Some(Snapshot {
        date: date?,
        spend,
        conversions,
        revenue,
    })
}
