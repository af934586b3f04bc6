//! Typed settings, loaded once at start-up: defaults, then an optional TOML file
//! (`GONGHUI_CONFIG`, or `./gonghui.toml` when present), then environment variables
//! named as in the API contract (`APP_ADDR`, `DATABASE_URL`, ...).
//!
//! `Settings` holds what both binaries read: the database, the queue, the keys, logging,
//! metrics and the workers' settings. The api adds what only it reads
//! (`api::settings::Settings`: listen address, bootstrap, WeChat, SMS, limits, batch
//! queues) from the same sources (`layered`), so every variable keeps its name.

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The settings both binaries read. Secrets are `SecretString`, so `Debug` prints
/// `[REDACTED]` and they cannot end up in a log line by accident.
#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    /// `sqlite://...` (embedded) or `postgres://...` (production). May hold a password.
    pub database_url: SecretString,
    /// `redis://...`; unset means the job queue lives in SQLite inside the data dir.
    pub redis_url: Option<SecretString>,
    /// Base64 of 32 bytes, for ID numbers at rest. Embedded mode generates one.
    pub encryption_key: Option<SecretString>,
    /// Earlier encryption keys (comma-separated base64) that still decrypt old values.
    pub encryption_old_keys: Option<SecretString>,
    /// Key of the ID-number lookup hash; defaults to the encryption key. Keep it when
    /// rotating the encryption key (set it to the old key), or lookups stop matching.
    pub lookup_key: Option<SecretString>,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Where the embedded mode keeps its SQLite files and generated key.
    pub data_dir: PathBuf,
    /// Six-field cron expression (with seconds) of the housekeeping job.
    pub housekeeping_cron: String,
    /// A pending task untouched this long is re-enqueued by housekeeping (its message
    /// may have been lost, e.g. Redis restarted without persistence).
    pub task_requeue_after_seconds: i64,
    /// How long a worker holds a claimed task before another may take it over.
    pub task_lease_seconds: i64,
    /// Runs a task may start (a crash or an error leaves it to be taken over when its
    /// lease runs out); past this it ends failed instead of being leased again.
    pub task_max_attempts: i32,
    /// Database connection pool size.
    pub database_max_connections: u32,
    /// Rows the roster import writes per statement (a batch).
    pub import_batch_size: usize,
    /// Batches the roster import writes at once on PostgreSQL, each on a connection of
    /// its own whose transaction lasts until the whole file was read (SQLite: one).
    pub import_write_concurrency: usize,
    /// Most data rows one import file may hold.
    pub import_max_rows: usize,
    /// Largest uncompressed size of an uploaded workbook (zip-bomb guard), in MiB. Sheets
    /// are streamed; the parts loaded whole (shared strings, styles) may take an eighth.
    pub import_max_uncompressed_mb: u64,
    /// Name of the task queue; instances sharing a queue must share the database.
    pub queue_name: String,
    /// How often an idle worker looks for new tasks, in milliseconds, besides being
    /// woken when one is enqueued (a wake-up lost with a connection costs this delay).
    pub queue_poll_ms: u64,
    /// Serve `/metrics` on a listener of its own at this address (e.g. `127.0.0.1:9100`).
    pub metrics_addr: Option<String>,
    /// Bearer token required for `/metrics`; without `METRICS_ADDR` it also puts
    /// `/metrics` on the api's main port.
    pub metrics_token: Option<SecretString>,
    /// Where people reach this server (e.g. `https://fuli.example.org`): the QR code of a
    /// settlement workbook then opens `<PUBLIC_BASE_URL>/verify/<code>`; unset, it holds
    /// the bare verification code.
    pub public_base_url: Option<String>,
    /// The SMS gateway (`{"phone","purpose","code"}` as JSON): the api sends codes
    /// through it, the workers expiry reminders.
    pub sms_gateway_url: Option<String>,
    /// How many days before an unused voucher's window ends its holder gets the expiry
    /// reminder SMS (卡券到期提醒).
    pub reminder_days_before: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Defaults as a serialisable shape, so figment can layer the file and environment on top.
#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    log_format: LogFormat,
    data_dir: &'static str,
    housekeeping_cron: &'static str,
    task_requeue_after_seconds: i64,
    task_lease_seconds: i64,
    task_max_attempts: i32,
    database_max_connections: u32,
    queue_name: &'static str,
    queue_poll_ms: u64,
    import_batch_size: usize,
    import_write_concurrency: usize,
    import_max_rows: usize,
    import_max_uncompressed_mb: u64,
    reminder_days_before: i64,
}

const DEFAULTS: Defaults = Defaults {
    database_url: "sqlite://./data/gonghui.db?mode=rwc",
    log_format: LogFormat::Text,
    data_dir: "./data",
    housekeeping_cron: "0 * * * * *",
    task_requeue_after_seconds: 120,
    task_lease_seconds: 300,
    task_max_attempts: 3,
    database_max_connections: 16,
    queue_name: crate::queue::TASK_QUEUE,
    queue_poll_ms: 100,
    import_batch_size: 1000,
    import_write_concurrency: 2,
    import_max_rows: 200_000,
    import_max_uncompressed_mb: 192,
    reminder_days_before: 3,
};

/// The environment variables of `Settings`, besides the optional config file.
const ENV_KEYS: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "ENCRYPTION_KEY",
    "ENCRYPTION_OLD_KEYS",
    "LOOKUP_KEY",
    "LOG_FORMAT",
    "DATA_DIR",
    "HOUSEKEEPING_CRON",
    "TASK_REQUEUE_AFTER_SECONDS",
    "TASK_LEASE_SECONDS",
    "TASK_MAX_ATTEMPTS",
    "DATABASE_MAX_CONNECTIONS",
    "QUEUE_NAME",
    "QUEUE_POLL_MS",
    "IMPORT_BATCH_SIZE",
    "IMPORT_WRITE_CONCURRENCY",
    "IMPORT_MAX_ROWS",
    "IMPORT_MAX_UNCOMPRESSED_MB",
    "METRICS_ADDR",
    "METRICS_TOKEN",
    "PUBLIC_BASE_URL",
    "SMS_GATEWAY_URL",
    "REMINDER_DAYS_BEFORE",
];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error(transparent)]
    Figment(#[from] Box<figment::Error>),
}

/// The defaults of `Settings`.
pub fn defaults() -> Figment {
    Figment::from(Serialized::defaults(DEFAULTS))
}

/// `defaults` (the shared ones and a binary's own), then the config file, then the
/// environment variables of `Settings` and `extra_keys`.
pub fn layered(defaults: Figment, extra_keys: &[&str]) -> Figment {
    let mut figment = defaults;
    let file = std::env::var_os("GONGHUI_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("gonghui.toml"));
    if file.exists() {
        figment = figment.merge(Toml::file(file));
    }
    let lowered: Vec<String> = ENV_KEYS
        .iter()
        .chain(extra_keys)
        .map(|k| k.to_lowercase())
        .collect();
    let only: Vec<&str> = lowered.iter().map(String::as_str).collect();
    figment.merge(Env::raw().only(&only))
}

/// `defaults` for the embedded mode rooted at `data_dir`, as tests and demos need.
pub fn embedded(defaults: Figment, data_dir: impl Into<PathBuf>) -> Figment {
    let data_dir = data_dir.into();
    defaults
        .merge(Serialized::default("database_url", sqlite_in(&data_dir)))
        .merge(Serialized::default("data_dir", data_dir))
}

impl Settings {
    /// Defaults, then the config file, then the environment.
    pub fn load() -> Result<Self, SettingsError> {
        Self::from_figment(layered(defaults(), &[]))
    }

    fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let mut settings: Settings = figment.extract().map_err(Box::new)?;
        settings.finish()?;
        Ok(settings)
    }

    /// Completes settings just extracted and checks them. The default database lives
    /// in DATA_DIR: moving DATA_DIR moves it too, unless DATABASE_URL names another
    /// database.
    pub fn finish(&mut self) -> Result<(), SettingsError> {
        if self.database_url() == DEFAULTS.database_url {
            self.database_url = SecretString::from(sqlite_in(&self.data_dir));
        }
        self.validate()
    }

    /// Settings for the embedded mode rooted at `data_dir`, as tests and demos need.
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        embedded(defaults(), data_dir)
            .extract()
            .expect("the built-in defaults are valid")
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if !self.is_sqlite() && !self.database_url().starts_with("postgres") {
            return Err(SettingsError::Invalid(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        }
        if !self.is_sqlite() && self.encryption_key.is_none() {
            return Err(SettingsError::Invalid(
                "ENCRYPTION_KEY is required with PostgreSQL (base64 of 32 bytes)".into(),
            ));
        }
        if self.task_max_attempts < 1 {
            return Err(SettingsError::Invalid(
                "TASK_MAX_ATTEMPTS must be at least 1".into(),
            ));
        }
        if !(1..=30).contains(&self.reminder_days_before) {
            return Err(SettingsError::Invalid(
                "REMINDER_DAYS_BEFORE must be between 1 and 30".into(),
            ));
        }
        if self.housekeeping_cron.parse::<cron::Schedule>().is_err() {
            return Err(SettingsError::Invalid(format!(
                "HOUSEKEEPING_CRON is not a valid cron expression: {}",
                self.housekeeping_cron
            )));
        }
        Ok(())
    }

    /// The SMS gateway's URL, when one is configured (blank counts as unset).
    pub fn sms_gateway(&self) -> Option<&str> {
        self.sms_gateway_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// The SQLite file of the embedded job queue: separate from the application
    /// database because apalis turns off `synchronous` on the pool it is given.
    pub fn queue_sqlite_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("jobs.db").display()
        )
    }
}

/// The embedded database's URL inside a data directory.
fn sqlite_in(data_dir: &std::path::Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("gonghui.db").display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(key: &str, value: &str) -> Figment {
        defaults().merge(Serialized::default(key, value))
    }

    #[test]
    fn the_default_database_follows_data_dir_and_an_explicit_one_stays() {
        let moved =
            Settings::from_figment(with("data_dir", "/srv/gonghui")).expect("valid settings");
        assert_eq!(
            moved.database_url(),
            "sqlite:///srv/gonghui/gonghui.db?mode=rwc"
        );
        assert_eq!(
            moved.queue_sqlite_url(),
            "sqlite:///srv/gonghui/jobs.db?mode=rwc"
        );
        let default = Settings::from_figment(defaults()).expect("valid settings");
        assert_eq!(default.database_url(), DEFAULTS.database_url);
        let named = Settings::from_figment(with("data_dir", "/srv/gonghui").merge(
            Serialized::default("database_url", "sqlite:///var/lib/other.db?mode=rwc"),
        ))
        .expect("valid settings");
        assert_eq!(named.database_url(), "sqlite:///var/lib/other.db?mode=rwc");
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let mut settings = Settings::embedded("/tmp/x");
        settings.encryption_key = Some(SecretString::from("c2VjcmV0LWtleQ=="));
        settings.database_url = SecretString::from("postgres://u:hunter2@db/x");
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("c2VjcmV0LWtleQ=="));
    }

    #[test]
    fn embedded_settings_use_sqlite_in_the_data_dir() {
        let settings = Settings::embedded("/tmp/x");
        assert!(settings.is_sqlite());
        assert_eq!(
            settings.database_url(),
            "sqlite:///tmp/x/gonghui.db?mode=rwc"
        );
    }
}
