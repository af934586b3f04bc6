//! On PostgreSQL, `members.org_id` and `member_events.member_id` lose their foreign keys.
//!
//! Nothing deletes an organisation or a member, so neither key guards a real race: an
//! event is written with the id its member's insert just returned, and a member with the
//! union the worker or the admin acts for. Yet each is checked row by row, and the
//! history row's check even locks its new member row (`FOR KEY SHARE`, a WAL record per
//! member). In the import's batches (3 concurrent, 1,000 rows each, psql, 2 cores,
//! 2026-12-03) these two checks took a third of PostgreSQL's time: 4.1–4.6 s for
//! 100,000 members with their 入会 events with every key, 3.1–3.4 s without these two.
//!
//! `members.unit_id` keeps its key: units are deleted, and the key settles the race
//! between deleting a unit and a member being added to it. SQLite keeps both keys (they
//! cannot be dropped there without rebuilding the tables, and its writes go row by row).

use sea_orm_migration::prelude::*;

use crate::columns::on_postgres;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &[
                "ALTER TABLE members DROP CONSTRAINT members_org_id_fkey",
                "ALTER TABLE member_events DROP CONSTRAINT member_events_member_id_fkey",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(
            manager,
            &[
                "ALTER TABLE members ADD CONSTRAINT members_org_id_fkey \
                 FOREIGN KEY (org_id) REFERENCES organisations (id)",
                "ALTER TABLE member_events ADD CONSTRAINT member_events_member_id_fkey \
                 FOREIGN KEY (member_id) REFERENCES members (id)",
            ],
        )
        .await
    }
}
