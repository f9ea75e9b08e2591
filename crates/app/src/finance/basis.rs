//! What a campaign's ROI rests on, chosen per campaign (issue 15): the revenue its ad platforms
//! report (the analysis' figure), or that revenue re-credited by an attribution model over the
//! organisation's imported touchpoints. The finance ROI, the reconciliation, the financial
//! report and the pages all read the choice from here; the figure each shows names the basis it
//! actually used (`spendlens_finance::books::RevenueBasis`), which can differ from the choice:
//! an attribution model with no touchpoints in the window leaves the platforms' revenue
//! standing, and says so.
//!
//! Stored with the campaign's attribution model (`campaign_attribution.basis`); a campaign that
//! never chose keeps the behaviour it had before the choice existed: attribution by its model
//! (default last touch) where touchpoints exist.

use spendlens_attribution::Model;
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::Store;

use crate::AppError;
use crate::attribution::DEFAULT_MODEL;
use crate::labels::Label;

/// The basis a campaign's ROI is chosen to rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasisChoice {
    /// The platforms' own revenue (estimated from conversions where they report none).
    PlatformReported,
    /// The platforms' revenue re-credited by this attribution model.
    Attribution(Model),
    /// The revenue the campaign's channels caused, by the newest current marketing-mix model
    /// run fitted on the campaign alone.
    Mmm,
}

impl BasisChoice {
    /// Every code on the wire and in forms.
    pub const CODES: [&'static str; 3] = ["platform_reported", "attribution", "mmm"];

    /// The stable code (`platform_reported`, `attribution`).
    pub fn code(self) -> &'static str {
        match self {
            BasisChoice::PlatformReported => "platform_reported",
            BasisChoice::Attribution(_) => "attribution",
            BasisChoice::Mmm => "mmm",
        }
    }

    /// The model the choice names (the campaign's model even on the platforms' revenue: it is
    /// kept for when attribution is chosen again).
    pub fn model(self) -> Option<Model> {
        match self {
            BasisChoice::PlatformReported | BasisChoice::Mmm => None,
            BasisChoice::Attribution(m) => Some(m),
        }
    }

    /// The choice as people read it.
    pub fn label(self) -> String {
        match self {
            BasisChoice::PlatformReported => "Platform revenue".to_owned(),
            BasisChoice::Attribution(m) => {
                format!("Revenue attributed by the {} model", m.label())
            }
            BasisChoice::Mmm => "Revenue modelled by the marketing-mix model".to_owned(),
        }
    }

    /// Reads a choice from its code and a model name (the model only for `attribution`; blank
    /// means the campaign's current model), naming the field at fault.
    pub fn parse(code: &str, model: Option<&str>, current: Model) -> Result<Self, AppError> {
        match code.trim() {
            "platform_reported" => Ok(BasisChoice::PlatformReported),
            "mmm" => Ok(BasisChoice::Mmm),
            // `attributed` is how the ROI and the report write the basis used.
            "attribution" | "attributed" => match model.map(str::trim).filter(|m| !m.is_empty()) {
                None => Ok(BasisChoice::Attribution(current)),
                Some(m) => m
                    .parse::<Model>()
                    .map(BasisChoice::Attribution)
                    .map_err(|_| {
                        AppError::invalid(
                            "model",
                            format!(
                                "unknown attribution model {m:?}; expected one of {}",
                                Model::ALL.map(Model::name).join(", ")
                            ),
                        )
                    }),
            },
            other => Err(AppError::invalid(
                "basis",
                format!(
                    "unknown revenue basis {other:?}; expected one of {}",
                    BasisChoice::CODES.join(", ")
                ),
            )),
        }
    }
}

/// Why the revenue a campaign's ROI rests on (`used`) is not the basis chosen for it, when it is
/// not: the one sentence of the reconciliation page and the ROI API.
pub fn mismatch(
    choice: BasisChoice,
    used: &spendlens_finance::books::RevenueBasis,
) -> Option<String> {
    use spendlens_finance::books::RevenueBasis;
    match (choice, used) {
        (BasisChoice::Mmm, basis) if !matches!(basis, RevenueBasis::Modelled { .. }) => Some(
            "The marketing-mix model is chosen, but no current model run was fitted on this \
             campaign alone, so the platforms' own revenue stands. Run the model on this campaign \
             on the Marketing mix page."
                .to_owned(),
        ),
        (
            BasisChoice::Attribution(m),
            RevenueBasis::PlatformReported | RevenueBasis::Unmeasured,
        ) => Some(format!(
            "The {} model is chosen, but no imported touchpoint credits this campaign's platforms \
             in the period, so the platforms' own revenue stands. Import touchpoints on the \
             attribution page (touchpoints that name no campaign count only for a campaign that \
             alone ran its platforms over those days; that page says when some are left out).",
            m.label()
        )),
        _ => None,
    }
}

/// The basis chosen for a campaign of `org` (attribution by its model when it never chose).
/// `AppError::NotFound` for a campaign outside `org`.
pub async fn campaign_basis(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<BasisChoice, AppError> {
    if store.campaign(org, campaign).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(stored_basis(store, org, campaign).await?)
}

/// The basis stored for a campaign the caller already holds (no ownership check of its own: a
/// campaign outside `org` reads as never chosen).
pub(crate) async fn stored_basis(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<BasisChoice, spendlens_store::StoreError> {
    Ok(choice_of(store.revenue_basis(org, campaign).await?))
}

/// The choice a stored `(basis, model)` makes; none stored is attribution by the default model.
pub(crate) fn choice_of(stored: Option<(String, String)>) -> BasisChoice {
    match stored {
        Some((basis, model)) => {
            let model = model.parse::<Model>().unwrap_or(DEFAULT_MODEL);
            match basis.as_str() {
                "platform_reported" => BasisChoice::PlatformReported,
                "mmm" => BasisChoice::Mmm,
                _ => BasisChoice::Attribution(model),
            }
        }
        None => BasisChoice::Attribution(DEFAULT_MODEL),
    }
}

/// Chooses the basis of a campaign's ROI (the API's `PUT revenue-basis`, the finance page's
/// form). Attribution with a model also sets the campaign's model.
pub async fn set_basis(
    ctx: &crate::context::Context,
    org: &OrgId,
    campaign: &CampaignId,
    choice: BasisChoice,
) -> Result<(), AppError> {
    let done = match choice {
        BasisChoice::Attribution(model) => {
            ctx.store
                .set_attribution_model(org, campaign, model.name(), ctx.now())
                .await?
        }
        BasisChoice::PlatformReported | BasisChoice::Mmm => {
            ctx.store
                .set_revenue_basis(
                    org,
                    campaign,
                    choice.code(),
                    DEFAULT_MODEL.name(),
                    ctx.now(),
                )
                .await?
        }
    };
    if done {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
