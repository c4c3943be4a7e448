//! What cached content was made from: this process's write count (moved by every commit here,
//! see `service::write::commit`) and the database's write mark (moved by every commit on any
//! server, see `service::write::advance_mark`). Content filed under a stamp is right while the
//! stamp holds, and until the next scheduled release comes due, which changes content without
//! any write.
//!
//! The process count is free to read. The database mark is read at most once per freshness
//! window: the feeds trust it for a second, so a burst of polls costs no database work at all and
//! a write on another server shows within that window; GraphQL responses read it every time, so a
//! write on another server shows in the very next response.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    error::ApiError,
    service::{self, write::Generation},
};

/// The state of the content something was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    generation: u64,
    database: i64,
}

/// The database mark when it was last read, and the next schedule due after it.
struct Mark {
    read_at: Option<Instant>,
    database: i64,
    /// The next instant a scheduled release comes due, as read under `database`, and whether it
    /// has been read.
    due: Option<Option<DateTime<Utc>>>,
}

/// Stamps for one server's caches.
pub struct Stamps {
    mark: Mutex<Mark>,
    freshness: Duration,
    generation: Arc<Generation>,
}

impl Stamps {
    /// Stamps that follow this server's writes through `generation` and trust the database mark
    /// for `freshness` (zero: read it every time).
    pub fn new(freshness: Duration, generation: Arc<Generation>) -> Self {
        Self { mark: Mutex::new(Mark { read_at: None, database: 0, due: None }), freshness, generation }
    }

    /// The current stamp: reads the database mark unless the last read is within the window.
    pub async fn stamp(&self, db: &DatabaseConnection) -> Result<Stamp, ApiError> {
        let generation = self.generation.get();
        let known = {
            let mark = self.mark.lock().unwrap_or_else(PoisonError::into_inner);
            mark.read_at.filter(|at| !self.freshness.is_zero() && at.elapsed() < self.freshness).map(|_| mark.database)
        };
        let database = match known {
            Some(database) => database,
            None => {
                let database = service::feed::write_mark(db).await?;
                let mut mark = self.mark.lock().unwrap_or_else(PoisonError::into_inner);
                let due = mark.due.filter(|_| mark.database == database);
                *mark = Mark { read_at: Some(Instant::now()), database, due };
                database
            }
        };
        Ok(Stamp { generation, database })
    }

    /// The next instant after `now` at which a scheduled release comes due: read once per mark
    /// (only a write can schedule one), and again once that instant has passed.
    pub async fn next_due(
        &self,
        db: &DatabaseConnection,
        stamp: Stamp,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ApiError> {
        {
            let mark = self.mark.lock().unwrap_or_else(PoisonError::into_inner);
            if mark.database == stamp.database
                && let Some(due) = mark.due
                && due.is_none_or(|due| now < due)
            {
                return Ok(due);
            }
        }
        let due = service::feed::next_due(db, now).await?;
        let mut mark = self.mark.lock().unwrap_or_else(PoisonError::into_inner);
        if mark.database == stamp.database {
            mark.due = Some(due);
        }
        Ok(due)
    }
}
