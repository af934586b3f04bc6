//! The review workflow of a 领券活动 as a pure state machine:
//!
//! ```text
//! 草稿 ──submit──▶ 待审核 ──approve──▶ 审核通过 ──open──▶ 已开启
//!  ▲ edit/delete     │ ╲                 │ ╲               ▲  │
//!  │                 │  reject           │  start_opening  │  close
//!  │                 │   ╲               │   ╲──▶ 开启中 ──finish_opening
//!  │                 │    ╲              close      │         │
//! 驳回 ◀─────────────┘     ╲──close──▶ 已关闭 ◀─────close──────┘
//!  edit/delete/submit
//! ```
//!
//! Opening a small activity creates its voucher slots in the request (`Open`); a big
//! one goes to 开启中 (`StartOpening`) and a background task creates the slots, then
//! moves it to 已开启 (`FinishOpening`). Members cannot claim while it is 开启中.
//!
//! Edit and delete only in 草稿/驳回; once submitted an activity can be closed but never
//! deleted; 已关闭 is final. Side conditions that need the clock or the actor (the window
//! has not ended; who may review) are checked by the caller; this module only knows which
//! action is legal in which state.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ReviewStatus, TrailAction};

/// Where an activity is in its workflow.
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
pub enum ActivityStatus {
    /// 草稿
    #[sea_orm(string_value = "draft")]
    Draft,
    /// 待审核
    #[sea_orm(string_value = "submitted")]
    Submitted,
    /// 审核通过
    #[sea_orm(string_value = "approved")]
    Approved,
    /// 驳回
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// 开启中: its voucher slots are being created by a background task.
    #[sea_orm(string_value = "opening")]
    Opening,
    /// 已开启
    #[sea_orm(string_value = "open")]
    Open,
    /// 已关闭
    #[sea_orm(string_value = "closed")]
    Closed,
}

impl ActivityStatus {
    pub const ALL: [Self; 7] = [
        Self::Draft,
        Self::Submitted,
        Self::Approved,
        Self::Rejected,
        Self::Opening,
        Self::Open,
        Self::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "待审核",
            Self::Approved => "审核通过",
            Self::Rejected => "驳回",
            Self::Opening => "开启中",
            Self::Open => "已开启",
            Self::Closed => "已关闭",
        }
    }

    /// The states in which the activity and its prize list may be changed or deleted.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected)
    }

    /// Every state in which `action` is legal.
    pub fn allowing(action: ActivityAction) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|s| s.apply(action).is_ok())
            .collect()
    }

    /// The state after `action`, or why it is illegal now. `Delete` answers the state the
    /// activity is in when it is removed.
    pub fn apply(self, action: ActivityAction) -> Result<Self, IllegalTransition> {
        use ActivityAction as A;
        use ActivityStatus as S;
        let next = match (self, action) {
            (S::Draft | S::Rejected, A::Edit | A::Delete) => self,
            (S::Draft | S::Rejected, A::Submit) => S::Submitted,
            (S::Submitted, A::Approve) => S::Approved,
            (S::Submitted, A::Reject) => S::Rejected,
            (S::Approved, A::Open) => S::Open,
            (S::Approved, A::StartOpening) => S::Opening,
            (S::Opening, A::FinishOpening) => S::Open,
            (S::Opening, A::AbandonOpening) => S::Approved,
            (S::Submitted | S::Approved | S::Opening | S::Open, A::Close) => S::Closed,
            _ => {
                return Err(IllegalTransition {
                    current: self,
                    action,
                });
            }
        };
        Ok(next)
    }
}

/// What an admin does to an activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityAction {
    Edit,
    Delete,
    Submit,
    Approve,
    Reject,
    /// Opening with every slot created in the request: straight to 已开启.
    Open,
    /// Opening whose slots a background task creates: to 开启中.
    StartOpening,
    /// The task created every slot: 开启中 to 已开启.
    FinishOpening,
    /// The opening task used up its attempts: 开启中 back to 审核通过, so it can be
    /// opened again (the slots made so far are kept and the next opening makes the rest).
    AbandonOpening,
    Close,
}

impl ActivityAction {
    pub const ALL: [Self; 10] = [
        Self::Edit,
        Self::Delete,
        Self::Submit,
        Self::Approve,
        Self::Reject,
        Self::Open,
        Self::StartOpening,
        Self::FinishOpening,
        Self::AbandonOpening,
        Self::Close,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Edit => "编辑",
            Self::Delete => "删除",
            Self::Submit => "提交审核",
            Self::Approve => "审核通过",
            Self::Reject => "驳回",
            Self::Open | Self::StartOpening => "开启",
            Self::FinishOpening => "完成开启",
            Self::AbandonOpening => "退回审核通过",
            Self::Close => "关闭",
        }
    }

    /// The 审核状态 after this action, given the one before.
    pub fn review_status(self, before: ReviewStatus) -> ReviewStatus {
        match self {
            Self::Submit => ReviewStatus::Pending,
            Self::Approve => ReviewStatus::Approved,
            Self::Reject => ReviewStatus::Rejected,
            Self::Edit
            | Self::Delete
            | Self::Open
            | Self::StartOpening
            | Self::FinishOpening
            | Self::AbandonOpening
            | Self::Close => before,
        }
    }

    /// The trail entry this action leaves (`Delete` leaves none: the trail goes with it).
    pub fn trail(self) -> Option<TrailAction> {
        match self {
            Self::Edit => Some(TrailAction::Edit),
            Self::Delete => None,
            Self::Submit => Some(TrailAction::Submit),
            Self::Approve => Some(TrailAction::Approve),
            Self::Reject => Some(TrailAction::Reject),
            Self::Open | Self::StartOpening | Self::FinishOpening => Some(TrailAction::Open),
            Self::AbandonOpening => Some(TrailAction::OpenFailed),
            Self::Close => Some(TrailAction::Close),
        }
    }
}

/// An action that the current state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("活动当前状态为“{}”，不能{}", current.label(), action.label())]
pub struct IllegalTransition {
    pub current: ActivityStatus,
    pub action: ActivityAction,
}

#[cfg(test)]
mod tests {
    use super::ActivityAction as A;
    use super::ActivityStatus as S;
    use super::*;

    /// The complete table of legal transitions; everything else is illegal.
    const LEGAL: &[(S, A, S)] = &[
        (S::Draft, A::Edit, S::Draft),
        (S::Draft, A::Delete, S::Draft),
        (S::Draft, A::Submit, S::Submitted),
        (S::Rejected, A::Edit, S::Rejected),
        (S::Rejected, A::Delete, S::Rejected),
        (S::Rejected, A::Submit, S::Submitted),
        (S::Submitted, A::Approve, S::Approved),
        (S::Submitted, A::Reject, S::Rejected),
        (S::Submitted, A::Close, S::Closed),
        (S::Approved, A::Open, S::Open),
        (S::Approved, A::StartOpening, S::Opening),
        (S::Approved, A::Close, S::Closed),
        (S::Opening, A::FinishOpening, S::Open),
        (S::Opening, A::AbandonOpening, S::Approved),
        (S::Opening, A::Close, S::Closed),
        (S::Open, A::Close, S::Closed),
    ];

    #[test]
    fn every_legal_transition_reaches_its_target() {
        for &(from, action, to) in LEGAL {
            assert_eq!(from.apply(action), Ok(to), "{from:?} --{action:?}-->");
        }
    }

    #[test]
    fn every_other_pair_is_illegal_and_names_the_current_state() {
        let mut illegal = 0;
        for from in S::ALL {
            for action in A::ALL {
                if LEGAL.iter().any(|&(f, a, _)| f == from && a == action) {
                    continue;
                }
                illegal += 1;
                let err = from.apply(action).expect_err("illegal");
                assert_eq!(err.current, from);
                assert_eq!(err.action, action);
                assert!(err.to_string().contains(from.label()), "{err}");
                assert!(err.to_string().contains(action.label()), "{err}");
            }
        }
        assert_eq!(illegal, S::ALL.len() * A::ALL.len() - LEGAL.len());
    }

    #[test]
    fn edit_and_delete_only_in_draft_or_rejected() {
        assert_eq!(S::allowing(A::Edit), [S::Draft, S::Rejected]);
        assert_eq!(S::allowing(A::Delete), [S::Draft, S::Rejected]);
        for s in S::ALL {
            assert_eq!(s.editable(), s.apply(A::Edit).is_ok());
        }
    }

    #[test]
    fn after_submission_it_can_be_closed_but_never_deleted() {
        for s in [S::Submitted, S::Approved, S::Opening, S::Open] {
            assert_eq!(s.apply(A::Close), Ok(S::Closed));
            assert!(s.apply(A::Delete).is_err());
        }
    }

    #[test]
    fn opening_needs_approval_and_closed_is_final() {
        assert_eq!(S::allowing(A::Open), [S::Approved]);
        assert_eq!(S::allowing(A::StartOpening), [S::Approved]);
        assert_eq!(S::allowing(A::FinishOpening), [S::Opening]);
        assert_eq!(S::allowing(A::AbandonOpening), [S::Opening]);
        for action in A::ALL {
            assert!(S::Closed.apply(action).is_err());
        }
    }

    #[test]
    fn only_a_submitted_activity_can_be_reviewed() {
        assert_eq!(S::allowing(A::Approve), [S::Submitted]);
        assert_eq!(S::allowing(A::Reject), [S::Submitted]);
    }

    #[test]
    fn the_review_status_follows_submit_approve_and_reject() {
        use ReviewStatus as R;
        assert_eq!(A::Submit.review_status(R::Rejected), R::Pending);
        assert_eq!(A::Approve.review_status(R::Pending), R::Approved);
        assert_eq!(A::Reject.review_status(R::Pending), R::Rejected);
        assert_eq!(A::Close.review_status(R::Approved), R::Approved);
        assert_eq!(A::Open.review_status(R::Approved), R::Approved);
        assert_eq!(A::Edit.review_status(R::Rejected), R::Rejected);
    }

    #[test]
    fn the_message_names_state_and_action() {
        let err = S::Open.apply(A::Edit).expect_err("illegal");
        assert_eq!(err.to_string(), "活动当前状态为“已开启”，不能编辑");
    }
}
