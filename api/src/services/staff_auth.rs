//! Merchant staff (核销员) log-in for the mini-program: phone + password (optionally
//! binding the WeChat openid from `jscode2session`), WeChat log-in of a bound account,
//! the forced change of the initial password. Password log-ins are limited by
//! `login_guard`, as for admins.

use std::net::IpAddr;

use entity::enums::{PrincipalKind, WechatSource};
use entity::{merchant, merchant_staff};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::auth::{StaffPrincipal, password};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::{login_guard, sessions, wechat};
use crate::state::AppState;

pub struct StaffLoggedIn {
    pub token: String,
    pub staff: merchant_staff::Model,
    pub merchant: merchant::Model,
    /// Why the WeChat of the log-in's `wx_code` was not bound, if it was not.
    pub wechat_bind_error: Option<String>,
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
        code: ErrorCode::AccountDisabled,
        message: "账号已停用，请联系商家或工会管理员".into(),
    }
}

/// Disabled, or still on an initial password that has expired: refused even with the
/// right password or a bound WeChat.
fn refuse_unusable(
    staff: &merchant_staff::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<()> {
    if staff.disabled {
        return Err(disabled());
    }
    if password::initial_expired(
        staff.must_change_password,
        staff.initial_password_expires_at,
        now,
    ) {
        return Err(password::initial_expired_error());
    }
    Ok(())
}

/// Phone + password; binds the mini-program openid when `wx_code` is given.
#[tracing::instrument(skip(state, phone, given_password, wx_code))]
pub async fn login(
    state: &AppState,
    phone: &str,
    given_password: &str,
    wx_code: Option<&str>,
    ip: Option<IpAddr>,
) -> ApiResult<StaffLoggedIn> {
    let now = state.clock.now();
    let phone: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    let ticket = login_guard::admit(state, PrincipalKind::Merchant, &phone, ip).await?;
    let staff = merchant_staff::Entity::find()
        .filter(merchant_staff::Column::Phone.eq(phone))
        .one(&state.db)
        .await?;
    let ok = password::verify(
        given_password,
        staff.as_ref().map(|s| s.password_hash.clone()),
    )
    .await?;
    let Some(staff) = staff.filter(|_| ok) else {
        tracing::warn!("wrong password at staff log-in");
        return Err(ApiError::InvalidCredentials);
    };
    ticket.succeeded(state).await?;
    refuse_unusable(&staff, now)?;
    let bind_error = match wx_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => bind_wechat(state, &staff, code, now).await?,
    };
    let token = sessions::issue(&state.db, state, PrincipalKind::Merchant, staff.id).await?;
    let staff = merchant_staff::Entity::find_by_id(staff.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let merchant = merchant_of(state, &staff).await?;
    tracing::info!(
        staff_id = staff.id,
        bound = staff.wx_openid.is_some(),
        "staff logged in"
    );
    Ok(StaffLoggedIn {
        token,
        staff,
        merchant,
        wechat_bind_error: bind_error,
    })
}

const ALREADY_BOUND: &str = "该微信已绑定其他商家账号，本次未绑定；下次请使用手机号和密码登录";

/// Binds the WeChat of `code` to the account. A WeChat that cannot be bound (WeChat
/// not configured, down, rate limited, the code invalid, or the WeChat bound to another
/// account) never fails the log-in: the reason is returned, in Chinese, for the
/// answer's `wechat_bind_error`. Only database failures are errors.
async fn bind_wechat(
    state: &AppState,
    staff: &merchant_staff::Model,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Option<String>> {
    let openid = match wechat::exchange(state, WechatSource::Miniprogram, code).await {
        Ok(identity) => identity.openid,
        Err(e) => return wechat_failure(e).map(Some),
    };
    // The read answers the usual case; the unique key on the openid settles two
    // log-ins binding the same WeChat at once.
    let taken_elsewhere = merchant_staff::Entity::find()
        .filter(merchant_staff::Column::WxOpenid.eq(openid.as_str()))
        .filter(merchant_staff::Column::Id.ne(staff.id))
        .one(&state.db)
        .await?
        .is_some();
    if taken_elsewhere {
        return Ok(Some(ALREADY_BOUND.to_owned()));
    }
    let bound = merchant_staff::Entity::update_many()
        .col_expr(merchant_staff::Column::WxOpenid, Expr::value(openid))
        .col_expr(merchant_staff::Column::UpdatedAt, Expr::value(now))
        .filter(merchant_staff::Column::Id.eq(staff.id))
        .exec(&state.db)
        .await;
    match bound {
        Ok(_) => Ok(None),
        Err(e) => match ApiError::on_unique(e, ErrorCode::WechatAlreadyBound, "") {
            ApiError::Conflict { .. } => Ok(Some(ALREADY_BOUND.to_owned())),
            other => Err(other),
        },
    }
}

/// The Chinese reason a WeChat exchange failed, for a log-in that goes on unbound;
/// errors that are not WeChat's (the database, a bug) stay errors.
fn wechat_failure(e: ApiError) -> ApiResult<String> {
    match e {
        ApiError::Unavailable { code, message }
        | ApiError::BadGateway { code, message }
        | ApiError::BadRequest { code, message }
        | ApiError::TooManyRequests { code, message, .. } => {
            tracing::warn!(code = code.as_str(), "staff log-in without WeChat binding");
            Ok(format!("未绑定微信：{message}"))
        }
        other => Err(other),
    }
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
            code: ErrorCode::WechatNotBound,
            message: "该微信尚未绑定商家账号，请使用手机号和密码登录".into(),
        })?;
    refuse_unusable(&staff, state.clock.now())?;
    let token = sessions::issue(&state.db, state, PrincipalKind::Merchant, staff.id).await?;
    let merchant = merchant_of(state, &staff).await?;
    Ok(StaffLoggedIn {
        token,
        staff,
        merchant,
        wechat_bind_error: None,
    })
}

/// Removes the WeChat binding of the account, so that the WeChat of a shared counter
/// phone no longer logs in as this cashier. Idempotent.
pub async fn unbind_wechat(state: &AppState, me: &StaffPrincipal) -> ApiResult<()> {
    merchant_staff::Entity::update_many()
        .col_expr(
            merchant_staff::Column::WxOpenid,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            merchant_staff::Column::UpdatedAt,
            Expr::value(state.clock.now()),
        )
        .filter(merchant_staff::Column::Id.eq(me.staff_id))
        .exec(&state.db)
        .await?;
    tracing::info!(staff_id = me.staff_id, "staff WeChat unbound");
    Ok(())
}

/// Changes the password, revokes every session of the account, returns a fresh token.
pub async fn change_password(
    state: &AppState,
    me: &StaffPrincipal,
    old_password: &str,
    new_password: &str,
) -> ApiResult<String> {
    password::check_change(old_password, new_password)?;
    let staff = merchant_staff::Entity::find_by_id(me.staff_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if !password::verify(old_password, Some(staff.password_hash.clone())).await? {
        return Err(ApiError::InvalidCredentials);
    }
    refuse_unusable(&staff, state.clock.now())?;
    let new_hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    merchant_staff::Entity::update_many()
        .col_expr(merchant_staff::Column::PasswordHash, Expr::value(new_hash))
        .col_expr(
            merchant_staff::Column::MustChangePassword,
            Expr::value(false),
        )
        .col_expr(
            merchant_staff::Column::InitialPasswordExpiresAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
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
