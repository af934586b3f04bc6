//! PostgreSQL: the statement that runs a batch of claims (see `batch_lanes`).
//!
//! Every guarantee stays per claim and in the database, exactly as for a claim on its
//! own (see `claims`): each request's claim row goes in only if it passes
//! `claims::admission_sql`, a free slot was locked for it and the limit's unique key
//! admits it; its slots are taken (`claims::take_slot_sql`) only if its claim row went
//! in. A request that is refused by its unique key does not hold back the others.
//!
//! Two requests of one member for one activity never share a batch (the second waits
//! for the next), so a claim row maps back to one request. Claim rows are inserted in
//! member order, so two batches waiting on each other's uncommitted keys (one member
//! claiming through two api processes) cannot deadlock.

use std::collections::HashMap;
use std::sync::OnceLock;

use entity::voucher;
use sea_orm::sqlx::PgPool;
use sea_orm::{FromQueryResult, QueryResult};

use crate::error::ApiResult;
use crate::services::claims::{
    Attempt, ClaimRequest, NotInserted, admission_sql, free_seq_sql, take_slot_sql,
};
use crate::services::store::batch_lanes::{Batched, Lanes, column};

/// The claim statement for a batch of claims (see `batch_lanes`).
#[derive(Debug)]
pub struct ClaimBatch;

pub type ClaimBatches = Lanes<ClaimBatch>;

/// The batch statement. `req` holds the requests (numbered by position), `wants` the
/// prizes each one probes, `probes` per prize a random start and how many slots the
/// batch wants of it. `slots` locks up to that many free slots per prize (walking the
/// free-slot index up from the start, then down from it, skipping rows other
/// transactions hold; see `claims` for why the walk is written this way), and
/// `assigned` gives the k-th request of a prize its k-th slot. `slotted` and `checked`
/// decide per request whether it got a slot, the sequence number it takes
/// (`claims::free_seq_sql`, NULL at the limit) and, when it got a slot, whether it
/// passes the checks; `claimed` inserts the claim rows of the requests that got all
/// three; `taken` hands those requests their slots. Slots locked for a request whose claim row did not go in are
/// released, unchanged, at the end of the statement. Every request's answer says what
/// `checked` saw, so a refusal needs no query of its own to be told apart.
fn batch_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let admitted = admission_sql("r.activity_id", "r.member_id", "r.account_id");
        let free_seq = free_seq_sql("r.activity_id", "r.member_id", "r.day_key", "r.lim");
        let take_slot = take_slot_sql(
            "r.member_id",
            "r.claimed_at",
            "r.name_masked",
            "r.phone_masked",
            "c.id",
        );
        format!("\
WITH req AS MATERIALIZED (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], \
    $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::text[], $9::text[]) \
    WITH ORDINALITY AS r(activity_id, member_id, account_id, day_key, lim, idempotency_key, \
    claimed_at, name_masked, phone_masked, ix)), \
  wants AS MATERIALIZED (SELECT w.ix, w.prize_id, \
    row_number() OVER (PARTITION BY w.prize_id ORDER BY w.ix) AS k \
    FROM unnest($10::bigint[], $11::bigint[]) AS w(ix, prize_id)), \
  probes AS MATERIALIZED (SELECT prize_id, MIN(start) AS start, COUNT(*) AS n \
    FROM unnest($11::bigint[], $12::bigint[]) AS p(prize_id, start) GROUP BY prize_id), \
  slots AS MATERIALIZED (SELECT p.prize_id, s.id, \
    row_number() OVER (PARTITION BY p.prize_id ORDER BY s.id) AS k \
    FROM probes p CROSS JOIN LATERAL (\
      SELECT * FROM (SELECT v.id FROM vouchers v \
        WHERE (v.prize_id, v.id) >= (p.prize_id, p.start) \
        AND v.prize_id <= p.prize_id AND v.member_id IS NULL \
        ORDER BY v.prize_id, v.id LIMIT p.n FOR UPDATE SKIP LOCKED) up \
      UNION ALL \
      SELECT * FROM (SELECT v.id FROM vouchers v \
        WHERE (v.prize_id, v.id) < (p.prize_id, p.start) \
        AND v.prize_id >= p.prize_id AND v.member_id IS NULL \
        ORDER BY v.prize_id DESC, v.id DESC LIMIT p.n FOR UPDATE SKIP LOCKED) down \
      LIMIT p.n) s), \
  assigned AS MATERIALIZED (SELECT w.ix, s.id AS slot_id FROM wants w \
    JOIN slots s ON s.prize_id = w.prize_id AND s.k = w.k), \
  slotted AS MATERIALIZED (SELECT r.*, EXISTS (SELECT 1 FROM assigned a WHERE a.ix = r.ix) \
    AS free_slots FROM req r), \
  checked AS MATERIALIZED (SELECT r.*, {free_seq} AS seq, \
    (NOT r.free_slots OR {admitted}) AS admitted FROM slotted r), \
  claimed AS (INSERT INTO claims (activity_id, member_id, app_account_id, day_key, seq, \
      idempotency_key, created_at) \
    SELECT r.activity_id, r.member_id, r.account_id, r.day_key, r.seq, r.idempotency_key, r.claimed_at \
    FROM checked r \
    WHERE r.free_slots AND r.admitted AND r.seq IS NOT NULL \
    ORDER BY r.member_id \
    ON CONFLICT DO NOTHING RETURNING id, activity_id, member_id), \
  taken AS (UPDATE vouchers v SET {take_slot} \
    FROM claimed c \
    JOIN req r ON r.activity_id = c.activity_id AND r.member_id = c.member_id \
    JOIN assigned a ON a.ix = r.ix \
    WHERE v.id = a.slot_id AND v.member_id IS NULL \
    RETURNING r.ix AS taken_ix, c.id AS new_claim_id, v.*) \
SELECT r.ix AS req_ix, r.free_slots, r.seq IS NULL AS limit_reached, r.admitted, t.* \
FROM checked r LEFT JOIN taken t ON t.taken_ix = r.ix ORDER BY r.ix, t.id")
    })
}

impl Batched for ClaimBatch {
    type Db = PgPool;
    type Request = ClaimRequest;
    type Answer = Attempt;
    /// Two claims of one member in one activity never share a batch.
    type Key = (i64, i64);

    fn key(request: &ClaimRequest) -> Option<(i64, i64)> {
        Some((request.activity_id, request.member_id))
    }

    /// One statement for the whole batch; the answers come back in request order.
    async fn execute(db: &PgPool, requests: &[&ClaimRequest]) -> ApiResult<Vec<Attempt>> {
        let mut want_ix = Vec::new();
        let mut want_prize = Vec::new();
        let mut want_start = Vec::new();
        for (i, r) in requests.iter().enumerate() {
            for &(prize_id, start) in &r.probes {
                want_ix.push(i as i64 + 1);
                want_prize.push(prize_id);
                want_start.push(start);
            }
        }
        let rows = sea_orm::sqlx::query(batch_sql())
            .bind(column(requests, |r| r.activity_id))
            .bind(column(requests, |r| r.member_id))
            .bind(column(requests, |r| r.account_id))
            .bind(column(requests, |r| r.day_key.clone()))
            .bind(column(requests, |r| r.limit))
            .bind(column(requests, |r| r.idempotency_key.clone()))
            .bind(column(requests, |r| r.now))
            .bind(column(requests, |r| r.name_masked.clone()))
            .bind(column(requests, |r| r.phone_masked.clone()))
            .bind(want_ix)
            .bind(want_prize)
            .bind(want_start)
            .fetch_all(db)
            .await?;
        let mut claimed: HashMap<i64, (i64, Vec<voucher::Model>)> = HashMap::new();
        let mut refused: HashMap<i64, NotInserted> = HashMap::new();
        for row in rows {
            let row = QueryResult::from(row);
            let ix: i64 = row.try_get("", "req_ix")?;
            refused.insert(
                ix,
                NotInserted {
                    free_slots: row.try_get("", "free_slots")?,
                    limit_reached: row.try_get("", "limit_reached")?,
                    admitted: row.try_get("", "admitted")?,
                },
            );
            if let Some(claim_id) = row.try_get::<Option<i64>>("", "new_claim_id")? {
                let voucher = voucher::Model::from_query_result(&row, "")?;
                claimed
                    .entry(ix)
                    .or_insert_with(|| (claim_id, Vec::new()))
                    .1
                    .push(voucher);
            }
        }
        Ok((1..=requests.len() as i64)
            .map(|ix| match claimed.remove(&ix) {
                Some((claim_id, vouchers)) => Attempt::Claimed { claim_id, vouchers },
                None => Attempt::NotInserted(
                    refused
                        .get(&ix)
                        .copied()
                        .unwrap_or(NotInserted::sold_out(false)),
                ),
            })
            .collect())
    }
}
