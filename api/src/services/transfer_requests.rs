//! Transfer requests (转会申请): how a union gets a person who is an active member of
//! another union, without learning which union that is.
//!
//! The receiving union (a grassroots union's admin) names the person by ID number and
//! name. The request goes in only when both match an active member of another union;
//! otherwise — unknown person, wrong name — the answer is one neutral 409
//! `NO_MATCHING_MEMBER`, so requests cannot be used to probe who is where. The holding
//! union's admins, or admins of an organisation above both unions, see it as outgoing
//! and approve it (the member moves exactly as `members::transfer` moves one) or reject
//! it with a reason; the requester sees it as incoming, and learns the holding union
//! only once it is approved. One pending request per person (a partial unique index);
//! approval is a conditional pending → approved in the same transaction as the move,
//! so two approvals cannot both move the member. Every step is audit-logged, with the
//! masked ID number only.

use entity::enums::{MemberStatus, TransferRequestStatus};
use entity::{member, organisation, transfer_request};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    SqlErr, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::input;
use crate::paging::PageRequest;
use crate::services::rate_limit::{self, Limit, Window};
use crate::services::units::require_union;
use crate::services::{audit, members};
use crate::state::AppState;

/// Requests one union may file per Beijing day (each names a person by ID number and
/// name, so the number is kept to what a union's clerk does by hand).
pub const REQUESTS_PER_DAY: i32 = 50;

/// A request as the receiving union files it.
pub struct NewRequest {
    pub name: String,
    pub id_type: Option<String>,
    pub id_number: String,
    pub reason: Option<String>,
}

/// Which side of the requests to list: to the caller's organisations (the caller asked
/// for the person) or from them (the caller's member is asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// A request with what the caller may know about it.
pub struct Seen {
    pub request: transfer_request::Model,
    pub to_org: organisation::Model,
    /// The holding union, for callers who may see it: its own side (and above), or
    /// anyone who sees the request once it is approved.
    pub from_org: Option<organisation::Model>,
    /// Whether the caller may approve or reject it now.
    pub can_review: bool,
}

/// The same answer for an unknown person and for a wrong name.
fn no_match() -> ApiError {
    ApiError::conflict(
        ErrorCode::NoMatchingMember,
        "未找到姓名与证件号码一致、会籍有效的其他工会会员；请核对姓名和证件号码，尚未入会的人员请直接录入",
    )
}

fn not_pending() -> ApiError {
    ApiError::conflict(
        ErrorCode::TransferRequestNotPending,
        "该转会申请已处理，不能重复处理",
    )
}

fn not_reviewer() -> ApiError {
    ApiError::Forbidden {
        code: ErrorCode::NotReviewer,
        message: "转会申请由会员当前所在工会（或同时管辖双方的上级组织）审批，申请方不能审批"
            .into(),
    }
}

/// 提交转会申请 by the receiving union.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id))]
pub async fn create(state: &AppState, me: &AdminPrincipal, input: NewRequest) -> ApiResult<Seen> {
    require_union(state, me).await?;
    let (name, id) =
        members::named_person(&input.name, input.id_type.as_deref(), &input.id_number)?;
    let reason = input::multiline_text(input.reason, "转会原因", 200)?;
    let now = state.clock.now();
    rate_limit::acquire(
        &state.db,
        now,
        &Limit {
            scope: "transfer_request",
            subject: me.org_id.to_string(),
            max: REQUESTS_PER_DAY,
            window: Window::BeijingDay,
            code: ErrorCode::TransferRequestsTooFrequent,
            message: "本工会今日提交的转会申请过多，请明天再试",
        },
    )
    .await?;
    let hash = state.cipher.lookup_hash(id.as_str());
    let masked = id.masked();
    let holder = member::Entity::find()
        .filter(member::Column::IdNumberHash.eq(hash.as_str()))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .one(&state.db)
        .await?;
    let holder = match holder {
        Some(m) if m.org_id == me.org_id => return Err(members::member_exists(m.id)),
        Some(m) if members::same_name(&m.name, &name) => m,
        _ => {
            // A trail of attempts that matched no one (probing leaves one too).
            let entry = audit::Entry {
                action: "transfer_request_no_match",
                target_type: "transfer_request",
                target_id: None,
                detail: Some(serde_json::json!({ "id_number": masked })),
            };
            audit::record_admin(&state.db, me, now, entry).await?;
            return Err(no_match());
        }
    };
    let txn = state.db.begin().await?;
    let request = transfer_request::ActiveModel {
        to_org_id: Set(me.org_id),
        from_org_id: Set(holder.org_id),
        member_id: Set(holder.id),
        new_member_id: Set(None),
        name: Set(holder.name.clone()),
        id_number_hash: Set(hash),
        id_number_masked: Set(masked.clone()),
        status: Set(TransferRequestStatus::Pending),
        reason: Set(reason),
        reject_reason: Set(None),
        requested_by: Set(me.admin_id),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict(
            ErrorCode::TransferRequestOpen,
            "该人员已有待处理的转会申请，请等待其所在工会处理",
        ),
        _ => ApiError::Db(e),
    })?;
    // The requester's own log: the person, never the union holding them.
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("create_transfer_request", "transfer_request", request.id)
            .with_detail(serde_json::json!({ "id_number": masked })),
    )
    .await?;
    txn.commit().await?;
    seen(state, me, request).await
}

/// Requests to (incoming) or from (outgoing) the organisations in the caller's scope,
/// newest first.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    direction: Direction,
    status: Option<TransferRequestStatus>,
    page: PageRequest,
) -> ApiResult<(Vec<Seen>, u64)> {
    let side = match direction {
        Direction::Incoming => transfer_request::Column::ToOrgId,
        Direction::Outgoing => transfer_request::Column::FromOrgId,
    };
    let mut query = transfer_request::Entity::find()
        .filter(me.scope.filter(side))
        .order_by_desc(transfer_request::Column::Id);
    if let Some(status) = status {
        query = query.filter(transfer_request::Column::Status.eq(status));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page - 1).await?;
    Ok((seen_all(state, me, rows).await?, total))
}

/// 同意: the request is approved (only while pending) and the member moved to the
/// requesting union, in one transaction.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, transfer_request_id = id))]
pub async fn approve(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<Seen> {
    let request = reviewable(state, me, id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !decide(
        &txn,
        me,
        &request,
        TransferRequestStatus::Approved,
        None,
        now,
    )
    .await?
    {
        return Err(not_pending());
    }
    // Read after the decision is ours: a concurrent approval that moved the member first
    // has already made this one `not_pending` above.
    let member = member::Entity::find_by_id(request.member_id)
        .one(&txn)
        .await?
        .filter(|m| m.status == MemberStatus::Active && m.org_id == request.from_org_id)
        .ok_or_else(members::not_active)?;
    let moved = members::move_member(
        &txn,
        state,
        me,
        &member,
        request.to_org_id,
        request.reason.clone(),
    )
    .await?;
    transfer_request::Entity::update_many()
        .col_expr(transfer_request::Column::NewMemberId, Expr::value(moved.id))
        .filter(transfer_request::Column::Id.eq(request.id))
        .exec(&txn)
        .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("approve_transfer_request", "transfer_request", request.id).with_detail(
            serde_json::json!({
                "member_id": member.id,
                "new_member_id": moved.id,
                "from_org_id": request.from_org_id,
                "to_org_id": request.to_org_id,
                "id_number": request.id_number_masked,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        member_id = member.id,
        new_member_id = moved.id,
        "transfer request approved"
    );
    seen(state, me, reload(state, request.id).await?).await
}

/// 驳回 with a reason the requesting union sees.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, transfer_request_id = id))]
pub async fn reject(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    reason: &str,
) -> ApiResult<Seen> {
    let reason = input::required_multiline_text(reason, "驳回原因（reason）", 200)?;
    let request = reviewable(state, me, id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if !decide(
        &txn,
        me,
        &request,
        TransferRequestStatus::Rejected,
        Some(reason.clone()),
        now,
    )
    .await?
    {
        return Err(not_pending());
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("reject_transfer_request", "transfer_request", request.id)
            .with_detail(serde_json::json!({ "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    seen(state, me, reload(state, request.id).await?).await
}

/// The conditional pending → `status`; whether this call made it.
async fn decide(
    txn: &sea_orm::DatabaseTransaction,
    me: &AdminPrincipal,
    request: &transfer_request::Model,
    status: TransferRequestStatus,
    reject_reason: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<bool> {
    let done = transfer_request::Entity::update_many()
        .col_expr(transfer_request::Column::Status, Expr::value(status))
        .col_expr(
            transfer_request::Column::RejectReason,
            Expr::value(reject_reason),
        )
        .col_expr(
            transfer_request::Column::ReviewedBy,
            Expr::value(me.admin_id),
        )
        .col_expr(transfer_request::Column::ReviewedAt, Expr::value(now))
        .col_expr(transfer_request::Column::UpdatedAt, Expr::value(now))
        .filter(transfer_request::Column::Id.eq(request.id))
        .filter(transfer_request::Column::Status.eq(TransferRequestStatus::Pending))
        .exec(txn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A request the caller may decide: 404 unless one of its unions is in the caller's
/// scope; 403 `NOT_REVIEWER` for the requesting side (and for an organisation above the
/// holding union only); 409 once decided.
async fn reviewable(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<transfer_request::Model> {
    let request = reload(state, id).await?;
    let (to_org, from_org) = unions(state, &request).await?;
    let sees_from = me.scope.contains_path(&from_org.path);
    if !sees_from && !me.scope.contains_path(&to_org.path) {
        return Err(ApiError::NotFound("转会申请"));
    }
    if !may_review(me, &request, &to_org, &from_org) {
        return Err(not_reviewer());
    }
    if request.status != TransferRequestStatus::Pending {
        return Err(not_pending());
    }
    Ok(request)
}

/// The holding union's admins, or admins of an organisation above both unions; never
/// the requesting union itself.
fn may_review(
    me: &AdminPrincipal,
    request: &transfer_request::Model,
    to_org: &organisation::Model,
    from_org: &organisation::Model,
) -> bool {
    me.org_id != request.to_org_id
        && (me.org_id == request.from_org_id
            || (me.scope.contains_path(&from_org.path) && me.scope.contains_path(&to_org.path)))
}

async fn reload(state: &AppState, id: i64) -> ApiResult<transfer_request::Model> {
    transfer_request::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("转会申请"))
}

/// The requesting and the holding union of a request.
async fn unions(
    state: &AppState,
    request: &transfer_request::Model,
) -> ApiResult<(organisation::Model, organisation::Model)> {
    let mut orgs = members::orgs_by_id(state, vec![request.to_org_id, request.from_org_id]).await?;
    let mut take = |id: i64| orgs.remove(&id).ok_or(ApiError::NotFound("组织"));
    Ok((take(request.to_org_id)?, take(request.from_org_id)?))
}

/// Requests as the caller may see them (`view`), their unions read in one query.
async fn seen_all(
    state: &AppState,
    me: &AdminPrincipal,
    requests: Vec<transfer_request::Model>,
) -> ApiResult<Vec<Seen>> {
    let ids = requests
        .iter()
        .flat_map(|r| [r.to_org_id, r.from_org_id])
        .collect();
    let orgs = members::orgs_by_id(state, ids).await?;
    requests
        .into_iter()
        .map(|request| {
            let org = |id: i64| orgs.get(&id).cloned().ok_or(ApiError::NotFound("组织"));
            let (to_org, from_org) = (org(request.to_org_id)?, org(request.from_org_id)?);
            Ok(view(me, request, to_org, from_org))
        })
        .collect()
}

async fn seen(
    state: &AppState,
    me: &AdminPrincipal,
    request: transfer_request::Model,
) -> ApiResult<Seen> {
    let (to_org, from_org) = unions(state, &request).await?;
    Ok(view(me, request, to_org, from_org))
}

/// The request as the caller may see it: the holding union only when the caller's
/// scope holds it or the request was approved.
fn view(
    me: &AdminPrincipal,
    request: transfer_request::Model,
    to_org: organisation::Model,
    from_org: organisation::Model,
) -> Seen {
    let can_review = request.status == TransferRequestStatus::Pending
        && may_review(me, &request, &to_org, &from_org);
    let shown =
        request.status == TransferRequestStatus::Approved || me.scope.contains_path(&from_org.path);
    Seen {
        request,
        to_org,
        from_org: shown.then_some(from_org),
        can_review,
    }
}
