//! Fuzzing inside the ordinary test suite: a deterministic mutator, and a way to run a test body in
//! a child process under an address-space limit.
//!
//! Why a child: an allocation that fails aborts the process (it is not a panic), and one that
//! succeeds can take the machine. Re-running the test binary on just this test, under
//! `ulimit -v`, turns either into a failed test with the child's last words, and leaves the test
//! runner standing. Why deterministic: every run tries the same inputs (seeded from
//! `spendlens-rng`), so a failure reproduces and the suite's time is fixed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use spendlens_rng::SplitMix64;

/// The environment variable that tells a re-executed test binary it is the child.
const CHILD: &str = "SPENDLENS_ISOLATED_TEST";

/// Runs `body` in a child process of this test binary limited to `megabytes` of address space
/// and `seconds` of wall time, and fails (showing the child's output) unless it passes there.
///
/// `test` is the test's path as libtest names it (`module::test_name`, without the crate), so
/// the child runs exactly this test: in the child `body` runs; in the parent it never does.
pub fn in_child(test: &str, megabytes: u64, seconds: u64, body: impl FnOnce()) {
    if std::env::var(CHILD).is_ok_and(|t| t == test) {
        body();
        return;
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"ulimit -v "$1" || exit 97; shift; exec "$0" "$@""#)
        .arg(&exe)
        .arg((megabytes * 1024).to_string())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        // One malloc arena per thread reserves 64 MB of address space each; the limit is about
        // what the code allocates, not about glibc's reservations.
        .env("MALLOC_ARENA_MAX", "2")
        // The panic's message, not a backtrace, in the tail shown.
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", exe.display()));
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for the child: {e}"),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    match status {
        None => panic!(
            "{test} did not finish within {seconds} s under a {megabytes} MB limit\n--- stdout\n{}\n--- stderr\n{}",
            tail(&stdout),
            tail(&stderr)
        ),
        Some(s) if !s.success() || !stdout.contains("1 passed") => panic!(
            "{test} failed in a child limited to {megabytes} MB ({s})\n--- stdout\n{}\n--- stderr\n{}",
            tail(&stdout),
            tail(&stderr)
        ),
        Some(_) => {}
    }
}

/// Bytes a mutation likes to write: separators, quotes, markup and PDF syntax, and the edges of
/// integer ranges.
const INTERESTING: &[u8] = b",;\t\"\n\r<>/=#%()[]{}0123456789-.\x00\xff\x7f\x80 ";

/// A deterministic mutator of byte strings: bit flips, interesting bytes, truncation, insertion,
/// deletion, duplication, splicing with another corpus entry and long digit runs (huge counts in
/// headers and dictionaries).
#[derive(Debug, Clone)]
pub struct Mutator {
    rng: SplitMix64,
}

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator {
            rng: SplitMix64::new(seed),
        }
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.rng.below(n as u64)).unwrap_or(0)
    }

    /// A mutant of `input`: one to four mutations, `corpus` supplying material to splice.
    pub fn mutate(&mut self, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut out = input.to_vec();
        let rounds = 1 + self.below(4);
        for _ in 0..rounds {
            let len = out.len();
            let at = self.below(len + 1);
            match self.below(8) {
                0 if len > 0 => {
                    let i = at.min(len - 1);
                    let bit = self.below(8);
                    out[i] ^= 1 << bit;
                }
                1 if len > 0 => {
                    let i = at.min(len - 1);
                    out[i] = INTERESTING[self.below(INTERESTING.len())];
                }
                2 => out.truncate(at),
                3 => {
                    let n = 1 + self.below(16);
                    let bytes: Vec<u8> = (0..n)
                        .map(|_| INTERESTING[self.below(INTERESTING.len())])
                        .collect();
                    out.splice(at..at, bytes);
                }
                4 if at < len => {
                    let end = (at + 1 + self.below(64)).min(len);
                    out.drain(at..end);
                }
                5 if at < len => {
                    let end = (at + 1 + self.below(256)).min(len);
                    let copy = out[at..end].to_vec();
                    let times = 1 + self.below(8);
                    for _ in 0..times {
                        out.splice(at..at, copy.iter().copied());
                    }
                }
                6 if !corpus.is_empty() => {
                    let other = &corpus[self.below(corpus.len())];
                    let from = self.below(other.len() + 1);
                    out.truncate(at);
                    out.extend_from_slice(&other[from..]);
                }
                _ => {
                    let n = 1 + self.below(19);
                    let digits: Vec<u8> = (0..n).map(|_| b"0123456789"[self.below(10)]).collect();
                    out.splice(at..at, digits);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_reproducible_and_vary() {
        let corpus = vec![b"date,spend\n2024-06-01,1\n".to_vec(), b"%PDF-1.4".to_vec()];
        let run = |seed| {
            let mut m = Mutator::new(seed);
            (0..50)
                .map(|_| m.mutate(&corpus[0], &corpus))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let mutants = run(7);
        let distinct: std::collections::HashSet<_> = mutants.iter().collect();
        assert!(distinct.len() > 40);
    }
}
