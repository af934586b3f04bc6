//! The one error type of the API. Every variant maps to the contract's error shape
//! `{"code": "SNAKE_CASE", "message": "中文说明", "details": ...}` and a proper status.
//! Database and unexpected errors are logged with their cause (without row values:
//! `ApiError::loggable`) and answered with a generic 500 body; their text never reaches
//! the client.

use poem::http::StatusCode;
use poem::{Response, error::ResponseError};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use sea_orm::{DbErr, SqlErr};
use serde_json::Value;

/// The error body every non-2xx answer carries.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `VALIDATION`, `SOLD_OUT`.
    pub code: String,
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
    BadRequest { code: &'static str, message: String },
    /// 401: no token, or a token that is unknown, expired or revoked.
    #[error("unauthorized")]
    Unauthorized,
    /// 401: wrong username/phone or password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 401: a log-in refused for a named reason (e.g. `WECHAT_NOT_BOUND`).
    #[error("{message}")]
    LoginRefused { code: &'static str, message: String },
    /// 403: the initial password must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// 403: authenticated but not allowed.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 404: absent, or not visible to the caller (never leak another branch's records).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    /// 413: the body or upload is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(String),
    /// 429: rate limited or locked out for a while.
    #[error("{message}")]
    TooManyRequests {
        code: &'static str,
        message: String,
        retry_after_seconds: i64,
    },
    /// 502: an upstream service (SMS gateway, WeChat) answered with an error.
    #[error("{message}")]
    BadGateway { code: &'static str, message: String },
    /// 503: a dependency is down or not configured.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
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

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// 409 for an edit based on a version someone else has changed since it was read.
    pub fn stale(what: &str) -> Self {
        Self::conflict(
            "STALE_VERSION",
            format!("{what}已被他人修改，请刷新后重试（version 已过期）"),
        )
    }

    /// Maps a unique-key violation to a 409 with the given code and message; any other
    /// database error stays a 500.
    pub fn on_unique(err: DbErr, code: &'static str, message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::conflict(code, message),
            _ => Self::Db(err),
        }
    }

    /// The error as the log may show it: a database error (also inside `Internal`)
    /// with its SQLSTATE, constraint, table and message but none of the row values
    /// its `Debug` form carries (see `jobs::loggable`).
    pub fn loggable(&self) -> String {
        match self {
            Self::Db(e) => jobs::loggable::db(e),
            Self::Internal(e) => jobs::loggable::chain(e.as_ref()),
            other => other.to_string(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message, details): (&str, String, Option<Value>) = match self {
            Self::Validation(m) => ("VALIDATION", m.clone(), None),
            Self::ValidationDetails { message, details } => {
                ("VALIDATION", message.clone(), Some(details.clone()))
            }
            Self::BadRequest { code, message } => (code, message.clone(), None),
            Self::Unauthorized => ("UNAUTHORIZED", "请先登录（令牌无效或已过期）".into(), None),
            Self::InvalidCredentials => ("INVALID_CREDENTIALS", "账号或密码错误".into(), None),
            Self::LoginRefused { code, message } => (code, message.clone(), None),
            Self::PasswordChangeRequired => (
                "PASSWORD_CHANGE_REQUIRED",
                "首次登录请先修改初始密码".into(),
                None,
            ),
            Self::Forbidden { code, message } => (code, message.clone(), None),
            Self::NotFound(what) => ("NOT_FOUND", format!("{what}不存在"), None),
            Self::Conflict {
                code,
                message,
                details,
            } => (code, message.clone(), details.clone()),
            Self::PayloadTooLarge(m) => ("PAYLOAD_TOO_LARGE", m.clone(), None),
            Self::TooManyRequests {
                code,
                message,
                retry_after_seconds,
            } => (
                code,
                message.clone(),
                Some(serde_json::json!({ "retry_after_seconds": retry_after_seconds })),
            ),
            Self::BadGateway { code, message } | Self::Unavailable { code, message } => {
                (code, message.clone(), None)
            }
            Self::Db(_) | Self::Internal(_) => {
                ("INTERNAL_ERROR", "服务器内部错误，请稍后重试".into(), None)
            }
        };
        ErrorBody {
            code: code.to_owned(),
            message,
            details,
        }
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
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
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Db(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        match self {
            Self::Db(_) => tracing::error!(error = %self.loggable(), "database error"),
            Self::Internal(_) => tracing::error!(error = %self.loggable(), "internal error"),
            _ => {}
        }
        let mut resp = json_error(self.status(), &self.body());
        if let Self::TooManyRequests {
            retry_after_seconds,
            ..
        } = self
            && let Ok(value) = poem::http::HeaderValue::from_str(&retry_after_seconds.to_string())
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
            (503, "依赖服务不可用"),
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
pub async fn render_any_error(err: poem::Error) -> Response {
    if err.is::<ApiError>() {
        return err.into_response();
    }
    let status = err.status();
    let (code, message) = match status {
        StatusCode::BAD_REQUEST => ("VALIDATION", format!("请求格式不正确：{}", brief(&err))),
        StatusCode::UNAUTHORIZED => ("UNAUTHORIZED", "请先登录（令牌无效或已过期）".to_owned()),
        StatusCode::NOT_FOUND => ("NOT_FOUND", "接口不存在".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => ("METHOD_NOT_ALLOWED", "不支持的请求方法".to_owned()),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "请求体过大".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "不支持的内容类型（请使用 application/json）".to_owned(),
        ),
        s if s.is_client_error() => ("BAD_REQUEST", format!("请求无法处理：{}", brief(&err))),
        _ => {
            tracing::error!(error = %err, "unhandled error");
            ("INTERNAL_ERROR", "服务器内部错误，请稍后重试".to_owned())
        }
    };
    // Parse errors with a bad field are 400 whatever poem chose.
    let status = if code == "VALIDATION" {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    json_error(
        status,
        &ErrorBody {
            code: code.to_owned(),
            message,
            details: None,
        },
    )
}

/// poem's own parse messages are English and technical; keep them short.
fn brief(err: &poem::Error) -> String {
    let text = err.to_string();
    text.chars().take(200).collect()
}
