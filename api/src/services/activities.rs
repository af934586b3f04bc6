//! Activities (领券活动): the prize list, the review workflow (`entity::activity_state`),
//! the 处理轨迹, the list with its counts and the review queue.
//!
//! Activities of the scope are readable; every change but a review needs the
//! publishing organisation (`scope::require_owner`), and reviews are for the
//! organisations above it (`may_review`). Every write runs in one transaction. State changes are conditional updates
//! (`WHERE id = ? AND status = <expected>`), so of two admins acting at once only one
//! succeeds; edits also name the `version` they read. Prize quantities are reserved on
//! the coupon with `reserved = reserved + q WHERE reserved + q <= quantity`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus, IllegalTransition};
use entity::enums::{ClaimLimitKind, ReviewStatus, TrailAction, VoucherStatus};
use entity::{
    activity, activity_prize, activity_trail, claim, coupon, coupon_grant, merchant, organisation,
    unit, voucher,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult};
use crate::input::{multiline_text, required_text, text};
use crate::paging::PageRequest;
use crate::scope::{Scope, require_owner};
use crate::services::{audit, files, html};
use crate::state::AppState;

pub const MAX_CONTENT_CHARS: usize = 100_000;
pub const MAX_TIMES_PER_DAY: i32 = 100;

/// Activity fields as the client sent them.
#[derive(Clone, Debug)]
pub struct ActivityInput {
    pub title: String,
    pub cover_url: Option<String>,
    pub cover_file_id: Option<i64>,
    pub claim_limit_kind: ClaimLimitKind,
    pub claim_limit_times: Option<i32>,
    pub scope_org_id: i64,
    pub scope_unit_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub content_html: String,
    pub birthday_only: bool,
}

/// Validated activity fields (content already sanitised).
#[derive(Clone, Debug)]
pub struct ActivityFields {
    title: String,
    cover_url: Option<String>,
    cover_file_id: Option<i64>,
    claim_limit_kind: ClaimLimitKind,
    claim_limit_times: Option<i32>,
    scope_org_id: i64,
    scope_unit_id: Option<i64>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    content_html: String,
    birthday_only: bool,
}

impl ActivityInput {
    /// Checks every field. `starts_at` must be later than now, unless it is unchanged
    /// from `previous_start` (an edit that keeps the start time).
    pub async fn validate<C: ConnectionTrait>(
        self,
        db: &C,
        me: &AdminPrincipal,
        now: DateTime<Utc>,
        previous_start: Option<DateTime<Utc>>,
    ) -> ApiResult<ActivityFields> {
        let title = required_text(&self.title, "活动标题", 100)?;
        let cover_url = text(self.cover_url, "活动封面（cover_url）", 500)?;
        if let Some(url) = &cover_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(ApiError::validation(
                    "活动封面（cover_url）应为 http(s) 图片地址",
                ));
            }
        }
        if let Some(id) = self.cover_file_id {
            files::require_image(db, &me.scope, id, "活动封面（cover_file_id）").await?;
        }
        if cover_url.is_none() && self.cover_file_id.is_none() {
            return Err(ApiError::validation(
                "活动封面不能为空（请上传封面图片 cover_file_id 或填写 cover_url）",
            ));
        }
        let claim_limit_times = match self.claim_limit_kind {
            ClaimLimitKind::Once => None,
            ClaimLimitKind::PerDay => match self.claim_limit_times {
                Some(n) if (1..=MAX_TIMES_PER_DAY).contains(&n) => Some(n),
                _ => {
                    return Err(ApiError::validation(format!(
                        "领券次数（claim_limit.times）应为每天1至{MAX_TIMES_PER_DAY}次"
                    )));
                }
            },
        };
        let scope_org = organisation::Entity::find_by_id(self.scope_org_id)
            .one(db)
            .await?
            .filter(|o| me.scope.contains_path(&o.path))
            .ok_or_else(|| ApiError::validation("适用范围（scope_org_id）须为本级或下级组织"))?;
        if let Some(unit_id) = self.scope_unit_id {
            let in_scope = unit::Entity::find_by_id(unit_id)
                .filter(Expr::col(unit::Column::OrgId).in_subquery(Scope::of(&scope_org).org_ids()))
                .one(db)
                .await?
                .is_some();
            if !in_scope {
                return Err(ApiError::validation(
                    "适用单位（scope_unit_id）须为适用范围组织内的单位",
                ));
            }
        }
        if previous_start != Some(self.starts_at) && self.starts_at <= now {
            return Err(ApiError::validation("活动开始时间须晚于当前时间"));
        }
        if self.ends_at <= self.starts_at {
            return Err(ApiError::validation("活动结束时间须晚于开始时间"));
        }
        if self.content_html.trim().is_empty() {
            return Err(ApiError::validation("活动内容不能为空"));
        }
        if self.content_html.chars().count() > MAX_CONTENT_CHARS {
            return Err(ApiError::validation(format!(
                "活动内容不能超过{MAX_CONTENT_CHARS}个字"
            )));
        }
        Ok(ActivityFields {
            title,
            cover_url,
            cover_file_id: self.cover_file_id,
            claim_limit_kind: self.claim_limit_kind,
            claim_limit_times,
            scope_org_id: scope_org.id,
            scope_unit_id: self.scope_unit_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            content_html: html::sanitise(&self.content_html),
            birthday_only: self.birthday_only,
        })
    }
}

fn apply(active: &mut activity::ActiveModel, f: ActivityFields) {
    active.title = Set(f.title);
    active.cover_url = Set(f.cover_url);
    active.cover_file_id = Set(f.cover_file_id);
    active.claim_limit_kind = Set(f.claim_limit_kind);
    active.claim_limit_times = Set(f.claim_limit_times);
    active.scope_org_id = Set(f.scope_org_id);
    active.scope_unit_id = Set(f.scope_unit_id);
    active.starts_at = Set(f.starts_at);
    active.ends_at = Set(f.ends_at);
    active.content_html = Set(f.content_html);
    active.birthday_only = Set(f.birthday_only);
}

fn illegal(e: IllegalTransition) -> ApiError {
    ApiError::Conflict {
        code: "ILLEGAL_TRANSITION",
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

/// Appends a 处理轨迹 entry.
#[allow(clippy::too_many_arguments)]
async fn trail<C: ConnectionTrait>(
    db: &C,
    me: &AdminPrincipal,
    actor_org: &organisation::Model,
    activity_id: i64,
    action: TrailAction,
    from: Option<ActivityStatus>,
    to: ActivityStatus,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    activity_trail::ActiveModel {
        activity_id: Set(activity_id),
        action: Set(action),
        from_status: Set(from),
        to_status: Set(to),
        actor_id: Set(me.admin_id),
        actor_name: Set(me.username.clone()),
        org_id: Set(actor_org.id),
        org_name: Set(actor_org.name.clone()),
        comment: Set(comment),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

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
    trail(
        &txn,
        me,
        &org,
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
            Ok(_) => ApiError::conflict("CONFLICT", "活动已被他人修改，请刷新后重试"),
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
    trail(
        &txn,
        me,
        &org,
        id,
        TrailAction::Edit,
        Some(current.status),
        current.status,
        None,
        now,
    )
    .await?;
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

async fn release<C: ConnectionTrait>(db: &C, coupon_id: i64, quantity: i64) -> ApiResult<()> {
    coupon::Entity::update_many()
        .col_expr(
            coupon::Column::Reserved,
            Expr::col(coupon::Column::Reserved).sub(quantity),
        )
        .filter(coupon::Column::Id.eq(coupon_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A prize line with its coupon and the coupon's merchant.
pub type PrizeLine = (activity_prize::Model, coupon::Model, merchant::Model);

/// The prize lists of several activities.
pub async fn prizes_of<C: ConnectionTrait>(
    db: &C,
    activity_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<PrizeLine>>> {
    let mut out: HashMap<i64, Vec<PrizeLine>> = HashMap::new();
    if activity_ids.is_empty() {
        return Ok(out);
    }
    let rows = activity_prize::Entity::find()
        .filter(activity_prize::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .find_also_related(coupon::Entity)
        .order_by_asc(activity_prize::Column::Id)
        .all(db)
        .await?;
    let merchant_ids: Vec<i64> = rows
        .iter()
        .filter_map(|(_, c)| c.as_ref().map(|c| c.merchant_id))
        .collect();
    let merchants: HashMap<i64, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(merchant_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    for (prize, coupon) in rows {
        if let Some(coupon) = coupon
            && let Some(m) = merchants.get(&coupon.merchant_id)
        {
            out.entry(prize.activity_id)
                .or_default()
                .push((prize, coupon, m.clone()));
        }
    }
    Ok(out)
}

/// Whether the publishing organisation may hand out this coupon: an enabled coupon of a
/// merchant it owns, or one granted to a merchant it owns.
async fn usable_by<C: ConnectionTrait>(
    db: &C,
    coupon: &coupon::Model,
    publisher_org: i64,
) -> ApiResult<bool> {
    if !coupon.enabled {
        return Ok(false);
    }
    let owner = merchant::Entity::find_by_id(coupon.merchant_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("商家"))?;
    if owner.org_id == publisher_org {
        return Ok(true);
    }
    let granted = coupon_grant::Entity::find()
        .filter(coupon_grant::Column::CouponId.eq(coupon.id))
        .filter(
            Expr::col(coupon_grant::Column::MerchantId).in_subquery(
                Query::select()
                    .column(merchant::Column::Id)
                    .from(merchant::Entity)
                    .and_where(merchant::Column::OrgId.eq(publisher_org))
                    .to_owned(),
            ),
        )
        .count(db)
        .await?;
    Ok(granted > 0)
}

/// Adds a prize line, reserving its quantity on the coupon.
pub async fn add_prize(
    state: &AppState,
    me: &AdminPrincipal,
    activity_id: i64,
    coupon_id: i64,
    quantity: i64,
) -> ApiResult<activity_prize::Model> {
    let current = owned(&state.db, me, activity_id).await?;
    current
        .status
        .apply(ActivityAction::Edit)
        .map_err(illegal)?;
    if quantity <= 0 {
        return Err(ApiError::validation("奖品数量（quantity）应大于0"));
    }
    let coupon = coupon::Entity::find_by_id(coupon_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::validation("优惠券（coupon_id）不存在"))?;
    if !usable_by(&state.db, &coupon, current.org_id).await? {
        return Err(ApiError::validation(
            "优惠券（coupon_id）须为本工会商家或获授权商家的已开启优惠券",
        ));
    }
    let now = state.clock.now();
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    if !lock_editable(&txn, activity_id, now).await? {
        return Err(edit_refused(&txn, &me.scope, activity_id, None).await);
    }
    let reserved = coupon::Entity::update_many()
        .col_expr(
            coupon::Column::Reserved,
            Expr::col(coupon::Column::Reserved).add(quantity),
        )
        .filter(coupon::Column::Id.eq(coupon.id))
        .filter(coupon::Column::Enabled.eq(true))
        .filter(
            Expr::col(coupon::Column::Reserved)
                .add(quantity)
                .lte(Expr::col(coupon::Column::Quantity)),
        )
        .exec(&txn)
        .await?;
    if reserved.rows_affected == 0 {
        let fresh = coupon::Entity::find_by_id(coupon.id)
            .one(&txn)
            .await?
            .ok_or(ApiError::NotFound("优惠券"))?;
        return Err(ApiError::Conflict {
            code: "INSUFFICIENT_QUANTITY",
            message: format!(
                "优惠券剩余可分配数量不足：共{}张，已分配{}张，剩余{}张",
                fresh.quantity,
                fresh.reserved,
                fresh.quantity - fresh.reserved
            ),
            details: Some(serde_json::json!({
                "quantity": fresh.quantity,
                "reserved": fresh.reserved,
            })),
        });
    }
    let prize = activity_prize::ActiveModel {
        activity_id: Set(activity_id),
        coupon_id: Set(coupon.id),
        quantity: Set(quantity),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        ApiError::on_unique(e, "PRIZE_EXISTS", "奖品列表中已有该优惠券，请先移除再添加")
    })?;
    trail(
        &txn,
        me,
        &org,
        activity_id,
        TrailAction::AddPrize,
        Some(current.status),
        current.status,
        Some(format!("{} × {}", coupon.name, quantity)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(prize)
}

/// Removes a prize line while the activity is editable, releasing its quantity.
pub async fn remove_prize(
    state: &AppState,
    me: &AdminPrincipal,
    activity_id: i64,
    prize_id: i64,
) -> ApiResult<()> {
    let current = owned(&state.db, me, activity_id).await?;
    current
        .status
        .apply(ActivityAction::Edit)
        .map_err(illegal)?;
    let now = state.clock.now();
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
    if !lock_editable(&txn, activity_id, now).await? {
        return Err(edit_refused(&txn, &me.scope, activity_id, None).await);
    }
    let prize = activity_prize::Entity::find_by_id(prize_id)
        .filter(activity_prize::Column::ActivityId.eq(activity_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound("奖品"))?;
    activity_prize::Entity::delete_by_id(prize.id)
        .exec(&txn)
        .await?;
    release(&txn, prize.coupon_id, prize.quantity).await?;
    trail(
        &txn,
        me,
        &org,
        activity_id,
        TrailAction::RemovePrize,
        Some(current.status),
        current.status,
        Some(format!("coupon {} × {}", prize.coupon_id, prize.quantity)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether `me` may review an activity of `publisher`: an admin of a strict ancestor
/// organisation; for the root organisation's own activities, another root admin.
/// Never the submitter.
fn may_review(
    me: &AdminPrincipal,
    publisher: &organisation::Model,
    submitted_by: Option<i64>,
) -> bool {
    if submitted_by == Some(me.admin_id) {
        return false;
    }
    let strict_ancestor =
        publisher.path.starts_with(&me.scope.path) && publisher.path != me.scope.path;
    let root_peer = publisher.parent_id.is_none() && publisher.id == me.org_id;
    strict_ancestor || root_peer
}

/// Applies a workflow action (submit, approve, reject, open, close).
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
    let review = matches!(action, ActivityAction::Approve | ActivityAction::Reject);
    if !review {
        require_owner(current.org_id, me.org_id)?;
    }
    if review {
        let publisher = organisation::Entity::find_by_id(current.org_id)
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("组织"))?;
        if !may_review(me, &publisher, current.submitted_by) {
            return Err(ApiError::Forbidden {
                code: "NOT_REVIEWER",
                message: "只能由上级组织的管理员审核（不能审核本级发布或本人提交的活动）".into(),
            });
        }
    }
    let next = current.status.apply(action).map_err(illegal)?;
    match action {
        ActivityAction::Reject if comment.is_none() => {
            return Err(ApiError::validation("驳回理由（comment）不能为空"));
        }
        ActivityAction::Submit => {
            let prizes = activity_prize::Entity::find()
                .filter(activity_prize::Column::ActivityId.eq(id))
                .count(&state.db)
                .await?;
            if prizes == 0 {
                return Err(ApiError::validation("奖品列表不能为空，请先添加奖品"));
            }
            if current.ends_at <= now {
                return Err(ApiError::conflict(
                    "ACTIVITY_ENDED",
                    "活动已结束，不能提交审核",
                ));
            }
        }
        ActivityAction::Open if current.ends_at <= now => {
            return Err(ApiError::conflict("ACTIVITY_ENDED", "活动已结束，不能开启"));
        }
        _ => {}
    }
    let org = own_org(&state.db, me).await?;
    let txn = state.db.begin().await?;
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
                .col_expr(activity::Column::SubmittedBy, Expr::value(me.admin_id))
                .col_expr(activity::Column::SubmittedAt, Expr::value(now));
        }
        ActivityAction::Approve | ActivityAction::Reject => {
            update = update
                .col_expr(activity::Column::ReviewedBy, Expr::value(me.admin_id))
                .col_expr(activity::Column::ReviewedAt, Expr::value(now))
                .col_expr(
                    activity::Column::ReviewComment,
                    Expr::value(comment.clone()),
                );
        }
        _ => {}
    }
    let changed = update
        .filter(activity::Column::Id.eq(id))
        .filter(activity::Column::Status.eq(current.status))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        // Someone else moved it first: name the state it is in now.
        let fresh = visible(&txn, &me.scope, id).await?;
        return Err(match fresh.status.apply(action) {
            Err(e) => illegal(e),
            Ok(_) => ApiError::conflict("CONFLICT", "活动状态已变化，请刷新后重试"),
        });
    }
    if action == ActivityAction::Open {
        let slots = super::slots::create_for_activity(&txn, id, now).await?;
        tracing::info!(activity_id = id, slots, "voucher slots created");
    }
    if let Some(trail_action) = action.trail() {
        trail(
            &txn,
            me,
            &org,
            id,
            trail_action,
            Some(current.status),
            next,
            comment,
            now,
        )
        .await?;
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on(
            match action {
                ActivityAction::Submit => "submit_activity",
                ActivityAction::Approve => "approve_activity",
                ActivityAction::Reject => "reject_activity",
                ActivityAction::Open => "open_activity",
                ActivityAction::Close => "close_activity",
                ActivityAction::Edit => "update_activity",
                ActivityAction::Delete => "delete_activity",
            },
            "activity",
            id,
        ),
    )
    .await?;
    txn.commit().await?;
    visible(&state.db, &me.scope, id).await
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

/// Filters of the activity list (figure 29).
#[derive(Debug, Default)]
pub struct ActivityFilter {
    pub name: Option<String>,
    pub status: Option<ActivityStatus>,
    pub review_status: Option<ReviewStatus>,
    pub merchant_id: Option<i64>,
    pub org_id: Option<i64>,
}

/// 报名人数 / 参与人数 / 核销数 of one activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub sign_ups: i64,
    pub participants: i64,
    pub redeemed: i64,
}

/// The claim counts of the given activities, from the vouchers: 报名人数 is the number
/// of claims, 参与人数 the members who claimed, 核销数 the vouchers redeemed.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    activity_ids: &[i64],
) -> ApiResult<HashMap<i64, Counts>> {
    let mut out: HashMap<i64, Counts> = activity_ids
        .iter()
        .map(|id| (*id, Counts::default()))
        .collect();
    for chunk in activity_ids.chunks(500) {
        let claims: Vec<(i64, i64, i64)> = claim::Entity::find()
            .select_only()
            .column(claim::Column::ActivityId)
            .column_as(Expr::col(claim::Column::Id).count(), "sign_ups")
            .column_as(
                Expr::col(claim::Column::MemberId).count_distinct(),
                "participants",
            )
            .filter(claim::Column::ActivityId.is_in(chunk.iter().copied()))
            .group_by(claim::Column::ActivityId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, sign_ups, participants) in claims {
            if let Some(c) = out.get_mut(&id) {
                c.sign_ups = sign_ups;
                c.participants = participants;
            }
        }
        let redeemed: Vec<(i64, i64)> = voucher::Entity::find()
            .select_only()
            .column(voucher::Column::ActivityId)
            .column_as(Expr::col(voucher::Column::Id).count(), "redeemed")
            .filter(voucher::Column::ActivityId.is_in(chunk.iter().copied()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
            .group_by(voucher::Column::ActivityId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, n) in redeemed {
            if let Some(c) = out.get_mut(&id) {
                c.redeemed = n;
            }
        }
    }
    Ok(out)
}

/// The 合计 row over every activity matching the filter (not just one page).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub counts: Counts,
    pub prize_quantity: i64,
}

fn filtered(me: &AdminPrincipal, filter: &ActivityFilter) -> sea_orm::Select<activity::Entity> {
    let mut query = activity::Entity::find().filter(me.scope.filter(activity::Column::OrgId));
    if let Some(name) = filter
        .name
        .as_ref()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(activity::Column::Title.contains(&name));
    }
    if let Some(status) = filter.status {
        query = query.filter(activity::Column::Status.eq(status));
    }
    if let Some(review) = filter.review_status {
        query = query.filter(activity::Column::ReviewStatus.eq(review));
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(activity::Column::OrgId.eq(org_id));
    }
    if let Some(merchant_id) = filter.merchant_id {
        query = query.filter(
            Expr::col(activity::Column::Id).in_subquery(
                Query::select()
                    .column(activity_prize::Column::ActivityId)
                    .from(activity_prize::Entity)
                    .and_where(
                        Expr::col(activity_prize::Column::CouponId).in_subquery(
                            Query::select()
                                .column(coupon::Column::Id)
                                .from(coupon::Entity)
                                .and_where(coupon::Column::MerchantId.eq(merchant_id))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        );
    }
    query
}

/// One page of activities in scope, and the totals over all that match.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: ActivityFilter,
    page: PageRequest,
) -> ApiResult<(Vec<activity::Model>, u64, Totals)> {
    let query = filtered(me, &filter).order_by_desc(activity::Column::Id);
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;

    let ids: Vec<i64> = filtered(me, &filter)
        .select_only()
        .column(activity::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut totals = Totals::default();
    for c in counts(&state.db, &ids).await?.values() {
        totals.counts.sign_ups += c.sign_ups;
        totals.counts.participants += c.participants;
        totals.counts.redeemed += c.redeemed;
    }
    let prize_sum: Option<Option<i64>> = activity_prize::Entity::find()
        .select_only()
        .column_as(
            Expr::col(activity_prize::Column::Quantity)
                .sum()
                .cast_as("BIGINT"),
            "total",
        )
        .filter(
            activity_prize::Column::ActivityId.in_subquery(
                filtered(me, &filter)
                    .select_only()
                    .column(activity::Column::Id)
                    .into_query(),
            ),
        )
        .into_tuple()
        .one(&state.db)
        .await?;
    totals.prize_quantity = prize_sum.flatten().unwrap_or(0);
    Ok((items, total, totals))
}

/// Submitted activities the caller may review, oldest submission first.
pub async fn review_queue(
    state: &AppState,
    me: &AdminPrincipal,
    page: PageRequest,
) -> ApiResult<(Vec<activity::Model>, u64)> {
    let below = Query::select()
        .column(organisation::Column::Id)
        .from(organisation::Entity)
        .and_where(organisation::Column::Path.starts_with(&me.scope.path))
        .and_where(organisation::Column::Id.ne(me.org_id))
        .to_owned();
    let own_org = own_org(&state.db, me).await?;
    let mut reviewable = Expr::col(activity::Column::OrgId).in_subquery(below);
    if own_org.parent_id.is_none() {
        reviewable = reviewable.or(activity::Column::OrgId.eq(own_org.id));
    }
    let query = activity::Entity::find()
        .filter(activity::Column::Status.eq(ActivityStatus::Submitted))
        .filter(reviewable)
        .filter(activity::Column::SubmittedBy.ne(me.admin_id))
        .order_by_asc(activity::Column::SubmittedAt)
        .order_by_asc(activity::Column::Id);
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// Names of organisations by id (发布工会 in lists).
pub async fn org_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}
