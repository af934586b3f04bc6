//! Errors as they are written to the log: what failed and where, never the row values.
//!
//! A database error's `Debug` form carries everything the server sent. For a
//! PostgreSQL unique violation that includes the DETAIL line, `Key (phone)=(13800000000)
//! already exists.`, which puts the phone number or ID hash that clashed in the log.
//! These functions keep the SQLSTATE, the constraint and table names and the primary
//! message (which PostgreSQL words without values for the violations we meet:
//! `duplicate key value violates unique constraint "..."`) and drop the rest. Log
//! errors through them (`error = %loggable::db(&e)`), never with `?e`.

use std::error::Error;

use sea_orm::{DbErr, RuntimeErr, sqlx};

/// The SQLSTATE of a database error, when the database gave one.
pub fn sqlstate(e: &DbErr) -> Option<String> {
    let (DbErr::Conn(RuntimeErr::SqlxError(s))
    | DbErr::Exec(RuntimeErr::SqlxError(s))
    | DbErr::Query(RuntimeErr::SqlxError(s))) = e
    else {
        return None;
    };
    match s.as_ref() {
        sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// A database error without row values.
pub fn db(e: &DbErr) -> String {
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(s)) => format!("connection error: {}", driver(s)),
        DbErr::Exec(RuntimeErr::SqlxError(s)) => format!("execution error: {}", driver(s)),
        DbErr::Query(RuntimeErr::SqlxError(s)) => format!("query error: {}", driver(s)),
        other => other.to_string(),
    }
}

/// A driver error without row values: for an error the database returned, its
/// SQLSTATE, constraint, table and message.
pub fn driver(e: &sqlx::Error) -> String {
    let sqlx::Error::Database(d) = e else {
        return e.to_string();
    };
    let mut out = String::from("database error");
    if let Some(code) = d.code() {
        out.push_str(&format!(" SQLSTATE {code}"));
    }
    if let Some(constraint) = d.constraint() {
        out.push_str(&format!(", constraint {constraint}"));
    }
    if let Some(table) = d.table() {
        out.push_str(&format!(", table {table}"));
    }
    out.push_str(": ");
    out.push_str(d.message());
    out
}

/// An error and its causes, joined by `: `; a database error among them is written by
/// [`db`] or [`driver`] (and ends the chain: its own causes repeat it with values).
pub fn chain(e: &(dyn Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(d) = e.downcast_ref::<DbErr>() {
            parts.push(db(d));
            break;
        }
        if let Some(s) = e.downcast_ref::<sqlx::Error>() {
            parts.push(driver(s));
            break;
        }
        parts.push(e.to_string());
        next = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use sea_orm::sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// What PostgreSQL sends for a unique violation (the fields `PgDatabaseError`
    /// holds; sqlx offers no constructor for the real type).
    struct UniqueViolation {
        message: &'static str,
        detail: &'static str,
    }

    /// Like `PgDatabaseError`'s: every field, the DETAIL line included.
    impl std::fmt::Debug for UniqueViolation {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PgDatabaseError")
                .field("message", &self.message)
                .field("detail", &self.detail)
                .finish()
        }
    }

    impl std::fmt::Display for UniqueViolation {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.message)
        }
    }

    impl Error for UniqueViolation {}

    impl DatabaseError for UniqueViolation {
        fn message(&self) -> &str {
            self.message
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some("23505".into())
        }
        fn as_error(&self) -> &(dyn Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn Error + Send + Sync + 'static> {
            self
        }
        fn constraint(&self) -> Option<&str> {
            Some("merchant_staff_phone_key")
        }
        fn table(&self) -> Option<&str> {
            Some("merchant_staff")
        }
        fn kind(&self) -> ErrorKind {
            ErrorKind::UniqueViolation
        }
    }

    fn unique_violation() -> DbErr {
        DbErr::Exec(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Database(
            Box::new(UniqueViolation {
                message: "duplicate key value violates unique constraint \"merchant_staff_phone_key\"",
                detail: "Key (phone)=(13800000000) already exists.",
            }),
        ))))
    }

    #[test]
    fn a_unique_violation_is_logged_with_code_constraint_and_table_but_not_the_values() {
        let e = unique_violation();
        // The Debug form the log used to get carries the clashing phone.
        assert!(format!("{e:?}").contains("13800000000"));
        let logged = db(&e);
        assert_eq!(
            logged,
            "execution error: database error SQLSTATE 23505, constraint merchant_staff_phone_key, \
             table merchant_staff: duplicate key value violates unique constraint \"merchant_staff_phone_key\""
        );
        assert!(!logged.contains("13800000000"));
    }

    #[test]
    fn a_chain_renders_its_database_cause_the_same_way() {
        let e = anyhow::Error::new(unique_violation()).context("saving the merchant");
        let logged = chain(e.as_ref());
        assert!(
            logged
                .starts_with("saving the merchant: execution error: database error SQLSTATE 23505")
        );
        assert!(!logged.contains("13800000000"), "{logged}");
        let plain = anyhow::anyhow!("argon2: bad parameters");
        assert_eq!(chain(plain.as_ref()), "argon2: bad parameters");
    }
}
