//! PDF text extraction in a child process, under an address-space and a time limit.
//!
//! Why a child: the PDF library decodes a document's object streams while it loads it, and a
//! document of millions of tiny objects costs many times its bytes; neither can be bounded from
//! outside the library, an allocation failure aborts the process (it is not a panic), and a thread
//! stuck in a loop cannot be stopped. `spendlens_ingest::extract_text` bounds what it can (pages,
//! decoded streams, text); the child bounds the rest: it runs this executable's `pdf-text`
//! command under `ulimit -v` and `ulimit -t`, is killed at the wall-clock limit, and whatever
//! happens to it, the server answers with a refusal naming the limits.
//!
//! The binary installs the isolation once at start ([`isolate_pdf`]); without it (the library in
//! tests, other embedders) PDFs are read in-process as before.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use rust_decimal::Decimal;
use spendlens_ingest::{ImportError, ImportOptions, Imported, NumberLocale, Source, limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::imports::ImportFailure;

/// The address space of a child extracting a PDF's text.
pub const PDF_MEMORY_BYTES: u64 = 256 << 20;
/// The time a child may take, wall clock and CPU alike.
pub const PDF_SECONDS: u64 = 20;

/// The exit code of `pdf-text` when the file is refused (its reason on standard error).
pub const REFUSED_EXIT: i32 = 3;
/// The first word of the reason line of a size refusal (`too-large\t<message>`), any other
/// reason being a refusal of the file as damaged or unreadable (`rejected\t<message>`).
pub const TOO_LARGE: &str = "too-large";

/// How to run the child: a program that, given `args`, reads a PDF on standard input and writes
/// its text on standard output (exit 0) or a reason line on standard error (exit
/// [`REFUSED_EXIT`]).
#[derive(Debug, Clone)]
pub struct Isolation {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub memory_bytes: u64,
    pub time: Duration,
}

impl Isolation {
    /// This executable's `pdf-text` command, with the default limits.
    pub fn this_executable() -> std::io::Result<Isolation> {
        Ok(Isolation {
            program: std::env::current_exe()?,
            args: vec!["pdf-text".to_owned()],
            memory_bytes: PDF_MEMORY_BYTES,
            time: Duration::from_secs(PDF_SECONDS),
        })
    }
}

static PDF: OnceLock<Isolation> = OnceLock::new();

/// Makes every PDF import of this process extract its text in a child run as `isolation` says.
/// Once per process (the first call wins); `false` when one was installed already.
pub fn isolate_pdf(isolation: Isolation) -> bool {
    PDF.set(isolation).is_ok()
}

/// The installed isolation, if any.
pub fn pdf_isolation() -> Option<&'static Isolation> {
    PDF.get()
}

fn over(file: &str, message: String) -> ImportError {
    ImportError::OverLimit {
        file: file.to_owned(),
        message,
    }
}

/// What the child's limits are, for the refusals.
fn limits_text(iso: &Isolation) -> String {
    format!(
        "spendlens reads a PDF within {} of memory and {} s",
        limits::bytes(iso.memory_bytes),
        iso.time.as_secs()
    )
}

/// The text of the PDF `bytes`, extracted by a child as `iso` says.
pub async fn pdf_text(iso: &Isolation, bytes: &[u8], file: &str) -> Result<String, ImportError> {
    let script = r#"ulimit -v "$1" && ulimit -t "$2" || exit 97; shift 2; exec "$0" "$@""#;
    let mut child = tokio::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg(&iso.program)
        .arg((iso.memory_bytes / 1024).to_string())
        .arg(iso.time.as_secs().max(1).to_string())
        .args(&iso.args)
        // Nothing of the server's environment (secrets, database URL) reaches the child.
        .env_clear()
        .env("MALLOC_ARENA_MAX", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            ImportError::whole_file(file, format!("the PDF reader could not start: {e}"))
        })?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ImportError::whole_file(
            file,
            "the PDF reader could not start",
        ));
    };
    let input = bytes.to_vec();
    let feed = async move {
        // A child that stops reading (it died) is seen in its exit status, not here.
        let _ = stdin.write_all(&input).await;
        drop(stdin);
    };
    let cap = limits::MAX_PDF_TEXT_BYTES as u64 + 1;
    let read_out = async move {
        let mut text = Vec::new();
        let _ = stdout.take(cap).read_to_end(&mut text).await;
        text
    };
    let read_err = async move {
        let mut reason = Vec::new();
        let _ = stderr.take(4096).read_to_end(&mut reason).await;
        reason
    };
    let run = async {
        let ((), text, reason) = tokio::join!(feed, read_out, read_err);
        let status = child.wait().await;
        (text, reason, status)
    };
    let Ok((text, reason, status)) = tokio::time::timeout(iso.time, run).await else {
        return Err(over(
            file,
            format!(
                "the PDF took longer than {} s to read; {}",
                iso.time.as_secs(),
                limits_text(iso)
            ),
        ));
    };
    let status =
        status.map_err(|e| ImportError::whole_file(file, format!("the PDF reader failed: {e}")))?;
    let reason = String::from_utf8_lossy(&reason);
    match status.code() {
        Some(0) if text.len() as u64 >= cap => Err(over(
            file,
            format!(
                "the PDF's text is longer than {}",
                limits::bytes(limits::MAX_PDF_TEXT_BYTES as u64)
            ),
        )),
        Some(0) => Ok(String::from_utf8_lossy(&text).into_owned()),
        Some(REFUSED_EXIT) => {
            let line = reason.lines().next().unwrap_or_default();
            Err(match line.split_once('\t') {
                Some((TOO_LARGE, message)) => over(file, message.to_owned()),
                Some((_, message)) => ImportError::whole_file(file, message.to_owned()),
                None => ImportError::whole_file(file, "the PDF could not be read"),
            })
        }
        Some(97) => Err(ImportError::whole_file(
            file,
            "the PDF reader could not set its limits",
        )),
        // Killed (memory, CPU time) or aborted (an allocation failed): a limit was reached.
        _ => {
            tracing::warn!(%status, file, "PDF extraction ended at its limits");
            Err(over(
                file,
                format!(
                    "the PDF needs more than the memory or time spendlens gives one report \
                     ({}); it may be damaged or built to exhaust the server",
                    limits_text(iso)
                ),
            ))
        }
    }
}

/// Parses an upload as [`crate::imports::parse`] does, on a blocking thread; a PDF's text is
/// extracted in a child when the isolation is installed ([`isolate_pdf`]), and read here with
/// `pdf_locale` exactly as in-process (the child's text keeps the layout).
#[allow(clippy::too_many_arguments)] // the upload and each of the user's reading choices
pub async fn parse_upload(
    bytes: Vec<u8>,
    file_name: String,
    source: Option<Source>,
    currency: String,
    rate: Option<Decimal>,
    period: crate::imports::PeriodRule,
    mapping: spendlens_ingest::ColumnMapping,
    pdf_locale: Option<NumberLocale>,
    date_order: Option<spendlens_ingest::DateOrder>,
) -> Result<Imported, ImportFailure> {
    let pdf = match source {
        Some(s) => s == Source::Pdf,
        // What detection decides first.
        None => bytes.starts_with(b"%PDF-"),
    };
    if pdf && let Some(iso) = pdf_isolation() {
        let text = pdf_text(iso, &bytes, &file_name).await?;
        let options = ImportOptions {
            pdf_locale,
            date_order,
            ..ImportOptions::default()
        };
        return Ok(Imported::Preview(spendlens_ingest::preview_text(
            &text, &file_name, &options,
        )));
    }
    tokio::task::spawn_blocking(move || {
        crate::imports::parse(
            &bytes, &file_name, source, &currency, rate, period, &mapping, pdf_locale, date_order,
        )
    })
    .await
    .map_err(|e| ImportFailure::Task(e.to_string()))?
    .map_err(ImportFailure::File)
}

/// What `pdf-text` writes and exits with for an extraction result (the child's side of the
/// protocol): the text on `out`, or the reason line on `err` and [`REFUSED_EXIT`].
pub fn pdf_text_reply(
    result: Result<String, ImportError>,
    out: &mut impl std::io::Write,
    err: &mut impl std::io::Write,
) -> i32 {
    match result {
        Ok(text) => match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => 0,
            Err(_) => 1,
        },
        Err(e) => {
            let kind = if e.is_too_large() {
                TOO_LARGE
            } else {
                "rejected"
            };
            let message = e
                .diagnostics()
                .into_iter()
                .map(|d| d.message)
                .collect::<Vec<_>>()
                .join("; ")
                .replace(['\n', '\t'], " ");
            let _ = writeln!(err, "{kind}\t{message}");
            REFUSED_EXIT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_carries_the_kind_of_refusal() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = pdf_text_reply(
            Err(ImportError::OverLimit {
                file: "r.pdf".into(),
                message: "the PDF has 900 pages".into(),
            }),
            &mut out,
            &mut err,
        );
        assert_eq!(code, REFUSED_EXIT);
        assert_eq!(
            String::from_utf8_lossy(&err),
            "too-large\tthe PDF has 900 pages\n"
        );
        let mut out = Vec::new();
        assert_eq!(pdf_text_reply(Ok("Spend 1".into()), &mut out, &mut err), 0);
        assert_eq!(out, b"Spend 1");
    }
}
