//! Member-app accounts: register (phone + password + SMS code + region + agreement),
//! log in by password (limited by `login_guard`) or SMS code, reset the password by SMS
//! code, and WeChat login with bind tokens for openids no account has yet.

use std::net::IpAddr;

use chrono::Duration;
use entity::app_account;
use entity::enums::{PrincipalKind, SmsPurpose, WechatSource};
use entity::value::Phone;
use entity::wechat_bind_token;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set, SqlErr, TransactionTrait,
};

use crate::auth::{password, token};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::{login_guard, sessions, sms, wechat};
use crate::state::AppState;

/// A bind token lives this long.
pub const BIND_TOKEN_TTL_SECONDS: i64 = 600;

/// A phone number from the request, or 400 naming the field.
pub fn parse_phone(raw: &str) -> ApiResult<Phone> {
    Phone::parse(raw).map_err(|e| ApiError::validation(format!("phone：{e}")))
}

/// The shared password policy, worded for a member's own password.
fn check_password(pw: &str) -> ApiResult<()> {
    password::check_policy(pw).map_err(|e| match e {
        ApiError::Validation(m) => ApiError::Validation(m.replacen("新密码", "密码", 1)),
        other => other,
    })
}

pub struct Registration {
    pub phone: String,
    pub password: String,
    pub sms_code: String,
    pub region: String,
    pub agree: bool,
    pub bind_token: Option<String>,
}

const PHONE_TAKEN: &str = "该手机号已注册，请直接登录";

fn phone_taken() -> ApiError {
    ApiError::conflict(ErrorCode::PhoneTaken, PHONE_TAKEN)
}

const WECHAT_BOUND_ELSEWHERE: &str = "该微信已绑定其他账号";

/// Creates the account and signs it in. Everything is checked before anything is
/// written; the code, the account, the WeChat link and the session are one transaction.
#[tracing::instrument(skip_all)]
pub async fn register(state: &AppState, input: Registration) -> ApiResult<String> {
    let phone = parse_phone(&input.phone)?;
    check_password(&input.password)?;
    let region = crate::input::required_text(&input.region, "region（注册地区）", 100)?;
    if !input.agree {
        return Err(ApiError::validation("agree：请阅读并同意用户协议"));
    }
    let bind = match input.bind_token.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(live_bind_token(state, t).await?),
        None => None,
    };
    // The code first: before it is proven, the answer must not tell whether the phone
    // has an account.
    let code_id = sms::check(state, &phone, SmsPurpose::Register, &input.sms_code).await?;
    if sms::phone_registered(&state.db, &phone).await? {
        return Err(phone_taken());
    }
    let password_hash = password::hash(&input.password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    sms::consume(&txn, state, code_id).await?;
    let account = app_account::ActiveModel {
        phone: Set(phone.as_str().to_owned()),
        password_hash: Set(password_hash),
        region: Set(region),
        agreement_accepted_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| ApiError::on_unique(e, ErrorCode::PhoneTaken, PHONE_TAKEN))?;
    if let Some(bind) = bind {
        bind_wechat(&txn, state, &account, &bind).await?;
    }
    let token = sessions::issue(&txn, state, PrincipalKind::Member, account.id).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "member account registered");
    Ok(token)
}

/// Password login, behind the log-in limits of `login_guard`; with a bind token the
/// WeChat identity is linked in the same step.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    raw_phone: &str,
    given_password: &str,
    bind_token: Option<&str>,
    ip: Option<IpAddr>,
) -> ApiResult<String> {
    let phone = parse_phone(raw_phone)?;
    let ticket = login_guard::admit(state, PrincipalKind::Member, phone.as_str(), ip).await?;
    let account = find_by_phone(&state.db, &phone).await?;
    let ok = password::verify(
        given_password,
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    let Some(account) = account.filter(|_| ok) else {
        tracing::warn!("wrong password at member log-in");
        return Err(ApiError::InvalidCredentials);
    };
    ticket.succeeded(state).await?;
    let bind = match bind_token.filter(|t| !t.is_empty()) {
        Some(t) => Some(live_bind_token(state, t).await?),
        None => None,
    };
    let txn = state.db.begin().await?;
    if let Some(bind) = bind {
        bind_wechat(&txn, state, &account, &bind).await?;
    }
    let token = sessions::issue(&txn, state, PrincipalKind::Member, account.id).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "member logged in");
    Ok(token)
}

/// Login with an SMS code (purpose `login`, only ever delivered to existing accounts).
#[tracing::instrument(skip_all)]
pub async fn login_by_sms(state: &AppState, raw_phone: &str, code: &str) -> ApiResult<String> {
    let phone = parse_phone(raw_phone)?;
    let code_id = sms::check(state, &phone, SmsPurpose::Login, code).await?;
    let account = find_by_phone(&state.db, &phone)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let txn = state.db.begin().await?;
    sms::consume(&txn, state, code_id).await?;
    let token = sessions::issue(&txn, state, PrincipalKind::Member, account.id).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "member logged in by SMS code");
    Ok(token)
}

/// Sets a new password with a `reset_password` code; lifts every lock-out of the phone
/// and signs out every session of the account.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    raw_phone: &str,
    code: &str,
    new_password: &str,
) -> ApiResult<()> {
    let phone = parse_phone(raw_phone)?;
    check_password(new_password)?;
    let code_id = sms::check(state, &phone, SmsPurpose::ResetPassword, code).await?;
    let account = find_by_phone(&state.db, &phone)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let hash = password::hash(new_password).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    sms::consume(&txn, state, code_id).await?;
    let mut active = account.into_active_model();
    active.password_hash = Set(hash);
    active.updated_at = Set(now);
    let account = active.update(&txn).await?;
    sessions::revoke_all(&txn, state, PrincipalKind::Member, account.id).await?;
    login_guard::lift(&txn, PrincipalKind::Member, phone.as_str()).await?;
    txn.commit().await?;
    tracing::info!(account_id = account.id, "member password reset");
    Ok(())
}

/// The outcome of a WeChat login.
pub enum WechatLogin {
    /// A bound account: signed in.
    LoggedIn { token: String },
    /// An openid no account has: register or log in with this token to bind it.
    NeedBinding {
        bind_token: String,
        expires_in_seconds: i64,
    },
}

fn openid_column(source: WechatSource) -> app_account::Column {
    match source {
        WechatSource::App => app_account::Column::WechatAppOpenid,
        WechatSource::Miniprogram => app_account::Column::WechatMiniOpenid,
    }
}

/// Finds the account by this client's openid, else by unionid (then records this
/// client's openid on it), else hands out a bind token.
#[tracing::instrument(skip_all, fields(source = ?source))]
pub async fn wechat_login(
    state: &AppState,
    source: WechatSource,
    code: &str,
) -> ApiResult<WechatLogin> {
    let code = code.trim();
    if code.is_empty() || code.len() > 512 {
        return Err(ApiError::validation("code（微信授权码）不能为空"));
    }
    let identity = wechat::exchange(state, source, code).await?;
    let column = openid_column(source);
    let mut account = app_account::Entity::find()
        .filter(column.eq(identity.openid.as_str()))
        .one(&state.db)
        .await?;
    if account.is_none()
        && let Some(unionid) = &identity.unionid
    {
        account = app_account::Entity::find()
            .filter(app_account::Column::WechatUnionid.eq(unionid.as_str()))
            .one(&state.db)
            .await?;
        if let Some(a) = &account {
            // Remember this client's openid too; only where none is recorded yet.
            app_account::Entity::update_many()
                .col_expr(column, Expr::value(identity.openid.clone()))
                .filter(app_account::Column::Id.eq(a.id))
                .filter(column.is_null())
                .exec(&state.db)
                .await
                .map_err(|e| {
                    ApiError::on_unique(e, ErrorCode::WechatBoundElsewhere, WECHAT_BOUND_ELSEWHERE)
                })?;
        }
    }
    if let Some(account) = account {
        let token = sessions::issue(&state.db, state, PrincipalKind::Member, account.id).await?;
        tracing::info!(account_id = account.id, "member logged in with WeChat");
        return Ok(WechatLogin::LoggedIn { token });
    }
    let now = state.clock.now();
    let bind_token = token::generate();
    wechat_bind_token::ActiveModel {
        token_hash: Set(token::digest(&bind_token)),
        source: Set(source),
        openid: Set(identity.openid),
        unionid: Set(identity.unionid),
        created_at: Set(now),
        expires_at: Set(now + Duration::seconds(BIND_TOKEN_TTL_SECONDS)),
        consumed_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    tracing::info!("WeChat identity without account: bind token issued");
    Ok(WechatLogin::NeedBinding {
        bind_token,
        expires_in_seconds: BIND_TOKEN_TTL_SECONDS,
    })
}

fn bind_token_invalid() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::BindTokenInvalid,
        message: "微信绑定凭证无效、已使用或已过期，请重新微信登录".into(),
    }
}

async fn live_bind_token(state: &AppState, raw: &str) -> ApiResult<wechat_bind_token::Model> {
    let now = state.clock.now();
    wechat_bind_token::Entity::find()
        .filter(wechat_bind_token::Column::TokenHash.eq(token::digest(raw)))
        .filter(wechat_bind_token::Column::ConsumedAt.is_null())
        .filter(wechat_bind_token::Column::ExpiresAt.gt(now))
        .one(&state.db)
        .await?
        .ok_or_else(bind_token_invalid)
}

/// Uses the bind token up (once, even under a race) and records the openid and
/// unionid on the account. An account already bound to another WeChat user, or an
/// openid bound to another account, is a 409.
async fn bind_wechat(
    txn: &DatabaseTransaction,
    state: &AppState,
    account: &app_account::Model,
    bind: &wechat_bind_token::Model,
) -> ApiResult<()> {
    let now = state.clock.now();
    let used = wechat_bind_token::Entity::update_many()
        .col_expr(wechat_bind_token::Column::ConsumedAt, Expr::value(now))
        .filter(wechat_bind_token::Column::Id.eq(bind.id))
        .filter(wechat_bind_token::Column::ConsumedAt.is_null())
        .filter(wechat_bind_token::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(bind_token_invalid());
    }
    let current_openid = match bind.source {
        WechatSource::App => &account.wechat_app_openid,
        WechatSource::Miniprogram => &account.wechat_mini_openid,
    };
    let other_openid = current_openid.as_ref().is_some_and(|o| *o != bind.openid);
    let other_union =
        matches!((&account.wechat_unionid, &bind.unionid), (Some(a), Some(b)) if a != b);
    if other_openid || other_union {
        return Err(ApiError::conflict(
            ErrorCode::WechatAlreadyBound,
            "该账号已绑定其他微信，请先使用原微信登录",
        ));
    }
    let mut update = app_account::Entity::update_many()
        .col_expr(openid_column(bind.source), Expr::value(bind.openid.clone()))
        .col_expr(app_account::Column::UpdatedAt, Expr::value(now))
        .filter(app_account::Column::Id.eq(account.id));
    if let Some(unionid) = &bind.unionid {
        update = update.col_expr(
            app_account::Column::WechatUnionid,
            Expr::value(unionid.clone()),
        );
    }
    update.exec(txn).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::conflict(ErrorCode::WechatBoundElsewhere, WECHAT_BOUND_ELSEWHERE)
        }
        _ => ApiError::Db(e),
    })?;
    tracing::info!(account_id = account.id, "WeChat identity bound");
    Ok(())
}

pub async fn find_by_phone<C: ConnectionTrait>(
    db: &C,
    phone: &Phone,
) -> ApiResult<Option<app_account::Model>> {
    Ok(app_account::Entity::find()
        .filter(app_account::Column::Phone.eq(phone.as_str()))
        .one(db)
        .await?)
}

/// What `GET /api/app/me` shows: the account, its roster member and union (once
/// certified) and its latest certification application.
pub struct Profile {
    pub account: app_account::Model,
    pub member: Option<entity::member::Model>,
    pub org_name: Option<String>,
    pub latest_application: Option<entity::certification::Model>,
}

pub async fn profile(state: &AppState, account_id: i64) -> ApiResult<Profile> {
    let account = app_account::Entity::find_by_id(account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let member = match account.member_id {
        Some(id) => {
            entity::member::Entity::find_by_id(id)
                .one(&state.db)
                .await?
        }
        None => None,
    };
    let org_name = match &member {
        Some(m) => entity::organisation::Entity::find_by_id(m.org_id)
            .one(&state.db)
            .await?
            .map(|o| o.name),
        None => None,
    };
    let latest_application = crate::services::certifications::latest_of(state, account.id).await?;
    Ok(Profile {
        account,
        member,
        org_name,
        latest_application,
    })
}

/// The account's own settings; `expiry_reminders` switches the expiry reminders
/// (卡券到期提醒) on or off (None: unchanged). The job reads it when it picks vouchers,
/// so a switch takes effect from its next run.
pub async fn set_preferences(
    state: &AppState,
    account_id: i64,
    expiry_reminders: Option<bool>,
) -> ApiResult<app_account::Model> {
    if let Some(on) = expiry_reminders {
        app_account::Entity::update_many()
            .col_expr(app_account::Column::ExpiryReminders, Expr::value(on))
            .col_expr(
                app_account::Column::UpdatedAt,
                Expr::value(state.clock.now()),
            )
            .filter(app_account::Column::Id.eq(account_id))
            .exec(&state.db)
            .await?;
    }
    account(state, account_id).await
}

/// The signed-in account.
pub async fn account(state: &AppState, account_id: i64) -> ApiResult<app_account::Model> {
    app_account::Entity::find_by_id(account_id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::Unauthorized)
}
