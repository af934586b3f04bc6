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
use std::time::Duration;

use crate::settings::Settings;
use entity::value::Phone;

/// The gateway purpose of a merchant account's one-time initial password.
pub const INITIAL_PASSWORD_PURPOSE: &str = "initial_password";

/// Why a message could not be handed to the SMS provider. The text is for the log only
/// (it never contains the code or the full phone number).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("SMS gateway unreachable: {0}")]
    Transport(String),
    #[error("SMS gateway answered {0}")]
    Status(u16),
}

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
pub struct HttpGatewaySender {
    client: reqwest::Client,
    url: String,
}

impl HttpGatewaySender {
    pub fn new(url: String) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(8))
            .build()?;
        Ok(Self { client, url })
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
        let body = GatewayRequest {
            phone: phone.as_str(),
            purpose,
            code,
        };
        // reqwest's error text may include the URL but never the body.
        let resp = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| SmsError::Transport(e.without_url().to_string()))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SmsError::Status(status.as_u16()))
        }
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
