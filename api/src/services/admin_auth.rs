//! Admin log-in (limited by `login_guard`) and password change.

use std::net::IpAddr;

use entity::admin_account;
use entity::enums::PrincipalKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};

use crate::auth::{AdminPrincipal, password};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::{audit, login_guard, sessions};
use crate::state::AppState;

pub struct LoggedIn {
    pub token: String,
    pub admin: admin_account::Model,
}

/// Checks the password, behind the log-in limits of `login_guard` (per client IP, and
/// lock-outs per name and client and per name). An initial password past its expiry is
/// refused even when right.
#[tracing::instrument(skip(state, given_password))]
pub async fn login(
    state: &AppState,
    username: &str,
    given_password: &str,
    ip: Option<IpAddr>,
) -> ApiResult<LoggedIn> {
    let ticket = login_guard::admit(state, PrincipalKind::Admin, username, ip).await?;
    let admin = admin_account::Entity::find()
        .filter(admin_account::Column::Username.eq(username))
        .one(&state.db)
        .await?;
    let ok = password::verify(
        given_password,
        admin.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    let Some(admin) = admin.filter(|_| ok) else {
        tracing::warn!("wrong password at admin log-in");
        return Err(ApiError::InvalidCredentials);
    };
    ticket.succeeded(state).await?;
    if admin.disabled {
        return Err(ApiError::Forbidden {
            code: ErrorCode::AccountDisabled,
            message: "账号已停用，请联系上级工会".into(),
        });
    }
    let now = state.clock.now();
    if password::initial_expired(
        admin.must_change_password,
        admin.initial_password_expires_at,
        now,
    ) {
        return Err(password::initial_expired_error());
    }
    let token = sessions::issue(&state.db, state, PrincipalKind::Admin, admin.id).await?;
    tracing::info!(admin_id = admin.id, "admin logged in");
    Ok(LoggedIn { token, admin })
}

/// Changes the password, revokes every session of the account, and returns a fresh token.
pub async fn change_password(
    state: &AppState,
    me: &AdminPrincipal,
    old_password: &str,
    new_password: &str,
) -> ApiResult<String> {
    password::check_change(old_password, new_password)?;
    let admin = admin_account::Entity::find_by_id(me.admin_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if !password::verify(old_password, Some(admin.password_hash.clone())).await? {
        return Err(ApiError::InvalidCredentials);
    }
    if password::initial_expired(
        admin.must_change_password,
        admin.initial_password_expires_at,
        state.clock.now(),
    ) {
        return Err(password::initial_expired_error());
    }
    let new_hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut active = admin.into_active_model();
    active.password_hash = Set(new_hash);
    active.must_change_password = Set(false);
    active.initial_password_expires_at = Set(None);
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
