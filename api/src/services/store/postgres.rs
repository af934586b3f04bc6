//! The production implementation (PostgreSQL): claims, redemptions and token lookups
//! go through batch lanes (`batch_lanes`) on a pool of their own, whose sessions use
//! generic plans (see `jobs::database::connect_for_batches`).

use anyhow::Context;
use async_trait::async_trait;
use jobs::database;
use jobs::metrics::Metrics;
use sea_orm::DatabaseConnection;
use sea_orm::sqlx::PgPool;

use super::batch_lanes::{LANES, Lanes, QueueLimits};
use super::claim_batch::ClaimBatches;
use super::redemption_batch::RedemptionBatches;
use super::token_batch::TokenBatches;
use super::{ClaimStore, RedemptionStore, TokenStore};
use crate::error::ApiResult;
use crate::services::claims::{Attempt, ClaimRequest};
use crate::services::redemptions::{RedeemRequest, Redeemed};
use crate::services::sessions::{MemberSession, StaffSession, TokenLookup};
use crate::settings::Settings;

pub struct PostgresStore {
    /// The main pool, for the statements that are not batched.
    main: PgPool,
    /// The same pool as a SeaORM connection, for claims under a welfare budget.
    main_db: DatabaseConnection,
    claims: ClaimBatches,
    redemptions: RedemptionBatches,
    member_tokens: TokenBatches<MemberSession>,
    staff_tokens: TokenBatches<StaffSession>,
}

impl PostgresStore {
    /// Opens the batch pool (one connection per lane of the four kinds) and starts the
    /// lanes on it; returns the store and that pool (for `/metrics`). `db` must be
    /// connected to PostgreSQL.
    pub async fn open(
        db: &DatabaseConnection,
        settings: &Settings,
        metrics: &Metrics,
    ) -> anyhow::Result<(Self, DatabaseConnection)> {
        let batch_db = database::connect_for_batches(settings, 4 * LANES as u32)
            .await
            .context("connecting the batch pool to the database")?;
        let pool = batch_db.get_postgres_connection_pool().clone();
        let limits = QueueLimits::from_settings(settings);
        let store = Self {
            main: db.get_postgres_connection_pool().clone(),
            main_db: db.clone(),
            claims: Lanes::start(pool.clone(), limits, metrics.clone(), "claims"),
            redemptions: Lanes::start(pool.clone(), limits, metrics.clone(), "redemptions"),
            member_tokens: Lanes::start(pool.clone(), limits, metrics.clone(), "member_tokens"),
            staff_tokens: Lanes::start(pool, limits, metrics.clone(), "staff_tokens"),
        };
        Ok((store, batch_db))
    }
}

#[async_trait]
impl ClaimStore for PostgresStore {
    /// Through the lanes, unless a welfare budget applies (`claim_txn`).
    async fn attempt(&self, request: ClaimRequest) -> ApiResult<Attempt> {
        if request.budget.is_some() {
            return super::claim_txn::attempt(&self.main_db, request).await;
        }
        self.claims.run(request).await
    }

    /// Planned afresh each time rather than kept prepared: a plan cached while `claims`
    /// was nearly empty — early in a rush, when members first click twice — scans the
    /// whole table, and would keep doing so for every refusal until autovacuum's ANALYZE
    /// (measured in psql: 2.7 ms at 20,000 claims, against an index lookup). Planned
    /// with the actual values, it uses the limit's unique index.
    async fn claims_used(&self, activity_id: i64, member_id: i64, day_key: &str) -> ApiResult<u64> {
        let used: i64 = sea_orm::sqlx::query_scalar(
            "SELECT COUNT(*) FROM claims WHERE activity_id = $1 AND member_id = $2 AND day_key = $3",
        )
        .bind(activity_id)
        .bind(member_id)
        .bind(day_key)
        .persistent(false)
        .fetch_one(&self.main)
        .await?;
        Ok(u64::try_from(used).unwrap_or(0))
    }
}

#[async_trait]
impl RedemptionStore for PostgresStore {
    async fn redeem(&self, request: RedeemRequest) -> ApiResult<Option<Redeemed>> {
        self.redemptions.run(request).await
    }
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn member_session(&self, lookup: TokenLookup) -> ApiResult<Option<MemberSession>> {
        self.member_tokens.run(lookup).await
    }

    async fn staff_session(&self, lookup: TokenLookup) -> ApiResult<Option<StaffSession>> {
        self.staff_tokens.run(lookup).await
    }
}
