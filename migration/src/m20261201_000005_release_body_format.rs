//! Release bodies in HTML as well as Markdown, and up to 4 MiB on every engine.
//!
//! Archives hold HTML, which read as Markdown is mangled (indented HTML becomes a code block), so a
//! release says what its body is written in; existing bodies are Markdown, as they were. MariaDB's
//! `TEXT` holds 64 KiB, less than real bodies with inline images reach; its `LONGTEXT` holds 4 GiB
//! (PostgreSQL's and SQLite's text have no such limit). Revisions and audit events keep bodies in
//! JSON, which MariaDB stores as `LONGTEXT` already.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Release {
    Table,
    BodyFormat,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Release::Table)
                    .add_column(string_len(Release::BodyFormat, 16).default("markdown"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE `release` MODIFY `body` LONGTEXT NOT NULL")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            manager.get_connection().execute_unprepared("ALTER TABLE `release` MODIFY `body` TEXT NOT NULL").await?;
        }
        manager.alter_table(Table::alter().table(Release::Table).drop_column(Release::BodyFormat).to_owned()).await
    }
}
