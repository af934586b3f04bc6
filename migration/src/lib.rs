//! Schema migrations. `api` applies pending ones at start-up; the `migration` binary
//! runs them by hand (`cargo run -p migration -- up`).

pub use sea_orm_migration::prelude::*;

mod columns;
#[cfg(test)]
mod test_db;

mod m20261126_000001_create_foundation;
mod m20261126_000002_create_roster;
mod m20261126_000003_add_import_columns;
mod m20261201_000001_create_merchants_coupons_activities;
mod m20261202_000001_create_member_app;
mod m20261210_000001_create_vouchers_claims;
mod m20261215_000001_tune_indexes;
mod m20261220_000001_create_settlement;
mod m20261221_000001_voucher_face_value;
mod m20261226_000001_member_hash_lookup;
mod m20261227_000001_lighter_claim_rows;
mod m20261228_000001_expire_initial_passwords;
mod m20261229_000001_create_transfer_requests;
mod m20261229_000002_tighten_document_masks;
mod m20261229_000003_drop_preview_reports;
mod m20261230_000001_redemption_keys;
mod m20261231_000002_welfare_budget;
mod m20261231_000003_expiry_reminders;
mod m20261231_000004_create_document_verifications;
mod m20261231_000005_activity_dynamic_code;
mod m20261231_000006_activity_opening;
mod m20261231_000007_member_keys_bytewise;
mod m20261231_000008_drop_unguarding_member_keys;
mod m20261231_000009_stored_files_uncompressed;
mod m20261231_000010_member_left_hash_lookup;
mod m20261231_000011_member_unit_partial_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_foundation::Migration),
            Box::new(m20261126_000002_create_roster::Migration),
            Box::new(m20261201_000001_create_merchants_coupons_activities::Migration),
            Box::new(m20261126_000003_add_import_columns::Migration),
            Box::new(m20261202_000001_create_member_app::Migration),
            Box::new(m20261210_000001_create_vouchers_claims::Migration),
            Box::new(m20261215_000001_tune_indexes::Migration),
            Box::new(m20261220_000001_create_settlement::Migration),
            Box::new(m20261221_000001_voucher_face_value::Migration),
            Box::new(m20261226_000001_member_hash_lookup::Migration),
            Box::new(m20261227_000001_lighter_claim_rows::Migration),
            Box::new(m20261228_000001_expire_initial_passwords::Migration),
            Box::new(m20261229_000001_create_transfer_requests::Migration),
            Box::new(m20261229_000002_tighten_document_masks::Migration),
            Box::new(m20261229_000003_drop_preview_reports::Migration),
            Box::new(m20261230_000001_redemption_keys::Migration),
            Box::new(m20261231_000002_welfare_budget::Migration),
            Box::new(m20261231_000003_expiry_reminders::Migration),
            Box::new(m20261231_000004_create_document_verifications::Migration),
            Box::new(m20261231_000005_activity_dynamic_code::Migration),
            Box::new(m20261231_000006_activity_opening::Migration),
            Box::new(m20261231_000007_member_keys_bytewise::Migration),
            Box::new(m20261231_000008_drop_unguarding_member_keys::Migration),
            Box::new(m20261231_000009_stored_files_uncompressed::Migration),
            Box::new(m20261231_000010_member_left_hash_lookup::Migration),
            Box::new(m20261231_000011_member_unit_partial_index::Migration),
        ]
    }
}
