//! The `jobs` binary: workers only, for production (PostgreSQL + Redis). Run as many as
//! the load needs; each claims tasks by lease, so none runs a task twice.

use std::sync::Arc;

use anyhow::Context;
use jobs::metrics::{Metrics, MetricsListener};
use jobs::workers::{self, JobContext};
use jobs::{Clock, Queue, Settings, database, shutdown, telemetry};

/// Same allocator as the api binary (see there why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    without_transparent_huge_pages();
    let settings = Settings::load().context("loading settings")?;
    telemetry::init(settings.log_format);
    let db = database::connect(&settings)
        .await
        .context("connecting to the database")?;
    // Redis may be down now: the queue connects when it answers, and the workers wait.
    let queue = Queue::connect(&settings)
        .await
        .context("connecting to the queue")?;
    if settings.redis_url.is_none() {
        tracing::warn!("REDIS_URL is unset: this worker only sees the local SQLite queue");
    } else if let Err(e) = queue.check().await {
        tracing::warn!(error = %e, "queue unavailable at start; tasks wait until it answers");
    }
    let cipher = jobs::keys::load_cipher(&settings).context("loading the encryption key")?;
    let metrics = Metrics::from_settings(&settings);
    metrics.spawn_upkeep();
    if let Some(addr) = &settings.metrics_addr {
        let listener = MetricsListener::bind(addr)
            .await
            .with_context(|| format!("binding METRICS_ADDR {addr}"))?;
        tracing::info!("metrics on http://{addr}/metrics (port {})", listener.port);
        let endpoint = jobs::metrics::endpoint(
            metrics.clone(),
            settings.metrics_token.clone(),
            vec![("main", db.clone())],
        );
        // Serves until the process ends.
        tokio::spawn(listener.serve(endpoint, std::future::pending()));
    }
    let ctx = JobContext {
        import_lanes: jobs::import::ImportLanes::for_database(&db, &settings),
        db,
        queue,
        settings: Arc::new(settings),
        clock: Clock::system(),
        cipher: std::sync::Arc::new(cipher),
        worker_name: worker_name(),
        metrics,
    };
    tracing::info!(worker = %ctx.worker_name, queue = ctx.queue.backend_name(), "workers starting");
    workers::run(ctx, shutdown::signal()).await?;
    tracing::info!("workers stopped");
    Ok(())
}

fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "jobs".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Turns transparent huge pages off for this process. mimalloc asks the kernel for them
/// on its arenas, and a roster import takes its memory fresh while it reads the file:
/// the kernel zeroing whole 2 MB pages took about 0.7 s of CPU in a 100,000-row import
/// (`perf`, 2026-12-03). Without them that import was 0.4–1.2 s faster and peaked about
/// 30 MB lower (mimalloc's own `MIMALLOC_ALLOW_THP=0` measured the same).
fn without_transparent_huge_pages() {
    // The flag is the process's (its memory map's), whichever thread sets it; an old
    // kernel without it changes nothing.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
