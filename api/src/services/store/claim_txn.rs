//! A claim as one transaction of a few statements: SQLite's only way (its single
//! writer serialises them), and PostgreSQL's for a claim under an annual welfare
//! budget (`welfare`), which must lock the member's year row — something the batch
//! statement of `claim_batch` does not do, so such claims leave the lanes.
//!
//! Insert the claim row with the smallest free sequence number (`free_seq_sql`) if
//! `admission_sql` holds (the unique key refuses a number taken meanwhile; when nothing
//! went in, one more statement tells the limit and the checks apart), take one free slot per probed prize (skipping
//! slots other transactions hold, on PostgreSQL), roll back if none was free; under a
//! budget, then lock the member's row of the year and sum the year's vouchers, this
//! claim's included, rolling back when the sum is past the cap.

use entity::voucher;
use jobs::database::stmt;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult, TransactionTrait, Value,
};

use crate::error::ApiResult;
use crate::services::claims::{
    Attempt, ClaimRequest, NotInserted, admission_sql, free_seq_sql, take_slot_sql,
};
use crate::services::welfare;

pub async fn attempt(db: &DatabaseConnection, c: ClaimRequest) -> ApiResult<Attempt> {
    let backend = db.get_database_backend();
    let values = || -> Vec<Value> {
        vec![
            c.activity_id.into(),
            c.member_id.into(),
            c.account_id.into(),
            c.day_key.clone().into(),
            c.idempotency_key.clone().into(),
            c.now.into(),
            c.limit.into(),
            c.name_masked.clone().into(),
            c.phone_masked.clone().into(),
        ]
    };
    let free_seq = free_seq_sql("$1", "$2", "$4", "$7");
    let admitted = admission_sql("$1", "$2", "$3");
    let txn = db.begin().await?;
    let inserted = txn
        .query_one_raw(stmt(
            backend,
            &format!(
                "INSERT INTO claims (activity_id, member_id, app_account_id, day_key, seq, \
                 idempotency_key, created_at) \
                 SELECT $1, $2, $3, $4, f.seq, $5, $6 FROM (SELECT {free_seq} AS seq) f \
                 WHERE f.seq IS NOT NULL AND {admitted} \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            values(),
        ))
        .await?;
    let Some(row) = inserted else {
        let seen = txn
            .query_one_raw(stmt(
                backend,
                &format!("SELECT {free_seq} IS NULL AS limit_reached, {admitted} AS admitted"),
                values(),
            ))
            .await?;
        txn.rollback().await?;
        let (limit_reached, admitted) = match seen {
            Some(row) => (
                row.try_get("", "limit_reached")?,
                row.try_get("", "admitted")?,
            ),
            None => (false, true),
        };
        return Ok(Attempt::NotInserted(NotInserted {
            free_slots: true,
            limit_reached,
            admitted,
        }));
    };
    let claim_id: i64 = row.try_get("", "id")?;
    let lock = match backend {
        DatabaseBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let take_slot = format!(
        "UPDATE vouchers SET {} \
         WHERE member_id IS NULL AND id = COALESCE(\
         (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
          AND id >= $12 ORDER BY id LIMIT 1{lock}), \
         (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
          AND id < $12 ORDER BY id DESC LIMIT 1{lock})) \
         RETURNING *",
        take_slot_sql("$2", "$6", "$8", "$9", "$10")
    );
    let mut vouchers = Vec::with_capacity(c.probes.len());
    for (prize_id, start) in &c.probes {
        let mut values = values();
        values.extend([claim_id.into(), (*prize_id).into(), (*start).into()]);
        if let Some(row) = txn.query_one_raw(stmt(backend, &take_slot, values)).await? {
            vouchers.push(voucher::Model::from_query_result(&row, "")?);
        }
    }
    if vouchers.is_empty() {
        txn.rollback().await?;
        return Ok(Attempt::NotInserted(NotInserted::sold_out(false)));
    }
    if let Some(budget) = c.budget {
        let claim_fen: i64 = vouchers.iter().map(|v| v.amount_fen).sum();
        txn.execute_raw(stmt(
            backend,
            welfare::LOCK_SQL,
            vec![c.member_id.into(), budget.year.into(), c.now.into()],
        ))
        .await?;
        // A statement of its own, after the lock: on PostgreSQL its snapshot includes
        // every claim of the member committed before the lock was granted.
        let total: i64 = match txn
            .query_one_raw(stmt(
                backend,
                welfare::TOTAL_SQL,
                vec![c.member_id.into(), budget.from.into(), budget.to.into()],
            ))
            .await?
        {
            Some(row) => row.try_get("", "total")?,
            None => claim_fen,
        };
        if total > budget.cap_fen {
            txn.rollback().await?;
            return Ok(Attempt::OverBudget {
                used_fen: total - claim_fen,
                claim_fen,
            });
        }
        txn.execute_raw(stmt(
            backend,
            welfare::RECORD_SQL,
            vec![c.member_id.into(), budget.year.into(), total.into()],
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(Attempt::Claimed { claim_id, vouchers })
}
