//! Database upkeep beside the connection: SQLite's planner statistics and its write-ahead log.
//! Below `service`, so that every face (the server, the import, the CLI) can call it without
//! reaching up into `startup`.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// Refreshes SQLite's planner statistics. Without them SQLite prefers any index with an equality
/// (such as the status in the visibility rule) to the index that already has the list's order, and
/// sorts every visible release to return twenty: 100 ms instead of 4 ms at 20,000 releases.
/// PostgreSQL and MariaDB keep their statistics themselves. A full `ANALYZE` takes 25 ms at 20,000
/// releases; `analysis_limit` would be quicker but its estimates were wrong enough to bring the
/// bad plan back.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// Refreshes SQLite's statistics every hour, so that a file that grows while the server runs does
/// not keep the plans of its first minutes. The other engines keep their statistics themselves.
pub fn keep_statistics_fresh(db: DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        every_hour.tick().await;
        loop {
            every_hour.tick().await;
            if let Err(error) = refresh_statistics(&db).await {
                tracing::warn!(error = %error, "could not refresh SQLite statistics");
            }
        }
    });
}

/// Moves everything in SQLite's write-ahead log into the database file and empties the log.
/// SQLite checkpoints by itself as the log grows, but never shrinks the file: a large import is
/// one transaction, its log grows with it (143 MB seen), and the file stays that size on disk
/// until the last connection closes, which a running server never does. Called once a large write
/// has committed. A reader still on an older snapshot makes the checkpoint stop short (after the
/// busy timeout); that is logged, not an error: the write is done, and the log is emptied next
/// time. The other engines manage their logs themselves.
pub async fn truncate_wal(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(TRUNCATE)")).await?;
    // One row: whether the checkpoint was blocked, the log's frames, and the frames moved (-1 for
    // both when the database is not in WAL mode, e.g. in memory).
    let blocked: i64 = row.map(|row| row.try_get_by_index(0)).transpose()?.unwrap_or_default();
    if blocked != 0 {
        tracing::warn!(
            "a reader kept SQLite's write-ahead log from being emptied; it is emptied after the next large write"
        );
    }
    Ok(())
}
