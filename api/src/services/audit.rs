//! The audit log as admins' actions write it; the writer itself is `jobs::audit`
//! (shared with the background jobs). Callers pass details that never hold a full ID
//! number or phone number.

use entity::enums::PrincipalKind;
use sea_orm::ConnectionTrait;

pub use jobs::audit::Entry;

use crate::auth::AdminPrincipal;
use crate::error::ApiResult;

/// The audit actor of an admin.
pub fn admin(actor: &AdminPrincipal) -> jobs::audit::Actor {
    jobs::audit::Actor {
        kind: PrincipalKind::Admin,
        id: actor.admin_id,
        org_id: Some(actor.org_id),
    }
}

/// Records an admin's action, in the caller's transaction when given one.
pub async fn record_admin<C: ConnectionTrait>(
    db: &C,
    actor: &AdminPrincipal,
    now: chrono::DateTime<chrono::Utc>,
    entry: Entry<'_>,
) -> ApiResult<()> {
    Ok(jobs::audit::record(db, admin(actor), now, entry).await?)
}
