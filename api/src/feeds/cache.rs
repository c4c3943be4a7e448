//! Rendered feeds, kept until a write or a due schedule could change them.
//!
//! A rendered feed is filed under the *stamp* it was rendered at: this process's write count
//! (moved by every commit here, see `service::write::commit`) and the database's write mark
//! (moved by every commit on any server, see `service::write::advance_mark`). The process count is free to read; the database mark is
//! read at most once per freshness window, so a burst of polls costs no database work at all, and
//! a write on another server shows within that window. A feed also expires when the next
//! scheduled release comes due, since that changes it without any write.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use sea_orm::DatabaseConnection;

use super::{Format, Query};
use crate::{
    error::ApiError,
    service::{self, write::Generation},
};

/// What a rendered feed is filed under.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub format: Format,
    /// The base URL its links were made with (they differ per host a client used).
    pub base: String,
    pub path: String,
    pub query: Query,
}

/// The state of the content a feed was rendered from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    generation: u64,
    database: i64,
}

/// A feed as served.
#[derive(Debug)]
pub struct Rendered {
    pub body: actix_web::web::Bytes,
    /// A strong validator: a hash of the body.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    stamp: Stamp,
    /// When it goes stale without any write (a scheduled release comes due).
    expires: Option<DateTime<Utc>>,
}

impl Rendered {
    /// A rendered body, stamped.
    pub fn new(body: Vec<u8>, last_modified: DateTime<Utc>, stamp: Stamp, expires: Option<DateTime<Utc>>) -> Self {
        let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
        Self { body: body.into(), etag, last_modified, stamp, expires }
    }
}

/// The database mark and when it was last read.
struct Mark {
    read_at: Option<Instant>,
    database: i64,
}

/// The feed cache of one server.
pub struct FeedCache {
    entries: Cache<Key, Arc<Rendered>>,
    mark: Mutex<Mark>,
    freshness: Duration,
    generation: Arc<Generation>,
}

/// Rendered feeds kept at most (every facet in every format and a few pages of each).
const CAPACITY: usize = 4096;

impl FeedCache {
    /// An empty cache that follows this server's writes through `generation` and trusts the
    /// database mark for `freshness`.
    pub fn new(freshness: Duration, generation: Arc<Generation>) -> Self {
        Self {
            entries: Cache::new(CAPACITY),
            mark: Mutex::new(Mark { read_at: None, database: 0 }),
            freshness,
            generation,
        }
    }

    /// The current stamp: reads the database mark only if the last read is older than the window.
    pub async fn stamp(&self, db: &DatabaseConnection) -> Result<Stamp, ApiError> {
        let generation = self.generation.get();
        let known = {
            let mark = self.mark.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            mark.read_at.filter(|at| at.elapsed() < self.freshness).map(|_| mark.database)
        };
        let database = match known {
            Some(database) => database,
            None => {
                let database = service::feed::write_mark(db).await?;
                let mut mark = self.mark.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                *mark = Mark { read_at: Some(Instant::now()), database };
                database
            }
        };
        Ok(Stamp { generation, database })
    }

    /// The feed filed under `key`, if it is still right at `stamp` and `now`.
    pub fn get(&self, key: &Key, stamp: Stamp, now: DateTime<Utc>) -> Option<Arc<Rendered>> {
        self.entries
            .get(key)
            .filter(|rendered| rendered.stamp == stamp && rendered.expires.is_none_or(|expires| now < expires))
    }

    /// Files `rendered` under `key`.
    pub fn put(&self, key: Key, rendered: Arc<Rendered>) {
        self.entries.insert(key, rendered);
    }
}
