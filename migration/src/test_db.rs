//! Connections for testing a data migration on both backends: SQLite in memory, and
//! PostgreSQL when `TEST_DATABASE_URL` is set. One connection each, so the tests' own
//! temporary tables (which shadow the real ones on PostgreSQL) are the ones seen.

use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

pub(crate) async fn databases() -> Vec<DatabaseConnection> {
    let mut urls = vec!["sqlite::memory:".to_owned()];
    urls.extend(std::env::var("TEST_DATABASE_URL").ok());
    let mut out = Vec::new();
    for url in urls {
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        out.push(Database::connect(options).await.expect("test database"));
    }
    out
}

/// Runs each statement, panicking on failure.
pub(crate) async fn run(db: &DatabaseConnection, statements: &[String]) {
    for sql in statements {
        db.execute_unprepared(sql).await.expect(sql);
    }
}

/// One text column of a query, in order.
pub(crate) async fn strings(db: &DatabaseConnection, sql: &str, column: &str) -> Vec<String> {
    use sea_orm_migration::sea_orm::Statement;
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .iter()
        .map(|r| r.try_get("", column).expect(column))
        .collect()
}
