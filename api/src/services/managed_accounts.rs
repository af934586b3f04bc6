//! What an admin does to a login account it manages — an admin account (`orgs`) or a
//! merchant's staff account (`merchants`): issue a new one-time password, disable,
//! re-enable. The same steps for both tables, each in one transaction with its audit
//! entry; who may do it is decided by the caller before.

use entity::enums::PrincipalKind;
use entity::{admin_account, merchant_staff};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::auth::AdminPrincipal;
use crate::auth::password::InitialPassword;
use crate::error::ApiResult;
use crate::services::{audit, login_guard, sessions};
use crate::state::AppState;

/// The columns the steps touch.
pub struct Columns<C> {
    id: C,
    password_hash: C,
    must_change_password: C,
    initial_password_expires_at: C,
    disabled: C,
    updated_at: C,
}

/// A table of login accounts an admin manages.
pub trait ManagedAccount: EntityTrait {
    /// Whose sessions and log-in counters they are.
    const KIND: PrincipalKind;
    fn columns() -> Columns<Self::Column>;
}

impl ManagedAccount for admin_account::Entity {
    const KIND: PrincipalKind = PrincipalKind::Admin;
    fn columns() -> Columns<Self::Column> {
        use admin_account::Column as C;
        Columns {
            id: C::Id,
            password_hash: C::PasswordHash,
            must_change_password: C::MustChangePassword,
            initial_password_expires_at: C::InitialPasswordExpiresAt,
            disabled: C::Disabled,
            updated_at: C::UpdatedAt,
        }
    }
}

impl ManagedAccount for merchant_staff::Entity {
    const KIND: PrincipalKind = PrincipalKind::Merchant;
    fn columns() -> Columns<Self::Column> {
        use merchant_staff::Column as C;
        Columns {
            id: C::Id,
            password_hash: C::PasswordHash,
            must_change_password: C::MustChangePassword,
            initial_password_expires_at: C::InitialPasswordExpiresAt,
            disabled: C::Disabled,
            updated_at: C::UpdatedAt,
        }
    }
}

/// A new one-time initial password for account `id` (logging in as `login`): the old
/// password stops working, the account must change the new one, every session ends and
/// every log-in lock of the name is lifted.
pub async fn reissue_password<E: ManagedAccount>(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    login: &str,
    entry: audit::Entry<'_>,
) -> ApiResult<InitialPassword> {
    let c = E::columns();
    let now = state.clock.now();
    let initial = InitialPassword::generate(now).await?;
    let txn = state.db.begin().await?;
    E::update_many()
        .col_expr(c.password_hash, Expr::value(initial.hash.clone()))
        .col_expr(c.must_change_password, Expr::value(true))
        .col_expr(
            c.initial_password_expires_at,
            Expr::value(Some(initial.expires_at)),
        )
        .col_expr(c.updated_at, Expr::value(now))
        .filter(c.id.eq(id))
        .exec(&txn)
        .await?;
    sessions::revoke_all(&txn, state, E::KIND, id).await?;
    login_guard::lift(&txn, E::KIND, login).await?;
    audit::record_admin(&txn, me, now, entry).await?;
    txn.commit().await?;
    Ok(initial)
}

/// Disables account `id` (ending every session) or re-enables it.
pub async fn set_disabled<E: ManagedAccount>(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    disabled: bool,
    entry: audit::Entry<'_>,
) -> ApiResult<()> {
    let c = E::columns();
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    E::update_many()
        .col_expr(c.disabled, Expr::value(disabled))
        .col_expr(c.updated_at, Expr::value(now))
        .filter(c.id.eq(id))
        .exec(&txn)
        .await?;
    if disabled {
        sessions::revoke_all(&txn, state, E::KIND, id).await?;
    }
    audit::record_admin(&txn, me, now, entry).await?;
    txn.commit().await?;
    Ok(())
}
