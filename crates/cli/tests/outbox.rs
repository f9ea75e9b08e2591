//! `spendlens outbox`: the operator reads the messages the server queued (a registration's link
//! is never logged), against a real SQLite file.
use std::process::Command;

use spendlens_store::OutgoingMail;

#[test]
fn the_outbox_shows_the_waiting_messages_with_their_links() {
    let dir = std::env::temp_dir().join(format!("spendlens-cli-outbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let store = spendlens_store::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let now = chrono::Utc::now();
        for (to, body) in [
            (
                "ana@example.com",
                "open https://s.example/verify?token=abc123",
            ),
            ("bob@example.com", "someone tried"),
        ] {
            let mail = OutgoingMail {
                to: to.into(),
                subject: "Confirm your spendlens account".into(),
                body: body.into(),
            };
            store
                .enqueue_mail(&mail, now)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    });
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .arg("outbox")
            .args(["--database-url", &url])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let all = run(&[]);
    assert!(
        all.contains("To: ana@example.com\nSubject: Confirm your spendlens account\n"),
        "{all}"
    );
    assert!(
        all.contains("https://s.example/verify?token=abc123"),
        "{all}"
    );
    assert!(all.contains("To: bob@example.com"), "{all}");
    let ana = run(&["--to", "ANA@example.com"]);
    assert!(
        ana.contains("token=abc123") && !ana.contains("bob@"),
        "{ana}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
