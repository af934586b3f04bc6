//! The opening task (活动开启) of a big activity: creates its voucher slots a chunk at a
//! time, each chunk in its own transaction, recording progress (slots made / total) on
//! the task, then moves the activity from 开启中 to 已开启 by one conditional update
//! — only if it is still 开启中 and every slot exists — with its 处理轨迹 entry.
//!
//! Resumable: a run counts the slots each prize already has and creates only the rest,
//! so a run taken over after a crash (or a repeated run) never makes too many. An
//! activity closed while 开启中 stops the task at the next chunk. A task that uses up its
//! attempts gives the activity back as 审核通过 (`abandon`), to be opened again.

use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::{activity, organisation, task};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::activity_workflow::{self, Actor};
use crate::slots::{self, CHUNK};
use crate::task_runner::{Outcome, TaskError, renew};
use crate::workers::JobContext;

/// What the api stores in `tasks.params` for an opening.
#[derive(Debug, Serialize, Deserialize)]
pub struct OpeningParams {
    pub activity_id: i64,
}

const CLOSED: &str = "活动在开启过程中已关闭，已停止生成券码";

/// Runs the opening task.
pub async fn run(ctx: &JobContext, task: &task::Model) -> Result<Outcome, TaskError> {
    let Some(params) = crate::task_runner::params::<OpeningParams>(task) else {
        return Ok(Outcome::Failed("任务参数无效".into()));
    };
    let id = params.activity_id;
    let Some(mut current) = still_opening(ctx, id).await? else {
        return finished_elsewhere(ctx, id).await;
    };
    let prizes = slots::prizes_of(&ctx.db, id).await?;
    let total: i64 = prizes.iter().map(|p| p.quantity).sum();
    let mut left = Vec::with_capacity(prizes.len());
    let mut made = 0i64;
    for prize in &prizes {
        let has = slots::existing(&ctx.db, prize).await?.min(prize.quantity);
        made += has;
        left.push(prize.quantity - has);
    }
    renew(ctx, task, total, made).await?;
    for (prize, mut left) in prizes.iter().zip(left) {
        while left > 0 {
            let n = left.min(CHUNK as i64);
            slots::write_chunk(&ctx.db, prize, n as usize, ctx.clock.now()).await?;
            left -= n;
            made += n;
            renew(ctx, task, total, made).await?;
            match still_opening(ctx, id).await? {
                Some(fresh) => current = fresh,
                None => return finished_elsewhere(ctx, id).await,
            }
        }
    }
    finish(ctx, &current, &prizes).await
}

/// The activity while it is 开启中.
async fn still_opening(ctx: &JobContext, id: i64) -> Result<Option<activity::Model>, TaskError> {
    Ok(activity::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|a| a.status == ActivityStatus::Opening))
}

/// The outcome when the activity is no longer 开启中: done if it is open, else stopped.
async fn finished_elsewhere(ctx: &JobContext, id: i64) -> Result<Outcome, TaskError> {
    let status = activity::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .map(|a| a.status);
    Ok(match status {
        Some(ActivityStatus::Open) => Outcome::Succeeded,
        Some(ActivityStatus::Closed) => Outcome::Failed(CLOSED.into()),
        _ => Outcome::Failed("活动不存在或不在开启中".into()),
    })
}

/// 开启中 → 已开启 as the system, in one transaction that first checks every slot is
/// there; the update is conditional on the state read (`activity_workflow`).
async fn finish(
    ctx: &JobContext,
    current: &activity::Model,
    prizes: &[slots::PrizeSlots],
) -> Result<Outcome, TaskError> {
    let txn = ctx.db.begin().await?;
    for prize in prizes {
        let has = slots::existing(&txn, prize).await?;
        if has != prize.quantity {
            return Err(TaskError::Other(format!(
                "prize {} has {has} slots of {}",
                prize.prize_id, prize.quantity
            )));
        }
    }
    let actor = system(&txn, current).await?;
    let written = activity_workflow::transition(
        &txn,
        current,
        ActivityAction::FinishOpening,
        &actor,
        None,
        ctx.clock.now(),
    )
    .await?;
    if written.is_none() {
        drop(txn);
        return finished_elsewhere(ctx, current.id).await;
    }
    txn.commit().await?;
    tracing::info!(activity_id = current.id, "activity opened");
    Ok(Outcome::Succeeded)
}

/// The opening task used up its attempts (`task_runner::give_up`, in the transaction that
/// ends the task): an activity still 开启中 by this task goes back to 审核通过, with
/// `reason` in its 处理轨迹, so that an admin can open it again. The vouchers made so far
/// are kept, and the next opening makes only the missing ones.
pub async fn abandon<C: ConnectionTrait>(
    txn: &C,
    task: &task::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(params) = crate::task_runner::params::<OpeningParams>(task) else {
        return Ok(());
    };
    let current = activity::Entity::find_by_id(params.activity_id)
        .one(txn)
        .await?
        .filter(|a| a.status == ActivityStatus::Opening && a.opening_task_id == Some(task.id));
    let Some(current) = current else {
        return Ok(());
    };
    let actor = system(txn, &current).await?;
    let written = activity_workflow::transition(
        txn,
        &current,
        ActivityAction::AbandonOpening,
        &actor,
        Some(reason.to_owned()),
        now,
    )
    .await?;
    // Nothing written when it left 开启中 meanwhile (closed, say): nothing to report.
    if written.is_some() {
        tracing::warn!(
            activity_id = current.id,
            "opening abandoned: back to approved"
        );
    }
    Ok(())
}

/// The system acting for the activity's publishing organisation.
async fn system<C: ConnectionTrait>(db: &C, activity: &activity::Model) -> Result<Actor, DbErr> {
    let publisher = organisation::Entity::find_by_id(activity.org_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Actor::system(activity.org_id, publisher))
}
