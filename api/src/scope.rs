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
//!   activities of the organisations below it (`activities::may_review`), and it
//!   manages their admin accounts — creates subordinate organisations with their admin,
//!   adds, disables and enables admin accounts and issues new one-time passwords
//!   (`orgs`, audited). Those accounts are managed by any admin whose scope contains
//!   their organisation, never by their holder.

use entity::organisation;
use sea_orm::sea_query::{ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};

use crate::error::{ApiError, ApiResult};

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

    /// `SELECT id FROM organisations WHERE path LIKE '<path>%'`: the ids in scope.
    pub fn org_ids(&self) -> SelectStatement {
        Query::select()
            .column(organisation::Column::Id)
            .from(organisation::Entity)
            .and_where(organisation::Column::Path.starts_with(&self.path))
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
            code: "NOT_OWNER",
            message: "该记录属于下级组织，只能由其所属组织的管理员修改（上级组织可以查看）".into(),
        })
    }
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
}
