//! The command line agrees with itself: `--source` names are one list in `--help`, the parser and
//! its error; a PDF's options are named alike in `--help`, the README and the upload page; a
//! reader that closes the pipe early (`| head -c1`) ends the command quietly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use spendlens_ingest::{NumberLocale, Source};

fn spendlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"))
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// The names `spendlens import --help` lists under `--source` (`- name: description` lines).
fn help_names() -> BTreeSet<String> {
    let out = spendlens(&["import", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let section = help
        .split("--source <SOURCE>")
        .nth(1)
        .unwrap_or_else(|| panic!("no --source in {help}"));
    section
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("Possible values:"))
        .skip(1)
        .take_while(|l| l.starts_with("- "))
        .filter_map(|l| l.trim_start_matches("- ").split(':').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn source_names_are_one_list_in_help_parser_and_error() {
    let expected: BTreeSet<String> = Source::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    let listed = help_names();
    assert_eq!(listed, expected, "--help");

    // The error for a name it refuses lists the same names.
    let dir = temp_dir("sources");
    // An installation's database (an empty file is an empty SQLite database): a path with none
    // is refused as a mistyped --database-url.
    std::fs::write(dir.join("db.sqlite"), b"").unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}", dir.join("db.sqlite").display());
    let missing = format!("sqlite://{}", dir.join("typo.sqlite").display());
    let out = spendlens(&["roi", "--campaign", "nope", "--database-url", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--database-url: no database at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("typo.sqlite").exists(), "nothing created");
    let file = dir.join("rows.csv");
    std::fs::write(&file, "date,platform,campaign,spend\n").unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().into_owned();
    let import = |source: &str| {
        spendlens(&[
            "import",
            &file,
            "--campaign",
            "nope",
            "--source",
            source,
            "--database-url",
            &db,
        ])
    };
    let out = import("csv");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let listed_in_error: BTreeSet<String> = err
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("no list in {err}"))
        .split(", ")
        .map(str::to_owned)
        .collect();
    assert_eq!(listed_in_error, expected, "{err}");

    // Every listed name gets past the parser (to the campaign lookup).
    for name in &expected {
        let out = import(name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--campaign: no campaign with id nope"),
            "{name}: {err}"
        );
    }
    // Case aside, as the API reads it.
    let out = import("Google_Ads");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--campaign: no campaign"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PDF report's number format is one list of names (`comma`, `point`) in `--help`, the README
/// and the upload page ("Numbers in the PDF", the field `pdf_locale`), and the PDF section of the
/// README names the page's and the command's period choice alike.
#[test]
fn pdf_options_are_named_alike_in_help_readme_and_page() {
    let out = spendlens(&["import", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let names: Vec<&str> = NumberLocale::ALL.iter().map(|l| l.as_str()).collect();
    assert_eq!(names, ["comma", "point"]);
    let section = help
        .split("--pdf-locale <FORMAT>")
        .nth(1)
        .unwrap_or_else(|| panic!("no --pdf-locale in {help}"));
    for l in NumberLocale::ALL {
        assert!(
            section.contains(&format!("- {}: {}", l.as_str(), l.label())),
            "{help}"
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let readme = read("README.md");
    let pdf = readme
        .split("### PDF reports")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no PDF section in the README"));
    let page =
        read("crates/web/templates/imports.html") + &read("crates/web/templates/imports_pdf.html");
    for (text, where_) in [
        ("--pdf-locale comma|point", "both"),
        ("Numbers in the PDF", "both"),
        ("--spread", "both"),
        ("--book-on", "both"),
        ("How to book the figures", "both"),
        ("`pdf_locale`", "readme"),
        ("name=\"pdf_locale\"", "page"),
    ] {
        if where_ != "page" {
            assert!(pdf.contains(text), "the README's PDF section lacks {text}");
        }
        if where_ != "readme" {
            assert!(page.contains(text), "the upload page lacks {text}");
        }
    }
    for option in ["--pdf-locale", "--spread", "--book-on", "--from", "--to"] {
        assert!(help.contains(option), "{option}");
        assert!(
            pdf.contains(option),
            "the README's PDF section lacks {option}"
        );
    }
}

/// Runs the command with its stdout a pipe whose reading end is already closed, as `| head -c1`
/// leaves it once `head` has its byte: every write gets EPIPE.
fn into_a_closed_pipe(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn spendlens: {e}"));
    // Closed before the command has written (it has not even opened its input yet).
    drop(child.stdout.take());
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"))
}

fn attribution_fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../attribution/tests/fixtures/attribution-data.csv")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let dir = temp_dir("pipe");
    let db = format!("sqlite://{}", dir.join("db.sqlite").display());
    // An import's summary (a campaign first, through the store).
    let campaign = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
        .block_on(async {
            let store = spendlens_store::connect(&db)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let p = store
                .create_account("ops@example.com", "x", "Ops", chrono::Utc::now())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let spec = spendlens_core::campaign::CampaignSpec {
                name: "C".into(),
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
    let file = dir.join("rows.csv");
    std::fs::write(
        &file,
        "date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue\n\
         2026-02-01,meta,m1,10.25,100,0,5,0.5,,\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().into_owned();
    let fixture = attribution_fixture();
    let runs: [Vec<&str>; 3] = [
        vec![
            "import",
            &file,
            "--campaign",
            &campaign,
            "--dry-run",
            "--database-url",
            &db,
        ],
        vec!["attribute", "--input", &fixture, "--model", "all"],
        vec!["import", "--help"],
    ];
    for args in runs {
        let out = into_a_closed_pipe(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
