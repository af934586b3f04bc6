//! First start on an empty database: the root organisation and its admin account with
//! the initial password.

use entity::enums::OrgKind;
use entity::organisation;
use sea_orm::{
    ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set, TransactionTrait,
};

use crate::auth::password;
use crate::error::ApiResult;
use crate::services::orgs;
use crate::state::AppState;

/// Creates the root organisation and its admin when there is no organisation yet.
/// Two servers starting at once: the admin username is unique, so the loser's
/// transaction rolls back and it finds the winner's rows.
pub async fn ensure_root(state: &AppState) -> ApiResult<()> {
    if organisation::Entity::find().count(&state.db).await? > 0 {
        return Ok(());
    }
    let now = state.clock.now();
    let password_hash = password::hash(password::INITIAL_PASSWORD).await?;
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
    let username = state
        .settings
        .bootstrap_admin_username
        .trim()
        .to_lowercase();
    match orgs::insert_admin(&txn, org.id, username.clone(), None, password_hash, now).await {
        Ok(_) => {
            txn.commit().await?;
            tracing::info!(org = %org.name, %username, "bootstrapped the root organisation and its admin (initial password must be changed)");
        }
        Err(e) => {
            txn.rollback().await?;
            if organisation::Entity::find().count(&state.db).await? == 0 {
                return Err(e);
            }
        }
    }
    Ok(())
}
