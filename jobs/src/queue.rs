//! The job queue: one way to enqueue whatever the backend (Redis in production, a SQLite
//! file in the embedded mode).
//!
//! The queue carries only task ids. The `tasks` row is the source of truth, so a lost
//! message costs a delay (housekeeping re-enqueues), never data.

use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqlitePool, SqliteStorage};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// Default queue name, stable on purpose: the apalis default is the Rust type path, which a rename would
/// silently orphan.
pub const TASK_QUEUE: &str = "gonghui.tasks";

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
    Sqlite(SqliteStorage<RunTask>),
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
                let conn = apalis_redis::connect(url.expose_secret())
                    .await
                    .map_err(|e| QueueError::Unavailable(e.to_string()))?;
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
                Ok(Self::Sqlite(SqliteStorage::new(&pool).with_config(config)))
            }
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Redis(_) => "redis",
        }
    }

    /// Enqueues a task run.
    pub async fn push(&self, job: RunTask) -> Result<(), QueueError> {
        let result = match self {
            Self::Sqlite(storage) => storage.clone().push(job).await.map_err(|e| e.to_string()),
            Self::Redis(storage) => storage.clone().push(job).await.map_err(|e| e.to_string()),
        };
        result.map_err(QueueError::Unavailable)
    }

    /// A round trip to the backend, for `/health`.
    pub async fn check(&self) -> Result<(), QueueError> {
        match self {
            Self::Sqlite(storage) => sea_orm::sqlx::query("SELECT 1")
                .execute(storage.pool())
                .await
                .map(|_| ())
                .map_err(|e| QueueError::Unavailable(e.to_string())),
            Self::Redis(storage) => {
                let mut conn: ConnectionManager = storage.clone().get_connection().clone();
                redis::cmd("PING")
                    .query_async::<String>(&mut conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| QueueError::Unavailable(e.to_string()))
            }
        }
    }
}
