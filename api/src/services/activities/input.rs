//! An activity's fields as the client sends them, and their checks.

use chrono::{DateTime, Utc};
use entity::enums::ClaimLimitKind;
use entity::{activity, organisation, unit};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::auth::AdminPrincipal;
use crate::error::{ApiError, ApiResult};
use crate::input::{required_text, text};
use crate::scope::Scope;
use crate::services::{files, html};

pub const MAX_CONTENT_CHARS: usize = 100_000;
pub const MAX_TIMES_PER_DAY: i32 = 100;

/// Activity fields as the client sent them.
#[derive(Clone, Debug)]
pub struct ActivityInput {
    pub title: String,
    pub cover_url: Option<String>,
    pub cover_file_id: Option<i64>,
    pub claim_limit_kind: ClaimLimitKind,
    pub claim_limit_times: Option<i32>,
    pub scope_org_id: i64,
    pub scope_unit_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub content_html: String,
    pub birthday_only: bool,
    /// Screenshot-proof vouchers (动态券码).
    pub dynamic_code: bool,
}

/// Validated activity fields (content already sanitised).
#[derive(Clone, Debug)]
pub struct ActivityFields {
    title: String,
    cover_url: Option<String>,
    cover_file_id: Option<i64>,
    claim_limit_kind: ClaimLimitKind,
    claim_limit_times: Option<i32>,
    scope_org_id: i64,
    scope_unit_id: Option<i64>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    content_html: String,
    birthday_only: bool,
    dynamic_code: bool,
}

impl ActivityInput {
    /// Checks every field. `starts_at` must be later than now, unless it is unchanged
    /// from `previous_start` (an edit that keeps the start time).
    pub async fn validate<C: ConnectionTrait>(
        self,
        db: &C,
        me: &AdminPrincipal,
        now: DateTime<Utc>,
        previous_start: Option<DateTime<Utc>>,
    ) -> ApiResult<ActivityFields> {
        let title = required_text(&self.title, "活动标题", 100)?;
        let cover_url = text(self.cover_url, "活动封面（cover_url）", 500)?;
        if let Some(url) = &cover_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(ApiError::validation(
                    "活动封面（cover_url）应为 http(s) 图片地址",
                ));
            }
        }
        if let Some(id) = self.cover_file_id {
            files::require_image(db, &me.scope, id, "活动封面（cover_file_id）").await?;
        }
        if cover_url.is_none() && self.cover_file_id.is_none() {
            return Err(ApiError::validation(
                "活动封面不能为空（请上传封面图片 cover_file_id 或填写 cover_url）",
            ));
        }
        let claim_limit_times = match self.claim_limit_kind {
            ClaimLimitKind::Once => None,
            ClaimLimitKind::PerDay => match self.claim_limit_times {
                Some(n) if (1..=MAX_TIMES_PER_DAY).contains(&n) => Some(n),
                _ => {
                    return Err(ApiError::validation(format!(
                        "领券次数（claim_limit.times）应为每天1至{MAX_TIMES_PER_DAY}次"
                    )));
                }
            },
        };
        let scope_org = organisation::Entity::find_by_id(self.scope_org_id)
            .one(db)
            .await?
            .filter(|o| me.scope.contains_path(&o.path))
            .ok_or_else(|| ApiError::validation("适用范围（scope_org_id）须为本级或下级组织"))?;
        if let Some(unit_id) = self.scope_unit_id {
            let in_scope = unit::Entity::find_by_id(unit_id)
                .filter(Expr::col(unit::Column::OrgId).in_subquery(Scope::of(&scope_org).org_ids()))
                .one(db)
                .await?
                .is_some();
            if !in_scope {
                return Err(ApiError::validation(
                    "适用单位（scope_unit_id）须为适用范围组织内的单位",
                ));
            }
        }
        if previous_start != Some(self.starts_at) && self.starts_at <= now {
            return Err(ApiError::validation("活动开始时间须晚于当前时间"));
        }
        if self.ends_at <= self.starts_at {
            return Err(ApiError::validation("活动结束时间须晚于开始时间"));
        }
        if self.content_html.trim().is_empty() {
            return Err(ApiError::validation("活动内容不能为空"));
        }
        if self.content_html.chars().count() > MAX_CONTENT_CHARS {
            return Err(ApiError::validation(format!(
                "活动内容不能超过{MAX_CONTENT_CHARS}个字"
            )));
        }
        Ok(ActivityFields {
            title,
            cover_url,
            cover_file_id: self.cover_file_id,
            claim_limit_kind: self.claim_limit_kind,
            claim_limit_times,
            scope_org_id: scope_org.id,
            scope_unit_id: self.scope_unit_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            content_html: html::sanitise(&self.content_html),
            birthday_only: self.birthday_only,
            dynamic_code: self.dynamic_code,
        })
    }
}

pub(super) fn apply(active: &mut activity::ActiveModel, f: ActivityFields) {
    active.title = Set(f.title);
    active.cover_url = Set(f.cover_url);
    active.cover_file_id = Set(f.cover_file_id);
    active.claim_limit_kind = Set(f.claim_limit_kind);
    active.claim_limit_times = Set(f.claim_limit_times);
    active.scope_org_id = Set(f.scope_org_id);
    active.scope_unit_id = Set(f.scope_unit_id);
    active.starts_at = Set(f.starts_at);
    active.ends_at = Set(f.ends_at);
    active.content_html = Set(f.content_html);
    active.birthday_only = Set(f.birthday_only);
    active.dynamic_code = Set(f.dynamic_code);
}
