//! SQLite's search tables keep up to 16 MiB of new terms in memory before writing them out as a
//! segment of the index (FTS5's `hashsize`, 1 MiB by default). FTS5 also writes a segment at the
//! end of every statement, so this pays only with large statements: an import writes its index
//! rows five thousand releases a statement (`import::apply::releases`), and FTS5 then writes and
//! merges a few large segments where it wrote and merged many small ones. Importing 100,000 real
//! releases (`bench/search/corpus.py`) took 34.8 s instead of 41.9 (docs/benchmarks.md, "Bulk
//! import"). The memory is held only while a statement's terms are pending: a release saved
//! through the API adds a few kilobytes.
//!
//! The setting is stored in each table (its `_config` row), so it holds on every connection. Other
//! engines are untouched.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Migration 14's tables.
const TABLES: [&str; 4] = ["release_fts", "release_fts_title", "release_fts_names", "release_fts_summary"];

/// Bytes of pending terms before FTS5 writes a segment; SQLite's default is 1 MiB.
const HASHSIZE: u32 = 16 * 1024 * 1024;
const DEFAULT_HASHSIZE: u32 = 1024 * 1024;

async fn set_hashsize(manager: &SchemaManager<'_>, bytes: u32) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    for table in TABLES {
        let statement = format!("INSERT INTO {table} ({table}, rank) VALUES ('hashsize', {bytes})");
        manager.get_connection().execute_unprepared(&statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // On one connection, in one transaction, as migration 14 (see there).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_hashsize(manager, HASHSIZE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_hashsize(manager, DEFAULT_HASHSIZE).await
    }
}
