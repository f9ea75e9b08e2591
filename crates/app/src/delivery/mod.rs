//! Scheduled deliveries: the financial report (PDF or XLSX) and a weekly campaign summary sent by
//! e-mail, to Slack or to the organisation's signed webhook on a weekly or monthly slot, and
//! budget alerts sent to e-mail or Slack as they are raised.
//!
//! A schedule is one typed command ([`ScheduleCommand`], decoded by the API's JSON and the
//! finance page's form alike) checked here field by field; the Slack URL is a user's URL, so it
//! follows the outbound rule of webhooks and is sealed with the server's key before it is
//! stored, never shown again. The sending is [`sweep`]'s: each due slot is claimed once in the
//! store, whatever the number of instances, built through the same use cases as the downloads
//! (`finance::financial_report` and its renderer, `analysis::analyze_campaign`), sent, and
//! recorded with its attempts, retried with backoff until [`sweep::MAX_ATTEMPTS`].

pub mod content;
mod mail;
pub mod outbox;
pub mod slot;
pub mod sweep;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_store::{NewSchedule, Store, StoredSchedule};

pub use mail::{Mail, MailFailure, MailSettings, Mailer, is_address};
pub use slot::Cadence;

use crate::finance::document::Format;
use crate::finance::webhook::WebhookSender;
use crate::{AppError, Problem};

/// The most schedules an organisation can have.
pub const MAX_SCHEDULES: usize = 50;

/// The most recipients of one e-mail schedule.
pub const MAX_RECIPIENTS: usize = 20;

/// What a schedule sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The organisation's financial report as a file.
    FinancialReport,
    /// Each campaign's week (or one campaign's).
    CampaignSummary,
    /// Each budget alert, as it is raised.
    BudgetAlerts,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::FinancialReport,
        ReportKind::CampaignSummary,
        ReportKind::BudgetAlerts,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReportKind::FinancialReport => "financial_report",
            ReportKind::CampaignSummary => "campaign_summary",
            ReportKind::BudgetAlerts => "budget_alerts",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::FinancialReport => "Financial report",
            ReportKind::CampaignSummary => "Weekly campaign summary",
            ReportKind::BudgetAlerts => "Budget alerts",
        }
    }

    pub fn parse(code: &str) -> Option<ReportKind> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }
}

/// Where a schedule sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    /// A Slack incoming webhook (its URL sealed in the schedule).
    Slack,
    /// The organisation's signed webhook (finance settings).
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Slack, Channel::Webhook];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Slack => "slack",
            Channel::Webhook => "webhook",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "E-mail",
            Channel::Slack => "Slack",
            Channel::Webhook => "Signed webhook",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// A schedule as the use cases read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: String,
    pub org_id: OrgId,
    pub kind: ReportKind,
    /// The file of a financial report (PDF or XLSX).
    pub format: Format,
    /// The financial report's currency; `None`: the campaigns' most common.
    pub currency: Option<String>,
    /// The one campaign of a summary or of alerts; `None`: every campaign.
    pub campaign_id: Option<CampaignId>,
    pub channel: Channel,
    pub recipients: Vec<String>,
    pub slack_url_sealed: Option<String>,
    pub cadence: Cadence,
    pub created_at: DateTime<Utc>,
}

impl Schedule {
    /// The schedule of a stored row; `None` for a row whose codes no longer read (skipped by
    /// the scheduler rather than guessed at).
    pub fn of(stored: &StoredSchedule) -> Option<Schedule> {
        let s = &stored.schedule;
        Some(Schedule {
            id: stored.id.clone(),
            org_id: stored.org_id.clone(),
            kind: ReportKind::parse(&s.kind)?,
            format: s
                .format
                .as_deref()
                .and_then(Format::parse)
                .unwrap_or(Format::Pdf),
            currency: s.currency.clone(),
            campaign_id: s.campaign_id.clone(),
            channel: Channel::parse(&s.channel)?,
            recipients: s.recipients.clone(),
            slack_url_sealed: s.slack_url_sealed.clone(),
            cadence: Cadence::of(&s.cadence, s.day)?,
            created_at: stored.created_at,
        })
    }
}

/// What sends deliveries: the webhook sender (its outbound-guarded client and the cipher of
/// sealed URLs), the SMTP mailer when the server has one, and the address of the server for the
/// links in messages.
#[derive(Debug, Clone)]
pub struct Deliverer {
    pub webhooks: Arc<WebhookSender>,
    pub mailer: Option<Mailer>,
    /// `https://spendlens.example.com`, no trailing slash.
    pub public_base: String,
}

/// A new schedule as typed by a person or a client; [`create`] checks every field.
#[derive(Debug, Default)]
pub struct ScheduleCommand {
    pub kind: String,
    pub format: Option<String>,
    pub currency: Option<String>,
    pub campaign_id: Option<String>,
    pub channel: String,
    pub recipients: Vec<String>,
    pub slack_url: Option<SecretString>,
    /// `weekly`, `monthly`; `immediate` (the default) for budget alerts.
    pub cadence: Option<String>,
    /// For weekly: `monday`…`sunday`.
    pub weekday: Option<String>,
    /// For monthly: 1–28.
    pub day: Option<u32>,
}

/// Checks a command, seals its Slack URL and stores the schedule of `org`. Every problem is
/// named by its field; a campaign of another organisation is `campaign_id: not found`.
pub async fn create(
    store: &dyn Store,
    deliverer: &Deliverer,
    org: &OrgId,
    cmd: ScheduleCommand,
    now: DateTime<Utc>,
) -> Result<Schedule, AppError> {
    let mut problems = Vec::new();
    let kind = ReportKind::parse(&cmd.kind);
    if kind.is_none() {
        problems.push(Problem::new(
            "kind",
            "expected one of financial_report, campaign_summary, budget_alerts",
        ));
    }
    let channel = Channel::parse(&cmd.channel);
    if channel.is_none() {
        problems.push(Problem::new(
            "channel",
            "expected one of email, slack, webhook",
        ));
    }
    let cadence = cadence_of(kind, &cmd, &mut problems);
    let (format, currency) = report_fields(kind, &cmd, &mut problems);
    let campaign_id = cmd
        .campaign_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if campaign_id.is_some() && kind == Some(ReportKind::FinancialReport) {
        problems.push(Problem::new(
            "campaign_id",
            "the financial report covers the whole organisation; leave the campaign out",
        ));
    }
    let (recipients, slack_url_sealed) =
        channel_fields(store, deliverer, org, kind, channel, &cmd, &mut problems).await?;
    if store.schedules(org).await?.len() >= MAX_SCHEDULES {
        problems.push(Problem::new(
            "kind",
            format!("an organisation has at most {MAX_SCHEDULES} schedules; delete one first"),
        ));
    }
    let (Some(kind), Some(channel), Some(cadence), true) =
        (kind, channel, cadence, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    let stored = store
        .create_schedule(
            org,
            &NewSchedule {
                kind: kind.code().to_owned(),
                format: (kind == ReportKind::FinancialReport)
                    .then(|| format.extension().to_owned()),
                currency,
                campaign_id: campaign_id.map(CampaignId::new),
                channel: channel.code().to_owned(),
                recipients,
                slack_url_sealed,
                cadence: cadence.code().to_owned(),
                day: cadence.day(),
            },
            now,
        )
        .await?
        .ok_or_else(|| AppError::invalid("campaign_id", "no such campaign"))?;
    Schedule::of(&stored).ok_or_else(|| AppError::invalid("kind", "the schedule did not store"))
}

/// The cadence of a command: weekly needs a weekday, monthly a day 1–28; a campaign summary is
/// weekly and budget alerts are sent at once.
fn cadence_of(
    kind: Option<ReportKind>,
    cmd: &ScheduleCommand,
    problems: &mut Vec<Problem>,
) -> Option<Cadence> {
    let code = cmd.cadence.as_deref().map(str::trim).unwrap_or_default();
    let cadence = match (kind, code) {
        (Some(ReportKind::BudgetAlerts), "" | "immediate") => Some(Cadence::Immediate),
        (Some(ReportKind::BudgetAlerts), _) => {
            problems.push(Problem::new(
                "cadence",
                "budget alerts are sent as they are raised: leave the cadence out",
            ));
            return None;
        }
        (_, "weekly") => {
            let day = cmd.weekday.as_deref().and_then(slot::weekday_of_name);
            if day.is_none() {
                problems.push(Problem::new(
                    "weekday",
                    "expected a weekday: monday, tuesday, wednesday, thursday, friday, saturday or sunday",
                ));
            }
            day.map(Cadence::Weekly)
        }
        (_, "monthly") => {
            let day = cmd.day.filter(|d| (1..=slot::LAST_MONTHLY_DAY).contains(d));
            if day.is_none() {
                problems.push(Problem::new(
                    "day",
                    "expected a day of the month from 1 to 28 (every month has it)",
                ));
            }
            day.map(Cadence::Monthly)
        }
        _ => {
            problems.push(Problem::new("cadence", "expected weekly or monthly"));
            return None;
        }
    };
    if kind == Some(ReportKind::CampaignSummary) && !matches!(cadence, Some(Cadence::Weekly(_))) {
        problems.push(Problem::new(
            "cadence",
            "the campaign summary is weekly: choose weekly and a weekday",
        ));
        return None;
    }
    cadence
}

/// The report's format (pdf or xlsx, default pdf) and currency (an ISO 4217 code, default the
/// campaigns' most common); only a financial report takes them.
fn report_fields(
    kind: Option<ReportKind>,
    cmd: &ScheduleCommand,
    problems: &mut Vec<Problem>,
) -> (Format, Option<String>) {
    let format_text = cmd.format.as_deref().map(str::trim).unwrap_or_default();
    let currency_text = cmd.currency.as_deref().map(str::trim).unwrap_or_default();
    if kind != Some(ReportKind::FinancialReport) {
        if !format_text.is_empty() {
            problems.push(Problem::new(
                "format",
                "only the financial report has a file format",
            ));
        }
        if !currency_text.is_empty() {
            problems.push(Problem::new(
                "currency",
                "only the financial report has a currency",
            ));
        }
        return (Format::Pdf, None);
    }
    let format = match Format::parse(format_text) {
        _ if format_text.is_empty() => Format::Pdf,
        Some(f @ (Format::Pdf | Format::Xlsx)) => f,
        _ => {
            problems.push(Problem::new("format", "expected pdf or xlsx"));
            Format::Pdf
        }
    };
    let currency = match crate::finance::report_currency(currency_text) {
        Ok(c) => c,
        Err(message) => {
            problems.push(Problem::new("currency", message));
            None
        }
    };
    (format, currency)
}

/// The recipients of e-mail, or the sealed Slack URL; the webhook channel needs the
/// organisation's webhook. Each channel's fields are refused on another channel.
async fn channel_fields(
    store: &dyn Store,
    deliverer: &Deliverer,
    org: &OrgId,
    kind: Option<ReportKind>,
    channel: Option<Channel>,
    cmd: &ScheduleCommand,
    problems: &mut Vec<Problem>,
) -> Result<(Vec<String>, Option<String>), AppError> {
    let recipients: Vec<String> = cmd
        .recipients
        .iter()
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty())
        .collect();
    let slack = cmd
        .slack_url
        .as_ref()
        .map(|u| u.expose_secret().trim().to_owned())
        .filter(|u| !u.is_empty());
    if channel != Some(Channel::Email) && !recipients.is_empty() {
        problems.push(Problem::new("recipients", "only e-mail has recipients"));
    }
    if channel != Some(Channel::Slack) && slack.is_some() {
        problems.push(Problem::new("slack_url", "only Slack has a webhook URL"));
    }
    match channel {
        Some(Channel::Email) => {
            if deliverer.mailer.is_none() {
                problems.push(Problem::new(
                    "channel",
                    "the server has no SMTP settings to send e-mail with; ask its operator to set SPENDLENS_SMTP__HOST",
                ));
            }
            if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
                problems.push(Problem::new(
                    "recipients",
                    format!("expected 1 to {MAX_RECIPIENTS} e-mail addresses"),
                ));
            }
            for (i, r) in recipients.iter().enumerate() {
                if !is_address(r) {
                    problems.push(Problem::new(
                        format!("recipients[{i}]"),
                        format!("\"{r}\" is not an e-mail address"),
                    ));
                }
            }
            Ok((recipients, None))
        }
        Some(Channel::Slack) => {
            let Some(url) = slack else {
                problems.push(Problem::new(
                    "slack_url",
                    "expected the Slack incoming-webhook URL (https://hooks.slack.com/services/…)",
                ));
                return Ok((Vec::new(), None));
            };
            let allow = deliverer.webhooks.outbound().allow_list();
            if let Err(message) = crate::finance::settings::webhook_url(&url, allow) {
                problems.push(Problem::new("slack_url", message));
                return Ok((Vec::new(), None));
            }
            let Some(cipher) = deliverer.webhooks.cipher.as_ref() else {
                problems.push(Problem::new(
                    "slack_url",
                    "the server has no secret_key to encrypt it with; set SPENDLENS_SECRET_KEY",
                ));
                return Ok((Vec::new(), None));
            };
            let sealed = cipher
                .seal(&SecretString::from(url))
                .map_err(|_| AppError::invalid("slack_url", "the URL could not be encrypted"))?;
            Ok((Vec::new(), Some(sealed)))
        }
        Some(Channel::Webhook) => {
            if kind == Some(ReportKind::BudgetAlerts) {
                problems.push(Problem::new(
                    "channel",
                    "the organisation's webhook receives every budget alert already",
                ));
            }
            let has_webhook = store
                .finance_settings(org)
                .await?
                .is_some_and(|s| s.webhook_url.is_some());
            if !has_webhook {
                problems.push(Problem::new(
                    "channel",
                    "the organisation has no webhook: set one in the finance settings first",
                ));
            }
            Ok((Vec::new(), None))
        }
        None => Ok((Vec::new(), None)),
    }
}

/// The organisation's schedules, oldest first (rows that no longer read are left out).
pub async fn list(store: &dyn Store, org: &OrgId) -> Result<Vec<Schedule>, AppError> {
    Ok(store
        .schedules(org)
        .await?
        .iter()
        .filter_map(Schedule::of)
        .collect())
}

/// Deletes a schedule of `org` with its deliveries; [`AppError::NotFound`] when there is none.
pub async fn delete(store: &dyn Store, org: &OrgId, id: &str) -> Result<(), AppError> {
    if store.delete_schedule(org, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
