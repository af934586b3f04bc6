//! WeChat code exchange against `WECHAT_API_BASE`:
//! - mobile app (Open Platform OAuth): `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`
//! - mini-program: `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`
//!
//! WeChat answers HTTP 200 with `errcode`/`errmsg` on failure; the known codes map to
//! clear answers: 40029/40163 (invalid or used code) → 400, 45011 (rate limit) → 429,
//! -1 (system busy) and network failures → 503, anything else → 502.

use entity::enums::WechatSource;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Who WeChat says the user is.
#[derive(Clone, Debug)]
pub struct Identity {
    pub openid: String,
    pub unionid: Option<String>,
}

/// The union of both endpoints' answers (tokens and session keys are not kept).
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    openid: Option<String>,
    #[serde(default)]
    unionid: Option<String>,
}

fn not_configured() -> ApiError {
    ApiError::Unavailable {
        code: ErrorCode::WechatNotConfigured,
        message: "未配置微信登录，请使用手机号登录".into(),
    }
}

fn unavailable() -> ApiError {
    ApiError::Unavailable {
        code: ErrorCode::WechatUnavailable,
        message: "微信服务暂时不可用，请稍后重试".into(),
    }
}

/// 502 `WECHAT_ERROR`: WeChat answered something unusable.
fn failed() -> ApiError {
    ApiError::BadGateway {
        code: ErrorCode::WechatError,
        message: "微信登录失败，请稍后重试".into(),
    }
}

fn map_errcode(errcode: i64, errmsg: &str) -> ApiError {
    match errcode {
        40029 | 40163 | 40125 => ApiError::BadRequest {
            code: ErrorCode::WechatCodeInvalid,
            message: "微信授权码无效或已使用，请重新授权".into(),
        },
        45011 => ApiError::TooManyRequests {
            code: ErrorCode::WechatRateLimited,
            message: "微信登录过于频繁，请稍后再试".into(),
            retry_after_seconds: 60,
        },
        -1 => ApiError::Unavailable {
            code: ErrorCode::WechatBusy,
            message: "微信系统繁忙，请稍后重试".into(),
        },
        other => {
            tracing::warn!(errcode = other, errmsg, "WeChat refused the code exchange");
            ApiError::BadGateway {
                code: ErrorCode::WechatError,
                message: format!("微信登录失败（错误码 {other}），请稍后重试"),
            }
        }
    }
}

/// Exchanges a login code for the user's openid (and unionid when WeChat gives one).
#[tracing::instrument(skip_all, fields(source = ?source))]
pub async fn exchange(state: &AppState, source: WechatSource, code: &str) -> ApiResult<Identity> {
    let settings = &state.settings;
    let (appid, secret, path, code_param) = match source {
        WechatSource::App => (
            settings.wechat_app_appid.as_deref(),
            settings.wechat_app_secret.as_ref(),
            "/sns/oauth2/access_token",
            "code",
        ),
        WechatSource::Miniprogram => (
            settings.wechat_miniprogram_appid.as_deref(),
            settings.wechat_miniprogram_secret.as_ref(),
            "/sns/jscode2session",
            "js_code",
        ),
    };
    let (Some(appid), Some(secret)) = (appid.filter(|a| !a.is_empty()), secret) else {
        return Err(not_configured());
    };
    let base = settings.wechat_api_base.trim_end_matches('/');
    let url = reqwest::Url::parse_with_params(
        &format!("{base}{path}"),
        [
            ("appid", appid),
            ("secret", secret.expose_secret()),
            (code_param, code),
            ("grant_type", "authorization_code"),
        ],
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("WECHAT_API_BASE is not a URL: {e}")))?;
    // The URL carries the secret and the code: keep it out of every log line.
    let resp = state.http.get(url).send().await.map_err(|e| {
        tracing::warn!(error = %e.without_url(), "WeChat unreachable");
        unavailable()
    })?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| {
        tracing::warn!(error = %e.without_url(), "WeChat answer unreadable");
        unavailable()
    })?;
    if !status.is_success() {
        tracing::warn!(status = status.as_u16(), "WeChat answered an HTTP error");
        return Err(unavailable());
    }
    // WeChat often labels JSON as text/plain: parse the bytes whatever the type says.
    let answer: Answer = serde_json::from_slice(&bytes).map_err(|_| {
        tracing::warn!("WeChat answer is not the expected JSON");
        failed()
    })?;
    if let Some(errcode) = answer.errcode.filter(|c| *c != 0) {
        return Err(map_errcode(errcode, answer.errmsg.as_deref().unwrap_or("")));
    }
    let openid = answer.openid.filter(|o| !o.is_empty()).ok_or_else(|| {
        tracing::warn!("WeChat answer without openid");
        failed()
    })?;
    let unionid = answer.unionid.filter(|u| !u.is_empty());
    if !is_identifier(&openid) || !unionid.as_deref().is_none_or(is_identifier) {
        // WeChat's identifiers are short and plain; anything else cannot be stored.
        tracing::warn!(
            openid_len = openid.len(),
            unionid_len = unionid.as_ref().map(String::len),
            "WeChat answered an identity that is not a plain identifier"
        );
        return Err(ApiError::BadGateway {
            code: ErrorCode::WechatError,
            message: "微信返回的用户标识无法识别，请稍后重试或使用手机号登录".into(),
        });
    }
    Ok(Identity { openid, unionid })
}

/// The longest openid or unionid kept (the columns' size); WeChat's are 28–29 characters.
pub const MAX_IDENTIFIER_LEN: usize = 64;

/// An openid or unionid as WeChat issues them: letters, digits, `-` and `_`.
fn is_identifier(id: &str) -> bool {
    (1..=MAX_IDENTIFIER_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_of_at_most_64_characters_are_kept() {
        assert!(is_identifier("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"));
        assert!(is_identifier(&"o".repeat(64)));
        assert!(!is_identifier(&"o".repeat(65)));
        assert!(!is_identifier(""));
        assert!(!is_identifier("o pen\u{0}id"));
        assert!(!is_identifier("用户"));
    }
}
