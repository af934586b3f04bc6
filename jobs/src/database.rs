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
    Database::connect(options(settings, settings.database_max_connections)).await
}

/// PostgreSQL: a second, small pool for the api's batch statements (claims,
/// redemptions, token lookups; see `api::services::store::batch_lanes`), whose sessions always
/// use the generic plan of a prepared statement.
///
/// Each batch statement looks its rows up by key from `unnest`ed arrays, so its best
/// plan never depends on the values. PostgreSQL, left to choose, keeps re-planning a
/// statement whose plan for a small array looks cheaper than the generic one: the member
/// token lookup was planned afresh in 768 of 1,716 calls in one `bench_claims` run, at
/// 1.1 ms each, more than twice its execution time. The main pool keeps the default,
/// which statements such as the count of a member's claims (`store::postgres`) rely on.
///
/// The same sessions never choose a sequential scan where an index serves
/// (`enable_seqscan = off`): a generic plan is made once per session, often at the start
/// of a rush while `claims` is nearly empty, and a scan that was cheapest then would be
/// kept for every batch as the table grows. Measured in `bench_claims` (80,000 claims):
/// the claim batch's look-up of the member's sequence numbers planned as a scan of
/// `claims` took the rate from 3,967 to 499 claims/s (p99 37 → 422 ms). Every batch
/// statement finds its rows by key, so no plan of theirs wants a scan.
pub async fn connect_for_batches(
    settings: &Settings,
    max_connections: u32,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = options(settings, max_connections);
    opts.map_sqlx_postgres_opts(|o| {
        o.options([
            ("plan_cache_mode", "force_generic_plan"),
            ("enable_seqscan", "off"),
        ])
    });
    Database::connect(opts).await
}

/// PostgreSQL pools keep every connection open while idle: a burst (a rush's first
/// second, or the sell-out, when every refusal suddenly reads the member's claims) would
/// otherwise wait for PostgreSQL to start a backend per connection. In `bench_claims`
/// the sell-out's answers over 50 ms went from 2–57 per run to none.
fn options(settings: &Settings, max_connections: u32) -> ConnectOptions {
    let min_connections = if settings.is_sqlite() {
        1
    } else {
        max_connections
    };
    let mut opts = ConnectOptions::new(settings.database_url().to_owned());
    opts.max_connections(max_connections)
        .min_connections(min_connections)
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
    opts
}

/// A raw statement with `$1`-style placeholders. Both backends take them as they are
/// (sqlx binds SQLite's `$NNN` by number), so one text serves both and a value may be
/// referenced twice.
pub fn stmt(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

/// An enum's stored value as an SQL string literal (`'active'`), so statements written
/// as text name statuses through their entity enum, never as a literal of their own.
pub fn sql_str<E: sea_orm::ActiveEnum<Value = String>>(value: E) -> String {
    format!("'{}'", value.to_value().replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;
    use secrecy::SecretString;

    use super::*;

    async fn plan_cache_mode(db: &DatabaseConnection) -> String {
        db.query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SHOW plan_cache_mode",
        ))
        .await
        .expect("SHOW")
        .expect("a row")
        .try_get_by_index(0)
        .expect("text")
    }

    /// Needs the PostgreSQL server of `TEST_DATABASE_URL`: ignored by default, run by
    /// the production pass of `.ci/run` (`cargo test -p jobs --lib -- --ignored`).
    #[tokio::test]
    #[ignore = "needs PostgreSQL at TEST_DATABASE_URL; run by .ci/run's production pass"]
    async fn postgres_pools_stay_open_and_only_the_batch_pool_forces_generic_plans() {
        let url = std::env::var("TEST_DATABASE_URL")
            .expect("TEST_DATABASE_URL names the PostgreSQL server to test against");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings::embedded(dir.path());
        settings.database_url = SecretString::from(url);
        settings.database_max_connections = 3;
        let main = connect(&settings).await.expect("main pool");
        let batches = connect_for_batches(&settings, 2).await.expect("batch pool");
        assert_eq!(plan_cache_mode(&batches).await, "force_generic_plan");
        assert_eq!(plan_cache_mode(&main).await, "auto");
        // Both pools open all their connections without waiting for a burst.
        for (db, size) in [(&main, 3), (&batches, 2)] {
            let pool = db.get_postgres_connection_pool();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while pool.size() < size && std::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(pool.size(), size);
        }
    }
}
