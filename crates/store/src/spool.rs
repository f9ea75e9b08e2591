//! An import's checked rows, spooled to an anonymous temporary file while the file is parsed and
//! read back once, in key order, by the merge (see `staging.rs`).
//!
//! Why a file and not a temporary table: a temporary table wrote every row twice (once into
//! the table's B-tree, a second time into `daily_metrics`), and its pages spilled out of the
//! page cache on large files. The spool costs a sequential write and a sequential read of about
//! 70 bytes a row, and takes no lock on any database: the parse of a large file never holds up
//! another campaign's writes.
//!
//! The rows are sorted in runs of [`RUN_ROWS`] (a key repeated inside a run keeps its last
//! row), and the runs merged on reading (a key repeated across runs keeps the row of the
//! latest run): the merge sees each key once, with the file's last row of it, in the order
//! `daily_metrics` stores a campaign's rows (date, platform, external campaign; bytewise, as
//! SQLite compares text). Writing in key order makes a fresh campaign's rows an append to the
//! table's B-tree. Memory stays bounded whatever the file: one run in memory while writing, a
//! small buffer per run while reading.
//!
//! The file is unlinked as soon as it is created, so it goes with its handle: an abandoned
//! import (an error, a client gone, a killed process) leaves nothing behind on disk either.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt as _;

use tokio::sync::mpsc;

use chrono::{Datelike as _, NaiveDate};
use spendlens_core::platform::Platform;

use crate::imports::Values;

/// Rows sorted in memory before they are written as one run: about 3 MB of rows.
pub(crate) const RUN_ROWS: usize = 16_384;

/// Bytes read at a time from each run when the runs are merged.
const READ_BUFFER: usize = 32 * 1024;

/// Runs of one level merged into one run of the next level once this many gather: the reading
/// merges at most this many runs per level (a million rows make 62 runs, a hundred million
/// about 100 per level over two levels), so its buffers stay small whatever the file.
const FAN_IN: usize = 64;

/// A sorted run: where it lies in the file, and its level (0 for a run sorted in memory, one
/// more for each merge of runs it came from).
#[derive(Debug, Clone, Copy)]
struct Run {
    offset: u64,
    length: u64,
    level: u32,
}

/// One checked row of an import: its key and its values as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Staged {
    pub(crate) date: NaiveDate,
    pub(crate) platform: Platform,
    pub(crate) external_campaign_id: String,
    pub(crate) values: Values,
}

impl Staged {
    /// The natural key, ordered as `daily_metrics` stores a campaign's rows.
    fn key_cmp(&self, other: &Staged) -> Ordering {
        self.date
            .cmp(&other.date)
            .then_with(|| self.platform.as_str().cmp(other.platform.as_str()))
            .then_with(|| self.external_campaign_id.cmp(&other.external_campaign_id))
    }
}

/// The spooled rows of one import: sorted runs in an unlinked temporary file, plus the run
/// being gathered.
#[derive(Debug)]
pub(crate) struct Spool {
    file: File,
    /// Bytes written so far (the next run's offset).
    written: u64,
    /// The runs, oldest first (so levels never increase along it).
    runs: Vec<Run>,
    pending: Vec<Staged>,
    run_rows: usize,
    fan_in: usize,
}

impl Spool {
    /// An empty spool in the system's temporary directory (`TMPDIR`).
    pub(crate) fn new() -> io::Result<Self> {
        Spool::with_sizes(RUN_ROWS, FAN_IN)
    }

    /// An empty spool sorting `run_rows` rows at a time and merging `fan_in` runs of a level
    /// (tests use small ones).
    pub(crate) fn with_sizes(run_rows: usize, fan_in: usize) -> io::Result<Self> {
        let path = std::env::temp_dir().join(format!("spendlens-import-{}", uuid::Uuid::new_v4()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Spool {
            file,
            written: 0,
            runs: Vec::new(),
            pending: Vec::with_capacity(run_rows.min(RUN_ROWS)),
            run_rows: run_rows.max(1),
            fan_in: fan_in.max(2),
        })
    }

    /// Adds a row; a later row of the same key replaces it.
    pub(crate) fn push(&mut self, row: Staged) -> io::Result<()> {
        self.pending.push(row);
        if self.pending.len() >= self.run_rows {
            self.flush_run()?;
        }
        Ok(())
    }

    /// Writes the gathered rows as one run, sorted, each key once (its last row).
    fn flush_run(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // A stable sort keeps a key's rows in file order; the last of them is kept.
        self.pending.sort_by(Staged::key_cmp);
        self.pending.dedup_by(|later, kept| {
            let same = later.key_cmp(kept) == Ordering::Equal;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        let mut pending = std::mem::take(&mut self.pending);
        self.append_run(pending.drain(..).map(Ok), 0)?;
        self.pending = pending;
        self.compact()
    }

    /// Writes `rows` (in key order, each key once) at the end of the file as a run of `level`.
    fn append_run(
        &mut self,
        rows: impl Iterator<Item = io::Result<Staged>>,
        level: u32,
    ) -> io::Result<()> {
        // Positioned writes: a run's offset is where it was written, whatever failed before.
        const CHUNK: usize = 256 * 1024;
        let mut buffer = Vec::with_capacity(CHUNK + 4096);
        let mut length = 0u64;
        for row in rows {
            encode(&row?, &mut buffer)?;
            if buffer.len() >= CHUNK {
                self.file.write_all_at(&buffer, self.written + length)?;
                length += buffer.len() as u64;
                buffer.clear();
            }
        }
        self.file.write_all_at(&buffer, self.written + length)?;
        length += buffer.len() as u64;
        self.runs.push(Run {
            offset: self.written,
            length,
            level,
        });
        self.written += length;
        Ok(())
    }

    /// Merges the newest runs into one while `fan_in` of them share a level. They are the
    /// newest of the spool, so the merged run keeps their place among the others: a key's last
    /// row still comes from the latest run holding it.
    fn compact(&mut self) -> io::Result<()> {
        loop {
            let Some(level) = self.runs.last().map(|r| r.level) else {
                return Ok(());
            };
            let same = self
                .runs
                .iter()
                .rev()
                .take_while(|r| r.level == level)
                .count();
            if same < self.fan_in {
                return Ok(());
            }
            let first = self.runs.len() - same;
            let mut merged = self.merged(&self.runs[first..])?;
            let merged_runs: Vec<Run> = self.runs.drain(first..).collect();
            let rows = std::iter::from_fn(|| merged.next_row().transpose());
            if let Err(e) = self.append_run(rows, level + 1) {
                self.runs.splice(first..first, merged_runs);
                return Err(e);
            }
        }
    }

    /// Ends the writing: the rows gathered since the last run become the last run. Rows may
    /// still be pushed afterwards (they form further runs).
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        self.flush_run()
    }

    /// The rows of the finished spool in key order, each key once with its last row; may be
    /// called again (a merge tried again reads the spool from its start).
    pub(crate) fn rows(&self) -> io::Result<Merged> {
        self.merged(&self.runs)
    }

    /// The rows of `runs` (consecutive runs, oldest first) merged.
    fn merged(&self, runs: &[Run]) -> io::Result<Merged> {
        let file = self.file.try_clone()?;
        let mut heap = BinaryHeap::with_capacity(runs.len());
        let mut cursors = Vec::with_capacity(runs.len());
        for (run, r) in runs.iter().enumerate() {
            let mut cursor = Cursor {
                position: r.offset,
                end: r.offset + r.length,
                buffer: Vec::new(),
                start: 0,
            };
            if let Some(row) = cursor.next_row(&file)? {
                heap.push(Head { row, run });
            }
            cursors.push(cursor);
        }
        Ok(Merged {
            file,
            cursors,
            heap,
        })
    }

    /// [`Spool::rows`] in batches of up to `rows` rows, read and merged on a blocking thread
    /// while the caller writes the previous batch; the last item an error if reading failed.
    /// Dropping the receiver stops the thread.
    pub(crate) fn batches(
        &self,
        rows: usize,
    ) -> io::Result<mpsc::Receiver<io::Result<Vec<Staged>>>> {
        let mut merged = self.rows()?;
        let (tx, rx) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            loop {
                let mut batch = Vec::with_capacity(rows);
                let end = loop {
                    match merged.next_row() {
                        Ok(Some(row)) => {
                            batch.push(row);
                            if batch.len() == rows {
                                break Ok(false);
                            }
                        }
                        Ok(None) => break Ok(true),
                        Err(e) => break Err(e),
                    }
                };
                let (last, failed) = match end {
                    Ok(last) => (last, None),
                    Err(e) => (true, Some(e)),
                };
                if !batch.is_empty() && tx.blocking_send(Ok(batch)).is_err() {
                    return;
                }
                if let Some(e) = failed {
                    let _gone = tx.blocking_send(Err(e));
                }
                if last {
                    return;
                }
            }
        });
        Ok(rx)
    }
}

/// The spooled rows merged from every run (see [`Spool::rows`]).
#[derive(Debug)]
pub(crate) struct Merged {
    file: File,
    cursors: Vec<Cursor>,
    heap: BinaryHeap<Head>,
}

impl Merged {
    /// The next key's row, `None` after the last.
    pub(crate) fn next_row(&mut self) -> io::Result<Option<Staged>> {
        let Some(mut best) = self.pop()? else {
            return Ok(None);
        };
        // The same key in later runs: the latest run's row wins (ties pop in run order).
        while self
            .heap
            .peek()
            .is_some_and(|next| next.row.key_cmp(&best.row) == Ordering::Equal)
        {
            if let Some(later) = self.pop()? {
                best = later;
            }
        }
        Ok(Some(best.row))
    }

    /// Takes the smallest head and refills its run's place in the heap.
    fn pop(&mut self) -> io::Result<Option<Head>> {
        let Some(head) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(cursor) = self.cursors.get_mut(head.run)
            && let Some(row) = cursor.next_row(&self.file)?
        {
            self.heap.push(Head { row, run: head.run });
        }
        Ok(Some(head))
    }
}

/// A run's next row, ordered for a min-heap by key, then by run.
#[derive(Debug)]
struct Head {
    row: Staged,
    run: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` pops its greatest element.
        other
            .row
            .key_cmp(&self.row)
            .then_with(|| other.run.cmp(&self.run))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Reads one run sequentially through its own buffer (positioned reads: the runs share the
/// file).
#[derive(Debug)]
struct Cursor {
    /// The file offset of the first byte not yet buffered.
    position: u64,
    end: u64,
    buffer: Vec<u8>,
    /// The first unread byte of `buffer`.
    start: usize,
}

impl Cursor {
    /// At least `n` unread bytes buffered, or an error when the run ends first.
    fn fill(&mut self, file: &File, n: usize) -> io::Result<()> {
        if self.buffer.len() - self.start >= n {
            return Ok(());
        }
        self.buffer.drain(..self.start);
        self.start = 0;
        let want = n.max(READ_BUFFER);
        while self.buffer.len() < n {
            let left = usize::try_from(self.end - self.position).unwrap_or(usize::MAX);
            let take = (want - self.buffer.len()).min(left);
            if take == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the import's spool ended inside a row",
                ));
            }
            let old = self.buffer.len();
            self.buffer.resize(old + take, 0);
            let read = file.read_at(&mut self.buffer[old..], self.position)?;
            self.buffer.truncate(old + read);
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the import's spool is shorter than written",
                ));
            }
            self.position += read as u64;
        }
        Ok(())
    }

    /// The next `n` bytes.
    fn take(&mut self, file: &File, n: usize) -> io::Result<&[u8]> {
        self.fill(file, n)?;
        let bytes = &self.buffer[self.start..self.start + n];
        self.start += n;
        Ok(bytes)
    }

    fn byte(&mut self, file: &File) -> io::Result<u8> {
        Ok(self.take(file, 1)?[0])
    }

    fn u32(&mut self, file: &File) -> io::Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(file, 4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn i64(&mut self, file: &File) -> io::Result<i64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(file, 8)?);
        Ok(i64::from_le_bytes(b))
    }

    fn opt_i64(&mut self, file: &File) -> io::Result<Option<i64>> {
        Ok(match self.byte(file)? {
            0 => None,
            _ => Some(self.i64(file)?),
        })
    }

    fn string(&mut self, file: &File) -> io::Result<String> {
        let n = usize::try_from(self.u32(file)?).map_err(io::Error::other)?;
        String::from_utf8(self.take(file, n)?.to_vec()).map_err(io::Error::other)
    }

    /// The run's next row, `None` at its end.
    fn next_row(&mut self, file: &File) -> io::Result<Option<Staged>> {
        if self.start == self.buffer.len() && self.position == self.end {
            return Ok(None);
        }
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(file, 4)?);
        let date = NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(b))
            .ok_or_else(|| io::Error::other("a spooled date out of range"))?;
        let platform = Platform::ALL
            .get(usize::from(self.byte(file)?))
            .copied()
            .ok_or_else(|| io::Error::other("a spooled platform out of range"))?;
        let external_campaign_id = self.string(file)?;
        let values = Values {
            spend: self.i64(file)?,
            impressions: self.i64(file)?,
            engagements: self.i64(file)?,
            clicks: self.i64(file)?,
            conversions: self.i64(file)?,
            conversion_value: self.opt_i64(file)?,
            revenue: self.opt_i64(file)?,
            currency: match self.byte(file)? {
                0 => None,
                _ => Some(self.string(file)?),
            },
        };
        Ok(Some(Staged {
            date,
            platform,
            external_campaign_id,
            values,
        }))
    }
}

/// A row's bytes: the day number, the platform's index, the length-prefixed external id, the
/// values (little-endian; an absent value a 0 tag).
fn encode(row: &Staged, out: &mut Vec<u8>) -> io::Result<()> {
    let platform = Platform::ALL
        .iter()
        .position(|p| *p == row.platform)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| io::Error::other("an unknown platform"))?;
    let text = |s: &str, out: &mut Vec<u8>| -> io::Result<()> {
        let n = u32::try_from(s.len()).map_err(io::Error::other)?;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        Ok(())
    };
    let v = &row.values;
    out.extend_from_slice(&row.date.num_days_from_ce().to_le_bytes());
    out.push(platform);
    text(&row.external_campaign_id, out)?;
    for n in [
        v.spend,
        v.impressions,
        v.engagements,
        v.clicks,
        v.conversions,
    ] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    for n in [v.conversion_value, v.revenue] {
        match n {
            None => out.push(0),
            Some(n) => {
                out.push(1);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
    match &v.currency {
        None => out.push(0),
        Some(c) => {
            out.push(1);
            text(c, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(day: u32, platform: Platform, id: &str, spend: i64) -> Staged {
        Staged {
            date: NaiveDate::from_ymd_opt(2026, 1, day).unwrap_or_default(),
            platform,
            external_campaign_id: id.to_owned(),
            values: Values {
                spend,
                impressions: 1,
                engagements: 2,
                clicks: 3,
                conversions: 4,
                conversion_value: (spend % 2 == 0).then_some(spend),
                revenue: None,
                currency: (spend % 3 == 0).then(|| "EUR".to_owned()),
            },
        }
    }

    fn read_all(spool: &Spool) -> Vec<Staged> {
        let mut out = Vec::new();
        let mut rows = spool.rows().unwrap_or_else(|e| panic!("{e}"));
        while let Some(row) = rows.next_row().unwrap_or_else(|e| panic!("{e}")) {
            out.push(row);
        }
        out
    }

    /// The spool against a plain model: each key's last row, in key order, whatever the run
    /// size (one row a run, runs splitting the duplicates, one run for everything).
    fn check(rows: &[Staged]) {
        let mut expected: Vec<Staged> = Vec::new();
        for row in rows {
            match expected
                .iter_mut()
                .find(|e| e.key_cmp(row) == Ordering::Equal)
            {
                Some(e) => *e = row.clone(),
                None => expected.push(row.clone()),
            }
        }
        expected.sort_by(Staged::key_cmp);
        for (run_rows, fan_in) in [(1, 2), (1, 3), (2, 2), (3, 64), (7, 2), (7, 4), (1000, 64)] {
            let mut spool = Spool::with_sizes(run_rows, fan_in).unwrap_or_else(|e| panic!("{e}"));
            for row in rows {
                spool.push(row.clone()).unwrap_or_else(|e| panic!("{e}"));
            }
            spool.finish().unwrap_or_else(|e| panic!("{e}"));
            let what = format!("runs of {run_rows}, {fan_in} a level");
            assert_eq!(read_all(&spool), expected, "{what}");
            // Read again, as a merge tried again does.
            assert_eq!(read_all(&spool), expected, "{what}, again");
            assert!(
                spool.runs.len() <= (fan_in - 1) * 8,
                "{what}: {} runs",
                spool.runs.len()
            );
        }
    }

    #[test]
    fn the_last_row_of_a_key_wins_inside_and_across_runs() {
        let rows: Vec<Staged> = (0..60)
            .map(|i| {
                let platform = Platform::ALL[i % 3];
                let day = u32::try_from(1 + i % 5).unwrap_or(1);
                staged(
                    day,
                    platform,
                    &format!("c{}", i % 4),
                    i64::try_from(i).unwrap_or(0),
                )
            })
            .collect();
        check(&rows);
    }

    #[test]
    fn keys_sort_bytewise_and_long_ids_cross_the_read_buffer() {
        let long = "x".repeat(READ_BUFFER + 17);
        let rows = vec![
            staged(3, Platform::Meta, "b", 1),
            staged(3, Platform::GoogleAds, "é", 2),
            staged(2, Platform::Sheets, &long, 3),
            staged(3, Platform::GoogleAds, "", 4),
            staged(2, Platform::Sheets, &long, 5),
            staged(3, Platform::Meta, "B", 6),
        ];
        check(&rows);
        check(&[]);
    }
}
