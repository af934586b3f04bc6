//! Where the database backend is chosen: once, at start-up (`Stores::open`), by the
//! database the server connected to. Nowhere else does the claim, redemption or
//! token-lookup path ask which backend it runs on.
//!
//! Each of those paths has one interface here (`ClaimStore`, `RedemptionStore`,
//! `TokenStore`) with two implementations:
//! - `sqlite::SqliteStore` (embedded mode): every request is its own statement (a claim
//!   its own transaction) on the main pool; SQLite's single writer serialises them.
//! - `postgres::PostgresStore` (production): the requests of one kind that arrive
//!   together go to the database together as one statement (`batch_lanes`), on a pool of
//!   their own whose sessions use generic plans. The lanes and that pool exist only here.
//!   A claim under an annual welfare budget is the exception: it runs as its own
//!   transaction on the main pool, like SQLite's (`claim_txn`).
//!
//! The rules the statements enforce are not written here but once each, and both
//! implementations use them: what makes a claim valid in `claims` (`admission_sql`,
//! `take_slot_sql`), what makes a redemption valid in `redemptions` (`Redeemable`), what
//! makes a session live in `sessions` (`lookup_select`).

use std::sync::Arc;

use async_trait::async_trait;
use jobs::metrics::Metrics;
use sea_orm::{DatabaseBackend, DatabaseConnection};

use crate::error::ApiResult;
use crate::services::claims::{Attempt, ClaimRequest};
use crate::services::redemptions::{RedeemRequest, Redeemed};
use crate::services::sessions::{MemberSession, StaffSession, TokenLookup};
use crate::settings::Settings;

pub mod batch_lanes;
mod claim_batch;
mod claim_txn;
mod postgres;
mod redemption_batch;
mod sqlite;
mod token_batch;

/// The writes of a claim (see `claims`).
#[async_trait]
pub trait ClaimStore: Send + Sync {
    /// One attempt: the claim row with the request's sequence number and one free slot
    /// of every probed prize, all or nothing.
    async fn attempt(&self, request: ClaimRequest) -> ApiResult<Attempt>;

    /// How many claims the member has under this day key.
    async fn claims_used(&self, activity_id: i64, member_id: i64, day_key: &str) -> ApiResult<u64>;
}

/// The write of a redemption (see `redemptions`).
#[async_trait]
pub trait RedemptionStore: Send + Sync {
    /// The conditional update of the scanned voucher; `None` when nothing changed.
    async fn redeem(&self, request: RedeemRequest) -> ApiResult<Option<Redeemed>>;
}

/// The lookups behind bearer tokens of the member app and merchant staff (see
/// `sessions`); `None` when the token is not live.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn member_session(&self, lookup: TokenLookup) -> ApiResult<Option<MemberSession>>;
    async fn staff_session(&self, lookup: TokenLookup) -> ApiResult<Option<StaffSession>>;
}

/// The three paths on the backend chosen at start-up. Cloning shares them.
#[derive(Clone)]
pub struct Stores {
    pub claims: Arc<dyn ClaimStore>,
    pub redemptions: Arc<dyn RedemptionStore>,
    pub tokens: Arc<dyn TokenStore>,
    /// PostgreSQL: the batch lanes' pool, shown in `/metrics` next to the main pool.
    pub batch_pool: Option<DatabaseConnection>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores")
            .field("batch_pool", &self.batch_pool.is_some())
            .finish_non_exhaustive()
    }
}

impl Stores {
    /// Chooses the implementation for the database `db` is connected to; on PostgreSQL
    /// opens the batch pool and starts the lanes.
    pub async fn open(
        db: &DatabaseConnection,
        settings: &Settings,
        metrics: &Metrics,
    ) -> anyhow::Result<Self> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let (store, batch_pool) =
                    postgres::PostgresStore::open(db, settings, metrics).await?;
                Ok(Self::of(Arc::new(store), Some(batch_pool)))
            }
            _ => Ok(Self::of(
                Arc::new(sqlite::SqliteStore::new(db.clone())),
                None,
            )),
        }
    }

    fn of<S>(store: Arc<S>, batch_pool: Option<DatabaseConnection>) -> Self
    where
        S: ClaimStore + RedemptionStore + TokenStore + 'static,
    {
        Self {
            claims: store.clone(),
            redemptions: store.clone(),
            tokens: store,
            batch_pool,
        }
    }
}
