//! `spendlens roi` and `spendlens report` against a real SQLite file.
use std::path::PathBuf;
use std::process::{Command, Output};

use rust_decimal::Decimal;
use spendlens_core::campaign::{CampaignId, CampaignSpec};
use spendlens_core::{DailyRow, Platform};
use spendlens_finance::ledger::CreativeProduction;
use spendlens_finance::{FxRate, LedgerEntry};
use spendlens_store::finance::StoredFinanceSettings;

struct Db {
    dir: PathBuf,
    url: String,
    campaign: CampaignId,
}

fn day(d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 3, d).unwrap_or_default()
}

/// A March 2025 campaign: 100 spend and 150 revenue a day on Meta for March 1–10, creative 300 +
/// 50 fixed on March 1, cost of capital 3.65 % — the hand computation of the web suite.
fn setup(tag: &str) -> Db {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-fin-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let campaign = rt.block_on(async {
        let store = spendlens_store::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let now = chrono::Utc::now();
        let p = store
            .create_account("fin@example.com", "x", "Fin", now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let spec = CampaignSpec {
            name: "March push".into(),
            currency: "USD".into(),
            budget: Some(Decimal::from(3000)),
            start_date: Some(day(1)),
            end_date: Some(day(31)),
            time_zone: "UTC".into(),
        };
        let c = store
            .create_campaign(&p.org_id, &spec, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<DailyRow> = (1..=10)
            .map(|d| DailyRow {
                spend: Decimal::from(100),
                revenue: Some(Decimal::from(150)),
                conversions: Decimal::from(5),
                ..DailyRow::empty(day(d), Platform::Meta, "")
            })
            .collect();
        store
            .upsert_rows(&p.org_id, &c.id, &rows, None, now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let creative = LedgerEntry::CreativeProduction(CreativeProduction {
            campaign_id: c.id.clone(),
            amount: Decimal::from(300),
            currency: "USD".into(),
            resource_hours: 8,
            fixed_cost_allocation: Decimal::from(50),
            incurred_on: day(1),
        });
        store
            .insert_ledger_entries(&p.org_id, &[creative], now)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .put_finance_settings(
                &p.org_id,
                &StoredFinanceSettings {
                    cost_of_capital: "0.0365".parse().unwrap_or_default(),
                    webhook_url: None,
                    webhook_secret_sealed: None,
                    rates: vec![FxRate {
                        from: "EUR".into(),
                        to: "USD".into(),
                        rate: Decimal::new(125, 2),
                    }],
                },
                now,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        c.id
    });
    Db { dir, url, campaign }
}

fn spendlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn roi_prints_the_hand_computed_figures() {
    let db = setup("roi");
    let id = db.campaign.to_string();
    let out = spendlens(&[
        "roi",
        "--campaign",
        &id,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-10",
        "--database-url",
        &db.url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let roi: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(roi["total_investment"], "1350.90", "{roi}");
    assert_eq!(roi["net_revenue"], "149.10");
    assert_eq!(roi["roi_percentage"].to_string(), "11.04");
    assert_eq!(roi["payback_period"]["days"], 8);
    assert_eq!(roi["confidence_level"]["level"], "medium");

    let out = spendlens(&[
        "roi",
        "--campaign",
        &id,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-10",
        "--format",
        "text",
        "--database-url",
        &db.url,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ROI:                  11.04 %"), "{text}");
    assert!(text.contains("reached on 2025-03-08 (day 8)"), "{text}");

    let out = spendlens(&["roi", "--campaign", "nope", "--database-url", &db.url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--campaign: no campaign"));
    let out = spendlens(&[
        "roi",
        "--campaign",
        &id,
        "--from",
        "2025-03-10",
        "--to",
        "2025-03-01",
        "--database-url",
        &db.url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid period"));
    let _ = std::fs::remove_dir_all(&db.dir);
}

#[test]
fn report_writes_every_format() {
    let db = setup("report");
    let base = [
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--database-url",
        db.url.as_str(),
    ];
    for format in ["json", "csv", "xlsx", "pdf"] {
        let file = db.dir.join(format!("report.{format}"));
        let f = file.to_string_lossy().into_owned();
        let mut args = vec!["report", "--format", format, "--output", f.as_str()];
        args.extend_from_slice(&base);
        let out = spendlens(&args);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&file).unwrap_or_default();
        match format {
            "json" => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                assert_eq!(v["totals"]["costs"]["platform_spend"], "1000.00", "{v}");
                assert_eq!(v["campaigns"][0]["name"], "March push");
            }
            "csv" => assert!(String::from_utf8_lossy(&bytes).contains("March push")),
            "xlsx" => {
                use calamine::{Data, Reader, Xlsx};
                let mut book: Xlsx<_> =
                    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
                        .unwrap_or_else(|e| panic!("{e}"));
                let sheet = book
                    .worksheet_range("Campaigns")
                    .unwrap_or_else(|e| panic!("{e}"));
                match sheet.get((1, 2)) {
                    Some(Data::Float(v)) => assert!((v - 1000.0).abs() < 1e-9),
                    other => panic!("platform spend: {other:?}"),
                }
            }
            _ => {
                let pdf = spendlens_testkit::pdf::read(&bytes);
                assert!(
                    pdf.shows("March push") && pdf.shows("Marketing financial report"),
                    "{}",
                    pdf.all_text()
                );
            }
        }
    }
    // A rates file replaces the stored table; a bad one names line and column.
    let rates = db.dir.join("rates.csv");
    std::fs::write(&rates, "from,to,rate\nUSD,EUR,zero\n").unwrap_or_else(|e| panic!("{e}"));
    let r = rates.to_string_lossy().into_owned();
    let out_file = db.dir.join("eur.json").to_string_lossy().into_owned();
    let mut args = vec![
        "report",
        "--format",
        "json",
        "--output",
        out_file.as_str(),
        "--currency",
        "EUR",
        "--rates",
        r.as_str(),
    ];
    args.extend_from_slice(&base);
    let out = spendlens(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2, column rate"));
    std::fs::write(&rates, "from,to,rate\nUSD,EUR,0.8\n").unwrap_or_else(|e| panic!("{e}"));
    let out = spendlens(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap_or_default()).unwrap_or_default();
    assert_eq!(v["totals"]["costs"]["platform_spend"], "800.00", "{v}");
    assert_eq!(v["rates_used"][0]["rate"], "0.8");

    // March's report in `format`, with `more` flags.
    let march = |format: &str, more: &[&str]| {
        let mut args = vec![
            "report",
            "--format",
            format,
            "--output",
            "x",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "--database-url",
            &db.url,
        ];
        args.extend_from_slice(more);
        spendlens(&args)
    };
    assert_eq!(march("docx", &[]).status.code(), Some(2));
    // A mistyped organisation is named, not answered with an empty report.
    let out = march("json", &["--organization", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--organization: the database holds no campaign of organisation nope")
    );
    let _ = std::fs::remove_dir_all(&db.dir);
}

/// Named channels stored beside the setup's Meta rows: TV 500 on March 2, radio 100 on March 10.
fn add_channels(db: &Db) {
    use spendlens_core::channel::{ChannelDay, ChannelName};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let store = spendlens_store::connect(&db.url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let campaign = store
            .campaign_for_operator(&db.campaign)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no campaign"));
        let day = |d: u32, name: &str, spend: i64| ChannelDay {
            date: day(d),
            channel: ChannelName::parse(name).unwrap_or_else(|e| panic!("{e}")),
            spend: Decimal::from(spend),
            impressions: None,
            currency: Some("USD".into()),
        };
        store
            .upsert_channel_days(
                &campaign.org_id,
                &campaign.id,
                &[day(2, "TV", 500), day(10, "Radio", 100)],
                chrono::Utc::now(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    });
}

/// The setup's ROI over March 1–10 is 1350.90 (see above). The channels add 600 of media and,
/// at 0.0001 a day, (500 × 9 + 100 × 1) × 0.0001 = 0.46 of opportunity cost: 1951.36.
#[test]
fn roi_and_report_count_named_channels() {
    let db = setup("channels");
    add_channels(&db);
    let id = db.campaign.to_string();
    let window = ["--from", "2025-03-01", "--to", "2025-03-10"];
    let mut args = vec!["roi", "--campaign", id.as_str(), "--database-url", &db.url];
    args.extend_from_slice(&window);
    let out = spendlens(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let roi: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(roi["total_investment"], "1951.36", "{roi}");
    assert_eq!(roi["costs"]["offline_channels"], "600.00");
    assert_eq!(roi["costs"]["platform_spend"], "1000.00");
    args.extend_from_slice(&["--format", "text"]);
    let text = String::from_utf8_lossy(&spendlens(&args).stdout).into_owned();
    assert!(
        text.contains("  offline channels:   600.00 USD\n"),
        "{text}"
    );
    assert!(
        text.contains("total investment:     1951.36 USD\n"),
        "{text}"
    );

    let file = db.dir.join("channels.csv").to_string_lossy().into_owned();
    let out = spendlens(&[
        "report",
        "--format",
        "csv",
        "--output",
        &file,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--database-url",
        &db.url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&file).unwrap_or_default();
    let label = "offline channel — spend as imported, no platform-reported revenue";
    for line in [
        "\"  of which offline channels\",600.00\n".to_owned(),
        format!("Radio,\"{label}\",100.00,,1\n"),
        format!("TV,\"{label}\",500.00,,1\n"),
        "\"Ad platforms, total\",platform-reported spend (the Platforms table),1000.00,,\n"
            .to_owned(),
        "Spend across platforms and channels,ad platforms + offline channels,1600.00,,\n"
            .to_owned(),
    ] {
        assert!(csv.contains(&line), "{line} missing from:\n{csv}");
    }
    let _ = std::fs::remove_dir_all(&db.dir);
}
