//! `TestApp`: a running server and typed helpers to talk to it.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use spendlens_app::{Clock, FixedClock};
use spendlens_store::Store;
use spendlens_testkit::TestDatabase;
use spendlens_web::Settings;
use tokio::sync::watch;

/// The instant every test server believes it is.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// A fresh database per backend this run can test, each removed when it goes out of scope (at the
/// end of the test, passed or failed): SQLite always, PostgreSQL when
/// `SPENDLENS_TEST_POSTGRES_URL` names a server (otherwise that half is skipped visibly, or fails
/// under CI). Each dereferences to its URL:
/// `for url in database_urls().await { let app = TestApp::spawn(&url).await; … }`.
pub async fn database_urls() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite_database()];
    databases.extend(TestDatabase::postgres("web").await);
    databases
}

/// A fresh SQLite database, for tests of the HTTP layer rather than of storage.
pub fn sqlite_database() -> TestDatabase {
    TestDatabase::sqlite("spendlens-web-tests")
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub store: Arc<dyn Store>,
    pub backend: &'static str,
    _shutdown: watch::Sender<bool>,
}

impl TestApp {
    /// Starts a server over `url` with the scheduler off and the clock fixed at [`now`].
    pub async fn spawn(url: &str) -> TestApp {
        Self::spawn_with(url, |_| {}).await
    }

    /// Starts a server with adjusted settings.
    pub async fn spawn_with(url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_at(url, now(), adjust).await
    }

    /// Starts a server whose clock is fixed at `at` (a second instance over the same database
    /// may live at another time), with adjusted settings.
    pub async fn spawn_at(
        url: &str,
        at: DateTime<Utc>,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let store = spendlens_store::connect(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut settings = Settings {
            snapshot_every_minutes: 0,
            ..Settings::default()
        };
        adjust(&mut settings);
        let clock: Arc<dyn Clock> = Arc::new(FixedClock(at));
        let state = spendlens_web::state(store.clone(), clock, settings, None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            let _ = spendlens_web::serve(listener, state, rx).await;
        });
        TestApp {
            base: format!("http://{addr}"),
            client: new_client(),
            store,
            backend: if url.starts_with("sqlite") {
                "sqlite"
            } else {
                "postgres"
            },
            _shutdown: tx,
        }
    }

    pub async fn request(
        &self,
        client: &Client,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut req = client.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(&self.client, Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(&self.client, Method::POST, path, Some(body))
            .await
    }

    /// Registers a user and signs `client` in; returns the organisation id. The instance's first
    /// registration signs in at once (201); any later one answers 202 and is completed by
    /// following the link sent to the address, read from the outbox table ([`Self::link_token`]).
    pub async fn register(&self, client: &Client, email: &str) -> String {
        let body = json!({"email": email, "password": "correct horse battery", "organization_name": format!("Org of {email}")});
        let r = self
            .request(client, Method::POST, "/api/auth/register", Some(&body))
            .await;
        let r = match r.status() {
            StatusCode::CREATED => r,
            StatusCode::ACCEPTED => {
                assert_eq!(
                    json_of(r).await,
                    json!({"status": "check_your_email"}),
                    "{}",
                    self.backend
                );
                self.verify(client, email).await
            }
            other => panic!("{}: register {email}: {other}", self.backend),
        };
        json_of(r).await["organization_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Follows the newest registration link sent to `email` with `client` (which is then signed
    /// in) and the password [`Self::register`] chose; returns the answer, checked to be 200.
    pub async fn verify(&self, client: &Client, email: &str) -> Response {
        let token = self.link_token(email).await;
        let r = self
            .request(
                client,
                Method::POST,
                "/api/auth/verify",
                Some(&json!({ "token": token, "password": "correct horse battery" })),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{}: verify {email}",
            self.backend
        );
        r
    }

    /// The messages sent to `email`, oldest first, as stored in the outbox.
    pub async fn mail_to(&self, email: &str) -> Vec<spendlens_store::StoredMail> {
        self.store
            .mail_to(email)
            .await
            .unwrap_or_else(|e| panic!("{}: outbox: {e}", self.backend))
    }

    /// The token of the newest registration link sent to `email`, read from the outbox.
    pub async fn link_token(&self, email: &str) -> String {
        let mail = self.mail_to(email).await;
        let link = mail
            .iter()
            .rev()
            .filter(|m| {
                [
                    spendlens_app::accounts::CONFIRM_SUBJECT,
                    spendlens_app::accounts::JOIN_SUBJECT,
                ]
                .contains(&m.mail.subject.as_str())
            })
            .find_map(|m| {
                m.mail
                    .body
                    .split_whitespace()
                    .find(|w| w.contains("/verify?token="))
            })
            .unwrap_or_else(|| panic!("{}: no link sent to {email}", self.backend));
        link.rsplit_once("token=")
            .map(|(_, t)| t.to_owned())
            .unwrap_or_default()
    }

    /// Creates a campaign with the app's client and returns its id.
    pub async fn campaign(&self, body: &Value) -> String {
        let r = self.post("/api/campaigns", body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", self.backend);
        json_of(r).await["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A client that keeps cookies, like a browser.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A client that keeps cookies and connects from `ip` (any of 127.0.0.0/8 reaches the test
/// server on Linux): another client address, as the server sees it.
pub fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .cookie_store(true)
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A client that keeps cookies and does not follow redirects (to read `Location`).
pub fn no_redirect_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

pub async fn json_of(r: Response) -> Value {
    r.json().await.unwrap_or(Value::Null)
}

/// The standard campaign of the analysis contract's first example.
/// A 422 answer's first problem: checks the status and its field, and gives its message.
pub async fn refused(r: Response, field: &str) -> String {
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
    let body = json_of(r).await;
    let detail = &body["error"]["details"][0];
    assert_eq!(detail["field"], field, "{body}");
    detail["message"].as_str().unwrap_or_default().to_owned()
}

pub fn q4() -> Value {
    json!({"name": "Q4 Lead Gen", "currency": "USD", "budget": "15000.00",
           "start_date": "2026-11-01", "end_date": "2026-12-15", "time_zone": "UTC"})
}

/// The CSRF token of the first form of a page.
pub fn token_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// A page as the app's client sees it: status and HTML.
pub async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    page_as(app, &app.client, path).await
}

/// A page as `client` sees it: status and HTML.
pub async fn page_as(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let r = client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

/// Posts a form with the app's client: status and HTML.
pub async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

/// The text of the element carrying `data-metric="{name}"`.
pub fn metric(html: &str, name: &str) -> String {
    html.split(&format!("data-metric=\"{name}\""))
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

/// The demo as `spendlens serve --demo` loads it, its books (rates, GA4 revenue, journeys)
/// included, with `app.client` signed in: the campaigns' ids by name, and the Q4 campaign's id.
pub async fn served_demo(app: &TestApp) -> (Vec<(String, String)>, String) {
    let campaigns = demo(app).await;
    spendlens_app::demo::load_books(app.store.as_ref(), now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let q4 = campaigns
        .iter()
        .find(|(_, n)| n == "Q4 Lead Gen (B2B)")
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no Q4 campaign in {campaigns:?}"));
    (campaigns, q4)
}

/// Signs `app.client` in as the demo account after loading the demo; the demo campaigns' ids by
/// name.
pub async fn demo(app: &TestApp) -> Vec<(String, String)> {
    let hash = spendlens_app::accounts::hash_password(spendlens_app::demo::DEMO_PASSWORD.into())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    spendlens_app::demo::load(app.store.as_ref(), now(), &hash)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = app
        .post(
            "/api/auth/login",
            &json!({"email": spendlens_app::demo::DEMO_EMAIL, "password": spendlens_app::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = json_of(app.get("/api/campaigns").await).await;
    let items = list
        .as_array()
        .cloned()
        .or_else(|| list["campaigns"].as_array().cloned())
        .unwrap_or_default();
    items
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Uploads a touchpoint file (`csv`, named `name`) with `app.client`:
/// `POST /api/attribution/touchpoints`.
pub async fn post_touchpoints(app: &TestApp, name: &str, csv: &str) -> Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    app.client
        .post(format!("{}/api/attribution/touchpoints", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("touchpoints: {e}"))
}

/// The id of the campaign named `name` among `campaigns` (id, name), as [`demo`] lists them.
pub fn id_named(campaigns: &[(String, String)], name: &str) -> String {
    campaigns
        .iter()
        .find(|(_, n)| n == name)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no campaign {name} in {campaigns:?}"))
}
