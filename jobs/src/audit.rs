//! The audit log's one writer: who did what to which record. The `api` server records
//! admins' actions through it (`api::services::audit`), the background jobs their own
//! (as `system`). Details never hold a full ID number or phone number.

use chrono::{DateTime, Utc};
use entity::audit_log;
use entity::enums::PrincipalKind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

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

/// Who acted: the kind of principal, its id (0 for the system) and its organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: PrincipalKind,
    pub id: i64,
    pub org_id: Option<i64>,
}

/// Records an action, in the caller's transaction when given one.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Actor,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        actor_kind: Set(actor.kind),
        actor_id: Set(actor.id),
        org_id: Set(actor.org_id),
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
