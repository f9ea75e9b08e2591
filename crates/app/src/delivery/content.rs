//! What a delivery says, per channel: an e-mail (subject, text, the report file attached), a
//! Slack message in the incoming-webhook format (`text` for notifications, `blocks` with a
//! section per alert or campaign), or the signed webhook's JSON event.
//!
//! The figures come from the same use cases as the pages and downloads: the financial report
//! from `finance::financial_report` and `finance::document::render` (so the PDF attached is the
//! one the report page downloads, byte for byte but for its generation date), a campaign's week
//! from `analysis::analyze_campaign` over the week's window, an alert as stored. Nothing here
//! computes a figure.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_core::DateWindow;
use spendlens_core::analysis::ComparisonPeriod;
use spendlens_finance::Period;
use spendlens_finance::encode::{money, ratio};
use spendlens_report::currency::{format_money, format_percent, grouped};
use spendlens_store::{Store, StoredDelivery};

use super::{Channel, ReportKind, Schedule};
use crate::analysis::{AsOf, analyze_campaign};
use crate::finance::ReportQuery;
use crate::finance::document::{Format, render};
use crate::labels::Label;
use crate::revenue_basis::Basis;
use spendlens_core::analysis::verdicts::{BorrowedValue, Verdicts};

/// A delivery's message, with what its channel needs.
#[derive(Debug, Clone)]
pub struct Content {
    pub subject: String,
    /// Plain text (the e-mail's body, Slack's notification text).
    pub text: String,
    /// File name, media type and bytes (e-mail only).
    pub attachment: Option<(String, String, Vec<u8>)>,
    /// One Slack section per block of text.
    pub sections: Vec<String>,
    /// The webhook's document.
    pub event: Value,
}

impl Content {
    /// The Slack incoming-webhook message: `text` (what notifications show) and `blocks`, a
    /// section of markdown text per alert or campaign (Slack caps a section at 3,000
    /// characters: longer text is cut). The subject and the text are escaped whole; the
    /// sections were written with their names escaped ([`slack_escape`]) around their own
    /// markup (bold names, the report's link).
    pub fn slack_message(&self) -> Value {
        let subject = slack_escape(&self.subject);
        let blocks: Vec<Value> = std::iter::once(&subject)
            .chain(self.sections.iter())
            .map(|text| {
                let text: String = text.chars().take(3000).collect();
                json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
            })
            .collect();
        let text: String = slack_escape(&self.text).chars().take(3000).collect();
        json!({"text": text, "blocks": blocks})
    }
}

/// Text as Slack shows it literally: `&`, `<` and `>` escaped as Slack asks, so a campaign
/// named `<!channel>` or `<https://…|Sign in again>` notifies nobody and links nowhere.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The platforms whose revenue rests on a value per conversion not their own, in words:
/// ", Meta Ads and Google Ads conversions valued at $180.00 each (LinkedIn conversion value)".
fn borrowed_words(borrowed: &[BorrowedValue], currency: &str) -> String {
    let Some(first) = borrowed.first() else {
        return String::new();
    };
    let names: Vec<&str> = borrowed.iter().map(|b| b.platform.label()).collect();
    format!(
        "; {} conversions valued at {} each ({})",
        crate::labels::sentence_list(&names),
        format_money(first.per_conversion, currency),
        first.from.label()
    )
}

/// Why a message could not be built (recorded on the delivery, shown on the finance page).
pub type BuildError = String;

/// Builds the message of `delivery` for `schedule`'s channel.
pub async fn build(
    store: &dyn Store,
    schedule: &Schedule,
    delivery: &StoredDelivery,
    public_base: &str,
    now: DateTime<Utc>,
) -> Result<Content, BuildError> {
    let d = &delivery.delivery;
    match schedule.kind {
        ReportKind::FinancialReport => {
            let (from, to) = period_of(d)?;
            financial_report(store, schedule, delivery, from, to, public_base, now).await
        }
        ReportKind::CampaignSummary => {
            let (from, to) = period_of(d)?;
            campaign_summary(store, schedule, delivery, from, to, now).await
        }
        ReportKind::BudgetAlerts => budget_alert(store, schedule, delivery).await,
    }
}

fn period_of(d: &spendlens_store::NewDelivery) -> Result<(NaiveDate, NaiveDate), BuildError> {
    d.period_from
        .zip(d.period_to)
        .ok_or_else(|| "the delivery has no period".to_owned())
}

/// The financial report of the slot's period: the file attached to an e-mail, its totals in
/// Slack with a link to the download, and the report's JSON document in the webhook's event.
async fn financial_report(
    store: &dyn Store,
    schedule: &Schedule,
    delivery: &StoredDelivery,
    from: NaiveDate,
    to: NaiveDate,
    public_base: &str,
    now: DateTime<Utc>,
) -> Result<Content, BuildError> {
    let period = Period::new(from, to).map_err(|m| format!("report period: {m}"))?;
    let (report, days) = crate::finance::financial_report(
        store,
        &schedule.org_id,
        &ReportQuery {
            period,
            currency: schedule.currency.clone(),
            rates: None,
        },
        now,
    )
    .await
    .map_err(|e| format!("report: {e}"))?;
    let t = report.totals.clone();
    let cur = report.currency.clone();
    let roi = t
        .roi_percentage
        .map_or_else(|| "n/a".to_owned(), format_percent);
    let roas = t.roas.map_or_else(|| "n/a".to_owned(), |r| grouped(r, 2));
    let net = t
        .net_revenue
        .map_or_else(|| "n/a".to_owned(), |n| format_money(n, &cur));
    let lines = [
        format!(
            "Total investment: {}",
            format_money(t.total_investment, &cur)
        ),
        format!(
            "Revenue (each campaign's basis): {}",
            format_money(t.attributed_revenue, &cur)
        ),
        match t.unmeasured_campaigns {
            0 => format!("Net revenue: {net} · ROI: {roi} · ROAS: {roas}"),
            n => format!(
                "Net revenue: {net} · ROI: {roi} · ROAS: {roas} (the {} of {} campaigns whose \
                 revenue is measured)",
                report.campaigns.len() - n,
                report.campaigns.len()
            ),
        },
        format!("Conversions: {}", grouped(t.conversions, 2)),
    ];
    let subject = format!("Financial report {from} – {to}");
    let channel = schedule.channel;
    let today = now.date_naive();
    let format = if channel == Channel::Webhook {
        Format::Json
    } else {
        schedule.format
    };
    // The file is rendered only for the channels that carry it (e-mail) or its JSON (webhook).
    let file = if channel == Channel::Slack {
        None
    } else {
        let rendered = tokio::task::spawn_blocking(move || render(&report, &days, format, today))
            .await
            .map_err(|e| format!("report task: {e}"))?
            .map_err(|e| format!("report rendering: {e}"))?;
        Some(rendered)
    };
    let name = format!("financial-report-{from}-{to}.{}", format.extension());
    let link = format!(
        "{public_base}/finance/report?from={from}&to={to}&format={}",
        schedule.format.extension()
    );
    let text = format!(
        "{subject} ({cur})\n\n{}\n\nThe full report is attached ({name}).\n",
        lines.join("\n")
    );
    let event = json!({
        "id": delivery.id,
        "type": "scheduled_report",
        "kind": schedule.kind.code(),
        "schedule_id": schedule.id,
        "organization_id": schedule.org_id.as_str(),
        "period": {"from": from.to_string(), "to": to.to_string()},
        "currency": cur,
        "totals": {
            "total_investment": money(t.total_investment),
            "attributed_revenue": money(t.attributed_revenue),
            "net_revenue": t.net_revenue.map(money),
            "roi_percentage": t.roi_percentage.map_or(Value::Null, ratio),
            "roas": t.roas.map_or(Value::Null, ratio),
            "conversions": money(t.conversions),
            "unmeasured_campaigns": t.unmeasured_campaigns,
        },
        "report": match (&file, channel) {
            (Some(bytes), Channel::Webhook) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
            _ => Value::Null,
        },
    });
    Ok(Content {
        text: if channel == Channel::Slack {
            format!("{subject}: {}", lines.join(" · "))
        } else {
            text
        },
        sections: vec![
            lines
                .iter()
                .map(|l| format!("• {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            format!(
                "<{link}|Download the {} report> (signing in to spendlens needed)",
                schedule.format.extension().to_uppercase()
            ),
        ],
        attachment: file
            .filter(|_| channel == Channel::Email)
            .map(|bytes| (name, format.content_type().to_owned(), bytes)),
        subject,
        event,
    })
}

/// Each campaign's week (or the one campaign's): spend, conversions, revenue, ROAS and the
/// health score, from the analysis of the week's window.
async fn campaign_summary(
    store: &dyn Store,
    schedule: &Schedule,
    delivery: &StoredDelivery,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Content, BuildError> {
    let org = &schedule.org_id;
    let campaigns = match &schedule.campaign_id {
        Some(id) => store
            .campaign(org, id)
            .await
            .map_err(|e| format!("campaigns: {e}"))?
            .into_iter()
            .collect(),
        None => store
            .list_campaigns(org)
            .await
            .map_err(|e| format!("campaigns: {e}"))?,
    };
    let window = DateWindow::new(from, to).map_err(|e| format!("summary period: {e}"))?;
    // Slack's sections (names escaped, in bold) and the e-mail's paragraphs (as written).
    let (mut sections, mut plain) = (Vec::new(), Vec::new());
    let mut rows = Vec::new();
    for c in &campaigns {
        let (campaign, a) = analyze_campaign(
            store,
            org,
            &c.id,
            AsOf::Window(window),
            now,
            ComparisonPeriod::SevenDays,
            None,
        )
        .await
        .map_err(|e| format!("analysis of {}: {e}", c.spec.name))?;
        let cur = a.currency.as_str();
        let verdicts = Verdicts::of(&a);
        let basis = Basis::of(&a, &verdicts);
        // Revenue and ROAS with what they rest on, as the campaign's page says it: never a
        // "revenue $0.00 · ROAS 0.00" for revenue nobody measured.
        let revenue = if basis.measured() {
            format!(
                "revenue {} ({}{}) · ROAS {}",
                format_money(a.totals.revenue, cur),
                basis.adjective(),
                borrowed_words(&verdicts.borrowed, cur),
                grouped(a.totals.roas, 2)
            )
        } else {
            "revenue not measured (no platform reports it and no conversion value is set)"
                .to_owned()
        };
        let health = match verdicts.lead_score {
            Some(score) if verdicts.score_assumed => {
                format!("health {score}/100 (on its measured parts)")
            }
            Some(score) => format!("health {score}/100 ({})", a.overview.health.rating.label()),
            None => "health not measured".to_owned(),
        };
        let figures = format!(
            "Spend {} · conversions {} · {revenue} · {health}",
            format_money(a.totals.spend, cur),
            grouped(a.totals.conversions, 2),
        );
        sections.push(format!(
            "*{}*\n{figures}",
            slack_escape(&campaign.spec.name)
        ));
        plain.push(format!("{}\n{figures}", campaign.spec.name));
        let measured = basis.measured();
        rows.push(json!({
            "campaign_id": campaign.id.as_str(),
            "name": campaign.spec.name,
            "currency": a.currency,
            "spend": money(a.totals.spend),
            "conversions": money(a.totals.conversions),
            "revenue": measured.then(|| money(a.totals.revenue)),
            "revenue_source": basis.code(),
            "roas": measured.then(|| ratio(a.totals.roas)),
            "health_score": verdicts.lead_score,
        }));
    }
    if campaigns.is_empty() {
        sections.push("No campaign yet.".to_owned());
        plain.push("No campaign yet.".to_owned());
    }
    let subject = format!("Campaign summary {from} – {to}");
    let text = format!("{subject}\n\n{}\n", plain.join("\n\n"));
    Ok(Content {
        event: json!({
            "id": delivery.id,
            "type": "scheduled_report",
            "kind": schedule.kind.code(),
            "schedule_id": schedule.id,
            "organization_id": org.as_str(),
            "period": {"from": from.to_string(), "to": to.to_string()},
            "campaigns": rows,
        }),
        text: if schedule.channel == Channel::Slack {
            format!("{subject}: {} campaigns", campaigns.len())
        } else {
            text
        },
        subject,
        attachment: None,
        sections,
    })
}

/// One budget alert, as raised and stored.
async fn budget_alert(
    store: &dyn Store,
    schedule: &Schedule,
    delivery: &StoredDelivery,
) -> Result<Content, BuildError> {
    let org = &schedule.org_id;
    let alert_id = delivery
        .delivery
        .alert_id
        .as_deref()
        .ok_or_else(|| "the delivery names no alert".to_owned())?;
    let alerts = store
        .alerts(org, None)
        .await
        .map_err(|e| format!("alerts: {e}"))?;
    let alert = alerts
        .iter()
        .find(|a| a.id == alert_id)
        .ok_or_else(|| "the alert is gone".to_owned())?;
    let campaign = store
        .campaign(org, &alert.campaign_id)
        .await
        .map_err(|e| format!("campaign: {e}"))?
        .map_or_else(|| alert.campaign_id.as_str().to_owned(), |c| c.spec.name);
    let a = &alert.alert;
    let cur = a.currency.as_str();
    let budget = a
        .budget
        .map_or_else(|| "no budget".to_owned(), |b| format_money(b, cur));
    let line = format!(
        "Spend {} of {budget} ({} used, pacing {}) as of {}",
        format_money(a.spend, cur),
        percent_of(a.used_pct),
        percent_of(a.pacing_pct),
        a.as_of
    );
    let subject = format!("Budget alert: {campaign} – {}", a.kind.label());
    Ok(Content {
        text: format!("{subject}\n\n{line}\n"),
        sections: vec![format!(
            "*{}*: {}\n{line}",
            slack_escape(&campaign),
            a.kind.label()
        )],
        attachment: None,
        event: crate::finance::webhook::payload(alert),
        subject,
    })
}

/// A stored percentage (`used_pct` is in percent) for people.
fn percent_of(value: Decimal) -> String {
    format_percent(value)
}
