//! Issue 16: passport and permit numbers are masked as strongly as ID numbers. Lists
//! used to show the first 3 and last 4 characters of every document, 7 of an 8- or
//! 9-character passport or permit; now at least half is hidden (`entity::value::
//! mask_id_number`: 18 characters keep 3 + 4, 14–17 keep 2 + 4, 10–13 keep 2 + 3,
//! 8–9 keep 1 + 3; shorter ones were and stay at most 2 trailing characters).
//!
//! The stored masks are masked again in SQL. The full numbers are encrypted with a key
//! the migration does not have, but it needs none: every character the new rule shows
//! was shown by the old one, so masking the old mask gives the new mask of the number.
//! `substr` and `||` mean the same on SQLite and PostgreSQL; masks are ASCII.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Enough stars for the longest masked middle (17 - 1 - 3).
const STARS: &str = "*****************";

/// The new mask of column `m` for the lengths whose rule changed.
fn remask(table: &str, m: &str) -> String {
    let part = |head: u32, tail: u32| {
        format!(
            "substr({m}, 1, {head}) || substr('{STARS}', 1, length({m}) - {hidden}) \
             || substr({m}, length({m}) - {back})",
            hidden = head + tail,
            back = tail - 1,
        )
    };
    format!(
        "UPDATE {table} SET {m} = CASE \
         WHEN length({m}) >= 14 THEN {} \
         WHEN length({m}) >= 10 THEN {} \
         ELSE {} END \
         WHERE length({m}) BETWEEN 8 AND 17",
        part(2, 4),
        part(2, 3),
        part(1, 3),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in ["members", "certifications"] {
            db.execute_unprepared(&remask(table, "id_number_masked"))
                .await?;
        }
        Ok(())
    }

    /// The characters hidden now are gone from the stored masks; nothing to undo.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_keeps_head_and_tail_of_each_length_class() {
        let sql = remask("members", "id_number_masked");
        assert!(sql.contains("WHERE length(id_number_masked) BETWEEN 8 AND 17"));
        // 14–17: 2 + 4 shown; the tail starts 3 before the end.
        assert!(sql.contains(
            "substr(id_number_masked, 1, 2) || substr('*****************', 1, length(id_number_masked) - 6) || substr(id_number_masked, length(id_number_masked) - 3)"
        ));
        assert!(sql.contains("substr(id_number_masked, 1, 1)"));
    }
}
