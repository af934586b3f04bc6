//! Writes one batch of checked rows at once (SQLite: a transaction; PostgreSQL: a
//! savepoint of the import's lane): insert the new, update the
//! changed, leave the identical alone, and refuse people active in another union
//! (without naming it: the admin asks for them with a transfer request). What each row
//! does is decided here for both backends; PostgreSQL moves the rows as arrays bound to
//! one set-based statement (`postgres.rs`), SQLite with a statement per changed record.

use std::collections::{HashMap, HashSet};

use entity::enums::{MemberEventKind, MemberStatus};
use entity::roster::ACTIVE_ELSEWHERE;
use entity::{member, member_event, task};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set, SqlErr, TransactionTrait,
};

use super::ReadyRow;
use super::postgres::Lane;
use super::result::{RowOutcome, RowResult};
use crate::workers::JobContext;

/// Per row (by index into the file's rows): its outcome or why it failed.
pub(crate) type BatchResult = Vec<(usize, Result<RowOutcome, String>)>;

/// This union's records, loaded once per run: a fresh import looks nothing up per row,
/// and a re-run after a crash sees what the earlier attempt wrote.
pub(crate) struct Existing(HashMap<String, member::Model, foldhash::fast::RandomState>);

impl Existing {
    pub(crate) async fn load(ctx: &JobContext, org_id: i64) -> Result<Self, DbErr> {
        let mut map: HashMap<String, member::Model, _> =
            HashMap::with_hasher(foldhash::fast::RandomState::default());
        for m in member::Entity::find()
            .filter(member::Column::OrgId.eq(org_id))
            .all(&ctx.db)
            .await?
        {
            // The active record, else the newest.
            let better = map.get(&m.id_number_hash).is_none_or(|cur| {
                (m.status == MemberStatus::Active, m.id)
                    > (cur.status == MemberStatus::Active, cur.id)
            });
            if better {
                map.insert(m.id_number_hash.clone(), m);
            }
        }
        Ok(Self(map))
    }

    /// The records of this batch's people, taken out of the union's map. A file holds
    /// each person once (later duplicates are refused before writing), so batches
    /// share nothing and can be written concurrently.
    pub(crate) fn take(&mut self, batch: &[ReadyRow]) -> Self {
        Self(
            batch
                .iter()
                .filter_map(|r| self.0.remove_entry(&r.hash))
                .collect(),
        )
    }
}

/// A dry run (试导入): what writing the ready rows would do, recorded in `results`;
/// nothing is written. It reads what a real run reads (the union's records, once) and
/// looks the new people up among other unions' active members, a thousand at a time.
pub(crate) async fn foresee(
    ctx: &JobContext,
    task: &task::Model,
    ready: &[ReadyRow],
    results: &mut [RowResult],
) -> Result<(), DbErr> {
    let existing = Existing::load(ctx, task.org_id).await?;
    let new: Vec<String> = ready
        .iter()
        .filter(|r| !existing.0.contains_key(&r.hash))
        .map(|r| r.hash.clone())
        .collect();
    let mut elsewhere: HashSet<String> = HashSet::new();
    for chunk in new.chunks(1000) {
        let found: Vec<String> = member::Entity::find()
            .select_only()
            .column(member::Column::IdNumberHash)
            .filter(member::Column::IdNumberHash.is_in(chunk.iter().cloned()))
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .filter(member::Column::OrgId.ne(task.org_id))
            .into_tuple()
            .all(&ctx.db)
            .await?;
        elsewhere.extend(found);
    }
    for row in ready {
        let result = &mut results[row.index];
        if existing.0.contains_key(&row.hash) {
            result.outcome = RowOutcome::Updated;
        } else if elsewhere.contains(&row.hash) {
            result.reasons.push(ACTIVE_ELSEWHERE.to_owned());
        } else {
            result.outcome = RowOutcome::Inserted;
        }
    }
    Ok(())
}

/// Writes a batch: on PostgreSQL on the import's lane (see `postgres::Lane`), on SQLite
/// (no lane) in a transaction of its own.
pub(crate) async fn apply(
    ctx: &JobContext,
    task: &task::Model,
    existing: &Existing,
    batch: &[ReadyRow],
    mut lane: Option<&mut Lane>,
) -> Result<BatchResult, DbErr> {
    match write(ctx, task, existing, batch, lane.as_deref_mut()).await {
        Err(e)
            if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
                && batch.len() > 1 =>
        {
            // An update collided with someone entered elsewhere meanwhile: redo row by row
            // so only that row fails.
            let mut out = Vec::with_capacity(batch.len());
            for row in batch {
                out.extend(
                    Box::pin(apply(
                        ctx,
                        task,
                        existing,
                        std::slice::from_ref(row),
                        lane.as_deref_mut(),
                    ))
                    .await?,
                );
            }
            Ok(out)
        }
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(vec![(batch[0].index, Err(ACTIVE_ELSEWHERE.to_owned()))])
        }
        other => other,
    }
}

/// A batch decided: the records to insert (with their row indexes), those to update
/// (with the event of a status change), and the outcomes of rows needing no write.
pub(crate) struct Changes {
    pub new: Vec<(usize, member::ActiveModel)>,
    pub changed: Vec<(
        usize,
        member::ActiveModel,
        Option<member_event::ActiveModel>,
    )>,
    pub done: BatchResult,
}

/// What writing the batch does to each row, decided against the union's records.
fn decide(
    ctx: &JobContext,
    task: &task::Model,
    existing: &Existing,
    batch: &[ReadyRow],
) -> Changes {
    let now = ctx.clock.now();
    let today = ctx.clock.today();
    let mut changes = Changes {
        new: Vec::new(),
        changed: Vec::new(),
        done: Vec::with_capacity(batch.len()),
    };
    for row in batch {
        match existing.0.get(&row.hash) {
            Some(current) => {
                let outcome = if current.import_task_id == Some(task.id) {
                    RowOutcome::Inserted
                } else {
                    RowOutcome::Updated
                };
                if differs(current, row) {
                    let event = status_event(current.status, row.status)
                        .map(|kind| event(current.id, task, kind, row.status, now));
                    let mut active = current.clone().into_active_model();
                    fill(&mut active, row, today);
                    active.id_number_enc = Set(row.encrypted.clone());
                    active.updated_at = Set(now);
                    changes.changed.push((row.index, active, event));
                }
                changes.done.push((row.index, Ok(outcome)));
            }
            None => {
                let mut active = member::ActiveModel {
                    org_id: Set(task.org_id),
                    id_number_enc: Set(row.encrypted.clone()),
                    id_number_hash: Set(row.hash.clone()),
                    certified: Set(false),
                    import_task_id: Set(Some(task.id)),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                fill(&mut active, row, today);
                changes.new.push((row.index, active));
            }
        }
    }
    changes
}

async fn write(
    ctx: &JobContext,
    task: &task::Model,
    existing: &Existing,
    batch: &[ReadyRow],
    lane: Option<&mut Lane>,
) -> Result<BatchResult, DbErr> {
    let now = ctx.clock.now();
    let mut changes = decide(ctx, task, existing, batch);
    // The new rows that did not go in: people active in another union, which the
    // result does not name.
    let refused = match lane {
        Some(lane) => {
            let joined = event(0, task, MemberEventKind::Joined, MemberStatus::Active, now);
            super::postgres::write(lane, &joined, &mut changes).await?
        }
        None => write_each(ctx, task, now, &changes).await?,
    };
    let Changes { new, mut done, .. } = changes;
    let refused: HashSet<usize> = refused.into_iter().collect();
    done.extend(new.into_iter().map(|(index, _)| {
        if refused.contains(&index) {
            (index, Err(ACTIVE_ELSEWHERE.to_owned()))
        } else {
            (index, Ok(RowOutcome::Inserted))
        }
    }));
    Ok(done)
}

/// SQLite: one statement per changed record, one for the new ones and one for the
/// events, in one transaction; returns the new rows that did not go in.
async fn write_each(
    ctx: &JobContext,
    task: &task::Model,
    now: chrono::DateTime<chrono::Utc>,
    changes: &Changes,
) -> Result<Vec<usize>, DbErr> {
    let txn = ctx.db.begin().await?;
    let mut events = Vec::new();
    for (_, active, event) in &changes.changed {
        active.clone().update(&txn).await?;
        events.extend(event.clone());
    }
    let mut refused = Vec::new();
    if !changes.new.is_empty() {
        let inserted: HashSet<String> = insert_new(
            &txn,
            task,
            now,
            changes.new.iter().map(|(_, a)| a.clone()).collect(),
        )
        .await?
        .into_iter()
        .collect();
        refused.extend(changes.new.iter().filter_map(|(index, active)| {
            let hash = active.id_number_hash.try_as_ref()?;
            (!inserted.contains(hash)).then_some(*index)
        }));
    }
    // Events of changed records (new ones got theirs with the insert).
    if !events.is_empty() {
        member_event::Entity::insert_many(events).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(refused)
}

/// Inserts the batch's new members with their 入会 events and returns the ID-number
/// hashes of those that went in. A person already active somewhere hits the one-active
/// index and is skipped, not an error, so the rest of the batch still goes in.
async fn insert_new(
    txn: &DatabaseTransaction,
    task: &task::Model,
    now: chrono::DateTime<chrono::Utc>,
    rows: Vec<member::ActiveModel>,
) -> Result<Vec<String>, DbErr> {
    let mut on_conflict = OnConflict::column(member::Column::IdNumberHash);
    on_conflict
        .target_and_where(Expr::cust("status = 'active'"))
        .do_nothing();
    let inserted = match member::Entity::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_with_returning(txn)
        .await
    {
        Ok(rows) => rows,
        Err(DbErr::RecordNotInserted) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let events = inserted
        .iter()
        .map(|m| event(m.id, task, MemberEventKind::Joined, m.status, now));
    member_event::Entity::insert_many(events).exec(txn).await?;
    Ok(inserted.into_iter().map(|m| m.id_number_hash).collect())
}

fn fill(active: &mut member::ActiveModel, row: &ReadyRow, today: chrono::NaiveDate) {
    let m = &row.member;
    active.unit_id = Set(row.unit_id);
    active.name = Set(m.name.clone());
    // A row without a phone keeps the record's phone (a new record has none).
    match &m.phone {
        Some(phone) => active.phone = Set(phone.as_str().to_owned()),
        None if active.phone.is_not_set() => active.phone = Set(String::new()),
        None => {}
    }
    active.id_type = Set(m.id.kind().as_code().to_owned());
    active.id_number_masked = Set(row.id_number_masked.clone());
    active.gender = Set(m.gender.map(|g| g.as_code().to_owned()));
    active.birth_date = Set(m.birth_date);
    active.migrant_worker = Set(m.migrant_worker);
    active.position = Set(m.position.clone());
    active.joined_on = Set(m.joined_on);
    active.remark = Set(m.remark.clone());
    active.status = Set(row.status);
    if row.status == MemberStatus::Active {
        active.left_on = Set(None);
        active.status_reason = Set(None);
    } else if active.left_on.try_as_ref().is_none_or(|d| d.is_none()) {
        active.left_on = Set(Some(today));
    }
}

/// Whether the stored record differs from the row (the encrypted ID differs every time,
/// so the ID is compared by its hash, which matched already).
fn differs(current: &member::Model, row: &ReadyRow) -> bool {
    let m = &row.member;
    current.unit_id != row.unit_id
        || current.name != m.name
        || m.phone
            .as_ref()
            .is_some_and(|p| current.phone != p.as_str())
        || current.id_type != m.id.kind().as_code()
        || current.gender.as_deref() != m.gender.map(|g| g.as_code())
        || current.birth_date != m.birth_date
        || current.migrant_worker != m.migrant_worker
        || current.position != m.position
        || current.joined_on != m.joined_on
        || current.remark != m.remark
        || current.status != row.status
}

fn status_event(from: MemberStatus, to: MemberStatus) -> Option<MemberEventKind> {
    match (from == MemberStatus::Active, to == MemberStatus::Active) {
        (true, false) => Some(MemberEventKind::Left),
        (false, true) => Some(MemberEventKind::Joined),
        _ => None,
    }
}

fn event(
    member_id: i64,
    task: &task::Model,
    kind: MemberEventKind,
    status: MemberStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> member_event::ActiveModel {
    let reason = match kind {
        MemberEventKind::Left => format!("批量导入：{}", status.label()),
        _ => "批量导入".to_owned(),
    };
    member_event::ActiveModel {
        member_id: Set(member_id),
        org_id: Set(task.org_id),
        kind: Set(kind),
        other_org_id: Set(None),
        reason: Set(Some(reason)),
        actor_admin_id: Set(task.submitted_by),
        created_at: Set(now),
        ..Default::default()
    }
}
