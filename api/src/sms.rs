//! Sending SMS codes: one interface, two implementations.
//!
//! - [`LogSender`] (no `SMS_GATEWAY_URL`, the development default) writes the code to
//!   the log at info level, marked "development only" — the only place a code ever
//!   appears in a log. In production mode (PostgreSQL) it refuses to print the code.
//! - [`HttpGatewaySender`] POSTs `{"phone","purpose","code"}` as JSON to
//!   `SMS_GATEWAY_URL` and treats any 2xx as sent.
//!
//! A vendor adapter (e.g. Aliyun's signed API) can be added behind the same trait.

use std::time::Duration;

use entity::enums::SmsPurpose;
use entity::value::Phone;
use jobs::Settings;

/// Why a code could not be handed to the SMS provider. The text is for the log only
/// (it never contains the code or the full phone number).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("SMS gateway unreachable: {0}")]
    Transport(String),
    #[error("SMS gateway answered {0}")]
    Status(u16),
    #[error("no SMS provider configured in production mode")]
    NotConfigured,
}

#[async_trait::async_trait]
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Delivers `code` to `phone`; `Err` means it was not sent.
    async fn send(&self, phone: &Phone, purpose: SmsPurpose, code: &str) -> Result<(), SmsError>;
}

/// Writes codes to the log instead of sending them (development only).
#[derive(Debug)]
pub struct LogSender {
    /// Whether the code itself may be logged: only outside production mode.
    pub reveal_codes: bool,
}

#[async_trait::async_trait]
impl SmsSender for LogSender {
    async fn send(&self, phone: &Phone, purpose: SmsPurpose, code: &str) -> Result<(), SmsError> {
        if !self.reveal_codes {
            tracing::error!(
                phone = %phone.masked(),
                purpose = purpose.as_code(),
                "no SMS_GATEWAY_URL configured: the code cannot be delivered"
            );
            return Err(SmsError::NotConfigured);
        }
        tracing::info!(
            phone = %phone.masked(),
            purpose = purpose.as_code(),
            code,
            "[development only] SMS code not sent; set SMS_GATEWAY_URL to deliver codes"
        );
        Ok(())
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
    async fn send(&self, phone: &Phone, purpose: SmsPurpose, code: &str) -> Result<(), SmsError> {
        let body = GatewayRequest {
            phone: phone.as_str(),
            purpose: purpose.as_code(),
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
}

/// The sender the settings ask for.
pub fn from_settings(settings: &Settings) -> anyhow::Result<std::sync::Arc<dyn SmsSender>> {
    Ok(match settings.sms_gateway_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => {
            std::sync::Arc::new(HttpGatewaySender::new(url.to_owned())?)
        }
        _ => {
            let reveal_codes = settings.is_sqlite();
            if reveal_codes {
                tracing::warn!(
                    "SMS_GATEWAY_URL is not set: SMS codes are written to the log (development only)"
                );
            } else {
                tracing::error!(
                    "SMS_GATEWAY_URL is not set in production mode: SMS codes cannot be sent"
                );
            }
            std::sync::Arc::new(LogSender { reveal_codes })
        }
    })
}
