//! Voucher slots: when an activity is opened, one `vouchers` row per unit of each
//! prize's quantity, free (`member_id` NULL, status `available`) with its code already
//! drawn and the coupon's window and amount (face value) copied: later edits of the
//! coupon change neither for vouchers already issued.
//!
//! Slots are written set-based, a chunk at a time: the codes are drawn in Rust (120 bits
//! of CSPRNG randomness each, `voucher_code`), sorted so that the unique code index
//! takes them in order, and written by one statement per chunk — on PostgreSQL a
//! `COPY … FROM STDIN` (`copy_chunk`, its own transaction) or, inside a caller's
//! transaction on either backend, one `INSERT … SELECT` over the codes passed as a
//! single text parameter (`insert_chunk`). A code colliding with an existing one (a
//! chance of about n²/2¹²¹) fails its chunk on the unique index, and the chunk is drawn
//! again; nothing half-written stays.
//!
//! Small activities get their slots in the request that opens them; big ones through
//! the opening task (`crate::opening`), which counts what each prize already has and
//! creates only the rest, so it resumes after a crash.

use chrono::{DateTime, Utc};
use entity::enums::VoucherStatus;
use entity::value::voucher_code;
use entity::{activity_prize, coupon, voucher};
use rand::{RngCore, SeedableRng};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Statement, Value,
};

/// Slots one chunk writes (one statement, one transaction in the task).
pub const CHUNK: usize = 20_000;

/// Times a chunk is drawn again after a code collision before giving up.
const COLLISION_RETRIES: usize = 3;

/// What every slot of a prize copies.
#[derive(Clone, Debug)]
pub struct PrizeSlots {
    pub activity_id: i64,
    pub prize_id: i64,
    pub coupon_id: i64,
    pub quantity: i64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    pub amount_fen: i64,
}

/// The prizes of the activity with what their slots copy, in id order.
pub async fn prizes_of<C: ConnectionTrait>(
    db: &C,
    activity_id: i64,
) -> Result<Vec<PrizeSlots>, DbErr> {
    let rows = activity_prize::Entity::find()
        .filter(activity_prize::Column::ActivityId.eq(activity_id))
        .find_also_related(coupon::Entity)
        .all(db)
        .await?;
    let mut prizes: Vec<PrizeSlots> = rows
        .into_iter()
        .filter_map(|(prize, coupon)| {
            let coupon = coupon?;
            Some(PrizeSlots {
                activity_id,
                prize_id: prize.id,
                coupon_id: coupon.id,
                quantity: prize.quantity.max(0),
                valid_from: coupon.valid_from,
                valid_to: coupon.valid_to,
                amount_fen: coupon.amount_fen,
            })
        })
        .collect();
    prizes.sort_by_key(|p| p.prize_id);
    Ok(prizes)
}

/// How many slots the prize already has (free or not); by activity too, so the count
/// walks the activity's index rather than the whole table.
pub async fn existing<C: ConnectionTrait>(db: &C, prize: &PrizeSlots) -> Result<i64, DbErr> {
    let n: Option<i64> = voucher::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(voucher::Column::ActivityId.eq(prize.activity_id))
        .filter(voucher::Column::PrizeId.eq(prize.prize_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0))
}

/// `n` fresh codes, sorted: one ChaCha CSPRNG seeded from the OS per chunk, 120 bits
/// of its output per code (as `voucher_code::generate`, without a thread-local lookup
/// per code).
pub fn draw_codes(n: usize) -> Vec<String> {
    let mut rng = rand::rngs::StdRng::from_os_rng();
    let mut codes: Vec<String> = (0..n)
        .map(|_| {
            let mut bytes = [0u8; 15];
            rng.fill_bytes(&mut bytes);
            voucher_code::encode(&bytes)
        })
        .collect();
    codes.sort_unstable();
    codes
}

/// The columns every slot write sets, in the order the statements list them.
const COLUMNS: &str = "activity_id, prize_id, coupon_id, status, valid_from, valid_to, \
                       amount_fen, created_at, code";

/// Creates every slot of the activity in the caller's transaction (the request that
/// opens a small activity); returns how many.
pub async fn create_all<C: ConnectionTrait>(
    db: &C,
    activity_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut created = 0u64;
    for prize in prizes_of(db, activity_id).await? {
        // Only what is missing: an opening that was abandoned may have made some.
        let has = existing(db, &prize).await?;
        let mut left = usize::try_from(prize.quantity - has).unwrap_or(0);
        while left > 0 {
            let n = left.min(CHUNK);
            insert_chunk(db, &prize, &draw_codes(n), now).await?;
            left -= n;
            created += n as u64;
        }
    }
    Ok(created)
}

/// Writes one chunk of slots of `prize` with these codes, by one `INSERT … SELECT` in
/// the caller's transaction: PostgreSQL splits the codes out of one text parameter,
/// SQLite reads them from a JSON array.
pub async fn insert_chunk<C: ConnectionTrait>(
    db: &C,
    prize: &PrizeSlots,
    codes: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let (source, list) = match backend {
        DatabaseBackend::Postgres => (
            "unnest(string_to_array($9, ',')) AS c(code)",
            codes.join(","),
        ),
        _ => (
            "(SELECT value AS code FROM json_each($9)) AS c",
            serde_json::to_string(codes).map_err(|e| DbErr::Custom(e.to_string()))?,
        ),
    };
    let sql = format!(
        "INSERT INTO vouchers ({COLUMNS}) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, c.code FROM {source}"
    );
    let values: Vec<Value> = vec![
        prize.activity_id.into(),
        prize.prize_id.into(),
        prize.coupon_id.into(),
        status_value().into(),
        prize.valid_from.into(),
        prize.valid_to.into(),
        prize.amount_fen.into(),
        now.into(),
        list.into(),
    ];
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Writes `n` slots of `prize` in a transaction of their own, drawing the chunk again
/// if a code collides: `COPY` on PostgreSQL, `insert_chunk` elsewhere.
pub async fn write_chunk(
    db: &DatabaseConnection,
    prize: &PrizeSlots,
    n: usize,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut attempt = 0;
    loop {
        let codes = draw_codes(n);
        let written = match db.get_database_backend() {
            DatabaseBackend::Postgres => copy_chunk(db, prize, &codes, now).await,
            _ => {
                use sea_orm::TransactionTrait;
                let txn = db.begin().await?;
                match insert_chunk(&txn, prize, &codes, now).await {
                    Ok(()) => txn.commit().await,
                    Err(e) => Err(e),
                }
            }
        };
        match written {
            Err(e) if attempt < COLLISION_RETRIES && is_unique_violation(&e) => {
                attempt += 1;
                tracing::warn!(
                    prize_id = prize.prize_id,
                    attempt,
                    "voucher code collision; chunk drawn again"
                );
            }
            other => return other,
        }
    }
}

/// One chunk through `COPY vouchers (…) FROM STDIN` (text format) on a pooled
/// connection, in its own transaction.
async fn copy_chunk(
    db: &DatabaseConnection,
    prize: &PrizeSlots,
    codes: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let fixed = format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
        prize.activity_id,
        prize.prize_id,
        prize.coupon_id,
        status_value(),
        pg_time(prize.valid_from),
        pg_time(prize.valid_to),
        prize.amount_fen,
        pg_time(now),
    );
    let mut data = String::with_capacity(codes.len() * (fixed.len() + voucher_code::CODE_LEN + 1));
    for code in codes {
        data.push_str(&fixed);
        data.push_str(code);
        data.push('\n');
    }
    let pool = db.get_postgres_connection_pool();
    let mut tx = pool.begin().await.map_err(sqlx_err)?;
    let mut copy = tx
        .copy_in_raw(&format!("COPY vouchers ({COLUMNS}) FROM STDIN"))
        .await
        .map_err(sqlx_err)?;
    if let Err(e) = copy.send(data.as_bytes()).await {
        let _ = copy.abort("send failed").await;
        return Err(sqlx_err(e));
    }
    copy.finish().await.map_err(sqlx_err)?;
    tx.commit().await.map_err(sqlx_err)
}

fn status_value() -> String {
    use sea_orm::ActiveEnum;
    VoucherStatus::Available.to_value()
}

/// A timestamp as PostgreSQL's text input reads it.
fn pg_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
}

fn sqlx_err(e: sea_orm::sqlx::Error) -> DbErr {
    let unique = e
        .as_database_error()
        .is_some_and(|d| d.is_unique_violation());
    if unique {
        DbErr::Custom(format!("{UNIQUE_MARK}{e}"))
    } else {
        DbErr::Custom(e.to_string())
    }
}

const UNIQUE_MARK: &str = "unique violation: ";

fn is_unique_violation(e: &DbErr) -> bool {
    match e {
        DbErr::Custom(m) => m.starts_with(UNIQUE_MARK),
        other => matches!(
            other.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_of_codes_is_sorted_distinct_and_of_the_code_alphabet() {
        let codes = draw_codes(5_000);
        assert_eq!(codes.len(), 5_000);
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        assert!(
            codes
                .iter()
                .all(|c| voucher_code::normalize(c).as_deref() == Some(c.as_str()))
        );
    }

    #[test]
    fn timestamps_are_written_as_postgresql_reads_them() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T14:05:06.123456Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(pg_time(t), "2026-12-03 14:05:06.123456+00");
    }
}
