//! Black-box tests: the real server over HTTP, a fresh database per test.

mod helpers;
use tests::stubs;

mod accounts;
mod activities;
mod admin_auth;
mod audit_log;
mod batch_queues;
mod body_limits;
mod certification;
mod claims;
mod counter;
mod coupons;
mod demo;
mod dynamic_codes;
mod errors;
mod health;
mod imports;
mod input;
mod jobs_queue;
mod login_limits;
mod member_app;
mod merchant_login;
mod merchants;
mod metrics;
mod orgs;
mod reconciliation;
mod roster;
mod settlement;
mod sheets;
mod stats;
mod transfer_requests;
mod vouchers;
mod web_console;
mod web_member;
mod write_policy;
