//! Delivering budget alerts to the organisation's webhook.
//!
//! A POST of one JSON document per alert, retried with exponential backoff on a network error or
//! a non-2xx answer; when a secret is set, the body is signed with HMAC-SHA256 and the signature
//! sent as `X-Spendlens-Signature: sha256=<hex>` (the receiver recomputes it over the raw body).
//! `X-Spendlens-Alert-Id` lets a receiver drop a repeat: a delivery whose answer was lost is sent
//! again by the next sweep, so delivery is at least once.
//!
//! The secret is stored sealed with the server's `secret_key` (AES-256-GCM, see
//! `spendlens_connect::TokenCipher`), opened only to sign, and never logged or returned.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::Sha256;
use spendlens_core::campaign::OrgId;
use spendlens_finance::encode::{money, ratio};
use spendlens_store::Store;
use spendlens_store::finance::StoredAlert;

pub use spendlens_connect::TokenCipher;

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

/// What delivers alerts: an HTTP client, the cipher that opens stored secrets, the retries.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    pub client: reqwest::Client,
    /// `None` when the server has no `secret_key`: secrets can then be neither stored nor used.
    pub cipher: Option<TokenCipher>,
    pub policy: RetryPolicy,
}

impl WebhookSender {
    /// A sender with its own client.
    pub fn new(cipher: Option<TokenCipher>, policy: RetryPolicy) -> Self {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        WebhookSender {
            client,
            cipher,
            policy,
        }
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

/// Sends one alert, retrying per the policy. The error says what the last try met (status or
/// network problem), never the secret.
pub async fn send(
    sender: &WebhookSender,
    url: &str,
    secret: Option<&SecretString>,
    alert: &StoredAlert,
) -> Result<(), String> {
    let body = serde_json::to_vec(&payload(alert)).map_err(|e| e.to_string())?;
    let mut delay = sender.policy.first_delay;
    let mut last = String::from("not sent");
    for attempt in 0..sender.policy.attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        let mut request = sender
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Spendlens-Alert-Id", alert.id.as_str())
            .body(body.clone());
        if let Some(secret) = secret {
            request = request.header("X-Spendlens-Signature", signature(secret, &body));
        }
        match request.send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("the webhook answered {}", r.status()),
            Err(e) => {
                last = if e.is_timeout() {
                    "the webhook did not answer in time".to_owned()
                } else {
                    "the webhook could not be reached".to_owned()
                };
            }
        }
    }
    Err(last)
}

/// Delivers each alert to its organisation's webhook (organisations without one are skipped)
/// and records every attempt.
pub async fn deliver_all(
    store: &dyn Store,
    sender: &WebhookSender,
    alerts: &[StoredAlert],
    now: DateTime<Utc>,
) {
    type Target = Option<(String, Result<Option<SecretString>, String>)>;
    let mut targets: HashMap<OrgId, Target> = HashMap::new();
    for alert in alerts {
        if !targets.contains_key(&alert.org_id) {
            let target = match store.finance_settings(&alert.org_id).await {
                Ok(Some(s)) => s.webhook_url.map(|url| {
                    let secret = match (&s.webhook_secret_sealed, &sender.cipher) {
                        (None, _) => Ok(None),
                        (Some(blob), Some(cipher)) => cipher.open(blob).map(Some).map_err(|_| {
                            "the webhook secret cannot be opened (was secret_key changed?)"
                                .to_owned()
                        }),
                        (Some(_), None) => Err(
                            "a webhook secret is stored but the server has no secret_key"
                                .to_owned(),
                        ),
                    };
                    (url, secret)
                }),
                Ok(None) => None,
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
            Err(reason) => Err(reason.clone()),
        };
        let recorded = match &outcome {
            Ok(()) => store.mark_alert_attempt(&alert.id, Some(now), None).await,
            Err(reason) => {
                tracing::warn!(alert = %alert.id, campaign = %alert.campaign_id, %reason, "webhook delivery failed");
                store
                    .mark_alert_attempt(&alert.id, None, Some(reason))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(alert = %alert.id, error = %e, "webhook attempt not recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;
    use spendlens_core::campaign::CampaignId;
    use spendlens_finance::AlertKind;
    use spendlens_store::finance::NewAlert;
    use wiremock::matchers::{header, header_exists, method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    fn alert() -> StoredAlert {
        StoredAlert {
            id: "alert-1".into(),
            org_id: OrgId::new("org-1"),
            campaign_id: CampaignId::new("c-1"),
            alert: NewAlert {
                kind: AlertKind::Budget95,
                as_of: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default(),
                used_pct: dec!(95.5),
                pacing_pct: dec!(120),
                spend: dec!(955),
                budget: Some(dec!(1000)),
                currency: "USD".into(),
            },
            raised_at: DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
                .map(|t| t.to_utc())
                .unwrap_or_default(),
            delivered_at: None,
            attempts: 0,
            last_error: None,
        }
    }

    fn fast(attempts: u32) -> WebhookSender {
        WebhookSender::new(
            None,
            RetryPolicy {
                attempts,
                first_delay: Duration::from_millis(10),
                timeout: Duration::from_secs(5),
            },
        )
    }

    #[tokio::test]
    async fn a_failing_then_succeeding_endpoint_gets_the_alert_signed() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .and(header("X-Spendlens-Alert-Id", "alert-1"))
            .and(header_exists("X-Spendlens-Signature"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .with_priority(2)
            .mount(&server)
            .await;
        let secret = SecretString::from("hook-secret");
        let url = format!("{}/hook", server.uri());
        assert_eq!(send(&fast(4), &url, Some(&secret), &alert()).await, Ok(()));
        let requests: Vec<Request> = server.received_requests().await.unwrap_or_default();
        assert_eq!(requests.len(), 3, "two failures, then the delivery");
        let last = &requests[2];
        let body: Value = serde_json::from_slice(&last.body).unwrap_or_default();
        assert_eq!(body["kind"], "budget_95");
        assert_eq!(body["spend"], "955.00");
        assert_eq!(body["used_pct"].to_string(), "95.5");
        let sent = last
            .headers
            .get("X-Spendlens-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(
            sent,
            signature(&secret, &last.body),
            "HMAC of the exact body"
        );
    }

    #[tokio::test]
    async fn an_endpoint_that_keeps_failing_is_reported_without_the_secret() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(3)
            .mount(&server)
            .await;
        let secret = SecretString::from("never-in-an-error");
        let outcome = send(&fast(3), &server.uri(), Some(&secret), &alert()).await;
        assert_eq!(
            outcome,
            Err("the webhook answered 500 Internal Server Error".to_owned())
        );
        // Unsigned without a secret.
        let plain = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&plain)
            .await;
        assert_eq!(send(&fast(1), &plain.uri(), None, &alert()).await, Ok(()));
        let requests = plain.received_requests().await.unwrap_or_default();
        assert!(requests[0].headers.get("X-Spendlens-Signature").is_none());
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let secret = SecretString::from("Jefe");
        assert_eq!(
            signature(&secret, b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
