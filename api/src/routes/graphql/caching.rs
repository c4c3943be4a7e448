//! Caching GraphQL responses: over HTTP for anonymous GETs (`Cache-Control` from the types' cache
//! hints, bounded by the next scheduled publication; a strong `ETag` and `304 Not Modified`; purge
//! keys for CDNs), and in this server's memory for anonymous requests of any method.
//!
//! A response is shared only when nothing in it depends on who asked: the caller is anonymous (no
//! token at all, not even a refused one, whose warning is in the body), it is a single operation,
//! and it has no errors. Everything else is `private, no-store` (a token) or `no-store`.
//!
//! The memory cache files each response under its stamp (see `stamp`: the database's write mark,
//! read for every request, so a write through any server shows in the next response) and drops it
//! when the next scheduled release comes due, which changes responses without any write.

use std::sync::Arc;

use actix_web::{HttpRequest, http::header, web::Bytes};
use async_graphql::{CacheControl, Request};
use chrono::{DateTime, Utc};
use quick_cache::{Weighter, sync::Cache};

use crate::{
    config::CachingSettings,
    stamp::{Stamp, Stamps},
};

/// A response as it is sent, with what a cache needs to serve it again.
#[derive(Debug)]
pub struct Encoded {
    pub body: Bytes,
    /// A strong validator: a hash of the body.
    pub etag: String,
    /// The types' hints, merged over the document.
    pub hint: CacheControl,
    /// Purge keys, space-separated; empty when the response is not shared.
    pub keys: String,
}

impl Encoded {
    pub fn new(body: Vec<u8>, hint: CacheControl, keys: Vec<String>) -> Self {
        let etag = format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(&body));
        Self { body: body.into(), etag, hint, keys: keys.join(" ") }
    }
}

/// A response in the memory cache.
struct Stored {
    encoded: Arc<Encoded>,
    stamp: Stamp,
    /// When a scheduled release comes due and may change it.
    expires: Option<DateTime<Utc>>,
}

/// Weighs entries by their bytes.
#[derive(Clone)]
struct Bytesize;

impl Weighter<u128, Arc<Stored>> for Bytesize {
    fn weight(&self, _: &u128, stored: &Arc<Stored>) -> u64 {
        (stored.encoded.body.len() + stored.encoded.keys.len() + 128) as u64
    }
}

/// What a shared response was made at: its stamp, and the next schedule due after it.
#[derive(Clone, Copy, Debug)]
pub struct Moment {
    pub stamp: Stamp,
    pub now: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
}

/// One server's response caching.
pub struct Caching {
    pub settings: CachingSettings,
    stamps: Stamps,
    responses: Option<Cache<u128, Arc<Stored>, Bytesize>>,
}

impl Caching {
    pub fn new(settings: CachingSettings, generation: Arc<crate::service::write::Generation>) -> Self {
        let bytes = settings.response_cache_mb as u64 * 1024 * 1024;
        // Estimated entries: responses of a few KB each.
        let responses = (bytes > 0).then(|| Cache::with_weighter((bytes / 4096).max(16) as usize, bytes, Bytesize));
        Self { settings, stamps: Stamps::new(std::time::Duration::ZERO, generation), responses }
    }

    /// Whether whole responses are kept in memory.
    pub fn stores(&self) -> bool {
        self.responses.is_some()
    }

    /// The moment a shared response is made at (reads the write mark, and the schedule when it
    /// may have changed).
    pub async fn moment(&self, db: &sea_orm::DatabaseConnection) -> Result<Moment, crate::error::ApiError> {
        let stamp = self.stamps.stamp(db).await?;
        let now = Utc::now();
        let due = self.stamps.next_due(db, stamp, now).await?;
        Ok(Moment { stamp, now, due })
    }

    /// The key a shared response is filed under: its document, operation and variables, and the
    /// base URL its feed links were made with.
    pub fn key(request: &Request, base: &str) -> u128 {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [request.query.as_str(), request.operation_name.as_deref().unwrap_or(""), base] {
            hasher.update(part.as_bytes());
            hasher.update(&[0xff]);
        }
        hasher.update(serde_json::to_string(&request.variables).unwrap_or_default().as_bytes());
        hasher.digest128()
    }

    /// The shared response filed under `key`, if it is still right at `moment`.
    pub fn get(&self, key: u128, moment: &Moment) -> Option<Arc<Encoded>> {
        let stored = self.responses.as_ref()?.get(&key)?;
        (stored.stamp == moment.stamp && stored.expires.is_none_or(|expires| moment.now < expires))
            .then(|| stored.encoded.clone())
    }

    /// Files a shared response made at `moment`.
    pub fn put(&self, key: u128, encoded: Arc<Encoded>, moment: &Moment) {
        if let Some(responses) = &self.responses {
            responses.insert(key, Arc::new(Stored { encoded, stamp: moment.stamp, expires: moment.due }));
        }
    }

    /// `Cache-Control` of a shared response: public for the shortest of the setting, the types'
    /// hints and the time to the next scheduled publication (so that a release scheduled for
    /// 09:00 is not hidden by a cache until 09:05); `no-cache` when that is no time at all.
    pub fn public(&self, hint: CacheControl, moment: &Moment) -> String {
        let mut age = i64::from(self.settings.max_age_secs);
        match hint.max_age {
            -1 => age = 0,
            0 => {}
            hinted => age = age.min(i64::from(hinted)),
        }
        if let Some(due) = moment.due {
            age = age.min((due - moment.now).num_seconds().max(0));
        }
        if !hint.public || age <= 0 { "no-cache".into() } else { format!("public, max-age={age}") }
    }
}

/// Whether the request's `If-None-Match` names `etag` (or any, `*`).
pub fn not_modified(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag)
}
