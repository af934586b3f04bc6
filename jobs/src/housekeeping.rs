//! The scheduled housekeeping job: purges dead sessions (and the member app's spent SMS
//! codes, bind tokens and ended rate-limit windows) and re-enqueues tasks whose
//! queue message was lost or whose worker died. A queue that is down costs only the
//! re-enqueueing: the rest of the pass is done and recorded. Safe to run on several workers at once:
//! deletes are idempotent and a re-enqueued task is claimed by one worker only.

use chrono::Duration;
use entity::enums::TaskStatus;
use entity::{housekeeping_run, rate_limit, session, sms_code, task, wechat_bind_token};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::queue::RunTask;
use crate::workers::JobContext;

/// Pushes that may fail in a row before a pass stops re-enqueueing.
const GIVE_UP_AFTER_FAILURES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum HousekeepingError {
    /// Written as `database: <cause>`, so `loggable::chain` renders the cause.
    #[error("database")]
    Db(#[from] sea_orm::DbErr),
}

/// Runs one housekeeping pass and records it.
#[tracing::instrument(skip(ctx), fields(worker = %ctx.worker_name))]
pub async fn run(ctx: &JobContext) -> Result<housekeeping_run::Model, HousekeepingError> {
    let now = ctx.clock.now();
    let purged = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lt(now))
                .add(session::Column::RevokedAt.lt(now - Duration::days(1))),
        )
        .exec(&ctx.db)
        .await?
        .rows_affected;
    purge_member_app(ctx, now).await?;

    let stale = now - Duration::seconds(ctx.settings.task_requeue_after_seconds);
    let stuck: Vec<i64> = task::Entity::find()
        .select_only()
        .column(task::Column::Id)
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(task::Column::Status.eq(TaskStatus::Pending))
                        .add(task::Column::UpdatedAt.lt(stale)),
                )
                .add(
                    Condition::all()
                        .add(task::Column::Status.eq(TaskStatus::Running))
                        .add(task::Column::LeaseUntil.lt(now)),
                ),
        )
        .limit(1000)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let requeued = requeue(ctx, &stuck, now).await?;

    let run = housekeeping_run::ActiveModel {
        worker: Set(ctx.worker_name.clone()),
        sessions_purged: Set(purged as i64),
        tasks_requeued: Set(requeued as i64),
        ran_at: Set(now),
        ..Default::default()
    };
    Ok(run.insert(&ctx.db).await?)
}

/// Enqueues the tasks again; returns how many went in. A failed push is logged and the
/// pass goes on with the next task (and with the rest of housekeeping): the task keeps
/// its old `updated_at`, so the next pass tries it again. After a few failures in a row
/// the queue is taken as down and the rest wait for the next pass, so a pass never
/// spends a push timeout on each of a thousand tasks.
async fn requeue(
    ctx: &JobContext,
    stuck: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, HousekeepingError> {
    let mut requeued = 0;
    let mut failures_in_a_row = 0;
    for (i, task_id) in stuck.iter().enumerate() {
        if failures_in_a_row == GIVE_UP_AFTER_FAILURES {
            tracing::warn!(
                left = stuck.len() - i,
                "queue unavailable; the remaining stuck tasks wait for the next pass"
            );
            break;
        }
        if let Err(e) = ctx.queue.push(RunTask { task_id: *task_id }).await {
            tracing::warn!(task_id, error = %e, "re-enqueue failed; retried next pass");
            failures_in_a_row += 1;
            continue;
        }
        failures_in_a_row = 0;
        requeued += 1;
        // Touched once enqueued, so the next pass does not enqueue it again right away
        // (a pending task only: a worker may have taken it already).
        task::Entity::update_many()
            .col_expr(
                task::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(task::Column::Id.eq(*task_id))
            .filter(task::Column::Status.eq(TaskStatus::Pending))
            .exec(&ctx.db)
            .await?;
    }
    if requeued > 0 {
        tracing::warn!(count = requeued, "re-enqueued stuck tasks");
    }
    Ok(requeued)
}

/// SMS codes and bind tokens a day past their expiry, and rate-limit windows that have
/// ended (an ended window counts as empty anyway).
async fn purge_member_app(
    ctx: &JobContext,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), HousekeepingError> {
    let day_ago = now - Duration::days(1);
    let codes = sms_code::Entity::delete_many()
        .filter(sms_code::Column::ExpiresAt.lt(day_ago))
        .exec(&ctx.db)
        .await?
        .rows_affected;
    let binds = wechat_bind_token::Entity::delete_many()
        .filter(wechat_bind_token::Column::ExpiresAt.lt(day_ago))
        .exec(&ctx.db)
        .await?
        .rows_affected;
    let windows = rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowEndsAt.lt(now.timestamp()))
        .exec(&ctx.db)
        .await?
        .rows_affected;
    if codes + binds + windows > 0 {
        tracing::info!(codes, binds, windows, "purged spent member-app records");
    }
    Ok(())
}
