//! Background work and the runtime plumbing that the `api` server and the `jobs` workers
//! share: typed settings, the database connection, the job queue over Redis or SQLite,
//! the clock, logging, the writers both use (the audit log, an activity's transitions),
//! and the job handlers themselves.

pub mod activity_workflow;
pub mod audit;
pub mod clock;
pub mod database;
pub mod expiry;
pub mod housekeeping;
pub mod import;
pub mod keys;
pub mod loggable;
pub mod metrics;
pub mod opening;
pub mod qr;
pub mod queue;
pub mod reminders;
pub mod settings;
pub mod settlement;
pub mod shutdown;
pub mod slots;
pub mod sms_gateway;
pub mod task_runner;
pub mod telemetry;
pub mod workers;

pub use clock::Clock;
pub use queue::{Queue, RunTask};
pub use settings::Settings;
