//! The typed command of a model run, which the API's body, the page's form and any other adapter
//! decode into.

use chrono::NaiveDate;
use serde_json::{Value, json};
use spendlens_core::campaign::CampaignId;
use spendlens_mmm::Experiment;

/// Where the KPI the model explains comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiSource {
    /// The chosen campaigns' GA4 revenue, day by day.
    Ga4Revenue,
    /// The ad platforms' revenue as the analysis values it (reported, else estimated from
    /// conversions): the platforms' own claim, useful to compare with, not an independent KPI.
    PlatformRevenue,
    /// A series the caller gives (the business's own revenue, in the campaigns' currency), one
    /// value per day.
    Series(Vec<(NaiveDate, f64)>),
}

impl KpiSource {
    /// The code on the wire (`ga4_revenue`, `platform_revenue`, `series`).
    pub fn code(&self) -> &'static str {
        match self {
            KpiSource::Ga4Revenue => "ga4_revenue",
            KpiSource::PlatformRevenue => "platform_revenue",
            KpiSource::Series(_) => "series",
        }
    }

    /// The KPI's name in the model's answer.
    pub fn name(&self) -> &'static str {
        match self {
            KpiSource::Ga4Revenue => "ga4_revenue",
            KpiSource::PlatformRevenue => "platform_revenue",
            KpiSource::Series(_) => "revenue",
        }
    }

    /// The source as people read it.
    pub fn label(&self) -> &'static str {
        match self {
            KpiSource::Ga4Revenue => "GA4 revenue",
            KpiSource::PlatformRevenue => "the platforms' revenue (as the analysis values it)",
            KpiSource::Series(_) => "the uploaded KPI series",
        }
    }
}

/// A run's KPI as people read it, from the code its document records (`ga4_revenue`,
/// `platform_revenue`; anything else was uploaded under its own name).
pub fn kpi_label(code: &str) -> &'static str {
    match code {
        "ga4_revenue" => "GA4 revenue",
        "platform_revenue" => "the platforms' revenue",
        _ => "the uploaded KPI",
    }
}

/// A model run: over which campaigns (all when empty), which KPI, which window (default: the
/// days with spend), how many draws from which seed, and the lift tests that calibrate it.
#[derive(Debug, Clone, PartialEq)]
pub struct MmmCommand {
    pub campaigns: Vec<CampaignId>,
    pub kpi: KpiSource,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub draws: usize,
    pub seed: u64,
    pub experiments: Vec<Experiment>,
}

impl MmmCommand {
    /// The request as recorded with the run (an uploaded series by its length and dates only).
    pub fn to_json(&self) -> Value {
        let kpi = match &self.kpi {
            KpiSource::Series(values) => json!({
                "source": self.kpi.code(),
                "days": values.len(),
                "from": values.first().map(|v| v.0.to_string()),
                "to": values.last().map(|v| v.0.to_string()),
            }),
            other => json!({"source": other.code()}),
        };
        json!({
            "campaigns": self.campaigns.iter().map(CampaignId::as_str).collect::<Vec<_>>(),
            "kpi": kpi,
            "from": self.from.map(|d| d.to_string()),
            "to": self.to.map(|d| d.to_string()),
            "draws": self.draws,
            "seed": self.seed,
            "experiments": self.experiments.iter().map(|e| json!({
                "channel": e.channel,
                "from": e.from.to_string(),
                "to": e.to.to_string(),
                "lift": e.lift,
                "lift_se": e.lift_se,
                "spend": e.spend.map(|s| s.to_string()),
            })).collect::<Vec<_>>(),
        })
    }

    /// The command a run recorded ([`MmmCommand::to_json`]), to run it again on today's data;
    /// `None` for an uploaded series (its values are not kept) or a record that does not read.
    pub fn from_record(record: &Value) -> Option<MmmCommand> {
        let day = |v: &Value| -> Option<Option<NaiveDate>> {
            match v {
                Value::Null => Some(None),
                v => v.as_str()?.parse().ok().map(Some),
            }
        };
        let kpi = match record["kpi"]["source"].as_str()? {
            "ga4_revenue" => KpiSource::Ga4Revenue,
            "platform_revenue" => KpiSource::PlatformRevenue,
            _ => return None,
        };
        let mut experiments = Vec::new();
        for (i, e) in record["experiments"].as_array()?.iter().enumerate() {
            experiments.push(Experiment {
                row: i + 1,
                channel: e["channel"].as_str()?.to_owned(),
                from: day(&e["from"])??,
                to: day(&e["to"])??,
                lift: e["lift"].as_f64()?,
                lift_se: e["lift_se"].as_f64()?,
                spend: e["spend"].as_str().and_then(|s| s.parse().ok()),
            });
        }
        Some(MmmCommand {
            campaigns: record["campaigns"]
                .as_array()?
                .iter()
                .map(|c| c.as_str().map(CampaignId::new))
                .collect::<Option<_>>()?,
            kpi,
            from: day(&record["from"])?,
            to: day(&record["to"])?,
            draws: usize::try_from(record["draws"].as_u64()?).ok()?,
            seed: record["seed"].as_u64()?,
            experiments,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, d).unwrap_or_default()
    }

    /// A recorded command reads back as itself (lift tests and their spend included); an
    /// uploaded series, whose values are not kept, does not.
    #[test]
    fn a_recorded_command_reads_back_but_an_uploaded_series_does_not() {
        let cmd = MmmCommand {
            campaigns: vec![CampaignId::new("c1"), CampaignId::new("c2")],
            kpi: KpiSource::PlatformRevenue,
            from: Some(day(1)),
            to: None,
            draws: 300,
            seed: 9,
            experiments: vec![Experiment {
                row: 1,
                channel: "google_ads".into(),
                from: day(5),
                to: day(18),
                lift: 5184.54,
                lift_se: 518.45,
                spend: Some(rust_decimal::Decimal::new(23_566, 2)),
            }],
        };
        assert_eq!(MmmCommand::from_record(&cmd.to_json()), Some(cmd.clone()));
        let ga4 = MmmCommand {
            kpi: KpiSource::Ga4Revenue,
            experiments: Vec::new(),
            ..cmd.clone()
        };
        assert_eq!(MmmCommand::from_record(&ga4.to_json()), Some(ga4));
        let series = MmmCommand {
            kpi: KpiSource::Series(vec![(day(1), 10.0)]),
            ..cmd
        };
        assert_eq!(MmmCommand::from_record(&series.to_json()), None);
        assert_eq!(MmmCommand::from_record(&json!({"kpi": 1})), None);
    }
}
