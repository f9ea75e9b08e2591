//! `spendlens serve --demo`, the README's first command, as a real process on both backends: it
//! loads the demo organisation (four campaigns in three currencies, the rates between them and
//! the Q4 campaign's journeys), prints where to open it and how to sign in, and serves it there;
//! started again on the same database it duplicates nothing.
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_testkit::database::TestDatabase;

/// The server process, killed when the test ends or fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve --demo` on a free port; the server, the address it printed and what it printed
/// up to that line.
fn start(url: &str) -> (Server, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    let mut base = None;
    for line in lines.by_ref() {
        let line = line.unwrap_or_else(|e| panic!("stdout: {e}"));
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("Open ") {
            base = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let base = base.unwrap_or_else(|| panic!("no address printed: {printed}"));
    (server, base, printed)
}

/// A GET that must answer 200.
async fn fetch(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let r = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(r.status(), reqwest::StatusCode::OK, "{url}");
    r
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    fetch(client, &url)
        .await
        .json()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// A client signed in as the demo account.
async fn sign_in(base: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let r = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": "demo@spendlens.local", "password": "spendlens-demo"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("login: {e}"));
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    client
}

/// Signs in as the demo account and reads what a user sees first: the campaigns' names, the Q4
/// campaign's journeys and conversions, its ROI's basis and figure, and its cost ledger.
async fn what_the_demo_shows(base: &str) -> (Vec<String>, Value, Value, Vec<Value>, Vec<Value>) {
    let client = sign_in(base).await;
    let list = get(&client, format!("{base}/api/campaigns")).await;
    let items = list
        .as_array()
        .cloned()
        .or_else(|| list["campaigns"].as_array().cloned())
        .unwrap_or_default();
    let mut names: Vec<String> = items
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    let q4 = items
        .iter()
        .find(|c| c["name"] == "Q4 Lead Gen (B2B)")
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no Q4 campaign: {list}"))
        .to_owned();
    let attribution = get(&client, format!("{base}/api/campaigns/{q4}/attribution")).await;
    let roi = get(&client, format!("{base}/api/campaigns/{q4}/roi")).await;
    let costs = get(&client, format!("{base}/api/campaigns/{q4}/costs")).await;
    let costs = costs
        .as_array()
        .cloned()
        .or_else(|| costs["entries"].as_array().cloned())
        .unwrap_or_else(|| panic!("no cost entries: {costs}"));
    // The organisation's financial report over campaigns in three currencies: the demo's rates
    // let it convert them all.
    let window = &roi["window"];
    let url = format!(
        "{base}/api/reports/financial?from={}&to={}&format=pdf",
        window["start"].as_str().unwrap_or_default(),
        window["end"].as_str().unwrap_or_default()
    );
    // The model runs there before this one posts its own.
    let runs = get(&client, format!("{base}/api/mmm")).await["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // The marketing-mix model on the demo's own KPI, GA4 revenue (the page's default).
    let r = client
        .post(format!("{base}/api/mmm"))
        .json(&json!({"campaigns": [q4], "kpi": {"source": "ga4_revenue"}, "draws": 50}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("mmm: {e}"));
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    let run: Value = r.json().await.unwrap_or_else(|e| panic!("mmm: {e}"));
    let r2 = run["result"]["fit"]["r2"].as_f64().unwrap_or(0.0);
    assert!(r2 > 0.6, "the GA4 revenue is explained: R² {r2}");
    let pdf = fetch(&client, &url)
        .await
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert!(pdf.starts_with(b"%PDF-"), "{url}");
    (names, attribution, roi, costs, runs)
}

#[test]
fn serve_demo_loads_the_sample_prints_where_to_open_it_and_serves_it() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut databases = vec![TestDatabase::sqlite("spendlens-cli-demo")];
    databases.extend(rt.block_on(TestDatabase::postgres("cli_demo")));
    for db in &databases {
        let tag = db.backend();
        let (server, base, printed) = start(db.url());
        assert!(base.starts_with("http://127.0.0.1:"), "{tag}: {printed}");
        assert!(
            printed.contains("Demo organisation loaded (4 campaigns, 900 daily rows"),
            "{tag}: {printed}"
        );
        assert!(
            printed.contains("3 exchange rates, 12 cost entries, 90 days of GA4 revenue, ")
                && printed.contains("journeys with"),
            "{tag}: {printed}"
        );
        assert!(
            printed.contains("sign in as demo@spendlens.local with the password spendlens-demo"),
            "{tag}: {printed}"
        );
        assert!(
            printed.contains("conversions, and a marketing-mix model of the Q4 campaign)."),
            "{tag}: {printed}"
        );
        let (names, attribution, roi, costs, runs) = rt.block_on(what_the_demo_shows(&base));
        // The Marketing mix page opens on the demo's own first run: the Q4 campaign alone, on
        // its GA4 revenue, with the form's default draws, current.
        assert_eq!(runs.len(), 1, "{tag}: {runs:?}");
        assert_eq!(runs[0]["campaigns"], json!([roi["campaign_id"]]), "{tag}");
        assert_eq!(runs[0]["request"]["draws"], 500, "{tag}: {}", runs[0]);
        assert_eq!(runs[0]["request"]["kpi"]["source"], "ga4_revenue", "{tag}");
        assert_eq!(runs[0]["current"], true, "{tag}");
        assert_eq!(
            names,
            [
                "Always-on Search",
                "Brand Awareness",
                "Q4 Lead Gen (B2B)",
                "Spring Sale (E-commerce)"
            ],
            "{tag}"
        );
        let journeys = attribution["journeys"].as_u64().unwrap_or(0);
        assert!(journeys >= 900, "{tag}: {journeys} journeys");
        assert!(
            attribution["total_conversions"].as_f64().unwrap_or(0.0) > 300.0,
            "{tag}"
        );
        // A campaign that never chose a basis credits its platforms by its attribution model
        // once touchpoints exist.
        assert_eq!(roi["revenue_basis"]["basis"], "attributed", "{tag}: {roi}");
        // Its true cost: the creatives (4,800 and a 600 share of the studio) and the agency's
        // three monthly fees, so its payback comes after the creatives are earned back.
        assert_eq!(costs.len(), 4, "{tag}: {costs:?}");
        assert_eq!(
            roi["costs"]["creative_production"], "5400.00",
            "{tag}: {roi}"
        );
        assert_eq!(roi["costs"]["platform_fees"], "3600.00", "{tag}: {roi}");
        let payback = roi["payback_period"]["days"].as_u64().unwrap_or(0);
        assert!(payback > 7, "{tag}: payback on day {payback}: {roi}");
        // The user changes a rate and deletes the others.
        let client = rt.block_on(sign_in(&base));
        let r = rt
            .block_on(
                client
                    .put(format!("{base}/api/finance/settings"))
                    .json(&json!({"rates": [{"from": "EUR", "to": "USD", "rate": "1.2000"}]}))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{tag}");
        drop(server);

        // Started again on the same database (as after a restart): the same campaigns, the same
        // journeys and the same ROI, nothing loaded twice.
        let (_server, base, printed) = start(db.url());
        assert!(
            printed.contains("4 campaigns, 900 daily rows"),
            "{tag}: {printed}"
        );
        // The organisation has runs now: none is added on a restart.
        assert!(!printed.contains("marketing-mix model"), "{tag}: {printed}");
        let (again, attribution_again, roi_again, costs_again, runs_again) =
            rt.block_on(what_the_demo_shows(&base));
        assert_eq!(
            runs_again.len(),
            2,
            "{tag}: the demo's and the first start's"
        );
        assert_eq!(costs_again.len(), costs.len(), "{tag}: {costs_again:?}");
        assert_eq!(again, names, "{tag}");
        assert_eq!(
            attribution_again["journeys"], attribution["journeys"],
            "{tag}"
        );
        assert_eq!(
            roi_again["total_investment"], roi["total_investment"],
            "{tag}"
        );
        assert_eq!(
            roi_again["attributed_revenue"], roi["attributed_revenue"],
            "{tag}"
        );
        // The rate the user changed stays; the pairs deleted are back.
        let client = rt.block_on(sign_in(&base));
        let settings = rt.block_on(get(&client, format!("{base}/api/finance/settings")));
        let rates: Vec<(String, String, Decimal)> = settings["rates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["from"].as_str().unwrap_or_default().to_owned(),
                    r["to"].as_str().unwrap_or_default().to_owned(),
                    r["rate"]
                        .as_str()
                        .unwrap_or_default()
                        .parse()
                        .unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(rates.len(), 3, "{tag}: {settings}");
        assert!(
            rates.contains(&("EUR".into(), "USD".into(), Decimal::new(12, 1))),
            "{tag}: {settings}"
        );
        // The model (run on the Q4 campaign alone above) as its revenue basis: chosen after the
        // run, the run holds, and `spendlens roi` gives the model's interval, not a resampling
        // of the model's days.
        let q4 = roi_again["campaign_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let r = rt
            .block_on(
                client
                    .put(format!("{base}/api/campaigns/{q4}/revenue-basis"))
                    .json(&json!({"basis": "mmm"}))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{tag}");
        let out = Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .args([
                "roi",
                "--campaign",
                &q4,
                "--format",
                "text",
                "--database-url",
                db.url(),
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{tag}: {text}");
        assert!(
            text.contains("revenue basis:        modelled by the marketing-mix model (run of ")
                && text.contains("creative:             5400.00 USD")
                && text.contains("(the model's 90 % interval "),
            "{tag}: {text}"
        );
        if let Some(path) = db.url().strip_prefix("sqlite://") {
            let _ = std::fs::remove_file(format!("{path}.key"));
        }
    }
}
