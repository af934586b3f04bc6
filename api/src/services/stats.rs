//! The federation's progress dashboard: for the caller's organisation and every one
//! below, roster size, certification, activities by state and vouchers, each with a
//! subtotal over its subtree. A fixed number of aggregate queries, whatever the size of
//! the tree (no query per organisation).

use std::collections::HashMap;

use entity::activity_state::ActivityStatus;
use entity::{activity, member, organisation, voucher};
use sea_orm::sea_query::Expr;
use sea_orm::{EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef};

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;
use crate::scope::path_ids;
use crate::state::AppState;

/// Figures of one organisation (own) or of a subtree (subtotal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Active roster members.
    pub members: i64,
    /// Active members with a certified app account.
    pub certified: i64,
    /// Activities by state, in `ActivityStatus` order.
    pub activities: [i64; 6],
    pub vouchers_claimed: i64,
    pub vouchers_redeemed: i64,
    pub vouchers_expired: i64,
    pub redeemed_amount_fen: i64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.members += other.members;
        self.certified += other.certified;
        for (a, b) in self.activities.iter_mut().zip(other.activities) {
            *a += b;
        }
        self.vouchers_claimed += other.vouchers_claimed;
        self.vouchers_redeemed += other.vouchers_redeemed;
        self.vouchers_expired += other.vouchers_expired;
        self.redeemed_amount_fen += other.redeemed_amount_fen;
    }

    /// Certified share of active members, 0 when there are none.
    pub fn certification_rate(&self) -> f64 {
        if self.members == 0 {
            0.0
        } else {
            self.certified as f64 / self.members as f64
        }
    }
}

pub const ACTIVITY_STATES: [ActivityStatus; 6] = [
    ActivityStatus::Draft,
    ActivityStatus::Submitted,
    ActivityStatus::Approved,
    ActivityStatus::Rejected,
    ActivityStatus::Open,
    ActivityStatus::Closed,
];

/// One organisation's line of the dashboard.
#[derive(Clone, Debug)]
pub struct OrgLine {
    pub org: organisation::Model,
    pub own: Figures,
    pub subtotal: Figures,
}

/// The dashboard for the caller's subtree, in tree order (parents before children,
/// siblings by id); the first line is the caller's own organisation with the grand total.
pub async fn dashboard(state: &AppState, me: &AdminPrincipal) -> ApiResult<Vec<OrgLine>> {
    let orgs = organisation::Entity::find()
        .filter(me.scope.orgs())
        .all(&state.db)
        .await?;
    let mut own: HashMap<i64, Figures> = orgs.iter().map(|o| (o.id, Figures::default())).collect();

    let members: Vec<(i64, i64, i64)> = member::Entity::find()
        .select_only()
        .column(member::Column::OrgId)
        .column_as(
            Expr::cust("SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END)"),
            "active",
        )
        .column_as(
            Expr::cust("SUM(CASE WHEN status = 'active' AND certified THEN 1 ELSE 0 END)"),
            "certified",
        )
        .filter(me.scope.filter(member::Column::OrgId))
        .group_by(member::Column::OrgId)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, active, certified) in members {
        if let Some(f) = own.get_mut(&org_id) {
            f.members = active;
            f.certified = certified;
        }
    }

    let activities: Vec<(i64, ActivityStatus, i64)> = activity::Entity::find()
        .select_only()
        .column(activity::Column::OrgId)
        .column(activity::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(me.scope.filter(activity::Column::OrgId))
        .group_by(activity::Column::OrgId)
        .group_by(activity::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, status, n) in activities {
        if let (Some(f), Some(i)) = (
            own.get_mut(&org_id),
            ACTIVITY_STATES.iter().position(|s| *s == status),
        ) {
            f.activities[i] = n;
        }
    }

    add_vouchers(state, me, &mut own).await?;

    // Roll each organisation's own figures up into itself and every ancestor in scope.
    let mut subtotal: HashMap<i64, Figures> =
        own.keys().map(|id| (*id, Figures::default())).collect();
    for org in &orgs {
        let figures = &own[&org.id];
        for ancestor in path_ids(&org.path) {
            if let Some(s) = subtotal.get_mut(&ancestor) {
                s.add(figures);
            }
        }
    }
    let mut lines: Vec<OrgLine> = orgs
        .into_iter()
        .map(|org| OrgLine {
            own: own.remove(&org.id).unwrap_or_default(),
            subtotal: subtotal.remove(&org.id).unwrap_or_default(),
            org,
        })
        .collect();
    lines.sort_by_key(|l| path_ids(&l.org.path));
    Ok(lines)
}

/// Vouchers of each organisation's own activities: claimed, redeemed, expired, and the
/// face value redeemed (each voucher's own, as issued). Sums are cast so PostgreSQL answers BIGINT, not NUMERIC.
async fn add_vouchers(
    state: &AppState,
    me: &AdminPrincipal,
    own: &mut HashMap<i64, Figures>,
) -> ApiResult<()> {
    let by_activity: RelationDef = voucher::Entity::belongs_to(activity::Entity)
        .from(voucher::Column::ActivityId)
        .to(activity::Column::Id)
        .into();
    let rows: Vec<(i64, i64, i64, i64, i64)> = voucher::Entity::find()
        .select_only()
        .column(activity::Column::OrgId)
        .column_as(Expr::cust("CAST(SUM(CASE WHEN vouchers.member_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"), "claimed")
        .column_as(Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'redeemed' THEN 1 ELSE 0 END) AS BIGINT)"), "redeemed")
        .column_as(
            Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'expired' AND vouchers.member_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"),
            "expired",
        )
        .column_as(
            Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'redeemed' THEN vouchers.amount_fen ELSE 0 END) AS BIGINT)"),
            "amount",
        )
        .join(JoinType::InnerJoin, by_activity)
        .filter(me.scope.filter(activity::Column::OrgId))
        .group_by(activity::Column::OrgId)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, claimed, redeemed, expired, amount) in rows {
        if let Some(f) = own.get_mut(&org_id) {
            f.vouchers_claimed = claimed;
            f.vouchers_redeemed = redeemed;
            f.vouchers_expired = expired;
            f.redeemed_amount_fen = amount;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_zero_without_members() {
        assert_eq!(Figures::default().certification_rate(), 0.0);
        let f = Figures {
            members: 4,
            certified: 3,
            ..Default::default()
        };
        assert_eq!(f.certification_rate(), 0.75);
    }
}
