//! Writing a command's result: to stdout, or atomically to a file; and the two print macros every
//! command uses instead of `println!`/`eprintln!`, which panic when the pipe they write to is
//! closed (`spendlens import ... | head -c1` would end with a panic and status 101).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// `println!` that hands back the write's error instead of panicking: the command returns it
/// with `?`, and `main` ends quietly when it is a closed pipe ([`is_broken_pipe`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `eprintln!` that never panics: with stderr closed there is nowhere left to report to.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// Whether a command failed only because its reader went away (a closed pipe: `| head`), which
/// is how a pipeline asks for no more output: the binary then exits 0 without a word.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `--format`: `Some(true)` for `json`, `Some(false)` for `text`; `None` (after saying so on
/// stderr) for anything else, which the command answers with exit 2.
pub fn json_or_text(format: &str) -> Option<bool> {
    match format {
        "json" => Some(true),
        "text" => Some(false),
        other => {
            errln!("--format: expected json or text, got \"{other}\"");
            None
        }
    }
}

/// Writes `text` to `path` all or nothing (a temporary file in the same directory, then a rename),
/// or to stdout when no path is given.
pub fn write_result(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        None => write_stdout(text.as_bytes()),
        Some(path) => write_bytes(path, text.as_bytes()),
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}

/// Writes `bytes` to `path` all or nothing (a temporary file in the same directory, then a
/// rename; the temporary file is removed when either fails), or to stdout for `-`. A directory
/// is refused before anything is written.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        return write_stdout(bytes);
    }
    if path.is_dir() {
        anyhow::bail!("writing {}: is a directory; name a file", path.display());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = std::fs::write(&tmp, bytes)
        .with_context(|| format!("writing {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Reads an input file, or stdin for `-`.
/// A byte-order mark (Windows' Notepad writes one) is not part of the document.
pub fn read_input(path: &Path) -> std::io::Result<String> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin().lock())?
    } else {
        std::fs::read_to_string(path)?
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// A mistake in how a command was called (a flag's value), answered with its message and exit 2
/// like clap's own.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}
