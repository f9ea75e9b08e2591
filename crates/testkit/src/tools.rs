//! Tools from outside Rust, found on `PATH`; without one, the test is skipped visibly or, under
//! CI, fails.
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether this run is CI: `CI` set to anything but the empty string or `false` (`.ci/run`
/// exports `CI=true`, as hosted CI services do). Under CI nothing may be skipped.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// The path of the executable `name` on `PATH`, or `None` after [`unavailable`] said why the
/// test cannot run (a skip line; under CI, a panic).
pub fn tool(name: &str) -> Option<PathBuf> {
    tools(&[name]).and_then(|mut found| found.pop())
}

/// The paths of every executable in `names`, in order, or `None` after one skip line naming all
/// the missing ones (under CI, a panic), so a test that needs two tools skips once.
pub fn tools(names: &[&str]) -> Option<Vec<PathBuf>> {
    let found: Vec<Option<PathBuf>> = names.iter().map(|name| on_path(name)).collect();
    let missing: Vec<String> = names
        .iter()
        .zip(&found)
        .filter(|(_, path)| path.is_none())
        .map(|(name, _)| format!("no {name}"))
        .collect();
    if missing.is_empty() {
        return found.into_iter().collect();
    }
    unavailable("", &missing.join(", "));
    None
}

/// Says that (part of) the running test cannot run for want of `reason`: under CI a panic, since
/// CI installs everything (`.ci/run`); elsewhere the line `skipped: <test><part> (<reason>)` on
/// stderr, after which the caller returns. `part` narrows the skip, e.g. `" on PostgreSQL"`.
pub fn unavailable(part: &str, reason: &str) {
    let test = test_name();
    assert!(
        !ci(),
        "{test}{part}: {reason}, and CI must have it: `.ci/run` installs every tool and starts \
         PostgreSQL"
    );
    // Straight to the handle: libtest would swallow an `eprintln!` of a passing test.
    let _ = writeln!(std::io::stderr(), "skipped: {test}{part} ({reason})");
}

/// The name libtest gave the running test: it runs each test on a thread named after it.
fn test_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => "a test".to_owned(),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
