//! The expiry sweep: marks unused vouchers past their window as expired (视为自动放弃)
//! and ends (closes) activities past their end through the workflow's one writer
//! (`activity_workflow::transition`, as the system). Batched; safe on several workers at
//! once: every update is conditional on the state it changes, so a row is changed by
//! one worker only, and on PostgreSQL concurrent sweepers skip each other's batches.
//! Redemption checks the window itself, so correctness never waits for this sweep.

use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::{activity, organisation};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::activity_workflow::{self, Actor};
use crate::database::stmt;
use crate::workers::JobContext;

/// Vouchers per UPDATE.
pub const BATCH: i64 = 1_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub vouchers_expired: u64,
    pub activities_ended: u64,
}

/// Runs one sweep to completion.
#[tracing::instrument(skip(ctx), fields(worker = %ctx.worker_name))]
pub async fn run(ctx: &JobContext) -> Result<Swept, sea_orm::DbErr> {
    let now = ctx.clock.now();
    let backend = ctx.db.get_database_backend();
    let lock = match backend {
        DatabaseBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    // `expired_at IS NULL` (always true of unused vouchers) lets the inner select use
    // idx_vouchers_expiry_sweep, which no other query can (migration m20261215).
    let sql = format!(
        "UPDATE vouchers SET status = 'expired', expired_at = $1 \
         WHERE status = 'unused' AND id IN (SELECT id FROM vouchers \
         WHERE status = 'unused' AND expired_at IS NULL AND valid_to <= $1 \
         LIMIT $2{lock})"
    );
    let mut swept = Swept::default();
    loop {
        let done = ctx
            .db
            .execute_raw(stmt(backend, &sql, vec![now.into(), BATCH.into()]))
            .await?
            .rows_affected();
        swept.vouchers_expired += done;
        if done == 0 {
            break;
        }
    }

    swept.activities_ended = close_ended(ctx, now).await?;
    if swept != Swept::default() {
        tracing::info!(
            vouchers = swept.vouchers_expired,
            activities = swept.activities_ended,
            "expiry sweep"
        );
    }
    Ok(swept)
}

/// Closes the activities past their end (up to 500 a pass) through the workflow's one
/// writer, as the system: status, version, 处理轨迹 and audit log in one transaction per
/// activity. One an admin moved meanwhile is left alone.
async fn close_ended(ctx: &JobContext, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    let ending: Vec<activity::Model> = activity::Entity::find()
        .filter(activity::Column::Status.is_in([
            ActivityStatus::Open,
            ActivityStatus::Opening,
            ActivityStatus::Approved,
        ]))
        .filter(activity::Column::EndsAt.lte(now))
        .limit(500)
        .all(&ctx.db)
        .await?;
    let mut closed = 0;
    for a in ending {
        let publisher_name = organisation::Entity::find_by_id(a.org_id)
            .one(&ctx.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let txn = ctx.db.begin().await?;
        let written = activity_workflow::transition(
            &txn,
            &a,
            ActivityAction::Close,
            &Actor::system(a.org_id, publisher_name),
            Some("活动已到结束时间，自动结束".into()),
            now,
        )
        .await?;
        if written.is_some() {
            txn.commit().await?;
            closed += 1;
        }
    }
    Ok(closed)
}
