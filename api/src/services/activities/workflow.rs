//! Creating, editing and deleting an activity, and its review workflow (submit,
//! approve, reject, open, close: `entity::activity_state`). Every state change goes
//! through `jobs::activity_workflow::transition`, the one writer shared with the
//! expiry sweep; who may review is `reviewable_by`, used by the check and the queue.

use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::enums::{ReviewStatus, TaskKind, TrailAction};
use entity::{activity, activity_prize, activity_trail, organisation};
use jobs::activity_workflow;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

use super::input::apply;
use super::prizes::release;
use super::{
    ActivityInput, actor, edit_refused, illegal, lock_editable, own_org, owned, trail_kept, visible,
};
use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input::multiline_text;
use crate::paging::PageRequest;
use crate::scope::require_owner;
use crate::services::{audit, tasks, welfare};
use crate::state::AppState;

/// Creates a draft activity published by the caller's organisation.
pub async fn create(
    state: &AppState,
    me: &AdminPrincipal,
    input: ActivityInput,
) -> ApiResult<activity::Model> {
    let now = state.clock.now();
    let fields = input.validate(&state.db, me, now, None).await?;
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    let mut active = activity::ActiveModel {
        org_id: Set(org.id),
        status: Set(ActivityStatus::Draft),
        review_status: Set(ReviewStatus::NotSubmitted),
        created_by: Set(me.admin_id),
        submitted_by: Set(None),
        submitted_at: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_comment: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let created = active.insert(&txn).await?;
    activity_workflow::trail(
        &txn,
        &actor(me, &org),
        created.id,
        TrailAction::Create,
        None,
        ActivityStatus::Draft,
        None,
        now,
    )
    .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_activity", "activity", created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Edits a draft or rejected activity read at `version`.
pub async fn update(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    version: i32,
    input: ActivityInput,
) -> ApiResult<activity::Model> {
    let current = owned(&state.db, me, id).await?;
    current
        .status
        .apply(ActivityAction::Edit)
        .map_err(illegal)?;
    let now = state.clock.now();
    let fields = input
        .validate(&state.db, me, now, Some(current.starts_at))
        .await?;
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    let mut active = activity::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, fields);
    let changed = activity::Entity::update_many()
        .set(active)
        .col_expr(
            activity::Column::Version,
            Expr::col(activity::Column::Version).add(1),
        )
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Version.eq(version))
        .filter(activity::Column::Status.is_in([ActivityStatus::Draft, ActivityStatus::Rejected]))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(edit_refused(&txn, &me.scope, id, Some(version)).await);
    }
    trail_kept(&txn, me, &org, &current, TrailAction::Edit, None, now).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("update_activity", "activity", id),
    )
    .await?;
    txn.commit().await?;
    visible(&state.db, &me.scope, id).await
}

/// Deletes a draft or rejected activity, releasing what its prizes reserved.
pub async fn delete(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<()> {
    let current = owned(&state.db, me, id).await?;
    current
        .status
        .apply(ActivityAction::Delete)
        .map_err(illegal)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !lock_editable(&txn, id, now).await? {
        return Err(edit_refused(&txn, &me.scope, id, None).await);
    }
    let prizes = activity_prize::Entity::find()
        .filter(activity_prize::Column::ActivityId.eq(id))
        .all(&txn)
        .await?;
    for prize in &prizes {
        release(&txn, prize.coupon_id, prize.quantity).await?;
    }
    activity_prize::Entity::delete_many()
        .filter(activity_prize::Column::ActivityId.eq(id))
        .exec(&txn)
        .await?;
    activity_trail::Entity::delete_many()
        .filter(activity_trail::Column::ActivityId.eq(id))
        .exec(&txn)
        .await?;
    activity::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("delete_activity", "activity", id)
            .with_detail(serde_json::json!({ "title": current.title })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The reviewer rule, as a condition on activities: those `me` may review are those of
/// an organisation strictly below the caller's, and — for the root organisation's own
/// activities — those of the caller's own organisation when it is the root (another
/// root admin reviews them). Never one the caller submitted. Used by the check before
/// a review (`may_review`) and by the review queue.
fn reviewable_by(me: &AdminPrincipal, own_org: &organisation::Model) -> Condition {
    let mut publisher = Condition::any()
        .add(Expr::col(activity::Column::OrgId).in_subquery(me.scope.org_ids_below()));
    if own_org.parent_id.is_none() {
        publisher = publisher.add(activity::Column::OrgId.eq(own_org.id));
    }
    Condition::all().add(publisher).add(
        Condition::any()
            .add(activity::Column::SubmittedBy.is_null())
            .add(activity::Column::SubmittedBy.ne(me.admin_id)),
    )
}

/// Whether `me` may review the activity (`reviewable_by`).
async fn may_review(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<bool> {
    let own_org = own_org(&state.db, me).await?;
    let found = activity::Entity::find_by_id(id)
        .filter(reviewable_by(me, &own_org))
        .count(&state.db)
        .await?;
    Ok(found > 0)
}

/// Who may take the action: a review needs a reviewer (`reviewable_by`), anything else
/// the publishing organisation.
async fn authorise(
    state: &AppState,
    me: &AdminPrincipal,
    current: &activity::Model,
    action: ActivityAction,
) -> ApiResult<()> {
    if !matches!(action, ActivityAction::Approve | ActivityAction::Reject) {
        return require_owner(current.org_id, me.org_id);
    }
    if !may_review(state, me, current.id).await? {
        return Err(ApiError::Forbidden {
            code: ErrorCode::NotReviewer,
            message: "只能由上级组织的管理员审核（不能审核本级发布或本人提交的活动）".into(),
        });
    }
    Ok(())
}

/// The side conditions of an action that is legal in the current state: a rejection
/// says why, a submission has prizes and a window that has not ended, an opening too.
async fn check_preconditions(
    state: &AppState,
    current: &activity::Model,
    action: ActivityAction,
    comment: &Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    match action {
        ActivityAction::Reject if comment.is_none() => {
            Err(ApiError::validation("驳回理由（comment）不能为空"))
        }
        ActivityAction::Submit => {
            let prizes = activity_prize::Entity::find()
                .filter(activity_prize::Column::ActivityId.eq(current.id))
                .count(&state.db)
                .await?;
            if prizes == 0 {
                return Err(ApiError::validation("奖品列表不能为空，请先添加奖品"));
            }
            within_budget(state, current).await?;
            if current.ends_at <= now {
                return Err(ApiError::conflict(
                    ErrorCode::ActivityEnded,
                    "活动已结束，不能提交审核",
                ));
            }
            Ok(())
        }
        ActivityAction::Open if current.ends_at <= now => Err(ApiError::conflict(
            ErrorCode::ActivityEnded,
            "活动已结束，不能开启",
        )),
        _ => Ok(()),
    }
}

/// A submission whose prizes alone would take one member past the annual welfare
/// budget applying to the publisher (its own cap or one above it) is refused: no
/// member could ever claim all of it.
async fn within_budget(state: &AppState, current: &activity::Model) -> ApiResult<()> {
    let Some(cap) = welfare::cap_for_org(&state.db, current.org_id).await? else {
        return Ok(());
    };
    let lines = super::prizes::prizes_of(&state.db, &[current.id])
        .await?
        .remove(&current.id)
        .unwrap_or_default();
    let prizes: Vec<(i64, i64)> = lines
        .iter()
        .map(|(prize, coupon, _)| (prize.quantity, coupon.amount_fen))
        .collect();
    let most = welfare::most_one_member_claims(current, &prizes);
    if most > cap {
        return Err(ApiError::conflict(
            ErrorCode::BudgetExceeded,
            format!(
                "一名会员在本活动中最多可领取面值{}元，超过年度福利经费标准（每人每年{}元），\
                 请减少奖品面值或领取次数后再提交",
                welfare::yuan(most),
                welfare::yuan(cap)
            ),
        ));
    }
    Ok(())
}

/// Applies a workflow action (submit, approve, reject, open, close): checks who may
/// act, that the state allows it and its side conditions, then writes it through the
/// one transition writer. Opening an activity of at most `OPEN_INLINE_SLOTS` vouchers
/// creates its slots in the same transaction (已开启 at once); a bigger one goes to
/// 开启中 with an opening task (任务中心) that creates them and then opens it.
pub async fn transition(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    action: ActivityAction,
    comment: Option<String>,
) -> ApiResult<activity::Model> {
    let current = visible(&state.db, &me.scope, id).await?;
    let comment = multiline_text(comment, "审核意见（comment）", 500)?;
    let now = state.clock.now();
    authorise(state, me, &current, action).await?;
    current.status.apply(action).map_err(illegal)?;
    check_preconditions(state, &current, action, &comment, now).await?;
    let action = if action == ActivityAction::Open
        && slot_total(state, id).await? > state.settings.open_inline_slots
    {
        ActivityAction::StartOpening
    } else {
        action
    };
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    let written =
        activity_workflow::transition(&txn, &current, action, &actor(me, &org), comment, now)
            .await?;
    if written.is_none() {
        // Someone else moved it first: name the state it is in now.
        let fresh = visible(&txn, &me.scope, id).await?;
        return Err(match fresh.status.apply(action) {
            Err(e) => illegal(e),
            Ok(_) => ApiError::conflict(ErrorCode::Conflict, "活动状态已变化，请刷新后重试"),
        });
    }
    let mut opening_task = None;
    match action {
        ActivityAction::Open => {
            let slots = jobs::slots::create_all(&txn, id, now).await?;
            tracing::info!(activity_id = id, slots, "voucher slots created");
        }
        ActivityAction::StartOpening => {
            let params = serde_json::to_value(jobs::opening::OpeningParams { activity_id: id })
                .map_err(|e| ApiError::Internal(e.into()))?;
            let task =
                tasks::insert(&txn, me, now, TaskKind::ActivityOpening, None, Some(params)).await?;
            activity::Entity::update_many()
                .col_expr(activity::Column::OpeningTaskId, Expr::value(task.id))
                .filter(activity::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            opening_task = Some(task);
        }
        _ => {}
    }
    txn.commit().await?;
    if let Some(task) = opening_task {
        tracing::info!(
            activity_id = id,
            task_id = task.id,
            "opening handed to a task"
        );
        tasks::enqueue(state, &task).await;
    }
    visible(&state.db, &me.scope, id).await
}

/// How many voucher slots opening the activity makes: what the slot writer will make
/// (`jobs::slots::prizes_of`, as the opening task counts it).
async fn slot_total(state: &AppState, id: i64) -> ApiResult<i64> {
    let prizes = jobs::slots::prizes_of(&state.db, id).await?;
    Ok(prizes.iter().map(|p| p.quantity).sum())
}

/// The 处理轨迹 of an activity in scope, oldest first.
pub async fn trail_of(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<Vec<activity_trail::Model>> {
    let current = visible(&state.db, &me.scope, id).await?;
    Ok(activity_trail::Entity::find()
        .filter(activity_trail::Column::ActivityId.eq(current.id))
        .order_by_asc(activity_trail::Column::Id)
        .all(&state.db)
        .await?)
}

/// Submitted activities the caller may review (`reviewable_by`), oldest submission
/// first.
pub async fn review_queue(
    state: &AppState,
    me: &AdminPrincipal,
    page: PageRequest,
) -> ApiResult<(Vec<activity::Model>, u64)> {
    let own_org = own_org(&state.db, me).await?;
    let query = activity::Entity::find()
        .filter(activity::Column::Status.eq(ActivityStatus::Submitted))
        .filter(reviewable_by(me, &own_org))
        .order_by_asc(activity::Column::SubmittedAt)
        .order_by_asc(activity::Column::Id);
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}
