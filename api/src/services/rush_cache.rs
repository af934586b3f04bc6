//! Process-local, short-lived copies of what does not change during a claim rush: an
//! open activity with its prize list (coupons, merchants, the id range of its slots),
//! and which roster member an app account is certified as. Correctness never rests on
//! these copies: the claim statement itself re-checks in the database that the
//! activity is still open, that the account is still linked to that member and that
//! the member is still active. A second `api` instance simply has its own copies; the
//! TTLs bound how stale a display field (a coupon title, a member's unit) can be. They
//! are measured on the server's clock (`jobs::Clock`), so tests move time instead of
//! waiting for an entry to lapse.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use entity::activity_state::ActivityStatus;
use entity::{activity, app_account, coupon, member, organisation, voucher};
use jobs::Clock;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter,
    QueryResult, QuerySelect,
};

use crate::error::ApiResult;
use crate::services::{activities, claims, welfare};

const ACTIVITY_TTL: Duration = Duration::seconds(2);
const HOLDER_TTL: Duration = Duration::seconds(5);
const COUPON_TTL: Duration = Duration::seconds(30);
/// How long what an open activity's slots were issued with is kept (see `issued`; it
/// does not change, the expiry only bounds memory).
const ISSUED_TTL: Duration = Duration::hours(1);
/// How long a prize found without a free slot is not probed again (see `sold_out`).
const SOLD_OUT_TTL: Duration = Duration::seconds(1);
/// Beyond this many entries a map is simply cleared (bounded memory).
const MAX_ENTRIES: usize = 100_000;

/// One prize line as a claim needs it.
#[derive(Clone, Debug)]
pub struct PrizeSnapshot {
    pub prize_id: i64,
    pub quantity: i64,
    /// The coupon, with the face value and window its vouchers were issued with once
    /// the activity is open.
    pub coupon: coupon::Model,
    pub merchant_name: String,
    /// The id range of the prize's slots (a claim probes from a random id in it).
    pub slot_ids: Option<(i64, i64)>,
}

#[derive(Clone, Debug)]
pub struct ActivitySnapshot {
    pub activity: activity::Model,
    /// Materialised path of the scope organisation (`/1/5/`).
    pub scope_path: String,
    pub org_name: String,
    pub prizes: Vec<PrizeSnapshot>,
    /// The annual welfare budget per member applying (the smallest cap of the
    /// publishing organisation and every one above it; see `welfare`).
    pub welfare_cap_fen: Option<i64>,
}

/// An app account and, once certified, its roster member and the member's
/// organisation path.
#[derive(Clone, Debug)]
pub struct Holder {
    pub account_id: i64,
    pub member: Option<member::Model>,
    pub org_path: Option<String>,
}

/// Copies by id, each with the time it was taken.
type Entries<T> = Mutex<HashMap<i64, (DateTime<Utc>, Arc<T>)>>;

/// Per prize of an activity: its slots' lowest and highest id and the face value and
/// window they were issued with.
type Issued = (i64, i64, i64, i64, DateTime<Utc>, DateTime<Utc>);

#[derive(Debug)]
pub struct RushCache {
    clock: Clock,
    activities: Entries<ActivitySnapshot>,
    holders: Entries<Holder>,
    coupons: Entries<coupon::Model>,
    /// Prizes whose last free-slot probe found none, by prize id.
    sold_out: Entries<()>,
    /// Per open activity, what its slots were issued with (`Issued` by prize id).
    /// Opening makes the slots and nothing adds or changes them afterwards, so this is
    /// read once per open activity, not at every reload of the snapshot: the read
    /// groups every voucher of the activity (127–184 ms for 300,000 on this 2-core
    /// machine under load), and every claim arriving during a reload waits for it — a
    /// stall every `ACTIVITY_TTL`, which was the 99th percentile of a rush.
    issued: Entries<HashMap<i64, Issued>>,
    /// One activity load at a time: when a hot activity's copy expires, the requests
    /// in flight wait for one reload instead of all running it at once.
    activity_loads: tokio::sync::Mutex<()>,
}

impl RushCache {
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            activities: Mutex::default(),
            holders: Mutex::default(),
            coupons: Mutex::default(),
            sold_out: Mutex::default(),
            issued: Mutex::default(),
            activity_loads: tokio::sync::Mutex::default(),
        }
    }

    /// The copy taken less than `ttl` ago, if any.
    fn get<T>(&self, map: &Entries<T>, key: i64, ttl: Duration) -> Option<Arc<T>> {
        let now = self.clock.now();
        let map = map.lock().ok()?;
        map.get(&key)
            .filter(|(at, _)| now - *at < ttl)
            .map(|(_, v)| v.clone())
    }

    fn put<T>(&self, map: &Entries<T>, key: i64, value: Arc<T>) {
        let now = self.clock.now();
        if let Ok(mut map) = map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (now, value));
        }
    }

    /// The activity with its prizes, from the cache or the database; `None` when absent.
    pub async fn activity<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i64,
    ) -> ApiResult<Option<Arc<ActivitySnapshot>>> {
        if let Some(hit) = self.get(&self.activities, id, ACTIVITY_TTL)
            && still_current(db, &hit).await?
        {
            return Ok(Some(hit));
        }
        let _one_load = self.activity_loads.lock().await;
        if let Some(hit) = self.get(&self.activities, id, ACTIVITY_TTL)
            && still_current(db, &hit).await?
        {
            return Ok(Some(hit));
        }
        let known = self.get(&self.issued, id, ISSUED_TTL);
        let Some((snapshot, issued)) = load_activity(db, id, known.as_deref()).await? else {
            return Ok(None);
        };
        if known.is_none() && claims::is_open(snapshot.activity.status) {
            self.put(&self.issued, id, Arc::new(issued));
        }
        let snapshot = Arc::new(snapshot);
        self.put(&self.activities, id, snapshot.clone());
        Ok(Some(snapshot))
    }

    /// Forgets an activity (after its own instance changed it).
    pub fn forget_activity(&self, id: i64) {
        if let Ok(mut map) = self.activities.lock() {
            map.remove(&id);
        }
    }

    /// A coupon for display (title, face value) after a redemption.
    pub async fn coupon<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i64,
    ) -> ApiResult<Option<Arc<coupon::Model>>> {
        if let Some(hit) = self.get(&self.coupons, id, COUPON_TTL) {
            return Ok(Some(hit));
        }
        let Some(found) = coupon::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let found = Arc::new(found);
        self.put(&self.coupons, id, found.clone());
        Ok(Some(found))
    }

    pub async fn holder<C: ConnectionTrait>(
        &self,
        db: &C,
        account_id: i64,
    ) -> ApiResult<Arc<Holder>> {
        if let Some(hit) = self.get(&self.holders, account_id, HOLDER_TTL) {
            return Ok(hit);
        }
        let holder = Arc::new(load_holder(db, account_id).await?);
        // Uncertified accounts are not cached: a fresh approval shows at once.
        if holder.member.is_some() {
            self.put(&self.holders, account_id, holder.clone());
        }
        Ok(holder)
    }

    /// Whether a claim found this prize without a free slot within the last second.
    /// Once a prize is gone, every probe for it walks the whole slot range (all of it
    /// taken) — milliseconds each, paid by every request of the crowd still arriving —
    /// so for a second its claims skip the probe and answer from `diagnose` (a retry,
    /// the limit, else 已领完). A slot locked by a claim that then fails to go in is
    /// free again, and is found once the second has passed.
    pub fn sold_out(&self, prize_id: i64) -> bool {
        self.get(&self.sold_out, prize_id, SOLD_OUT_TTL).is_some()
    }

    pub fn mark_sold_out(&self, prize_id: i64) {
        self.put(&self.sold_out, prize_id, Arc::new(()));
    }

    /// Keeps a holder just read with the member's session (see
    /// `sessions::resolve_member`), so the route's own `holder` call is a cache hit.
    pub fn remember_holder(&self, holder: Holder) {
        self.put(&self.holders, holder.account_id, Arc::new(holder));
    }
}

/// Whether a copy of the activity may be used as it is. A copy of an activity that may
/// still open (审核通过, 开启中, …) is used only while its status has not changed: the
/// opening task makes it 已开启 from another process, and members must be able to claim
/// from that moment, not a copy's lifetime later. One primary-key read of the status,
/// paid only by requests for an activity that is not open. An open activity's copy needs
/// no check (the claim statement re-checks that it is still open), nor a closed one's
/// (closing is final).
async fn still_current<C: ConnectionTrait>(db: &C, copy: &ActivitySnapshot) -> ApiResult<bool> {
    let status = copy.activity.status;
    if matches!(status, ActivityStatus::Open | ActivityStatus::Closed) {
        return Ok(true);
    }
    let now: Option<ActivityStatus> = activity::Entity::find_by_id(copy.activity.id)
        .select_only()
        .column(activity::Column::Status)
        .into_tuple()
        .one(db)
        .await?;
    Ok(now == Some(status))
}

/// The activity's snapshot and what its slots were issued with (`known`, when already
/// read, else read now).
async fn load_activity<C: ConnectionTrait>(
    db: &C,
    id: i64,
    known: Option<&HashMap<i64, Issued>>,
) -> ApiResult<Option<(ActivitySnapshot, HashMap<i64, Issued>)>> {
    let Some(activity) = activity::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in([activity.scope_org_id, activity.org_id]))
        .all(db)
        .await?;
    let scope_path = orgs
        .iter()
        .find(|o| o.id == activity.scope_org_id)
        .map(|o| o.path.clone())
        .unwrap_or_default();
    let publisher = orgs.iter().find(|o| o.id == activity.org_id);
    let org_name = publisher.map(|o| o.name.clone()).unwrap_or_default();
    let welfare_cap_fen = match publisher {
        Some(o) => welfare::cap_of_chain(db, &o.path).await?,
        None => None,
    };
    let lines = activities::prizes_of(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    // Per prize: its slots' id range and the terms they were issued with (the coupon's
    // amount and window when the activity opened; a later coupon edit does not reach
    // issued vouchers, so what members are shown must not follow it either).
    let issued = match known {
        Some(known) => known.clone(),
        None => issued_of(db, id).await?,
    };
    let prizes = lines
        .into_iter()
        .map(|(prize, mut coupon, merchant)| {
            let slots = issued.get(&prize.id);
            if let Some(&(_, _, _, amount_fen, valid_from, valid_to)) = slots {
                coupon.amount_fen = amount_fen;
                coupon.valid_from = valid_from;
                coupon.valid_to = valid_to;
            }
            PrizeSnapshot {
                prize_id: prize.id,
                quantity: prize.quantity,
                slot_ids: slots.map(|&(_, lo, hi, ..)| (lo, hi)),
                coupon,
                merchant_name: merchant.name,
            }
        })
        .collect();
    let snapshot = ActivitySnapshot {
        activity,
        scope_path,
        org_name,
        prizes,
        welfare_cap_fen,
    };
    Ok(Some((snapshot, issued)))
}

/// What an activity's slots were issued with, by prize: one pass over its vouchers.
async fn issued_of<C: ConnectionTrait>(db: &C, id: i64) -> ApiResult<HashMap<i64, Issued>> {
    Ok(voucher::Entity::find()
        .select_only()
        .column(voucher::Column::PrizeId)
        .column_as(Expr::col(voucher::Column::Id).min(), "lo")
        .column_as(Expr::col(voucher::Column::Id).max(), "hi")
        .column_as(Expr::col(voucher::Column::AmountFen).max(), "amount_fen")
        .column_as(Expr::col(voucher::Column::ValidFrom).min(), "valid_from")
        .column_as(Expr::col(voucher::Column::ValidTo).max(), "valid_to")
        .filter(voucher::Column::ActivityId.eq(id))
        .group_by(voucher::Column::PrizeId)
        .into_tuple::<Issued>()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.0, row))
        .collect())
}

/// The account's member with the member's organisation, in one query.
async fn load_holder<C: ConnectionTrait>(db: &C, account_id: i64) -> ApiResult<Holder> {
    let mut select = holder_select();
    select.and_where(app_account::Column::Id.eq(account_id));
    let row = db
        .query_one_raw(db.get_database_backend().build(&select))
        .await?;
    match row {
        Some(row) => holder_of(&row),
        None => Ok(Holder {
            account_id,
            member: None,
            org_path: None,
        }),
    }
}

/// `app_accounts` with the linked roster member (columns prefixed `m_`) and the
/// member's organisation path; callers add their condition (and
/// `sessions::MemberSession::select` the session it comes through), and read a row back
/// with `holder_of`.
pub(crate) fn holder_select() -> SelectStatement {
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((app_account::Entity, app_account::Column::Id)),
            "holder_account_id",
        )
        .expr_as(
            Expr::col((organisation::Entity, organisation::Column::Path)),
            "holder_org_path",
        );
    for c in member::Column::iter() {
        select.expr_as(
            Expr::col((member::Entity, c)),
            Alias::new(format!("m_{}", c.as_str())),
        );
    }
    select
        .from(app_account::Entity)
        .left_join(
            member::Entity,
            Expr::col((member::Entity, member::Column::Id))
                .equals((app_account::Entity, app_account::Column::MemberId)),
        )
        .left_join(
            organisation::Entity,
            Expr::col((organisation::Entity, organisation::Column::Id))
                .equals((member::Entity, member::Column::OrgId)),
        );
    select
}

/// The holder in a row of `holder_select`.
pub(crate) fn holder_of(row: &QueryResult) -> ApiResult<Holder> {
    let member = match row.try_get::<Option<i64>>("m_", "id")? {
        Some(_) => Some(member::Model::from_query_result(row, "m_")?),
        None => None,
    };
    Ok(Holder {
        account_id: row.try_get("", "holder_account_id")?,
        org_path: member
            .as_ref()
            .and(row.try_get::<Option<String>>("", "holder_org_path")?),
        member,
    })
}
