//! The opening task (活动开启) of a big activity: creates its voucher slots a chunk at a
//! time, each chunk in its own transaction, recording progress (slots made / total) on
//! the task, then moves the activity from 开启中 to 已开启 by one conditional update
//! — only if it is still 开启中 and every slot exists — with its 处理轨迹 entry.
//!
//! Resumable: a run counts the slots each prize already has and creates only the rest,
//! so a run taken over after a crash (or a repeated run) never makes too many. An
//! activity closed while 开启中 stops the task at the next chunk.

use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::{activity, organisation, task};
use sea_orm::{EntityTrait, TransactionTrait};
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
    let publisher = organisation::Entity::find_by_id(current.org_id)
        .one(&txn)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let actor = Actor::system(current.org_id, publisher);
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
