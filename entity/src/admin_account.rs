use sea_orm::entity::prelude::*;

/// A back-office login. Belongs to one organisation and sees that organisation and
/// every organisation below it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// Until when the one-time initial password works (while `must_change_password`);
    /// none means expired.
    pub initial_password_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrgId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
