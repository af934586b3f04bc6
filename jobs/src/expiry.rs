//! The expiry sweep: marks unused vouchers past their window as expired (视为自动放弃)
//! and ends (closes) activities past their end. Batched; safe on several workers at
//! once: every update is conditional on the state it changes, so a row is changed by
//! one worker only, and on PostgreSQL concurrent sweepers skip each other's batches.
//! Redemption checks the window itself, so correctness never waits for this sweep.

use entity::activity_state::ActivityStatus;
use entity::{activity, activity_trail, organisation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

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

    let ending: Vec<activity::Model> = activity::Entity::find()
        .filter(activity::Column::Status.is_in([ActivityStatus::Open, ActivityStatus::Approved]))
        .filter(activity::Column::EndsAt.lte(now))
        .limit(500)
        .all(&ctx.db)
        .await?;
    for a in ending {
        let changed = activity::Entity::update_many()
            .col_expr(
                activity::Column::Status,
                Expr::value(ActivityStatus::Closed),
            )
            .col_expr(activity::Column::UpdatedAt, Expr::value(now))
            .filter(activity::Column::Id.eq(a.id))
            .filter(activity::Column::Status.eq(a.status))
            .exec(&ctx.db)
            .await?
            .rows_affected;
        if changed == 0 {
            continue;
        }
        swept.activities_ended += 1;
        let org_name = organisation::Entity::find_by_id(a.org_id)
            .one(&ctx.db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        activity_trail::ActiveModel {
            activity_id: Set(a.id),
            action: Set(entity::enums::TrailAction::Close),
            from_status: Set(Some(a.status)),
            to_status: Set(ActivityStatus::Closed),
            actor_id: Set(0),
            actor_name: Set("系统".into()),
            org_id: Set(a.org_id),
            org_name: Set(org_name),
            comment: Set(Some("活动已到结束时间，自动结束".into())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&ctx.db)
        .await?;
    }
    if swept != Swept::default() {
        tracing::info!(
            vouchers = swept.vouchers_expired,
            activities = swept.activities_ended,
            "expiry sweep"
        );
    }
    Ok(swept)
}
