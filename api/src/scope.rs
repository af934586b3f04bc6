//! Who may see and who may change what, for every admin route.
//!
//! - **Read** (`Scope`): an admin sees its own organisation and every organisation below
//!   it ("本级及下级"), and nothing else. Records outside the scope answer 404, so
//!   another branch's existence never leaks.
//! - **Write** (`require_owner`): a record — merchant and its login accounts, coupon and
//!   its grants, activity and its prizes, unit, member, organisation profile,
//!   certification review, settlement statement — is changed only by admins of the
//!   organisation that owns it. A parent organisation reads a union's records but gets
//!   403 `NOT_OWNER` on every change. Every write service loads the record through its
//!   scope first (404) and then calls `require_owner` (403).
//! - **Two things a parent does on purpose**: it reviews (approves or rejects) the
//!   activities of the organisations below it (`activities::workflow::reviewable_by`), and it
//!   manages their admin accounts — creates subordinate organisations with their admin,
//!   adds, disables and enables admin accounts and issues new one-time passwords
//!   (`orgs`, audited). Those accounts are managed by any admin whose scope contains
//!   their organisation, never by their holder.
//! - **Members** (`member_sees`): a certified member sees an open activity whose scope
//!   organisation contains the member's organisation (and whose unit, when it names one,
//!   is the member's); the list, the detail and the claim all ask this one function.
//!
//! Every admin query that limits rows to "own organisation and below" goes through
//! `Scope` (`filter` for a table with an organisation column, `orgs` for the
//! organisations themselves); no query writes the path condition itself.

use entity::activity_state::ActivityStatus;
use entity::{activity, organisation};
use sea_orm::sea_query::{ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::services::rush_cache::{ActivitySnapshot, Holder};

/// An organisation subtree, named by the materialised path of its root (`/1/5/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub org_id: i64,
    pub path: String,
}

impl Scope {
    pub fn of(org: &organisation::Model) -> Self {
        Self {
            org_id: org.id,
            path: org.path.clone(),
        }
    }

    /// Whether an organisation with this path lies inside the scope.
    pub fn contains_path(&self, path: &str) -> bool {
        path.starts_with(&self.path)
    }

    /// The whole organisation tree the scope lies in (the same city system): the scope
    /// of its root organisation.
    pub fn whole_tree(&self) -> Self {
        Self {
            org_id: path_ids(&self.path).first().copied().unwrap_or(self.org_id),
            path: self
                .path
                .split('/')
                .nth(1)
                .map(|root| format!("/{root}/"))
                .unwrap_or_default(),
        }
    }

    /// A filter for the organisations table itself: "the organisation is in scope".
    pub fn orgs(&self) -> SimpleExpr {
        organisation::Column::Path.starts_with(&self.path)
    }

    /// `SELECT id FROM organisations WHERE path LIKE '<path>%'`: the ids in scope.
    pub fn org_ids(&self) -> SelectStatement {
        Query::select()
            .column(organisation::Column::Id)
            .from(organisation::Entity)
            .and_where(self.orgs())
            .to_owned()
    }

    /// The ids of the organisations strictly below the scope's root.
    pub fn org_ids_below(&self) -> SelectStatement {
        self.org_ids()
            .and_where(organisation::Column::Id.ne(self.org_id))
            .to_owned()
    }

    /// A filter for any table's organisation column: "belongs to an organisation in scope".
    pub fn filter<C: ColumnTrait>(&self, org_column: C) -> SimpleExpr {
        // Qualified with its table, so the filter stays unambiguous in joins.
        org_column.into_expr().in_subquery(self.org_ids())
    }

    /// Loads an organisation the caller may see, or 404.
    pub async fn visible_org<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: i64,
    ) -> ApiResult<organisation::Model> {
        organisation::Entity::find_by_id(org_id)
            .one(db)
            .await?
            .filter(|org| self.contains_path(&org.path))
            .ok_or(ApiError::NotFound("组织"))
    }
}

/// The write policy: a record is changed only by admins of the organisation that owns
/// it; a parent federation may look at a union's records but not change them (403
/// `NOT_OWNER`). Called after the record was found in the caller's scope.
pub fn require_owner(owner_org_id: i64, caller_org_id: i64) -> ApiResult<()> {
    if owner_org_id == caller_org_id {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: ErrorCode::NotOwner,
            message: "该记录属于下级组织，只能由其所属组织的管理员修改（上级组织可以查看）".into(),
        })
    }
}

/// The ids in a materialised path (`/1/5/12/` → `[1, 5, 12]`): the organisation and
/// its ancestors, root first. Sorting by it puts parents before children and siblings
/// by id.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

/// Whether the activity's scope (organisation, and unit when it names one) contains
/// the member, whatever the activity's state.
fn member_in_scope(snapshot: &ActivitySnapshot, holder: &Holder) -> bool {
    let (Some(member), Some(path)) = (&holder.member, &holder.org_path) else {
        return false;
    };
    !snapshot.scope_path.is_empty()
        && path.starts_with(&snapshot.scope_path)
        && snapshot
            .activity
            .scope_unit_id
            .is_none_or(|u| member.unit_id == Some(u))
}

/// The member-side rule: whether a member may see (and so claim in) an activity at
/// all: it is open and its scope contains the member's organisation and unit.
/// Anything else answers 404, like anything invisible. The window is checked apart
/// (outside it a visible activity is refused `NOT_IN_WINDOW`).
pub fn member_sees(snapshot: &ActivitySnapshot, holder: &Holder) -> bool {
    snapshot.activity.status == ActivityStatus::Open && member_in_scope(snapshot, holder)
}

/// A closed activity the member could otherwise see: a claim is answered
/// `NOT_IN_WINDOW`, not 404.
pub fn member_saw_closed(snapshot: &ActivitySnapshot, holder: &Holder) -> bool {
    snapshot.activity.status == ActivityStatus::Closed && member_in_scope(snapshot, holder)
}

/// The database side of `member_sees`, to preselect the list: open activities whose
/// scope organisation is the member's organisation or an ancestor. The unit is then
/// checked by `member_sees` on each.
pub fn member_candidates(holder: &Holder) -> Condition {
    Condition::all()
        .add(activity::Column::Status.eq(ActivityStatus::Open))
        .add(
            activity::Column::ScopeOrgId
                .is_in(path_ids(holder.org_path.as_deref().unwrap_or_default())),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_contains_its_subtree_but_not_a_sibling_sharing_a_prefix() {
        let scope = Scope {
            org_id: 5,
            path: "/1/5/".into(),
        };
        assert!(scope.contains_path("/1/5/"));
        assert!(scope.contains_path("/1/5/12/"));
        assert!(!scope.contains_path("/1/55/"));
        assert!(!scope.contains_path("/1/"));
    }

    #[test]
    fn the_whole_tree_is_the_scope_of_the_root() {
        let scope = Scope {
            org_id: 12,
            path: "/1/5/12/".into(),
        };
        assert_eq!(
            scope.whole_tree(),
            Scope {
                org_id: 1,
                path: "/1/".into()
            }
        );
    }

    #[test]
    fn paths_sort_parents_first_and_siblings_numerically() {
        let mut paths = vec!["/1/10/", "/1/2/", "/1/", "/1/2/30/"];
        paths.sort_by_key(|p| path_ids(p));
        assert_eq!(paths, ["/1/", "/1/2/", "/1/2/30/", "/1/10/"]);
    }
}
