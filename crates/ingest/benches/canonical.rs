//! Streaming the canonical CSV: rows per second, and proof that memory stays flat.
//!
//! The input is generated on the fly by a `Read` implementation, so it takes no memory itself; what
//! the process holds is the parser's. Run one size per process to compare peak memory:
//!
//! ```text
//! cargo bench -p spendlens-ingest --bench canonical -- stream
//! cargo bench -p spendlens-ingest --bench canonical -- collect
//! ```
//!
//! Each run prints divan's table (time, rows/s, and from `AllocProfiler` the peak heap in use
//! ("max alloc") and the allocations per iteration), then the process's peak resident set
//! (`VmHWM`). The streaming parser shows the same peak heap for 100,000 and 1,000,000 rows; the
//! collecting `parse_canonical` (benchmarked at 100,000 rows for contrast) grows with the file.

use std::io::Read;

use chrono::{Datelike, NaiveDate};
use divan::Bencher;
use divan::counter::ItemsCount;
use spendlens_core::DailyRow;
use spendlens_ingest::{DEFAULT_BATCH, ImportOptions, parse_canonical, stream_canonical};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{line}");
        }
    }
}

const PLATFORMS: [&str; 5] = [
    "linkedin",
    "meta",
    "google_ads",
    "custom_integration",
    "sheets",
];

/// A canonical CSV of `rows` rows, produced line by line as it is read.
struct GeneratedCsv {
    rows: u64,
    next: u64,
    line: Vec<u8>,
    pos: usize,
    start: NaiveDate,
}

impl GeneratedCsv {
    fn new(rows: u64) -> Self {
        let header = b"date,platform,campaign,spend,impressions,engagements,clicks,conversions,conversion_value,revenue,currency\n";
        GeneratedCsv {
            rows,
            next: 0,
            line: header.to_vec(),
            pos: 0,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        }
    }

    fn fill(&mut self) {
        use std::io::Write;
        let i = self.next;
        self.next += 1;
        self.line.clear();
        self.pos = 0;
        let date = self.start + chrono::TimeDelta::days(i64::try_from(i % 730).unwrap_or(0));
        let platform = PLATFORMS[usize::try_from(i % 5).unwrap_or(0)];
        let _ = writeln!(
            self.line,
            "{:04}-{:02}-{:02},{platform},Campaign {} - EMEA,{}.{:02},{},{},{},{}.{},{}.{:02},,USD",
            date.year(),
            date.month(),
            date.day(),
            i / 730,
            i % 5000,
            i % 100,
            10_000 + i % 90_000,
            i % 300,
            i % 700,
            i % 20,
            i % 10,
            i % 900,
            i % 100,
        );
    }
}

impl Read for GeneratedCsv {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while written < buf.len() {
            if self.pos == self.line.len() {
                if self.next == self.rows {
                    break;
                }
                self.fill();
            }
            let n = (self.line.len() - self.pos).min(buf.len() - written);
            buf[written..written + n].copy_from_slice(&self.line[self.pos..self.pos + n]);
            self.pos += n;
            written += n;
        }
        Ok(written)
    }
}

#[divan::bench(args = [100_000, 1_000_000], sample_count = 3, sample_size = 1)]
fn stream(bencher: Bencher, rows: u64) {
    bencher.counter(ItemsCount::new(rows)).bench(|| {
        let mut handed = 0u64;
        let outcome = stream_canonical(
            GeneratedCsv::new(rows),
            "bench.csv",
            DEFAULT_BATCH,
            |batch: &[DailyRow]| {
                handed += batch.len() as u64;
                Ok::<(), std::convert::Infallible>(())
            },
        )
        .expect("the generated file is valid");
        assert_eq!((outcome.summary.rows, handed), (rows, rows));
        outcome.summary.totals.spend
    });
}

#[divan::bench(args = [100_000], sample_count = 3, sample_size = 1)]
fn collect(bencher: Bencher, rows: u64) {
    let mut bytes = Vec::new();
    GeneratedCsv::new(rows)
        .read_to_end(&mut bytes)
        .expect("generated");
    let options = ImportOptions {
        max_bytes: usize::MAX,
        ..ImportOptions::default()
    };
    bencher.counter(ItemsCount::new(rows)).bench(|| {
        let parsed =
            parse_canonical(&bytes, "bench.csv", &options).expect("the generated file is valid");
        assert_eq!(parsed.rows.len() as u64, rows);
        parsed.rows.len()
    });
}
