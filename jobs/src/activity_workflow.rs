//! The one writer of an activity's transitions and of its 处理轨迹.
//!
//! A transition (`transition`) is one conditional update — the status, the 审核状态,
//! the version bump, who submitted or reviewed and when — plus its 处理轨迹 entry and
//! its audit-log entry, all in the caller's transaction. It is used by the admin routes
//! (`api::services::activities::workflow`) and by the expiry sweep that closes ended
//! activities (`crate::expiry`), so both leave the same records. It lives here, in
//! `jobs`, because `api` depends on `jobs` and not the reverse.
//!
//! Which action is legal in which state is `entity::activity_state`; who may act, and
//! the side conditions that need the clock (the window has not ended), are checked by
//! the caller before it calls the writer.

use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::enums::{PrincipalKind, TrailAction};
use entity::{activity, activity_trail, organisation};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::audit;

/// Who acts, as the 处理轨迹 names them (the acting organisation too) and as the audit
/// log records them.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub audit: audit::Actor,
}

impl Actor {
    /// The system acting for the publishing organisation (the expiry sweep).
    pub fn system(publisher_id: i64, publisher_name: String) -> Self {
        Self {
            id: 0,
            name: "系统".into(),
            org_id: publisher_id,
            org_name: publisher_name,
            audit: audit::Actor {
                kind: PrincipalKind::System,
                id: 0,
                org_id: Some(publisher_id),
            },
        }
    }

    /// An admin acting for their own organisation.
    pub fn admin(admin_id: i64, username: &str, org: &organisation::Model) -> Self {
        Self {
            id: admin_id,
            name: username.to_owned(),
            org_id: org.id,
            org_name: org.name.clone(),
            audit: audit::Actor {
                kind: PrincipalKind::Admin,
                id: admin_id,
                org_id: Some(org.id),
            },
        }
    }
}

/// The audit-log action of a workflow action.
pub fn audit_action(action: ActivityAction) -> &'static str {
    match action {
        ActivityAction::Submit => "submit_activity",
        ActivityAction::Approve => "approve_activity",
        ActivityAction::Reject => "reject_activity",
        ActivityAction::Open | ActivityAction::StartOpening => "open_activity",
        ActivityAction::FinishOpening => "finish_opening_activity",
        ActivityAction::AbandonOpening => "abandon_opening_activity",
        ActivityAction::Close => "close_activity",
        ActivityAction::Edit => "update_activity",
        ActivityAction::Delete => "delete_activity",
    }
}

/// Appends a 处理轨迹 entry.
#[allow(clippy::too_many_arguments)]
pub async fn trail<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    activity_id: i64,
    action: TrailAction,
    from: Option<ActivityStatus>,
    to: ActivityStatus,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    activity_trail::ActiveModel {
        activity_id: Set(activity_id),
        action: Set(action),
        from_status: Set(from),
        to_status: Set(to),
        actor_id: Set(actor.id),
        actor_name: Set(actor.name.clone()),
        org_id: Set(actor.org_id),
        org_name: Set(actor.org_name.clone()),
        comment: Set(comment),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Applies a workflow action to `current` as it was read: the conditional update
/// (`WHERE id = ? AND status = <read>`), the 处理轨迹 entry and the audit-log entry, in
/// `txn`. Returns the new state, or `None` when the action is illegal in the state read
/// or the activity left that state meanwhile (nothing written; the caller says why).
pub async fn transition<C: ConnectionTrait>(
    txn: &C,
    current: &activity::Model,
    action: ActivityAction,
    actor: &Actor,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<ActivityStatus>, DbErr> {
    let Ok(next) = current.status.apply(action) else {
        return Ok(None);
    };
    let mut update = activity::Entity::update_many()
        .col_expr(activity::Column::Status, Expr::value(next))
        .col_expr(
            activity::Column::ReviewStatus,
            Expr::value(action.review_status(current.review_status)),
        )
        .col_expr(activity::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            activity::Column::Version,
            Expr::col(activity::Column::Version).add(1),
        );
    match action {
        ActivityAction::Submit => {
            update = update
                .col_expr(activity::Column::SubmittedBy, Expr::value(actor.id))
                .col_expr(activity::Column::SubmittedAt, Expr::value(now));
        }
        ActivityAction::Approve | ActivityAction::Reject => {
            update = update
                .col_expr(activity::Column::ReviewedBy, Expr::value(actor.id))
                .col_expr(activity::Column::ReviewedAt, Expr::value(now))
                .col_expr(
                    activity::Column::ReviewComment,
                    Expr::value(comment.clone()),
                );
        }
        _ => {}
    }
    let changed = update
        .filter(activity::Column::Id.eq(current.id))
        .filter(activity::Column::Status.eq(current.status))
        .exec(txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(None);
    }
    if let Some(trail_action) = action.trail() {
        trail(
            txn,
            actor,
            current.id,
            trail_action,
            Some(current.status),
            next,
            comment,
            now,
        )
        .await?;
    }
    audit::record(
        txn,
        actor.audit,
        now,
        audit::Entry::on(audit_action(action), "activity", current.id),
    )
    .await?;
    Ok(Some(next))
}
