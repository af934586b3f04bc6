//! Worker wiring: the task worker on the queue and the scheduled housekeeping worker,
//! run under one apalis `Monitor` until the shutdown signal.

use std::str::FromStr;
use std::sync::Arc;

use apalis::prelude::{BackendExt, BoxDynError, Data, Monitor, WorkerBuilder};
use apalis_cron::{CronScheduler, Tick};
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::housekeeping;
use crate::queue::{Queue, RunTask};
use crate::settings::Settings;
use crate::task_runner;

/// How often an idle worker looks for new tasks.
const QUEUE_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// What every job handler gets: the database, the queue (to enqueue follow-ups), the
/// settings and the clock.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub queue: Queue,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub cipher: Arc<entity::crypto::PiiCipher>,
    /// Names this process in task leases and housekeeping rows.
    pub worker_name: String,
}

async fn handle_run_task(job: RunTask, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    task_runner::run(&ctx, job.task_id)
        .await
        .map_err(|e| failed("task", job.task_id, &e))
}

/// The scheduled pass: housekeeping, then the expiry sweep.
async fn handle_tick(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    housekeeping::run(&ctx)
        .await
        .map_err(|e| failed("housekeeping", 0, &e))?;
    crate::expiry::run(&ctx)
        .await
        .map_err(|e| failed("expiry sweep", 0, &e))?;
    Ok(())
}

/// Logs a failed job without row values and hands apalis (which may log or store the
/// error) only that text.
fn failed(job: &str, task_id: i64, e: &(dyn std::error::Error + 'static)) -> BoxDynError {
    let text = crate::loggable::chain(e);
    tracing::error!(job, task_id, error = %text, "job failed");
    text.into()
}

/// Runs the workers until `shutdown` resolves, then lets running jobs finish.
pub async fn run(
    ctx: JobContext,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let schedule = cron::Schedule::from_str(&ctx.settings.housekeeping_cron)
        .map_err(|e| anyhow::anyhow!("invalid HOUSEKEEPING_CRON: {e}"))?;
    let task_name = format!("{}-tasks", ctx.worker_name);
    let cron_name = format!("{}-housekeeping", ctx.worker_name);

    let monitor = Monitor::new().shutdown_timeout(std::time::Duration::from_secs(30));
    let monitor = {
        let ctx = ctx.clone();
        match ctx.queue.clone() {
            // Both stores otherwise wait for their heartbeat between empty fetches.
            Queue::Sqlite(storage) => monitor.register(move |_| {
                WorkerBuilder::new(task_name.clone())
                    .backend(storage.clone().poll_with_interval(QUEUE_POLL))
                    .data(ctx.clone())
                    .build(handle_run_task)
            }),
            Queue::Redis(storage) => monitor.register(move |_| {
                WorkerBuilder::new(task_name.clone())
                    .backend(storage.clone().poll_with_interval(QUEUE_POLL))
                    .data(ctx.clone())
                    .build(handle_run_task)
            }),
        }
    };
    let monitor = monitor.register(move |_| {
        WorkerBuilder::new(cron_name.clone())
            .backend(CronScheduler::new(schedule.clone()))
            .data(ctx.clone())
            .build(handle_tick)
    });
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await?;
    Ok(())
}
