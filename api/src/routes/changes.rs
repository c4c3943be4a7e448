//! `GET /api/changes` (the change log as NDJSON, a page at a time) and `GET /api/changes/stream`
//! (the same entries as Server-Sent Events, as they happen). Both read `service::changes`; the
//! record of each entry is the import format (`import::record`), as the caller may see it.

use std::{collections::VecDeque, time::Duration};

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header, web};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    auth::{Access, Caller, token::Verifier},
    config::ChangeSettings,
    error::ApiError,
    export,
    service::changes::{self, Filter, Page, Subject},
    validate,
};

/// Entries per NDJSON page unless `limit` says otherwise, and the most it may say.
const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1000;

/// Entries an event stream reads per round trip.
const STREAM_BATCH: u64 = 100;

/// How long an idle event stream waits before it sends a comment, so that proxies keep it open.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// The query of both routes.
struct Query {
    after: Option<i64>,
    limit: u64,
    filter: Filter,
}

fn subject(name: &str) -> Option<Subject> {
    Subject::ALL.into_iter().find(|subject| subject.name().eq_ignore_ascii_case(name))
}

fn parse(query: &str) -> Result<Query, ApiError> {
    let mut parsed = Query { after: None, limit: DEFAULT_LIMIT, filter: Filter::default() };
    let mut facets = false;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "after" => parsed.after = Some(changes::parse_cursor("after", &value)?),
            "limit" => {
                let limit: u64 = value.parse().map_err(|_| ApiError::bad_input("limit", "must be a whole number"))?;
                if limit > MAX_LIMIT {
                    return Err(ApiError::PageSizeExceeded {
                        argument: "limit",
                        max: MAX_LIMIT,
                        requested: i64::try_from(limit).unwrap_or(i64::MAX),
                    });
                }
                parsed.limit = limit;
            }
            "type" => {
                for name in value.split(',').filter(|name| !name.is_empty()) {
                    let found = subject(name).ok_or_else(|| {
                        ApiError::bad_input(
                            "type",
                            format!("unknown type `{name}`: release, topic, organisation, commission or contact"),
                        )
                    })?;
                    parsed.filter.subjects.push(found);
                }
            }
            "language" => {
                facets = true;
                parsed.filter.language = Some(validate::language("language", &value)?);
            }
            "country" => {
                facets = true;
                parsed.filter.country = Some(validate::country("country", &value)?);
            }
            "topic" => {
                facets = true;
                parsed.filter.topic = Some(value.into_owned());
            }
            "organisation" => {
                facets = true;
                parsed.filter.organisation = Some(value.into_owned());
            }
            "commission" => {
                facets = true;
                parsed.filter.commission = Some(value.into_owned());
            }
            other => {
                return Err(ApiError::bad_input(
                    other,
                    "the change log takes `after`, `limit`, `type`, `language`, `country`, `topic`, `organisation` and `commission`",
                ));
            }
        }
    }
    // Facets are releases' (the other types have none), so a facet asks for releases.
    if facets && parsed.filter.subjects.is_empty() {
        parsed.filter.subjects.push(Subject::Release);
    }
    Ok(parsed)
}

/// Each entry of `page` as a JSON object, with its record as `access` may see it (none for a
/// tombstone).
async fn entries(db: &DatabaseConnection, access: &Access, page: &Page) -> Result<Vec<Value>, ApiError> {
    let records = changes::records(db, access, &page.entries).await?;
    let mut json_of: std::collections::HashMap<Uuid, Value> = std::collections::HashMap::new();
    let mut add = |ids: Vec<Uuid>, records: Vec<crate::import::record::Record>| {
        for (id, record) in ids.into_iter().zip(records) {
            json_of.insert(id, serde_json::to_value(record).unwrap_or(Value::Null));
        }
    };
    let rows: Vec<_> = records.releases.values().cloned().collect();
    add(rows.iter().map(|row| row.public_id).collect(), export::releases_seen_by(db, access, &rows).await?);
    let rows: Vec<_> = records.topics.values().cloned().collect();
    add(rows.iter().map(|row| row.public_id).collect(), export::topics(db, &rows).await?);
    let rows: Vec<_> = records.organisations.values().cloned().collect();
    add(rows.iter().map(|row| row.public_id).collect(), export::organisations(db, &rows).await?);
    let rows: Vec<_> = records.commissions.values().cloned().collect();
    add(rows.iter().map(|row| row.public_id).collect(), export::commissions(db, &rows).await?);
    let rows: Vec<_> = records.contacts.values().cloned().collect();
    add(rows.iter().map(|row| row.public_id).collect(), export::contacts(db, &rows).await?);
    Ok(page
        .entries
        .iter()
        .map(|entry| {
            let record = if entry.change.is_tombstone() { None } else { json_of.get(&entry.id).cloned() };
            json!({
                "cursor": entry.position.to_string(),
                "type": entry.subject.name().to_lowercase(),
                "id": entry.id,
                "key": entry.key,
                "change": entry.change.name(),
                "at": entry.at,
                "record": record,
            })
        })
        .collect())
}

/// `GET /api/changes?after=…`: the entries after the cursor (from the start without one), one
/// JSON object per line, ending with `{"next": cursor, "more": bool}`: where to resume, and
/// whether to read again at once or poll later.
pub async fn list(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
) -> HttpResponse {
    let caller = super::bulk::caller(&verifier, &request);
    let result = async {
        let query = parse(request.query_string())?;
        let access = caller.access();
        let page = changes::page(db.get_ref(), &access, query.after, query.limit, &query.filter).await?;
        let mut body = Vec::new();
        for entry in entries(db.get_ref(), &access, &page).await? {
            serde_json::to_writer(&mut body, &entry).map_err(|_| ApiError::Internal)?;
            body.push(b'\n');
        }
        serde_json::to_writer(&mut body, &json!({ "next": page.cursor.to_string(), "more": page.more }))
            .map_err(|_| ApiError::Internal)?;
        body.push(b'\n');
        Ok::<_, ApiError>(body)
    };
    match result.await {
        Ok(body) => HttpResponse::Ok()
            .content_type("application/x-ndjson")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(error) => error.error_response(),
    }
}

/// What an event stream carries on with.
struct Follow {
    db: DatabaseConnection,
    caller: Caller,
    filter: Filter,
    after: i64,
    queued: VecDeque<web::Bytes>,
    poll: Duration,
    idle_since: std::time::Instant,
}

impl Follow {
    /// Reads the next entries into the queue; whether there were any.
    async fn read(&mut self) -> Result<bool, ApiError> {
        let access = self.caller.access();
        let page = changes::page(&self.db, &access, Some(self.after), STREAM_BATCH, &self.filter).await?;
        for entry in entries(&self.db, &access, &page).await? {
            let id = entry["cursor"].as_str().unwrap_or_default().to_owned();
            self.queued.push_back(web::Bytes::from(format!("id: {id}\nevent: change\ndata: {entry}\n\n")));
        }
        self.after = page.cursor;
        Ok(!self.queued.is_empty())
    }
}

/// `GET /api/changes/stream`: the change log as Server-Sent Events (`event: change`, the entry as
/// `data`, its cursor as `id`), from `Last-Event-ID` (what a browser's `EventSource` sends when it
/// reconnects), else `after`, else from now. Takes the filters of `/api/changes`.
pub async fn stream(
    request: HttpRequest,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
    settings: web::Data<ChangeSettings>,
) -> HttpResponse {
    let caller = super::bulk::caller(&verifier, &request);
    let started = async {
        let query = parse(request.query_string())?;
        let last_event = request.headers().get("last-event-id").and_then(|value| value.to_str().ok());
        let after = match (last_event, query.after) {
            (Some(id), _) => changes::parse_cursor("Last-Event-ID", id)?,
            (None, Some(after)) => after,
            (None, None) => changes::head(db.get_ref()).await?,
        };
        let mut follow = Follow {
            db: db.get_ref().clone(),
            caller,
            filter: query.filter,
            after,
            queued: VecDeque::new(),
            poll: settings.tick.max(Duration::from_millis(50)),
            idle_since: std::time::Instant::now(),
        };
        // The first read answers a bad or expired cursor with an HTTP error, before the stream starts.
        follow.read().await?;
        follow.queued.push_front(web::Bytes::from_static(b"retry: 2000\n\n"));
        Ok::<_, ApiError>(follow)
    };
    let follow = match started.await {
        Ok(follow) => follow,
        Err(error) => return error.error_response(),
    };
    let events = futures_util::stream::unfold(follow, |mut follow| async move {
        loop {
            if let Some(bytes) = follow.queued.pop_front() {
                follow.idle_since = std::time::Instant::now();
                return Some((Ok::<_, ApiError>(bytes), follow));
            }
            if follow.idle_since.elapsed() >= KEEPALIVE {
                follow.queued.push_back(web::Bytes::from_static(b": keepalive\n\n"));
                continue;
            }
            tokio::time::sleep(follow.poll).await;
            if let Err(error) = follow.read().await {
                // The stream ends; the browser reconnects with the last id it saw.
                tracing::warn!(error = %error, "change stream stopped");
                return None;
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        // Events leave as they happen: compressed, they would wait in the encoder's buffer.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(events)
}
