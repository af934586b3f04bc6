//! First start on an empty database: the root organisation and its admin account with a
//! one-time initial password.
//!
//! The password is `BOOTSTRAP_ADMIN_PASSWORD` when set; otherwise a random one, written
//! once to the log and, in the embedded mode, to `DATA_DIR/initial-admin-password`
//! (readable by the owner only). Like every initial password it works for 72 hours and
//! must be changed at the first log-in. Nobody is above the bootstrap admin to issue a
//! new one, so a start that finds it still waiting for that first log-in with an
//! expired password issues a fresh one the same way.

use chrono::{DateTime, Utc};
use entity::enums::OrgKind;
use entity::{admin_account, organisation};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::auth::password::{self, InitialPassword};
use crate::error::{ApiError, ApiResult};
use crate::services::orgs;
use crate::state::AppState;

/// Where the embedded mode leaves a generated bootstrap password.
pub const PASSWORD_FILE: &str = "initial-admin-password";

/// Creates the root organisation and its admin when there is no organisation yet, or
/// renews the bootstrap admin's expired one-time password. Two servers starting at
/// once: the admin username is unique (and the renewal conditional), so one wins and
/// the other finds its rows.
pub async fn ensure_root(state: &AppState) -> ApiResult<()> {
    if organisation::Entity::find().count(&state.db).await? > 0 {
        return renew_expired(state).await;
    }
    let now = state.clock.now();
    let (initial, generated) = initial_password(state, now).await?;
    let txn = state.db.begin().await?;
    let org = organisation::ActiveModel {
        parent_id: Set(None),
        path: Set("/pending/".into()),
        depth: Set(0),
        kind: Set(OrgKind::CityFederation),
        name: Set(state.settings.bootstrap_org_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active = org.into_active_model();
    active.path = Set(format!("/{}/", active.id.as_ref()));
    let org = active.update(&txn).await?;
    let username = username(state);
    match orgs::insert_admin(&txn, org.id, username.clone(), None, &initial, now).await {
        Ok(_) => {
            txn.commit().await?;
            tracing::info!(org = %org.name, %username, "bootstrapped the root organisation and its admin");
            announce(state, &username, &initial, generated)
        }
        Err(e) => {
            txn.rollback().await?;
            if organisation::Entity::find().count(&state.db).await? == 0 {
                return Err(e);
            }
            Ok(())
        }
    }
}

fn username(state: &AppState) -> String {
    state
        .settings
        .bootstrap_admin_username
        .trim()
        .to_lowercase()
}

/// `BOOTSTRAP_ADMIN_PASSWORD`, or a random one (`true`: generated).
async fn initial_password(
    state: &AppState,
    now: DateTime<Utc>,
) -> ApiResult<(InitialPassword, bool)> {
    let chosen = state
        .settings
        .bootstrap_admin_password
        .as_ref()
        .map(|p| p.expose_secret().trim().to_owned())
        .filter(|p| !p.is_empty());
    Ok(match chosen {
        Some(clear) => (InitialPassword::from_clear(clear, now).await?, false),
        None => (InitialPassword::generate(now).await?, true),
    })
}

/// The bootstrap admin still waits for its first log-in and its password has expired
/// (or predates one-time passwords): a fresh one, once even with several servers.
async fn renew_expired(state: &AppState) -> ApiResult<()> {
    let now = state.clock.now();
    let username = username(state);
    let pending = admin_account::Entity::find()
        .filter(admin_account::Column::Username.eq(username.as_str()))
        .one(&state.db)
        .await?
        .filter(|a| {
            password::initial_expired(a.must_change_password, a.initial_password_expires_at, now)
        });
    let Some(admin) = pending else {
        return Ok(());
    };
    let (initial, generated) = initial_password(state, now).await?;
    let renewed = admin_account::Entity::update_many()
        .col_expr(
            admin_account::Column::PasswordHash,
            Expr::value(initial.hash.clone()),
        )
        .col_expr(
            admin_account::Column::InitialPasswordExpiresAt,
            Expr::value(initial.expires_at),
        )
        .col_expr(admin_account::Column::UpdatedAt, Expr::value(now))
        .filter(admin_account::Column::Id.eq(admin.id))
        .filter(admin_account::Column::MustChangePassword.eq(true))
        .filter(
            Condition::any()
                .add(admin_account::Column::InitialPasswordExpiresAt.is_null())
                .add(admin_account::Column::InitialPasswordExpiresAt.lte(now)),
        )
        .exec(&state.db)
        .await?;
    if renewed.rows_affected == 1 {
        tracing::warn!(%username, "the bootstrap admin's one-time password had expired before the first log-in: issued a new one");
        announce(state, &username, &initial, generated)?;
    }
    Ok(())
}

/// Tells the operator a generated password: once in the log, and in the embedded mode
/// in a file only the owner can read. A chosen one is known already and goes nowhere.
fn announce(
    state: &AppState,
    username: &str,
    initial: &InitialPassword,
    generated: bool,
) -> ApiResult<()> {
    if !generated {
        return Ok(());
    }
    let expires_at = initial.expires_at.to_rfc3339();
    if state.settings.is_sqlite() {
        let path = state.settings.data_dir.join(PASSWORD_FILE);
        jobs::keys::replace_private(&path, &format!("{}\n", initial.clear)).map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context(format!("writing {}", path.display())))
        })?;
        tracing::warn!(path = %path.display(), "the bootstrap admin's one-time password is also in this file (owner-only); delete it after the first log-in");
    }
    tracing::warn!(
        username,
        password = %initial.clear,
        %expires_at,
        "one-time password of the bootstrap admin (shown once; log in and change it within 72 hours)"
    );
    Ok(())
}
