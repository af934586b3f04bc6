//! PostgreSQL: the token lookups of concurrent requests as one statement (see
//! `batch_lanes`): the lookup of one token (`sessions::lookup_select`), once per token
//! through a lateral join.

use std::marker::PhantomData;

use sea_orm::QueryResult;
use sea_orm::sea_query::{Expr, PostgresQueryBuilder};
use sea_orm::sqlx::PgPool;

use crate::error::ApiResult;
use crate::services::sessions::{SessionRow, lookup_select};
use crate::services::store::batch_lanes::{Batched, Lanes, column};

/// The batch statement of one kind of token, built once per kind.
pub trait BatchSql: SessionRow {
    fn batch_sql() -> &'static str;
}

macro_rules! batch_sql_once {
    ($row:ty) => {
        impl BatchSql for $row {
            fn batch_sql() -> &'static str {
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                SQL.get_or_init(lateral_batch_sql::<$row>)
            }
        }
    };
}

batch_sql_once!(crate::services::sessions::MemberSession);
batch_sql_once!(crate::services::sessions::StaffSession);

/// The lookup of one token per digest and time of the batch's arrays; rows come back
/// with their request's position as `req_ix`.
fn lateral_batch_sql<R: SessionRow>() -> String {
    let select = lookup_select::<R>(Expr::cust("t.digest"), Expr::cust("t.at"))
        .to_string(PostgresQueryBuilder);
    format!(
        "SELECT t.ix AS req_ix, h.* FROM unnest($1::text[], $2::timestamptz[]) \
         WITH ORDINALITY AS t(digest, at, ix) CROSS JOIN LATERAL ({select}) h ORDER BY t.ix"
    )
}

#[derive(Debug)]
pub struct TokenBatch<R>(PhantomData<R>);

pub type TokenBatches<R> = Lanes<TokenBatch<R>>;

impl<R: BatchSql> Batched for TokenBatch<R> {
    type Db = PgPool;
    type Request = crate::services::sessions::TokenLookup;
    /// The row, or `None` when the token is not live.
    type Answer = Option<R>;
    type Key = ();

    /// Lookups of one token may share a batch: each gets its own row.
    fn key(_: &Self::Request) -> Option<()> {
        None
    }

    async fn execute(db: &PgPool, requests: &[&Self::Request]) -> ApiResult<Vec<Option<R>>> {
        let rows = sea_orm::sqlx::query(R::batch_sql())
            .bind(column(requests, |r| r.digest.clone()))
            .bind(column(requests, |r| r.now))
            .fetch_all(db)
            .await?;
        let mut answers: Vec<Option<R>> = vec![None; requests.len()];
        for row in rows {
            let row = QueryResult::from(row);
            let ix: i64 = row.try_get("", "req_ix")?;
            if let Some(slot) = usize::try_from(ix - 1)
                .ok()
                .and_then(|i| answers.get_mut(i))
            {
                *slot = Some(R::read(&row)?);
            }
        }
        Ok(answers)
    }
}
