//! The change log: one row per committed change to a record, in commit order, for partners that
//! keep a copy in sync (`GET /api/changes`, GraphQL `changes`).
//!
//! A row's `id` is its position. Keys are handed out when a row is inserted, not when its
//! transaction commits, so a bare sequence could let a reader pass a position that a slower
//! transaction fills in later. Newsroom inserts a write's rows only once it holds the write mark's
//! row lock (see `m20261128_000004_write_mark`), which it keeps until the commit: keys are then
//! handed out one commit at a time, so they follow commit order and a reader never sees a gap
//! fill in behind it.
//!
//! Each row keeps the record's state after the change (whether an anonymous reader sees it, its
//! status, its facets), so the next change is named against it and filters can tell what a
//! tombstone used to be. `change_clock` holds how far scheduled releases have been logged as they
//! came due, and the newest position the retention has purged.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    Id,
    EntityType,
    RecordId,
    RecordKey,
    Change,
    Status,
    PublicBefore,
    PublicAfter,
    At,
    Facets,
    Matched,
}

#[derive(DeriveIden)]
enum ChangeClock {
    Table,
    Id,
    ScheduledThrough,
    PurgedThrough,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_pk_auto(ChangeLog::Id))
                    .col(string_len(ChangeLog::EntityType, 32))
                    .col(uuid(ChangeLog::RecordId))
                    .col(string_len_null(ChangeLog::RecordKey, 300))
                    .col(string_len(ChangeLog::Change, 16))
                    .col(string_len_null(ChangeLog::Status, 16))
                    .col(boolean(ChangeLog::PublicBefore))
                    .col(boolean(ChangeLog::PublicAfter))
                    .col(timestamp_with_time_zone(ChangeLog::At))
                    .col(text(ChangeLog::Facets))
                    .col(text(ChangeLog::Matched))
                    .to_owned(),
            )
            .await?;
        // The latest row of each record: what its next change is named against.
        manager
            .create_index(
                Index::create()
                    .name("idx-change_log-record")
                    .table(ChangeLog::Table)
                    .col(ChangeLog::EntityType)
                    .col(ChangeLog::RecordId)
                    .col(ChangeLog::Id)
                    .to_owned(),
            )
            .await?;
        // What the retention purges, oldest first.
        manager
            .create_index(
                Index::create().name("idx-change_log-at").table(ChangeLog::Table).col(ChangeLog::At).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeClock::Table)
                    .col(integer(ChangeClock::Id).primary_key())
                    .col(timestamp_with_time_zone_null(ChangeClock::ScheduledThrough))
                    .col(big_integer(ChangeClock::PurgedThrough).default(0))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            // As every instant newsroom keeps (migration 2): `TIMESTAMP` would drop the fraction,
            // and a scheduled release enters the log at its instant to the microsecond.
            let connection = manager.get_connection();
            connection.execute_unprepared("ALTER TABLE `change_log` MODIFY `at` DATETIME(6) NOT NULL").await?;
            connection
                .execute_unprepared("ALTER TABLE `change_clock` MODIFY `scheduled_through` DATETIME(6) NULL")
                .await?;
        }
        let row = Query::insert()
            .into_table(ChangeClock::Table)
            .columns([ChangeClock::Id, ChangeClock::PurgedThrough])
            .values_panic([1.into(), 0.into()])
            .to_owned();
        manager.exec_stmt(row).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ChangeClock::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ChangeLog::Table).to_owned()).await
    }
}
