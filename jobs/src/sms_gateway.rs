//! The SMS gateway (`SMS_GATEWAY_URL`) as both processes speak to it: a JSON POST per
//! message, any 2xx meaning sent. The api sends sign-in codes and initial passwords
//! through it (`api::sms`), the workers expiry reminders (`reminders`); the body is the
//! caller's, so each purpose keeps its own fields.

use std::time::Duration;

/// Why a message could not be handed to the SMS provider. The text is for the log only
/// (it never contains the body: no code, no phone number).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("SMS gateway unreachable: {0}")]
    Transport(String),
    #[error("SMS gateway answered {0}")]
    Status(u16),
}

/// A client of the gateway at one URL.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
}

impl SmsGateway {
    pub fn new(url: String) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(8))
            .build()?;
        Ok(Self { client, url })
    }

    /// POSTs one message; `Err` means it was not sent.
    pub async fn post(&self, body: &impl serde::Serialize) -> Result<(), SmsError> {
        // reqwest's error text may include the URL but never the body.
        let resp = self
            .client
            .post(&self.url)
            .json(body)
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
