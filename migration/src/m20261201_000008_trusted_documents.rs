//! Trusted documents: GraphQL documents a frontend ships, registered ahead of time from its
//! persisted-query manifest (Apollo's or Relay's), so that clients send an id instead of the
//! text and a public endpoint can answer these documents only.
//!
//! A document is named by the id its clients send (`sha256:<hex>` of its text, or a manifest's
//! own id) and found by the SHA-256 of its text too, for Apollo's automatic persisted queries and
//! for checking ad-hoc text against the list. The text is immutable: an id names one text forever.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrustedDocument {
    Table,
    Id,
    DocumentId,
    Sha256,
    Body,
    OperationName,
    Client,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrustedDocument::Table)
                    .col(pk_auto(TrustedDocument::Id))
                    .col(string_len(TrustedDocument::DocumentId, 200))
                    .col(string_len(TrustedDocument::Sha256, 64))
                    .col(text(TrustedDocument::Body))
                    .col(string_len_null(TrustedDocument::OperationName, 255))
                    .col(string_len_null(TrustedDocument::Client, 255))
                    .col(timestamp_with_time_zone(TrustedDocument::CreatedAt))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            // Ids are compared exactly: MariaDB's default collation would make ids differing in
            // case one id.
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE `trusted_document` MODIFY `document_id` VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx-trusted_document-document_id")
                    .table(TrustedDocument::Table)
                    .col(TrustedDocument::DocumentId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-trusted_document-sha256")
                    .table(TrustedDocument::Table)
                    .col(TrustedDocument::Sha256)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TrustedDocument::Table).to_owned()).await
    }
}
