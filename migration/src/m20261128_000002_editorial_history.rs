//! Editorial writes: a `version` on every mutable record (optimistic concurrency), the audit log
//! of every write, and the revisions of every release.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows editors change, each of which gains a `version`.
const VERSIONED: [&str; 5] = ["organisation", "commission", "contact", "topic", "release"];

/// Every timestamp column, and whether it may be null. On MySQL and MariaDB `TIMESTAMP` ends in
/// 2038 (a release scheduled later was stored as NULL) and keeps whole seconds only (two writes in
/// one second had the same `updated_at`): there they become `DATETIME(6)`, which holds what the
/// other engines hold. newsroom always writes UTC, so no time zone is lost.
const TIMESTAMPS: [(&str, &str, bool); 13] = [
    ("organisation", "created_at", false),
    ("organisation", "updated_at", false),
    ("commission", "created_at", false),
    ("commission", "updated_at", false),
    ("contact", "created_at", false),
    ("contact", "updated_at", false),
    ("topic", "created_at", false),
    ("topic", "updated_at", false),
    ("release", "created_at", false),
    ("release", "updated_at", false),
    ("release", "published_at", true),
    ("audit_event", "occurred_at", false),
    ("release_revision", "created_at", false),
];

/// Sets the type of every `TIMESTAMPS` column on MySQL and MariaDB (other engines: nothing).
async fn retype_timestamps(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DbBackend::MySql {
        return Ok(());
    }
    for (table, column, nullable) in TIMESTAMPS {
        let null = if nullable { "NULL" } else { "NOT NULL" };
        let sql = format!("ALTER TABLE `{table}` MODIFY `{column}` DATETIME(6) {null}");
        manager.get_connection().execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    Actor,
    ActorRoles,
    EntityType,
    EntityId,
    Operation,
    Changes,
    RequestId,
}

#[derive(DeriveIden)]
enum ReleaseRevision {
    Table,
    Id,
    ReleaseId,
    Version,
    Snapshot,
    Actor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Release {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One statement per table: SQLite alters one column per ALTER TABLE.
        for table in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(integer(Alias::new("version")).default(1))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(pk_auto(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                    .col(string_len(AuditEvent::Actor, 200))
                    .col(string_len(AuditEvent::ActorRoles, 64))
                    .col(string_len(AuditEvent::EntityType, 32))
                    .col(uuid(AuditEvent::EntityId))
                    .col(string_len(AuditEvent::Operation, 32))
                    .col(json(AuditEvent::Changes))
                    .col(string_len_null(AuditEvent::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx-audit_event-entity", &["entity_type", "entity_id", "id"][..]),
            ("idx-audit_event-occurred_at", &["occurred_at", "id"][..]),
            ("idx-audit_event-actor", &["actor", "id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvent::Table);
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ReleaseRevision::Table)
                    .col(pk_auto(ReleaseRevision::Id))
                    .col(integer(ReleaseRevision::ReleaseId))
                    .col(integer(ReleaseRevision::Version))
                    .col(json(ReleaseRevision::Snapshot))
                    .col(string_len(ReleaseRevision::Actor, 200))
                    .col(timestamp_with_time_zone(ReleaseRevision::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-release_revision-release_id")
                            .from(ReleaseRevision::Table, ReleaseRevision::ReleaseId)
                            .to(Release::Table, Release::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("idx-release_revision-release_id-version")
                            .col(ReleaseRevision::ReleaseId)
                            .col(ReleaseRevision::Version)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        retype_timestamps(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The timestamps stay DATETIME(6) on MySQL: going back to TIMESTAMP would fail on any
        // instant after 2038, and the wider type serves the first migration as well.
        manager.drop_table(Table::drop().table(ReleaseRevision::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AuditEvent::Table).to_owned()).await?;
        for table in VERSIONED {
            manager
                .alter_table(Table::alter().table(Alias::new(table)).drop_column(Alias::new("version")).to_owned())
                .await?;
        }
        Ok(())
    }
}
