//! Runs one task to completion: claim the row with a lease (so exactly one worker runs
//! it, and a dead worker's task is taken over after the lease), dispatch on its kind,
//! record the outcome.

use chrono::Duration;
use entity::enums::{TaskKind, TaskStatus};
use entity::task;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use crate::workers::JobContext;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
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
        tracing::debug!("task not claimable; skipped");
        return Ok(());
    };
    tracing::info!(kind = ?task.kind, attempt = task.attempts, "task started");
    let outcome = match task.kind {
        TaskKind::Ping => Outcome::Succeeded,
        TaskKind::MemberImport | TaskKind::SettlementReport => {
            Outcome::Failed("此类任务尚未开放".to_owned())
        }
    };
    finish(ctx, &task, outcome).await
}

/// One conditional update takes the task: pending, or running with an expired lease.
async fn claim(ctx: &JobContext, task_id: i64) -> Result<Option<task::Model>, TaskError> {
    let now = ctx.clock.now();
    let lease_until = now + Duration::seconds(ctx.settings.task_lease_seconds);
    let claimable = Condition::any()
        .add(task::Column::Status.eq(TaskStatus::Pending))
        .add(
            Condition::all()
                .add(task::Column::Status.eq(TaskStatus::Running))
                .add(task::Column::LeaseUntil.lt(now)),
        );
    let result = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(TaskStatus::Running))
        .col_expr(task::Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(
            task::Column::Attempts,
            Expr::col(task::Column::Attempts).add(Expr::val(1)),
        )
        .col_expr(task::Column::UpdatedAt, Expr::value(now))
        .filter(task::Column::Id.eq(task_id))
        .filter(claimable)
        .exec(&ctx.db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    Ok(task::Entity::find_by_id(task_id).one(&ctx.db).await?)
}

async fn finish(ctx: &JobContext, task: &task::Model, outcome: Outcome) -> Result<(), TaskError> {
    let now = ctx.clock.now();
    let (status, error) = match outcome {
        Outcome::Succeeded => (TaskStatus::Succeeded, None),
        Outcome::Failed(reason) => (TaskStatus::Failed, Some(reason)),
    };
    tracing::info!(?status, "task finished");
    let mut active: task::ActiveModel = task.clone().into();
    active.status = Set(status);
    active.error = Set(error);
    active.lease_until = Set(None);
    active.updated_at = Set(now);
    active.finished_at = Set(Some(now));
    active.update(&ctx.db).await?;
    Ok(())
}
