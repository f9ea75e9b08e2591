//! `spendlens optimize --campaign` on a stored campaign whose data is from an earlier year: the
//! history window is given with `--history-from`/`--history-to`, and without it the error names
//! the window and where the spend is.

use std::path::PathBuf;
use std::process::{Command, Output};

use rust_decimal::Decimal;

struct Db {
    dir: PathBuf,
    url: String,
    campaign: String,
}

fn spendlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"))
}

/// A campaign in USD with 90 days of 2023 for two platforms, imported through `spendlens import`.
fn setup() -> Db {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-optimize-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let campaign = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(async {
            let store = spendlens_store::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let p = store
                .create_account("ops@example.com", "x", "Ops", chrono::Utc::now())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let spec = spendlens_core::campaign::CampaignSpec {
                name: "Spring 2023".into(),
                currency: "USD".into(),
                budget: None,
                start_date: None,
                end_date: None,
                time_zone: "UTC".into(),
            };
            store
                .create_campaign(&p.org_id, &spec, chrono::Utc::now())
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .id
                .to_string()
        });
    let mut csv = String::from(
        "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n",
    );
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    let mut seed: u64 = 0x2023;
    for d in 0..90u64 {
        let date = start + chrono::Days::new(d);
        for (platform, beta, k) in [("meta", 3000.0, 150.0), ("google_ads", 5000.0, 300.0)] {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let spend = 20.0 + (seed >> 11) as f64 / (1u64 << 53) as f64 * 380.0;
            let revenue = beta * spend / (spend + k);
            csv.push_str(&format!(
                "{date},{platform},c1,{spend:.2},1000,0,10,{:.2},,{revenue:.2}\n",
                revenue / 50.0
            ));
        }
    }
    let file = dir.join("2023.csv");
    std::fs::write(&file, csv).unwrap_or_else(|e| panic!("{e}"));
    let out = spendlens(&[
        "import",
        &file.to_string_lossy(),
        "--campaign",
        &campaign,
        "--database-url",
        &url,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Db { dir, url, campaign }
}

fn optimize(db: &Db, extra: &[&str]) -> Output {
    let mut args = vec![
        "optimize",
        "--campaign",
        db.campaign.as_str(),
        "--database-url",
        db.url.as_str(),
    ];
    args.extend_from_slice(extra);
    spendlens(&args)
}

/// Every amount is written as the pages and the plan's own sentences write it: the currency's
/// prefix, grouped thousands and two decimals (`$5,000.00`, `-$12.50`), never a bare number with
/// the code after it (`5000.00 USD`) nor without its cents (`LTV 180 USD`).
fn amounts_are_written_like_the_pages(text: &str) {
    assert!(
        !text
            .split_whitespace()
            .any(|w| w.trim_end_matches([',', ')']) == "USD"),
        "an amount followed by its code: {text}"
    );
    let mut seen = 0;
    for word in text.split_whitespace() {
        let Some(at) = word.find('$') else { continue };
        seen += 1;
        let amount = word[at + 1..].trim_end_matches([',', ')', '.', ':', ';']);
        let (whole, cents) = amount.split_once('.').unwrap_or((amount, ""));
        let groups: Vec<&str> = whole.split(',').collect();
        let grouped = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
            && (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3);
        assert!(
            grouped && cents.len() == 2 && cents.chars().all(|c| c.is_ascii_digit()),
            "{word} is not an amount with grouping and two decimals in:\n{text}"
        );
    }
    assert!(seen > 10, "amounts on every money line: {text}");
}

#[test]
fn an_earlier_years_history_is_planned_when_its_window_is_given() {
    let db = setup();
    // The default window (the last year) has none of it: exit 2 naming the window and the flags.
    let out = optimize(&db, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("history: no ad platform has spend from ")
            && err.contains("(the history window: by default the last 365 days)")
            && err.contains(
                "the campaign's ad spend runs from 2023-01-01 to 2023-03-31: pass \
                 --history-from and --history-to to fit on those days"
            ),
        "{err}"
    );

    let window = ["--history-from", "2023-01-01", "--history-to", "2023-12-31"];
    let mut args = window.to_vec();
    args.extend(["--budget", "5000", "--weeks", "4", "--format", "text"]);
    let out = optimize(&db, &args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("history:              2023-01-01 to 2023-12-31 (365 days)"),
        "{text}"
    );
    assert!(text.contains("budget:               $5,000.00\n"), "{text}");
    assert!(
        text.contains("meta:") && text.contains("google_ads:"),
        "{text}"
    );
    amounts_are_written_like_the_pages(&text);
    // The expected value says what it rests on: the revenue the platforms report here (the API's
    // `curves_basis`), in the same words.
    assert!(
        text.lines()
            .any(|l| l.starts_with("value now/optimised:  $")
                && l.ends_with(
                    " (expected revenue over the period, on platform-reported revenue)"
                )),
        "{text}"
    );
    assert!(
        text.contains(
            "curves basis:         Response curves fitted to each platform's daily revenue, as \
             the platform reports it, not to the campaign's ROI basis.\n"
        ),
        "{text}"
    );
    // The improvement and the risk assessment in the product's sentences, CAC, LTV and the
    // seasonality the optimiser used.
    assert!(
        text.lines()
            .any(|l| l.starts_with("Expected gain: $") || l.starts_with("No change is expected")),
        "{text}"
    );
    assert!(text.contains("\n  Overall risk: "), "{text}");
    assert!(
        text.contains("meta used:            CAC $") && text.contains(", LTV $"),
        "{text}"
    );
    assert!(text.contains("weekdays (Mon-Sun):   "), "{text}");
    // The open range is a flag; a wrong one is named.
    let mut args = window.to_vec();
    args.extend(["--budget", "5000", "--spend-range", "wide"]);
    let out = optimize(&db, &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("--spend-range: unknown spend range \"wide\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // JSON: the API's document.
    let mut args = window.to_vec();
    args.extend(["--budget", "5000"]);
    let out = optimize(&db, &args);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}"));
    assert_eq!(doc["currency"], "USD");
    assert_eq!(doc["history"]["days"], 365);
    let planned: Decimal = doc["optimized_allocation"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["spend"].as_str()?.parse::<Decimal>().ok())
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(planned, Decimal::new(5000, 0));

    // The window's mistakes, by flag.
    let out = optimize(
        &db,
        &["--history-from", "2023-12-31", "--history-to", "2023-01-01"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "--history-to: must not be before --history-from\n"
    );
    let out = spendlens(&[
        "optimize",
        "--history-from",
        "2023-01-01",
        "--input",
        "x.json",
    ]);
    assert_eq!(out.status.code(), Some(2), "the window needs --campaign");
    let _ = std::fs::remove_dir_all(&db.dir);
}
