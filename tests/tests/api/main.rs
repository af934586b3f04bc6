//! Black-box tests: the real server over HTTP, a fresh database per test.

mod helpers;

mod activities;
mod admin_auth;
mod coupons;
mod errors;
mod health;
mod imports;
mod jobs_queue;
mod merchants;
mod orgs;
mod roster;
mod sheets;
mod stats;
