//! The reconciliation panel of the campaign's finance page and its basis form (issue 15): the
//! walk from the platform-reported revenue the analysis shows to the ROI on the full
//! investment, each step with its amount (`spendlens_finance::reconcile`), and the choice of
//! what the ROI rests on (`spendlens_app::finance::basis`, the API's `PUT revenue-basis`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_app::finance::basis::{BasisChoice, campaign_basis, set_basis};
use spendlens_app::labels::Label;
use spendlens_attribution::Model;
use spendlens_finance::Reconciliation;
use spendlens_finance::books::RevenueBasis;

use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::format::{money, pct};
use crate::ui::session::SignedIn;
use crate::ui::{UiError, UiResult, see_other};

/// One step of the walk: what it is, its amount (signed where it moves the figure), and a
/// line saying what it rests on.
#[derive(Debug)]
pub struct StepView {
    pub key: &'static str,
    pub label: String,
    pub amount: String,
    pub note: String,
    /// A result line (a subtotal or a ROI), set in bold.
    pub total: bool,
}

/// One platform's line.
#[derive(Debug)]
pub struct PlatformView {
    pub key: &'static str,
    pub name: &'static str,
    pub spend: String,
    pub reported: String,
    pub recredited: String,
    pub credited: String,
}

/// One choice of the basis form.
#[derive(Debug)]
pub struct BasisOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The panel.
#[derive(Debug)]
pub struct ReconciliationView {
    pub steps: Vec<StepView>,
    pub platforms: Vec<PlatformView>,
    /// The basis actually used, as on every figure.
    pub used: String,
    /// Said when the choice did not decide the figure (attribution chosen, no touchpoints).
    pub mismatch: Option<String>,
    pub options: Vec<BasisOption>,
}

fn signed(amount: Decimal, currency: &str) -> String {
    if amount > Decimal::ZERO {
        format!("+{}", money(amount, currency))
    } else if amount < Decimal::ZERO {
        format!("−{}", money(-amount, currency))
    } else {
        money(amount, currency)
    }
}

fn roi_text(roi: Option<Decimal>, without: &str) -> String {
    roi.map_or_else(|| format!("n/a ({without})"), pct)
}

/// A return on revenue nobody measured is no return: the API has none, and the step says why
/// instead of "n/a".
fn qualified(text: String, basis: &RevenueBasis) -> String {
    if *basis == RevenueBasis::Unmeasured {
        "Not measured (no revenue is measured)".to_owned()
    } else {
        text
    }
}

/// The form's value of a choice: `platform_reported` or `attribution:<model>`.
fn option_value(choice: BasisChoice) -> String {
    match choice {
        BasisChoice::PlatformReported | BasisChoice::Mmm => choice.code().to_owned(),
        BasisChoice::Attribution(m) => format!("attribution:{}", m.name()),
    }
}

pub(super) fn reconciliation_view(w: &Reconciliation, choice: BasisChoice) -> ReconciliationView {
    let r = &w.roi;
    let cur = r.currency.as_str();
    let c = &r.costs;
    let recredit_label = match &r.revenue_basis {
        RevenueBasis::Attributed { label, .. } => format!("Re-credited by the {label} model"),
        RevenueBasis::Modelled { .. } => "Replaced by the marketing-mix model".to_owned(),
        RevenueBasis::PlatformReported | RevenueBasis::Unmeasured => {
            "Re-credited by an attribution model".to_owned()
        }
    };
    let recredit_note = match &r.revenue_basis {
        RevenueBasis::Attributed { .. } => {
            "the model shares the conversions out over the touchpoints of each journey; what it \
             credits to channels without ad spend here (email, organic) is not the campaign's \
             revenue, and leaves the walk in this step"
                .to_owned()
        }
        RevenueBasis::Modelled { .. } => {
            "the model's incremental revenue per channel in place of what the platforms claim"
                .to_owned()
        }
        _ => "none: the ROI rests on the platforms' own revenue".to_owned(),
    };
    let mut media_parts = vec![format!("ad spend {}", money(c.platform_spend, cur))];
    if !c.media_entries.is_zero() {
        media_parts.push(format!("media entries {}", money(c.media_entries, cur)));
    }
    if !c.channel_spend.is_zero() {
        media_parts.push(format!("offline channels {}", money(c.channel_spend, cur)));
    }
    let step = |key, label: String, amount: String, note: String, total| StepView {
        key,
        label,
        amount,
        note,
        total,
    };
    let mut steps = vec![
        step(
            "platform-reported-revenue",
            "Platform revenue".to_owned(),
            money(w.reported_revenue, cur),
            "as the analysis counts it: revenue the platforms report, else estimated from their conversions".to_owned(),
            false,
        ),
        step(
            "platform-reported-roi",
            "ROI on ad spend, platform revenue".to_owned(),
            qualified(roi_text(w.reported_roi, "no ad spend"), &r.revenue_basis),
            format!("on ad spend of {} (the analysis' formula over this period)", money(c.platform_spend, cur)),
            true,
        ),
        step("recredited", recredit_label, signed(w.recredited, cur), recredit_note, false),
        step(
            "offline-revenue",
            "of which offline channels".to_owned(),
            money(w.offline_credited, cur),
            "what the marketing-mix model says the named offline channels caused".to_owned(),
            false,
        ),
        step(
            "revenue",
            "Revenue the ROI rests on".to_owned(),
            money(r.attributed_revenue, cur),
            r.revenue_basis.label(),
            true,
        ),
        step(
            "media-cost",
            "Media cost".to_owned(),
            signed(-c.media(), cur),
            media_parts.join(", "),
            false,
        ),
        step(
            "media-roi",
            "Media ROI".to_owned(),
            qualified(roi_text(w.media_roi, "no media cost"), &r.revenue_basis),
            "revenue above over media cost".to_owned(),
            true,
        ),
        step(
            "beyond-media",
            "Costs beyond media".to_owned(),
            signed(-w.beyond_media, cur),
            format!(
                "creative production {}, platform fees {}, overhead {}, opportunity cost {}",
                money(c.creative, cur),
                money(c.platform_fees, cur),
                money(c.overhead, cur),
                money(c.opportunity, cur)
            ),
            false,
        ),
        step(
            "total-investment",
            "Total investment".to_owned(),
            money(r.total_investment, cur),
            "media cost + costs beyond media".to_owned(),
            true,
        ),
        step(
            "full-cost-roi",
            "ROI on the full investment".to_owned(),
            qualified(roi_text(r.roi_percentage, "nothing invested"), &r.revenue_basis),
            format!("the ROI above, {}", r.revenue_basis.label()),
            true,
        ),
    ];
    // Only a marketing-mix model gives offline channels revenue of their own.
    steps.retain(|s| s.key != "offline-revenue" || !w.offline_credited.is_zero());
    let platforms = w
        .platforms
        .iter()
        .map(|p| PlatformView {
            key: p.platform.as_str(),
            name: p.platform.label(),
            spend: money(p.spend, cur),
            reported: money(p.reported, cur),
            recredited: signed(p.recredited(), cur),
            credited: money(p.credited, cur),
        })
        .collect();
    let mismatch = spendlens_app::finance::basis::mismatch(choice, &r.revenue_basis);
    let mut options = vec![BasisOption {
        value: option_value(BasisChoice::PlatformReported),
        label: "Platform revenue (as the analysis)".to_owned(),
        selected: choice == BasisChoice::PlatformReported,
    }];
    options.extend(Model::ALL.iter().map(|m| {
        let this = BasisChoice::Attribution(*m);
        BasisOption {
            value: option_value(this),
            label: format!("Attributed by the {} model", m.label()),
            selected: choice == this,
        }
    }));
    options.push(BasisOption {
        value: option_value(BasisChoice::Mmm),
        label: "Modelled by the marketing-mix model".to_owned(),
        selected: choice == BasisChoice::Mmm,
    });
    ReconciliationView {
        steps,
        platforms,
        used: r.revenue_basis.label(),
        mismatch,
        options,
    }
}

/// The basis form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BasisForm {
    csrf: String,
    basis: String,
}

/// `POST /campaigns/{id}/finance/basis`: chooses what the campaign's ROI rests on.
pub async fn choose_basis(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<BasisForm>,
) -> UiResult<Response> {
    let org = &viewer.principal.org_id;
    let campaign = state.campaign(org, &id).await?;
    viewer.check(&state, &form.csrf)?;
    let current = campaign_basis(state.store.as_ref(), org, &campaign.id)
        .await
        .map_err(ApiError::from)?;
    let current_model = current
        .model()
        .unwrap_or(spendlens_app::attribution::DEFAULT_MODEL);
    let (code, model) = match form.basis.split_once(':') {
        Some((code, model)) => (code, Some(model)),
        None => (form.basis.as_str(), None),
    };
    let choice = BasisChoice::parse(code, model, current_model)
        .map_err(|e| UiError::BadRequest(e.to_string()))?;
    set_basis(&state.context(), org, &campaign.id, choice)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other(&format!(
        "/campaigns/{}/finance?saved=basis#reconciliation",
        campaign.id
    )))
}
