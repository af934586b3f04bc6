//! Member app: SMS codes, registration, log-in (password, SMS code, WeChat) and
//! password reset.

use entity::enums::{SmsPurpose, WechatSource};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::admin_auth::TokenResponse;
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::services::app_accounts::{self, Registration, WechatLogin};
use crate::services::sms;
use crate::state::AppState;

#[derive(Object)]
pub struct SmsCodeRequest {
    /// 手机号码 (11-digit mainland mobile)
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// `register`, `login` or `reset_password`
    pub purpose: SmsPurpose,
}

#[derive(Object)]
pub struct SmsCodeSent {
    /// Always true: the answer is the same whether or not the phone has an account.
    pub sent: bool,
    /// The code's lifetime.
    pub expires_in_seconds: i64,
    /// When another code may be requested for this phone.
    pub resend_after_seconds: i64,
}

#[derive(Object)]
pub struct RegisterRequest {
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// At least 8 characters with letters and digits.
    #[oai(validator(max_length = 128))]
    pub password: String,
    /// The `register` SMS code.
    #[oai(validator(max_length = 16))]
    pub sms_code: String,
    /// 注册地区
    #[oai(validator(max_length = 100))]
    pub region: String,
    /// 同意用户协议: must be true.
    #[oai(default)]
    pub agree: bool,
    /// From a WeChat login that answered `need_binding`: links that WeChat identity.
    #[oai(validator(max_length = 128))]
    pub bind_token: Option<String>,
}

#[derive(Object)]
pub struct AppLoginRequest {
    #[oai(validator(max_length = 32))]
    pub phone: String,
    #[oai(validator(max_length = 128))]
    pub password: String,
    /// From a WeChat login that answered `need_binding`: links that WeChat identity.
    #[oai(validator(max_length = 128))]
    pub bind_token: Option<String>,
}

#[derive(Object)]
pub struct SmsLoginRequest {
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// The `login` SMS code.
    #[oai(validator(max_length = 16))]
    pub sms_code: String,
}

#[derive(Object)]
pub struct ResetPasswordRequest {
    #[oai(validator(max_length = 32))]
    pub phone: String,
    /// The `reset_password` SMS code.
    #[oai(validator(max_length = 16))]
    pub sms_code: String,
    #[oai(validator(max_length = 128))]
    pub new_password: String,
}

#[derive(Object)]
pub struct WechatLoginRequest {
    /// The code from `wx.login` (mini-program) or the app's WeChat OAuth.
    #[oai(validator(max_length = 512))]
    pub code: String,
    /// `app` (default: mobile app, `sns/oauth2/access_token`) or `miniprogram`
    /// (`sns/jscode2session`).
    pub source: Option<WechatSource>,
}

/// Either a token (the WeChat user has an account) or `need_binding` with a
/// `bind_token` to pass to `/api/app/register` or `/api/app/login` (once, within
/// `bind_token_expires_in_seconds`).
#[derive(Object)]
pub struct WechatLoginResponse {
    pub need_binding: bool,
    #[oai(skip_serializing_if_is_none)]
    pub token: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub bind_token: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub bind_token_expires_in_seconds: Option<i64>,
}

pub struct AppAuthApi;

#[OpenApi(prefix_path = "/api/app", tag = "ApiTags::App")]
impl AppAuthApi {
    /// Send an SMS code (获取验证码)
    ///
    /// One per phone per 60 s and 10 per day (429 `SMS_TOO_FREQUENT` /
    /// `SMS_DAILY_LIMIT` with `details.retry_after_seconds`), and a cap per client IP
    /// (429 `SMS_IP_LIMITED`). The same answer whether or not the phone is registered.
    /// 502 `SMS_UNAVAILABLE` when the gateway fails (the attempt is not counted); 503
    /// `SMS_NOT_CONFIGURED` when the server has no SMS gateway (and no `SMS_DEV_LOG`).
    #[oai(path = "/sms-codes", method = "post")]
    async fn send_sms_code(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        body: Json<SmsCodeRequest>,
    ) -> ApiResult<Json<SmsCodeSent>> {
        let phone = app_accounts::parse_phone(&body.phone)?;
        let sent = sms::send_code(&state, &phone, body.purpose, client.0).await?;
        Ok(Json(SmsCodeSent {
            sent: true,
            expires_in_seconds: sent.expires_in_seconds,
            resend_after_seconds: sent.resend_after_seconds,
        }))
    }

    /// Register (用户注册): phone, password, SMS code, region, agreement
    ///
    /// 400 `SMS_CODE_INVALID` / `SMS_CODE_EXPIRED` / `SMS_CODE_TOO_MANY_ATTEMPTS` /
    /// `BIND_TOKEN_INVALID` or `VALIDATION` naming the field; 409 `PHONE_TAKEN` only once
    /// the SMS code is right, so the answer never tells a stranger whether a phone is
    /// registered.
    #[oai(path = "/register", method = "post")]
    async fn register(
        &self,
        state: Data<&AppState>,
        body: Json<RegisterRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let body = body.0;
        let token = app_accounts::register(
            &state,
            Registration {
                phone: body.phone,
                password: body.password,
                sms_code: body.sms_code,
                region: body.region,
                agree: body.agree,
                bind_token: body.bind_token,
            },
        )
        .await?;
        Ok(Json(TokenResponse { token }))
    }

    /// Log in with phone and password (用户登录)
    ///
    /// 401 `INVALID_CREDENTIALS`. 429 with `Retry-After`: `LOGIN_IP_LIMITED` (too many
    /// attempts from this client), `ACCOUNT_LOCKED` (too many wrong passwords for this
    /// phone from this client, or from everywhere at a much higher count; a password
    /// reset by SMS code lifts it).
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        body: Json<AppLoginRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let token = app_accounts::login(
            &state,
            &body.phone,
            &body.password,
            body.bind_token.as_deref(),
            client.0,
        )
        .await?;
        Ok(Json(TokenResponse { token }))
    }

    /// Log in with an SMS code (验证码登录)
    #[oai(path = "/login/sms", method = "post")]
    async fn login_sms(
        &self,
        state: Data<&AppState>,
        body: Json<SmsLoginRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let token = app_accounts::login_by_sms(&state, &body.phone, &body.sms_code).await?;
        Ok(Json(TokenResponse { token }))
    }

    /// Log in with WeChat (微信登录)
    ///
    /// 200 with `token` for a bound WeChat user, or 200 with `need_binding: true` and a
    /// `bind_token`. 400 `WECHAT_CODE_INVALID`, 429 `WECHAT_RATE_LIMITED`, 503
    /// `WECHAT_BUSY` / `WECHAT_UNAVAILABLE` / `WECHAT_NOT_CONFIGURED`.
    #[oai(path = "/login/wechat", method = "post")]
    async fn login_wechat(
        &self,
        state: Data<&AppState>,
        body: Json<WechatLoginRequest>,
    ) -> ApiResult<Json<WechatLoginResponse>> {
        let source = body.source.unwrap_or_default();
        Ok(Json(
            match app_accounts::wechat_login(&state, source, &body.code).await? {
                WechatLogin::LoggedIn { token } => WechatLoginResponse {
                    need_binding: false,
                    token: Some(token),
                    bind_token: None,
                    bind_token_expires_in_seconds: None,
                },
                WechatLogin::NeedBinding {
                    bind_token,
                    expires_in_seconds,
                } => WechatLoginResponse {
                    need_binding: true,
                    token: None,
                    bind_token: Some(bind_token),
                    bind_token_expires_in_seconds: Some(expires_in_seconds),
                },
            },
        ))
    }

    /// Reset the password with an SMS code (忘记密码); signs out every session
    #[oai(path = "/password/reset", method = "post")]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        body: Json<ResetPasswordRequest>,
    ) -> ApiResult<()> {
        app_accounts::reset_password(&state, &body.phone, &body.sms_code, &body.new_password).await
    }
}
