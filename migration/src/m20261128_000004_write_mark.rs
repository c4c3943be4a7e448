//! The write mark: one row whose value every committed write through newsroom moves, in the
//! write's own transaction. Servers compare it to what their caches were filled under.
//!
//! The newest audit event's key cannot serve: keys are handed out when a row is inserted, not when
//! its transaction commits, so a write that commits after a later-numbered one would leave the
//! newest key where it was, and a cache filled in between would never see that write. A counter
//! that each write increments just before it commits holds the row's lock until then: commits move
//! it one by one, in commit order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WriteMark {
    Table,
    Id,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WriteMark::Table)
                    .col(integer(WriteMark::Id).primary_key())
                    .col(big_integer(WriteMark::Value).default(0))
                    .to_owned(),
            )
            .await?;
        let row = Query::insert()
            .into_table(WriteMark::Table)
            .columns([WriteMark::Id, WriteMark::Value])
            .values_panic([1.into(), 0.into()])
            .to_owned();
        manager.exec_stmt(row).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WriteMark::Table).to_owned()).await
    }
}
