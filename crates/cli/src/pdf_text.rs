//! `spendlens pdf-text`: the child process the server and `spendlens import` read a PDF's text in
//! (`spendlens_app::isolation`). It reads the PDF on standard input, extracts its text within
//! `spendlens_ingest`'s limits, and answers on standard output, or with a reason line on standard
//! error and exit code 3. Its own memory and time are limited by whoever starts it.

use std::io::Read;
use std::process::ExitCode;

use spendlens_ingest::{DEFAULT_MAX_BYTES, ImportOptions};

pub fn run() -> anyhow::Result<ExitCode> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(DEFAULT_MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    let result = spendlens_ingest::extract_text(&bytes, "upload.pdf", &ImportOptions::default());
    let code = spendlens_app::isolation::pdf_text_reply(
        result,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
