//! SMS codes (`POST /api/app/sms-codes`): six CSPRNG digits, stored as a keyed hash,
//! bound to a purpose, valid for five minutes, used once, dead after five wrong tries
//! (counted in the statement that compares the guess, so parallel guesses cannot get
//! past the limit). Also the SMS of a merchant account's one-time initial password.
//!
//! Sending is limited per phone (one per 60 s, ten per Beijing day) and per client IP
//! (per hour), with counters in the database. A gateway failure gives the counted
//! hits back and answers 502 `SMS_UNAVAILABLE`; no sender configured is 503
//! `SMS_NOT_CONFIGURED`. The answer is the same whether or not the phone has an
//! account; login and reset codes are only delivered to accounts.

use std::net::IpAddr;

use chrono::Duration;
use entity::enums::SmsPurpose;
use entity::value::Phone;
use entity::{app_account, sms_code};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::rate_limit::{self, Limit, Window};
use crate::state::AppState;

pub const CODE_TTL_SECONDS: i64 = 300;
pub const MAX_WRONG_ATTEMPTS: i32 = 5;
pub const RESEND_AFTER_SECONDS: i64 = 60;
pub const SENDS_PER_PHONE_PER_DAY: i32 = 10;
pub const SENDS_PER_IP_PER_HOUR: i32 = 30;

/// What the client is told after a send.
pub struct Sent {
    pub expires_in_seconds: i64,
    pub resend_after_seconds: i64,
}

fn limits(phone: &Phone, ip: Option<IpAddr>) -> Vec<Limit> {
    let mut limits = Vec::with_capacity(3);
    if let Some(ip) = ip {
        limits.push(Limit {
            scope: "sms_ip_hour",
            subject: ip.to_string(),
            max: SENDS_PER_IP_PER_HOUR,
            window: Window::Seconds(3600),
            code: ErrorCode::SmsIpLimited,
            message: "当前网络发送验证码过于频繁，请{seconds}秒后再试",
        });
    }
    limits.push(Limit {
        scope: "sms_phone_cooldown",
        subject: phone.as_str().to_owned(),
        max: 1,
        window: Window::Seconds(RESEND_AFTER_SECONDS),
        code: ErrorCode::SmsTooFrequent,
        message: "验证码发送过于频繁，请{seconds}秒后再试",
    });
    limits.push(Limit {
        scope: "sms_phone_day",
        subject: phone.as_str().to_owned(),
        max: SENDS_PER_PHONE_PER_DAY,
        window: Window::BeijingDay,
        code: ErrorCode::SmsDailyLimit,
        message: "该手机号今日获取验证码次数已达上限，请明天再试",
    });
    limits
}

fn generate_code() -> String {
    // ThreadRng is a CSPRNG (ChaCha, reseeded from the OS).
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

fn code_hash(state: &AppState, phone: &Phone, purpose: SmsPurpose, code: &str) -> String {
    state.cipher.lookup_hash(&format!(
        "sms-code|{}|{}|{code}",
        phone.as_str(),
        purpose.as_code()
    ))
}

pub async fn phone_registered<C: ConnectionTrait>(db: &C, phone: &Phone) -> ApiResult<bool> {
    Ok(app_account::Entity::find()
        .filter(app_account::Column::Phone.eq(phone.as_str()))
        .count(db)
        .await?
        > 0)
}

/// Sends a code (or, for login/reset of an unknown phone, only pretends to).
#[tracing::instrument(skip_all, fields(phone = %phone.masked(), purpose = purpose.as_code()))]
pub async fn send_code(
    state: &AppState,
    phone: &Phone,
    purpose: SmsPurpose,
    ip: Option<IpAddr>,
) -> ApiResult<Sent> {
    // Before any counting, and whatever the phone: nothing could be delivered.
    let Some(sender) = &state.sms else {
        return Err(ApiError::Unavailable {
            code: ErrorCode::SmsNotConfigured,
            message: "短信服务未配置，暂时无法发送验证码，请联系管理员".into(),
        });
    };
    let now = state.clock.now();
    let limits = limits(phone, ip);
    rate_limit::acquire_all(&state.db, now, &limits).await?;
    let deliver = match purpose {
        SmsPurpose::Register => true,
        SmsPurpose::Login | SmsPurpose::ResetPassword => phone_registered(&state.db, phone).await?,
    };
    if deliver {
        let code = generate_code();
        if let Err(e) = sender.send(phone, purpose.as_code(), &code).await {
            tracing::warn!(error = %e, "SMS code not sent");
            rate_limit::release_all(&state.db, &limits).await?;
            return Err(ApiError::BadGateway {
                code: ErrorCode::SmsUnavailable,
                message: "短信发送失败，请稍后重试".into(),
            });
        }
        let txn = state.db.begin().await?;
        // A new code replaces any earlier one of the same phone and purpose.
        sms_code::Entity::update_many()
            .col_expr(sms_code::Column::ConsumedAt, Expr::value(now))
            .filter(sms_code::Column::Phone.eq(phone.as_str()))
            .filter(sms_code::Column::Purpose.eq(purpose))
            .filter(sms_code::Column::ConsumedAt.is_null())
            .exec(&txn)
            .await?;
        sms_code::ActiveModel {
            phone: Set(phone.as_str().to_owned()),
            purpose: Set(purpose),
            code_hash: Set(code_hash(state, phone, purpose, &code)),
            attempts: Set(0),
            created_at: Set(now),
            expires_at: Set(now + Duration::seconds(CODE_TTL_SECONDS)),
            consumed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!("SMS code sent");
    } else {
        tracing::info!("SMS code requested for a phone without an account; not sent");
    }
    Ok(Sent {
        expires_in_seconds: CODE_TTL_SECONDS,
        resend_after_seconds: RESEND_AFTER_SECONDS,
    })
}

fn expired() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::SmsCodeExpired,
        message: "验证码已失效，请重新获取".into(),
    }
}

fn exhausted() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::SmsCodeTooManyAttempts,
        message: "验证码错误次数过多，请重新获取".into(),
    }
}

/// Checks a code without using it up; a wrong code counts an attempt (committed even
/// though the request then fails). Returns the id to [`consume`] in the transaction
/// that does the work, so a failure there leaves the code usable.
///
/// The guess is compared and counted in one conditional UPDATE (`attempts + 1 WHERE
/// attempts < max AND code_hash <> guess`): of any number of parallel wrong guesses at
/// most the remaining tries are counted as such, and every other one is refused as
/// exhausted, like a right guess that comes after the limit.
pub async fn check(
    state: &AppState,
    phone: &Phone,
    purpose: SmsPurpose,
    given: &str,
) -> ApiResult<i64> {
    let given = given.trim();
    if given.len() != 6 || !given.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::validation("sms_code（验证码）应为6位数字"));
    }
    let now = state.clock.now();
    let latest = sms_code::Entity::find()
        .filter(sms_code::Column::Phone.eq(phone.as_str()))
        .filter(sms_code::Column::Purpose.eq(purpose))
        .order_by_desc(sms_code::Column::Id)
        .one(&state.db)
        .await?;
    let Some(code) = latest else {
        return Err(expired());
    };
    if code.consumed_at.is_some() || code.expires_at <= now {
        return Err(expired());
    }
    let guess = code_hash(state, phone, purpose, given);
    let counted = sms_code::Entity::update_many()
        .col_expr(
            sms_code::Column::Attempts,
            Expr::col(sms_code::Column::Attempts).add(1),
        )
        .filter(sms_code::Column::Id.eq(code.id))
        .filter(sms_code::Column::Attempts.lt(MAX_WRONG_ATTEMPTS))
        .filter(sms_code::Column::CodeHash.ne(guess.as_str()))
        .exec_with_returning(&state.db)
        .await?;
    if let Some(wrong) = counted.first() {
        let left = MAX_WRONG_ATTEMPTS - wrong.attempts;
        tracing::warn!(phone = %phone.masked(), left, "wrong SMS code");
        return Err(if left <= 0 {
            exhausted()
        } else {
            ApiError::BadRequest {
                code: ErrorCode::SmsCodeInvalid,
                message: format!("验证码错误，还可尝试{left}次"),
            }
        });
    }
    // Not counted: the right code, or no tries left (then right or wrong, it is dead).
    let current = sms_code::Entity::find_by_id(code.id)
        .one(&state.db)
        .await?
        .ok_or_else(expired)?;
    if current.attempts >= MAX_WRONG_ATTEMPTS {
        return Err(exhausted());
    }
    if current.code_hash != guess {
        return Err(expired());
    }
    Ok(code.id)
}

/// Sends a merchant account's one-time initial password to its phone, when a real
/// gateway is configured (never to the development log). Whether it was sent; a
/// failure is logged without the password and leaves the account as created.
pub async fn send_initial_password(state: &AppState, phone: &str, clear: &str) -> bool {
    let Some(sender) = state.sms.as_ref().filter(|s| s.delivers()) else {
        return false;
    };
    let Ok(phone) = Phone::parse(phone) else {
        return false;
    };
    match sender
        .send(&phone, crate::sms::INITIAL_PASSWORD_PURPOSE, clear)
        .await
    {
        Ok(()) => {
            tracing::info!(phone = %phone.masked(), "initial password sent by SMS");
            true
        }
        Err(e) => {
            tracing::warn!(phone = %phone.masked(), error = %e, "initial password not sent by SMS");
            false
        }
    }
}

/// Uses a checked code up, once: a second use (a replay or a race) fails.
pub async fn consume<C: ConnectionTrait>(db: &C, state: &AppState, code_id: i64) -> ApiResult<()> {
    let now = state.clock.now();
    let done = sms_code::Entity::update_many()
        .col_expr(sms_code::Column::ConsumedAt, Expr::value(now))
        .filter(sms_code::Column::Id.eq(code_id))
        .filter(sms_code::Column::ConsumedAt.is_null())
        .filter(sms_code::Column::ExpiresAt.gt(now))
        .filter(sms_code::Column::Attempts.lt(MAX_WRONG_ATTEMPTS))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(expired())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..50).map(|_| generate_code()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        let mut distinct = codes.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 40);
    }
}
