//! 数据比对: per grassroots union under a chosen organisation, the roster against the
//! app accounts — active members without a certified account (to urge), pending
//! applications, certified accounts whose member has left, and the certification rate.

use std::collections::HashMap;

use entity::enums::{CertificationStatus, MemberStatus, OrgKind};
use entity::{app_account, certification, member, organisation};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;
use crate::paging::PageRequest;
use crate::scope::Scope;
use crate::state::AppState;

/// One union's numbers.
#[derive(Clone, Debug, Default)]
pub struct UnionRow {
    pub org_id: i64,
    pub org_name: String,
    pub active_members: i64,
    pub certified_members: i64,
    pub pending_applications: i64,
    pub left_certified_accounts: i64,
}

impl UnionRow {
    /// Certified share of the active roster, in percent with one decimal (0 when the
    /// roster is empty).
    pub fn certification_rate(&self) -> f64 {
        rate(self.certified_members, self.active_members)
    }
}

pub fn rate(certified: i64, active: i64) -> f64 {
    if active <= 0 {
        0.0
    } else {
        (certified as f64 * 1000.0 / active as f64).round() / 10.0
    }
}

/// The organisation compared (the caller's own by default) and its scope.
pub async fn root(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: Option<i64>,
) -> ApiResult<(organisation::Model, Scope)> {
    let org = me
        .scope
        .visible_org(&state.db, org_id.unwrap_or(me.org_id))
        .await?;
    let scope = Scope::of(&org);
    Ok((org, scope))
}

/// `(org_id, n)` rows as a map.
async fn grouped<E: EntityTrait>(
    state: &AppState,
    select: sea_orm::Select<E>,
) -> ApiResult<HashMap<i64, i64>> {
    Ok(select
        .into_tuple::<(i64, i64)>()
        .all(&state.db)
        .await?
        .into_iter()
        .collect())
}

/// The numbers of every grassroots union in the scope (the root itself when it is one).
pub async fn summary(state: &AppState, scope: &Scope) -> ApiResult<Vec<UnionRow>> {
    let unions = organisation::Entity::find()
        .filter(scope.orgs())
        .filter(organisation::Column::Kind.eq(OrgKind::GrassrootsUnion))
        .order_by_asc(organisation::Column::Path)
        .all(&state.db)
        .await?;
    let count = || Expr::col(member::Column::Id).count();
    let active = grouped(
        state,
        member::Entity::find()
            .select_only()
            .column(member::Column::OrgId)
            .column_as(count(), "n")
            .filter(scope.filter(member::Column::OrgId))
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .group_by(member::Column::OrgId),
    )
    .await?;
    let certified = grouped(
        state,
        member::Entity::find()
            .select_only()
            .column(member::Column::OrgId)
            .column_as(count(), "n")
            .filter(scope.filter(member::Column::OrgId))
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .filter(member::Column::Certified.eq(true))
            .group_by(member::Column::OrgId),
    )
    .await?;
    let pending = grouped(
        state,
        certification::Entity::find()
            .select_only()
            .column(certification::Column::OrgId)
            .column_as(Expr::col(certification::Column::Id).count(), "n")
            .filter(scope.filter(certification::Column::OrgId))
            .filter(certification::Column::Status.eq(CertificationStatus::Pending))
            .group_by(certification::Column::OrgId),
    )
    .await?;
    let left = grouped(
        state,
        left_accounts_query(scope)
            .select_only()
            .column_as(Expr::col((member::Entity, member::Column::OrgId)), "org_id")
            .column_as(
                Expr::col((app_account::Entity, app_account::Column::Id)).count(),
                "n",
            )
            .group_by(Expr::col((member::Entity, member::Column::OrgId))),
    )
    .await?;
    let get = |m: &HashMap<i64, i64>, id: i64| m.get(&id).copied().unwrap_or(0);
    Ok(unions
        .into_iter()
        .map(|u| UnionRow {
            org_id: u.id,
            active_members: get(&active, u.id),
            certified_members: get(&certified, u.id),
            pending_applications: get(&pending, u.id),
            left_certified_accounts: get(&left, u.id),
            org_name: u.name,
        })
        .collect())
}

/// Active members without a certified account, by union then id.
pub async fn uncertified(
    state: &AppState,
    scope: &Scope,
    page: Option<PageRequest>,
) -> ApiResult<(Vec<member::Model>, u64)> {
    let query = member::Entity::find()
        .filter(scope.filter(member::Column::OrgId))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::Certified.eq(false))
        .order_by_asc(member::Column::OrgId)
        .order_by_asc(member::Column::Id);
    paged(state, query, page).await
}

/// Pending applications, oldest first (the order to review them in).
pub async fn pending(
    state: &AppState,
    scope: &Scope,
    page: Option<PageRequest>,
) -> ApiResult<(Vec<(certification::Model, Option<app_account::Model>)>, u64)> {
    let query = certification::Entity::find()
        .find_also_related(app_account::Entity)
        .filter(scope.filter(certification::Column::OrgId))
        .filter(certification::Column::Status.eq(CertificationStatus::Pending))
        .order_by_asc(certification::Column::Id);
    match page {
        Some(p) => {
            let paginator = query.paginate(&state.db, p.page_size);
            let total = paginator.num_items().await?;
            Ok((paginator.fetch_page(p.page - 1).await?, total))
        }
        None => {
            let items = query.all(&state.db).await?;
            let total = items.len() as u64;
            Ok((items, total))
        }
    }
}

fn left_accounts_query(scope: &Scope) -> sea_orm::Select<app_account::Entity> {
    app_account::Entity::find()
        .join(JoinType::InnerJoin, app_account::Relation::Member.def())
        .filter(scope.filter(member::Column::OrgId))
        .filter(member::Column::Status.ne(MemberStatus::Active))
}

/// Certified accounts whose roster member has left (退休 / 离岗 / 其他; a transfer
/// moves the account to the new record instead).
pub async fn left_accounts(
    state: &AppState,
    scope: &Scope,
    page: Option<PageRequest>,
) -> ApiResult<(Vec<(app_account::Model, Option<member::Model>)>, u64)> {
    let query = app_account::Entity::find()
        .find_also_related(member::Entity)
        .filter(scope.filter(member::Column::OrgId))
        .filter(member::Column::Status.ne(MemberStatus::Active))
        .order_by_asc(member::Column::OrgId)
        .order_by_asc(app_account::Column::Id);
    match page {
        Some(p) => {
            let paginator = query.paginate(&state.db, p.page_size);
            let total = paginator.num_items().await?;
            Ok((paginator.fetch_page(p.page - 1).await?, total))
        }
        None => {
            let items = query.all(&state.db).await?;
            let total = items.len() as u64;
            Ok((items, total))
        }
    }
}

async fn paged<E>(
    state: &AppState,
    query: sea_orm::Select<E>,
    page: Option<PageRequest>,
) -> ApiResult<(Vec<E::Model>, u64)>
where
    E: EntityTrait,
    E::Model: Sync,
{
    match page {
        Some(p) => {
            let paginator = query.paginate(&state.db, p.page_size);
            let total = paginator.num_items().await?;
            Ok((paginator.fetch_page(p.page - 1).await?, total))
        }
        None => {
            let items = query.all(&state.db).await?;
            let total = items.len() as u64;
            Ok((items, total))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_a_percentage_with_one_decimal() {
        assert_eq!(rate(0, 0), 0.0);
        assert_eq!(rate(2, 3), 66.7);
        assert_eq!(rate(3, 3), 100.0);
    }
}
