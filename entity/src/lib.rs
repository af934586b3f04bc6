//! SeaORM entities (one file per table) and the rules every writer must obey.
//!
//! Generated-style entity files stay plain; behaviour lives in separate modules
//! (`org_kind`, `task_status`, ...).

pub mod activity;
pub mod activity_prize;
pub mod activity_trail;
pub mod admin_account;
pub mod app_account;
pub mod audit_log;
pub mod certification;
pub mod claim;
pub mod coupon;
pub mod coupon_grant;
pub mod document_verification;
pub mod housekeeping_run;
pub mod member;
pub mod member_event;
pub mod merchant;
pub mod merchant_staff;
pub mod organisation;
pub mod rate_limit;
pub mod session;
pub mod settlement_statement;
pub mod settlement_statement_line;
pub mod sms_code;
pub mod stored_file;
pub mod task;
pub mod transfer_request;
pub mod unit;
pub mod voucher;
pub mod wechat_bind_token;

pub mod activity_state;
pub mod crypto;
pub mod enums;
pub mod roster;
pub mod value;

pub mod prelude {
    pub use super::activity::Entity as Activity;
    pub use super::activity_prize::Entity as ActivityPrize;
    pub use super::activity_trail::Entity as ActivityTrail;
    pub use super::admin_account::Entity as AdminAccount;
    pub use super::app_account::Entity as AppAccount;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::certification::Entity as Certification;
    pub use super::claim::Entity as Claim;
    pub use super::coupon::Entity as Coupon;
    pub use super::coupon_grant::Entity as CouponGrant;
    pub use super::housekeeping_run::Entity as HousekeepingRun;
    pub use super::member::Entity as Member;
    pub use super::member_event::Entity as MemberEvent;
    pub use super::merchant::Entity as Merchant;
    pub use super::merchant_staff::Entity as MerchantStaff;
    pub use super::organisation::Entity as Organisation;
    pub use super::rate_limit::Entity as RateLimit;
    pub use super::session::Entity as Session;
    pub use super::settlement_statement::Entity as SettlementStatement;
    pub use super::settlement_statement_line::Entity as SettlementStatementLine;
    pub use super::sms_code::Entity as SmsCode;
    pub use super::stored_file::Entity as StoredFile;
    pub use super::task::Entity as Task;
    pub use super::transfer_request::Entity as TransferRequest;
    pub use super::unit::Entity as Unit;
    pub use super::voucher::Entity as Voucher;
    pub use super::wechat_bind_token::Entity as WechatBindToken;
}
