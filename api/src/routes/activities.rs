use chrono::{DateTime, Utc};
use entity::activity_state::{ActivityAction, ActivityStatus};
use entity::enums::{ClaimLimitKind, ReviewStatus, TrailAction};
use entity::{activity, activity_trail};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::auth::AdminAuth;
use crate::error::ApiResult;
use crate::paging::PageRequest;
use crate::services::activities::{self, ActivityFilter, ActivityInput, Counts, PrizeLine};
use crate::services::files;
use crate::state::AppState;

/// 领券次数: `{"kind":"once"}` or `{"kind":"per_day","times":N}`.
#[derive(Object, Clone)]
pub struct ClaimLimit {
    pub kind: ClaimLimitKind,
    /// Claims per member per day, for `per_day`.
    #[oai(skip_serializing_if_is_none)]
    pub times: Option<i32>,
}

/// A prize line: so many of a coupon.
#[derive(Object)]
pub struct Prize {
    pub id: i64,
    pub coupon_id: i64,
    pub coupon_name: String,
    pub coupon_title: String,
    pub amount_fen: i64,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub quantity: i64,
}

impl From<&PrizeLine> for Prize {
    fn from((p, c, m): &PrizeLine) -> Self {
        Self {
            id: p.id,
            coupon_id: c.id,
            coupon_name: c.name.clone(),
            coupon_title: c.title.clone(),
            amount_fen: c.amount_fen,
            merchant_id: m.id,
            merchant_name: m.name.clone(),
            quantity: p.quantity,
        }
    }
}

/// An activity (领券活动) with its prize list and counts.
#[derive(Object)]
pub struct Activity {
    pub id: i64,
    /// 发布工会
    pub org_id: i64,
    pub org_name: String,
    /// 活动标题
    pub title: String,
    /// 类型
    pub kind_label: String,
    pub cover_file_id: Option<i64>,
    /// The cover image: the given URL, or where the uploaded cover is read.
    pub cover_url: Option<String>,
    pub claim_limit: ClaimLimit,
    pub claim_limit_label: String,
    /// 适用范围
    pub scope_org_id: i64,
    pub scope_unit_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Sanitised rich text (omitted in lists).
    #[oai(skip_serializing_if_is_none)]
    pub content_html: Option<String>,
    pub birthday_only: bool,
    /// Screenshot-proof vouchers (动态券码): the member app shows a QR code that changes
    /// every 30 seconds, and the merchant cannot redeem a screenshot of the fixed code.
    pub dynamic_code: bool,
    /// Workflow state: draft/submitted/approved/rejected/opening/open/closed.
    pub status: ActivityStatus,
    /// 草稿 / 待审核 / 审核通过 / 驳回 / 开启中 / 已开启 / 已关闭
    pub status_label: String,
    /// The task (任务中心) creating the vouchers of a big activity, from its opening on.
    pub opening_task_id: Option<i64>,
    /// While 开启中: the vouchers to create (the prizes' total) and those created so
    /// far; absent otherwise.
    #[oai(skip_serializing_if_is_none)]
    pub slots_total: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub slots_created: Option<i64>,
    /// 状态 as figure 29 shows it: 开启 only while open, else 关闭.
    pub open: bool,
    pub open_label: String,
    /// 审核状态
    pub review_status: ReviewStatus,
    pub review_status_label: String,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<i64>,
    /// 审核时间
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: Option<String>,
    /// 奖品
    pub prizes: Vec<Prize>,
    /// Sum of the prize quantities.
    pub prize_quantity: i64,
    /// 报名人数 (filled by the claims feature; 0 until then)
    pub sign_up_count: i64,
    /// 参与人数
    pub participant_count: i64,
    /// 核销数
    pub redeemed_count: i64,
    /// Send it back with an edit.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn to_dto(
    m: activity::Model,
    org_name: String,
    prizes: &[PrizeLine],
    counts: Counts,
    created: Option<i64>,
    with_content: bool,
) -> Activity {
    let prize_quantity: i64 = prizes.iter().map(|(p, _, _)| p.quantity).sum();
    let opening = m.status == ActivityStatus::Opening;
    let cover_url = m.cover_file_id.map(files::url).or(m.cover_url.clone());
    let claim_limit_label = match m.claim_limit_kind {
        ClaimLimitKind::Once => "只能一次".to_owned(),
        ClaimLimitKind::PerDay => format!("每天{}次", m.claim_limit_times.unwrap_or(1)),
    };
    let open = m.status == ActivityStatus::Open;
    Activity {
        id: m.id,
        org_id: m.org_id,
        org_name,
        title: m.title,
        kind_label: "领券活动".to_owned(),
        cover_file_id: m.cover_file_id,
        cover_url,
        claim_limit: ClaimLimit {
            kind: m.claim_limit_kind,
            times: m.claim_limit_times,
        },
        claim_limit_label,
        scope_org_id: m.scope_org_id,
        scope_unit_id: m.scope_unit_id,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        content_html: with_content.then_some(m.content_html),
        birthday_only: m.birthday_only,
        dynamic_code: m.dynamic_code,
        status: m.status,
        status_label: m.status.label().to_owned(),
        opening_task_id: m.opening_task_id,
        slots_total: opening.then_some(prize_quantity),
        slots_created: opening.then_some(created.unwrap_or(0)),
        open,
        open_label: if open { "开启" } else { "关闭" }.to_owned(),
        review_status: m.review_status,
        review_status_label: m.review_status.label().to_owned(),
        submitted_by: m.submitted_by,
        submitted_at: m.submitted_at,
        reviewed_by: m.reviewed_by,
        reviewed_at: m.reviewed_at,
        review_comment: m.review_comment,
        prize_quantity,
        prizes: prizes.iter().map(Prize::from).collect(),
        sign_up_count: counts.sign_ups,
        participant_count: counts.participants,
        redeemed_count: counts.redeemed,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Turns models into DTOs with organisation names, prizes and counts.
async fn dtos(
    state: &AppState,
    items: Vec<activity::Model>,
    with_content: bool,
) -> ApiResult<Vec<Activity>> {
    let ids: Vec<i64> = items.iter().map(|a| a.id).collect();
    let names = activities::org_names(&state.db, items.iter().map(|a| a.org_id)).await?;
    let prizes = activities::prizes_of(&state.db, &ids).await?;
    let counts = activities::counts(&state.db, &ids).await?;
    let progress = activities::opening_progress(&state.db, &items).await?;
    let empty = Vec::new();
    Ok(items
        .into_iter()
        .map(|a| {
            let name = names.get(&a.org_id).cloned().unwrap_or_default();
            let p = prizes.get(&a.id).unwrap_or(&empty);
            let c = counts.get(&a.id).copied().unwrap_or_default();
            let created = a.opening_task_id.and_then(|t| progress.get(&t).copied());
            to_dto(a, name, p, c, created, with_content)
        })
        .collect())
}

async fn one(state: &AppState, m: activity::Model) -> ApiResult<Json<Activity>> {
    let mut v = dtos(state, vec![m], true).await?;
    Ok(Json(v.remove(0)))
}

#[derive(Object)]
pub struct ActivityBody {
    #[oai(validator(max_length = 100))]
    pub title: String,
    #[oai(validator(max_length = 500))]
    pub cover_url: Option<String>,
    pub cover_file_id: Option<i64>,
    pub claim_limit: ClaimLimit,
    pub scope_org_id: i64,
    pub scope_unit_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[oai(validator(max_length = 100000))]
    pub content_html: String,
    #[oai(default)]
    pub birthday_only: bool,
    /// Screenshot-proof vouchers (动态券码防截图); default false.
    #[oai(default)]
    pub dynamic_code: bool,
}

impl From<ActivityBody> for ActivityInput {
    fn from(b: ActivityBody) -> Self {
        Self {
            title: b.title,
            cover_url: b.cover_url,
            cover_file_id: b.cover_file_id,
            claim_limit_kind: b.claim_limit.kind,
            claim_limit_times: b.claim_limit.times,
            scope_org_id: b.scope_org_id,
            scope_unit_id: b.scope_unit_id,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            content_html: b.content_html,
            birthday_only: b.birthday_only,
            dynamic_code: b.dynamic_code,
        }
    }
}

#[derive(Object)]
pub struct UpdateActivityBody {
    /// The version read; a stale one answers 409 `STALE_VERSION`.
    pub version: i32,
    #[oai(flatten)]
    pub fields: ActivityBody,
}

#[derive(Object)]
pub struct PrizeBody {
    pub coupon_id: i64,
    pub quantity: i64,
}

#[derive(Object)]
pub struct ReviewBody {
    /// true: 审核通过; false: 驳回 (comment required).
    pub approve: bool,
    #[oai(validator(max_length = 500))]
    pub comment: Option<String>,
}

#[derive(Object, Default)]
pub struct CommentBody {
    #[oai(validator(max_length = 500))]
    pub comment: Option<String>,
}

#[derive(Object)]
pub struct Deleted {
    pub deleted: bool,
}

/// The 合计 row.
#[derive(Object)]
pub struct ActivityTotals {
    pub sign_up_count: i64,
    pub participant_count: i64,
    pub redeemed_count: i64,
    pub prize_quantity: i64,
}

/// One page of activities with the 合计 over every activity matching the filter.
#[derive(Object)]
pub struct ActivityPage {
    pub items: Vec<Activity>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub totals: ActivityTotals,
}

/// A 处理轨迹 entry.
#[derive(Object)]
pub struct TrailEntry {
    pub id: i64,
    pub action: TrailAction,
    pub action_label: String,
    pub from_status: Option<ActivityStatus>,
    pub to_status: ActivityStatus,
    pub to_status_label: String,
    /// 处理人
    pub actor_id: i64,
    pub actor_name: String,
    /// 处理人所在组织
    pub org_id: i64,
    pub org_name: String,
    /// 处理意见
    pub comment: Option<String>,
    /// 处理时间
    pub created_at: DateTime<Utc>,
}

impl From<activity_trail::Model> for TrailEntry {
    fn from(m: activity_trail::Model) -> Self {
        Self {
            id: m.id,
            action: m.action,
            action_label: m.action.label().to_owned(),
            from_status: m.from_status,
            to_status: m.to_status,
            to_status_label: m.to_status.label().to_owned(),
            actor_id: m.actor_id,
            actor_name: m.actor_name,
            org_id: m.org_id,
            org_name: m.org_name,
            comment: m.comment,
            created_at: m.created_at,
        }
    }
}

#[derive(Object)]
pub struct ReviewQueuePage {
    pub items: Vec<Activity>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub struct ActivityApi;

#[OpenApi(prefix_path = "/api/admin", tag = "ApiTags::Activities")]
impl ActivityApi {
    /// Activities of own organisation and those below, with counts and the 合计 row
    #[oai(path = "/activities", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(max_length = 100))] name: Query<Option<String>>,
        status: Query<Option<ActivityStatus>>,
        review_status: Query<Option<ReviewStatus>>,
        merchant_id: Query<Option<i64>>,
        org_id: Query<Option<i64>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<ActivityPage>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let filter = ActivityFilter {
            name: name.0,
            status: status.0,
            review_status: review_status.0,
            merchant_id: merchant_id.0,
            org_id: org_id.0,
        };
        let (items, total, totals) = activities::list(&state, &auth.0, filter, req).await?;
        Ok(Json(ActivityPage {
            items: dtos(&state, items, false).await?,
            total,
            page: req.page,
            page_size: req.page_size,
            totals: ActivityTotals {
                sign_up_count: totals.counts.sign_ups,
                participant_count: totals.counts.participants,
                redeemed_count: totals.counts.redeemed,
                prize_quantity: totals.prize_quantity,
            },
        }))
    }

    /// Create a draft activity published by own organisation
    #[oai(path = "/activities", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        body: Json<ActivityBody>,
    ) -> ApiResult<Json<Activity>> {
        let a = activities::create(&state, &auth.0, body.0.into()).await?;
        one(&state, a).await
    }

    /// One activity with its prize list
    #[oai(path = "/activities/:id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Activity>> {
        let a = activities::visible(&state.db, &auth.0.scope, id.0).await?;
        one(&state, a).await
    }

    /// Edit a draft or rejected activity (send the version read)
    #[oai(path = "/activities/:id", method = "put")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<UpdateActivityBody>,
    ) -> ApiResult<Json<Activity>> {
        let body = body.0;
        let a = activities::update(&state, &auth.0, id.0, body.version, body.fields.into()).await?;
        one(&state, a).await
    }

    /// Delete a draft or rejected activity
    #[oai(path = "/activities/:id", method = "delete")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Deleted>> {
        activities::delete(&state, &auth.0, id.0).await?;
        Ok(Json(Deleted { deleted: true }))
    }

    /// Add a prize (coupon + quantity) while the activity is editable
    #[oai(path = "/activities/:id/prizes", method = "post")]
    async fn add_prize(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<PrizeBody>,
    ) -> ApiResult<Json<Activity>> {
        activities::add_prize(&state, &auth.0, id.0, body.0.coupon_id, body.0.quantity).await?;
        let a = activities::visible(&state.db, &auth.0.scope, id.0).await?;
        one(&state, a).await
    }

    /// Remove a prize while the activity is editable
    #[oai(path = "/activities/:id/prizes/:prize_id", method = "delete")]
    async fn remove_prize(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        prize_id: Path<i64>,
    ) -> ApiResult<Json<Activity>> {
        activities::remove_prize(&state, &auth.0, id.0, prize_id.0).await?;
        let a = activities::visible(&state.db, &auth.0.scope, id.0).await?;
        one(&state, a).await
    }

    /// 提交审核
    #[oai(path = "/activities/:id/submit", method = "post")]
    async fn submit(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<Option<CommentBody>>,
    ) -> ApiResult<Json<Activity>> {
        let comment = body.0.and_then(|b| b.comment);
        let a =
            activities::transition(&state, &auth.0, id.0, ActivityAction::Submit, comment).await?;
        one(&state, a).await
    }

    /// 审核: approve, or reject with a reason (admins of an ancestor organisation only)
    #[oai(path = "/activities/:id/review", method = "post")]
    async fn review(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<ReviewBody>,
    ) -> ApiResult<Json<Activity>> {
        let action = if body.0.approve {
            ActivityAction::Approve
        } else {
            ActivityAction::Reject
        };
        let a = activities::transition(&state, &auth.0, id.0, action, body.0.comment).await?;
        one(&state, a).await
    }

    /// 开启 (approved and not ended)
    #[oai(path = "/activities/:id/open", method = "post")]
    async fn open(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<Option<CommentBody>>,
    ) -> ApiResult<Json<Activity>> {
        let comment = body.0.and_then(|b| b.comment);
        let a =
            activities::transition(&state, &auth.0, id.0, ActivityAction::Open, comment).await?;
        one(&state, a).await
    }

    /// 关闭 (any time after submission)
    #[oai(path = "/activities/:id/close", method = "post")]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
        body: Json<Option<CommentBody>>,
    ) -> ApiResult<Json<Activity>> {
        let comment = body.0.and_then(|b| b.comment);
        let a =
            activities::transition(&state, &auth.0, id.0, ActivityAction::Close, comment).await?;
        one(&state, a).await
    }

    /// 处理轨迹
    #[oai(path = "/activities/:id/trail", method = "get")]
    async fn trail(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<TrailEntry>>> {
        let rows = activities::trail_of(&state, &auth.0, id.0).await?;
        Ok(Json(rows.into_iter().map(TrailEntry::from).collect()))
    }

    /// Submitted activities the caller may review (活动审核)
    #[oai(path = "/activity-reviews", method = "get")]
    async fn review_queue(
        &self,
        state: Data<&AppState>,
        auth: AdminAuth,
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))] page: Query<
            Option<u64>,
        >,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<
            Option<u64>,
        >,
    ) -> ApiResult<Json<ReviewQueuePage>> {
        let req = PageRequest::new(page.0, page_size.0)?;
        let (items, total) = activities::review_queue(&state, &auth.0, req).await?;
        Ok(Json(ReviewQueuePage {
            items: dtos(&state, items, false).await?,
            total,
            page: req.page,
            page_size: req.page_size,
        }))
    }
}
