//! The roster import job (会员批量采集): read the uploaded workbook, check every row with
//! the same rules as manual entry, upsert by the ID number's keyed hash in batches, and
//! write a result workbook with every row's outcome and reasons.
//!
//! Re-running is safe: a re-imported row updates (or leaves) the record it matches, and
//! rows a crashed earlier attempt of the same task inserted are recognised by
//! `members.import_task_id`, so they are still reported as 新增.

pub mod columns;
pub mod reader;
pub mod result;
pub mod template;
mod upsert;

use std::collections::HashMap;

use entity::enums::{FilePurpose, MemberStatus, TaskStatus};
use entity::roster::ValidMember;
use entity::value::{mask_id_number, mask_phone};
use entity::{stored_file, task, unit};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::task_runner::{Outcome, TaskError, renew};
use crate::workers::JobContext;
use reader::{FileRefused, Limits};
use result::{RowOutcome, RowResult};

/// What the api stores in `tasks.params` for an import.
#[derive(Debug, Serialize, Deserialize)]
pub struct ImportParams {
    /// The uploaded workbook in `stored_files`.
    pub file_id: i64,
}

/// A row that passed every check and is ready to write.
pub(crate) struct ReadyRow {
    pub index: usize,
    pub member: ValidMember,
    pub unit_id: Option<i64>,
    pub status: MemberStatus,
    pub hash: String,
    pub encrypted: String,
}

/// Runs one import: load the upload, read its rows, check them, write the good ones,
/// store the result workbook and say how it went.
pub async fn run(ctx: &JobContext, task: &task::Model) -> Result<Outcome, TaskError> {
    let bytes = match load_upload(ctx, task).await? {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(Outcome::Failed(reason)),
    };
    let started = std::time::Instant::now();
    let rows = match read_rows(ctx, bytes).await? {
        Ok(rows) => rows,
        Err(FileRefused(reason)) => return Ok(Outcome::Failed(reason)),
    };
    let read_time = started.elapsed();
    tracing::info!(rows = rows.len(), ?read_time, "import file read");

    // Check every row (CPU only), then write the good ones in batches.
    let (mut results, ready) = check_rows(ctx, task, rows).await?;
    renew(ctx, task, results.len() as i64, 0).await?;
    let checked_time = started.elapsed();
    write_rows(ctx, task, &ready, &mut results).await?;
    let written_time = started.elapsed();

    let counts = store_outcome(ctx, task, &results).await?;
    tracing::info!(
        inserted = counts.inserted, updated = counts.updated, failed = counts.failed,
        ?read_time, ?checked_time, ?written_time, total_time = ?started.elapsed(),
        "import finished"
    );
    Ok(if counts.failed == 0 {
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

/// The uploaded workbook in clear, or why the task fails at once.
async fn load_upload(
    ctx: &JobContext,
    task: &task::Model,
) -> Result<Result<Vec<u8>, String>, TaskError> {
    let params: Option<ImportParams> = task
        .params
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let Some(params) = params else {
        return Ok(Err("任务参数无效".into()));
    };
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

/// Reads the workbook's rows off the async runtime, within the configured limits.
async fn read_rows(
    ctx: &JobContext,
    bytes: Vec<u8>,
) -> Result<Result<Vec<reader::ParsedRow>, FileRefused>, TaskError> {
    let limits = Limits {
        max_rows: ctx.settings.import_max_rows,
        max_uncompressed_bytes: ctx.settings.import_max_uncompressed_mb * 1024 * 1024,
    };
    tokio::task::spawn_blocking(move || reader::read(&bytes, limits))
        .await
        .map_err(|e| TaskError::Other(e.to_string()))
}

/// Checks every row with the rules of manual entry (and the union's units, and ID
/// numbers repeated in the file): every row's result, and the rows ready to write.
async fn check_rows(
    ctx: &JobContext,
    task: &task::Model,
    rows: Vec<reader::ParsedRow>,
) -> Result<(Vec<RowResult>, Vec<ReadyRow>), TaskError> {
    let units = union_units(ctx, task.org_id).await?;
    let today = ctx.clock.today();
    let mut results: Vec<RowResult> = Vec::with_capacity(rows.len());
    let mut ready: Vec<ReadyRow> = Vec::new();
    let mut first_seen: HashMap<String, u32> = HashMap::new();
    for (index, row) in rows.into_iter().enumerate() {
        let (result, row_ready) = check_row(ctx, &units, today, &mut first_seen, index, row);
        results.push(result);
        ready.extend(row_ready);
    }
    Ok((results, ready))
}

/// One row's result, and the row ready to write when it passed every check.
fn check_row(
    ctx: &JobContext,
    units: &HashMap<String, i64>,
    today: chrono::NaiveDate,
    first_seen: &mut HashMap<String, u32>,
    index: usize,
    row: reader::ParsedRow,
) -> (RowResult, Option<ReadyRow>) {
    let mut reasons: Vec<String> = row.errors.iter().map(|e| e.message.clone()).collect();
    let name = row.draft.name.clone();
    let phone_masked = mask_phone(&entity::value::normalize(&row.draft.phone));
    let raw_id = entity::value::normalize(&row.draft.id_number);
    let unit_id = match &row.unit_name {
        None => None,
        Some(u) => match units.get(u) {
            Some(id) => Some(*id),
            None => {
                reasons.push(format!("所在单位“{u}”未登记，请先在单位管理中添加"));
                None
            }
        },
    };
    let valid = match row.draft.validate(today) {
        Ok(m) => Some(m),
        Err(errors) => {
            reasons.extend(errors.into_iter().map(|e| e.message));
            None
        }
    };
    let mut result = RowResult {
        row_no: row.row_no,
        name,
        id_number_masked: mask_id_number(&raw_id),
        phone_masked,
        outcome: RowOutcome::Failed,
        reasons,
    };
    let Some(member) = valid else {
        return (result, None);
    };
    let id_number = member.id.as_str().to_owned();
    let hash = ctx.cipher.lookup_hash(&id_number);
    result.id_number_masked = mask_id_number(&id_number);
    result.phone_masked = member.phone.masked();
    match first_seen.get(&hash) {
        Some(first) => result
            .reasons
            .push(format!("证件号码与第{first}行重复（以第{first}行为准）")),
        None => {
            first_seen.insert(hash.clone(), row.row_no);
        }
    }
    if !result.reasons.is_empty() {
        return (result, None);
    }
    let ready = ReadyRow {
        index,
        encrypted: ctx.cipher.encrypt(&id_number),
        member,
        unit_id,
        status: row.status,
        hash,
    };
    (result, Some(ready))
}

/// Writes the ready rows in batches, several in flight on PostgreSQL, recording each
/// row's outcome in `results` and the progress on the task.
async fn write_rows(
    ctx: &JobContext,
    task: &task::Model,
    ready: &[ReadyRow],
    results: &mut [RowResult],
) -> Result<(), TaskError> {
    let mut processed = results.len() - ready.len();
    let mut existing = upsert::Existing::load(ctx, task.org_id).await?;
    // PostgreSQL does the work of an insert in its own processes: with several batches
    // in flight its backends keep the cores busy while this worker waits (3 measured
    // best on 2 cores). SQLite has one writer.
    let concurrency = match ctx.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => ctx.settings.import_write_concurrency.max(1),
        _ => 1,
    };
    let mut pending = ready
        .chunks(ctx.settings.import_batch_size.max(1))
        .map(|batch| (batch, existing.take(batch)))
        .collect::<Vec<_>>()
        .into_iter();
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < concurrency
            && let Some((batch, known)) = pending.next()
        {
            in_flight.push(write_batch(ctx, task, batch, known));
        }
        let Some(written) = in_flight.next().await else {
            break;
        };
        let (rows, outcomes) = written?;
        for (index, outcome) in outcomes {
            match outcome {
                Ok(o) => results[index].outcome = o,
                Err(reason) => results[index].reasons.push(reason),
            }
        }
        processed += rows;
        renew(ctx, task, results.len() as i64, processed as i64).await?;
    }
    Ok(())
}

/// Writes the result workbook and stores it on the task with the counters.
async fn store_outcome(
    ctx: &JobContext,
    task: &task::Model,
    results: &[RowResult],
) -> Result<Counts, TaskError> {
    let count = |o: RowOutcome| results.iter().filter(|r| r.outcome == o).count();
    let (inserted, updated, failed) = (
        count(RowOutcome::Inserted),
        count(RowOutcome::Updated),
        count(RowOutcome::Failed),
    );
    let file_name = task
        .file_name
        .clone()
        .unwrap_or_else(|| "会员导入.xlsx".into());
    let summary = result::Summary {
        file_name: &file_name,
        finished_at: ctx
            .clock
            .now()
            .with_timezone(&crate::clock::beijing())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        total: results.len(),
        inserted,
        updated,
        failed,
    };
    let workbook = result::write(results, &summary).map_err(|e| TaskError::Other(e.to_string()))?;
    let stem = file_name
        .trim_end_matches(".xlsx")
        .trim_end_matches(".XLSX");
    let counts = Counts {
        total: results.len() as i64,
        inserted: inserted as i64,
        updated: updated as i64,
        failed: failed as i64,
    };
    store_result(
        ctx,
        task,
        &format!("导入结果-{stem}.xlsx"),
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

async fn union_units(ctx: &JobContext, org_id: i64) -> Result<HashMap<String, i64>, TaskError> {
    Ok(unit::Entity::find()
        .filter(unit::Column::OrgId.eq(org_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| (u.name, u.id))
        .collect())
}

/// Writes one batch with the records of its people; returns its size and outcomes.
async fn write_batch(
    ctx: &JobContext,
    task: &task::Model,
    batch: &[ReadyRow],
    known: upsert::Existing,
) -> Result<(usize, upsert::BatchResult), sea_orm::DbErr> {
    let outcomes = upsert::apply(ctx, task, &known, batch).await?;
    Ok((batch.len(), outcomes))
}

/// The final counters of an import.
#[derive(Clone, Copy, Debug)]
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
    }
    .insert(&txn)
    .await?;
    let attached = task::Entity::update_many()
        .col_expr(task::Column::ResultFileId, Expr::value(stored.id))
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
    let params: Option<ImportParams> = task
        .params
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    if let Some(params) = params {
        stored_file::Entity::delete_many()
            .filter(stored_file::Column::Id.eq(params.file_id))
            .filter(stored_file::Column::OrgId.eq(task.org_id))
            .filter(stored_file::Column::Purpose.eq(FilePurpose::ImportUpload))
            .exec(&ctx.db)
            .await?;
    }
    Ok(())
}
