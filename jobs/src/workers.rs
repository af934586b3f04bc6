//! Worker wiring: the task worker on the queue, and three scheduled workers,
//! housekeeping, the expiry sweep and the expiry reminders, run until the shutdown
//! signal.
//!
//! The scheduled workers need only the database, so they run whether or not the queue
//! answers, and neither depends on the other. The task worker's queue may be down (Redis
//! restarting, or not up yet when the process starts): its consumer then stops with an
//! error, and it is started again after a pause that grows to `RESTART_MAX`, until the
//! queue answers — no process restart needed.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::{
    BackendExt, BoxDynError, Data, Monitor, Strategy, WorkerBuilder, WorkerError,
};
use apalis_cron::{CronScheduler, Tick};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::housekeeping;
use crate::metrics::Metrics;
use crate::queue::{Queue, RunTask, Wake};
use crate::settings::Settings;
use crate::task_runner;

/// Pauses before the task worker's consumer is started again after the queue failed.
const RESTART_MIN: Duration = Duration::from_millis(500);
const RESTART_MAX: Duration = Duration::from_secs(5);
/// A consumer that ran this long before failing starts its pauses from the minimum again.
const HEALTHY_RUN: Duration = Duration::from_secs(30);
/// How long running jobs may take to finish after the shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

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
    /// Task runs by kind and outcome (off unless metrics are configured).
    pub metrics: Metrics,
    /// The connections roster imports write on (PostgreSQL only).
    pub import_lanes: Option<crate::import::ImportLanes>,
}

/// Runs the task on a tokio task of its own: if the queue consumer stops meanwhile
/// (Redis went away), the run still finishes instead of being dropped mid-way.
async fn handle_run_task(job: RunTask, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    let ctx = (*ctx).clone();
    let task_id = job.task_id;
    tokio::spawn(async move { task_runner::run(&ctx, task_id).await })
        .await?
        .map_err(|e| failed("task", task_id, &e))
}

async fn handle_housekeeping(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    housekeeping::run(&ctx)
        .await
        .map_err(|e| failed("housekeeping", 0, &e))?;
    Ok(())
}

async fn handle_expiry(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    crate::expiry::run(&ctx)
        .await
        .map_err(|e| failed("expiry sweep", 0, &e))?;
    Ok(())
}

async fn handle_reminders(_tick: Tick, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    crate::reminders::run(&ctx)
        .await
        .map_err(|e| failed("expiry reminders", 0, &e))?;
    Ok(())
}

/// Logs a failed job without row values and hands apalis (which may log or store the
/// error) only that text.
fn failed(job: &str, task_id: i64, e: &(dyn std::error::Error + 'static)) -> BoxDynError {
    let text = crate::loggable::chain(e);
    tracing::error!(job, task_id, error = %text, "job failed");
    text.into()
}

/// Runs the workers until `shutdown` resolves, then lets running jobs finish (for at
/// most `SHUTDOWN_GRACE`).
pub async fn run(
    ctx: JobContext,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let schedule = cron::Schedule::from_str(&ctx.settings.housekeeping_cron)
        .map_err(|e| anyhow::anyhow!("invalid HOUSEKEEPING_CRON: {e}"))?;
    let (stop_tx, stop) = watch::channel(false);

    let scheduled = {
        let (ctx, stop) = (ctx.clone(), stop.clone());
        let housekeeping = format!("{}-housekeeping", ctx.worker_name);
        let expiry = format!("{}-expiry", ctx.worker_name);
        let reminders = format!("{}-reminders", ctx.worker_name);
        let (ctx2, schedule2) = (ctx.clone(), schedule.clone());
        let (ctx3, schedule3) = (ctx.clone(), schedule.clone());
        Monitor::new()
            .shutdown_timeout(SHUTDOWN_GRACE)
            .register(move |_| {
                WorkerBuilder::new(housekeeping.clone())
                    .backend(CronScheduler::new(schedule.clone()))
                    .data(ctx.clone())
                    .build(handle_housekeeping)
            })
            .register(move |_| {
                WorkerBuilder::new(expiry.clone())
                    .backend(CronScheduler::new(schedule2.clone()))
                    .data(ctx2.clone())
                    .build(handle_expiry)
            })
            .register(move |_| {
                WorkerBuilder::new(reminders.clone())
                    .backend(CronScheduler::new(schedule3.clone()))
                    .data(ctx3.clone())
                    .build(handle_reminders)
            })
            .run_with_signal(async move {
                stopped(stop).await;
                Ok(())
            })
    };
    let tasks = tokio::spawn(run_task_worker(ctx, stop.clone()));

    let signal = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    let (_, scheduled) = tokio::join!(signal, scheduled);
    match tokio::time::timeout(SHUTDOWN_GRACE, tasks).await {
        Ok(joined) => joined?,
        Err(_) => tracing::warn!("running tasks did not finish in time; their leases run out"),
    }
    scheduled?;
    Ok(())
}

/// Resolves once the stop flag is raised.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// The queue consumer, started again whenever it stops on a queue error, until `stop`.
/// Each start registers under a new name: the queue remembers a worker name for a
/// while after its last heartbeat and refuses a second registration within that time.
async fn run_task_worker(ctx: JobContext, stop: watch::Receiver<bool>) {
    let mut pause = RESTART_MIN;
    for start in 0u64.. {
        let name = format!("{}-tasks-{start}", ctx.worker_name);
        let signal = {
            let stop = stop.clone();
            async move {
                stopped(stop).await;
                Ok::<(), WorkerError>(())
            }
        };
        let started = Instant::now();
        // Both stores otherwise wait for their heartbeat between empty fetches; a task
        // enqueued meanwhile wakes the consumer at once (`Wake`).
        let every = Duration::from_millis(ctx.settings.queue_poll_ms.max(1));
        let polling = |wake: Wake| Strategy::new().stream(wake).interval(every);
        let result = match ctx.queue.clone() {
            Queue::Sqlite(storage, wake) => {
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_strategy(polling(wake)))
                    .data(ctx.clone())
                    .build(handle_run_task)
                    .run_until(signal)
                    .await
            }
            Queue::Redis(storage) => {
                // The subscription lives as long as this consumer.
                let (wake, _subscription) = Wake::subscribe(&ctx.settings, storage.get_config())
                    .await
                    .map_or((Wake::default(), None), |(wake, conn)| (wake, Some(conn)));
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_strategy(polling(wake)))
                    .data(ctx.clone())
                    .build(handle_run_task)
                    .run_until(signal)
                    .await
            }
        };
        if *stop.borrow() {
            return;
        }
        if started.elapsed() > HEALTHY_RUN {
            pause = RESTART_MIN;
        }
        match result {
            Ok(()) => tracing::warn!(retry_in = ?pause, "queue consumer ended; starting it again"),
            Err(e) => tracing::warn!(
                error = %e, retry_in = ?pause,
                "queue unavailable; tasks wait until it answers again"
            ),
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stopped(stop.clone()) => return,
        }
        pause = (pause * 2).min(RESTART_MAX);
    }
}
