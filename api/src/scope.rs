//! The visibility rule every admin route uses: an admin sees its own organisation and
//! every organisation below it ("本级及下级"), and nothing else. Records outside the
//! scope answer 404, so another branch's existence never leaks.

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

/// Writes are allowed only where the caller's own organisation owns the record: a
/// parent federation may look at a union's roster but not edit it.
pub fn require_owner(owner_org_id: i64, caller_org_id: i64) -> ApiResult<()> {
    if owner_org_id == caller_org_id {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "NOT_OWNER",
            message: "仅所属工会的管理员可以修改".into(),
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
