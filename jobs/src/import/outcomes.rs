//! The rows' outcomes on their way to the result workbook. The import hands each row
//! over as soon as its outcome is final, in file order, and a thread of its own writes
//! it while later batches are still being written: written after the last batch, the
//! workbook of a 100,000-row import took 0.15 s more (2026-12-04).

use std::collections::BTreeSet;
use std::sync::mpsc;

use super::Counts;
use super::result::{Book, RowResult, Summary};
use crate::task_runner::TaskError;

/// Rows handed over at once (fewer, larger messages to the writer).
const HAND_OVER: usize = 2_000;

pub(super) struct Outcomes {
    sender: mpsc::Sender<Vec<RowResult>>,
    writer: tokio::task::JoinHandle<Result<Book, rust_xlsxwriter::XlsxError>>,
    /// Rows handed over so far (the first rows of the file).
    sent: usize,
    /// The first row of each batch being written.
    batches: BTreeSet<usize>,
}

impl Outcomes {
    /// Starts the writer. `dry_run`: 试导入 (the outcomes say what an import would do).
    pub(super) fn start(dry_run: bool) -> Self {
        let (sender, rows) = mpsc::channel::<Vec<RowResult>>();
        let writer = tokio::task::spawn_blocking(move || {
            let mut book = Book::new(dry_run)?;
            // Ends when the import drops its sender: all rows were handed over, or the
            // file was refused (the workbook is then dropped unwritten).
            for chunk in rows {
                for row in &chunk {
                    book.push(row)?;
                }
            }
            Ok(book)
        });
        Self {
            sender,
            writer,
            sent: 0,
            batches: BTreeSet::new(),
        }
    }

    /// A batch starting at this row went to be written.
    pub(super) fn batch_sent(&mut self, first: usize) {
        self.batches.insert(first);
    }

    /// The batch starting at this row came back with its outcomes.
    pub(super) fn batch_done(&mut self, first: usize) {
        self.batches.remove(&first);
    }

    /// Hands over the rows whose outcome is final: those before the first row still
    /// waiting to be written (`waiting`: the first ready row not yet in a batch, else
    /// the end of what was read) and before every batch being written.
    pub(super) fn hand_over(&mut self, results: &mut [RowResult], waiting: usize) {
        let end = self.batches.first().map_or(waiting, |b| (*b).min(waiting));
        if end >= self.sent + HAND_OVER {
            self.send(results, end);
        }
    }

    /// Hands over the rest, then fills the 汇总 sheet; the workbook and its counts.
    pub(super) async fn finish(
        mut self,
        results: &mut [RowResult],
        summary: Summary,
    ) -> Result<(Vec<u8>, Counts), TaskError> {
        self.send(results, results.len());
        drop(self.sender);
        let book = self
            .writer
            .await
            .map_err(|e| TaskError::Other(e.to_string()))?
            .map_err(|e| TaskError::Other(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let counts = book.counts();
            book.finish(&summary).map(|bytes| (bytes, counts))
        })
        .await
        .map_err(|e| TaskError::Other(e.to_string()))?
        .map_err(|e| TaskError::Other(e.to_string()))
    }

    /// Moves rows `sent..end` to the writer (their outcome is final; nothing reads them
    /// here again). A writer that stopped on an error says so at `finish`.
    fn send(&mut self, results: &mut [RowResult], end: usize) {
        if end <= self.sent {
            return;
        }
        let rows = results[self.sent..end]
            .iter_mut()
            .map(RowResult::take)
            .collect();
        let _ = self.sender.send(rows);
        self.sent = end;
    }
}
