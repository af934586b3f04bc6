use sea_orm::entity::prelude::*;

use crate::enums::TransferRequestStatus;

/// A transfer request (转会申请): a union asks for a person who is an active member of
/// another union. The requester names the person (ID number and name) but is never
/// told which union holds them until the request is approved; that union's admins (or
/// admins of an organisation above both) approve, which moves the member, or reject.
/// At most one request per person is pending (a partial unique index).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The requesting union, where the member is to go.
    pub to_org_id: i64,
    /// The union holding the member when the request was made.
    pub from_org_id: i64,
    /// The active roster record matched when the request was made.
    pub member_id: i64,
    /// The member's record in the requesting union, once approved.
    pub new_member_id: Option<i64>,
    pub name: String,
    pub id_number_hash: String,
    pub id_number_masked: String,
    pub status: TransferRequestStatus,
    /// 转会原因 given by the requester (copied into the member's history).
    pub reason: Option<String>,
    pub reject_reason: Option<String>,
    pub requested_by: i64,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
