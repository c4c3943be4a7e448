//! newsroom's schema changes, in order. Migrations name their tables and columns themselves
//! (they never import `entity`), so they stay fixed when the models move on.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_content_tables;
mod m20261128_000002_editorial_history;
mod m20261128_000003_contact_key;
mod m20261128_000004_write_mark;
mod m20261201_000005_release_body_format;
mod m20261201_000006_release_metadata;
mod m20261201_000007_names_and_external_ids;
mod m20261201_000008_trusted_documents;
mod m20261201_000009_country_codes_as_varchar;
mod m20261201_000010_release_search;
mod m20261201_000011_change_log;
mod m20261201_000012_webhooks;
mod m20261207_000013_release_visibility_index;
mod m20261207_000014_sqlite_search_tables;
mod m20261208_000015_sqlite_fts_hashsize;

/// Every migration newsroom knows, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_content_tables::Migration),
            Box::new(m20261128_000002_editorial_history::Migration),
            Box::new(m20261128_000003_contact_key::Migration),
            Box::new(m20261128_000004_write_mark::Migration),
            Box::new(m20261201_000005_release_body_format::Migration),
            Box::new(m20261201_000006_release_metadata::Migration),
            Box::new(m20261201_000007_names_and_external_ids::Migration),
            Box::new(m20261201_000008_trusted_documents::Migration),
            Box::new(m20261201_000009_country_codes_as_varchar::Migration),
            Box::new(m20261201_000010_release_search::Migration),
            Box::new(m20261201_000011_change_log::Migration),
            Box::new(m20261201_000012_webhooks::Migration),
            Box::new(m20261207_000013_release_visibility_index::Migration),
            Box::new(m20261207_000014_sqlite_search_tables::Migration),
            Box::new(m20261208_000015_sqlite_fts_hashsize::Migration),
        ]
    }
}
