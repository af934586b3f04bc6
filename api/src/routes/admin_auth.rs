use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::orgs::OrgRef;
use crate::auth::AdminAuth;
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::services::{admin_auth, sessions};
use crate::state::AppState;

#[derive(Object)]
pub struct LoginRequest {
    #[oai(validator(max_length = 64))]
    pub username: String,
    #[oai(validator(max_length = 128))]
    pub password: String,
}

#[derive(Object)]
pub struct LoginResponse {
    pub token: String,
    /// True until the one-time initial password is changed; every other route answers
    /// 403 `PASSWORD_CHANGE_REQUIRED` meanwhile.
    pub must_change_password: bool,
    pub org: OrgRef,
}

#[derive(Object)]
pub struct ChangePasswordRequest {
    #[oai(validator(max_length = 128))]
    pub old_password: String,
    #[oai(validator(max_length = 128))]
    pub new_password: String,
}

/// A fresh token; every earlier token of the account is revoked.
#[derive(Object)]
pub struct TokenResponse {
    pub token: String,
}

pub struct AdminAuthApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::AdminAuth")]
impl AdminAuthApi {
    /// Log in (后台登录)
    ///
    /// 401 `INVALID_CREDENTIALS`; 401 `INITIAL_PASSWORD_EXPIRED` for a one-time initial
    /// password past its 72 hours (an admin above issues a new one); 403
    /// `ACCOUNT_DISABLED`. 429 with `Retry-After`: `LOGIN_IP_LIMITED` (too many attempts
    /// from this client), `ACCOUNT_LOCKED` (too many wrong passwords for this username
    /// from this client, or from everywhere at a much higher count).
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        body: Json<LoginRequest>,
    ) -> ApiResult<Json<LoginResponse>> {
        let username = body.username.trim().to_lowercase();
        let logged_in = admin_auth::login(&state, &username, &body.password, client.0).await?;
        let org = crate::services::orgs::org_by_id(&state, logged_in.admin.org_id).await?;
        Ok(Json(LoginResponse {
            token: logged_in.token,
            must_change_password: logged_in.admin.must_change_password,
            org: OrgRef {
                id: org.id,
                name: org.name,
            },
        }))
    }

    /// Change own password (修改密码)
    ///
    /// Every earlier token is revoked. 400 when the new password breaks the policy or
    /// equals the old one (the initial one on a first log-in); 401 `INVALID_CREDENTIALS`
    /// for a wrong old password, `INITIAL_PASSWORD_EXPIRED` for an expired initial one.
    #[oai(path = "/password", method = "post")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<ChangePasswordRequest>,
    ) -> ApiResult<Json<TokenResponse>> {
        let token =
            admin_auth::change_password(&state, &auth.0, &body.old_password, &body.new_password)
                .await?;
        Ok(Json(TokenResponse { token }))
    }

    /// Log out (退出登录): revokes this token
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<()> {
        sessions::revoke(&state, auth.0.session_id).await
    }
}
