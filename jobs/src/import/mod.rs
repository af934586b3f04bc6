//! The roster import job (会员批量采集): read the uploaded workbook, check every row with
//! the same rules as manual entry, upsert by the ID number's keyed hash in batches, and
//! write a result workbook with every row's outcome and reasons.
//!
//! Re-running is safe: a re-imported row updates (or leaves) the record it matches, and
//! rows a crashed earlier attempt of the same task inserted are recognised by
//! `members.import_task_id`, so they are still reported as 新增.

mod check;
pub mod columns;
mod outcomes;
mod postgres;
pub mod reader;
pub mod result;
pub mod template;
mod upsert;

pub use check::NO_UNIT;
pub use postgres::ImportLanes;

use entity::enums::{FilePurpose, MemberStatus, TaskStatus};
use entity::roster::ValidMember;
use entity::{stored_file, task};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::task_runner::{Outcome, TaskError, params, renew};
use crate::workers::JobContext;
use outcomes::Outcomes;
use reader::FileRefused;
use result::RowResult;

/// What the api stores in `tasks.params` for an import.
#[derive(Debug, Serialize, Deserialize)]
pub struct ImportParams {
    /// The uploaded workbook in `stored_files`.
    pub file_id: i64,
    /// 试导入: every check and the result workbook, nothing written to the roster.
    #[serde(default)]
    pub dry_run: bool,
    /// The unit (of the importing union) of rows whose 所在单位 is blank or absent.
    #[serde(default)]
    pub default_unit_id: Option<i64>,
}

/// A row that passed every check and is ready to write.
pub(crate) struct ReadyRow {
    pub index: usize,
    pub member: ValidMember,
    pub unit_id: Option<i64>,
    pub status: MemberStatus,
    pub hash: String,
    pub encrypted: String,
    /// As the roster lists it (`650***********2921`).
    pub id_number_masked: String,
}

/// Runs one import: load the upload, read its rows, check them, write the good ones,
/// store the result workbook and say how it went.
pub async fn run(ctx: &JobContext, task: &task::Model) -> Result<Outcome, TaskError> {
    let Some(params) = params::<ImportParams>(task) else {
        return Ok(Outcome::Failed("任务参数无效".into()));
    };
    let bytes = match load_upload(ctx, task, &params).await? {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(Outcome::Failed(reason)),
    };
    let started = std::time::Instant::now();
    // The rows are checked as they are read, and the union's records load meanwhile (a
    // real run needs them to tell new from changed rows).
    let (sender, checked) = tokio::sync::mpsc::channel(CHUNKS_WAITING);
    let reading = check::start_reading(ctx, task, &params, bytes, sender).await?;
    let existing = if params.dry_run {
        None
    } else {
        Some(upsert::Existing::load(ctx, task.org_id).await?)
    };
    let mut outcomes = Outcomes::start(params.dry_run);
    let Imported {
        layout,
        mut results,
        ready,
        checked_time,
    } = match import_rows(
        ctx,
        task,
        existing,
        checked,
        reading,
        &mut outcomes,
        started,
    )
    .await?
    {
        Ok(imported) => imported,
        Err(FileRefused(reason)) => return Ok(Outcome::Failed(reason)),
    };
    if params.dry_run {
        let ready: Vec<ReadyRow> = ready.into();
        upsert::foresee(ctx, task, &ready, &mut results).await?;
    }
    let written_time = started.elapsed();
    tracing::info!(rows = results.len(), kind = ?layout.kind, ?checked_time, ?written_time, "import file read, checked and written");
    let columns = layout.columns;

    let counts = store_outcome(
        ctx,
        task,
        outcomes,
        &mut results,
        columns,
        params.dry_run,
        params.default_unit_id.is_some(),
    )
    .await?;
    tracing::info!(
        inserted = counts.inserted, updated = counts.updated, failed = counts.failed,
        dry_run = params.dry_run,
        ?checked_time, ?written_time, total_time = ?started.elapsed(),
        "import finished"
    );
    Ok(if params.dry_run {
        dry_run_outcome(counts)
    } else if counts.failed == 0 {
        Outcome::Succeeded
    } else {
        Outcome::Failed(format!(
            "共{}行，其中{}行失败未导入，其余{}行已导入（新增{}，更新{}）；请导出结果查看失败原因",
            counts.total,
            counts.failed,
            counts.inserted + counts.updated,
            counts.inserted,
            counts.updated
        ))
    })
}

/// A dry run's ending: succeeded when every row would go in, else failed with what
/// a real import would do (nothing was written either way).
fn dry_run_outcome(counts: Counts) -> Outcome {
    if counts.failed == 0 {
        Outcome::Succeeded
    } else {
        Outcome::Failed(format!(
            "试导入（未写入名册）：共{}行，其中{}行有问题，正式导入时不会导入；其余{}行可导入（新增{}，更新{}）；请导出结果查看原因",
            counts.total,
            counts.failed,
            counts.inserted + counts.updated,
            counts.inserted,
            counts.updated
        ))
    }
}

/// The uploaded workbook in clear, or why the task fails at once.
async fn load_upload(
    ctx: &JobContext,
    task: &task::Model,
    params: &ImportParams,
) -> Result<Result<Vec<u8>, String>, TaskError> {
    let upload = stored_file::Entity::find_by_id(params.file_id)
        .filter(stored_file::Column::OrgId.eq(task.org_id))
        .one(&ctx.db)
        .await?;
    let Some(upload) = upload else {
        return Ok(Err("上传的文件已不存在，请重新上传".into()));
    };
    // Stored encrypted (it holds full ID numbers); only this worker reads it in clear.
    Ok(ctx
        .cipher
        .decrypt_bytes(&upload.data)
        .map_err(|_| "上传的文件无法读取，请重新上传".into()))
}

/// How many checked chunks may wait for the import to take them.
const CHUNKS_WAITING: usize = 8;

/// A file read to its end: its layout, every row's result (the outcomes of the rows
/// written), the rows a dry run would write, and when the last row was checked.
struct Imported {
    layout: reader::Layout,
    results: Vec<RowResult>,
    ready: std::collections::VecDeque<ReadyRow>,
    checked_time: std::time::Duration,
}

/// Takes the checked rows as the reader sends them and writes the ready ones in batches
/// (a dry run writes nothing and keeps them), recording each row's outcome and the
/// progress on the task, and handing the rows whose outcome is final to `outcomes`.
///
/// On PostgreSQL several batches are in flight, each lane (`postgres::Lane`) a connection
/// whose transaction lasts to the end of the file, so writing starts with the first rows
/// and a file refused at its end leaves nothing written: PostgreSQL does the work of an
/// insert in its own processes and its backends keep the cores busy while this worker
/// reads (`IMPORT_WRITE_CONCURRENCY`: on 2 cores, 2 lanes measured best; see
/// docs/benchmarks.md). SQLite has one writer and no lanes: its batches, each in a
/// transaction of its own, wait until the whole file was read.
async fn import_rows(
    ctx: &JobContext,
    task: &task::Model,
    mut existing: Option<upsert::Existing>,
    mut checked: tokio::sync::mpsc::Receiver<check::CheckedChunk>,
    mut reading: check::Reading,
    outcomes: &mut Outcomes,
    started: std::time::Instant,
) -> Result<Result<Imported, FileRefused>, TaskError> {
    let batch_size = ctx.settings.import_batch_size.max(1);
    let (streams, mut lanes): (bool, Vec<Option<postgres::Lane>>) =
        match (&existing, &ctx.import_lanes) {
            (Some(_), Some(lanes)) => (
                true,
                postgres::Lane::open(lanes)
                    .await?
                    .into_iter()
                    .map(Some)
                    .collect(),
            ),
            _ => (false, vec![None]),
        };
    let mut settled = check::Settled::default();
    let mut ready = std::collections::VecDeque::new();
    let mut in_flight = FuturesUnordered::new();
    let mut rows_in_flight = 0usize;
    let mut read: Option<(reader::Layout, std::time::Duration)> = None;
    let mut reported = std::time::Instant::now();
    loop {
        // Full batches while the file is read (PostgreSQL), what is left once it is done;
        // never in a dry run, which has no `existing`.
        let may_write = streams || read.is_some();
        while may_write
            && (ready.len() >= batch_size || (read.is_some() && !ready.is_empty()))
            && let Some(existing) = existing.as_mut()
            && let Some(lane) = lanes.pop()
        {
            let batch: Vec<ReadyRow> = ready.drain(..ready.len().min(batch_size)).collect();
            let known = existing.take(&batch);
            rows_in_flight += batch.len();
            outcomes.batch_sent(batch[0].index);
            in_flight.push(write_batch(ctx, task, batch, known, lane));
        }
        tokio::select! {
            chunk = checked.recv(), if read.is_none() => match chunk {
                Some(chunk) => settled.add(chunk, &mut ready),
                None => match (&mut reading).await.map_err(|e| TaskError::Other(e.to_string()))?? {
                    Ok(layout) => read = Some((layout, started.elapsed())),
                    Err(refused) => {
                        // Nothing of a refused file stays: the lanes roll back.
                        while let Some(written) = in_flight.next().await {
                            lanes.extend(written.ok().map(|(lane, ..)| lane));
                        }
                        for lane in lanes.into_iter().flatten() {
                            lane.rollback().await?;
                        }
                        return Ok(Err(refused));
                    }
                },
            },
            Some(written) = in_flight.next(), if !in_flight.is_empty() => {
                let (lane, written, rows, first) = written?;
                lanes.push(lane);
                rows_in_flight -= rows;
                outcomes.batch_done(first);
                for (index, outcome) in written {
                    match outcome {
                        Ok(o) => settled.results[index].outcome = o,
                        Err(reason) => settled.results[index].reasons.push(reason),
                    }
                }
                // Progress (and the lease) a few times a second, not after every
                // batch: each renewal is a commit, and while the loop waits on it the
                // batches in flight are not driven (PostgreSQL's backends sat waiting
                // on this worker).
                if reported.elapsed() >= PROGRESS_EVERY {
                    let total = settled.results.len();
                    let processed = total - ready.len() - rows_in_flight;
                    renew(ctx, task, total as i64, processed as i64).await?;
                    reported = std::time::Instant::now();
                }
            },
            else => break,
        }
        let waiting = ready.front().map_or(settled.results.len(), |r| r.index);
        outcomes.hand_over(&mut settled.results, waiting);
    }
    for lane in lanes.into_iter().flatten() {
        lane.commit().await?;
    }
    let Some((layout, checked_time)) = read else {
        return Err(TaskError::Other("import: the reader stopped early".into()));
    };
    Ok(Ok(Imported {
        layout,
        results: settled.results,
        ready,
        checked_time,
    }))
}

/// How often a running import records its progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Finishes the result workbook (its rows were mostly written during the import) and
/// stores it on the task with the counters.
async fn store_outcome(
    ctx: &JobContext,
    task: &task::Model,
    outcomes: Outcomes,
    results: &mut [RowResult],
    columns: Vec<(String, Option<&'static str>)>,
    dry_run: bool,
    default_unit: bool,
) -> Result<Counts, TaskError> {
    let file_name = task
        .file_name
        .clone()
        .unwrap_or_else(|| "会员导入.xlsx".into());
    let finished_at = ctx
        .clock
        .now()
        .with_timezone(&crate::clock::beijing())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let started = std::time::Instant::now();
    let summary = result::Summary {
        file_name: file_name.clone(),
        finished_at,
        columns,
        default_unit,
    };
    let (workbook, counts) = outcomes.finish(results, summary).await?;
    tracing::info!(bytes = workbook.len(), workbook_time = ?started.elapsed(), "import result workbook written");
    let stem = [".xlsx", ".xls", ".csv"]
        .iter()
        .find_map(|ext| {
            let cut = file_name.len().checked_sub(ext.len())?;
            (file_name.is_char_boundary(cut) && file_name[cut..].eq_ignore_ascii_case(ext))
                .then(|| &file_name[..cut])
        })
        .unwrap_or(&file_name);
    let prefix = if dry_run {
        "试导入结果"
    } else {
        "导入结果"
    };
    store_result(
        ctx,
        task,
        &format!("{prefix}-{stem}.xlsx"),
        workbook,
        counts,
    )
    .await?;
    Ok(counts)
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Writes one batch with the records of its people on a lane; gives the lane back with
/// the batch's outcomes, size and first row.
async fn write_batch(
    ctx: &JobContext,
    task: &task::Model,
    batch: Vec<ReadyRow>,
    known: upsert::Existing,
    mut lane: Option<postgres::Lane>,
) -> Result<(Option<postgres::Lane>, upsert::BatchResult, usize, usize), sea_orm::DbErr> {
    let outcomes = upsert::apply(ctx, task, &known, &batch, lane.as_mut()).await?;
    Ok((lane, outcomes, batch.len(), batch[0].index))
}

/// The counters of an import (its rows by outcome).
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub total: i64,
    pub inserted: i64,
    pub updated: i64,
    pub failed: i64,
}

/// Stores the result workbook and attaches it with the counters, in one transaction
/// conditional on this worker still holding the task: a worker that lost its lease
/// gets `LeaseLost` and leaves neither the file nor the counters behind.
pub async fn store_result(
    ctx: &JobContext,
    task: &task::Model,
    name: &str,
    workbook: Vec<u8>,
    counts: Counts,
) -> Result<(), TaskError> {
    let txn = ctx.db.begin().await?;
    let stored = stored_file::ActiveModel {
        org_id: Set(task.org_id),
        purpose: Set(FilePurpose::ImportResult),
        file_name: Set(name.to_owned()),
        content_type: Set(XLSX_MIME.to_owned()),
        size: Set(workbook.len() as i64),
        sha256: Set(sha256_hex(&workbook)),
        data: Set(workbook),
        uploaded_by: Set(task.submitted_by),
        created_at: Set(ctx.clock.now()),
        ..Default::default()
    };
    let stored = stored_file::insert(&txn, stored).await?;
    let attached = task::Entity::update_many()
        .col_expr(task::Column::ResultFileId, Expr::value(stored))
        .col_expr(task::Column::Total, Expr::value(counts.total))
        .col_expr(task::Column::Processed, Expr::value(counts.total))
        .col_expr(task::Column::Inserted, Expr::value(counts.inserted))
        .col_expr(task::Column::Updated, Expr::value(counts.updated))
        .col_expr(task::Column::Failed, Expr::value(counts.failed))
        .filter(task::Column::Id.eq(task.id))
        .filter(task::Column::Attempts.eq(task.attempts))
        .filter(task::Column::Status.eq(TaskStatus::Running))
        .exec(&txn)
        .await?;
    if attached.rows_affected == 0 {
        return Err(TaskError::LeaseLost);
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes the task's upload (it holds full ID numbers in clear once decrypted); the
/// task runner calls this when the task reaches a final state.
pub async fn delete_upload(ctx: &JobContext, task: &task::Model) -> Result<(), TaskError> {
    if let Some(params) = params::<ImportParams>(task) {
        stored_file::Entity::delete_many()
            .filter(stored_file::Column::Id.eq(params.file_id))
            .filter(stored_file::Column::OrgId.eq(task.org_id))
            .filter(stored_file::Column::Purpose.eq(FilePurpose::ImportUpload))
            .exec(&ctx.db)
            .await?;
    }
    Ok(())
}
