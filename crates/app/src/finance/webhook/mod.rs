//! Delivering budget alerts, and connections' re-authorisation reminders, to the organisation's
//! webhook.
//!
//! A POST of one JSON document per alert, retried with exponential backoff on a network error or
//! a non-2xx answer; when a secret is set, the body is signed with HMAC-SHA256 and the signature
//! sent as `X-Spendlens-Signature: sha256=<hex>` (the receiver recomputes it over the raw body).
//! `X-Spendlens-Alert-Id` lets a receiver drop a repeat: a delivery whose answer was lost is sent
//! again by the next sweep, so delivery is at least once.
//!
//! The secret is stored sealed with the server's `secret_key` (AES-256-GCM, see
//! `spendlens_connect::TokenCipher`), opened only to sign, and never logged or returned.
//!
//! The URL is the user's, so the request follows the outbound rule
//! (`spendlens_connect::outbound`): the URL is checked again before each delivery, names resolve
//! only to public addresses (or the operator's `webhooks.allow_private`), redirects are not
//! followed. What a failed delivery records is a category ([`DeliveryFailure`]: "connection
//! refused", "HTTP 500", "address not allowed"…), never the receiver's answer, so the alerts page
//! cannot be used to read what an internal host says.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use spendlens_core::campaign::OrgId;
use spendlens_finance::encode::{money, ratio};
use spendlens_store::Store;
use spendlens_store::finance::StoredAlert;

pub use failure::DeliveryFailure;
pub use spendlens_connect::TokenCipher;
pub use spendlens_connect::outbound::{AllowList, AllowListError, Outbound};

mod failure;

/// How many sweeps try an undelivered alert before giving up on it.
pub const MAX_DELIVERIES: u32 = 5;

/// Retries within one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per delivery, the first included.
    pub attempts: u32,
    /// The wait before the second request; doubled before each next one.
    pub first_delay: Duration,
    /// The time limit of one request.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// 4 requests, waiting 1 s, 2 s, 4 s; 10 s per request.
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

/// The `[webhooks]` section of the server settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookSettings {
    /// Internal networks (`10.0.0.0/8`), addresses (`127.0.0.1`) and host names
    /// (`hooks.internal`) a webhook may be sent to although they are not public. Empty: public
    /// hosts only.
    pub allow_private: Vec<String>,
}

impl WebhookSettings {
    /// The allow-list, or the first entry that is not an address, a network or a host name.
    pub fn allow_list(&self) -> Result<AllowList, AllowListError> {
        AllowList::parse(&self.allow_private)
    }
}

/// What delivers alerts: an HTTP client under the outbound rule, the cipher that opens stored
/// secrets, the retries.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    /// `None` only if the HTTP client could not be built: deliveries then fail, rather than go
    /// out through a client without the outbound rule.
    client: Option<reqwest::Client>,
    /// `None` when the server has no `secret_key`: secrets can then be neither stored nor used.
    pub cipher: Option<TokenCipher>,
    pub policy: RetryPolicy,
    outbound: Outbound,
}

impl WebhookSender {
    /// A sender with its own client, which resolves names through `outbound`'s guard and follows
    /// no redirect.
    pub fn new(cipher: Option<TokenCipher>, policy: RetryPolicy, outbound: Outbound) -> Self {
        let client = match outbound.client_builder().timeout(policy.timeout).build() {
            Ok(client) => Some(client),
            Err(e) => {
                tracing::error!(error = %e, "the webhook HTTP client could not be built; alerts will not be delivered");
                None
            }
        };
        WebhookSender {
            client,
            cipher,
            policy,
            outbound,
        }
    }

    /// The outbound rule: what a saved webhook URL is checked against.
    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }
}

/// The JSON body of an alert.
pub fn payload(alert: &StoredAlert) -> Value {
    let a = &alert.alert;
    json!({
        "id": alert.id,
        "type": "budget_alert",
        "organization_id": alert.org_id.as_str(),
        "campaign_id": alert.campaign_id.as_str(),
        "kind": a.kind.as_str(),
        "as_of": a.as_of.to_string(),
        "used_pct": ratio(a.used_pct),
        "pacing_pct": ratio(a.pacing_pct),
        "spend": money(a.spend),
        "budget": a.budget.map_or(Value::Null, money),
        "currency": a.currency,
        "raised_at": alert.raised_at.to_rfc3339(),
    })
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &SecretString, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this branch cannot be reached.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends one alert, retrying per the policy. The URL is checked against the outbound rule first
/// (the allow-list may have changed since it was saved, and a literal address never meets the
/// resolver). The error is the category of what the last try met, never the secret nor any text
/// of the answer.
pub async fn send(
    sender: &WebhookSender,
    url: &str,
    secret: Option<&SecretString>,
    alert: &StoredAlert,
) -> Result<(), DeliveryFailure> {
    send_event(sender, url, secret, &alert.id, &payload(alert)).await
}

/// Sends one event document (a budget alert, a connection's re-authorisation reminder) with the
/// same rule, signature and retries as [`send`]; `id` goes in `X-Spendlens-Alert-Id`, so a
/// receiver drops a repeat.
pub async fn send_event(
    sender: &WebhookSender,
    url: &str,
    secret: Option<&SecretString>,
    id: &str,
    event: &Value,
) -> Result<(), DeliveryFailure> {
    let target = sender
        .outbound
        .check_url(url)
        .map_err(|refusal| match refusal {
            spendlens_connect::outbound::Refusal::NotHttp => DeliveryFailure::InvalidUrl,
            _ => DeliveryFailure::AddressNotAllowed,
        })?;
    let client = sender.client.as_ref().ok_or(DeliveryFailure::NotSent)?;
    let body = serde_json::to_vec(event).map_err(|_| DeliveryFailure::NotSent)?;
    let mut delay = sender.policy.first_delay;
    let mut last = DeliveryFailure::NotSent;
    for attempt in 0..sender.policy.attempts.max(1) {
        if attempt > 0 {
            if !last.is_transient() {
                break;
            }
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        let mut request = client
            .post(target.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Spendlens-Alert-Id", id)
            .body(body.clone());
        if let Some(secret) = secret {
            request = request.header("X-Spendlens-Signature", signature(secret, &body));
        }
        match request.send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = DeliveryFailure::Http(r.status().as_u16()),
            Err(e) => last = DeliveryFailure::of(&e),
        }
    }
    Err(last)
}

/// The organisation's webhook: its URL and opened secret, `None` when it has none.
async fn target_of(
    store: &dyn Store,
    sender: &WebhookSender,
    org: &OrgId,
) -> Result<
    Option<(String, Result<Option<SecretString>, DeliveryFailure>)>,
    spendlens_store::StoreError,
> {
    Ok(store.finance_settings(org).await?.and_then(|s| {
        s.webhook_url.map(|url| {
            let secret = match (&s.webhook_secret_sealed, &sender.cipher) {
                (None, _) => Ok(None),
                (Some(blob), Some(cipher)) => cipher
                    .open(blob)
                    .map(Some)
                    .map_err(|_| DeliveryFailure::SecretUnreadable),
                (Some(_), None) => Err(DeliveryFailure::NoSecretKey),
            };
            (url, secret)
        })
    }))
}

/// Delivers one event to the organisation's webhook: `Ok(true)` when delivered, `Ok(false)` when
/// the organisation has no webhook, the failure's category otherwise.
pub async fn deliver_event(
    store: &dyn Store,
    sender: &WebhookSender,
    org: &OrgId,
    id: &str,
    event: &Value,
) -> Result<bool, DeliveryFailure> {
    let target = target_of(store, sender, org).await.map_err(|e| {
        tracing::warn!(error = %e, "webhook settings not read");
        DeliveryFailure::NotSent
    })?;
    let Some((url, secret)) = target else {
        return Ok(false);
    };
    let secret = secret?;
    send_event(sender, &url, secret.as_ref(), id, event).await?;
    Ok(true)
}

/// Delivers each alert to its organisation's webhook (organisations without one are skipped)
/// and records every attempt.
pub async fn deliver_all(
    store: &dyn Store,
    sender: &WebhookSender,
    alerts: &[StoredAlert],
    now: DateTime<Utc>,
) {
    type Target = Option<(String, Result<Option<SecretString>, DeliveryFailure>)>;
    let mut targets: HashMap<OrgId, Target> = HashMap::new();
    for alert in alerts {
        if !targets.contains_key(&alert.org_id) {
            let target = match target_of(store, sender, &alert.org_id).await {
                Ok(target) => target,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook settings not read");
                    continue;
                }
            };
            targets.insert(alert.org_id.clone(), target);
        }
        let Some(Some((url, secret))) = targets.get(&alert.org_id) else {
            continue;
        };
        let outcome = match secret {
            Ok(secret) => send(sender, url, secret.as_ref(), alert).await,
            Err(reason) => Err(*reason),
        };
        let recorded = match &outcome {
            Ok(()) => store.mark_alert_attempt(&alert.id, Some(now), None).await,
            Err(reason) => {
                tracing::warn!(alert = %alert.id, campaign = %alert.campaign_id, %reason, "webhook delivery failed");
                store
                    .mark_alert_attempt(&alert.id, None, Some(&reason.to_string()))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(alert = %alert.id, error = %e, "webhook attempt not recorded");
        }
    }
}

#[cfg(test)]
mod tests;
