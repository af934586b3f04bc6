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

impl<'a> Entry<'a> {
    /// An action on one record, without detail.
    pub fn on(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            detail: None,
        }
    }

    /// Adds a JSON detail (never a full ID number or phone number).
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
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
