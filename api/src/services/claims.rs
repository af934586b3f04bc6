//! Claiming vouchers (领券), correct under a holiday rush.
//!
//! A claim gives **one voucher of every prize of the activity that still has a free
//! slot** (a gift package: a cake coupon and a drink coupon claimed together); it is
//! `SOLD_OUT` only when every prize is gone. One claim counts once against the
//! member's limit, whatever the number of vouchers it gave.
//!
//! Guarantees, each enforced by the database, on both backends:
//! - never more vouchers than a prize's quantity: the vouchers exist beforehand as free
//!   slots, one row per unit, and a claim takes one whose `member_id` is still NULL,
//!   locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the single writer
//!   serialises the same update;
//! - never more than the member's limit: the claim row's unique key
//!   `(activity_id, member_id, day_key, seq)` with `seq <= N`, written atomically with
//!   the slots it takes (one statement on PostgreSQL, a transaction on SQLite);
//! - a retried request with the same `Idempotency-Key` returns the first claim's
//!   vouchers (unique `(member_id, idempotency_key)`).
//!
//! Claims run in parallel: concurrent claimers probe the free-slot index from random
//! ids and skip rows another transaction holds, so no single row serialises them.
//! Keeping the probe O(1): see `random_start`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::activity_state::ActivityStatus;
use entity::enums::{ClaimLimitKind, MemberStatus, VoucherStatus};
use entity::{claim, voucher};
use jobs::clock::beijing;
use jobs::database::stmt;
use rand::Rng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait, Value,
};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope;
use crate::services::claim_batches::{Attempt, ClaimRequest};
use crate::services::rush_cache::{ActivitySnapshot, Holder};
use crate::state::AppState;

/// Why a member cannot claim now (the 409 codes of the claim route).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotInWindow,
    NotEligible,
    LimitReached,
    SoldOut,
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Self::NotInWindow => ErrorCode::NotInWindow,
            Self::NotEligible => ErrorCode::NotEligible,
            Self::LimitReached => ErrorCode::LimitReached,
            Self::SoldOut => ErrorCode::SoldOut,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::NotInWindow => "不在活动时间内，不能领取",
            Self::NotEligible => {
                "不符合领取条件（须为已认证的在籍会员，生日活动仅限生日在活动期间的会员）"
            }
            Self::LimitReached => "已达到领取次数上限",
            Self::SoldOut => "已领完",
        }
    }

    pub fn into_error(self) -> ApiError {
        ApiError::conflict(self.code(), self.message())
    }
}

/// The checks that need no count: window, member status, birthday rule.
pub fn precheck(
    snapshot: &ActivitySnapshot,
    holder: &Holder,
    now: DateTime<Utc>,
) -> Option<Refusal> {
    let a = &snapshot.activity;
    if now < a.starts_at || now >= a.ends_at {
        return Some(Refusal::NotInWindow);
    }
    let member = holder.member.as_ref()?;
    if member.status != MemberStatus::Active {
        return Some(Refusal::NotEligible);
    }
    if a.birthday_only {
        let from = a.starts_at.with_timezone(&beijing()).date_naive();
        let to = a.ends_at.with_timezone(&beijing()).date_naive();
        if !member
            .birth_date
            .is_some_and(|b| birthday_between(b, from, to))
        {
            return Some(Refusal::NotEligible);
        }
    }
    None
}

/// Whether a birthday (month and day of `birth`) falls on a date in `from..=to`; a
/// 29 February birthday counts on 28 February in other years.
pub fn birthday_between(birth: NaiveDate, from: NaiveDate, to: NaiveDate) -> bool {
    (from.year()..=to.year()).any(|year| {
        let day = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28));
        day.is_some_and(|d| from <= d && d <= to)
    })
}

/// The limit's day key and the number of claims it allows within it.
pub fn limit_key(a: &entity::activity::Model, now: DateTime<Utc>) -> (String, i32) {
    match a.claim_limit_kind {
        ClaimLimitKind::Once => ("once".to_owned(), 1),
        ClaimLimitKind::PerDay => (
            now.with_timezone(&beijing()).date_naive().to_string(),
            a.claim_limit_times.unwrap_or(1).max(1),
        ),
    }
}

/// What a claim produced (or produced the first time, for a retried request).
#[derive(Debug)]
pub struct Claimed {
    pub claim_id: i64,
    pub vouchers: Vec<voucher::Model>,
    pub snapshot: Arc<ActivitySnapshot>,
    pub replayed: bool,
}

/// Checks an `Idempotency-Key` header value: 1–64 visible ASCII characters.
pub fn parse_idempotency_key(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(k) if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        Some(_) => Err(ApiError::validation(
            "Idempotency-Key 请求头应为1至64个可见ASCII字符",
        )),
    }
}

/// Claims in an activity for the account's certified member.
#[tracing::instrument(skip(state, idempotency_key), fields(account_id, activity_id))]
pub async fn claim(
    state: &AppState,
    account_id: i64,
    activity_id: i64,
    idempotency_key: Option<String>,
) -> ApiResult<Claimed> {
    let now = state.clock.now();
    let holder = state.cache.holder(&state.db, account_id).await?;
    let Some(member) = holder.member.clone() else {
        return Err(ApiError::conflict(
            ErrorCode::NotEligible,
            "请先完成工会会员实名认证后再领取",
        ));
    };
    let snapshot = state
        .cache
        .activity(&state.db, activity_id)
        .await?
        .filter(|s| scope::member_sees(s, &holder) || scope::member_saw_closed(s, &holder))
        .ok_or(ApiError::NotFound("活动"))?;
    if !is_open(snapshot.activity.status) {
        return Err(Refusal::NotInWindow.into_error());
    }
    if let Some(refusal) = precheck(&snapshot, &holder, now) {
        return Err(refusal.into_error());
    }
    let (day_key, times) = limit_key(&snapshot.activity, now);
    let backend = state.db.get_database_backend();

    let mut request = ClaimRequest {
        activity_id,
        member_id: member.id,
        account_id,
        day_key: day_key.clone(),
        seq: 1,
        idempotency_key: idempotency_key.clone(),
        now,
        name_masked: entity::value::mask_name(&member.name),
        phone_masked: entity::value::mask_phone(&member.phone),
        probes: snapshot
            .prizes
            .iter()
            .filter(|p| !state.cache.sold_out(p.prize_id))
            .filter_map(|p| p.slot_ids.map(|range| (p.prize_id, random_start(range))))
            .collect(),
    };
    // The claim takes sequence number 1 of its day key; when that is taken (a per-day
    // limit of N), the next free one after what is used, at most N.
    while request.seq <= times {
        let attempt = if request.probes.is_empty() {
            Attempt::NotInserted { free_slots: false }
        } else if backend == DatabaseBackend::Postgres {
            state.claim_batches.run(request.clone()).await?
        } else {
            claim_in_transaction(&state.db, &request).await?
        };
        let free_slots = match attempt {
            Attempt::Claimed { claim_id, vouchers } => {
                remember_sold_out(state, &request, &vouchers);
                tracing::info!(claim_id, vouchers = vouchers.len(), "claimed");
                return Ok(Claimed {
                    claim_id,
                    vouchers,
                    snapshot,
                    replayed: false,
                });
            }
            Attempt::NotInserted { free_slots } => {
                if !free_slots {
                    remember_sold_out(state, &request, &[]);
                }
                free_slots
            }
        };
        match diagnose(
            state,
            &holder,
            &snapshot,
            &day_key,
            times,
            idempotency_key.as_deref(),
            free_slots,
        )
        .await?
        {
            Diagnosis::Replay(claim) => {
                let vouchers = vouchers_of_claim(&state.db, &claim).await?;
                return Ok(Claimed {
                    claim_id: claim.id,
                    vouchers,
                    snapshot,
                    replayed: true,
                });
            }
            Diagnosis::Refused(r) => return Err(r.into_error()),
            Diagnosis::Retry { .. } if !free_slots => return Err(Refusal::SoldOut.into_error()),
            Diagnosis::Retry { used } => request.seq = (used + 1).max(request.seq + 1),
        }
    }
    Err(Refusal::LimitReached.into_error())
}

/// SQLite (the embedded mode, one writer at a time): the claim in a transaction —
/// insert the claim row with sequence number $7 of its day key (the unique key refuses
/// a number already used) while the account is still linked to that active member and
/// the activity is still open, take one free slot per prize, roll back if none was
/// free. PostgreSQL runs the same steps as one statement for a batch of claims
/// (`claim_batches`).
async fn claim_in_transaction(db: &DatabaseConnection, c: &ClaimRequest) -> ApiResult<Attempt> {
    let backend = db.get_database_backend();
    let values = || -> Vec<Value> {
        vec![
            c.activity_id.into(),
            c.member_id.into(),
            c.account_id.into(),
            c.day_key.clone().into(),
            c.idempotency_key.clone().into(),
            c.now.into(),
            c.seq.into(),
            c.name_masked.clone().into(),
            c.phone_masked.clone().into(),
        ]
    };
    let txn = db.begin().await?;
    let inserted = txn
        .query_one_raw(stmt(
            backend,
            "INSERT INTO claims (activity_id, member_id, app_account_id, day_key, seq, \
             idempotency_key, created_at) \
             SELECT $1, $2, $3, $4, $7, $5, $6 \
             WHERE EXISTS (SELECT 1 FROM app_accounts a JOIN members m ON m.id = a.member_id \
               WHERE a.id = $3 AND m.id = $2 AND m.status = 'active') \
             AND EXISTS (SELECT 1 FROM activities WHERE id = $1 AND status = 'open') \
             ON CONFLICT DO NOTHING RETURNING id",
            values(),
        ))
        .await?;
    let Some(row) = inserted else {
        txn.rollback().await?;
        return Ok(Attempt::NotInserted { free_slots: true });
    };
    let claim_id: i64 = row.try_get("", "id")?;
    let mut vouchers = Vec::with_capacity(c.probes.len());
    for (prize_id, start) in &c.probes {
        let mut values = values();
        values.extend([claim_id.into(), (*prize_id).into(), (*start).into()]);
        let taken = txn
            .query_one_raw(stmt(
                backend,
                "UPDATE vouchers SET member_id = $2, status = 'unused', claimed_at = $6, \
                 holder_name_masked = $8, holder_phone_masked = $9, claim_id = $10 \
                 WHERE member_id IS NULL AND id = COALESCE(\
                 (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
                  AND id >= $12 ORDER BY id LIMIT 1), \
                 (SELECT id FROM vouchers WHERE prize_id = $11 AND member_id IS NULL \
                  AND id < $12 ORDER BY id DESC LIMIT 1)) \
                 RETURNING *",
                values,
            ))
            .await?;
        if let Some(row) = taken {
            vouchers.push(voucher::Model::from_query_result(&row, "")?);
        }
    }
    if vouchers.is_empty() {
        txn.rollback().await?;
        return Ok(Attempt::NotInserted { free_slots: false });
    }
    txn.commit().await?;
    Ok(Attempt::Claimed { claim_id, vouchers })
}

/// Notes the probed prizes that gave no voucher (no free slot was found for them).
fn remember_sold_out(state: &AppState, claim: &ClaimRequest, vouchers: &[voucher::Model]) {
    for (prize_id, _) in &claim.probes {
        if !vouchers.iter().any(|v| v.prize_id == *prize_id) {
            state.cache.mark_sold_out(*prize_id);
        }
    }
}

/// Where a prize's free-slot probe starts: a random id in its slot range. Taken slots
/// are then spread evenly, so the walk from a random point meets about `taken / free`
/// taken entries, not every slot claimed so far — the lookup does not slow down as
/// claims accumulate — and concurrent claimers start at different rows instead of
/// queueing on the first free one.
fn random_start((lo, hi): (i64, i64)) -> i64 {
    if hi > lo {
        rand::rng().random_range(lo..=hi)
    } else {
        lo
    }
}

enum Diagnosis {
    Replay(claim::Model),
    Refused(Refusal),
    /// The limit leaves room: `used` claims so far under this day key.
    Retry {
        used: i32,
    },
}

/// Why the claim row was not inserted: a retried request, a member who is no longer
/// eligible, an activity closed meanwhile, the limit, or a lost race on `seq`.
///
/// Without `free_slots` nothing could be claimed anyway, and only a retry and the limit
/// can give a truer answer than `SOLD_OUT`; the eligibility and activity checks are left
/// out, since after a sell-out every click comes here. (The member's status was read
/// with the token in this request and checked by `precheck`.)
async fn diagnose(
    state: &AppState,
    holder: &Holder,
    snapshot: &ActivitySnapshot,
    day_key: &str,
    times: i32,
    idempotency_key: Option<&str>,
    free_slots: bool,
) -> ApiResult<Diagnosis> {
    let Some(member) = &holder.member else {
        return Ok(Diagnosis::Refused(Refusal::NotEligible));
    };
    if let Some(key) = idempotency_key
        && let Some(first) = claim::Entity::find()
            .filter(claim::Column::MemberId.eq(member.id))
            .filter(claim::Column::IdempotencyKey.eq(key))
            .one(&state.db)
            .await?
    {
        if first.activity_id != snapshot.activity.id {
            return Err(ApiError::conflict(
                ErrorCode::IdempotencyKeyReused,
                "Idempotency-Key 已用于其他活动的领取，请换一个",
            ));
        }
        return Ok(Diagnosis::Replay(first));
    }
    if free_slots && let Some(refusal) = refusal_of_state(state, holder, member, snapshot).await? {
        return Ok(Diagnosis::Refused(refusal));
    }
    let used = claims_used(&state.db, snapshot.activity.id, member.id, day_key).await?;
    let used = i32::try_from(used).unwrap_or(i32::MAX);
    if used >= times {
        Ok(Diagnosis::Refused(Refusal::LimitReached))
    } else {
        Ok(Diagnosis::Retry { used })
    }
}

/// The member is no longer linked and active, or the activity was closed meanwhile.
async fn refusal_of_state(
    state: &AppState,
    holder: &Holder,
    member: &entity::member::Model,
    snapshot: &ActivitySnapshot,
) -> ApiResult<Option<Refusal>> {
    let linked = entity::app_account::Entity::find_by_id(holder.account_id)
        .find_also_related(entity::member::Entity)
        .one(&state.db)
        .await?
        .and_then(|(a, m)| {
            m.filter(|m| a.member_id == Some(member.id) && m.status == MemberStatus::Active)
        });
    if linked.is_none() {
        return Ok(Some(Refusal::NotEligible));
    }
    let open = entity::activity::Entity::find_by_id(snapshot.activity.id)
        .one(&state.db)
        .await?
        .is_some_and(|a| is_open(a.status));
    if !open {
        state.cache.forget_activity(snapshot.activity.id);
        return Ok(Some(Refusal::NotInWindow));
    }
    Ok(None)
}

/// How many claims the member has under this day key (a refused or retried claim asks).
/// On PostgreSQL the statement is planned afresh each time rather than kept prepared:
/// a plan cached while `claims` was nearly empty — early in a rush, when members first
/// click twice — scans the whole table, and would keep doing so for every refusal until
/// autovacuum's ANALYZE (measured in psql: 2.7 ms at 20,000 claims, against an index
/// lookup). Planned with the actual values, it uses the limit's unique index.
async fn claims_used(
    db: &DatabaseConnection,
    activity_id: i64,
    member_id: i64,
    day_key: &str,
) -> ApiResult<u64> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(claim::Entity::find()
            .filter(claim::Column::ActivityId.eq(activity_id))
            .filter(claim::Column::MemberId.eq(member_id))
            .filter(claim::Column::DayKey.eq(day_key))
            .count(db)
            .await?);
    }
    let used: i64 = sea_orm::sqlx::query_scalar(
        "SELECT COUNT(*) FROM claims WHERE activity_id = $1 AND member_id = $2 AND day_key = $3",
    )
    .bind(activity_id)
    .bind(member_id)
    .bind(day_key)
    .persistent(false)
    .fetch_one(db.get_postgres_connection_pool())
    .await?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// Whether claims are accepted in this workflow state.
pub fn is_open(status: ActivityStatus) -> bool {
    status == ActivityStatus::Open
}

/// The vouchers a claim gave (found through the member's index).
pub async fn vouchers_of_claim<C: ConnectionTrait>(
    db: &C,
    claim: &claim::Model,
) -> ApiResult<Vec<voucher::Model>> {
    Ok(voucher::Entity::find()
        .filter(voucher::Column::MemberId.eq(claim.member_id))
        .filter(voucher::Column::ClaimId.eq(claim.id))
        .filter(voucher::Column::Status.ne(VoucherStatus::Available))
        .order_by_asc(voucher::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_birthday_counts_when_its_day_falls_in_the_window() {
        assert!(birthday_between(
            d(1990, 3, 5),
            d(2026, 3, 1),
            d(2026, 3, 31)
        ));
        assert!(!birthday_between(
            d(1990, 4, 1),
            d(2026, 3, 1),
            d(2026, 3, 31)
        ));
        // A window across new year.
        assert!(birthday_between(
            d(1985, 1, 2),
            d(2026, 12, 20),
            d(2027, 1, 10)
        ));
        // 29 February in a common year counts on the 28th.
        assert!(birthday_between(
            d(1996, 2, 29),
            d(2027, 2, 28),
            d(2027, 2, 28)
        ));
    }

    #[test]
    fn idempotency_keys_are_short_visible_ascii() {
        assert_eq!(parse_idempotency_key(None).ok(), Some(None));
        assert_eq!(
            parse_idempotency_key(Some(" abc-1 ")).ok(),
            Some(Some("abc-1".into()))
        );
        assert!(parse_idempotency_key(Some("")).is_err());
        assert!(parse_idempotency_key(Some(&"x".repeat(65))).is_err());
        assert!(parse_idempotency_key(Some("键")).is_err());
    }
}
