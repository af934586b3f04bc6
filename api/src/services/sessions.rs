//! Sessions behind bearer tokens: issue, resolve, revoke.

use std::marker::PhantomData;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use entity::enums::PrincipalKind;
use entity::{admin_account, app_account, organisation, session};
use sea_orm::sea_query::{Expr, ExprTrait, PostgresQueryBuilder, SelectStatement, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, FromQueryResult, QueryFilter, QueryResult, Set,
};

use crate::auth::{AdminPrincipal, SessionPrincipal, StaffPrincipal, token};
use crate::error::{ApiError, ApiResult};
use crate::scope::Scope;
use crate::services::batch_lanes::{Batched, Lanes, column};
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
/// On PostgreSQL the lookups of concurrent requests share one statement
/// (`MemberSessions`).
pub async fn resolve_member(state: &AppState, token: &str) -> ApiResult<SessionPrincipal> {
    let lookup = TokenLookup::of(state, token);
    let found = match state.db.get_database_backend() {
        DatabaseBackend::Postgres => state.member_sessions.run(lookup).await?,
        backend => {
            let mut select = member_session_select();
            select.cond_where(live_at(
                Expr::val(lookup.digest),
                Expr::val(lookup.now),
                PrincipalKind::Member,
            ));
            match state.db.query_one_raw(backend.build(&select)).await? {
                Some(row) => Some(MemberSession::read(&row)?),
                None => None,
            }
        }
    };
    let MemberSession { session_id, holder } = found.ok_or(ApiError::Unauthorized)?;
    let principal = SessionPrincipal {
        session_id,
        principal_id: holder.account_id,
    };
    state.cache.remember_holder(holder);
    Ok(principal)
}

/// The holder select (see `rush_cache::holder_select`) through the member's session;
/// callers add the session's condition.
fn member_session_select() -> SelectStatement {
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

/// A member's live session and the account's holder.
#[derive(Clone, Debug)]
pub struct MemberSession {
    session_id: i64,
    holder: Holder,
}

impl SessionRow for MemberSession {
    fn batch_sql() -> &'static str {
        static SQL: OnceLock<String> = OnceLock::new();
        SQL.get_or_init(|| {
            let mut select = member_session_select();
            select.cond_where(live_at(
                Expr::cust("t.digest"),
                Expr::cust("t.at"),
                PrincipalKind::Member,
            ));
            lateral_batch_sql(&select.to_string(PostgresQueryBuilder))
        })
    }

    fn read(row: &QueryResult) -> ApiResult<Self> {
        Ok(Self {
            session_id: row.try_get("", "session_id")?,
            holder: rush_cache::holder_of(row)?,
        })
    }
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

/// What a token lookup reads back: its batch statement (`lateral_batch_sql` over the
/// select for one token) and how a row becomes the answer.
pub trait SessionRow: Clone + Send + Sync + 'static {
    fn batch_sql() -> &'static str;
    fn read(row: &QueryResult) -> ApiResult<Self>;
}

/// PostgreSQL: the token lookups of concurrent requests as one statement (see
/// `batch_lanes`): the same select, once per token through a lateral join.
#[derive(Debug)]
pub struct TokenBatch<R>(PhantomData<R>);

pub type MemberSessions = Lanes<TokenBatch<MemberSession>>;
pub type StaffSessions = Lanes<TokenBatch<StaffSession>>;

impl<R: SessionRow> Batched for TokenBatch<R> {
    type Request = TokenLookup;
    /// The row, or `None` when the token is not live.
    type Answer = Option<R>;
    type Key = ();

    /// Lookups of one token may share a batch: each gets its own row.
    fn key(_: &TokenLookup) -> Option<()> {
        None
    }

    async fn execute(
        db: &DatabaseConnection,
        requests: &[&TokenLookup],
    ) -> ApiResult<Vec<Option<R>>> {
        let rows = sea_orm::sqlx::query(R::batch_sql())
            .bind(column(requests, |r| r.digest.clone()))
            .bind(column(requests, |r| r.now))
            .fetch_all(db.get_postgres_connection_pool())
            .await?;
        let mut answers: Vec<Option<R>> = vec![None; requests.len()];
        for row in rows {
            let row = QueryResult::from(row);
            let ix: i64 = row.try_get("", "req_ix")?;
            if let Some(slot) = usize::try_from(ix - 1)
                .ok()
                .and_then(|i| answers.get_mut(i))
            {
                *slot = Some(R::read(&row)?);
            }
        }
        Ok(answers)
    }
}

/// One select per token digest and time, through a lateral join over the batch's
/// arrays; rows come back with their request's position as `req_ix`.
fn lateral_batch_sql(select: &str) -> String {
    format!(
        "SELECT t.ix AS req_ix, h.* FROM unnest($1::text[], $2::timestamptz[]) \
         WITH ORDINALITY AS t(digest, at, ix) CROSS JOIN LATERAL ({select}) h ORDER BY t.ix"
    )
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

/// The staff account, its merchant and the session behind a token digest, live at a
/// time; `digest` and `now` are the SQL expressions that give them (parameters for one
/// lookup, columns for a batch). The same conditions as `live`.
fn staff_session_sql(digest: &str, now: &str) -> String {
    format!(
        "SELECT s.id AS session_id, st.id AS staff_id, st.name AS staff_name, \
         st.phone AS phone, m.id AS merchant_id, m.name AS merchant_name, \
         st.must_change_password AS must_change_password, st.disabled AS disabled \
         FROM sessions s JOIN merchant_staff st ON st.id = s.principal_id \
         JOIN merchants m ON m.id = st.merchant_id \
         WHERE s.token_hash = {digest} AND s.principal_kind = 'merchant' \
         AND s.revoked_at IS NULL AND s.expires_at > {now}"
    )
}

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

/// Resolves a staff token to the staff account and its merchant in one query; on
/// PostgreSQL the lookups of concurrent requests share one statement (`StaffSessions`).
pub async fn resolve_staff(state: &AppState, token: &str) -> ApiResult<StaffPrincipal> {
    let lookup = TokenLookup::of(state, token);
    let row = match state.db.get_database_backend() {
        DatabaseBackend::Postgres => state.staff_sessions.run(lookup).await?,
        backend => {
            StaffSession::find_by_statement(jobs::database::stmt(
                backend,
                &staff_session_sql("$1", "$2"),
                vec![lookup.digest.into(), lookup.now.into()],
            ))
            .one(&state.db)
            .await?
        }
    };
    let row = row.ok_or(ApiError::Unauthorized)?;
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

impl SessionRow for StaffSession {
    fn batch_sql() -> &'static str {
        static SQL: OnceLock<String> = OnceLock::new();
        SQL.get_or_init(|| lateral_batch_sql(&staff_session_sql("t.digest", "t.at")))
    }

    fn read(row: &QueryResult) -> ApiResult<Self> {
        Ok(Self::from_query_result(row, "")?)
    }
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
