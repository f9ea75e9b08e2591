//! Delivery: retries and signatures, the outbound rule (a loopback receiver needs the
//! allow-list; a name that resolves to loopback at delivery time is never connected to) and the
//! failure categories that are all a delivery records.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use chrono::NaiveDate;
use rust_decimal_macros::dec;
use spendlens_connect::BoxFuture;
use spendlens_connect::outbound::HostLookup;
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

fn policy(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        first_delay: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }
}

fn allow(entries: &[&str]) -> Outbound {
    Outbound::new(AllowList::parse(entries).unwrap_or_else(|e| panic!("{e}")))
}

/// A fast sender that may post to 127.0.0.1, where the test receivers listen: the allow-list is
/// how a deployment posts to an internal host, and the tests say so explicitly.
fn fast(attempts: u32) -> WebhookSender {
    WebhookSender::new(None, policy(attempts), allow(&["127.0.0.1"]))
}

/// Names resolved from a fixed table, as a rebinding DNS server would answer at delivery time.
#[derive(Debug)]
struct Table(HashMap<String, Vec<IpAddr>>);

impl HostLookup for Table {
    fn lookup(&self, host: String) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        let found = self.0.get(&host).cloned().unwrap_or_default();
        Box::pin(async move { Ok(found) })
    }
}

fn rebinding() -> Arc<Table> {
    let loopback: IpAddr = [127, 0, 0, 1].into();
    Arc::new(Table(HashMap::from([(
        "hooks.example.test".to_owned(),
        vec![loopback],
    )])))
}

/// A receiver on 127.0.0.1 that answers `204` to every connection and counts them.
async fn counting_receiver() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    (port, accepted)
}

/// A port nothing listens on: bind, read the port, close.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
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
    assert_eq!(outcome, Err(DeliveryFailure::Http(500)));
    assert_eq!(DeliveryFailure::Http(500).to_string(), "HTTP 500");
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

#[tokio::test]
async fn a_loopback_receiver_is_refused_without_the_allow_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let sender = WebhookSender::new(None, policy(3), Outbound::default());
    for url in [
        server.uri(),
        server.uri().replace("127.0.0.1", "2130706433"),
        server.uri().replace("127.0.0.1", "[::ffff:127.0.0.1]"),
    ] {
        assert_eq!(
            send(&sender, &url, None, &alert()).await,
            Err(DeliveryFailure::AddressNotAllowed),
            "{url}"
        );
    }
    let received = server.received_requests().await.unwrap_or_default();
    assert!(received.is_empty(), "nothing reached the receiver");
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_at_delivery_time_is_never_connected_to() {
    let (port, accepted) = counting_receiver().await;
    let url = format!("http://hooks.example.test:{port}/hook");
    // The name is public-looking, so it passes when saved…
    let saved = crate::finance::settings::webhook_url(&url, &AllowList::default());
    assert_eq!(saved.as_deref(), Ok(url.as_str()));
    // …and at delivery time it resolves to 127.0.0.1: refused, never connected.
    let sender = WebhookSender::new(
        None,
        policy(4),
        Outbound::default().with_lookup(rebinding()),
    );
    assert_eq!(
        send(&sender, &url, None, &alert()).await,
        Err(DeliveryFailure::AddressNotAllowed)
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "the listener saw no connection"
    );

    // An operator who allows the address (or the name) gets the delivery through.
    for entry in ["127.0.0.1", "hooks.example.test"] {
        let sender = WebhookSender::new(None, policy(1), allow(&[entry]).with_lookup(rebinding()));
        assert_eq!(send(&sender, &url, None, &alert()).await, Ok(()), "{entry}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn failures_are_recorded_as_categories_never_as_the_answer() {
    // An answer with internal details: only its status is kept.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("redis_version:7.2.4\r\nrole:master"),
        )
        .mount(&server)
        .await;
    let failure = send(&fast(1), &server.uri(), None, &alert()).await;
    assert_eq!(failure, Err(DeliveryFailure::Http(500)));

    // A redirect (to the metadata address, say) is not followed: it is its status.
    let redirect = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "http://169.254.169.254/"),
        )
        .mount(&redirect)
        .await;
    let failure = send(&fast(1), &redirect.uri(), None, &alert()).await;
    assert_eq!(failure, Err(DeliveryFailure::Http(307)));

    let refused = format!("http://127.0.0.1:{}/hook", closed_port());
    let failure = send(&fast(1), &refused, None, &alert()).await;
    assert_eq!(failure, Err(DeliveryFailure::ConnectionRefused));
    assert_eq!(
        failure.map_err(|f| f.to_string()),
        Err("connection refused".to_owned())
    );

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&slow)
        .await;
    let impatient = WebhookSender::new(
        None,
        RetryPolicy {
            attempts: 1,
            first_delay: Duration::from_millis(10),
            timeout: Duration::from_millis(200),
        },
        allow(&["127.0.0.1"]),
    );
    let failure = send(&impatient, &slow.uri(), None, &alert()).await;
    assert_eq!(failure, Err(DeliveryFailure::TimedOut));

    // https:// to a plain HTTP receiver: the handshake fails.
    let tls = server.uri().replace("http://", "https://");
    assert_eq!(
        send(&fast(1), &tls, None, &alert()).await,
        Err(DeliveryFailure::Tls)
    );

    let bad = send(&fast(1), "ftp://hooks.example.com/", None, &alert()).await;
    assert_eq!(bad, Err(DeliveryFailure::InvalidUrl));
    for (failure, words) in [
        (DeliveryFailure::AddressNotAllowed, "address not allowed"),
        (DeliveryFailure::TimedOut, "timed out"),
        (DeliveryFailure::Tls, "TLS error"),
    ] {
        assert_eq!(failure.to_string(), words);
    }
}
