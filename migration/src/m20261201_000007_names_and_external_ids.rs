//! Content model v2: names in several languages (organisations, topics, commissions), topics in
//! vocabularies (a scheme and a parent topic), and identifiers of records in other systems.
//!
//! Existing rows are carried forward: they get no other names (`{}`), no scheme, no parent and no
//! external identifiers. A topic's parent has no foreign key: SQLite cannot add one to an existing
//! table, so deleting a topic clears its children's parent in the service instead. External
//! identifiers belong to records of several tables (`entity_type` says which), so they too are
//! deleted by the service along with their record.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Names,
}

#[derive(DeriveIden)]
enum Commission {
    Table,
    Names,
}

#[derive(DeriveIden)]
enum Topic {
    Table,
    Names,
    Scheme,
    ParentId,
}

#[derive(DeriveIden)]
enum ExternalId {
    Table,
    Id,
    EntityType,
    EntityId,
    Scheme,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Organisation::Table.into_iden(), Commission::Table.into_iden(), Topic::Table.into_iden()] {
            manager
                .alter_table(Table::alter().table(table).add_column(json(Organisation::Names).default("{}")).to_owned())
                .await?;
        }
        manager
            .alter_table(Table::alter().table(Topic::Table).add_column(string_len_null(Topic::Scheme, 64)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Topic::Table).add_column(integer_null(Topic::ParentId)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name("idx-topic-parent_id").table(Topic::Table).col(Topic::ParentId).to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx-topic-scheme").table(Topic::Table).col(Topic::Scheme).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExternalId::Table)
                    .col(pk_auto(ExternalId::Id))
                    .col(string_len(ExternalId::EntityType, 32))
                    .col(integer(ExternalId::EntityId))
                    .col(string_len(ExternalId::Scheme, 64))
                    .col(string_len(ExternalId::Value, 255))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            // Identifiers are kept verbatim: MariaDB's default collation would make `XM-DAC-47066`
            // and `xm-dac-47066` one value.
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE `external_id` MODIFY `value` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx-external_id-entity_type-scheme-value")
                    .table(ExternalId::Table)
                    .col(ExternalId::EntityType)
                    .col(ExternalId::Scheme)
                    .col(ExternalId::Value)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-external_id-entity_type-entity_id")
                    .table(ExternalId::Table)
                    .col(ExternalId::EntityType)
                    .col(ExternalId::EntityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ExternalId::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx-topic-scheme").table(Topic::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx-topic-parent_id").table(Topic::Table).to_owned()).await?;
        for column in [Topic::ParentId, Topic::Scheme, Topic::Names] {
            manager.alter_table(Table::alter().table(Topic::Table).drop_column(column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Commission::Table).drop_column(Commission::Names).to_owned()).await?;
        manager.alter_table(Table::alter().table(Organisation::Table).drop_column(Organisation::Names).to_owned()).await
    }
}
