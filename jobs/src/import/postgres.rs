//! PostgreSQL: a batch's rows travel as one array per column, bound to one set-based
//! statement that inserts the new members (skipping people active elsewhere), updates
//! the changed ones, and writes the events of both. The rows were decided in Rust
//! (`upsert::write`); this only moves them, so SQLite's statement-by-statement path and
//! this one cannot disagree on what a row does.
//!
//! Arrays, not `COPY` into a staging table: the statement arrives with its data in one
//! round trip, and the rows are not written twice (the staging table, emptied per batch,
//! kept its dead rows until the lane's transaction ended and was scanned whole by every
//! batch).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use entity::{member, member_event};
use sea_orm::sqlx::postgres::PgArguments;
use sea_orm::sqlx::postgres::{PgPool, PgPoolOptions};
use sea_orm::sqlx::query::Query;
use sea_orm::sqlx::{self, Acquire, Row};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, DatabaseBackend, DatabaseConnection, DbErr,
    IdenStatic, Iterable, RuntimeErr, Value,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::upsert::Changes;
use crate::settings::Settings;

/// The unique index that keeps a person active in one union at a time.
const ONE_ACTIVE: &str = "idx_members_one_active";

/// The batch's extra columns, before those of `members`.
const EXTRA: [&str; 2] = ["event_kind", "event_reason"];

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

/// The connections imports write on (PostgreSQL; see `Lane`), made once per process
/// beside its pool: at most `IMPORT_WRITE_CONCURRENCY` lanes are open at once, however
/// many imports run (more imports at once share them). They are connections of their
/// own, outside the pool the worker shares: held for a whole import, they would starve
/// the progress updates and the other tasks waiting on that pool.
#[derive(Clone, Debug)]
pub struct ImportLanes {
    pool: PgPool,
    free: Arc<Semaphore>,
}

impl ImportLanes {
    /// None on SQLite, which has one writer and no lanes. The connections open when an
    /// import first asks for them.
    pub fn for_database(db: &DatabaseConnection, settings: &Settings) -> Option<Self> {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return None;
        }
        let lanes = settings.import_write_concurrency.max(1);
        let options = db.get_postgres_connection_pool().connect_options();
        Some(Self {
            pool: PgPoolOptions::new()
                .max_connections(lanes as u32)
                .connect_lazy_with((*options).clone()),
            free: Arc::new(Semaphore::new(lanes)),
        })
    }
}

/// One of an import's connections to PostgreSQL, its transaction open from the first
/// batch it writes to the end of the file: rows are written while the rest of the file
/// is still read, and a file refused at its end (too many rows, a damaged part found
/// late) leaves nothing behind, since every lane then rolls back. Each batch runs in a
/// savepoint, so a batch that fails is written again on the same lane: skipping people
/// active elsewhere (`skip_active`) when it met one, else row by row (`upsert::apply`).
pub(crate) struct Lane {
    txn: sqlx::Transaction<'static, sqlx::Postgres>,
    /// Whether this lane's inserts skip people active elsewhere (`ON CONFLICT … DO
    /// NOTHING`) from the start: set once a batch met one. Until then a batch inserts
    /// plainly, which spares PostgreSQL the speculative insertion (a check of the
    /// one-active index before each row and a second WAL record after it) in the files
    /// that hold nobody from another union, most of them.
    skip_active: bool,
    _permit: OwnedSemaphorePermit,
}

impl Lane {
    /// Opens the lanes of one import: the first waits for a free one, the others are
    /// taken only if free.
    pub(crate) async fn open(lanes: &ImportLanes) -> Result<Vec<Self>, DbErr> {
        let closed = |_| DbErr::Custom("import: the lanes' semaphore closed".into());
        let mut taken = vec![lanes.free.clone().acquire_owned().await.map_err(closed)?];
        while let Ok(permit) = lanes.free.clone().try_acquire_owned() {
            taken.push(permit);
        }
        let mut opened = Vec::with_capacity(taken.len());
        for permit in taken {
            let txn = lanes.pool.begin().await.map_err(db_err)?;
            opened.push(Self {
                txn,
                skip_active: false,
                _permit: permit,
            });
        }
        Ok(opened)
    }

    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await.map_err(db_err)
    }

    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await.map_err(db_err)
    }
}

/// Writes the batch's new and changed records in a savepoint of the lane; returns the
/// row indexes of the new ones that were not inserted (active in another union). The
/// records' values move into the statement's arrays (`changes` keeps their row indexes).
pub(crate) async fn write(
    lane: &mut Lane,
    joined: &member_event::ActiveModel,
    changes: &mut Changes,
) -> Result<Vec<usize>, DbErr> {
    if changes.new.is_empty() && changes.changed.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<member::Column> = member::Column::iter().collect();
    let shape = Shape::of(&columns, changes);
    let arrays = arrays(&columns, changes)?;
    match attempt(lane, &shape, &arrays, joined, changes).await {
        Err(e) if !lane.skip_active && !changes.new.is_empty() && hits_one_active(&e) => {
            // Someone in the batch is active in another union: the savepoint is gone,
            // so the batch is written again, skipping them (as the rest of the lane will).
            lane.skip_active = true;
            attempt(lane, &shape, &arrays, joined, changes).await
        }
        other => other,
    }
}

/// What the statement of a batch looks like: the columns of `members`, those its new
/// rows set (every new row is built the same way, so the first one's), and whether it
/// has changed rows.
struct Shape<'c> {
    columns: &'c [member::Column],
    inserted: Vec<&'static str>,
    has_changed: bool,
}

impl<'c> Shape<'c> {
    fn of(columns: &'c [member::Column], changes: &Changes) -> Self {
        let inserted = changes.new.first().map_or_else(Vec::new, |(_, first)| {
            columns
                .iter()
                .filter(|c| first.get(**c).is_set())
                .map(|c| c.as_str())
                .collect()
        });
        Self {
            columns,
            inserted,
            has_changed: !changes.changed.is_empty(),
        }
    }
}

/// One try at the batch in a savepoint (rolled back if it fails); returns the row
/// indexes of the new rows skipped (none unless the lane skips people active elsewhere:
/// a plain insert puts every row in or fails).
async fn attempt(
    lane: &mut Lane,
    shape: &Shape<'_>,
    arrays: &[Array],
    joined: &member_event::ActiveModel,
    changes: &Changes,
) -> Result<Vec<usize>, DbErr> {
    let skip_active = lane.skip_active;
    let sql = statement(shape, arrays, skip_active);
    let mut txn = lane.txn.begin().await.map_err(db_err)?;
    // Built from the entity's column names and types only: no input reaches the SQL text.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(string_of(joined.kind.clone().into_value()))
        .bind(string_of(joined.reason.clone().into_value()))
        .bind(joined.actor_admin_id.clone().unwrap())
        .bind(joined.created_at.clone().unwrap());
    for array in arrays {
        query = array.bind(query);
    }
    let skipped = if skip_active {
        let inserted: HashSet<String> = query
            .fetch_all(&mut *txn)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        // Told apart here: the same anti-join in SQL against the `inserted` CTE is a
        // nested loop, quadratic in the batch. The new rows come first in the arrays.
        let hashes = (shape.columns.iter())
            .position(|c| matches!(c, member::Column::IdNumberHash))
            .and_then(|i| arrays.get(EXTRA.len() + i))
            .and_then(Array::texts)
            .ok_or_else(|| DbErr::Custom("import: no ID hash array".into()))?;
        changes
            .new
            .iter()
            .zip(hashes)
            .filter(|(_, hash)| !hash.as_ref().is_some_and(|h| inserted.contains(h)))
            .map(|((index, _), _)| *index)
            .collect()
    } else {
        query.execute(&mut *txn).await.map_err(db_err)?;
        Vec::new()
    };
    txn.commit().await.map_err(db_err)?;
    Ok(skipped)
}

/// Whether the statement failed on the index that keeps a person active in one union.
fn hits_one_active(e: &DbErr) -> bool {
    let DbErr::Query(RuntimeErr::SqlxError(e)) = e else {
        return false;
    };
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation() && d.constraint() == Some(ONE_ACTIVE))
}

/// Inserts the batch's new rows (with `skip_active`, a person active anywhere hits the
/// one-active index and is skipped; without, the statement fails), updates its changed
/// rows, writes the 入会 events of those inserted and the events of the changed, and
/// (with `skip_active`) returns the ID hashes of the rows inserted. `$1`–`$4` are the
/// 入会 event's kind, reason, admin and time; the arrays follow, in `EXTRA`'s then the
/// entity's column order.
fn statement(shape: &Shape<'_>, arrays: &[Array], skip_active: bool) -> String {
    let Shape {
        columns,
        inserted,
        has_changed,
    } = shape;
    let insert_list = inserted.join(", ");
    let (targets, sources): (Vec<&str>, Vec<String>) = columns
        .iter()
        .filter(|c| updatable(**c))
        .map(|c| (c.as_str(), format!("s.{}", c.as_str())))
        .unzip();
    let names = EXTRA
        .iter()
        .copied()
        .chain(columns.iter().map(|c| c.as_str()));
    let staged = arrays
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (a, name))| format!("unnest(${}::{}) AS {name}", i + 5, a.sql_type()))
        .collect::<Vec<_>>()
        .join(", ");
    // The arrays are unnested side by side in the select list, which streams their rows
    // (in the arrays' order, the file's, so a batch's new members get their ids in file
    // order without a sort); `FROM unnest(…)` would first store them all.
    let mut sql = format!("WITH staged AS (SELECT {staged}), ");
    if *has_changed {
        let _ = write!(
            sql,
            "updated AS (UPDATE members m SET ({}) = ({}) FROM staged s \
             WHERE s.id IS NOT NULL AND m.id = s.id RETURNING m.id), ",
            targets.join(", "),
            sources.join(", ")
        );
    }
    // The ID hashes come back only when people active elsewhere are skipped: a plain
    // insert puts every new row in or fails.
    let returning = if skip_active {
        "id, org_id, id_number_hash"
    } else {
        "id, org_id"
    };
    if inserted.is_empty() {
        sql.push_str("inserted AS (SELECT NULL::bigint AS id, NULL::bigint AS org_id, NULL::text AS id_number_hash WHERE false), ");
    } else {
        let skip = if skip_active {
            "ON CONFLICT (id_number_hash) WHERE status = 'active' DO NOTHING"
        } else {
            ""
        };
        let _ = write!(
            sql,
            "inserted AS (INSERT INTO members ({insert_list}) \
             SELECT {insert_list} FROM staged WHERE id IS NULL {skip} \
             RETURNING {returning}), "
        );
    }
    sql.push_str(
        "events AS (INSERT INTO member_events \
           (member_id, org_id, kind, reason, actor_admin_id, created_at) \
           SELECT id, org_id, $1, $2, $3, $4 FROM inserted",
    );
    // A batch of new rows only reads `staged` once, so PostgreSQL reads the arrays
    // straight into the insert instead of storing them for a second reader.
    if *has_changed {
        sql.push_str(
            " UNION ALL SELECT id, org_id, event_kind, event_reason, $3, $4 FROM staged \
             WHERE id IS NOT NULL AND event_kind IS NOT NULL",
        );
    }
    sql.push_str(if skip_active {
        ") SELECT id_number_hash FROM inserted"
    } else {
        ") SELECT 1"
    });
    sql
}

/// The batch as one array per column, rows in file order: each row's event (changed
/// rows), then every column of `members` (NULL for what the row leaves unset: a new
/// row's id). The values are taken out of the records, not copied.
fn arrays(columns: &[member::Column], changes: &mut Changes) -> Result<Vec<Array>, DbErr> {
    let size = changes.new.len() + changes.changed.len();
    let mut kinds = Array::Text(Vec::with_capacity(size));
    let mut reasons = Array::Text(Vec::with_capacity(size));
    let mut values = columns
        .iter()
        .map(|c| Array::of(c.def().get_column_type(), size))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = changes.new.iter_mut().map(|(_, row)| (row, None)).chain(
        changes
            .changed
            .iter_mut()
            .map(|(_, row, event)| (row, event.as_ref())),
    );
    for (row, event) in rows {
        let (kind, reason) = match event {
            Some(e) => (e.kind.clone().into_value(), e.reason.clone().into_value()),
            None => (None, None),
        };
        kinds.push(kind)?;
        reasons.push(reason)?;
        for (column, array) in columns.iter().zip(&mut values) {
            array.push(row.take(*column).into_value())?;
        }
    }
    Ok([kinds, reasons].into_iter().chain(values).collect())
}

/// One column of a batch, bound as a PostgreSQL array.
enum Array {
    BigInt(Vec<Option<i64>>),
    Int(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Date(Vec<Option<NaiveDate>>),
    Time(Vec<Option<DateTime<Utc>>>),
}

impl Array {
    /// An empty array for a column of this type.
    fn of(column_type: &ColumnType, size: usize) -> Result<Self, DbErr> {
        Ok(match column_type {
            ColumnType::BigInteger => Self::BigInt(Vec::with_capacity(size)),
            ColumnType::Integer => Self::Int(Vec::with_capacity(size)),
            ColumnType::String(_) | ColumnType::Text | ColumnType::Enum { .. } => {
                Self::Text(Vec::with_capacity(size))
            }
            ColumnType::Boolean => Self::Bool(Vec::with_capacity(size)),
            ColumnType::Date => Self::Date(Vec::with_capacity(size)),
            ColumnType::TimestampWithTimeZone => Self::Time(Vec::with_capacity(size)),
            other => {
                return Err(DbErr::Custom(format!(
                    "import: no array for the column type {other:?}"
                )));
            }
        })
    }

    fn sql_type(&self) -> &'static str {
        match self {
            Self::BigInt(_) => "int8[]",
            Self::Int(_) => "int4[]",
            Self::Text(_) => "text[]",
            Self::Bool(_) => "bool[]",
            Self::Date(_) => "date[]",
            Self::Time(_) => "timestamptz[]",
        }
    }

    /// Adds a row's value (`None`: unset, written as NULL).
    fn push(&mut self, value: Option<Value>) -> Result<(), DbErr> {
        match (self, value) {
            (Self::BigInt(a), None) => a.push(None),
            (Self::Int(a), None) => a.push(None),
            (Self::Text(a), None) => a.push(None),
            (Self::Bool(a), None) => a.push(None),
            (Self::Date(a), None) => a.push(None),
            (Self::Time(a), None) => a.push(None),
            (Self::BigInt(a), Some(Value::BigInt(v))) => a.push(v),
            (Self::Int(a), Some(Value::Int(v))) => a.push(v),
            (Self::Text(a), Some(Value::String(v))) => a.push(v),
            (Self::Bool(a), Some(Value::Bool(v))) => a.push(v),
            (Self::Date(a), Some(Value::ChronoDate(v))) => a.push(v),
            (Self::Time(a), Some(Value::ChronoDateTimeUtc(v))) => a.push(v),
            (array, Some(other)) => {
                return Err(DbErr::Custom(format!(
                    "import: the value {other:?} does not go in a {} column",
                    array.sql_type()
                )));
            }
        }
        Ok(())
    }

    /// The values of a text column.
    fn texts(&self) -> Option<&[Option<String>]> {
        match self {
            Self::Text(a) => Some(a),
            _ => None,
        }
    }

    /// Binds the array by reference: a batch written again binds the same arrays.
    fn bind<'q>(
        &'q self,
        query: Query<'q, sqlx::Postgres, PgArguments>,
    ) -> Query<'q, sqlx::Postgres, PgArguments> {
        match self {
            Self::BigInt(a) => query.bind(a.as_slice()),
            Self::Int(a) => query.bind(a.as_slice()),
            Self::Text(a) => query.bind(a.as_slice()),
            Self::Bool(a) => query.bind(a.as_slice()),
            Self::Date(a) => query.bind(a.as_slice()),
            Self::Time(a) => query.bind(a.as_slice()),
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
    fn values_go_in_arrays_of_their_column_type_and_unset_ones_are_null() {
        let mut text = Array::of(&ColumnType::Text, 2).expect("text column");
        text.push(Some(Value::String(Some("a\tb".into()))))
            .expect("a string");
        text.push(None).expect("unset");
        assert!(matches!(&text, Array::Text(v) if v == &[Some("a\tb".to_owned()), None]));
        let mut date = Array::of(&ColumnType::Date, 1).expect("date column");
        assert!(
            date.push(Some(Value::String(Some("2026-12-04".into()))))
                .is_err()
        );
        assert_eq!(date.sql_type(), "date[]");
    }
}
