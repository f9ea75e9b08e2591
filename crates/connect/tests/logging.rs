//! Secrets never reach the logs: run a refresh and a retried sync with every log level captured.

use std::io::Write;
use std::sync::{Arc, Mutex};

use spendlens_connect::{Connector, GoogleAdsConnector, OAuthConfig, RefreshingToken, TokenSet};
use tracing_subscriber::fmt::MakeWriter;
use wiremock::Mock;
use wiremock::matchers::{bearer_token, body_string_contains, method, path};

use crate::support::{FixedClock, TestEnv, at, json, range, secret};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

const STREAM: &str = "/v26/customers/1234567890/googleAds:searchStream";

#[tokio::test]
async fn tokens_and_secrets_never_appear_in_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = TestEnv::start().await;
    Mock::given(bearer_token("ya29.old-secret-token"))
        .respond_with(json(401, "google_401_unauthenticated.json"))
        .with_priority(1)
        .mount(&env.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(json(200, "google_token.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM customer"))
        .respond_with(json(200, "google_ads_currency.json"))
        .mount(&env.server)
        .await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(429, "google_ads_429_short.json"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&env.server)
        .await;
    Mock::given(path(STREAM))
        .and(body_string_contains("FROM campaign"))
        .respond_with(json(200, "google_ads_stream.json"))
        .mount(&env.server)
        .await;

    let oauth = OAuthConfig::google(
        "ads-client",
        secret("ads-client-secret"),
        env.url("/cb"),
        vec!["https://www.googleapis.com/auth/adwords".into()],
    )
    .expect("config")
    .with_endpoints(env.url("/auth"), env.url("/token"));
    let token = Arc::new(RefreshingToken::new(
        oauth,
        env.http.reqwest().clone(),
        Arc::new(FixedClock(at("2024-06-03T08:00:00Z"))),
        TokenSet {
            access_token: secret("ya29.old-secret-token"),
            refresh_token: Some(secret("1//refresh-secret")),
            expires_at: None,
            refresh_expires_at: None,
            scopes: vec![],
        },
    ));
    let ads = GoogleAdsConnector::new(
        env.http.clone(),
        env.base(),
        token,
        secret("dev-secret-token"),
    );
    tracing::debug!(connector = ?ads, "about to sync");
    let rows = ads
        .fetch_daily("1234567890", range("2024-06-01", "2024-06-02"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    // The capture works: the refresh and the retry were logged.
    assert!(logs.contains("refreshed"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    for secret in [
        "ya29.old-secret-token",
        "ya29.new-access-token",
        "1//refresh-secret",
        "ads-client-secret",
        "dev-secret-token",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs");
    }
}
