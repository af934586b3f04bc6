//! The member roster (会员信息): manual entry, edit, search, detail (audited), transfer
//! and leaving. ID numbers are encrypted at rest and masked in lists.

use std::collections::HashMap;

use entity::enums::{MemberEventKind, MemberStatus, OrgKind};
use entity::roster::{ACTIVE_ELSEWHERE, FieldError, MemberDraft, ValidMember, join_messages};
use entity::value::{IdType, Phone, mask_id_number, normalize};
use entity::{app_account, member, member_event, organisation, unit};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::paging::PageRequest;
use crate::scope::require_owner;
use crate::services::audit;
use crate::services::units::require_union;
use crate::state::AppState;

/// A draft plus the unit it names.
pub struct MemberInput {
    pub draft: MemberDraft,
    pub unit_id: Option<i64>,
}

/// All field problems as one 400, each listed in `details`.
fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::ValidationDetails {
        message: join_messages(&errors),
        details: serde_json::json!(
            errors
                .iter()
                .map(|e| serde_json::json!({ "field": e.field, "message": e.message }))
                .collect::<Vec<_>>()
        ),
    }
}

/// Fields derived from a valid member, ready to store; returns the lookup hash.
fn personal_fields(state: &AppState, active: &mut member::ActiveModel, m: ValidMember) -> String {
    let id_number = m.id.as_str().to_owned();
    let hash = state.cipher.lookup_hash(&id_number);
    active.name = Set(m.name);
    active.phone = Set(m.phone.map(|p| p.as_str().to_owned()).unwrap_or_default());
    active.id_type = Set(m.id.kind().as_code().to_owned());
    active.id_number_enc = Set(state.cipher.encrypt(&id_number));
    active.id_number_hash = Set(hash.clone());
    active.id_number_masked = Set(mask_id_number(&id_number));
    active.gender = Set(m.gender.map(|g| g.as_code().to_owned()));
    active.birth_date = Set(m.birth_date);
    active.migrant_worker = Set(m.migrant_worker);
    active.position = Set(m.position);
    active.joined_on = Set(m.joined_on);
    active.remark = Set(m.remark);
    hash
}

/// The unit must belong to the member's union.
async fn check_unit(state: &AppState, org_id: i64, unit_id: Option<i64>) -> ApiResult<()> {
    if let Some(id) = unit_id {
        unit::Entity::find_by_id(id)
            .filter(unit::Column::OrgId.eq(org_id))
            .one(&state.db)
            .await?
            .ok_or(ApiError::NotFound("所在单位"))?;
    }
    Ok(())
}

/// Turns the "one active membership per person" unique violation into a 409: the
/// caller's own member (`MEMBER_EXISTS`, with its id), or `MEMBER_ACTIVE_ELSEWHERE`,
/// which names no union (`roster::ACTIVE_ELSEWHERE`): the admin asks for the person with
/// a transfer request instead.
async fn active_elsewhere<C: ConnectionTrait>(
    db: &C,
    err: sea_orm::DbErr,
    hash: &str,
    my_org: i64,
) -> ApiError {
    if !matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return ApiError::Db(err);
    }
    let own = member::Entity::find()
        .filter(member::Column::IdNumberHash.eq(hash))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::OrgId.eq(my_org))
        .one(db)
        .await;
    match own {
        Ok(Some(m)) => member_exists(m.id),
        Ok(None) => ApiError::conflict(ErrorCode::MemberActiveElsewhere, ACTIVE_ELSEWHERE),
        Err(e) => ApiError::Db(e),
    }
}

/// 409 `MEMBER_EXISTS`: the person is already an active member of the caller's union.
pub fn member_exists(member_id: i64) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::MemberExists,
        message: "本工会已有该会员（证件号码相同）".into(),
        details: Some(serde_json::json!({ "member_id": member_id })),
    }
}

fn event(
    member_id: i64,
    org_id: i64,
    kind: MemberEventKind,
    me: &AdminPrincipal,
    now: chrono::DateTime<chrono::Utc>,
) -> member_event::ActiveModel {
    member_event::ActiveModel {
        member_id: Set(member_id),
        org_id: Set(org_id),
        kind: Set(kind),
        other_org_id: Set(None),
        reason: Set(None),
        actor_admin_id: Set(Some(me.admin_id)),
        created_at: Set(now),
        ..Default::default()
    }
}

fn audit_entry<'a>(action: &'a str, member: &member::Model) -> audit::Entry<'a> {
    audit::Entry::on(action, "member", member.id)
        .with_detail(serde_json::json!({ "id_number": member.id_number_masked }))
}

/// Adds an active member to the caller's union.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id))]
pub async fn create(
    state: &AppState,
    me: &AdminPrincipal,
    input: MemberInput,
) -> ApiResult<member::Model> {
    require_union(state, me).await?;
    let valid = input.draft.validate(state.clock.today()).map_err(invalid)?;
    check_unit(state, me.org_id, input.unit_id).await?;
    let now = state.clock.now();
    let mut active = member::ActiveModel {
        org_id: Set(me.org_id),
        unit_id: Set(input.unit_id),
        status: Set(MemberStatus::Active),
        status_reason: Set(None),
        left_on: Set(None),
        certified: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let hash = personal_fields(state, &mut active, valid);
    let txn = state.db.begin().await?;
    let member = match active.insert(&txn).await {
        Ok(m) => m,
        Err(e) => {
            txn.rollback().await?;
            return Err(active_elsewhere(&state.db, e, &hash, me.org_id).await);
        }
    };
    event(member.id, me.org_id, MemberEventKind::Joined, me, now)
        .insert(&txn)
        .await?;
    audit::record_admin(&txn, me, now, audit_entry("create_member", &member)).await?;
    txn.commit().await?;
    Ok(member)
}

/// A member of an organisation in the caller's scope, or 404.
pub async fn get(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<member::Model> {
    member::Entity::find_by_id(id)
        .filter(me.scope.filter(member::Column::OrgId))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("会员"))
}

/// Everything the detail view shows, with the full ID number.
pub struct MemberDetail {
    pub member: member::Model,
    pub id_number: String,
    pub org_name: String,
    pub unit_name: Option<String>,
    pub events: Vec<(member_event::Model, String, Option<String>)>,
}

/// The full record; every call is written to the audit log (PIPL: who saw whose data).
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, member_id = id))]
pub async fn detail(state: &AppState, me: &AdminPrincipal, id: i64) -> ApiResult<MemberDetail> {
    let member = get(state, me, id).await?;
    let id_number = state
        .cipher
        .decrypt(&member.id_number_enc)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("member {}: {e}", member.id)))?;
    let events = member_event::Entity::find()
        .filter(member_event::Column::MemberId.eq(member.id))
        .order_by_asc(member_event::Column::Id)
        .all(&state.db)
        .await?;
    let mut org_ids: Vec<i64> = events
        .iter()
        .flat_map(|e| [Some(e.org_id), e.other_org_id])
        .flatten()
        .collect();
    org_ids.push(member.org_id);
    let names = org_names(state, org_ids).await?;
    let unit_name = match member.unit_id {
        Some(uid) => unit::Entity::find_by_id(uid)
            .one(&state.db)
            .await?
            .map(|u| u.name),
        None => None,
    };
    audit::record_admin(
        &state.db,
        me,
        state.clock.now(),
        audit_entry("view_member_detail", &member),
    )
    .await?;
    let name_of = |id: i64| names.get(&id).cloned().unwrap_or_default();
    Ok(MemberDetail {
        org_name: name_of(member.org_id),
        events: events
            .into_iter()
            .map(|e| {
                let org = name_of(e.org_id);
                let other = e.other_org_id.map(name_of);
                (e, org, other)
            })
            .collect(),
        member,
        id_number,
        unit_name,
    })
}

/// The organisations of these ids, by id, in one query.
pub async fn orgs_by_id(
    state: &AppState,
    mut ids: Vec<i64>,
) -> ApiResult<HashMap<i64, organisation::Model>> {
    ids.sort_unstable();
    ids.dedup();
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

pub async fn org_names(state: &AppState, ids: Vec<i64>) -> ApiResult<HashMap<i64, String>> {
    Ok(orgs_by_id(state, ids)
        .await?
        .into_iter()
        .map(|(id, o)| (id, o.name))
        .collect())
}

pub async fn unit_names(state: &AppState, mut ids: Vec<i64>) -> ApiResult<HashMap<i64, String>> {
    ids.sort_unstable();
    ids.dedup();
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Edits a member of the caller's union; the same rules as entry.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, member_id = id))]
pub async fn update(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    input: MemberInput,
) -> ApiResult<member::Model> {
    let existing = get(state, me, id).await?;
    require_owner(existing.org_id, me.org_id)?;
    let valid = input.draft.validate(state.clock.today()).map_err(invalid)?;
    check_unit(state, me.org_id, input.unit_id).await?;
    let now = state.clock.now();
    let mut active = existing.into_active_model();
    let hash = personal_fields(state, &mut active, valid);
    active.unit_id = Set(input.unit_id);
    active.updated_at = Set(now);
    let member = match active.update(&state.db).await {
        Ok(m) => m,
        Err(e) => return Err(active_elsewhere(&state.db, e, &hash, me.org_id).await),
    };
    audit::record_admin(&state.db, me, now, audit_entry("update_member", &member)).await?;
    Ok(member)
}

#[derive(Debug, Default)]
pub struct MemberFilter {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub status: Option<MemberStatus>,
    pub unit_id: Option<i64>,
    pub org_id: Option<i64>,
    pub certified: Option<bool>,
}

/// Roster search within the caller's scope, in a stable order (by id).
pub async fn list(
    state: &AppState,
    me: &AdminPrincipal,
    filter: MemberFilter,
    page: PageRequest,
) -> ApiResult<(Vec<member::Model>, u64)> {
    let mut query = member::Entity::find()
        .filter(me.scope.filter(member::Column::OrgId))
        .order_by_asc(member::Column::Id);
    if let Some(name) = filter
        .name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
    {
        query = query.filter(member::Column::Name.contains(&name));
    }
    if let Some(raw) = filter.id_number.filter(|n| !n.trim().is_empty()) {
        let hash = state.cipher.lookup_hash(&search_form(&raw));
        query = query.filter(member::id_hash_is(&hash));
    }
    if let Some(raw) = filter.phone.filter(|p| !p.trim().is_empty()) {
        let phone = Phone::parse(&raw).map_err(|e| ApiError::validation(e.to_string()))?;
        query = query.filter(member::Column::Phone.eq(phone.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(member::Column::Status.eq(status));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(member::Column::UnitId.eq(unit_id));
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(member::Column::OrgId.eq(org_id));
    }
    if let Some(certified) = filter.certified {
        query = query.filter(member::Column::Certified.eq(certified));
    }
    let paginator = query.paginate(&state.db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok((items, total))
}

/// The stored form of a searched ID number: as parsed for any document type it is valid
/// for, else merely normalised (it then simply matches nothing).
pub fn search_form(raw: &str) -> String {
    IdType::ALL
        .iter()
        .find_map(|kind| entity::value::IdNumber::parse(*kind, raw).ok())
        .map(|id| id.as_str().to_owned())
        .unwrap_or_else(|| normalize(raw))
}

/// A person named by name and ID number (certification, transfer requests): the name
/// trimmed (1–50 chars), the number parsed as `id_type` (default 居民身份证).
pub fn named_person(
    name: &str,
    id_type: Option<&str>,
    id_number: &str,
) -> ApiResult<(String, entity::value::IdNumber)> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(ApiError::validation("name（姓名）不能为空且不超过50字"));
    }
    let kind = match id_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => IdType::parse(t).map_err(|e| ApiError::validation(format!("id_type：{e}")))?,
        None => IdType::ResidentId,
    };
    let id = entity::value::IdNumber::parse(kind, id_number)
        .map_err(|e| ApiError::validation(format!("id_number：{e}")))?;
    Ok((name, id))
}

/// Whether a typed name is the roster's, ignoring whitespace.
pub fn same_name(a: &str, b: &str) -> bool {
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    clean(a) == clean(b)
}

/// The result of a transfer: the old record (now 转出) and the new one.
pub struct Transferred {
    pub from: member::Model,
    pub to: member::Model,
    pub to_org: organisation::Model,
}

/// 转会: the member leaves the caller's union as 转出 and joins the target union, in one
/// transaction; both records and their history stay, and a certified app account moves
/// to the new record.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, member_id = id, to_org_id))]
pub async fn transfer(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    to_org_id: i64,
    reason: Option<String>,
) -> ApiResult<Transferred> {
    let member = get(state, me, id).await?;
    require_owner(member.org_id, me.org_id)?;
    let target = transfer_target(state, me, to_org_id).await?;
    if target.id == member.org_id {
        return Err(ApiError::validation("转入工会不能是会员当前所在工会"));
    }
    let reason = crate::input::multiline_text(reason, "转会原因", 200)?;
    let txn = state.db.begin().await?;
    let moved = move_member(&txn, state, me, &member, target.id, reason).await?;
    txn.commit().await?;
    let from = member::Entity::find_by_id(member.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("会员"))?;
    Ok(Transferred {
        from,
        to: moved,
        to_org: target,
    })
}

/// The writes of a transfer, in the caller's transaction: the active record becomes 转出
/// (conditionally: `MEMBER_NOT_ACTIVE` if it no longer is), a new active record in
/// `to_org_id` copies it (no unit, joined today), a certified app account follows the
/// person to the new record, both get their history event, and the move is audited.
/// Returns the new record. Used by the transfer and by an approved transfer request.
pub async fn move_member(
    txn: &DatabaseTransaction,
    state: &AppState,
    me: &AdminPrincipal,
    member: &member::Model,
    to_org_id: i64,
    reason: Option<String>,
) -> ApiResult<member::Model> {
    let now = state.clock.now();
    let today = state.clock.today();
    let left = member::Entity::update_many()
        .col_expr(
            member::Column::Status,
            Expr::value(MemberStatus::TransferredOut),
        )
        .col_expr(member::Column::StatusReason, Expr::value(reason.clone()))
        .col_expr(member::Column::LeftOn, Expr::value(today))
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::Id.eq(member.id))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .exec(txn)
        .await?;
    if left.rows_affected == 0 {
        return Err(not_active());
    }
    let mut moved = member.clone().into_active_model();
    moved.id = sea_orm::ActiveValue::NotSet;
    moved.org_id = Set(to_org_id);
    moved.unit_id = Set(None);
    moved.joined_on = Set(Some(today));
    moved.status = Set(MemberStatus::Active);
    moved.status_reason = Set(None);
    moved.left_on = Set(None);
    moved.certified = Set(false);
    moved.import_task_id = Set(None);
    moved.created_at = Set(now);
    moved.updated_at = Set(now);
    let mut new_member = moved.insert(txn).await?;
    // A certified app account follows the person: it is linked to the new record,
    // which is certified from the start (the card number stays).
    let relinked = app_account::Entity::update_many()
        .col_expr(app_account::Column::MemberId, Expr::value(new_member.id))
        .col_expr(app_account::Column::UpdatedAt, Expr::value(now))
        .filter(app_account::Column::MemberId.eq(member.id))
        .exec(txn)
        .await?;
    if relinked.rows_affected > 0 {
        let mut certified = new_member.into_active_model();
        certified.certified = Set(true);
        new_member = certified.update(txn).await?;
    }
    let mut out = event(
        member.id,
        member.org_id,
        MemberEventKind::TransferredOut,
        me,
        now,
    );
    out.other_org_id = Set(Some(to_org_id));
    out.reason = Set(reason.clone());
    out.insert(txn).await?;
    let mut arrived = event(
        new_member.id,
        to_org_id,
        MemberEventKind::TransferredIn,
        me,
        now,
    );
    arrived.other_org_id = Set(Some(member.org_id));
    arrived.reason = Set(reason);
    arrived.insert(txn).await?;
    audit::record_admin(txn, me, now, audit_entry("transfer_member", member)).await?;
    Ok(new_member)
}

pub fn not_active() -> ApiError {
    ApiError::conflict(ErrorCode::MemberNotActive, "该会员已不是在会状态")
}

/// A grassroots union in the caller's organisation tree (the same city system); others
/// answer 404.
pub async fn transfer_target(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: i64,
) -> ApiResult<organisation::Model> {
    let org = organisation::Entity::find_by_id(org_id)
        .one(&state.db)
        .await?
        .filter(|o| me.scope.whole_tree().contains_path(&o.path))
        .ok_or(ApiError::NotFound("转入工会"))?;
    if org.kind != OrgKind::GrassrootsUnion {
        return Err(ApiError::validation("转入组织须为基层工会"));
    }
    Ok(org)
}

/// Unions a member may be transferred to, by name (id and name only).
pub async fn transfer_targets(
    state: &AppState,
    me: &AdminPrincipal,
    name: &str,
) -> ApiResult<Vec<organisation::Model>> {
    use sea_orm::QuerySelect;
    Ok(organisation::Entity::find()
        .filter(me.scope.whole_tree().orgs())
        .filter(organisation::Column::Kind.eq(OrgKind::GrassrootsUnion))
        .filter(organisation::Column::Name.contains(name.trim()))
        .order_by_asc(organisation::Column::Id)
        .limit(20)
        .all(&state.db)
        .await?)
}

/// 退休 / 离岗 / 其他: the member leaves the union; the record and history stay.
#[tracing::instrument(skip_all, fields(admin_id = me.admin_id, member_id = id))]
pub async fn leave(
    state: &AppState,
    me: &AdminPrincipal,
    id: i64,
    status: MemberStatus,
    reason: Option<String>,
) -> ApiResult<member::Model> {
    let member = get(state, me, id).await?;
    require_owner(member.org_id, me.org_id)?;
    match status {
        MemberStatus::Retired | MemberStatus::LeftJob | MemberStatus::Other => {}
        MemberStatus::TransferredOut => {
            return Err(ApiError::validation("转出请使用转会功能，并选择转入工会"));
        }
        MemberStatus::Active => return Err(ApiError::validation("会籍状态须为退休、离岗或其他")),
    }
    let reason = crate::input::multiline_text(reason, "原因", 200)?;
    if status == MemberStatus::Other && reason.is_none() {
        return Err(ApiError::validation("选择“其他”时须填写原因"));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let done = member::Entity::update_many()
        .col_expr(member::Column::Status, Expr::value(status))
        .col_expr(member::Column::StatusReason, Expr::value(reason.clone()))
        .col_expr(member::Column::LeftOn, Expr::value(state.clock.today()))
        .col_expr(member::Column::UpdatedAt, Expr::value(now))
        .filter(member::Column::Id.eq(member.id))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(not_active());
    }
    let mut left = event(member.id, member.org_id, MemberEventKind::Left, me, now);
    left.reason = Set(Some(match &reason {
        Some(r) => format!("{}：{r}", status.label()),
        None => status.label().to_owned(),
    }));
    left.insert(&txn).await?;
    audit::record_admin(&txn, me, now, audit_entry("member_left", &member)).await?;
    txn.commit().await?;
    member::Entity::find_by_id(member.id)
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound("会员"))
}
