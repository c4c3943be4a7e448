//! What real releases carry besides their text: where they live on the publisher's site, the
//! publisher's own revision time, the files they link to, and the countries they are about (as
//! opposed to the dateline, where they were issued).
//!
//! Attachments are JSON on the release (always read with it, never queried alone); subject
//! countries get a table of their own, indexed by country, since lists and feeds select by them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Release {
    Table,
    Id,
    CanonicalUrl,
    RevisedAt,
    Attachments,
}

#[derive(DeriveIden)]
enum ReleaseCountry {
    Table,
    ReleaseId,
    Country,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            string_len_null(Release::CanonicalUrl, 2000),
            timestamp_with_time_zone_null(Release::RevisedAt),
            json_null(Release::Attachments),
        ] {
            manager.alter_table(Table::alter().table(Release::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ReleaseCountry::Table)
                    .col(integer(ReleaseCountry::ReleaseId))
                    .col(char_len(ReleaseCountry::Country, 2))
                    .primary_key(Index::create().col(ReleaseCountry::ReleaseId).col(ReleaseCountry::Country))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-release_country-release_id")
                            .from(ReleaseCountry::Table, ReleaseCountry::ReleaseId)
                            .to(Release::Table, Release::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-release_country-country")
                    .table(ReleaseCountry::Table)
                    .col(ReleaseCountry::Country)
                    .col(ReleaseCountry::ReleaseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ReleaseCountry::Table).to_owned()).await?;
        for column in [Release::Attachments, Release::RevisedAt, Release::CanonicalUrl] {
            manager.alter_table(Table::alter().table(Release::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
