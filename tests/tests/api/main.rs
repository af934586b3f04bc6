//! Black-box tests: the real server over HTTP, a fresh database per test.

mod helpers;
mod stubs;

mod admin_auth;
mod certification;
mod errors;
mod health;
mod jobs_queue;
mod member_app;
mod orgs;
mod reconciliation;
mod roster;
