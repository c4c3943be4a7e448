//! Rendered feeds, kept until a write or a due schedule could change them: each is filed under the
//! stamp it was rendered at (see `stamp`), with the database mark trusted for a freshness window,
//! and expires when the next scheduled release comes due.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use sea_orm::DatabaseConnection;

use super::{Format, Query};
use crate::{
    error::ApiError,
    service::write::Generation,
    stamp::{Stamp, Stamps},
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

/// The feed cache of one server.
pub struct FeedCache {
    entries: Cache<Key, Arc<Rendered>>,
    stamps: Stamps,
}

/// Rendered feeds kept at most (every facet in every format and a few pages of each).
const CAPACITY: usize = 4096;

impl FeedCache {
    /// An empty cache that follows this server's writes through `generation` and trusts the
    /// database mark for `freshness`.
    pub fn new(freshness: Duration, generation: Arc<Generation>) -> Self {
        Self { entries: Cache::new(CAPACITY), stamps: Stamps::new(freshness, generation) }
    }

    /// The current stamp: reads the database mark only if the last read is older than the window.
    pub async fn stamp(&self, db: &DatabaseConnection) -> Result<Stamp, ApiError> {
        self.stamps.stamp(db).await
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
