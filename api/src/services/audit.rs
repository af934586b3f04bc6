//! The audit log: who did what to which record. Callers pass details that never hold a
//! full ID number or phone number.

use entity::audit_log;
use entity::enums::PrincipalKind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;

/// One audited action.
pub struct Entry<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub detail: Option<serde_json::Value>,
}

/// Records an admin's action, in the caller's transaction when given one.
pub async fn record_admin<C: ConnectionTrait>(
    db: &C,
    actor: &AdminPrincipal,
    now: chrono::DateTime<chrono::Utc>,
    entry: Entry<'_>,
) -> ApiResult<()> {
    audit_log::ActiveModel {
        actor_kind: Set(PrincipalKind::Admin),
        actor_id: Set(actor.admin_id),
        org_id: Set(Some(actor.org_id)),
        action: Set(entry.action.to_owned()),
        target_type: Set(entry.target_type.to_owned()),
        target_id: Set(entry.target_id),
        detail: Set(entry.detail.map(|d| d.to_string())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
