//! Country codes as `VARCHAR(2)` on PostgreSQL. They were `CHAR(2)`, and PostgreSQL compares a
//! `CHAR` column with a text parameter (what the server binds) as text, casting the column: no
//! index on a country could then be used, and a filter by subject country read every release's
//! countries (`EXPLAIN`: a sequential scan of `release_country` under `(country)::text = $1`).
//! Codes are always two letters, so no value changes. SQLite and MariaDB compare either type
//! with a parameter by its index already, and keep theirs.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column) of every country code.
const COLUMNS: [(&str, &str); 5] = [
    ("release_country", "country"),
    ("release", "dateline_country"),
    ("organisation", "country"),
    ("commission", "country"),
    ("contact", "country"),
];

async fn retype(manager: &SchemaManager<'_>, to: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    for (table, column) in COLUMNS {
        manager
            .get_connection()
            .execute_unprepared(&format!(r#"ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {to}"#))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype(manager, "VARCHAR(2)").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        retype(manager, "CHAR(2)").await
    }
}
