//! What every handler can reach: the database, the queue, the settings and the clock.

use std::sync::Arc;

use jobs::{Clock, Queue};
use sea_orm::DatabaseConnection;

use crate::settings::Settings;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub queue: Queue,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Encrypts and hashes ID numbers.
    pub cipher: Arc<entity::crypto::PiiCipher>,
    /// Delivers SMS (the HTTP gateway, or the log with `SMS_DEV_LOG`); `None` when
    /// neither is configured.
    pub sms: Option<Arc<dyn crate::sms::SmsSender>>,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<crate::client_ip::TrustedProxies>,
    /// Outbound HTTP (WeChat), with timeouts.
    pub http: reqwest::Client,
    /// Short-lived copies of what does not change during a claim rush.
    pub cache: Arc<crate::services::rush_cache::RushCache>,
    /// The claim, redemption and token-lookup paths on the backend chosen at start-up.
    pub store: crate::services::store::Stores,
    /// This process's metrics (off unless `METRICS_ADDR` or `METRICS_TOKEN` is set).
    pub metrics: jobs::metrics::Metrics,
}
