//! The one error type of the API. Every variant maps to the contract's error shape
//! `{"code": "SNAKE_CASE", "message": "中文说明", "details": ...}` and a proper status.
//! Database and unexpected errors are logged with their cause (without row values:
//! `ApiError::loggable`) and answered with a generic 500 body; their text never reaches
//! the client.

use jobs::loggable;
use poem::http::StatusCode;
use poem::{Response, error::ResponseError};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use sea_orm::{DbErr, SqlErr};
use serde_json::Value;

/// Declares the error codes: each variant with the string the client receives. The
/// Chinese message of each refusal is written once, where it is refused (a constructor
/// where a refusal occurs in several places, e.g. `ApiError::not_certified`).
macro_rules! error_codes {
    ($($name:ident = $code:literal,)*) => {
        /// Every machine-readable error code the API answers, as `code` in the error
        /// body: clients switch on it; the Chinese `message` is for people.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, poem_openapi::Enum, serde::Serialize,
            serde::Deserialize,
        )]
        #[oai(rename_all = "SCREAMING_SNAKE_CASE")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum ErrorCode {
            $($name,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            /// The code as the client receives it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $code,)*
                }
            }
        }
    };
}

error_codes! {
    AccountDisabled = "ACCOUNT_DISABLED",
    AccountLocked = "ACCOUNT_LOCKED",
    ActivityEnded = "ACTIVITY_ENDED",
    AlreadyCertified = "ALREADY_CERTIFIED",
    AlreadyConfirmed = "ALREADY_CONFIRMED",
    AlreadyGranted = "ALREADY_GRANTED",
    AlreadyRedeemed = "ALREADY_REDEEMED",
    AlreadySettled = "ALREADY_SETTLED",
    BadRequest = "BAD_REQUEST",
    BindTokenInvalid = "BIND_TOKEN_INVALID",
    BudgetExceeded = "BUDGET_EXCEEDED",
    Busy = "BUSY",
    CertificationNotPending = "CERTIFICATION_NOT_PENDING",
    CertificationPending = "CERTIFICATION_PENDING",
    CertificationTooFrequent = "CERTIFICATION_TOO_FREQUENT",
    Conflict = "CONFLICT",
    DynamicCodeExpired = "DYNAMIC_CODE_EXPIRED",
    DynamicCodeNotEnabled = "DYNAMIC_CODE_NOT_ENABLED",
    DynamicCodeRequired = "DYNAMIC_CODE_REQUIRED",
    DynamicDigitsInvalid = "DYNAMIC_DIGITS_INVALID",
    Expired = "EXPIRED",
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED",
    IdentityMismatch = "IDENTITY_MISMATCH",
    IdAlreadyCertified = "ID_ALREADY_CERTIFIED",
    IllegalTransition = "ILLEGAL_TRANSITION",
    InitialPasswordExpired = "INITIAL_PASSWORD_EXPIRED",
    InsufficientQuantity = "INSUFFICIENT_QUANTITY",
    InternalError = "INTERNAL_ERROR",
    InvalidCredentials = "INVALID_CREDENTIALS",
    LimitReached = "LIMIT_REACHED",
    LoginIpLimited = "LOGIN_IP_LIMITED",
    MemberActiveElsewhere = "MEMBER_ACTIVE_ELSEWHERE",
    MemberExists = "MEMBER_EXISTS",
    MemberNotActive = "MEMBER_NOT_ACTIVE",
    MerchantNameTaken = "MERCHANT_NAME_TAKEN",
    MerchantOffline = "MERCHANT_OFFLINE",
    MethodNotAllowed = "METHOD_NOT_ALLOWED",
    NothingToSettle = "NOTHING_TO_SETTLE",
    NotAuthorised = "NOT_AUTHORISED",
    NotAUnion = "NOT_A_UNION",
    NotCertified = "NOT_CERTIFIED",
    NotEligible = "NOT_ELIGIBLE",
    NotFound = "NOT_FOUND",
    NotInWindow = "NOT_IN_WINDOW",
    NotOnRoster = "NOT_ON_ROSTER",
    NotOwner = "NOT_OWNER",
    NotReviewer = "NOT_REVIEWER",
    NoMatchingMember = "NO_MATCHING_MEMBER",
    OrgNameTaken = "ORG_NAME_TAKEN",
    OwnAccount = "OWN_ACCOUNT",
    PasswordChangeRequired = "PASSWORD_CHANGE_REQUIRED",
    PayloadTooLarge = "PAYLOAD_TOO_LARGE",
    PeriodNotEnded = "PERIOD_NOT_ENDED",
    PhoneTaken = "PHONE_TAKEN",
    PrizeExists = "PRIZE_EXISTS",
    QuantityBelowReserved = "QUANTITY_BELOW_RESERVED",
    SettlementNotDue = "SETTLEMENT_NOT_DUE",
    SmsCodeExpired = "SMS_CODE_EXPIRED",
    SmsCodeInvalid = "SMS_CODE_INVALID",
    SmsCodeTooManyAttempts = "SMS_CODE_TOO_MANY_ATTEMPTS",
    SmsDailyLimit = "SMS_DAILY_LIMIT",
    SmsIpLimited = "SMS_IP_LIMITED",
    SmsNotConfigured = "SMS_NOT_CONFIGURED",
    SmsTooFrequent = "SMS_TOO_FREQUENT",
    SmsUnavailable = "SMS_UNAVAILABLE",
    SoldOut = "SOLD_OUT",
    StaleVersion = "STALE_VERSION",
    TooManyAttempts = "TOO_MANY_ATTEMPTS",
    TooManyLookups = "TOO_MANY_LOOKUPS",
    TransferRequestsTooFrequent = "TRANSFER_REQUESTS_TOO_FREQUENT",
    TransferRequestNotPending = "TRANSFER_REQUEST_NOT_PENDING",
    TransferRequestOpen = "TRANSFER_REQUEST_OPEN",
    Unauthorized = "UNAUTHORIZED",
    UnitInUse = "UNIT_IN_USE",
    UnitNameTaken = "UNIT_NAME_TAKEN",
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
    UsernameTaken = "USERNAME_TAKEN",
    Validation = "VALIDATION",
    WechatAlreadyBound = "WECHAT_ALREADY_BOUND",
    WechatBoundElsewhere = "WECHAT_BOUND_ELSEWHERE",
    WechatBusy = "WECHAT_BUSY",
    WechatCodeInvalid = "WECHAT_CODE_INVALID",
    WechatError = "WECHAT_ERROR",
    WechatNotBound = "WECHAT_NOT_BOUND",
    WechatNotConfigured = "WECHAT_NOT_CONFIGURED",
    WechatRateLimited = "WECHAT_RATE_LIMITED",
    WechatUnavailable = "WECHAT_UNAVAILABLE",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The error body every non-2xx answer carries.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `VALIDATION`, `SOLD_OUT` (one of `ErrorCode`).
    pub code: ErrorCode,
    /// What went wrong, in Chinese, naming the field where there is one.
    pub message: String,
    /// Extra facts for the client (e.g. when and where a voucher was redeemed).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed input; the message names the field.
    #[error("{0}")]
    Validation(String),
    /// 400: several fields are wrong; `details` lists each `{field, message}`.
    #[error("{message}")]
    ValidationDetails { message: String, details: Value },
    /// 400: the request is well-formed but refused for a named reason (a wrong SMS
    /// code, a used bind token, ...).
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    /// 401: no token, or a token that is unknown, expired or revoked.
    #[error("unauthorized")]
    Unauthorized,
    /// 401: wrong username/phone or password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 401: a log-in refused for a named reason (e.g. `WECHAT_NOT_BOUND`).
    #[error("{message}")]
    LoginRefused { code: ErrorCode, message: String },
    /// 403: the initial password must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// 403: authenticated but not allowed.
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    /// 404: absent, or not visible to the caller (never leak another branch's records).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        code: ErrorCode,
        message: String,
        details: Option<Value>,
    },
    /// 413: the body or upload is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(String),
    /// 429: rate limited or locked out for a while.
    #[error("{message}")]
    TooManyRequests {
        code: ErrorCode,
        message: String,
        retry_after_seconds: i64,
    },
    /// 502: an upstream service (SMS gateway, WeChat) answered with an error.
    #[error("{message}")]
    BadGateway { code: ErrorCode, message: String },
    /// 503: a dependency is down or not configured.
    #[error("{message}")]
    Unavailable { code: ErrorCode, message: String },
    /// 503 `BUSY`: this process has more work of the kind queued than it takes on
    /// (a full batch queue, a request that waited too long, password hashing saturated);
    /// the client may retry after `retry_after_seconds`.
    #[error("busy")]
    Busy { retry_after_seconds: i64 },
    /// 500: database failure (logged, never shown).
    #[error("database error")]
    Db(#[from] DbErr),
    /// 500: anything else unexpected (logged, never shown).
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A statement run through sqlx directly (batches, plans made afresh) fails like any
/// other database call: a logged 500.
impl From<sea_orm::sqlx::Error> for ApiError {
    fn from(e: sea_orm::sqlx::Error) -> Self {
        Self::Db(DbErr::Query(sea_orm::RuntimeErr::SqlxError(
            std::sync::Arc::new(e),
        )))
    }
}

impl ApiError {
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// 403 `NOT_CERTIFIED`: a member-app account without a certified membership.
    pub fn not_certified() -> Self {
        Self::Forbidden {
            code: ErrorCode::NotCertified,
            message: "请先完成工会会员实名认证".into(),
        }
    }

    /// 409 for an edit based on a version someone else has changed since it was read.
    pub fn stale(what: &str) -> Self {
        Self::conflict(
            ErrorCode::StaleVersion,
            format!("{what}已被他人修改，请刷新后重试（version 已过期）"),
        )
    }

    /// Maps a unique-key violation to a 409 with the given code and message; any other
    /// database error stays a 500.
    pub fn on_unique(err: DbErr, code: ErrorCode, message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::conflict(code, message),
            _ => Self::Db(err),
        }
    }

    /// A value the database refused as data (PostgreSQL SQLSTATE class 22: invalid text,
    /// value too long, numeric out of range): bad input that slipped past the boundary's
    /// checks. Answered 400, and logged as a defect to fix there.
    fn is_data_error(&self) -> bool {
        matches!(self, Self::Db(e) if loggable::sqlstate(e).is_some_and(|code| code.starts_with("22")))
    }

    /// The error as the log may show it: a database error (also inside `Internal`)
    /// with its SQLSTATE, constraint, table and message but none of the row values
    /// its `Debug` form carries (see `jobs::loggable`).
    pub fn loggable(&self) -> String {
        match self {
            Self::Db(e) => loggable::db(e),
            Self::Internal(e) => loggable::chain(e.as_ref()),
            other => other.to_string(),
        }
    }

    /// The `Retry-After` of a 429 or a 503 `BUSY` (also in `details.retry_after_seconds`).
    fn retry_after_seconds(&self) -> Option<i64> {
        match self {
            Self::TooManyRequests {
                retry_after_seconds,
                ..
            }
            | Self::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        if self.is_data_error() {
            return ErrorBody {
                code: ErrorCode::Validation,
                message: "提交的内容含有无法保存的字符或超出长度的值，请检查后重试".into(),
                details: None,
            };
        }
        let (code, message, details): (ErrorCode, String, Option<Value>) = match self {
            Self::Validation(m) => (ErrorCode::Validation, m.clone(), None),
            Self::ValidationDetails { message, details } => (
                ErrorCode::Validation,
                message.clone(),
                Some(details.clone()),
            ),
            Self::BadRequest { code, message } => (*code, message.clone(), None),
            Self::Unauthorized => (
                ErrorCode::Unauthorized,
                "请先登录（令牌无效或已过期）".into(),
                None,
            ),
            Self::InvalidCredentials => {
                (ErrorCode::InvalidCredentials, "账号或密码错误".into(), None)
            }
            Self::LoginRefused { code, message } => (*code, message.clone(), None),
            Self::PasswordChangeRequired => (
                ErrorCode::PasswordChangeRequired,
                "首次登录请先修改初始密码".into(),
                None,
            ),
            Self::Forbidden { code, message } => (*code, message.clone(), None),
            Self::NotFound(what) => (ErrorCode::NotFound, format!("{what}不存在"), None),
            Self::Conflict {
                code,
                message,
                details,
            } => (*code, message.clone(), details.clone()),
            Self::PayloadTooLarge(m) => (ErrorCode::PayloadTooLarge, m.clone(), None),
            Self::TooManyRequests {
                code,
                message,
                retry_after_seconds,
            } => (
                *code,
                message.clone(),
                Some(serde_json::json!({ "retry_after_seconds": retry_after_seconds })),
            ),
            Self::BadGateway { code, message } | Self::Unavailable { code, message } => {
                (*code, message.clone(), None)
            }
            Self::Busy {
                retry_after_seconds,
            } => (
                ErrorCode::Busy,
                "系统繁忙，请稍后重试".into(),
                Some(serde_json::json!({ "retry_after_seconds": retry_after_seconds })),
            ),
            Self::Db(_) | Self::Internal(_) => (
                ErrorCode::InternalError,
                "服务器内部错误，请稍后重试".into(),
                None,
            ),
        };
        ErrorBody {
            code,
            message,
            details,
        }
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        if self.is_data_error() {
            return StatusCode::BAD_REQUEST;
        }
        match self {
            Self::Validation(_) | Self::ValidationDetails { .. } | Self::BadRequest { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized | Self::InvalidCredentials | Self::LoginRefused { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::PasswordChangeRequired | Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            Self::Unavailable { .. } | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Db(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        match self {
            // The database's message may quote the value; the SQLSTATE says enough.
            Self::Db(e) if self.is_data_error() => tracing::error!(
                sqlstate = loggable::sqlstate(e).unwrap_or_default(),
                "defect: the database refused a value as data; check it at the boundary (api::input)"
            ),
            Self::Db(_) => tracing::error!(error = %self.loggable(), "database error"),
            Self::Internal(_) => tracing::error!(error = %self.loggable(), "internal error"),
            _ => {}
        }
        let mut resp = json_error(self.status(), &self.body());
        if let Some(seconds) = self.retry_after_seconds()
            && let Ok(value) = poem::http::HeaderValue::from_str(&seconds.to_string())
        {
            resp.headers_mut()
                .insert(poem::http::header::RETRY_AFTER, value);
        }
        resp
    }
}

pub fn json_error(status: StatusCode, body: &ErrorBody) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// Documents the error statuses in the OpenAPI spec; the response itself is built by
/// `ResponseError::as_response`.
impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let statuses: [(u16, &'static str); 10] = [
            (400, "请求参数错误"),
            (401, "未登录或令牌无效"),
            (403, "无权操作或需先修改初始密码"),
            (404, "不存在或不可见"),
            (409, "状态冲突"),
            (413, "请求体过大"),
            (429, "请求过于频繁"),
            (500, "服务器内部错误"),
            (502, "上游服务（短信网关、微信）出错"),
            (
                503,
                "依赖服务不可用；或系统繁忙（BUSY，带 Retry-After 秒数，稍后重试）",
            ),
        ];
        MetaResponses {
            responses: statuses
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: ErrorBody::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// Turns every error that did not come from `ApiError` (bad JSON, unknown route,
/// missing token, body too large, ...) into the same JSON shape with a Chinese message.
/// A handler that panicked (a defect) still gets an answer in the error shape, and the
/// log says so, instead of the connection dropping without a response.
pub fn panicked(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("a request handler panicked")).as_response()
}

pub async fn render_any_error(err: poem::Error) -> Response {
    if err.is::<ApiError>() {
        return err.into_response();
    }
    if let Some(message) = failed_validator(&err) {
        return ApiError::Validation(message).as_response();
    }
    if err.is::<poem_openapi::error::ParseMultipartError>()
        || matches!(
            err.downcast_ref::<poem::error::ParseMultipartError>(),
            Some(poem::error::ParseMultipartError::Multipart(_))
        )
    {
        return ApiError::validation("上传的表单无法解析，请检查文件名是否含有特殊字符后重新上传")
            .as_response();
    }
    let status = err.status();
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => (
            ErrorCode::Validation,
            format!("请求格式不正确：{}", brief(&err)),
        ),
        StatusCode::UNAUTHORIZED => (
            ErrorCode::Unauthorized,
            "请先登录（令牌无效或已过期）".to_owned(),
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "接口不存在".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => {
            (ErrorCode::MethodNotAllowed, "不支持的请求方法".to_owned())
        }
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "请求体过大".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "不支持的内容类型（请使用 application/json）".to_owned(),
        ),
        s if s.is_client_error() => (
            ErrorCode::BadRequest,
            format!("请求无法处理：{}", brief(&err)),
        ),
        _ => {
            tracing::error!(error = %err, "unhandled error");
            (
                ErrorCode::InternalError,
                "服务器内部错误，请稍后重试".to_owned(),
            )
        }
    };
    // Parse errors with a bad field are 400 whatever poem chose.
    let status = if code == ErrorCode::Validation {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    json_error(
        status,
        &ErrorBody {
            code,
            message,
            details: None,
        },
    )
}

/// A field or parameter refused by a validator declared in the OpenAPI document
/// (`#[oai(validator(...))]`), said in Chinese with the field's name.
fn failed_validator(err: &poem::Error) -> Option<String> {
    use poem_openapi::error::{ParseParamError, ParseRequestPayloadError};
    let (field, reason) = if let Some(e) = err.downcast_ref::<ParseParamError>() {
        (Some(e.name), e.reason.as_str())
    } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        (None, e.reason.as_str())
    } else {
        return None;
    };
    // "field `name` verification failed. maxLength(100)" (a body field) or
    // "verification failed. maxLength(100)" (a parameter).
    let (before, check) = reason.split_once("verification failed. ")?;
    let field = match field {
        Some(name) => name,
        None => before.rsplit_once("field `")?.1.split('`').next()?,
    };
    let (rule, rest) = check.split_once('(')?;
    let arg = rest.split([')', ',']).next()?.trim();
    Some(match rule {
        "maxLength" => format!("{field}长度不能超过{arg}个字符"),
        "minLength" => format!("{field}长度不能少于{arg}个字符"),
        "maxItems" => format!("{field}最多{arg}项"),
        "minItems" => format!("{field}至少{arg}项"),
        "maximum" => format!("{field}不能大于{arg}"),
        "minimum" => format!("{field}不能小于{arg}"),
        _ => format!("{field}格式不正确"),
    })
}

/// poem's own parse messages are English and technical; keep them short.
fn brief(err: &poem::Error) -> String {
    let text = err.to_string();
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::{Endpoint, EndpointExt};
    use poem_openapi::error::{ParseParamError, ParseRequestPayloadError};

    #[tokio::test]
    async fn a_panicking_handler_is_answered_500_in_the_error_shape() {
        let ep = poem::endpoint::make_sync(|_| -> &'static str { panic!("a defect") })
            .with(poem::middleware::CatchPanic::new().with_handler(panicked));
        let resp = ep.call(poem::Request::default()).await.expect("answered");
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = resp.into_body().into_string().await.expect("body");
        assert!(body.contains("INTERNAL_ERROR"), "{body}");
        assert!(!body.contains("a defect"), "{body}");
    }

    /// A database error as the driver reports it, with a SQLSTATE.
    #[derive(Debug)]
    struct Refused(&'static str);

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "refused with {}", self.0)
        }
    }

    impl std::error::Error for Refused {}

    impl sea_orm::sqlx::error::DatabaseError for Refused {
        fn message(&self) -> &str {
            "value too long for type character varying(64)"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sea_orm::sqlx::error::ErrorKind {
            sea_orm::sqlx::error::ErrorKind::Other
        }
    }

    fn refused(sqlstate: &'static str) -> ApiError {
        ApiError::from(sea_orm::sqlx::Error::Database(Box::new(Refused(sqlstate))))
    }

    #[test]
    fn a_data_error_of_the_database_is_a_400_and_other_database_errors_a_500() {
        for data_error in ["22001", "22021", "22P02", "22003"] {
            let e = refused(data_error);
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{data_error}");
            assert_eq!(e.body().code, ErrorCode::Validation);
            assert!(!e.body().message.contains("varying"));
        }
        let deadlock = refused("40P01");
        assert_eq!(deadlock.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(deadlock.body().code, ErrorCode::InternalError);
    }

    #[test]
    fn every_code_is_sent_as_its_screaming_snake_string() {
        use poem_openapi::types::ToJSON;
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).expect("serialised");
            assert_eq!(wire, serde_json::json!(code.as_str()));
            assert_eq!(code.to_json(), Some(wire));
        }
        assert_eq!(
            ErrorCode::IdAlreadyCertified.as_str(),
            "ID_ALREADY_CERTIFIED"
        );
    }

    #[test]
    fn a_failed_validator_is_said_in_chinese_with_its_field() {
        let body = poem::Error::from(ParseRequestPayloadError {
            reason:
                r#"failed to parse "UnitBody": field `name` verification failed. maxLength(100)"#
                    .into(),
        });
        assert_eq!(
            failed_validator(&body).as_deref(),
            Some("name长度不能超过100个字符")
        );
        let nested = poem::Error::from(ParseRequestPayloadError {
            reason: r#"failed to parse "MerchantBody": field `tags` verification failed. maxItems(10) (occurred while parsing "CreateMerchantBody")"#
                .into(),
        });
        assert_eq!(failed_validator(&nested).as_deref(), Some("tags最多10项"));
        let param = poem::Error::from(ParseParamError {
            name: "name",
            reason: "verification failed. maxLength(100)".into(),
        });
        assert_eq!(
            failed_validator(&param).as_deref(),
            Some("name长度不能超过100个字符")
        );
        let other = poem::Error::from(ParseRequestPayloadError {
            reason: r#"Type "string" expects an input value."#.into(),
        });
        assert_eq!(failed_validator(&other), None);
    }
}
