//! The job queue: one way to enqueue whatever the backend (Redis in production, a SQLite
//! file in the embedded mode).
//!
//! The queue carries only task ids. The `tasks` row is the source of truth, so a lost
//! message costs a delay (housekeeping re-enqueues), never data.
//!
//! Redis may be down when a process starts or go away while it runs: the connection is
//! made lazily and re-made on the next command, every call is bounded in time, and a
//! failed call is an error for the caller to log (the task stays pending), never a
//! reason to stop serving. The workers restart their queue consumer until Redis answers
//! again (`workers::run`).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqlitePool, SqliteStorage};
use futures::task::AtomicWaker;
use redis::aio::ConnectionManagerConfig;
use redis::{IntoConnectionInfo, ProtocolVersion};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// Default queue name, stable on purpose: the apalis default is the Rust type path, which a rename would
/// silently orphan.
pub const TASK_QUEUE: &str = "gonghui.tasks";

/// Longest wait for an enqueue: an api request that creates a task does not hang on a
/// dead Redis (the task stays pending and housekeeping enqueues it later).
const PUSH_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for `/health`'s round trip.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// "Run the task with this id." Everything else is read from its row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunTask {
    pub task_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

#[derive(Clone)]
pub enum Queue {
    /// With the wake-up of this process's consumer: the embedded mode runs the workers
    /// in the server's process.
    Sqlite(SqliteStorage<RunTask>, Wake),
    Redis(RedisStorage<RunTask>),
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.backend_name())
    }
}

impl Queue {
    /// Redis when `REDIS_URL` is set, else the SQLite file in the data dir.
    pub async fn connect(settings: &Settings) -> Result<Self, QueueError> {
        match &settings.redis_url {
            Some(url) => {
                let conn = redis_connection(url.expose_secret())?;
                let config = apalis_redis::Config::default()
                    .queue(&settings.queue_name)
                    .heartbeat_interval(Duration::from_secs(5));
                Ok(Self::Redis(RedisStorage::new(conn).with_config(config)))
            }
            None => {
                std::fs::create_dir_all(&settings.data_dir)
                    .map_err(|e| QueueError::Unavailable(e.to_string()))?;
                let pool = SqlitePool::connect(&settings.queue_sqlite_url())
                    .await
                    .map_err(|e| QueueError::Unavailable(e.to_string()))?;
                SqliteStorage::setup(&pool)
                    .await
                    .map_err(|e| QueueError::Unavailable(e.to_string()))?;
                let config = apalis_sqlite::Config::default()
                    .queue(&settings.queue_name)
                    .heartbeat_interval(Duration::from_secs(5));
                Ok(Self::Sqlite(
                    SqliteStorage::new(&pool).with_config(config),
                    Wake::default(),
                ))
            }
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(..) => "sqlite",
            Self::Redis(_) => "redis",
        }
    }

    /// Enqueues a task run, waiting at most `PUSH_TIMEOUT`.
    pub async fn push(&self, job: RunTask) -> Result<(), QueueError> {
        let push = async {
            match self {
                Self::Sqlite(storage, wake) => {
                    storage.clone().push(job).await.map_err(|e| e.to_string())?;
                    wake.signal();
                    Ok(())
                }
                Self::Redis(storage) => {
                    let mut storage = storage.clone();
                    storage.push(job).await.map_err(|e| e.to_string())?;
                    // The task is queued; a wake-up that does not go out costs a poll.
                    let channel = wake_channel(storage.get_config());
                    let published: Result<i64, _> = redis::cmd("PUBLISH")
                        .arg(channel)
                        .arg("")
                        .query_async(storage.get_connection())
                        .await;
                    if let Err(e) = published {
                        tracing::debug!(error = %e, "no wake-up sent for a queued task");
                    }
                    Ok(())
                }
            }
        };
        within(PUSH_TIMEOUT, push).await
    }

    /// A round trip to the backend, for `/health`, waiting at most `CHECK_TIMEOUT`.
    pub async fn check(&self) -> Result<(), QueueError> {
        within(CHECK_TIMEOUT, self.round_trip()).await
    }

    async fn round_trip(&self) -> Result<(), String> {
        match self {
            Self::Sqlite(storage, _) => sea_orm::sqlx::query("SELECT 1")
                .execute(storage.pool())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Self::Redis(storage) => {
                let mut conn: ConnectionManager = storage.clone().get_connection().clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

async fn within(
    limit: Duration,
    call: impl std::future::Future<Output = Result<(), String>>,
) -> Result<(), QueueError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(QueueError::Unavailable),
        Err(_) => Err(QueueError::Unavailable(format!(
            "no answer within {} s",
            limit.as_secs()
        ))),
    }
}

/// A Redis connection that is made on first use and re-made after a failure, so a
/// process starts while Redis is down and recovers when it is back. One quick retry
/// per command (the callers retry on their own schedules), and no command waits on an
/// unreachable host for long.
fn redis_connection(url: &str) -> Result<ConnectionManager, QueueError> {
    let client =
        apalis_redis::Client::open(url).map_err(|e| QueueError::Unavailable(e.to_string()))?;
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500))
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(10)));
    ConnectionManager::new_lazy_with_config(client, config)
        .map_err(|e| QueueError::Unavailable(e.to_string()))
}

/// Wakes a task consumer when a task is enqueued, so it starts at once instead of at its
/// next poll (every `QUEUE_POLL_MS`, which stays as the fallback: a wake-up lost with a
/// connection costs that delay, never the task). On Redis `Queue::push` publishes on
/// the queue's wake channel and `Wake::subscribe` listens (apalis's own events do not
/// serve: it files a pushed task as scheduled for now, and announces it only once a
/// poll moved it); in the embedded mode `Queue::push` signals this process's consumer.
#[derive(Clone, Debug, Default)]
pub struct Wake(Arc<WakeState>);

#[derive(Debug, Default)]
struct WakeState {
    waker: AtomicWaker,
    pending: AtomicBool,
}

impl Wake {
    fn signal(&self) {
        self.0.pending.store(true, Ordering::Release);
        self.0.waker.wake();
    }

    /// A wake-up for the Redis queue's consumer, subscribed to the channel `Queue::push`
    /// publishes on (RESP3 pushes on a connection of its own, subscribed again after a
    /// reconnect). `None` when Redis cannot be reached now: the consumer polls. `queue`
    /// is the storage's own configuration, so both sides name the same channel.
    pub async fn subscribe(
        settings: &Settings,
        queue: &apalis_redis::Config,
    ) -> Option<(Self, ConnectionManager)> {
        let url = settings.redis_url.as_ref()?;
        let channel = wake_channel(queue);
        let wake = Self::default();
        let signal = wake.clone();
        let subscribing = async move {
            let info = url
                .expose_secret()
                .into_connection_info()
                .map_err(|e| e.to_string())?;
            let resp3 = info
                .redis_settings()
                .clone()
                .set_protocol(ProtocolVersion::RESP3);
            let client = apalis_redis::Client::open(info.set_redis_settings(resp3))
                .map_err(|e| e.to_string())?;
            let config = ConnectionManagerConfig::new()
                .set_automatic_resubscription()
                .set_connection_timeout(Some(Duration::from_secs(2)))
                .set_push_sender(move |_: redis::PushInfo| {
                    signal.signal();
                    Ok::<(), std::convert::Infallible>(())
                });
            let mut conn = ConnectionManager::new_with_config(client, config)
                .await
                .map_err(|e| e.to_string())?;
            conn.subscribe(&channel).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(conn)
        };
        match tokio::time::timeout(CHECK_TIMEOUT, subscribing).await {
            Ok(Ok(conn)) => Some((wake, conn)),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "no wake-up from the queue; polling only");
                None
            }
            Err(_) => {
                tracing::warn!("no wake-up from the queue (no answer); polling only");
                None
            }
        }
    }
}

/// The Redis channel a push announces its task on.
fn wake_channel(config: &apalis_redis::Config) -> String {
    format!("{}:wake", config.active_jobs_list())
}

impl futures::Stream for Wake {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let state = &self.0;
        if state.pending.swap(false, Ordering::AcqRel) {
            return Poll::Ready(Some(()));
        }
        // Registered before looking again, so a signal in between is not lost.
        state.waker.register(cx.waker());
        if state.pending.swap(false, Ordering::AcqRel) {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}
