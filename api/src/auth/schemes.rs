//! The bearer security schemes. Each checker resolves the token to a principal of its
//! own kind; the admin one also enforces the forced password change for every route
//! except changing the password and logging out.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::error::ApiError;
use crate::scope::Scope;
use crate::services::sessions;
use crate::state::AppState;

/// A signed-in back-office admin.
#[derive(Clone, Debug)]
pub struct AdminPrincipal {
    pub session_id: i64,
    pub admin_id: i64,
    pub username: String,
    pub org_id: i64,
    pub must_change_password: bool,
    /// What this admin may see: its organisation and everything below.
    pub scope: Scope,
}

/// A signed-in member (app) or merchant staff account.
#[derive(Clone, Debug)]
pub struct SessionPrincipal {
    pub session_id: i64,
    pub principal_id: i64,
}

/// Back-office admin token.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_admin")]
pub struct AdminAuth(pub AdminPrincipal);

/// Member app token.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_member")]
pub struct MemberAuth(pub SessionPrincipal);

/// A signed-in merchant staff account (核销员) with its merchant.
#[derive(Clone, Debug)]
pub struct StaffPrincipal {
    pub session_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub phone: String,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub must_change_password: bool,
}

/// Merchant staff (mini-program) token. Disabled staff are refused (401); until the
/// initial password is changed every route but the password change, the profile,
/// log-out and unbinding WeChat answers 403 `PASSWORD_CHANGE_REQUIRED`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_merchant")]
pub struct MerchantAuth(pub StaffPrincipal);

/// Routes staff may call before changing the initial password.
const STAFF_PASSWORD_CHANGE_ROUTES: &[&str] = &[
    "/api/merchant/password",
    "/api/merchant/logout",
    "/api/merchant/me",
    "/api/merchant/wechat/unbind",
];

/// Routes an admin may call before changing the initial password.
const PASSWORD_CHANGE_ROUTES: &[&str] = &["/api/admin/password", "/api/admin/logout"];

fn state(req: &Request) -> poem::Result<&AppState> {
    req.data::<AppState>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState missing")).into())
}

async fn check_admin(req: &Request, bearer: Bearer) -> poem::Result<AdminPrincipal> {
    let principal = sessions::resolve_admin(state(req)?, &bearer.token).await?;
    if principal.must_change_password && !PASSWORD_CHANGE_ROUTES.contains(&req.uri().path()) {
        return Err(ApiError::PasswordChangeRequired.into());
    }
    Ok(principal)
}

async fn check_member(req: &Request, bearer: Bearer) -> poem::Result<SessionPrincipal> {
    Ok(sessions::resolve_member(state(req)?, &bearer.token).await?)
}

async fn check_merchant(req: &Request, bearer: Bearer) -> poem::Result<StaffPrincipal> {
    let principal = sessions::resolve_staff(state(req)?, &bearer.token).await?;
    if principal.must_change_password && !STAFF_PASSWORD_CHANGE_ROUTES.contains(&req.uri().path()) {
        return Err(ApiError::PasswordChangeRequired.into());
    }
    Ok(principal)
}
