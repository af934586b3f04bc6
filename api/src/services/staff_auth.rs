//! Merchant staff (核销员) log-in for the mini-program: phone + password (optionally
//! binding the WeChat openid from `jscode2session`), WeChat log-in of a bound account,
//! the forced change of the initial password. Wrong passwords are counted per account
//! in one conditional UPDATE and lock it for a while, as for admins.

use chrono::Duration;
use entity::enums::{PrincipalKind, WechatSource};
use entity::{merchant, merchant_staff};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::auth::{StaffPrincipal, password};
use crate::error::{ApiError, ApiResult};
use crate::services::{sessions, wechat};
use crate::state::AppState;

pub struct StaffLoggedIn {
    pub token: String,
    pub staff: merchant_staff::Model,
    pub merchant: merchant::Model,
}

async fn merchant_of(
    state: &AppState,
    staff: &merchant_staff::Model,
) -> ApiResult<merchant::Model> {
    merchant::Entity::find_by_id(staff.merchant_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidCredentials)
}

/// 403 `ACCOUNT_DISABLED`.
pub fn disabled() -> ApiError {
    ApiError::Forbidden {
        code: "ACCOUNT_DISABLED",
        message: "账号已停用，请联系商家或工会管理员".into(),
    }
}

fn locked(remaining: Duration) -> ApiError {
    let seconds = std::cmp::max(remaining.num_seconds(), 1);
    ApiError::TooManyRequests {
        code: "TOO_MANY_ATTEMPTS",
        message: format!("登录失败次数过多，请{}分钟后再试", (seconds + 59) / 60),
        retry_after_seconds: seconds,
    }
}

/// Phone + password; binds the mini-program openid when `wx_code` is given.
#[tracing::instrument(skip(state, phone, given_password, wx_code))]
pub async fn login(
    state: &AppState,
    phone: &str,
    given_password: &str,
    wx_code: Option<&str>,
) -> ApiResult<StaffLoggedIn> {
    let now = state.clock.now();
    let phone: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    let staff = merchant_staff::Entity::find()
        .filter(merchant_staff::Column::Phone.eq(phone))
        .one(&state.db)
        .await?;
    if let Some(s) = &staff
        && let Some(until) = s.locked_until
        && until > now
    {
        return Err(locked(until - now));
    }
    let ok = password::verify(
        given_password,
        staff.as_ref().map(|s| s.password_hash.clone()),
    )
    .await?;
    let Some(staff) = staff else {
        return Err(ApiError::InvalidCredentials);
    };
    if !ok {
        record_failure(state, staff.id).await?;
        return Err(ApiError::InvalidCredentials);
    }
    if staff.disabled {
        return Err(disabled());
    }
    let openid = match wx_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => match wechat::exchange(state, WechatSource::Miniprogram, code).await {
            Ok(identity) => Some(identity.openid),
            // WeChat missing or down: the password log-in still works, unbound.
            Err(ApiError::Unavailable { code, .. }) => {
                tracing::warn!(code, "staff log-in without WeChat binding");
                None
            }
            Err(e) => return Err(e),
        },
    };
    if let Some(openid) = &openid {
        let other = merchant_staff::Entity::find()
            .filter(merchant_staff::Column::WxOpenid.eq(openid.as_str()))
            .filter(merchant_staff::Column::Id.ne(staff.id))
            .one(&state.db)
            .await?;
        if other.is_some() {
            return Err(already_bound());
        }
    }
    let mut update = merchant_staff::Entity::update_many()
        .col_expr(merchant_staff::Column::FailedLogins, Expr::value(0))
        .col_expr(
            merchant_staff::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        );
    if let Some(openid) = &openid {
        update = update
            .col_expr(
                merchant_staff::Column::WxOpenid,
                Expr::value(openid.clone()),
            )
            .col_expr(merchant_staff::Column::UpdatedAt, Expr::value(now));
    }
    update
        .filter(merchant_staff::Column::Id.eq(staff.id))
        .exec(&state.db)
        .await
        .map_err(
            |e| match ApiError::on_unique(e, "WECHAT_ALREADY_BOUND", "") {
                ApiError::Conflict { .. } => already_bound(),
                other => other,
            },
        )?;
    let token = sessions::issue(&state.db, state, PrincipalKind::Merchant, staff.id).await?;
    let staff = merchant_staff::Entity::find_by_id(staff.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let merchant = merchant_of(state, &staff).await?;
    tracing::info!(
        staff_id = staff.id,
        bound = openid.is_some(),
        "staff logged in"
    );
    Ok(StaffLoggedIn {
        token,
        staff,
        merchant,
    })
}

fn already_bound() -> ApiError {
    ApiError::conflict(
        "WECHAT_ALREADY_BOUND",
        "该微信已绑定其他商家账号，请使用账号密码登录",
    )
}

/// WeChat log-in of an account whose openid was bound at an earlier password log-in.
#[tracing::instrument(skip(state, wx_code))]
pub async fn login_wechat(state: &AppState, wx_code: &str) -> ApiResult<StaffLoggedIn> {
    let code = wx_code.trim();
    if code.is_empty() {
        return Err(ApiError::validation("微信登录凭证（wx_code）不能为空"));
    }
    let identity = wechat::exchange(state, WechatSource::Miniprogram, code).await?;
    let staff = merchant_staff::Entity::find()
        .filter(merchant_staff::Column::WxOpenid.eq(identity.openid.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::LoginRefused {
            code: "WECHAT_NOT_BOUND",
            message: "该微信尚未绑定商家账号，请使用手机号和密码登录".into(),
        })?;
    if staff.disabled {
        return Err(disabled());
    }
    let token = sessions::issue(&state.db, state, PrincipalKind::Merchant, staff.id).await?;
    let merchant = merchant_of(state, &staff).await?;
    Ok(StaffLoggedIn {
        token,
        staff,
        merchant,
    })
}

/// One statement counts the failure and, at the limit, locks the account.
async fn record_failure(state: &AppState, staff_id: i64) -> ApiResult<()> {
    let max = state.settings.login_max_failures;
    let lock_until = state.clock.now() + Duration::minutes(state.settings.login_lock_minutes);
    let reached = Expr::col(merchant_staff::Column::FailedLogins)
        .add(1)
        .gte(max);
    merchant_staff::Entity::update_many()
        .col_expr(
            merchant_staff::Column::LockedUntil,
            Expr::case(reached.clone(), Expr::value(lock_until))
                .finally(Expr::col(merchant_staff::Column::LockedUntil))
                .into(),
        )
        .col_expr(
            merchant_staff::Column::FailedLogins,
            Expr::case(reached, Expr::value(0))
                .finally(Expr::col(merchant_staff::Column::FailedLogins).add(1))
                .into(),
        )
        .filter(merchant_staff::Column::Id.eq(staff_id))
        .exec(&state.db)
        .await?;
    tracing::warn!(staff_id, "failed staff login");
    Ok(())
}

/// Changes the password, revokes every session of the account, returns a fresh token.
pub async fn change_password(
    state: &AppState,
    me: &StaffPrincipal,
    old_password: &str,
    new_password: &str,
) -> ApiResult<String> {
    password::check_policy(new_password)?;
    if old_password == new_password {
        return Err(ApiError::validation("新密码不能与原密码相同"));
    }
    let staff = merchant_staff::Entity::find_by_id(me.staff_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if !password::verify(old_password, Some(staff.password_hash.clone())).await? {
        return Err(ApiError::InvalidCredentials);
    }
    let new_hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    merchant_staff::Entity::update_many()
        .col_expr(merchant_staff::Column::PasswordHash, Expr::value(new_hash))
        .col_expr(
            merchant_staff::Column::MustChangePassword,
            Expr::value(false),
        )
        .col_expr(merchant_staff::Column::UpdatedAt, Expr::value(now))
        .filter(merchant_staff::Column::Id.eq(me.staff_id))
        .exec(&txn)
        .await?;
    sessions::revoke_all(&txn, state, PrincipalKind::Merchant, me.staff_id).await?;
    let token = sessions::issue(&txn, state, PrincipalKind::Merchant, me.staff_id).await?;
    txn.commit().await?;
    Ok(token)
}
