use chrono::NaiveDate;
use entity::enums::OrgKind;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::download::XlsxDownload;
use crate::error::ApiResult;
use crate::services::stats::{self, DayRedemptions, Figures, OrgLine};
use crate::state::AppState;

/// Activities by state.
#[derive(Object)]
pub struct ActivityCounts {
    pub draft: i64,
    pub submitted: i64,
    pub approved: i64,
    pub rejected: i64,
    /// 开启中 (vouchers still being created)
    pub opening: i64,
    pub open: i64,
    pub closed: i64,
    pub total: i64,
}

/// The figures of one organisation or subtree.
#[derive(Object)]
pub struct StatFigures {
    /// 会员数 (active)
    pub members: i64,
    /// 已认证
    pub certified: i64,
    /// 认证率 (0–1)
    pub certification_rate: f64,
    pub activities: ActivityCounts,
    /// 领取数
    pub vouchers_claimed: i64,
    /// 核销数
    pub vouchers_redeemed: i64,
    /// 过期数
    pub vouchers_expired: i64,
    /// 核销金额 (fen)
    pub redeemed_amount_fen: i64,
    /// 本年度会员已领福利 (fen): face value claimed this Beijing year by the members
    pub welfare_used_fen: i64,
    /// 到期提醒已发送
    pub reminders_sent: i64,
    /// 提醒后核销
    pub redeemed_after_reminder: i64,
}

impl From<&Figures> for StatFigures {
    fn from(f: &Figures) -> Self {
        let [draft, submitted, approved, rejected, opening, open, closed] = f.activities;
        Self {
            members: f.members,
            certified: f.certified,
            certification_rate: (f.certification_rate() * 10_000.0).round() / 10_000.0,
            activities: ActivityCounts {
                draft,
                submitted,
                approved,
                rejected,
                opening,
                open,
                closed,
                total: f.activities.iter().sum(),
            },
            vouchers_claimed: f.vouchers_claimed,
            vouchers_redeemed: f.vouchers_redeemed,
            vouchers_expired: f.vouchers_expired,
            redeemed_amount_fen: f.redeemed_amount_fen,
            welfare_used_fen: f.welfare_used_fen,
            reminders_sent: f.reminders_sent,
            redeemed_after_reminder: f.redeemed_after_reminder,
        }
    }
}

/// One organisation of the dashboard.
#[derive(Object)]
pub struct StatLine {
    pub org_id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: OrgKind,
    pub kind_label: String,
    /// Depth below the caller's organisation (0 = the caller's own).
    pub level: i32,
    /// 年度福利经费标准 applying to the organisation (fen; null: none)
    pub welfare_cap_fen: Option<i64>,
    /// The organisation's own figures.
    pub own: StatFigures,
    /// Its own plus everything below it (小计).
    pub subtotal: StatFigures,
}

#[derive(Object)]
pub struct Dashboard {
    /// Caller's organisation first, then its subtree in tree order.
    pub lines: Vec<StatLine>,
    /// 合计: the caller's whole subtree.
    pub total: StatFigures,
}

/// Redemptions of one Beijing calendar day.
#[derive(Object)]
pub struct DailyRedemption {
    /// 日期（北京时间）
    pub date: NaiveDate,
    /// 核销张数
    pub vouchers_redeemed: i64,
    /// 核销金额 (fen)
    pub amount_fen: i64,
}

impl From<&DayRedemptions> for DailyRedemption {
    fn from(d: &DayRedemptions) -> Self {
        Self {
            date: d.date,
            vouchers_redeemed: d.vouchers,
            amount_fen: d.amount_fen,
        }
    }
}

/// Daily redemptions of the open activities (已开启) of own organisation and below.
#[derive(Object)]
pub struct RedemptionsDaily {
    /// First day of the window (北京时间).
    pub from: NaiveDate,
    /// Last day of the window: today as the server's clock says.
    pub to: NaiveDate,
    /// Every day of the window, oldest first; days without redemptions are zero.
    pub days: Vec<DailyRedemption>,
    /// 合计核销张数
    pub total_vouchers_redeemed: i64,
    /// 合计核销金额 (fen)
    pub total_amount_fen: i64,
}

fn line(l: &OrgLine, base_depth: i32) -> StatLine {
    StatLine {
        org_id: l.org.id,
        parent_id: l.org.parent_id,
        name: l.org.name.clone(),
        kind: l.org.kind,
        kind_label: l.org.kind.label().to_owned(),
        level: l.org.depth - base_depth,
        welfare_cap_fen: l.welfare_cap_fen,
        own: (&l.own).into(),
        subtotal: (&l.subtotal).into(),
    }
}

pub struct StatsApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Stats")]
impl StatsApi {
    /// Progress of own organisation and every one below (进度统计)
    #[oai(path = "/stats", method = "get")]
    async fn stats(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<Json<Dashboard>> {
        let lines = stats::dashboard(&state, &auth.0).await?;
        let base = lines.first().map_or(0, |l| l.org.depth);
        let total = lines
            .first()
            .map(|l| (&l.subtotal).into())
            .unwrap_or_else(|| (&Figures::default()).into());
        Ok(Json(Dashboard {
            lines: lines.iter().map(|l| line(l, base)).collect(),
            total,
        }))
    }

    /// Redemptions per day of the open activities (核销金额趋势)
    ///
    /// Face value (fen) and number of vouchers redeemed on each Beijing calendar day of
    /// the last `days` days up to today (1–366, default 30), over the activities now
    /// open (已开启) of own organisation and every one below. 400 `VALIDATION` for a
    /// `days` outside 1–366.
    #[oai(path = "/stats/redemptions-daily", method = "get")]
    async fn redemptions_daily(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        /// Number of days, ending today (1–366, default 30).
        days: Query<Option<i64>>,
    ) -> ApiResult<Json<RedemptionsDaily>> {
        let days = days.0.unwrap_or(30);
        let days = u32::try_from(days).unwrap_or(0);
        let rows = stats::redemptions_daily(&state, &auth.0, days).await?;
        Ok(Json(RedemptionsDaily {
            from: rows.first().map(|d| d.date).unwrap_or_default(),
            to: rows.last().map(|d| d.date).unwrap_or_default(),
            total_vouchers_redeemed: rows.iter().map(|d| d.vouchers).sum(),
            total_amount_fen: rows.iter().map(|d| d.amount_fen).sum(),
            days: rows.iter().map(Into::into).collect(),
        }))
    }

    /// The same as an xlsx workbook (进度统计.xlsx)
    #[oai(path = "/stats/export", method = "get")]
    async fn export(&self, state: Data<&AppState>, auth: AdminAuth) -> ApiResult<XlsxDownload> {
        let bytes = stats::workbook(&state, &auth.0).await?;
        Ok(XlsxDownload::new("工会福利进度统计.xlsx", bytes))
    }
}
