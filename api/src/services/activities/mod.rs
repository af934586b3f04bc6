//! Activities (领券活动), in four parts:
//! - `input`: the fields as the client sends them, and their checks;
//! - `workflow`: create, edit, delete and the review workflow (`entity::activity_state`),
//!   each change with its 处理轨迹 and audit entry; who reviews (`reviewable_by`) and
//!   the review queue;
//! - `prizes`: the prize list and the quantities it reserves on the coupons;
//! - `queries`: the list with its counts and totals.
//!
//! Activities of the scope are readable; every change but a review needs the
//! publishing organisation (`scope::require_owner`), and reviews are for the
//! organisations above it (`workflow::reviewable_by`). Every write runs in one
//! transaction. State changes are conditional updates (`WHERE id = ? AND status =
//! <expected>`, written by `jobs::activity_workflow`), so of two admins acting at once
//! only one succeeds; edits also name the `version` they read. Prize quantities are
//! reserved on the coupon with `reserved = reserved + q WHERE reserved + q <= quantity`.

mod input;
mod prizes;
mod queries;
mod workflow;

use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus, IllegalTransition};
use entity::enums::TrailAction;
use entity::{activity, organisation};
use jobs::activity_workflow::{self, Actor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use input::{ActivityFields, ActivityInput, MAX_CONTENT_CHARS, MAX_TIMES_PER_DAY};
pub use prizes::{PrizeLine, add_prize, prizes_of, remove_prize};
pub use queries::{ActivityFilter, Counts, Totals, counts, list, opening_progress, org_names};
pub use workflow::{create, delete, review_queue, trail_of, transition, update};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::{Scope, require_owner};

fn illegal(e: IllegalTransition) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::IllegalTransition,
        message: e.to_string(),
        details: Some(serde_json::json!({
            "status": e.current,
            "status_label": e.current.label(),
        })),
    }
}

/// An activity published by an organisation in scope, or 404.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> ApiResult<activity::Model> {
    activity::Entity::find_by_id(id)
        .filter(scope.filter(activity::Column::OrgId))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("活动"))
}

/// An activity the caller's organisation published: 404 outside the scope, 403
/// `NOT_OWNER` for one of an organisation below.
pub async fn owned<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<activity::Model> {
    let activity = visible(db, &me.scope, id).await?;
    require_owner(activity.org_id, me.org_id)?;
    Ok(activity)
}

async fn own_org<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
) -> ApiResult<organisation::Model> {
    organisation::Entity::find_by_id(me.org_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("组织"))
}

/// The caller as the 处理轨迹 and the audit log name them.
fn actor(me: &AdminPrincipal, org: &organisation::Model) -> Actor {
    Actor::admin(me.admin_id, &me.username, org)
}

/// Appends a 处理轨迹 entry for a change that keeps the state (edit, prize changes).
async fn trail_kept<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    org: &organisation::Model,
    current: &activity::Model,
    action: TrailAction,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    activity_workflow::trail(
        db,
        &actor(me, org),
        current.id,
        action,
        Some(current.status),
        current.status,
        comment,
        now,
    )
    .await?;
    Ok(())
}

/// Why an edit-like conditional update changed nothing: the state moved on (409 naming
/// it) or someone else edited first (409 stale).
async fn edit_refused<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
    version: Option<i32>,
) -> ApiError {
    match visible(db, scope, id).await {
        Ok(now_row) => match now_row.status.apply(ActivityAction::Edit) {
            Err(e) => illegal(e),
            Ok(_) if version.is_some_and(|v| v != now_row.version) => ApiError::stale("活动"),
            Ok(_) => ApiError::conflict(ErrorCode::Conflict, "活动已被他人修改，请刷新后重试"),
        },
        Err(e) => e,
    }
}

/// Locks an editable activity for a prize change: a conditional touch that fails when
/// the activity has left 草稿/驳回 meanwhile.
async fn lock_editable<C: ConnectionTrait>(db: &C, id: i64, now: DateTime<Utc>) -> ApiResult<bool> {
    let res = activity::Entity::update_many()
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Status.is_in([ActivityStatus::Draft, ActivityStatus::Rejected]))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
