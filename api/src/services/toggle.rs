//! One on/off switch of an admin-managed record (a coupon enabled, a merchant online): set
//! the flag, bump the record's version (so a concurrent edit based on the old version is
//! refused) and record who did it, in one transaction.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;
use crate::services::audit;
use crate::state::AppState;

/// The columns a switch touches.
pub struct Columns<C> {
    pub id: C,
    pub flag: C,
    pub version: C,
    pub updated_at: C,
}

pub async fn set<E: EntityTrait>(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    columns: Columns<E::Column>,
    value: bool,
    entry: audit::Entry<'_>,
) -> ApiResult<()> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    E::update_many()
        .col_expr(columns.flag, Expr::value(value))
        .col_expr(columns.updated_at, Expr::value(now))
        .col_expr(columns.version, Expr::col(columns.version).add(1))
        .filter(columns.id.eq(id))
        .exec(&txn)
        .await?;
    audit::record_admin(&txn, me, now, entry).await?;
    txn.commit().await?;
    Ok(())
}
