//! Fixed-window counters in the database, so every `api` instance shares them.
//!
//! `acquire` is one statement (an upsert with a conditional update and `RETURNING`):
//! a hit is counted only while the window has room, so concurrent requests cannot slip
//! past the limit. `release` gives a hit back (when the guarded action did not happen).
//! `forget` and `forget_prefixed` drop counters (a lock-out lifted).

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::rate_limit::{self, Column};
use jobs::clock::beijing;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// How long a window lasts.
#[derive(Clone, Copy, Debug)]
pub enum Window {
    /// From the first hit, this many seconds.
    Seconds(i64),
    /// Until the next midnight in Beijing (a calendar day in China).
    BeijingDay,
}

/// One limit on one subject.
#[derive(Clone, Debug)]
pub struct Limit {
    pub scope: &'static str,
    pub subject: String,
    pub max: i32,
    pub window: Window,
    /// The 429's code and message when the limit is reached; `{seconds}` and
    /// `{minutes}` in the message become the time to wait.
    pub code: ErrorCode,
    pub message: &'static str,
}

impl Limit {
    /// The 429 of this limit, `seconds` before its window ends.
    fn refusal(&self, seconds: i64) -> ApiError {
        let seconds = std::cmp::max(seconds, 1);
        ApiError::TooManyRequests {
            code: self.code,
            message: self
                .message
                .replace("{seconds}", &seconds.to_string())
                .replace("{minutes}", &((seconds + 59) / 60).to_string()),
            retry_after_seconds: seconds,
        }
    }
}

fn window_end(now: DateTime<Utc>, window: Window) -> i64 {
    match window {
        Window::Seconds(s) => now.timestamp() + s,
        Window::BeijingDay => {
            let local = now.with_timezone(&beijing()).date_naive() + Duration::days(1);
            local
                .and_hms_opt(0, 0, 0)
                .and_then(|midnight| beijing().from_local_datetime(&midnight).single())
                .map_or(now.timestamp() + 86_400, |t| t.timestamp())
        }
    }
}

/// Counts one hit, or answers 429 with the seconds until the window ends.
pub async fn acquire<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: &Limit,
) -> ApiResult<()> {
    let now_s = now.timestamp();
    let ends = window_end(now, limit.window);
    let table = rate_limit::Entity;
    let expired = Expr::col((table, Column::WindowEndsAt)).lte(now_s);
    let stmt = Query::insert()
        .into_table(table)
        .columns([
            Column::Scope,
            Column::Subject,
            Column::Hits,
            Column::WindowEndsAt,
        ])
        .values_panic([
            limit.scope.into(),
            limit.subject.clone().into(),
            1i32.into(),
            ends.into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::Scope, Column::Subject])
                .values([
                    (
                        Column::Hits,
                        Expr::case(expired.clone(), Expr::val(1i32))
                            .finally(Expr::col((table, Column::Hits)).add(1))
                            .into(),
                    ),
                    (
                        Column::WindowEndsAt,
                        Expr::case(expired.clone(), Expr::val(ends))
                            .finally(Expr::col((table, Column::WindowEndsAt)))
                            .into(),
                    ),
                ])
                .action_and_where(expired.or(Expr::col((table, Column::Hits)).lt(limit.max)))
                .to_owned(),
        )
        .returning_col(Column::Hits)
        .to_owned();
    if db.query_one(&stmt).await?.is_some() {
        return Ok(());
    }
    let row = rate_limit::Entity::find_by_id((limit.scope.to_owned(), limit.subject.clone()))
        .one(db)
        .await?;
    Err(limit.refusal(row.map_or(1, |r| r.window_ends_at - now_s)))
}

/// Forgets one counter.
pub async fn forget<C: ConnectionTrait>(db: &C, scope: &str, subject: &str) -> ApiResult<()> {
    rate_limit::Entity::delete_many()
        .filter(Column::Scope.eq(scope))
        .filter(Column::Subject.eq(subject))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets every counter of `scope` whose subject starts with `prefix` (taken
/// literally: `%` and `_` in it match only themselves).
pub async fn forget_prefixed<C: ConnectionTrait>(
    db: &C,
    scope: &str,
    prefix: &str,
) -> ApiResult<()> {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    rate_limit::Entity::delete_many()
        .filter(Column::Scope.eq(scope))
        .filter(Expr::col(Column::Subject).like(LikeExpr::new(pattern).escape('\\')))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts a hit on every limit, or none: when one refuses, the hits already counted
/// are given back and its 429 is returned.
pub async fn acquire_all<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limits: &[Limit],
) -> ApiResult<()> {
    for (i, limit) in limits.iter().enumerate() {
        if let Err(e) = acquire(db, now, limit).await {
            release_all(db, &limits[..i]).await?;
            return Err(e);
        }
    }
    Ok(())
}

/// Gives back one hit of each limit.
pub async fn release_all<C: ConnectionTrait>(db: &C, limits: &[Limit]) -> ApiResult<()> {
    for limit in limits {
        rate_limit::Entity::update_many()
            .col_expr(Column::Hits, Expr::col(Column::Hits).sub(1))
            .filter(Column::Scope.eq(limit.scope))
            .filter(Column::Subject.eq(limit.subject.as_str()))
            .filter(Column::Hits.gt(0))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beijing_day_ends_at_the_next_midnight_in_china() {
        // 2026-03-01 15:30 UTC is 23:30 in Beijing: the day ends 30 minutes later.
        let now = Utc
            .with_ymd_and_hms(2026, 3, 1, 15, 30, 0)
            .single()
            .expect("time");
        assert_eq!(window_end(now, Window::BeijingDay) - now.timestamp(), 1800);
        // 16:30 UTC is already 00:30 the next day in Beijing.
        let now = Utc
            .with_ymd_and_hms(2026, 3, 1, 16, 30, 0)
            .single()
            .expect("time");
        assert_eq!(
            window_end(now, Window::BeijingDay) - now.timestamp(),
            23 * 3600 + 1800
        );
        assert_eq!(window_end(now, Window::Seconds(60)) - now.timestamp(), 60);
    }
}
