//! Runs one task to completion: claim the row with a lease (so exactly one worker runs
//! it, and a dead worker's task is taken over after the lease), dispatch on its kind,
//! record the outcome. A task is started at most `TASK_MAX_ATTEMPTS` times; one whose
//! last attempt died ends failed with a reason instead of being leased again (an
//! opening's activity goes back to 审核通过 with it).

use chrono::Duration;
use entity::enums::{TaskKind, TaskStatus};
use entity::task;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, TransactionTrait};

use crate::workers::JobContext;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Written as `database: <cause>`, so `loggable::chain` renders the cause.
    #[error("database")]
    Db(#[from] sea_orm::DbErr),
    /// Another worker took the task over (this one's lease ran out); stop quietly.
    #[error("lease lost to another worker")]
    LeaseLost,
    #[error("{0}")]
    Other(String),
}

/// The outcome a handler reports; `Failed` carries a Chinese reason for the admin.
#[derive(Debug)]
pub enum Outcome {
    Succeeded,
    Failed(String),
}

/// Claims and runs the task. Returns without doing anything when the task is finished
/// or another worker holds a live lease on it.
#[tracing::instrument(skip(ctx), fields(worker = %ctx.worker_name))]
pub async fn run(ctx: &JobContext, task_id: i64) -> Result<(), TaskError> {
    let Some(task) = claim(ctx, task_id).await? else {
        if give_up(ctx, task_id).await? {
            tracing::warn!(
                max_attempts = ctx.settings.task_max_attempts,
                "task ended failed: its attempts are used up"
            );
        } else {
            tracing::debug!("task not claimable; skipped");
        }
        return Ok(());
    };
    tracing::info!(kind = ?task.kind, attempt = task.attempts, "task started");
    let timer = ctx.metrics.task_started(kind_name(task.kind));
    let outcome = match task.kind {
        TaskKind::Ping => Ok(Outcome::Succeeded),
        TaskKind::MemberImport => crate::import::run(ctx, &task).await,
        TaskKind::SettlementReport => crate::settlement::report::run(ctx, &task).await,
        TaskKind::ActivityOpening => crate::opening::run(ctx, &task).await,
    };
    match outcome {
        Ok(outcome) => {
            let name = match outcome {
                Outcome::Succeeded => "succeeded",
                Outcome::Failed(_) => "failed",
            };
            match finish(ctx, &task, outcome).await {
                Ok(()) => {
                    timer.finish(name);
                    Ok(())
                }
                Err(TaskError::LeaseLost) => {
                    timer.finish("lease_lost");
                    tracing::warn!("lease lost before the outcome was recorded; not written");
                    Ok(())
                }
                Err(e) => {
                    timer.finish("error");
                    Err(e)
                }
            }
        }
        Err(TaskError::LeaseLost) => {
            timer.finish("lease_lost");
            tracing::warn!("lease lost; the other worker finishes the task");
            Ok(())
        }
        // Unexpected errors leave the task running; its lease runs out and housekeeping
        // hands it to a worker again.
        Err(e) => {
            timer.finish("error");
            Err(e)
        }
    }
}

/// The task kind as metrics label it (its stored name).
fn kind_name(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Ping => "ping",
        TaskKind::MemberImport => "member_import",
        TaskKind::SettlementReport => "settlement_report",
        TaskKind::ActivityOpening => "activity_opening",
    }
}

/// Pending, or running with an expired lease (its worker died or gave up).
fn takeable(now: chrono::DateTime<chrono::Utc>) -> Condition {
    Condition::any()
        .add(task::Column::Status.eq(TaskStatus::Pending))
        .add(
            Condition::all()
                .add(task::Column::Status.eq(TaskStatus::Running))
                .add(task::Column::LeaseUntil.lt(now)),
        )
}

/// One conditional update takes the task: takeable, and with attempts left.
pub async fn claim(ctx: &JobContext, task_id: i64) -> Result<Option<task::Model>, TaskError> {
    let now = ctx.clock.now();
    let lease_until = now + Duration::seconds(ctx.settings.task_lease_seconds);
    let result = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(TaskStatus::Running))
        .col_expr(task::Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(
            task::Column::Attempts,
            Expr::col(task::Column::Attempts).add(Expr::val(1)),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task_id))
        .filter(takeable(now))
        .filter(task::Column::Attempts.lt(ctx.settings.task_max_attempts))
        .exec(&ctx.db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    Ok(task::Entity::find_by_id(task_id).one(&ctx.db).await?)
}

/// Ends a takeable task whose attempts are used up as failed, with a reason for the
/// admin, in one conditional update (a live lease or a finished task is left alone);
/// its upload is deleted then. True when this call ended it.
async fn give_up(ctx: &JobContext, task_id: i64) -> Result<bool, TaskError> {
    let Some(task) = task::Entity::find_by_id(task_id).one(&ctx.db).await? else {
        return Ok(false);
    };
    let max = ctx.settings.task_max_attempts;
    let advice = match task.kind {
        TaskKind::MemberImport => "请检查文件后重新导入",
        TaskKind::ActivityOpening => {
            "活动已退回“审核通过”，可重新开启（已生成的券码保留，重新开启时只生成尚缺的部分）"
        }
        _ => "请稍后重新提交",
    };
    let reason = format!("任务多次执行未能完成（已尝试{max}次），{advice}");
    let now = ctx.clock.now();
    // The task's end and what it leaves behind (an opening's activity back to 审核通过)
    // are written together, so an activity is never left 开启中 without a task.
    let txn = ctx.db.begin().await?;
    let ended = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(TaskStatus::Failed))
        .col_expr(task::Column::Error, Expr::value(reason.clone()))
        .col_expr(
            task::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .col_expr(task::Column::FinishedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task_id))
        .filter(takeable(now))
        .filter(task::Column::Attempts.gte(max))
        .exec(&txn)
        .await?;
    if ended.rows_affected == 0 {
        return Ok(false);
    }
    if task.kind == TaskKind::ActivityOpening {
        crate::opening::abandon(&txn, &task, &reason, now).await?;
    }
    txn.commit().await?;
    release_inputs(ctx, &task).await?;
    Ok(true)
}

/// Deletes what only a running task needed: an import's upload (full ID numbers).
async fn release_inputs(ctx: &JobContext, task: &task::Model) -> Result<(), TaskError> {
    if task.kind == TaskKind::MemberImport {
        crate::import::delete_upload(ctx, task).await?;
    }
    Ok(())
}

/// The parameters a task was submitted with, read as its kind's type (`None` when
/// they are missing or unreadable).
pub fn params<T: serde::de::DeserializeOwned>(task: &task::Model) -> Option<T> {
    task.params
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
}

/// Records progress and renews the lease; `LeaseLost` if another worker took the task
/// over meanwhile, or the task was ended (the update is conditional on this worker's
/// attempt and the task still running).
pub async fn renew(
    ctx: &JobContext,
    task: &task::Model,
    total: i64,
    processed: i64,
) -> Result<(), TaskError> {
    let now = ctx.clock.now();
    let renewed = task::Entity::update_many()
        .col_expr(task::Column::Total, Expr::value(total))
        .col_expr(task::Column::Processed, Expr::value(processed))
        .col_expr(
            task::Column::LeaseUntil,
            Expr::value(now + Duration::seconds(ctx.settings.task_lease_seconds)),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task.id))
        .filter(task::Column::Attempts.eq(task.attempts))
        .filter(task::Column::Status.eq(TaskStatus::Running))
        .exec(&ctx.db)
        .await?;
    if renewed.rows_affected == 0 {
        return Err(TaskError::LeaseLost);
    }
    Ok(())
}

/// Records the outcome and deletes the task's inputs; `LeaseLost` (and nothing written)
/// if another worker took the task over meanwhile.
pub async fn finish(
    ctx: &JobContext,
    task: &task::Model,
    outcome: Outcome,
) -> Result<(), TaskError> {
    let now = ctx.clock.now();
    let (status, error) = match outcome {
        Outcome::Succeeded => (TaskStatus::Succeeded, None),
        Outcome::Failed(reason) => (TaskStatus::Failed, Some(reason)),
    };
    tracing::info!(?status, "task finished");
    // Conditional on the attempt, so a worker that lost its lease cannot overwrite the
    // outcome of the one that took over.
    let finished = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status))
        .col_expr(task::Column::Error, Expr::value(error))
        .col_expr(
            task::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .col_expr(task::Column::FinishedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task.id))
        .filter(task::Column::Attempts.eq(task.attempts))
        .filter(task::Column::Status.eq(TaskStatus::Running))
        .exec(&ctx.db)
        .await?;
    if finished.rows_affected == 0 {
        return Err(TaskError::LeaseLost);
    }
    release_inputs(ctx, task).await
}
