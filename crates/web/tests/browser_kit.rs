//! The browser the page tests drive: chromedriver started on a free loopback port (skipped
//! without one, visibly, unless under CI), a headless chromium session, and the few steps every
//! test takes (fill, click, wait, read, sign in, screenshot).
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// chromedriver on a free loopback port, stopped when dropped, and the chromium it drives.
pub(crate) struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver, or answers `None` (after the skip line) when the machine has no browser.
pub(crate) async fn start_driver() -> Option<Driver> {
    let mut found = spendlens_testkit::tools(&["chromedriver", "chromium"])?.into_iter();
    let (chromedriver, chromium) = (found.next()?, found.next()?);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("free port: {e}"));
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver: {e}"));
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        chromium,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({"binary": driver.chromium, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--window-size=1280,2000", "--lang=en-GB"]}),
    );
    ClientBuilder::rustls()
        .unwrap_or_else(|e| panic!("rustls: {e}"))
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("webdriver session: {e}"))
}

fn screenshots_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub(crate) async fn screenshot(c: &Client, name: &str) -> PathBuf {
    // The whole page: grow the window to the document's height first.
    let height = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(2000);
    let width = c
        .execute("return window.innerWidth;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(1280);
    let _ = c
        .set_window_size(
            u32::try_from(width).unwrap_or(1280),
            u32::try_from(height.clamp(600, 6000) + 140).unwrap_or(2000),
        )
        .await;
    let png = c
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot: {e}"));
    assert!(png.len() > 10_000, "{name}: a blank screenshot?");
    let path = screenshots_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .trim()
        .to_owned()
}

pub(crate) async fn fill(c: &Client, css: &str, value: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// Signs the browser in as the demo account (loaded by the test) and waits for its campaigns.
pub(crate) async fn sign_in_demo(c: &Client, base: &str) {
    c.goto(&format!("{base}/signin"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for(c, "#email").await;
    fill(c, "#email", spendlens_app::demo::DEMO_EMAIL).await;
    fill(c, "#password", spendlens_app::demo::DEMO_PASSWORD).await;
    click(c, "form[action='/signin'] button[type=submit]").await;
    wait_for(c, "table.list").await;
}

pub(crate) async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}
