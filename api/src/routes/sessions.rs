//! Log-out for the member app and the merchant mini-program. Their log-in routes come
//! with the member and merchant features; the security schemes exist from the start so
//! a token of one kind is refused on every other kind's routes.

use poem::web::Data;
use poem_openapi::OpenApi;

use super::ApiTags;
use crate::auth::{MemberAuth, MerchantAuth};
use crate::error::ApiResult;
use crate::services::sessions;
use crate::state::AppState;

pub struct AppSessionApi;

#[OpenApi(prefix_path = "/api/app", tag = "ApiTags::App")]
impl AppSessionApi {
    /// Log out (退出登录): revokes this member token
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, state: Data<&AppState>, auth: MemberAuth) -> ApiResult<()> {
        sessions::revoke(&state, auth.0.session_id).await
    }
}

pub struct MerchantSessionApi;

#[OpenApi(prefix_path = "/api/merchant", tag = "ApiTags::Merchant")]
impl MerchantSessionApi {
    /// Log out (退出登录): revokes this staff token
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, state: Data<&AppState>, auth: MerchantAuth) -> ApiResult<()> {
        sessions::revoke(&state, auth.0.session_id).await
    }
}
