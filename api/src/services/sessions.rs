//! Sessions behind bearer tokens: issue, resolve, revoke. What makes a session live is
//! `live_at`, for every kind of token; the member and staff lookups run on the
//! backend's token store (`store`).

use chrono::{DateTime, Duration, Utc};
use entity::enums::PrincipalKind;
use entity::{admin_account, app_account, organisation, session};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, Set,
};

use crate::auth::{AdminPrincipal, SessionPrincipal, StaffPrincipal, token};
use crate::error::{ApiError, ApiResult};
use crate::scope::Scope;
use crate::services::rush_cache::{self, Holder};
use crate::state::AppState;

/// Creates a session and returns its token (the only time the token exists in clear).
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    kind: PrincipalKind,
    principal_id: i64,
) -> ApiResult<String> {
    let now = state.clock.now();
    let token = token::generate();
    session::ActiveModel {
        token_hash: Set(token::digest(&token)),
        principal_kind: Set(kind),
        principal_id: Set(principal_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(state.settings.session_ttl_hours)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// What makes a session behind `token` live: of this kind, not revoked, not expired.
fn live(state: &AppState, token: &str, kind: PrincipalKind) -> Condition {
    live_at(
        Expr::val(token::digest(token)),
        Expr::val(state.clock.now()),
        kind,
    )
}

/// `live` for a token digest and a time given as expressions (a batch gives columns).
fn live_at(digest: SimpleExpr, now: SimpleExpr, kind: PrincipalKind) -> Condition {
    Condition::all()
        .add(Expr::col((session::Entity, session::Column::TokenHash)).eq(digest))
        .add(session::Column::PrincipalKind.eq(kind))
        .add(session::Column::RevokedAt.is_null())
        .add(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now))
}

/// A live session of the given kind, or 401.
async fn live_session(
    state: &AppState,
    token: &str,
    kind: PrincipalKind,
) -> ApiResult<session::Model> {
    session::Entity::find()
        .filter(live(state, token, kind))
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// Resolves a member app token in one query: the session, its account's roster member
/// and the member's organisation. The holder goes into the rush cache, where the
/// member routes (claims, activities, vouchers) look it up: one round trip, not two.
pub async fn resolve_member(state: &AppState, token: &str) -> ApiResult<SessionPrincipal> {
    let found = state
        .store
        .tokens
        .member_session(TokenLookup::of(state, token))
        .await?;
    let MemberSession { session_id, holder } = found.ok_or(ApiError::Unauthorized)?;
    let principal = SessionPrincipal {
        session_id,
        principal_id: holder.account_id,
    };
    state.cache.remember_holder(holder);
    Ok(principal)
}

/// Resolves a staff token to the staff account and its merchant in one query.
pub async fn resolve_staff(state: &AppState, token: &str) -> ApiResult<StaffPrincipal> {
    let row = state
        .store
        .tokens
        .staff_session(TokenLookup::of(state, token))
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if row.disabled {
        return Err(ApiError::Unauthorized);
    }
    Ok(StaffPrincipal {
        session_id: row.session_id,
        staff_id: row.staff_id,
        staff_name: row.staff_name,
        phone: row.phone,
        merchant_id: row.merchant_id,
        merchant_name: row.merchant_name,
        must_change_password: row.must_change_password,
    })
}

/// A token to resolve, by its digest, at a time.
#[derive(Clone, Debug)]
pub struct TokenLookup {
    pub digest: String,
    pub now: DateTime<Utc>,
}

impl TokenLookup {
    fn of(state: &AppState, token: &str) -> Self {
        Self {
            digest: token::digest(token),
            now: state.clock.now(),
        }
    }
}

/// What a token lookup reads: the rows behind a live session of one kind, and how a
/// row becomes the answer.
pub trait SessionRow: Clone + Send + Sync + 'static {
    const KIND: PrincipalKind;

    /// The select through the session (`sessions` joined to what the token names),
    /// without the session's condition, which `lookup_select` adds.
    fn select() -> SelectStatement;

    fn read(row: &QueryResult) -> ApiResult<Self>;
}

/// The lookup of one token: `R::select` limited to a live session of `R::KIND` with
/// this digest at this time; `digest` and `now` are values for one lookup, columns for
/// a batch.
pub fn lookup_select<R: SessionRow>(digest: SimpleExpr, now: SimpleExpr) -> SelectStatement {
    let mut select = R::select();
    select.cond_where(live_at(digest, now, R::KIND));
    select
}

/// A member's live session and the account's holder.
#[derive(Clone, Debug)]
pub struct MemberSession {
    session_id: i64,
    holder: Holder,
}

impl SessionRow for MemberSession {
    const KIND: PrincipalKind = PrincipalKind::Member;

    /// The holder select (see `rush_cache::holder_select`) through the member's session.
    fn select() -> SelectStatement {
        let mut select = rush_cache::holder_select();
        select
            .expr_as(
                Expr::col((session::Entity, session::Column::Id)),
                "session_id",
            )
            .inner_join(
                session::Entity,
                Expr::col((session::Entity, session::Column::PrincipalId))
                    .equals((app_account::Entity, app_account::Column::Id)),
            );
        select
    }

    fn read(row: &QueryResult) -> ApiResult<Self> {
        Ok(Self {
            session_id: row.try_get("", "session_id")?,
            holder: rush_cache::holder_of(row)?,
        })
    }
}

/// A staff account's live session, with its merchant.
#[derive(Clone, Debug, FromQueryResult)]
pub struct StaffSession {
    session_id: i64,
    staff_id: i64,
    staff_name: String,
    phone: String,
    merchant_id: i64,
    merchant_name: String,
    must_change_password: bool,
    disabled: bool,
}

impl SessionRow for StaffSession {
    const KIND: PrincipalKind = PrincipalKind::Merchant;

    fn select() -> SelectStatement {
        use entity::{merchant, merchant_staff};
        let staff = |c: merchant_staff::Column| Expr::col((merchant_staff::Entity, c));
        let mut select = Query::select();
        select
            .expr_as(
                Expr::col((session::Entity, session::Column::Id)),
                "session_id",
            )
            .expr_as(staff(merchant_staff::Column::Id), "staff_id")
            .expr_as(staff(merchant_staff::Column::Name), "staff_name")
            .expr_as(staff(merchant_staff::Column::Phone), "phone")
            .expr_as(
                Expr::col((merchant::Entity, merchant::Column::Id)),
                "merchant_id",
            )
            .expr_as(
                Expr::col((merchant::Entity, merchant::Column::Name)),
                "merchant_name",
            )
            .expr_as(
                staff(merchant_staff::Column::MustChangePassword),
                "must_change_password",
            )
            .expr_as(staff(merchant_staff::Column::Disabled), "disabled")
            .from(session::Entity)
            .inner_join(
                merchant_staff::Entity,
                staff(merchant_staff::Column::Id)
                    .equals((session::Entity, session::Column::PrincipalId)),
            )
            .inner_join(
                merchant::Entity,
                Expr::col((merchant::Entity, merchant::Column::Id))
                    .equals((merchant_staff::Entity, merchant_staff::Column::MerchantId)),
            );
        select
    }

    fn read(row: &QueryResult) -> ApiResult<Self> {
        Ok(Self::from_query_result(row, "")?)
    }
}

/// Resolves an admin token to the admin, its organisation and its scope.
pub async fn resolve_admin(state: &AppState, token: &str) -> ApiResult<AdminPrincipal> {
    let s = live_session(state, token, PrincipalKind::Admin).await?;
    let (admin, org) = admin_account::Entity::find_by_id(s.principal_id)
        .find_also_related(organisation::Entity)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let org = org.ok_or(ApiError::Unauthorized)?;
    if admin.disabled {
        return Err(ApiError::Unauthorized);
    }
    Ok(AdminPrincipal {
        session_id: s.id,
        admin_id: admin.id,
        username: admin.username,
        org_id: org.id,
        must_change_password: admin.must_change_password,
        scope: Scope::of(&org),
    })
}

/// Revokes one session (log out).
pub async fn revoke(state: &AppState, session_id: i64) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(state.clock.now()))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Revokes every live session of a principal (after a password change).
pub async fn revoke_all<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    kind: PrincipalKind,
    principal_id: i64,
) -> ApiResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(state.clock.now()))
        .filter(session::Column::PrincipalKind.eq(kind))
        .filter(session::Column::PrincipalId.eq(principal_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
