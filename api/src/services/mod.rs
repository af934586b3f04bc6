//! Use cases behind the routes. Handlers translate HTTP to these calls; these take the
//! database (or a transaction) and return domain results or `ApiError`.

pub mod activities;
pub mod admin_auth;
pub mod app_accounts;
pub mod app_activities;
pub mod audit;
pub mod batch_lanes;
pub mod bootstrap;
pub mod certifications;
pub mod claim_batches;
pub mod claims;
pub mod coupons;
pub mod files;
pub mod html;
pub mod members;
pub mod merchants;
pub mod orgs;
pub mod rate_limit;
pub mod reconciliation;
pub mod reconciliation_xlsx;
pub mod redemption_batches;
pub mod redemptions;
pub mod rush_cache;
pub mod sessions;
pub mod settlement_reports;
pub mod settlement_statements;
pub mod settlement_xlsx;
pub mod slots;
pub mod sms;
pub mod staff_auth;
pub mod stats;
pub mod tasks;
pub mod toggle;
pub mod units;
pub mod vouchers;
pub mod wechat;
