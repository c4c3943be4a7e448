//! Contacts get a natural key (`key`), so that imports can name them the way they name every
//! other record: by a stable, human-chosen identifier rather than by public id.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contact {
    Table,
    Key,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Contact::Table).add_column(string_len_null(Contact::Key, 200)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name("idx-contact-key").table(Contact::Table).col(Contact::Key).unique().to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx-contact-key").table(Contact::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Contact::Table).drop_column(Contact::Key).to_owned()).await
    }
}
