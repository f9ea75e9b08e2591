//! Shared test helpers: fixtures, a recording sleeper, a fixed clock and one mock server per test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use spendlens_connect::{
    BoxFuture, Clock, DateRange, HttpClient, Jitter, RetryPolicy, SecretString, Sleeper,
    StaticToken, TokenSource,
};
use url::Url;
use wiremock::{MockServer, Request, ResponseTemplate};

/// The text of `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A JSON response with the fixture as its body.
pub fn json(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

/// A sleeper that records the delays asked for and returns at once.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().expect("lock").clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.delays.lock().expect("lock").push(duration);
        Box::pin(async {})
    }
}

/// A clock stuck at one instant.
#[derive(Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The attempts every test client makes at most.
pub const MAX_ATTEMPTS: u32 = 4;

/// One mock server plus a client that retries quickly into a recording sleeper.
pub struct TestEnv {
    pub server: MockServer,
    pub sleeper: Arc<RecordingSleeper>,
    pub http: HttpClient,
}

impl TestEnv {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let http = HttpClient::new()
            .expect("client")
            .with_retry(RetryPolicy {
                max_attempts: MAX_ATTEMPTS,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(10),
                max_wait: Duration::from_secs(120),
                jitter: Jitter::None,
            })
            .with_sleeper(sleeper.clone());
        TestEnv {
            server,
            sleeper,
            http,
        }
    }

    pub fn base(&self) -> Url {
        Url::parse(&self.server.uri()).expect("mock url")
    }

    pub fn url(&self, path: &str) -> Url {
        self.base().join(path).expect("url")
    }

    /// The requests received whose path is `path`.
    pub async fn requests_to(&self, path: &str) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == path)
            .collect()
    }
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub fn static_token(s: &str) -> Arc<dyn TokenSource> {
    Arc::new(StaticToken::new(secret(s)))
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn range(start: &str, end: &str) -> DateRange {
    DateRange::new(d(start), d(end)).expect("range")
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("timestamp")
}
