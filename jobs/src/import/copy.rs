//! PostgreSQL: a batch's rows travel by `COPY … FROM STDIN` into a temporary table, and
//! one set-based statement inserts the new members (skipping people active elsewhere),
//! updates the changed ones, and writes the events of both. The rows were decided in
//! Rust (`upsert::write`); this only moves them, so SQLite's statement-by-statement
//! path and this one cannot disagree on what a row does.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use entity::{member, member_event};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::{self, Acquire, Row};
use sea_orm::{ActiveModelTrait, DbErr, IdenStatic, Iterable, RuntimeErr, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::upsert::Changes;
use crate::workers::JobContext;

/// The staging table's extra columns, before those of `members`.
const EXTRA: [&str; 3] = ["row_index", "event_kind", "event_reason"];

/// Columns an update may change: never the key, the union, the creation, the
/// certification (the member may certify meanwhile) or the task that created the record.
fn updatable(column: member::Column) -> bool {
    !matches!(
        column,
        member::Column::Id
            | member::Column::OrgId
            | member::Column::IdNumberHash
            | member::Column::Certified
            | member::Column::CreatedAt
            | member::Column::ImportTaskId
    )
}

/// One of an import's connections to PostgreSQL, its transaction open from the first
/// batch it writes to the end of the file: rows are written while the rest of the file
/// is still read, and a file refused at its end (too many rows, a damaged part found
/// late) leaves nothing behind, since every lane then rolls back. Each batch runs in a
/// savepoint, so a batch that fails is redone row by row on the same lane.
pub(crate) struct Lane {
    txn: sqlx::Transaction<'static, sqlx::Postgres>,
    _permit: OwnedSemaphorePermit,
}

/// Lanes open at once in this process, however many imports run: more imports at once
/// share them. Sized by the first import's `IMPORT_WRITE_CONCURRENCY`.
static LANES: OnceLock<Arc<Semaphore>> = OnceLock::new();

impl Lane {
    /// Opens up to `wanted` lanes for one import: the first waits for a free one, the
    /// others are taken only if free. Lanes are connections of their own, outside the
    /// pool the worker shares: held for a whole import, they would starve the progress
    /// updates and the other tasks waiting on that pool.
    pub(crate) async fn open(ctx: &JobContext, wanted: usize) -> Result<Vec<Self>, DbErr> {
        let permits = LANES.get_or_init(|| Arc::new(Semaphore::new(wanted)));
        let closed = |_| DbErr::Custom("import: the lanes' semaphore closed".into());
        let mut taken = vec![permits.clone().acquire_owned().await.map_err(closed)?];
        while taken.len() < wanted
            && let Ok(permit) = permits.clone().try_acquire_owned()
        {
            taken.push(permit);
        }
        let options = ctx.db.get_postgres_connection_pool().connect_options();
        let pool = PgPoolOptions::new()
            .max_connections(taken.len() as u32)
            .connect_lazy_with((*options).clone());
        let mut lanes = Vec::with_capacity(taken.len());
        for permit in taken {
            let mut txn = pool.begin().await.map_err(db_err)?;
            stage(&mut txn).await?;
            lanes.push(Self {
                txn,
                _permit: permit,
            });
        }
        Ok(lanes)
    }

    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await.map_err(db_err)
    }

    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await.map_err(db_err)
    }
}

/// Writes the batch's new and changed records in a savepoint of the lane; returns the
/// row indexes of the new ones that were not inserted (active in another union).
pub(crate) async fn write(
    lane: &mut Lane,
    joined: &member_event::ActiveModel,
    changes: &Changes,
) -> Result<Vec<usize>, DbErr> {
    if changes.new.is_empty() && changes.changed.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<member::Column> = member::Column::iter().collect();
    let data = encode(&columns, changes)?;
    let mut txn = lane.txn.begin().await.map_err(db_err)?;
    let list = EXTRA
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut copy = txn
        .copy_in_raw(&format!("COPY import_rows ({list}) FROM STDIN"))
        .await
        .map_err(db_err)?;
    copy.send(data).await.map_err(db_err)?;
    copy.finish().await.map_err(db_err)?;

    // Built from the entity's column names only: no input reaches the SQL text.
    let inserted: HashSet<String> = sqlx::query(sqlx::AssertSqlSafe(statement(&columns, changes)))
        .bind(string_of(joined.kind.clone().into_value()))
        .bind(string_of(joined.reason.clone().into_value()))
        .bind(joined.actor_admin_id.clone().unwrap())
        .bind(joined.created_at.clone().unwrap())
        .fetch_all(&mut *txn)
        .await
        .map_err(db_err)?
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<_, _>>()
        .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    // The new rows that did not go in, told apart here: the same anti-join in SQL
    // against the `inserted` CTE is a nested loop, quadratic in the batch.
    Ok(changes
        .new
        .iter()
        .filter(|(_, row)| {
            !matches!(
                row.get(member::Column::IdNumberHash).into_value(),
                Some(Value::String(Some(hash))) if inserted.contains(&hash)
            )
        })
        .map(|(index, _)| *index)
        .collect())
}

/// Makes sure the session has its staging table. It is made once per connection and
/// empties itself at every commit (`ON COMMIT DELETE ROWS`; a lane's batches take their
/// rows out as they use them): creating and dropping a temporary table per batch cost
/// PostgreSQL about 4 ms of catalog work each time, 0.4 s of its time in a 100,000-row
/// import. Its columns are the entity's, so a connection only ever meets a table made by
/// the same code.
async fn stage(txn: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), DbErr> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('pg_temp.import_rows') IS NOT NULL")
        .fetch_one(&mut **txn)
        .await
        .map_err(db_err)?;
    if !exists {
        let names: Vec<&str> = member::Column::iter().map(|c| c.as_str()).collect();
        // Built from the entity's column names only: no input reaches the SQL text.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMPORARY TABLE import_rows ON COMMIT DELETE ROWS AS \
             SELECT 0::int AS row_index, ''::text AS event_kind, ''::text AS event_reason, {} \
             FROM members WITH NO DATA",
            names.join(", ")
        )))
        .execute(&mut **txn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Inserts the staged new rows (a person active anywhere hits the one-active index and
/// is skipped), updates the staged changed rows, writes the 入会 events of those
/// inserted and the staged events of the changed, and returns the ID hashes of the rows
/// inserted.
fn statement(columns: &[member::Column], changes: &Changes) -> String {
    // Every new row is built the same way: the first one's set columns are the batch's
    // (the others take their defaults).
    let inserted: Vec<&str> = changes.new.first().map_or_else(Vec::new, |(_, first)| {
        columns
            .iter()
            .filter(|c| first.get(**c).is_set())
            .map(|c| c.as_str())
            .collect()
    });
    let insert_list = inserted.join(", ");
    let (targets, sources): (Vec<&str>, Vec<String>) = columns
        .iter()
        .filter(|c| updatable(**c))
        .map(|c| (c.as_str(), format!("s.{}", c.as_str())))
        .unzip();
    // The batch's rows leave the staging table as they are used: a lane's transaction
    // spans many batches.
    let mut sql = String::from("WITH staged AS (DELETE FROM import_rows RETURNING *), ");
    if !changes.changed.is_empty() {
        let _ = write!(
            sql,
            "updated AS (UPDATE members m SET ({}) = ({}) FROM staged s \
             WHERE s.id IS NOT NULL AND m.id = s.id RETURNING m.id), ",
            targets.join(", "),
            sources.join(", ")
        );
    }
    if inserted.is_empty() {
        sql.push_str("inserted AS (SELECT NULL::bigint AS id, NULL::bigint AS org_id, NULL::text AS id_number_hash WHERE false), ");
    } else {
        let _ = write!(
            sql,
            "inserted AS (INSERT INTO members ({insert_list}) \
             SELECT {insert_list} FROM staged WHERE id IS NULL ORDER BY row_index \
             ON CONFLICT (id_number_hash) WHERE status = 'active' DO NOTHING \
             RETURNING id, org_id, id_number_hash), "
        );
    }
    sql.push_str(
        "events AS (INSERT INTO member_events \
           (member_id, org_id, kind, reason, actor_admin_id, created_at) \
           SELECT id, org_id, $1, $2, $3, $4 FROM inserted \
           UNION ALL \
           SELECT id, org_id, event_kind, event_reason, $3, $4 FROM staged \
           WHERE id IS NOT NULL AND event_kind IS NOT NULL) \
         SELECT id_number_hash FROM inserted",
    );
    sql
}

/// The batch as `COPY` text: a line per row, its index, its event (changed rows), then
/// every column of `members` (`\N` for what the row leaves unset: a new row's id).
fn encode(columns: &[member::Column], changes: &Changes) -> Result<Vec<u8>, DbErr> {
    let mut out = String::with_capacity((changes.new.len() + changes.changed.len()) * 400);
    let rows = changes
        .new
        .iter()
        .map(|(index, row)| (*index, row, None))
        .chain(
            changes
                .changed
                .iter()
                .map(|(index, row, event)| (*index, row, event.as_ref())),
        );
    for (index, row, event) in rows {
        let _ = write!(out, "{index}");
        let (kind, reason) = match event {
            Some(e) => (e.kind.clone().into_value(), e.reason.clone().into_value()),
            None => (None, None),
        };
        for value in [kind, reason] {
            out.push('\t');
            field(&mut out, value)?;
        }
        for column in columns {
            out.push('\t');
            field(&mut out, row.get(*column).into_value())?;
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// One value in `COPY`'s text format.
fn field(out: &mut String, value: Option<Value>) -> Result<(), DbErr> {
    match value {
        None
        | Some(
            Value::String(None)
            | Value::BigInt(None)
            | Value::Int(None)
            | Value::Bool(None)
            | Value::ChronoDate(None)
            | Value::ChronoDateTimeUtc(None),
        ) => out.push_str("\\N"),
        Some(Value::String(Some(s))) => escape(out, &s),
        Some(Value::BigInt(Some(n))) => {
            let _ = write!(out, "{n}");
        }
        Some(Value::Int(Some(n))) => {
            let _ = write!(out, "{n}");
        }
        Some(Value::Bool(Some(b))) => out.push(if b { 't' } else { 'f' }),
        Some(Value::ChronoDate(Some(d))) => {
            let _ = write!(out, "{d}");
        }
        Some(Value::ChronoDateTimeUtc(Some(t))) => out.push_str(&t.to_rfc3339()),
        Some(other) => {
            return Err(DbErr::Custom(format!(
                "import: no COPY text for the value {other:?}"
            )));
        }
    }
    Ok(())
}

/// Text with `COPY`'s escapes (a backslash, and the separators it reads).
fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn string_of(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => s,
        _ => None,
    }
}

fn db_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators_and_writes_nulls() {
        let mut out = String::new();
        field(&mut out, Some(Value::String(Some("a\tb\\c\nd".into())))).expect("copy text");
        out.push('|');
        field(&mut out, None).expect("copy text");
        out.push('|');
        field(&mut out, Some(Value::ChronoDate(None))).expect("copy text");
        out.push('|');
        field(&mut out, Some(Value::Bool(Some(false)))).expect("copy text");
        assert_eq!(out, "a\\tb\\\\c\\nd|\\N|\\N|f");
    }
}
