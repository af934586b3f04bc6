//! The activity list (figure 29) with its counts and the 合计 row.

use std::collections::HashMap;

use entity::activity_state::ActivityStatus;
use entity::enums::{ReviewStatus, VoucherStatus};
use entity::{activity, activity_prize, claim, coupon, organisation, voucher};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;
use crate::paging::PageRequest;
use crate::state::AppState;

/// Filters of the activity list (figure 29).
#[derive(Debug, Default)]
pub struct ActivityFilter {
    pub name: Option<String>,
    pub status: Option<ActivityStatus>,
    pub review_status: Option<ReviewStatus>,
    pub merchant_id: Option<i64>,
    pub org_id: Option<i64>,
}

/// 报名人数 / 参与人数 / 核销数 of one activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub sign_ups: i64,
    pub participants: i64,
    pub redeemed: i64,
}

/// The progress (slots created) of the opening tasks of the given activities that are
/// 开启中, by task id.
pub async fn opening_progress<C: ConnectionTrait>(
    db: &C,
    items: &[activity::Model],
) -> ApiResult<HashMap<i64, i64>> {
    let task_ids: Vec<i64> = items
        .iter()
        .filter(|a| a.status == ActivityStatus::Opening)
        .filter_map(|a| a.opening_task_id)
        .collect();
    if task_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = entity::task::Entity::find()
        .select_only()
        .column(entity::task::Column::Id)
        .column(entity::task::Column::Processed)
        .filter(entity::task::Column::Id.is_in(task_ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The claim counts of the given activities, from the vouchers: 报名人数 is the number
/// of claims, 参与人数 the members who claimed, 核销数 the vouchers redeemed.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    activity_ids: &[i64],
) -> ApiResult<HashMap<i64, Counts>> {
    let mut out: HashMap<i64, Counts> = activity_ids
        .iter()
        .map(|id| (*id, Counts::default()))
        .collect();
    for chunk in activity_ids.chunks(500) {
        let claims: Vec<(i64, i64, i64)> = claim::Entity::find()
            .select_only()
            .column(claim::Column::ActivityId)
            .column_as(Expr::col(claim::Column::Id).count(), "sign_ups")
            .column_as(
                Expr::col(claim::Column::MemberId).count_distinct(),
                "participants",
            )
            .filter(claim::Column::ActivityId.is_in(chunk.iter().copied()))
            .group_by(claim::Column::ActivityId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, sign_ups, participants) in claims {
            if let Some(c) = out.get_mut(&id) {
                c.sign_ups = sign_ups;
                c.participants = participants;
            }
        }
        let redeemed: Vec<(i64, i64)> = voucher::Entity::find()
            .select_only()
            .column(voucher::Column::ActivityId)
            .column_as(Expr::col(voucher::Column::Id).count(), "redeemed")
            .filter(voucher::Column::ActivityId.is_in(chunk.iter().copied()))
            .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
            .group_by(voucher::Column::ActivityId)
            .into_tuple()
            .all(db)
            .await?;
        for (id, n) in redeemed {
            if let Some(c) = out.get_mut(&id) {
                c.redeemed = n;
            }
        }
    }
    Ok(out)
}

/// The 合计 row over every activity matching the filter (not just one page).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub counts: Counts,
    pub prize_quantity: i64,
}

fn filtered(me: &AdminPrincipal, filter: &ActivityFilter) -> sea_orm::Select<activity::Entity> {
    let mut query = activity::Entity::find().filter(me.scope.filter(activity::Column::OrgId));
    if let Some(name) = filter
        .name
        .as_ref()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(activity::Column::Title.contains(&name));
    }
    if let Some(status) = filter.status {
        query = query.filter(activity::Column::Status.eq(status));
    }
    if let Some(review) = filter.review_status {
        query = query.filter(activity::Column::ReviewStatus.eq(review));
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(activity::Column::OrgId.eq(org_id));
    }
    if let Some(merchant_id) = filter.merchant_id {
        query = query.filter(
            Expr::col(activity::Column::Id).in_subquery(
                Query::select()
                    .column(activity_prize::Column::ActivityId)
                    .from(activity_prize::Entity)
                    .and_where(
                        Expr::col(activity_prize::Column::CouponId).in_subquery(
                            Query::select()
                                .column(coupon::Column::Id)
                                .from(coupon::Entity)
                                .and_where(coupon::Column::MerchantId.eq(merchant_id))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        );
    }
    query
}

/// One page of activities in scope, and the totals over all that match.
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: ActivityFilter,
    page: PageRequest,
) -> ApiResult<(Vec<activity::Model>, u64, Totals)> {
    let query = filtered(me, &filter).order_by_desc(activity::Column::Id);
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;

    let ids: Vec<i64> = filtered(me, &filter)
        .select_only()
        .column(activity::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut totals = Totals::default();
    for c in counts(&state.db, &ids).await?.values() {
        totals.counts.sign_ups += c.sign_ups;
        totals.counts.participants += c.participants;
        totals.counts.redeemed += c.redeemed;
    }
    let prize_sum: Option<Option<i64>> = activity_prize::Entity::find()
        .select_only()
        .column_as(
            Expr::col(activity_prize::Column::Quantity)
                .sum()
                .cast_as("BIGINT"),
            "total",
        )
        .filter(
            activity_prize::Column::ActivityId.in_subquery(
                filtered(me, &filter)
                    .select_only()
                    .column(activity::Column::Id)
                    .into_query(),
            ),
        )
        .into_tuple()
        .one(&state.db)
        .await?;
    totals.prize_quantity = prize_sum.flatten().unwrap_or(0);
    Ok((items, total, totals))
}

/// Names of organisations by id (发布工会 in lists).
pub async fn org_names<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> ApiResult<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}
