//! The HTTP server: routes by audience (admin, app, merchant), authentication, the
//! services behind them, and start-up.

pub mod auth;
pub mod client_ip;
pub mod demo;
pub mod download;
pub mod error;
pub mod input;
pub mod metrics;
pub mod middleware;
pub mod paging;
pub mod routes;
pub mod scope;
pub mod services;
pub mod settings;
pub mod sms;
pub mod startup;
pub mod state;
pub mod web_apps;

pub use startup::Application;
