//! `GET /api/verify/{code}`: what a settlement workbook with this verification code
//! covers (`jobs::settlement::verification`). No login: an auditor holding a printed or
//! emailed copy asks it. Lookups are limited per client IP (shared by every instance,
//! in `rate_limits`) so codes cannot be enumerated; the answer holds nothing personal.

use entity::document_verification;
use jobs::settlement::verification;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::rate_limit::{self, Limit, Window};
use crate::state::AppState;

pub const IP_SCOPE: &str = "verify_ip";

/// The document recorded under `raw_code` (separators and case do not matter); each
/// lookup counts against the client's per-minute limit first.
#[tracing::instrument(skip(state, raw_code))]
pub async fn lookup(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    raw_code: &str,
) -> ApiResult<document_verification::Model> {
    let limit = Limit {
        scope: IP_SCOPE,
        subject: client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        max: state.settings.verify_lookups_per_ip_per_minute,
        window: Window::Seconds(60),
        code: ErrorCode::TooManyLookups,
        message: "查询过于频繁，请{seconds}秒后再试",
    };
    rate_limit::acquire(&state.db, state.clock.now(), &limit).await?;
    let not_found = ApiError::NotFound("该验证码对应的结算文件");
    let code = verification::normalize(raw_code).ok_or(not_found)?;
    document_verification::Entity::find()
        .filter(document_verification::Column::Code.eq(code))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("该验证码对应的结算文件"))
}
