//! Response curves from a marketing-mix model run (issue 17): the budget optimiser can plan on
//! the curves the model fitted to the business's own KPI instead of the curves it fits to each
//! platform's self-reported revenue.
//!
//! A run is usable for a campaign only when it was fitted on that campaign alone (a run over
//! several campaigns describes their channels together, not this campaign's share of them) and
//! is current (no data of the campaign changed since). The model's curves are steady-state KPI per
//! day at a steady daily spend, which is what the optimiser's curves are; each keeps its
//! posterior draws, so the plan's interval rests on the model's uncertainty. The model's R²
//! stands for every channel's in the cautious limits: a model that explains little holds every
//! channel, as a poorly fitted history curve would.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_optimize::fit::FitKind;
use spendlens_optimize::{FittedModel, Hill, Seasonality};

use crate::AppError;

/// The curves of one run, by channel name.
#[derive(Debug, Clone, PartialEq)]
pub struct MmmCurves {
    pub run_id: String,
    pub created_at: DateTime<Utc>,
    /// The KPI the model explains (`ga4_revenue`, `revenue`...).
    pub kpi: String,
    /// The model's R² on the KPI.
    pub r2: f64,
    /// Per channel: the best-fit curve, its draws and its adstock decay.
    pub curves: BTreeMap<String, (Hill, Vec<Hill>, f64)>,
}

/// A Hill curve from stored numbers; a channel the model gives no effect gets a vanishing one
/// (the optimiser's curves need a positive level).
fn hill(beta: f64, k: f64, s: f64) -> Option<Hill> {
    Hill::new(beta.max(1e-9), k, s).ok()
}

fn parse(run_id: &str, created_at: DateTime<Utc>, result: &str) -> Result<MmmCurves, AppError> {
    let broken = || {
        AppError::invalid(
            "mmm_run",
            format!("the stored model run {run_id} cannot be read: run the model again"),
        )
    };
    let doc: Value = serde_json::from_str(result).map_err(|_| broken())?;
    let mut curves = BTreeMap::new();
    for c in doc["curves"].as_array().ok_or_else(broken)? {
        let num = |v: &Value| v.as_f64().ok_or_else(broken);
        let name = c["channel"].as_str().ok_or_else(broken)?.to_owned();
        let best = hill(
            num(&c["beta"])?,
            num(&c["half_saturation"])?,
            num(&c["shape"])?,
        )
        .ok_or_else(broken)?;
        let draws = c["draws"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .filter_map(|d| {
                        let d = d.as_array()?;
                        hill(
                            d.first()?.as_f64()?,
                            d.get(1)?.as_f64()?,
                            d.get(2)?.as_f64()?,
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| vec![best]);
        curves.insert(name, (best, draws, num(&c["decay"])?));
    }
    Ok(MmmCurves {
        run_id: run_id.to_owned(),
        created_at,
        kpi: doc["kpi"].as_str().unwrap_or("revenue").to_owned(),
        r2: doc["fit"]["r2"].as_f64().ok_or_else(broken)?,
        curves,
    })
}

/// The curves of the named run, or of the newest current run fitted on `campaign` alone.
pub async fn load(
    store: &dyn spendlens_store::Store,
    org: &OrgId,
    campaign: &CampaignId,
    run: Option<&str>,
) -> Result<MmmCurves, AppError> {
    let alone = |c: &[CampaignId]| c.len() == 1 && c[0] == *campaign;
    let chosen = match run {
        Some(id) => {
            let found = crate::mmm::run_of(store, org, id)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::invalid(
                        "mmm_run",
                        format!("no model run {id} in your organisation"),
                    ),
                    other => other,
                })?;
            if !alone(&found.stored.campaigns) {
                return Err(AppError::invalid(
                    "mmm_run",
                    format!(
                        "model run {id} was fitted on {} campaign(s), not on this campaign alone: its curves describe those campaigns' channels together",
                        found.stored.campaigns.len()
                    ),
                ));
            }
            if !found.current {
                return Err(AppError::invalid(
                    "mmm_run",
                    format!(
                        "model run {id} is out of date: the campaign's data changed since; run the model again"
                    ),
                ));
            }
            found
        }
        None => {
            let none = || {
                AppError::invalid(
                    "curves",
                    format!(
                        "no current marketing-mix model run covers this campaign alone: run one first (POST /api/mmm with campaigns [\"{}\"], or the Marketing mix page)",
                        campaign.as_str()
                    ),
                )
            };
            // The newest run on the campaign alone; an older one cannot be current when it is
            // not (data versions only grow).
            let stored = store
                .newest_mmm_run_of(org, campaign)
                .await?
                .ok_or_else(none)?;
            if !crate::mmm::is_current(store, org, &stored).await? {
                return Err(none());
            }
            crate::mmm::Run {
                stored,
                current: true,
            }
        }
    };
    parse(
        &chosen.stored.id,
        chosen.stored.created_at,
        &chosen.stored.result,
    )
}

/// The channels of `platforms` the run has no curve for.
pub fn missing<'a>(curves: &MmmCurves, names: &[&'a str]) -> Vec<&'a str> {
    names
        .iter()
        .copied()
        .filter(|n| !curves.curves.contains_key(*n))
        .collect()
}

/// Puts the run's curves in place of the fitted ones (same channels, same order), with the
/// model's R², no seasonality (the model's channel effects have none; its baseline carries it).
pub fn apply(model: &mut FittedModel, curves: &MmmCurves) {
    for channel in &mut model.channels {
        if let Some((best, draws, decay)) = curves.curves.get(&channel.name) {
            channel.curve = *best;
            channel.draws.clone_from(draws);
            channel.adstock = *decay;
            channel.r_squared = curves.r2;
            channel.kind = FitKind::Hill;
        }
    }
    model.seasonality = Seasonality::flat();
}
