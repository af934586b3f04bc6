//! The annual welfare budget per member (年度福利经费标准, issue 23).
//!
//! An organisation may set a yearly cap in fen (`organisations.welfare_cap_fen`); the
//! cap of an activity's publishing union and of every organisation above it applies,
//! the smallest winning (`cap_of_chain`, resolved with the activity's cached snapshot,
//! so a claim under no cap costs nothing more). A member's total for a Beijing calendar
//! year is the face value of the vouchers claimed in it.
//!
//! A claim under a cap is decided in its own transaction (`store::claim_txn`), after
//! its slots are taken: it locks the member's `member_welfare_years` row (`lock_sql`),
//! then sums the member's vouchers of the year — its own included — in a new statement
//! (`total_sql`; on PostgreSQL it sees every claim committed before the lock was
//! granted), and rolls back when the sum is past the cap. Two claims of one member are
//! thus decided one after the other and can never overshoot together.
//!
//! No voucher is ever taken back from a member today (there is no revocation); since
//! the total is summed from the vouchers a member holds, one that went back to a free
//! slot would give its face value back by itself.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::organisation;
use jobs::clock::{beijing, beijing_day_start};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use sea_orm::{FromQueryResult, IntoActiveModel};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::path_ids;
use crate::services::audit;
use crate::state::AppState;

/// The largest cap accepted: 1,000,000 元 a member a year.
pub const MAX_CAP_FEN: i64 = 100_000_000;

/// The cap a claim is checked against and the Beijing year it counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub cap_fen: i64,
    pub year: i32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Budget {
    pub fn at(cap_fen: i64, now: DateTime<Utc>) -> Self {
        let year = year_of(now);
        let (from, to) = year_window(year);
        Self {
            cap_fen,
            year,
            from,
            to,
        }
    }
}

/// The instants a Beijing calendar year starts and ends (exclusive).
pub fn year_window(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
    (
        beijing_day_start(first(year)),
        beijing_day_start(first(year + 1)),
    )
}

/// The Beijing calendar year `now` falls in.
pub fn year_of(now: DateTime<Utc>) -> i32 {
    now.with_timezone(&beijing()).year()
}

/// Fen as 元 for messages (`120.5`, `300`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    match fen % 100 {
        0 => format!("{sign}{}", fen / 100),
        r if r % 10 == 0 => format!("{sign}{}.{}", fen / 100, r / 10),
        r => format!("{sign}{}.{r:02}", fen / 100),
    }
}

/// The 409 of a claim past the cap: names the cap and what is left.
pub fn exceeded(cap_fen: i64, used_fen: i64, claim_fen: i64) -> ApiError {
    let left_fen = (cap_fen - used_fen).max(0);
    ApiError::Conflict {
        code: ErrorCode::BudgetExceeded,
        message: format!(
            "超出年度福利经费标准：每人每年{}元，本年度还可领取{}元，本次领取面值{}元",
            yuan(cap_fen),
            yuan(left_fen),
            yuan(claim_fen)
        ),
        details: Some(serde_json::json!({
            "annual_cap_fen": cap_fen, "left_fen": left_fen, "claim_fen": claim_fen
        })),
    }
}

/// The smallest cap among the organisations of a materialised path (`/1/5/12/`).
pub async fn cap_of_chain<C: ConnectionTrait>(db: &C, path: &str) -> ApiResult<Option<i64>> {
    let ids = path_ids(path);
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .filter(organisation::Column::WelfareCapFen.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.welfare_cap_fen)
        .min())
}

/// The statement that creates or locks the member's row of the year ($1 member, $2
/// year, $3 now): on PostgreSQL `ON CONFLICT DO UPDATE` locks the existing row until
/// the transaction ends.
pub const LOCK_SQL: &str = "INSERT INTO member_welfare_years (member_id, year, total_fen, updated_at) \
     VALUES ($1, $2, 0, $3) \
     ON CONFLICT (member_id, year) DO UPDATE SET updated_at = excluded.updated_at";

/// The member's total of a year ($1 member, $2 from, $3 to), as BIGINT on both backends.
pub const TOTAL_SQL: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS total \
     FROM vouchers WHERE member_id = $1 AND claimed_at >= $2 AND claimed_at < $3";

/// Records the total on the year's row ($1 member, $2 year, $3 total).
pub const RECORD_SQL: &str =
    "UPDATE member_welfare_years SET total_fen = $3 WHERE member_id = $1 AND year = $2";

/// A member's face value claimed in the year `now` falls in.
pub async fn year_total<C: ConnectionTrait>(
    db: &C,
    member_id: i64,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let (from, to) = year_window(year_of(now));
    let row = db
        .query_one_raw(jobs::database::stmt(
            db.get_database_backend(),
            TOTAL_SQL,
            vec![member_id.into(), from.into(), to.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "total")?,
        None => 0,
    })
}

/// The cap applying to members of an organisation (its own and every one above it).
pub async fn cap_for_org<C: ConnectionTrait>(db: &C, org_id: i64) -> ApiResult<Option<i64>> {
    match organisation::Entity::find_by_id(org_id).one(db).await? {
        Some(org) => cap_of_chain(db, &org.path).await,
        None => Ok(None),
    }
}

/// Face value claimed this year by the members of each organisation, by org id
/// (vouchers claimed in the Beijing year of `now`, whoever published them).
pub async fn used_by_org<C: ConnectionTrait>(
    db: &C,
    org_ids: &[i64],
    now: DateTime<Utc>,
) -> ApiResult<std::collections::HashMap<i64, i64>> {
    #[derive(FromQueryResult)]
    struct Row {
        org_id: i64,
        total: i64,
    }
    if org_ids.is_empty() {
        return Ok(Default::default());
    }
    let (from, to) = year_window(year_of(now));
    let list = org_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let rows = Row::find_by_statement(jobs::database::stmt(
        db.get_database_backend(),
        &format!(
            "SELECT m.org_id AS org_id, CAST(COALESCE(SUM(v.amount_fen), 0) AS BIGINT) AS total \
             FROM vouchers v JOIN members m ON m.id = v.member_id \
             WHERE v.claimed_at >= $1 AND v.claimed_at < $2 AND m.org_id IN ({list}) \
             GROUP BY m.org_id"
        ),
        vec![from.into(), to.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.org_id, r.total)).collect())
}

/// Checks a cap from the request: none, or 1 fen to `MAX_CAP_FEN`.
pub fn check_cap(cap_fen: Option<i64>) -> ApiResult<Option<i64>> {
    match cap_fen {
        Some(c) if !(1..=MAX_CAP_FEN).contains(&c) => Err(ApiError::validation(format!(
            "年度福利经费标准（annual_cap_fen）应为1分至{}元，不设上限请传 null",
            yuan(MAX_CAP_FEN)
        ))),
        c => Ok(c),
    }
}

/// Sets (or clears) the cap of the caller's own organisation, audit-logged. Cached
/// activity snapshots pick it up within their TTL (two seconds).
pub async fn set_own_cap(
    state: &AppState,
    me: &AdminPrincipal,
    org_id: Option<i64>,
    cap_fen: Option<i64>,
) -> ApiResult<organisation::Model> {
    if org_id.is_some_and(|id| id != me.org_id) {
        return Err(ApiError::Forbidden {
            code: ErrorCode::NotAuthorised,
            message: "只能设置本组织的年度福利经费标准".into(),
        });
    }
    let cap_fen = check_cap(cap_fen)?;
    let now = state.clock.now();
    let org = me.scope.visible_org(&state.db, me.org_id).await?;
    let before = org.welfare_cap_fen;
    let txn = state.db.begin().await?;
    let mut active = org.into_active_model();
    active.welfare_cap_fen = Set(cap_fen);
    active.updated_at = Set(now);
    let org = sea_orm::ActiveModelTrait::update(active, &txn).await?;
    audit::record_admin(
        &txn,
        me,
        now,
        audit::Entry::on("set_welfare_budget", "organisation", org.id).with_detail(
            serde_json::json!({ "annual_cap_fen": cap_fen, "previous_cap_fen": before }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// What one member can claim in an activity at most, in fen: per prize, its face value
/// times the number of claims a member can make (once, or times a day over the days of
/// the window), but never more than the prize's quantity.
pub fn most_one_member_claims(activity: &entity::activity::Model, prizes: &[(i64, i64)]) -> i64 {
    use entity::enums::ClaimLimitKind;
    let claims = match activity.claim_limit_kind {
        ClaimLimitKind::Once => 1,
        ClaimLimitKind::PerDay => {
            let first = activity.starts_at.with_timezone(&beijing()).date_naive();
            let last = activity.ends_at.with_timezone(&beijing()).date_naive();
            let days = (last - first).num_days() + 1;
            i64::from(activity.claim_limit_times.unwrap_or(1).max(1)) * days.max(1)
        }
    };
    prizes
        .iter()
        .map(|&(quantity, amount_fen)| quantity.min(claims).saturating_mul(amount_fen))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_read_as_yuan() {
        assert_eq!(yuan(30_000), "300");
        assert_eq!(yuan(12_050), "120.5");
        assert_eq!(yuan(12_005), "120.05");
        assert_eq!(yuan(0), "0");
    }

    #[test]
    fn a_beijing_year_starts_at_16_utc_on_31_december() {
        let (from, to) = year_window(2027);
        assert_eq!(from.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2027-12-31T16:00:00+00:00");
        assert_eq!(year_of(from), 2027);
        assert_eq!(year_of(from - chrono::Duration::seconds(1)), 2026);
    }
}
