//! Opening the application database and applying its settings.

use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DbErr, Statement, Value,
};

use crate::settings::Settings;

/// Connects to SQLite or PostgreSQL. SQLite gets WAL, a busy timeout and foreign keys,
/// so the embedded mode behaves like a small server rather than a single-user file.
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, DbErr> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir)
            .map_err(|e| DbErr::Custom(format!("cannot create data dir: {e}")))?;
    }
    let mut opts = ConnectOptions::new(settings.database_url().to_owned());
    opts.max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Database::connect(opts).await
}

/// A raw statement with `$1`-style placeholders. Both backends take them as they are
/// (sqlx binds SQLite's `$NNN` by number), so one text serves both and a value may be
/// referenced twice.
pub fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}
