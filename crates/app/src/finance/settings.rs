//! The organisation's finance settings (cost of capital, the alert webhook, the exchange rates)
//! and a campaign's finance facts (people assigned, ROI attribution method): their rules, one
//! function per field, and the commands that change them.
//!
//! The request decoders (the API's JSON, the pages' forms) call the field rules where they read
//! each field, so every problem keeps its place among the decoding problems; the commands check
//! the whole patch again before writing, so no caller can skip a rule. The webhook secret is
//! sealed here, with the server's cipher, and never leaves sealed.

use rust_decimal::Decimal;
use secrecy::SecretString;
use spendlens_connect::outbound::{AllowList, Refusal, check_url};
use spendlens_core::campaign::{CampaignId, OrgId};
use spendlens_finance::{AttributionMethod, FinanceError, FinanceSettings, FxRate, RatesTable};
use spendlens_store::finance::{CampaignFinance, StoredFinanceSettings};
use spendlens_store::{Store, Written};

use super::{FinanceAppError, Problem};
use crate::context::Context;

/// The longest webhook secret accepted, in bytes.
pub const MAX_SECRET_BYTES: usize = 1024;

/// The longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// The most people a campaign can have assigned.
pub const MAX_HEADCOUNT: u32 = 100_000;

/// What a webhook secret must be (also the message for a value of the wrong type).
pub const SECRET_EXPECTED: &str = "expected a non-empty string of at most 1024 characters, or null";

/// What a headcount must be (also the message for a value of the wrong type).
pub const HEADCOUNT_EXPECTED: &str = "expected a whole number of people from 0 to 100000";

/// The settings of an organisation that never set any.
pub fn default_settings() -> StoredFinanceSettings {
    StoredFinanceSettings {
        cost_of_capital: FinanceSettings::default().cost_of_capital,
        webhook_url: None,
        webhook_secret_sealed: None,
        rates: Vec::new(),
    }
}

/// The organisation's stored settings, or the defaults.
pub async fn stored_settings(
    store: &dyn Store,
    org: &OrgId,
) -> Result<StoredFinanceSettings, FinanceAppError> {
    Ok(store
        .finance_settings(org)
        .await?
        .unwrap_or_else(default_settings))
}

/// An annual cost of capital: a fraction from 0 to 1 (`FinanceSettings::validate`'s rule).
pub fn cost_of_capital(rate: Decimal) -> Result<Decimal, String> {
    let settings = FinanceSettings {
        cost_of_capital: rate,
        ..FinanceSettings::default()
    };
    match settings.validate() {
        Err(FinanceError::InvalidSettings { errors }) => {
            match errors.into_iter().find(|e| e.field == "cost_of_capital") {
                Some(e) => Err(e.message),
                None => Ok(rate),
            }
        }
        _ => Ok(rate),
    }
}

/// A webhook URL: http or https with a host, at most [`MAX_URL_CHARS`], and under the outbound
/// rule: no credentials, no `localhost`, no loopback, private, link-local or other internal
/// address in any spelling, unless the operator's `allow` list names it (what a host name
/// resolves to is checked again at each delivery). Kept trimmed.
pub fn webhook_url(url: &str, allow: &AllowList) -> Result<String, String> {
    let url = url.trim();
    if url.len() > MAX_URL_CHARS {
        return Err(Refusal::NotHttp.to_string());
    }
    check_url(url, allow)
        .map(|_| url.to_owned())
        .map_err(|refusal| refusal.to_string())
}

/// A webhook secret to store: non-empty, at most [`MAX_SECRET_BYTES`], and a server that can
/// seal it (`can_seal`: it has a `secret_key`).
pub fn webhook_secret(secret: &str, can_seal: bool) -> Result<(), String> {
    if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
        Err(SECRET_EXPECTED.to_owned())
    } else if !can_seal {
        Err("the server has no secret_key to encrypt it with; set SPENDLENS_SECRET_KEY".to_owned())
    } else {
        Ok(())
    }
}

/// An exchange-rates table: codes trimmed and upper-cased, then `RatesTable`'s rules; each
/// problem names its element (`rates[2].to`).
pub fn rates(rates: Vec<FxRate>) -> Result<Vec<FxRate>, Vec<Problem>> {
    let rates: Vec<FxRate> = rates
        .into_iter()
        .map(|r| FxRate {
            from: r.from.trim().to_ascii_uppercase(),
            to: r.to.trim().to_ascii_uppercase(),
            rate: r.rate,
        })
        .collect();
    match RatesTable::new(&rates) {
        Err(FinanceError::InvalidRates { errors }) => Err(errors
            .into_iter()
            .map(|e| {
                // The message starts with the element's path (`rates[2].to ...`).
                match e.message.split_once(' ') {
                    Some((path, message)) => Problem::new(path, message),
                    None => Problem::new(e.field, e.message),
                }
            })
            .collect()),
        _ => Ok(rates),
    }
}

/// Changes to the organisation's settings: each `Some` is set, the rest kept.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub cost_of_capital: Option<Decimal>,
    /// `Some(None)` removes the webhook.
    pub webhook_url: Option<Option<String>>,
    /// Write-only: `Some(None)` removes the stored secret, `Some(Some(_))` seals and stores one.
    pub webhook_secret: Option<Option<SecretString>>,
    pub rates: Option<Vec<FxRate>>,
}

/// Changes the organisation's settings: every rule is checked (each problem naming its field)
/// and nothing is written when one fails; a new webhook secret is sealed with the server's
/// cipher. The changes are applied to the settings as stored and written only if they are still
/// so; when another writer came first they are applied again to what it stored, so two changes
/// of different settings made at once are both kept. Returns the settings as stored.
pub async fn update_settings(
    ctx: &Context,
    org: &OrgId,
    patch: SettingsPatch,
) -> Result<StoredFinanceSettings, FinanceAppError> {
    use secrecy::ExposeSecret;
    let mut problems = Vec::new();
    let cipher = ctx.webhooks.cipher.as_ref();
    let cost_of_capital = patch.cost_of_capital.and_then(|rate| {
        cost_of_capital(rate)
            .map_err(|m| problems.push(Problem::new("cost_of_capital", m)))
            .ok()
    });
    let webhook_url = match patch.webhook_url {
        None => None,
        Some(None) => Some(None),
        Some(Some(url)) => match webhook_url(&url, ctx.webhooks.outbound().allow_list()) {
            Ok(url) => Some(Some(url)),
            Err(m) => {
                problems.push(Problem::new("webhook_url", m));
                None
            }
        },
    };
    let webhook_secret_sealed = match patch.webhook_secret {
        None => None,
        Some(None) => Some(None),
        Some(Some(secret)) => match webhook_secret(secret.expose_secret(), cipher.is_some()) {
            Err(m) => {
                problems.push(Problem::new("webhook_secret", m));
                None
            }
            Ok(()) => match cipher {
                Some(cipher) => Some(Some(cipher.seal(&secret).map_err(|_| {
                    FinanceAppError::Internal("the webhook secret could not be sealed".to_owned())
                })?)),
                None => None,
            },
        },
    };
    let rates = patch
        .rates
        .and_then(|list| rates(list).map_err(|p| problems.extend(p)).ok());
    if !problems.is_empty() {
        return Err(FinanceAppError::Fields(problems));
    }
    for _ in 0..WRITE_ATTEMPTS {
        let read = ctx.store.finance_settings(org).await?;
        let mut next = read.clone().unwrap_or_else(default_settings);
        if let Some(rate) = cost_of_capital {
            next.cost_of_capital = rate;
        }
        if let Some(url) = &webhook_url {
            next.webhook_url.clone_from(url);
        }
        if let Some(sealed) = &webhook_secret_sealed {
            next.webhook_secret_sealed.clone_from(sealed);
        }
        if let Some(list) = &rates {
            next.rates.clone_from(list);
        }
        match ctx
            .store
            .put_finance_settings_if(org, read.as_ref(), &next, ctx.now())
            .await?
        {
            Written::Done(()) => return Ok(next),
            Written::Changed => continue,
            Written::Missing => return Err(FinanceAppError::NotFound("organisation")),
        }
    }
    Err(FinanceAppError::Conflict(
        "the finance settings were changed by others while this change was applied; nothing was saved, send it again"
            .to_owned(),
    ))
}

/// How many times [`update_settings`] applies a change again to what another writer stored.
const WRITE_ATTEMPTS: usize = 5;

/// The people assigned to a campaign: a whole number up to [`MAX_HEADCOUNT`] (`None`: the value
/// was not a whole number).
pub fn headcount(people: Option<u64>) -> Result<u32, String> {
    people
        .and_then(|h| u32::try_from(h).ok())
        .filter(|h| *h <= MAX_HEADCOUNT)
        .ok_or_else(|| HEADCOUNT_EXPECTED.to_owned())
}

/// The attribution method a campaign's ROI revenue follows.
pub fn attribution_method(code: &str) -> Result<AttributionMethod, String> {
    AttributionMethod::parse(code)
        .ok_or_else(|| "expected first_touch, last_touch or multi_touch".to_owned())
}

/// Changes to a campaign's finance facts: at least one of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct FactsPatch {
    pub headcount: Option<u32>,
    pub attribution_method: Option<AttributionMethod>,
}

/// A campaign's facts (people assigned, attribution method), or a 404 outside the organisation.
pub async fn facts(
    store: &dyn Store,
    org: &OrgId,
    campaign: &CampaignId,
) -> Result<CampaignFinance, FinanceAppError> {
    store
        .campaign_finance(org, campaign)
        .await?
        .ok_or(FinanceAppError::NotFound("campaign"))
}

/// Changes a campaign's facts; returns them as stored.
pub async fn update_facts(
    ctx: &Context,
    org: &OrgId,
    campaign: &CampaignId,
    patch: FactsPatch,
) -> Result<CampaignFinance, FinanceAppError> {
    facts(ctx.store.as_ref(), org, campaign).await?;
    if patch.headcount.is_none() && patch.attribution_method.is_none() {
        return Err(FinanceAppError::Invalid {
            field: "headcount".to_owned(),
            message: "missing".to_owned(),
        });
    }
    if let Some(h) = patch.headcount {
        headcount(Some(u64::from(h))).map_err(|message| FinanceAppError::Invalid {
            field: "headcount".to_owned(),
            message,
        })?;
    }
    // Only the facts given are set, in one statement: a change of the other one made at the
    // same moment is kept.
    if !ctx
        .store
        .put_campaign_finance(
            org,
            campaign,
            patch.headcount,
            patch.attribution_method,
            ctx.now(),
        )
        .await?
    {
        return Err(FinanceAppError::NotFound("campaign"));
    }
    let next = facts(ctx.store.as_ref(), org, campaign).await?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_rule_names_its_problem() {
        assert!(cost_of_capital(Decimal::new(8, 2)).is_ok());
        assert_eq!(
            cost_of_capital(Decimal::from(2)).err().as_deref(),
            Some("must be an annual rate between 0 and 1 (0.08 for 8 %)")
        );
        let none = AllowList::default();
        assert_eq!(
            webhook_url(" https://h.example/x ", &none).ok().as_deref(),
            Some("https://h.example/x")
        );
        assert!(
            webhook_url("ftp://x", &none).is_err() && webhook_url("https:///x", &none).is_err()
        );
        assert_eq!(
            webhook_url("http://0x7f000001:6379/", &none)
                .err()
                .as_deref(),
            Some(
                "127.0.0.1 is a loopback address; use a public host (an operator can allow an internal one with webhooks.allow_private)"
            )
        );
        let long = format!("https://h.example/{}", "x".repeat(MAX_URL_CHARS));
        assert!(webhook_url(&long, &none).is_err());
        assert!(webhook_secret("s", true).is_ok());
        assert_eq!(
            webhook_secret("", true).err().as_deref(),
            Some(SECRET_EXPECTED)
        );
        assert!(webhook_secret("s", false).is_err_and(|m| m.contains("secret_key")));
        assert_eq!(headcount(Some(3)), Ok(3));
        assert!(headcount(Some(100_001)).is_err() && headcount(None).is_err());
        let bad = rates(vec![FxRate {
            from: " eur".into(),
            to: "EUR".into(),
            rate: Decimal::ONE,
        }]);
        assert_eq!(
            bad.err().map(|p| p[0].field.clone()).as_deref(),
            Some("rates[0].to")
        );
    }
}
