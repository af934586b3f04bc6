//! HTTP routes grouped by audience, combined into one OpenAPI service.

pub mod activities;
pub mod admin_auth;
pub mod app_activities;
pub mod app_auth;
pub mod app_me;
pub mod audit_log;
pub mod certifications;
pub mod coupons;
pub mod files;
pub mod health;
pub mod imports;
pub mod members;
pub mod merchant;
pub mod merchants;
pub mod orgs;
pub mod reconciliation;
pub mod sessions;
pub mod settlement;
pub mod stats;
pub mod tasks;
pub mod transfer_requests;
pub mod units;
pub mod verify;

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
    /// 后台：会员信息（单位、会员、转会、转会申请）
    Roster,
    /// 后台：任务（采集任务、报表任务）
    Tasks,
    /// 后台：会员认证审核与数据比对
    Certification,
    /// 后台：文件上传
    Files,
    /// 后台：商家与核销员
    Merchants,
    /// 后台：优惠券与授权
    Coupons,
    /// 后台：领券活动、审核与处理轨迹
    Activities,
    /// 后台：进度统计
    Stats,
    /// 后台：结算（结算报表、结算单）
    Settlement,
    /// 会员端
    App,
    /// 商家端
    Merchant,
    /// 公开：结算文件核验（无需登录）
    Verify,
}

/// Every audience's operations in one OpenAPI service (one document, one `/docs`).
pub fn openapi_service() -> OpenApiService<impl poem_openapi::OpenApi, ()> {
    // Grouped by audience; poem-openapi implements `OpenApi` for tuples of up to 16.
    let system = (
        health::HealthApi,
        tasks::TaskApi,
        files::FileApi,
        verify::VerifyApi,
    );
    let organisation = (
        admin_auth::AdminAuthApi,
        orgs::OrgApi,
        stats::StatsApi,
        audit_log::AuditLogApi,
    );
    let roster = (
        units::UnitApi,
        members::MemberApi,
        transfer_requests::TransferRequestApi,
        imports::ImportApi,
        certifications::CertificationApi,
        reconciliation::ReconciliationApi,
    );
    let welfare = (
        merchants::MerchantApi,
        coupons::CouponApi,
        activities::ActivityApi,
        settlement::SettlementApi,
    );
    let member_app = (
        app_auth::AppAuthApi,
        app_me::AppMeApi,
        app_activities::AppActivityApi,
        sessions::AppSessionApi,
    );
    let merchant_app = (merchant::StaffApi, sessions::MerchantSessionApi);
    OpenApiService::new(
        (
            system,
            organisation,
            roster,
            welfare,
            member_app,
            merchant_app,
        ),
        "工会福利发放系统 API",
        env!("CARGO_PKG_VERSION"),
    )
}
