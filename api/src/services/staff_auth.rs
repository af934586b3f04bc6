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
    let openid = match wx_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => match wechat::exchange(state, WechatSource::Miniprogram, code).await {
            Ok(identity) => Some(identity.openid),
            // WeChat missing or down: the password log-in still works, unbound.
            Err(ApiError::Unavailable { code, .. }) => {
                tracing::warn!(code = code.as_str(), "staff log-in without WeChat binding");
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
    if let Some(openid) = &openid {
        merchant_staff::Entity::update_many()
            .col_expr(
                merchant_staff::Column::WxOpenid,
                Expr::value(openid.clone()),
            )
            .col_expr(merchant_staff::Column::UpdatedAt, Expr::value(now))
            .filter(merchant_staff::Column::Id.eq(staff.id))
            .exec(&state.db)
            .await
            .map_err(
                |e| match ApiError::on_unique(e, ErrorCode::WechatAlreadyBound, "") {
                    ApiError::Conflict { .. } => already_bound(),
                    other => other,
                },
            )?;
    }
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
        ErrorCode::WechatAlreadyBound,
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
    })
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
