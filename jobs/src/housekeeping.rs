//! The scheduled housekeeping job: purges dead sessions (and the member app's spent SMS
//! codes, bind tokens and ended rate-limit windows) and re-enqueues tasks whose
//! queue message was lost or whose worker died. Safe to run on several workers at once:
//! deletes are idempotent and a re-enqueued task is claimed by one worker only.

use chrono::Duration;
use entity::enums::TaskStatus;
use entity::{housekeeping_run, rate_limit, session, sms_code, task, wechat_bind_token};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::queue::RunTask;
use crate::workers::JobContext;

#[derive(Debug, thiserror::Error)]
pub enum HousekeepingError {
    /// Written as `database: <cause>`, so `loggable::chain` renders the cause.
    #[error("database")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
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
    for task_id in &stuck {
        // Touch the row first so the next pass does not enqueue it again right away.
        task::Entity::update_many()
            .col_expr(
                task::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(task::Column::Id.eq(*task_id))
            .filter(task::Column::Status.eq(TaskStatus::Pending))
            .exec(&ctx.db)
            .await?;
        ctx.queue.push(RunTask { task_id: *task_id }).await?;
    }
    if !stuck.is_empty() {
        tracing::warn!(count = stuck.len(), "re-enqueued stuck tasks");
    }

    let run = housekeeping_run::ActiveModel {
        worker: Set(ctx.worker_name.clone()),
        sessions_purged: Set(purged as i64),
        tasks_requeued: Set(stuck.len() as i64),
        ran_at: Set(now),
        ..Default::default()
    };
    Ok(run.insert(&ctx.db).await?)
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
