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
    use crate::test_db;

    /// Old masks (first 3 and last 4 shown) and what they must become.
    const CASES: [(&str, &str); 7] = [
        ("E12**5678", "E*****678"),
        ("123*5678", "1****678"),
        ("M12****7890", "M1******890"),
        ("AB1*******9012", "AB********9012"),
        ("AB1**********2345", "AB***********2345"),
        ("650***********2921", "650***********2921"),
        ("***45", "***45"),
    ];

    #[tokio::test]
    async fn stored_masks_are_masked_again_on_both_backends() {
        for db in test_db::databases().await {
            for table in ["members", "certifications"] {
                let mut setup = vec![format!(
                    "CREATE TEMPORARY TABLE {table} (id INTEGER, id_number_masked VARCHAR(32))"
                )];
                setup.extend(
                    CASES
                        .iter()
                        .enumerate()
                        .map(|(i, (old, _))| format!("INSERT INTO {table} VALUES ({i}, '{old}')")),
                );
                test_db::run(&db, &setup).await;
            }
            Migration
                .up(&SchemaManager::new(&db))
                .await
                .expect("migration");
            let want: Vec<&str> = CASES.iter().map(|(_, new)| *new).collect();
            for table in ["members", "certifications"] {
                let got = test_db::strings(
                    &db,
                    &format!("SELECT id_number_masked FROM {table} ORDER BY id"),
                    "id_number_masked",
                )
                .await;
                assert_eq!(got, want, "{:?} {table}", db.get_database_backend());
            }
        }
    }
}
