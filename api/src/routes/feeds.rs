//! `/feeds/…`: the partner feeds over HTTP, with conditional requests (`ETag`, `Last-Modified`,
//! 304), `Cache-Control`, `HEAD`, and a rendered-feed cache in front of the database.

use std::{sync::Arc, time::Duration};

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::header::{self, HttpDate},
    web,
};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    config::FeedSettings,
    error::ApiError,
    feeds::{
        self, Format, Query,
        cache::{FeedCache, Key, Rendered},
    },
    service::{self, write::Generation},
};

/// How long a rendered feed is kept at most, even with no write at all (a safety net for content
/// changed behind newsroom's back, such as `newsroom seed` into a live database).
const LONGEST: chrono::Duration = chrono::Duration::minutes(10);

/// The facets a path can name, and the query parameter each one sets.
const FACETS: [(&str, &str); 5] = [
    ("topics", "topic"),
    ("commissions", "commission"),
    ("organisations", "organisation"),
    ("countries", "country"),
    ("languages", "language"),
];

/// The 404 of `request`'s path, saying why there is no feed there.
fn not_found(request: &HttpRequest, reason: impl Into<String>) -> ApiError {
    ApiError::FeedNotFound { path: request.path().to_owned(), reason: reason.into() }
}

/// Splits `name.ext` into the name and a known format.
fn split<'a>(request: &HttpRequest, file: &'a str) -> Result<(&'a str, Format), ApiError> {
    file.rsplit_once('.')
        .and_then(|(name, extension)| Some((name, Format::from_extension(extension)?)))
        .ok_or_else(|| not_found(request, "feeds end in .rss, .atom or .json"))
}

/// This API's public base URL: configured, or as the client reached it (proxies' `Forwarded` and
/// `X-Forwarded-*` headers included).
pub fn base_url(settings: &FeedSettings, request: &HttpRequest) -> String {
    match &settings.base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => {
            let info = request.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// `GET /feeds/releases.{rss,atom,json}`.
pub async fn releases(
    request: HttpRequest,
    file: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<FeedSettings>,
    cache: web::Data<FeedCache>,
) -> HttpResponse {
    let result = async {
        let (name, format) = split(&request, &file)?;
        if name != "releases" {
            return Err(not_found(
                &request,
                "the feed of every release is /feeds/releases, the others /feeds/{facet}/{value}",
            ));
        }
        let query = Query::parse(request.query_string())?;
        serve(&request, &db, &settings, &cache, format, "/feeds/releases".into(), query).await
    };
    result.await.unwrap_or_else(|error| error.error_response())
}

/// `GET /feeds/{facet}/{value}.{rss,atom,json}`, e.g. `/feeds/topics/health.atom`.
pub async fn facet(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<FeedSettings>,
    cache: web::Data<FeedCache>,
) -> HttpResponse {
    let result = async {
        let (facet, file) = path.into_inner();
        let (value, format) = split(&request, &file)?;
        let parameter =
            FACETS.iter().find(|(name, _)| *name == facet).map(|(_, parameter)| *parameter).ok_or_else(|| {
                not_found(&request, "the facets are topics, commissions, organisations, countries and languages")
            })?;
        let mut query = Query::parse(request.query_string())?;
        // A facet that does not exist is a missing page, not a bad parameter.
        query.set(parameter, value).map_err(|error| not_found(&request, error.to_string()))?;
        query.facet = Some(parameter);
        serve(&request, &db, &settings, &cache, format, format!("/feeds/{facet}/{value}"), query).await
    };
    result.await.unwrap_or_else(|error| error.error_response())
}

async fn serve(
    request: &HttpRequest,
    db: &DatabaseConnection,
    settings: &FeedSettings,
    cache: &FeedCache,
    format: Format,
    path: String,
    query: Query,
) -> Result<HttpResponse, ApiError> {
    let key = Key { format, base: base_url(settings, request), path, query };
    let now = Utc::now();
    let stamp = cache.stamp(db).await?;
    let rendered = match cache.get(&key, stamp, now) {
        Some(rendered) => rendered,
        None => {
            let feed =
                feeds::build(db, settings, format, &key.path, &key.query, &key.base).await.map_err(
                    |error| match error {
                        ApiError::NotFound { entity, key } => {
                            not_found(request, format!("{} `{key}` was not found", entity.to_lowercase()))
                        }
                        other => other,
                    },
                )?;
            let due = service::feed::next_due(db, now).await?;
            let expires = Some(due.map_or(now + LONGEST, |due| due.min(now + LONGEST)));
            let rendered = Arc::new(Rendered::new(feeds::render(format, &feed), feed.updated, stamp, expires));
            cache.put(key, rendered.clone());
            rendered
        }
    };
    Ok(respond(request, settings, format, &rendered))
}

/// The response to `request` for `rendered`: 304 when the client's copy is current.
fn respond(request: &HttpRequest, settings: &FeedSettings, format: Format, rendered: &Rendered) -> HttpResponse {
    let last_modified = HttpDate::from(std::time::SystemTime::from(rendered.last_modified));
    let not_modified = match request.headers().get(header::IF_NONE_MATCH) {
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == rendered.etag)
        }),
        None => request
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<HttpDate>().ok())
            .is_some_and(|since| {
                let since: DateTime<Utc> = std::time::SystemTime::from(since).into();
                rendered.last_modified.timestamp() <= since.timestamp()
            }),
    };
    let mut response = if not_modified { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, rendered.etag.clone()))
        .insert_header((header::LAST_MODIFIED, last_modified))
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={}", settings.feed_max_age_secs)));
    if not_modified {
        return response.finish();
    }
    response.content_type(format.media_type()).body(rendered.body.clone())
}

/// The cache the app serves feeds from, following the app's writes through `generation`.
pub fn cache(settings: &FeedSettings, generation: Arc<Generation>) -> FeedCache {
    FeedCache::new(Duration::from_millis(settings.feed_freshness_ms), generation)
}
