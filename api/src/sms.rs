//! Sending SMS: one interface, two implementations, chosen by the settings.
//!
//! - [`HttpGatewaySender`] (`SMS_GATEWAY_URL`) POSTs `{"phone","purpose","code"}` as JSON
//!   and treats any 2xx as sent. Purposes: the code purposes of the member app
//!   (`register`, `login`, `reset_password`) and `initial_password`, whose `code` is a
//!   merchant account's one-time password.
//! - [`DevLogSender`] (no gateway, `SMS_DEV_LOG=true`, development only) writes SMS codes
//!   to the log at info level, marked as such — the only place a code ever appears in a
//!   log. Nothing else is sent through it.
//!
//! With neither, there is no sender and requesting a code answers 503
//! `SMS_NOT_CONFIGURED`. A vendor adapter (e.g. Aliyun's signed API) can be added behind
//! the same trait.

use std::sync::Arc;

use crate::settings::Settings;
use entity::value::Phone;
use jobs::sms_gateway::SmsGateway;

/// The gateway purpose of a merchant account's one-time initial password.
pub const INITIAL_PASSWORD_PURPOSE: &str = "initial_password";

pub use jobs::sms_gateway::SmsError;

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Delivers `code` to `phone`; `Err` means it was not sent.
    async fn send(&self, phone: &Phone, purpose: &str, code: &str) -> Result<(), SmsError>;

    /// Whether messages really reach phones (the gateway), not only the log.
    fn delivers(&self) -> bool;
}

/// Writes codes to the log instead of sending them (development only, `SMS_DEV_LOG`).
#[derive(Debug)]
pub struct DevLogSender;

#[async_trait::async_trait]
impl SmsSender for DevLogSender {
    async fn send(&self, phone: &Phone, purpose: &str, code: &str) -> Result<(), SmsError> {
        tracing::info!(
            phone = %phone.masked(),
            purpose,
            code,
            "[development only, SMS_DEV_LOG] SMS code not sent; set SMS_GATEWAY_URL to deliver codes"
        );
        Ok(())
    }

    fn delivers(&self) -> bool {
        false
    }
}

/// The HTTP gateway from the contract.
#[derive(Debug)]
pub struct HttpGatewaySender(SmsGateway);

impl HttpGatewaySender {
    pub fn new(url: String) -> reqwest::Result<Self> {
        SmsGateway::new(url).map(Self)
    }
}

#[derive(serde::Serialize)]
struct GatewayRequest<'a> {
    phone: &'a str,
    purpose: &'a str,
    code: &'a str,
}

#[async_trait::async_trait]
impl SmsSender for HttpGatewaySender {
    async fn send(&self, phone: &Phone, purpose: &str, code: &str) -> Result<(), SmsError> {
        self.0
            .post(&GatewayRequest {
                phone: phone.as_str(),
                purpose,
                code,
            })
            .await
    }

    fn delivers(&self) -> bool {
        true
    }
}

/// The sender the settings ask for: the gateway, else the development log when
/// `SMS_DEV_LOG` says so, else none (codes cannot be sent).
pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Arc<dyn SmsSender>>> {
    if let Some(url) = settings.sms_gateway() {
        return Ok(Some(Arc::new(HttpGatewaySender::new(url.to_owned())?)));
    }
    if settings.sms_dev_log {
        tracing::warn!(
            "SMS_DEV_LOG=true and no SMS_GATEWAY_URL: SMS codes are written to the log (development only)"
        );
        return Ok(Some(Arc::new(DevLogSender)));
    }
    tracing::warn!(
        "SMS_GATEWAY_URL is not set: SMS codes cannot be sent (set SMS_DEV_LOG=true in development)"
    );
    Ok(None)
}
