//! Admin log-in with lock-out after repeated failures, and password change.

use chrono::Duration;
use entity::admin_account;
use entity::enums::PrincipalKind;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};

use crate::auth::{AdminPrincipal, password};
use crate::error::{ApiError, ApiResult};
use crate::services::{audit, sessions};
use crate::state::AppState;

pub struct LoggedIn {
    pub token: String,
    pub admin: admin_account::Model,
}

/// Checks the password; counts failures per account and locks it for a while after too
/// many, whatever the password tried next.
#[tracing::instrument(skip(state, given_password))]
pub async fn login(state: &AppState, username: &str, given_password: &str) -> ApiResult<LoggedIn> {
    let now = state.clock.now();
    let admin = admin_account::Entity::find()
        .filter(admin_account::Column::Username.eq(username))
        .one(&state.db)
        .await?;
    if let Some(admin) = &admin
        && let Some(until) = admin.locked_until
        && until > now
    {
        return Err(locked(until - now));
    }
    let ok = password::verify(
        given_password,
        admin.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    let Some(admin) = admin else {
        return Err(ApiError::InvalidCredentials);
    };
    if !ok {
        record_failure(state, &admin).await?;
        return Err(ApiError::InvalidCredentials);
    }
    if admin.disabled {
        return Err(ApiError::Forbidden {
            code: "ACCOUNT_DISABLED",
            message: "账号已停用，请联系上级工会".into(),
        });
    }
    let mut active = admin.clone().into_active_model();
    active.failed_logins = Set(0);
    active.locked_until = Set(None);
    let admin = active.update(&state.db).await?;
    let token = sessions::issue(&state.db, state, PrincipalKind::Admin, admin.id).await?;
    tracing::info!(admin_id = admin.id, "admin logged in");
    Ok(LoggedIn { token, admin })
}

/// One statement counts the failure and, at the limit, locks the account and resets
/// the count, so concurrent wrong guesses cannot slip past the limit.
async fn record_failure(state: &AppState, admin: &admin_account::Model) -> ApiResult<()> {
    let max = state.settings.login_max_failures;
    let lock_until = state.clock.now() + Duration::minutes(state.settings.login_lock_minutes);
    let reached = Expr::col(admin_account::Column::FailedLogins)
        .add(1)
        .gte(max);
    admin_account::Entity::update_many()
        .col_expr(
            admin_account::Column::LockedUntil,
            Expr::case(reached.clone(), Expr::value(lock_until))
                .finally(Expr::col(admin_account::Column::LockedUntil))
                .into(),
        )
        .col_expr(
            admin_account::Column::FailedLogins,
            Expr::case(reached, Expr::value(0))
                .finally(Expr::col(admin_account::Column::FailedLogins).add(1))
                .into(),
        )
        .filter(admin_account::Column::Id.eq(admin.id))
        .exec(&state.db)
        .await?;
    tracing::warn!(admin_id = admin.id, "failed admin login");
    Ok(())
}

fn locked(remaining: Duration) -> ApiError {
    let seconds = std::cmp::max(remaining.num_seconds(), 1);
    ApiError::TooManyRequests {
        code: "ACCOUNT_LOCKED",
        message: format!(
            "登录失败次数过多，账号已锁定，请{}分钟后再试",
            (seconds + 59) / 60
        ),
        retry_after_seconds: seconds,
    }
}

/// Changes the password, revokes every session of the account, and returns a fresh token.
pub async fn change_password(
    state: &AppState,
    me: &AdminPrincipal,
    old_password: &str,
    new_password: &str,
) -> ApiResult<String> {
    password::check_policy(new_password)?;
    if old_password == new_password {
        return Err(ApiError::validation("新密码不能与原密码相同"));
    }
    let admin = admin_account::Entity::find_by_id(me.admin_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if !password::verify(old_password, Some(admin.password_hash.clone())).await? {
        return Err(ApiError::InvalidCredentials);
    }
    let new_hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut active = admin.into_active_model();
    active.password_hash = Set(new_hash);
    active.must_change_password = Set(false);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    sessions::revoke_all(&txn, state, PrincipalKind::Admin, me.admin_id).await?;
    let token = sessions::issue(&txn, state, PrincipalKind::Admin, me.admin_id).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("change_password", "admin_account", me.admin_id),
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}
