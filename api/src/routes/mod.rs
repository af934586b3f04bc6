//! HTTP routes grouped by audience, combined into one OpenAPI service.

pub mod admin_auth;
pub mod app_auth;
pub mod app_me;
pub mod certifications;
pub mod health;
pub mod members;
pub mod orgs;
pub mod reconciliation;
pub mod sessions;
pub mod tasks;
pub mod units;

use poem_openapi::{OpenApiService, Tags};

/// Tags that group the operations in `/docs`.
#[derive(Tags)]
pub enum ApiTags {
    /// 系统：健康检查
    System,
    /// 后台：登录与密码
    AdminAuth,
    /// 后台：组织（工会信息、下级组织）
    Organisations,
    /// 后台：会员信息（单位、会员、转会）
    Roster,
    /// 后台：任务（采集任务、报表任务）
    Tasks,
    /// 后台：会员认证审核与数据比对
    Certification,
    /// 会员端
    App,
    /// 商家端
    Merchant,
}

pub type Apis = (
    health::HealthApi,
    admin_auth::AdminAuthApi,
    orgs::OrgApi,
    tasks::TaskApi,
    units::UnitApi,
    members::MemberApi,
    certifications::CertificationApi,
    reconciliation::ReconciliationApi,
    app_auth::AppAuthApi,
    app_me::AppMeApi,
    sessions::AppSessionApi,
    sessions::MerchantSessionApi,
);

pub fn openapi_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            health::HealthApi,
            admin_auth::AdminAuthApi,
            orgs::OrgApi,
            tasks::TaskApi,
            units::UnitApi,
            members::MemberApi,
            certifications::CertificationApi,
            reconciliation::ReconciliationApi,
            app_auth::AppAuthApi,
            app_me::AppMeApi,
            sessions::AppSessionApi,
            sessions::MerchantSessionApi,
        ),
        "工会福利发放系统 API",
        env!("CARGO_PKG_VERSION"),
    )
}
