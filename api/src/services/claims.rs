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
//!   the slots it takes (one statement on PostgreSQL, a transaction on SQLite). The
//!   statement finds the sequence number itself (`free_seq_sql`), so the k-th claim of
//!   a day costs what the first does; two claims of one member racing for the same
//!   number are settled by the unique key, and the loser tries again;
//! - a retried request with the same `Idempotency-Key` returns the first claim's
//!   vouchers (unique `(member_id, idempotency_key)`);
//! - never past the annual welfare budget per member (`welfare`), when one applies to
//!   the activity: such a claim locks the member's row of the year in its transaction
//!   and is refused (409 `BUDGET_EXCEEDED`) when its vouchers would take the year's
//!   total past the cap. Claims under no cap pay nothing for it (the cap comes with the
//!   cached activity).
//!
//! Claims run in parallel: concurrent claimers probe the free-slot index from random
//! ids and skip rows another transaction holds, so no single row serialises them.
//! Keeping the probe O(1): see `random_start`.
//!
//! What makes a claim valid is written here once: `visible_to` and `precheck` against
//! the cached snapshot, then `admission_sql`, `free_seq_sql` and `take_slot_sql` in the
//! statement that writes it. The statements themselves, one per backend, are in `store`.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::activity_state::ActivityStatus;
use entity::enums::{ClaimLimitKind, MemberStatus, VoucherStatus};
use entity::{claim, voucher};
use jobs::clock::beijing;
use jobs::database::sql_str;
use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope;
use crate::services::rush_cache::{ActivitySnapshot, Holder};
use crate::services::welfare::{self, Budget};
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

/// Everything one claim writes, decided before it goes to the database.
#[derive(Clone, Debug)]
pub struct ClaimRequest {
    pub activity_id: i64,
    pub member_id: i64,
    pub account_id: i64,
    pub day_key: String,
    /// How many claims the day key allows (N): the claim takes the smallest sequence
    /// number up to it that the member has not used (`free_seq_sql`).
    pub limit: i32,
    pub idempotency_key: Option<String>,
    pub now: DateTime<Utc>,
    pub name_masked: String,
    pub phone_masked: String,
    /// Per prize with slots: (prize id, the slot id its free-slot probe starts at).
    pub probes: Vec<(i64, i64)>,
    /// The annual welfare budget the claim must stay within, if one applies: such a
    /// claim is decided in a transaction of its own on either backend (`store`).
    pub budget: Option<Budget>,
}

/// What a claim attempt did.
#[derive(Debug)]
pub enum Attempt {
    Claimed {
        claim_id: i64,
        vouchers: Vec<voucher::Model>,
    },
    /// No claim row went in: a retry, the limit, an ineligible member, a closed
    /// activity (see `diagnose`), or — when no prize had a free slot — sold out.
    NotInserted(NotInserted),
    /// Everything was in place but the vouchers' face value (`claim_fen`) would take
    /// the member's year total (`used_fen` before it) past the budget's cap; nothing
    /// was written.
    OverBudget { used_fen: i64, claim_fen: i64 },
}

/// What the statement saw when it did not insert a claim row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotInserted {
    /// Some probed prize had a free slot for the claim.
    pub free_slots: bool,
    /// Every sequence number up to the limit was used already: `LIMIT_REACHED`.
    pub limit_reached: bool,
    /// `admission_sql` held (or was not asked: without free slots nothing could be
    /// claimed anyway). When it did not, `diagnose` finds out which check failed.
    pub admitted: bool,
}

impl NotInserted {
    /// Nothing was free: sold out, or the limit when `limit_reached`.
    pub fn sold_out(limit_reached: bool) -> Self {
        Self {
            free_slots: false,
            limit_reached,
            admitted: true,
        }
    }
}

/// What the database checks when a claim row goes in, besides the limit's unique key
/// (the checks against the activity's snapshot — window, birthday — are `precheck`):
/// the account is still linked to the member, the member is still active and the
/// activity is still open. The arguments are the SQL expressions giving the ids
/// (parameters for one claim, columns for a batch).
pub fn admission_sql(activity_id: &str, member_id: &str, account_id: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM app_accounts a JOIN members m ON m.id = a.member_id \
           WHERE a.id = {account_id} AND m.id = {member_id} AND m.status = {active}) \
         AND EXISTS (SELECT 1 FROM activities WHERE id = {activity_id} AND status = {open})",
        active = sql_str(MemberStatus::Active),
        open = sql_str(ActivityStatus::Open),
    )
}

/// The sequence number a new claim takes under its day key: the smallest one in
/// `1..=limit` the member has not used, NULL when all are used (the limit is reached).
/// The arguments are SQL expressions as for `admission_sql`; same SQL on both backends.
///
/// One ordered scan of the member's claims of the day on the limit's unique index,
/// whatever N: numbering the used ones 1, 2, … in order, the first whose number differs
/// from its `seq` marks a gap (that number is free); without a gap the next after the
/// last is. (The alternative — one index probe per candidate `1..=N` — costs k probes
/// for the k-th claim of the day.) It reads the statement's snapshot: a number taken
/// by a claim that commits meanwhile is refused by the unique key, and the claim tries
/// again (`claim`).
pub fn free_seq_sql(activity_id: &str, member_id: &str, day_key: &str, limit: &str) -> String {
    format!(
        "(SELECT CASE WHEN f.seq <= {limit} THEN CAST(f.seq AS INTEGER) END            FROM (SELECT COALESCE(MIN(CASE WHEN u.seq <> u.n THEN u.n END), COUNT(*) + 1) AS seq              FROM (SELECT c.seq, row_number() OVER (ORDER BY c.seq) AS n FROM claims c                WHERE c.activity_id = {activity_id} AND c.member_id = {member_id}                AND c.day_key = {day_key}) u) f)"
    )
}

/// The assignments of `UPDATE vouchers` that hand a free slot (one whose `member_id`
/// is still NULL) to an admitted claim; the arguments are SQL expressions as for
/// `admission_sql`.
pub fn take_slot_sql(
    member_id: &str,
    claimed_at: &str,
    name_masked: &str,
    phone_masked: &str,
    claim_id: &str,
) -> String {
    format!(
        "member_id = {member_id}, status = {unused}, claimed_at = {claimed_at}, \
         holder_name_masked = {name_masked}, holder_phone_masked = {phone_masked}, \
         claim_id = {claim_id}",
        unused = sql_str(VoucherStatus::Unused),
    )
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
    let (holder, snapshot) = claimable(state, account_id, activity_id, now).await?;
    let (day_key, limit) = limit_key(&snapshot.activity, now);
    let request = new_request(
        state,
        &holder,
        &snapshot,
        day_key,
        limit,
        idempotency_key,
        now,
    )?;
    // The statement picks the sequence number. It is not inserted when another claim of
    // the same member took that number meanwhile; each such loss is one more claim of
    // the member in, so after `limit` of them the statement sees the limit.
    for _ in 0..=limit {
        let seen = match attempt(state, &request).await? {
            Attempt::Claimed { claim_id, vouchers } => {
                tracing::info!(claim_id, vouchers = vouchers.len(), "claimed");
                return Ok(Claimed {
                    claim_id,
                    vouchers,
                    snapshot,
                    replayed: false,
                });
            }
            Attempt::NotInserted(seen) => seen,
            Attempt::OverBudget {
                used_fen,
                claim_fen,
            } => {
                let cap = request.budget.map_or(0, |b| b.cap_fen);
                return Err(welfare::exceeded(cap, used_fen, claim_fen));
            }
        };
        match diagnose(state, &holder, &snapshot, &request, seen).await? {
            Diagnosis::Replay(claim) => return replay(state, claim, snapshot).await,
            Diagnosis::Refused(r) => return Err(r.into_error()),
            Diagnosis::Retry => {}
        }
    }
    Err(Refusal::LimitReached.into_error())
}

/// The account's holder and the activity, when the holder is a certified member who
/// may claim in it now (visible, open, inside the window, eligible).
async fn claimable(
    state: &AppState,
    account_id: i64,
    activity_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<(Arc<Holder>, Arc<ActivitySnapshot>)> {
    let holder = state.cache.holder(&state.db, account_id).await?;
    if holder.member.is_none() {
        return Err(ApiError::conflict(
            ErrorCode::NotEligible,
            "请先完成工会会员实名认证后再领取",
        ));
    }
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
    Ok((holder, snapshot))
}

/// The claim's request: its limit, a random probe start for every prize not known to
/// be sold out.
fn new_request(
    state: &AppState,
    holder: &Holder,
    snapshot: &ActivitySnapshot,
    day_key: String,
    limit: i32,
    idempotency_key: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<ClaimRequest> {
    let member = holder.member.as_ref().ok_or(ApiError::Unauthorized)?;
    Ok(ClaimRequest {
        activity_id: snapshot.activity.id,
        member_id: member.id,
        account_id: holder.account_id,
        day_key,
        limit,
        idempotency_key,
        now,
        name_masked: entity::value::mask_name(&member.name),
        phone_masked: entity::value::mask_phone(&member.phone),
        probes: snapshot
            .prizes
            .iter()
            .filter(|p| !state.cache.sold_out(p.prize_id))
            .filter_map(|p| p.slot_ids.map(|range| (p.prize_id, random_start(range))))
            .collect(),
        budget: snapshot.welfare_cap_fen.map(|cap| Budget::at(cap, now)),
    })
}

/// One attempt on the backend's claim store, noting the probed prizes that gave no
/// voucher. When every prize is known to be sold out nothing is tried, and only the
/// member's count of the day tells the limit from sold out.
async fn attempt(state: &AppState, request: &ClaimRequest) -> ApiResult<Attempt> {
    if request.probes.is_empty() {
        let used = state
            .store
            .claims
            .claims_used(request.activity_id, request.member_id, &request.day_key)
            .await?;
        let limit_reached = used >= u64::try_from(request.limit).unwrap_or(0);
        return Ok(Attempt::NotInserted(NotInserted::sold_out(limit_reached)));
    }
    let attempt = state.store.claims.attempt(request.clone()).await?;
    match &attempt {
        Attempt::Claimed { vouchers, .. } => remember_sold_out(state, request, vouchers),
        Attempt::NotInserted(seen) if !seen.free_slots => remember_sold_out(state, request, &[]),
        Attempt::NotInserted(_) | Attempt::OverBudget { .. } => {}
    }
    Ok(attempt)
}

/// A retried request: the first claim's vouchers.
async fn replay(
    state: &AppState,
    claim: claim::Model,
    snapshot: Arc<ActivitySnapshot>,
) -> ApiResult<Claimed> {
    let vouchers = vouchers_of_claim(&state.db, &claim).await?;
    Ok(Claimed {
        claim_id: claim.id,
        vouchers,
        snapshot,
        replayed: true,
    })
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
    /// The sequence number the statement chose was taken meanwhile: try again.
    Retry,
}

/// Why the claim row was not inserted: a retried request, a member who is no longer
/// eligible, an activity closed meanwhile, the limit, sold out, or a lost race on `seq`.
/// Only a retry (and a failed admission, to tell which check) costs a query; the limit
/// and sold out come with the statement's answer.
///
/// Without free slots only a retry and the limit can give a truer answer than
/// `SOLD_OUT`; the eligibility and activity checks are left out, since after a sell-out
/// every click comes here. (The member's status was read with the token in this request
/// and checked by `precheck`.)
async fn diagnose(
    state: &AppState,
    holder: &Holder,
    snapshot: &ActivitySnapshot,
    request: &ClaimRequest,
    seen: NotInserted,
) -> ApiResult<Diagnosis> {
    let Some(member) = &holder.member else {
        return Ok(Diagnosis::Refused(Refusal::NotEligible));
    };
    if let Some(key) = request.idempotency_key.as_deref()
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
    if seen.free_slots
        && !seen.admitted
        && let Some(refusal) = refusal_of_state(state, holder, member, snapshot).await?
    {
        return Ok(Diagnosis::Refused(refusal));
    }
    if seen.limit_reached {
        Ok(Diagnosis::Refused(Refusal::LimitReached))
    } else if !seen.free_slots {
        Ok(Diagnosis::Refused(Refusal::SoldOut))
    } else {
        Ok(Diagnosis::Retry)
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
}
