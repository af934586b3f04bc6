//! Black-box tests: the real server over HTTP, a fresh database per test.

mod helpers;
mod stubs;

mod activities;
mod admin_auth;
mod certification;
mod claims;
mod coupons;
mod errors;
mod health;
mod imports;
mod jobs_queue;
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
mod vouchers;
