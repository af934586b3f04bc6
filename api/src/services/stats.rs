//! The federation's progress dashboard: for the caller's organisation and every one
//! below, roster size, certification, activities by state and vouchers, each with a
//! subtotal over its subtree. A fixed number of aggregate queries, whatever the size of
//! the tree (no query per organisation).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use entity::activity_state::ActivityStatus;
use entity::enums::VoucherStatus;
use entity::{activity, member, organisation, voucher};
use jobs::clock::beijing_day_start;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationDef,
};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult};
use crate::scope::path_ids;
use crate::services::welfare;
use crate::state::AppState;

/// Figures of one organisation (own) or of a subtree (subtotal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Active roster members.
    pub members: i64,
    /// Active members with a certified app account.
    pub certified: i64,
    /// Activities by state, in `ActivityStatus::ALL` order.
    pub activities: [i64; ActivityStatus::ALL.len()],
    pub vouchers_claimed: i64,
    pub vouchers_redeemed: i64,
    pub vouchers_expired: i64,
    pub redeemed_amount_fen: i64,
    /// Face value claimed this (Beijing) year by the organisation's members, whoever
    /// published the activities: what they used of the annual welfare budget.
    pub welfare_used_fen: i64,
    /// Expiry reminders sent for vouchers of the organisation's activities.
    pub reminders_sent: i64,
    /// Of those, vouchers redeemed after their reminder.
    pub redeemed_after_reminder: i64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.members += other.members;
        self.certified += other.certified;
        for (a, b) in self.activities.iter_mut().zip(other.activities) {
            *a += b;
        }
        self.vouchers_claimed += other.vouchers_claimed;
        self.vouchers_redeemed += other.vouchers_redeemed;
        self.vouchers_expired += other.vouchers_expired;
        self.redeemed_amount_fen += other.redeemed_amount_fen;
        self.welfare_used_fen += other.welfare_used_fen;
        self.reminders_sent += other.reminders_sent;
        self.redeemed_after_reminder += other.redeemed_after_reminder;
    }

    /// Certified share of active members, 0 when there are none.
    pub fn certification_rate(&self) -> f64 {
        if self.members == 0 {
            0.0
        } else {
            self.certified as f64 / self.members as f64
        }
    }
}

/// One organisation's line of the dashboard.
#[derive(Clone, Debug)]
pub struct OrgLine {
    pub org: organisation::Model,
    /// The annual welfare budget applying to the organisation's activities (the
    /// smallest cap of it and every organisation above it).
    pub welfare_cap_fen: Option<i64>,
    pub own: Figures,
    pub subtotal: Figures,
}

/// The dashboard for the caller's subtree, in tree order (parents before children,
/// siblings by id); the first line is the caller's own organisation with the grand total.
pub async fn dashboard(state: &AppState, me: &AdminPrincipal) -> ApiResult<Vec<OrgLine>> {
    let orgs = organisation::Entity::find()
        .filter(me.scope.orgs())
        .all(&state.db)
        .await?;
    let mut own: HashMap<i64, Figures> = orgs.iter().map(|o| (o.id, Figures::default())).collect();

    let members: Vec<(i64, i64, i64)> = member::Entity::find()
        .select_only()
        .column(member::Column::OrgId)
        .column_as(
            Expr::cust("SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END)"),
            "active",
        )
        .column_as(
            Expr::cust("SUM(CASE WHEN status = 'active' AND certified THEN 1 ELSE 0 END)"),
            "certified",
        )
        .filter(me.scope.filter(member::Column::OrgId))
        .group_by(member::Column::OrgId)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, active, certified) in members {
        if let Some(f) = own.get_mut(&org_id) {
            f.members = active;
            f.certified = certified;
        }
    }

    let activities: Vec<(i64, ActivityStatus, i64)> = activity::Entity::find()
        .select_only()
        .column(activity::Column::OrgId)
        .column(activity::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(me.scope.filter(activity::Column::OrgId))
        .group_by(activity::Column::OrgId)
        .group_by(activity::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, status, n) in activities {
        if let (Some(f), Some(i)) = (
            own.get_mut(&org_id),
            ActivityStatus::ALL.iter().position(|s| *s == status),
        ) {
            f.activities[i] = n;
        }
    }

    add_vouchers(state, me, &mut own).await?;
    add_welfare(state, &orgs, &mut own).await?;

    // Roll each organisation's own figures up into itself and every ancestor in scope.
    let mut subtotal: HashMap<i64, Figures> =
        own.keys().map(|id| (*id, Figures::default())).collect();
    for org in &orgs {
        let figures = &own[&org.id];
        for ancestor in path_ids(&org.path) {
            if let Some(s) = subtotal.get_mut(&ancestor) {
                s.add(figures);
            }
        }
    }
    // The caps above the caller's organisation count for every line; below it, each
    // line adds those of its own path.
    let caps: HashMap<i64, i64> = orgs
        .iter()
        .filter_map(|o| o.welfare_cap_fen.map(|c| (o.id, c)))
        .collect();
    let above = match orgs.iter().find(|o| o.id == me.org_id) {
        Some(o) => welfare::cap_of_chain(&state.db, &o.path).await?,
        None => None,
    };
    let mut lines: Vec<OrgLine> = orgs
        .into_iter()
        .map(|org| OrgLine {
            welfare_cap_fen: path_ids(&org.path)
                .iter()
                .filter_map(|id| caps.get(id).copied())
                .chain(above)
                .min(),
            own: own.remove(&org.id).unwrap_or_default(),
            subtotal: subtotal.remove(&org.id).unwrap_or_default(),
            org,
        })
        .collect();
    lines.sort_by_key(|l| path_ids(&l.org.path));
    Ok(lines)
}

fn voucher_activity() -> RelationDef {
    voucher::Entity::belongs_to(activity::Entity)
        .from(voucher::Column::ActivityId)
        .to(activity::Column::Id)
        .into()
}

/// Vouchers of each organisation's own activities: claimed, redeemed, expired, and the
/// face value redeemed (each voucher's own, as issued). Sums are cast so PostgreSQL answers BIGINT, not NUMERIC.
async fn add_vouchers(
    state: &AppState,
    me: &AdminPrincipal,
    own: &mut HashMap<i64, Figures>,
) -> ApiResult<()> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = voucher::Entity::find()
        .select_only()
        .column(activity::Column::OrgId)
        .column_as(Expr::cust("CAST(SUM(CASE WHEN vouchers.member_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"), "claimed")
        .column_as(Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'redeemed' THEN 1 ELSE 0 END) AS BIGINT)"), "redeemed")
        .column_as(
            Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'expired' AND vouchers.member_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT)"),
            "expired",
        )
        .column_as(
            Expr::cust("CAST(SUM(CASE WHEN vouchers.status = 'redeemed' THEN vouchers.amount_fen ELSE 0 END) AS BIGINT)"),
            "amount",
        )
        .join(JoinType::InnerJoin, voucher_activity())
        .filter(me.scope.filter(activity::Column::OrgId))
        .group_by(activity::Column::OrgId)
        .into_tuple()
        .all(&state.db)
        .await?;
    for (org_id, claimed, redeemed, expired, amount) in rows {
        if let Some(f) = own.get_mut(&org_id) {
            f.vouchers_claimed = claimed;
            f.vouchers_redeemed = redeemed;
            f.vouchers_expired = expired;
            f.redeemed_amount_fen = amount;
        }
    }
    Ok(())
}

/// The longest window of the daily redemption figures, in days.
pub const MAX_DAYS: u32 = 366;

/// Redemptions of one Beijing calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRedemptions {
    pub date: NaiveDate,
    pub vouchers: i64,
    pub amount_fen: i64,
}

/// The Beijing calendar date (`YYYY-MM-DD`) of a UTC timestamp column, as text. SQLite
/// keeps timestamps as RFC 3339 text (with their offset), PostgreSQL as `timestamptz`.
fn beijing_date_sql(backend: DatabaseBackend, column: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => {
            format!("to_char(({column} AT TIME ZONE 'UTC') + INTERVAL '8 hours', 'YYYY-MM-DD')")
        }
        _ => format!("date({column}, '+8 hours')"),
    }
}

/// Face value and number of vouchers redeemed per Beijing day, over the last `days`
/// days up to today (the server's clock), for the activities now open (已开启) of the
/// caller's organisation and those below. One grouped query; every day of the window is
/// answered, those without redemptions with zeros, oldest first. `days` is 1..=MAX_DAYS.
pub async fn redemptions_daily(
    state: &AppState,
    me: &AdminPrincipal,
    days: u32,
) -> ApiResult<Vec<DayRedemptions>> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::validation(format!(
            "统计天数（days）须在 1 到 {MAX_DAYS} 之间"
        )));
    }
    let today = state.clock.today();
    let first = today - Days::new(u64::from(days) - 1);
    let day = beijing_date_sql(state.db.get_database_backend(), "vouchers.redeemed_at");
    let rows: Vec<(String, i64, i64)> = voucher::Entity::find()
        .select_only()
        .column_as(Expr::cust(day.clone()), "day")
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "vouchers")
        .column_as(
            Expr::cust("CAST(SUM(vouchers.amount_fen) AS BIGINT)"),
            "amount",
        )
        .join(JoinType::InnerJoin, voucher_activity())
        .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed))
        .filter(voucher::Column::RedeemedAt.gte(beijing_day_start(first)))
        .filter(voucher::Column::RedeemedAt.lt(beijing_day_start(today + Days::new(1))))
        .filter(activity::Column::Status.eq(ActivityStatus::Open))
        .filter(me.scope.filter(activity::Column::OrgId))
        .group_by(Expr::cust(day))
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut by_day: HashMap<NaiveDate, (i64, i64)> = HashMap::new();
    for (day, vouchers, amount) in rows {
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("redemption day {day:?}: {e}")))?;
        by_day.insert(date, (vouchers, amount));
    }
    Ok(first
        .iter_days()
        .take(days as usize)
        .map(|date| {
            let (vouchers, amount_fen) = by_day.get(&date).copied().unwrap_or_default();
            DayRedemptions {
                date,
                vouchers,
                amount_fen,
            }
        })
        .collect())
}

/// What the members of each organisation claimed this year, and the expiry reminders
/// sent for vouchers of each organisation's activities with how many were redeemed
/// after them.
async fn add_welfare(
    state: &AppState,
    orgs: &[organisation::Model],
    own: &mut HashMap<i64, Figures>,
) -> ApiResult<()> {
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    for (org_id, used) in welfare::used_by_org(&state.db, &ids, state.clock.now()).await? {
        if let Some(f) = own.get_mut(&org_id) {
            f.welfare_used_fen = used;
        }
    }
    for (org_id, sent, redeemed) in reminders_by_org(state, &ids).await? {
        if let Some(f) = own.get_mut(&org_id) {
            f.reminders_sent = sent;
            f.redeemed_after_reminder = redeemed;
        }
    }
    Ok(())
}

async fn reminders_by_org(state: &AppState, ids: &[i64]) -> ApiResult<Vec<(i64, i64, i64)>> {
    #[derive(FromQueryResult)]
    struct Row {
        org_id: i64,
        sent: i64,
        redeemed: i64,
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = Row::find_by_statement(sea_orm::Statement::from_string(
        state.db.get_database_backend(),
        format!(
            "SELECT a.org_id AS org_id, CAST(COUNT(*) AS BIGINT) AS sent, \
             CAST(SUM(CASE WHEN v.status = 'redeemed' AND v.redeemed_at >= r.sent_at \
             THEN 1 ELSE 0 END) AS BIGINT) AS redeemed \
             FROM voucher_reminders r JOIN vouchers v ON v.id = r.voucher_id \
             JOIN activities a ON a.id = v.activity_id \
             WHERE a.org_id IN ({list}) GROUP BY a.org_id"
        ),
    ))
    .all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.org_id, r.sent, r.redeemed))
        .collect())
}

/// The dashboard as an xlsx workbook (进度统计.xlsx).
pub async fn workbook(state: &AppState, me: &AdminPrincipal) -> ApiResult<Vec<u8>> {
    let lines = dashboard(state, me).await?;
    let generated = state.clock.now().with_timezone(&jobs::clock::beijing());
    write_workbook(&lines, &generated.format("%Y-%m-%d %H:%M").to_string())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stats workbook: {e}")))
}

/// Subtotals per organisation, names indented by level, amounts in yuan.
fn write_workbook(
    lines: &[OrgLine],
    generated_at: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#D9E1F2");
    let percent = Format::new().set_num_format("0.0%");
    let yuan = Format::new().set_num_format("#,##0.00");
    let sheet = workbook.add_worksheet().set_name("进度统计")?;
    sheet.write_string(
        0,
        0,
        format!("工会福利发放进度统计（含下级小计）  生成时间：{generated_at}"),
    )?;
    let mut headers = vec!["组织", "类型", "会员数", "已认证", "认证率"];
    headers.extend(ActivityStatus::ALL.iter().map(|s| s.label()));
    headers.extend(["领取数", "核销数", "过期数", "核销金额（元）"]);
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    sheet.set_column_width(0, 36)?;
    let base = lines.first().map_or(0, |l| l.org.depth);
    for (i, l) in lines.iter().enumerate() {
        let row = i as u32 + 3;
        let f = &l.subtotal;
        let indent = "　".repeat((l.org.depth - base).max(0) as usize);
        sheet.write_string(row, 0, format!("{indent}{}", l.org.name))?;
        sheet.write_string(row, 1, l.org.kind.label())?;
        sheet.write_number(row, 2, f.members as f64)?;
        sheet.write_number(row, 3, f.certified as f64)?;
        sheet.write_number_with_format(row, 4, f.certification_rate(), &percent)?;
        for (k, n) in f.activities.iter().enumerate() {
            sheet.write_number(row, 5 + k as u16, *n as f64)?;
        }
        let after = 5 + ActivityStatus::ALL.len() as u16;
        sheet.write_number(row, after, f.vouchers_claimed as f64)?;
        sheet.write_number(row, after + 1, f.vouchers_redeemed as f64)?;
        sheet.write_number(row, after + 2, f.vouchers_expired as f64)?;
        sheet.write_number_with_format(
            row,
            after + 3,
            f.redeemed_amount_fen as f64 / 100.0,
            &yuan,
        )?;
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_zero_without_members() {
        assert_eq!(Figures::default().certification_rate(), 0.0);
        let f = Figures {
            members: 4,
            certified: 3,
            ..Default::default()
        };
        assert_eq!(f.certification_rate(), 0.75);
    }
}
