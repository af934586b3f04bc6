//! Real-name certification (工会会员认证): a member-app account names a person (name +
//! ID number); a matching active roster member turns it into an application for that
//! union's admins, who approve (link the account to the member and issue the
//! electronic member card) or reject with a reason.
//!
//! One person certifies one account: `app_accounts.certified_id_hash` and the
//! approved-per-member index are unique, so even racing approvals cannot link a
//! person twice.

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{CertificationStatus, MemberStatus};
use entity::value::mask_id_number;
use entity::{app_account, certification, member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    SqlErr, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::paging::PageRequest;
use crate::scope::require_owner;
use crate::services::rate_limit::{self, Limit, Window};
use crate::services::{audit, members};
use crate::state::AppState;

/// Applications one account may submit per day (guards against probing the roster).
pub const APPLICATIONS_PER_DAY: i32 = 10;

pub struct Application {
    pub name: String,
    pub id_number: String,
    pub id_type: Option<String>,
}

fn not_on_roster() -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::NotOnRoster,
        message: "未在工会会员名单中找到与您姓名和证件号码一致的在会会员，请联系所在工会将您录入会员名单后再认证".into(),
        details: None,
    }
}

/// Files an application for the calling account: the person named, the daily limit,
/// what the account already is, the roster match, then the application itself.
#[tracing::instrument(skip_all, fields(account_id))]
pub async fn apply(
    state: &AppState,
    account_id: i64,
    input: Application,
) -> ApiResult<certification::Model> {
    let (name, id) =
        members::named_person(&input.name, input.id_type.as_deref(), &input.id_number)?;
    let hash = state.cipher.lookup_hash(id.as_str());
    let now = state.clock.now();
    rate_limit::acquire(
        &state.db,
        now,
        &Limit {
            scope: "certification_apply",
            subject: account_id.to_string(),
            max: APPLICATIONS_PER_DAY,
            window: Window::BeijingDay,
            code: ErrorCode::CertificationTooFrequent,
            message: "今日认证申请次数过多，请明天再试",
        },
    )
    .await?;
    check_account(state, account_id, &hash).await?;
    let member = roster_match(state, account_id, &hash, &name).await?;
    let application = certification::ActiveModel {
        account_id: Set(account_id),
        member_id: Set(member.id),
        org_id: Set(member.org_id),
        name: Set(member.name.clone()),
        id_number_hash: Set(hash),
        id_number_masked: Set(mask_id_number(id.as_str())),
        status: Set(CertificationStatus::Pending),
        reject_reason: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already_pending(),
        _ => ApiError::Db(e),
    })?;
    tracing::info!(
        certification_id = application.id,
        org_id = application.org_id,
        "certification application filed"
    );
    Ok(application)
}

/// What the account already is refuses a new application: certified as an active
/// member, certified as someone else, or an application pending.
async fn check_account(state: &AppState, account_id: i64, hash: &str) -> ApiResult<()> {
    let account = app_account::Entity::find_by_id(account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if let Some(linked) = account.member_id {
        let still_active = member::Entity::find_by_id(linked)
            .one(&state.db)
            .await?
            .is_some_and(|m| m.status == MemberStatus::Active);
        if still_active {
            return Err(ApiError::conflict(
                ErrorCode::AlreadyCertified,
                "您已完成工会会员认证",
            ));
        }
    }
    if account
        .certified_id_hash
        .as_ref()
        .is_some_and(|h| *h != hash)
    {
        return Err(ApiError::conflict(
            ErrorCode::IdentityMismatch,
            "本账号已认证为其他会员，不能认证他人身份",
        ));
    }
    let pending = certification::Entity::find()
        .filter(certification::Column::AccountId.eq(account_id))
        .filter(certification::Column::Status.eq(CertificationStatus::Pending))
        .count(&state.db)
        .await?;
    if pending > 0 {
        return Err(already_pending());
    }
    Ok(())
}

/// The active roster member with this ID number and name, when no other account has
/// certified with the number.
async fn roster_match(
    state: &AppState,
    account_id: i64,
    hash: &str,
    name: &str,
) -> ApiResult<member::Model> {
    // The roster match (ID number and name) comes before anything is said about the
    // ID number: a wrong name hears NOT_ON_ROSTER whether or not someone else has
    // certified with that number, so the answer cannot be used to probe it.
    let member = member::Entity::find()
        .filter(member::Column::IdNumberHash.eq(hash))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .one(&state.db)
        .await?
        .filter(|m| members::same_name(&m.name, name))
        .ok_or_else(not_on_roster)?;
    let taken = app_account::Entity::find()
        .filter(app_account::Column::CertifiedIdHash.eq(hash))
        .filter(app_account::Column::Id.ne(account_id))
        .count(&state.db)
        .await?;
    if taken > 0 {
        return Err(id_taken());
    }
    Ok(member)
}

fn already_pending() -> ApiError {
    ApiError::conflict(
        ErrorCode::CertificationPending,
        "您的认证申请正在审核中，请耐心等待",
    )
}

fn id_taken() -> ApiError {
    ApiError::conflict(
        ErrorCode::IdAlreadyCertified,
        "该身份已被其他账号认证，一人只能认证一个账号；如有疑问请联系所在工会",
    )
}

fn not_pending() -> ApiError {
    ApiError::conflict(
        ErrorCode::CertificationNotPending,
        "该申请已审核，不能重复处理",
    )
}

/// The account's latest application, if any.
pub async fn latest_of(
    state: &AppState,
    account_id: i64,
) -> ApiResult<Option<certification::Model>> {
    Ok(certification::Entity::find()
        .filter(certification::Column::AccountId.eq(account_id))
        .order_by_desc(certification::Column::Id)
        .one(&state.db)
        .await?)
}

/// The card number: stable once issued (never recomputed), unique by construction.
fn card_number(account_id: i64, issued: DateTime<Utc>) -> String {
    let year = issued.with_timezone(&jobs::clock::beijing()).year();
    format!("GH{year}{account_id:08}")
}

#[derive(Debug, Default)]
pub struct CertificationFilter {
    pub status: Option<CertificationStatus>,
    pub org_id: Option<i64>,
}

/// Applications of unions in the caller's scope, newest first.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: CertificationFilter,
    page: PageRequest,
) -> ApiResult<(Vec<(certification::Model, Option<app_account::Model>)>, u64)> {
    let mut query = certification::Entity::find()
        .filter(me.scope.filter(certification::Column::OrgId))
        .order_by_desc(certification::Column::Id);
    if let Some(status) = filter.status {
        query = query.filter(certification::Column::Status.eq(status));
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(certification::Column::OrgId.eq(org_id));
    }
    let paginator = query
        .find_also_related(app_account::Entity)
        .paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// An application in the caller's scope, or 404.
pub async fn get(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<(certification::Model, Option<app_account::Model>)> {
    certification::Entity::find_by_id(id)
        .filter(me.scope.filter(certification::Column::OrgId))
        .find_also_related(app_account::Entity)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("认证申请"))
}

/// 审核通过: in one transaction the application is approved (only if still pending),
/// the account is linked to the member and given its card, and the member is marked
/// certified. Only the union's own admins may approve.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, certification_id = id))]
pub async fn approve(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
) -> ApiResult<certification::Model> {
    let (application, account) = get(state, me, id).await?;
    require_owner(application.org_id, me.org_id)?;
    if application.status != CertificationStatus::Pending {
        return Err(not_pending());
    }
    let account = account.ok_or(ApiError::NotFound("认证申请"))?;
    let member = member::Entity::find_by_id(application.member_id)
        .one(&state.db)
        .await?
        .filter(|m| m.status == MemberStatus::Active && m.org_id == application.org_id)
        .ok_or_else(|| {
            ApiError::conflict(
                ErrorCode::MemberNotActive,
                "该会员已不是本工会在会会员，不能通过认证，请驳回",
            )
        })?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let done = certification::Entity::update_many()
        .col_expr(
            certification::Column::Status,
            Expr::value(CertificationStatus::Approved),
        )
        .col_expr(certification::Column::ReviewedBy, Expr::value(me.admin_id))
        .col_expr(certification::Column::ReviewedAt, Expr::value(now))
        .col_expr(certification::Column::UpdatedAt, Expr::value(now))
        .filter(certification::Column::Id.eq(application.id))
        .filter(certification::Column::Status.eq(CertificationStatus::Pending))
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => id_taken(),
            _ => ApiError::Db(e),
        })?;
    if done.rows_affected != 1 {
        return Err(not_pending());
    }
    let mut link = app_account::Entity::update_many()
        .col_expr(app_account::Column::MemberId, Expr::value(member.id))
        .col_expr(
            app_account::Column::CertifiedIdHash,
            Expr::value(application.id_number_hash.clone()),
        )
        .col_expr(app_account::Column::UpdatedAt, Expr::value(now))
        .filter(app_account::Column::Id.eq(account.id));
    if account.card_no.is_none() {
        link = link
            .col_expr(
                app_account::Column::CardNo,
                Expr::value(card_number(account.id, now)),
            )
            .col_expr(app_account::Column::CardIssuedAt, Expr::value(now));
    }
    link.exec(&txn).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => id_taken(),
        _ => ApiError::Db(e),
    })?;
    member::Entity::update_many()
        .col_expr(member::Column::Certified, Expr::value(true))
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::Id.eq(member.id))
        .exec(&txn)
        .await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("approve_certification", "certification", application.id).with_detail(
            serde_json::json!({
                "member_id": member.id,
                "account_id": account.id,
                "id_number": application.id_number_masked,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        member_id = member.id,
        account_id = account.id,
        "certification approved"
    );
    reload(state, application.id).await
}

/// 驳回 with a reason the member sees.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, certification_id = id))]
pub async fn reject(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    reason: &str,
) -> ApiResult<certification::Model> {
    let reason = crate::input::required_multiline_text(reason, "reason（驳回原因）", 200)?;
    let (application, _) = get(state, me, id).await?;
    require_owner(application.org_id, me.org_id)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let done = certification::Entity::update_many()
        .col_expr(
            certification::Column::Status,
            Expr::value(CertificationStatus::Rejected),
        )
        .col_expr(
            certification::Column::RejectReason,
            Expr::value(reason.clone()),
        )
        .col_expr(certification::Column::ReviewedBy, Expr::value(me.admin_id))
        .col_expr(certification::Column::ReviewedAt, Expr::value(now))
        .col_expr(certification::Column::UpdatedAt, Expr::value(now))
        .filter(certification::Column::Id.eq(application.id))
        .filter(certification::Column::Status.eq(CertificationStatus::Pending))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(not_pending());
    }
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("reject_certification", "certification", application.id)
            .with_detail(serde_json::json!({ "reason": reason })),
    )
    .await?;
    txn.commit().await?;
    reload(state, application.id).await
}

async fn reload(state: &AppState, id: i64) -> ApiResult<certification::Model> {
    certification::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("认证申请"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_spaces_and_card_numbers_are_stable() {
        assert!(members::same_name("张 三", "张三"));
        assert!(!members::same_name("张三", "张四"));
        let issued = DateTime::parse_from_rfc3339("2026-12-31T17:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        // 01:00 on 1 January in Beijing.
        assert_eq!(card_number(42, issued), "GH202700000042");
    }
}
