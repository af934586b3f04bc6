//! Status and kind enums stored as short strings, with their Chinese labels.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of an organisation in the tree.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum OrgKind {
    /// 市总工会
    #[sea_orm(string_value = "city_federation")]
    CityFederation,
    /// 区县/产业总工会
    #[sea_orm(string_value = "district_federation")]
    DistrictFederation,
    /// 基层工会
    #[sea_orm(string_value = "grassroots_union")]
    GrassrootsUnion,
}

impl OrgKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::CityFederation => "市总工会",
            Self::DistrictFederation => "区县/产业总工会",
            Self::GrassrootsUnion => "基层工会",
        }
    }

    /// A grassroots union is a leaf: it has members, not subordinate organisations.
    pub fn may_have_children(self) -> bool {
        !matches!(self, Self::GrassrootsUnion)
    }
}

/// Who holds a session or did an audited action.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum PrincipalKind {
    #[sea_orm(string_value = "admin")]
    Admin,
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "merchant")]
    Merchant,
    #[sea_orm(string_value = "system")]
    System,
}

/// What a background task does.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum TaskKind {
    /// A no-op that proves the queue path end to end (系统自检).
    #[sea_orm(string_value = "ping")]
    Ping,
    /// 会员批量采集
    #[sea_orm(string_value = "member_import")]
    MemberImport,
    /// 结算报表
    #[sea_orm(string_value = "settlement_report")]
    SettlementReport,
    /// 活动开启: creates the voucher slots of a big activity (开启中 → 已开启).
    #[sea_orm(string_value = "activity_opening")]
    ActivityOpening,
}

impl TaskKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ping => "系统自检",
            Self::MemberImport => "会员批量采集",
            Self::SettlementReport => "结算报表",
            Self::ActivityOpening => "活动开启",
        }
    }
}

/// 等待执行 / 执行中 / 执行成功 / 执行失败
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum TaskStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl TaskStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "等待执行",
            Self::Running => "执行中",
            Self::Succeeded => "执行成功",
            Self::Failed => "执行失败",
        }
    }
}

/// 会籍状态: active (入会) or the reason the member left.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum MemberStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "transferred_out")]
    TransferredOut,
    #[sea_orm(string_value = "retired")]
    Retired,
    #[sea_orm(string_value = "left_job")]
    LeftJob,
    #[sea_orm(string_value = "other")]
    Other,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 5] = [
        Self::Active,
        Self::TransferredOut,
        Self::Retired,
        Self::LeftJob,
        Self::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "入会",
            Self::TransferredOut => "转出",
            Self::Retired => "退休",
            Self::LeftJob => "离岗",
            Self::Other => "其他",
        }
    }

    /// From the Chinese label (as in the Excel template) or the code.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|st| st.label() == s || sea_orm::ActiveEnum::to_value(st) == s)
    }
}

/// What happened to a membership.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum MemberEventKind {
    /// 入会（录入）
    #[sea_orm(string_value = "joined")]
    Joined,
    /// 转入
    #[sea_orm(string_value = "transferred_in")]
    TransferredIn,
    /// 转出
    #[sea_orm(string_value = "transferred_out")]
    TransferredOut,
    /// 退休 / 离岗 / 其他
    #[sea_orm(string_value = "left")]
    Left,
}

impl MemberEventKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Joined => "入会",
            Self::TransferredIn => "转入",
            Self::TransferredOut => "转出",
            Self::Left => "离会",
        }
    }
}

/// 商家类型: an ordinary merchant, or the union itself acting as one (本单位工会).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum MerchantKind {
    /// 商家
    #[sea_orm(string_value = "merchant")]
    Merchant,
    /// 工会
    #[sea_orm(string_value = "union")]
    Union,
}

impl MerchantKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Merchant => "商家",
            Self::Union => "工会",
        }
    }
}

/// 优惠券类型. Only union activity coupons exist so far.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum CouponKind {
    /// 工会活动券
    #[sea_orm(string_value = "union_activity")]
    UnionActivity,
}

impl CouponKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::UnionActivity => "工会活动券",
        }
    }
}

/// Why a file was stored; decides who reads it and how long it is kept.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum FilePurpose {
    /// 图片 (logo, licence, activity cover)
    #[sea_orm(string_value = "image")]
    Image,
    /// 导入文件 (uploaded xlsx)
    #[sea_orm(string_value = "import_upload")]
    ImportUpload,
    /// 导入结果
    #[sea_orm(string_value = "import_result")]
    ImportResult,
    /// 报表
    #[sea_orm(string_value = "report")]
    Report,
}

impl FilePurpose {
    pub fn label(self) -> &'static str {
        match self {
            Self::Image => "图片",
            Self::ImportUpload => "导入文件",
            Self::ImportResult => "导入结果",
            Self::Report => "报表",
        }
    }
}

/// 领券次数: once per member, or up to N per day.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum ClaimLimitKind {
    /// 只能一次
    #[sea_orm(string_value = "once")]
    Once,
    /// 每天限制次数
    #[sea_orm(string_value = "per_day")]
    PerDay,
}

impl ClaimLimitKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Once => "只能一次",
            Self::PerDay => "每天限制次数",
        }
    }
}

/// 审核状态 as the activity list shows it, kept beside the workflow state (an approved
/// activity that was later closed still shows 审核通过).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// 未提交
    #[sea_orm(string_value = "not_submitted")]
    NotSubmitted,
    /// 待审核
    #[sea_orm(string_value = "pending")]
    Pending,
    /// 审核通过
    #[sea_orm(string_value = "approved")]
    Approved,
    /// 驳回
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

impl ReviewStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::NotSubmitted => "未提交",
            Self::Pending => "待审核",
            Self::Approved => "审核通过",
            Self::Rejected => "驳回",
        }
    }
}

/// What a 处理轨迹 (activity trail) entry records.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum TrailAction {
    #[sea_orm(string_value = "create")]
    Create,
    #[sea_orm(string_value = "edit")]
    Edit,
    #[sea_orm(string_value = "add_prize")]
    AddPrize,
    #[sea_orm(string_value = "remove_prize")]
    RemovePrize,
    #[sea_orm(string_value = "submit")]
    Submit,
    #[sea_orm(string_value = "approve")]
    Approve,
    #[sea_orm(string_value = "reject")]
    Reject,
    #[sea_orm(string_value = "open")]
    Open,
    /// The opening task gave up: 开启中 back to 审核通过.
    #[sea_orm(string_value = "open_failed")]
    OpenFailed,
    #[sea_orm(string_value = "close")]
    Close,
}

impl TrailAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "创建",
            Self::Edit => "编辑",
            Self::AddPrize => "添加奖品",
            Self::RemovePrize => "移除奖品",
            Self::Submit => "提交审核",
            Self::Approve => "审核通过",
            Self::Reject => "驳回",
            Self::Open => "开启",
            Self::OpenFailed => "开启未完成",
            Self::Close => "关闭",
        }
    }
}

/// What an SMS code may be used for; a code only works for its own purpose.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum SmsPurpose {
    /// 注册
    #[sea_orm(string_value = "register")]
    Register,
    /// 验证码登录
    #[sea_orm(string_value = "login")]
    Login,
    /// 重置密码
    #[sea_orm(string_value = "reset_password")]
    ResetPassword,
}

impl SmsPurpose {
    pub fn as_code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::ResetPassword => "reset_password",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Register => "注册",
            Self::Login => "登录",
            Self::ResetPassword => "重置密码",
        }
    }
}

/// Which WeChat client a login code came from: the member mobile app (OAuth) or the
/// mini-program. Their openids differ; the unionid (when present) is shared.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum WechatSource {
    /// 手机 APP（微信开放平台 OAuth）
    #[default]
    #[sea_orm(string_value = "app")]
    App,
    /// 微信小程序
    #[sea_orm(string_value = "miniprogram")]
    Miniprogram,
}

/// 工会会员认证申请: 待审核 / 审核通过 / 驳回.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum CertificationStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

impl CertificationStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Approved => "审核通过",
            Self::Rejected => "驳回",
        }
    }
}

/// 转会申请 state: pending until the holding union approves (the member moves) or
/// rejects it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum TransferRequestStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

impl TransferRequestStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待审批",
            Self::Approved => "已同意",
            Self::Rejected => "已驳回",
        }
    }
}

/// Where a voucher row is in its life. `available` is a free slot (no member yet); the
/// other three are the voucher states a member and a merchant see.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// 待领取（空位）
    #[sea_orm(string_value = "available")]
    Available,
    /// 未使用
    #[sea_orm(string_value = "unused")]
    Unused,
    /// 已核销
    #[sea_orm(string_value = "redeemed")]
    Redeemed,
    /// 已过期
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl VoucherStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Unused => "unused",
            Self::Redeemed => "redeemed",
            Self::Expired => "expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Available => "待领取",
            Self::Unused => "未使用",
            Self::Redeemed => "已核销",
            Self::Expired => "已过期",
        }
    }
}

/// 结算单状态: a draft with live figures, or confirmed (结算确认) and frozen.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum SettlementStatus {
    /// 草稿
    #[sea_orm(string_value = "draft")]
    Draft,
    /// 已确认
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
}

impl SettlementStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Confirmed => "已确认",
        }
    }
}

/// What a verifiable document (a settlement workbook with a verification code) is.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    poem_openapi::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 结算报表 of an activity (领取明细表 + 结算汇总)
    #[sea_orm(string_value = "settlement_report")]
    SettlementReport,
    /// 结算单 of a merchant and period
    #[sea_orm(string_value = "settlement_statement")]
    SettlementStatement,
}

impl DocumentKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::SettlementReport => "结算报表",
            Self::SettlementStatement => "结算单",
        }
    }
}
