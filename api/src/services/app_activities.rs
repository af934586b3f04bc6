//! What a certified member sees of the activities: only open, approved activities whose
//! scope contains the member's organisation (and unit), inside their window; what
//! remains of each prize, and whether this member can still claim (and why not).

use std::collections::HashMap;
use std::sync::Arc;

use entity::{activity, claim, voucher};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{ApiError, ApiResult};
use crate::scope;
use crate::services::claims::{self, Refusal};
use crate::services::rush_cache::{ActivitySnapshot, Holder};
use crate::state::AppState;

pub struct MemberView {
    pub snapshot: Arc<ActivitySnapshot>,
    /// Free slots per prize id.
    pub remaining: HashMap<i64, i64>,
    /// Claims this member has made in the current limit period.
    pub claimed: i64,
    pub limit: i32,
    pub refusal: Option<Refusal>,
}

fn certified(holder: &Holder) -> ApiResult<()> {
    if holder.member.is_none() {
        return Err(ApiError::not_certified());
    }
    Ok(())
}

async fn views(
    state: &AppState,
    holder: &Holder,
    snapshots: Vec<Arc<ActivitySnapshot>>,
) -> ApiResult<Vec<MemberView>> {
    let now = state.clock.now();
    let ids: Vec<i64> = snapshots.iter().map(|s| s.activity.id).collect();
    let mut remaining: HashMap<i64, i64> = HashMap::new();
    let mut claimed: HashMap<(i64, String), i64> = HashMap::new();
    if !ids.is_empty() {
        let rows: Vec<(i64, i64)> = voucher::Entity::find()
            .select_only()
            .column(voucher::Column::PrizeId)
            .column_as(Expr::col(voucher::Column::Id).count(), "n")
            .filter(voucher::Column::ActivityId.is_in(ids.clone()))
            .filter(voucher::Column::MemberId.is_null())
            .group_by(voucher::Column::PrizeId)
            .into_tuple()
            .all(&state.db)
            .await?;
        remaining.extend(rows);
        if let Some(member) = &holder.member {
            let rows: Vec<(i64, String, i64)> = claim::Entity::find()
                .select_only()
                .column(claim::Column::ActivityId)
                .column(claim::Column::DayKey)
                .column_as(Expr::col(claim::Column::Id).count(), "n")
                .filter(claim::Column::ActivityId.is_in(ids))
                .filter(claim::Column::MemberId.eq(member.id))
                .group_by(claim::Column::ActivityId)
                .group_by(claim::Column::DayKey)
                .into_tuple()
                .all(&state.db)
                .await?;
            claimed.extend(rows.into_iter().map(|(a, d, n)| ((a, d), n)));
        }
    }
    Ok(snapshots
        .into_iter()
        .map(|snapshot| {
            let (day_key, limit) = claims::limit_key(&snapshot.activity, now);
            let used = claimed
                .get(&(snapshot.activity.id, day_key))
                .copied()
                .unwrap_or(0);
            let left: i64 = snapshot
                .prizes
                .iter()
                .map(|p| remaining.get(&p.prize_id).copied().unwrap_or(0))
                .sum();
            let refusal = claims::precheck(&snapshot, holder, now)
                .or_else(|| (used >= i64::from(limit)).then_some(Refusal::LimitReached))
                .or_else(|| (left == 0).then_some(Refusal::SoldOut));
            MemberView {
                remaining: snapshot
                    .prizes
                    .iter()
                    .map(|p| (p.prize_id, remaining.get(&p.prize_id).copied().unwrap_or(0)))
                    .collect(),
                snapshot,
                claimed: used,
                limit,
                refusal,
            }
        })
        .collect())
}

/// The activities the member may claim in now, newest first.
pub async fn list(state: &AppState, account_id: i64) -> ApiResult<Vec<MemberView>> {
    let holder = state.cache.holder(&state.db, account_id).await?;
    certified(&holder)?;
    let now = state.clock.now();
    let ids: Vec<i64> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(scope::member_candidates(&holder))
        .filter(activity::Column::StartsAt.lte(now))
        .filter(activity::Column::EndsAt.gt(now))
        .order_by_desc(activity::Column::StartsAt)
        .order_by_desc(activity::Column::Id)
        .limit(200)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut snapshots = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(s) = state.cache.activity(&state.db, id).await?
            && scope::member_sees(&s, &holder)
        {
            snapshots.push(s);
        }
    }
    views(state, &holder, snapshots).await
}

/// One activity the member may see (open, in scope, in its window), or 404.
pub async fn detail(state: &AppState, account_id: i64, id: i64) -> ApiResult<MemberView> {
    let holder = state.cache.holder(&state.db, account_id).await?;
    certified(&holder)?;
    let now = state.clock.now();
    let snapshot = state
        .cache
        .activity(&state.db, id)
        .await?
        .filter(|s| {
            scope::member_sees(s, &holder)
                && s.activity.starts_at <= now
                && now < s.activity.ends_at
        })
        .ok_or(ApiError::NotFound("活动"))?;
    views(state, &holder, vec![snapshot])
        .await?
        .pop()
        .ok_or(ApiError::NotFound("活动"))
}
