//! Issue 16: settlement report previews generated before unused voucher codes were masked
//! hold those codes in full, and such a code redeems its voucher. Previews are
//! provisional by nature (their first row says the figures may change) and any admin
//! who can see the activity generates a new one in seconds, so the old ones are
//! deleted; their tasks keep their history without a result file. Final reports are
//! kept: they are generated only once every voucher is redeemed or expired.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The stored previews: reports whose file name starts with `预览-`.
const PREVIEWS: &str =
    "SELECT id FROM stored_files WHERE purpose = 'report' AND file_name LIKE '预览-%'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE tasks SET result_file_id = NULL WHERE result_file_id IN ({PREVIEWS})"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM stored_files WHERE id IN ({PREVIEWS})"
        ))
        .await?;
        Ok(())
    }

    /// Deleted files cannot come back.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db;

    #[tokio::test]
    async fn previews_go_and_their_tasks_lose_the_result_while_other_files_stay() {
        for db in test_db::databases().await {
            test_db::run(
                &db,
                &[
                    "CREATE TEMPORARY TABLE stored_files (id INTEGER, purpose VARCHAR(16), file_name VARCHAR(200))".into(),
                    "CREATE TEMPORARY TABLE tasks (id INTEGER, result_file_id INTEGER)".into(),
                    "INSERT INTO stored_files VALUES (1, 'report', '预览-结算报表-中秋.xlsx'), \
                     (2, 'report', '结算报表-中秋.xlsx'), (3, 'image', '预览-logo.png')".into(),
                    "INSERT INTO tasks VALUES (10, 1), (11, 2), (12, NULL)".into(),
                ],
            )
            .await;
            Migration
                .up(&SchemaManager::new(&db))
                .await
                .expect("migration");
            let files = test_db::strings(
                &db,
                "SELECT file_name FROM stored_files ORDER BY id",
                "file_name",
            )
            .await;
            assert_eq!(files, ["结算报表-中秋.xlsx", "预览-logo.png"]);
            let results = test_db::strings(
                &db,
                "SELECT CAST(COALESCE(result_file_id, 0) AS VARCHAR(8)) AS f FROM tasks ORDER BY id",
                "f",
            )
            .await;
            assert_eq!(results, ["0", "2", "0"]);
        }
    }
}
