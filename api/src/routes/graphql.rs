//! GraphQL over HTTP (the spec's current draft): `POST` (`application/json`, single or batched, or
//! `application/graphql`) and `GET` (query string) on `/graphql`, answered as
//! `application/graphql-response+json` or `application/json` as the client accepts; with limits on
//! the body, the time to send it, and batches, each refused with its own code. Documents may be
//! persisted (`persisted`), and anonymous responses are cached (`caching`).

pub mod caching;
pub mod media;
pub mod persisted;
pub mod surrogate;

use std::sync::Arc;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    http::{StatusCode, header},
    mime, web,
};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, parser::types::OperationType};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use self::{
    caching::{Caching, Encoded, Moment},
    media::MediaType,
    persisted::{Documents, Wire, WireBatch},
};
use crate::{
    auth::{Caller, token::Verifier},
    config::{FeedSettings, HttpSettings, Limits},
    error::ApiError,
    graphql::{
        self, AppSchema,
        guard::{self, BatchCost},
    },
};

/// What every GraphQL request is served with, from the app's data.
pub struct Served {
    pub schema: AppSchema,
    pub batch_cost: BatchCost,
    pub limits: Limits,
    pub http: HttpSettings,
    pub documents: Documents,
    pub caching: Caching,
}

/// Everything a request brings besides its query.
struct Context<'a> {
    served: &'a Served,
    db: &'a DatabaseConnection,
    caller: Caller,
    request_id: Option<graphql::RequestId>,
    feed_base: graphql::feed::FeedBase,
}

impl<'a> Context<'a> {
    fn new(
        served: &'a Served,
        db: &'a DatabaseConnection,
        verifier: &Verifier,
        feeds: &FeedSettings,
        request: &HttpRequest,
    ) -> Self {
        let authorization = request.headers().get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or(""));
        let caller = Caller::from_authorization(verifier, authorization);
        let request_id = request.extensions().get::<RequestId>().map(|id| graphql::RequestId(id.to_string()));
        let feed_base = graphql::feed::FeedBase(super::feeds::base_url(feeds, request));
        Self { served, db, caller, request_id, feed_base }
    }

    async fn run(&self, mut request: Request) -> Response {
        let limits = &self.served.limits;
        if let Some(refusal) = guard::refuse_too_deep(&mut request, limits) {
            return refusal;
        }
        let access = self.caller.access();
        let query = request.query.clone();
        let mut request = request
            .data(access)
            .data(graphql::request_loader(self.db, access))
            .data(self.caller.clone())
            .data(self.feed_base.clone());
        if let Some(id) = &self.request_id {
            request = request.data(id.clone());
        }
        let mut response = self.served.schema.execute(request).await;
        guard::assign_codes(&query, limits, &mut response);
        if let Some(refused) = &self.caller.refused {
            // The request went on as anonymous; say why, so that a client wondering where its
            // drafts went finds out.
            let warning = async_graphql::Value::from_json(serde_json::json!({
                "code": "UNAUTHENTICATED",
                "message": format!("the bearer token was ignored: {refused}"),
            }));
            if let Ok(warning) = warning {
                response.extensions.insert("authentication".into(), warning);
            }
        }
        response
    }

    /// Whether the response cannot depend on who asked: no token was sent at all (a refused
    /// one leaves a warning in the body).
    fn shared(&self) -> bool {
        self.caller.principal.is_none() && self.caller.refused.is_none()
    }

    /// The request `wire` carries, its document resolved (see `persisted`).
    async fn resolve(&self, wire: Wire) -> Result<Request, ApiError> {
        self.served.documents.resolve(self.db, wire, self.caller.principal.is_none()).await
    }

    /// Answers one operation, from the response cache when it may be shared and is current.
    async fn single(&self, media: MediaType, wire: Wire, method: &Method, request: &HttpRequest) -> HttpResponse {
        let mut query = match self.resolve(wire).await {
            Ok(query) => query,
            Err(error) => return media.request_error(error),
        };
        // GET must not change anything (caches and prefetchers replay it): mutations need POST.
        if matches!(method, Method::Get)
            && let Ok(document) = query.parsed_query()
            && document.operations.iter().any(|(_, operation)| operation.node.ty == OperationType::Mutation)
        {
            return media.error(ApiError::MutationOverGet);
        }
        let caching = &self.served.caching;
        // A shared response needs its moment: to be filed in memory, or to say over GET how long
        // it stays right. A POST with the memory cache off needs none.
        let wanted = self.shared() && (caching.stores() || matches!(method, Method::Get));
        let shared = match wanted {
            true => match caching.moment(self.db).await {
                Ok(moment) => Some((Caching::key(&query, &self.feed_base.0), moment)),
                Err(error) => return media.error(error),
            },
            false => None,
        };
        if let Some((key, moment)) = &shared
            && let Some(encoded) = caching.get(*key, moment)
        {
            return self.send(media, StatusCode::OK, &encoded, moment, method, request);
        }
        let types = match &shared {
            Some(_) => {
                let operation = query.operation_name.clone();
                query
                    .parsed_query()
                    .map(|document| surrogate::types(document, operation.as_deref()))
                    .unwrap_or_default()
            }
            None => Default::default(),
        };
        let response = self.run(query).await;
        let shareable = shared.is_some() && response.errors.is_empty() && response.cache_control.public;
        let (status, body) = match media.encode(&response) {
            Ok(encoded) => encoded,
            Err(error) => return media.error(error),
        };
        let Some((key, moment)) = shared.as_ref().filter(|_| shareable) else {
            // Not shared: no validator or purge keys to compute.
            return self.unshared(media, status, body.into());
        };
        let keys = surrogate::keys(&types, &surrogate::records(&response.data));
        let encoded = Arc::new(Encoded::new(body, response.cache_control, keys));
        caching.put(*key, encoded.clone(), moment);
        self.send(media, status, &encoded, moment, method, request)
    }

    /// A response that is not to be stored: `private` when it answers a token.
    fn unshared(&self, media: MediaType, status: StatusCode, body: actix_web::web::Bytes) -> HttpResponse {
        let cache_control = if self.caller.principal.is_some() { "private, no-store" } else { "no-store" };
        media
            .build(status)
            .insert_header((header::VARY, "Accept, Authorization"))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .body(body)
    }

    /// Sends a shared response (made at `moment`): over GET with its caching headers, and a `304`
    /// when the client's copy is current; over POST as not to be stored.
    fn send(
        &self,
        media: MediaType,
        status: StatusCode,
        encoded: &Encoded,
        moment: &Moment,
        method: &Method,
        request: &HttpRequest,
    ) -> HttpResponse {
        let vary = (header::VARY, "Accept, Authorization");
        if matches!(method, Method::Post) {
            return self.unshared(media, status, encoded.body.clone());
        }
        let cache_control = self.served.caching.public(encoded.hint, moment);
        let unchanged = caching::not_modified(request, &encoded.etag);
        let mut response = if unchanged { HttpResponse::NotModified() } else { media.build(status) };
        response
            .insert_header(vary)
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::ETAG, encoded.etag.clone()));
        if !encoded.keys.is_empty() {
            response
                .insert_header(("surrogate-key", encoded.keys.clone()))
                .insert_header(("cache-tag", encoded.keys.replace(' ', ",")));
        }
        if unchanged {
            return response.finish();
        }
        response.body(encoded.body.clone())
    }

    /// Answers what a request carries: one operation, or a batch (never shared: each of its
    /// operations may be cached alone instead).
    async fn answer(&self, media: MediaType, batch: WireBatch, method: Method, request: &HttpRequest) -> HttpResponse {
        let wires = match batch {
            WireBatch::Single(wire) => return self.single(media, wire, &method, request).await,
            WireBatch::Batch(wires) => wires,
        };
        let mut requests = Vec::with_capacity(wires.len());
        for wire in wires {
            match self.resolve(wire).await {
                Ok(request) => requests.push(request),
                Err(error) => return media.request_error(error),
            }
        }
        match self.execute(BatchRequest::Batch(requests)).await {
            Ok(response) => media.respond(&response),
            Err(error) => media.error(error),
        }
    }

    /// Runs a request or a batch. A batch is admitted as a whole or refused before any of it
    /// runs: its operations run one after the other, and a mutation among them cannot be undone.
    async fn execute(&self, batch: BatchRequest) -> Result<BatchResponse, ApiError> {
        match batch {
            BatchRequest::Single(request) => Ok(BatchResponse::Single(self.run(request).await)),
            BatchRequest::Batch(requests) => {
                let limits = &self.served.limits;
                if requests.len() > limits.max_batch_operations {
                    return Err(ApiError::BatchTooLarge { max: limits.max_batch_operations, got: requests.len() });
                }
                let complexity = self.served.batch_cost.complexity(&requests).await;
                if complexity > limits.max_batch_complexity {
                    return Err(ApiError::BatchTooComplex { max: limits.max_batch_complexity, got: complexity });
                }
                let mut responses = Vec::with_capacity(requests.len());
                for request in requests {
                    responses.push(self.run(request).await);
                }
                Ok(BatchResponse::Batch(responses))
            }
        }
    }
}

/// The body of a `POST`, read within the size and time limits and parsed by its content type.
async fn read_post(request: &HttpRequest, payload: web::Payload, served: &Served) -> Result<WireBatch, ApiError> {
    // Without a content type (or with `text/plain`, which browsers send cross-origin without a
    // preflight) the body is refused rather than guessed at: the spec asks for it, and it keeps
    // other sites' forms from posting queries with a visitor's browser.
    let content_type = request.mime_type().ok().flatten().ok_or(ApiError::UnsupportedMediaType)?;
    let utf8 = content_type.get_param(mime::CHARSET).is_none_or(|charset| charset == mime::UTF_8);
    let is_json = content_type.essence_str() == mime::APPLICATION_JSON.essence_str();
    let is_graphql = content_type.essence_str() == "application/graphql";
    if !utf8 || !(is_json || is_graphql) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let limit = served.limits.max_body_bytes;
    let body = match tokio::time::timeout(served.http.client_timeout(), payload.to_bytes_limited(limit)).await {
        Err(_elapsed) => return Err(ApiError::RequestTimeout { secs: served.http.client_timeout_secs }),
        Ok(Err(_too_large)) => return Err(ApiError::PayloadTooLarge { limit }),
        Ok(Ok(Err(error))) => return Err(ApiError::BadRequest(error.to_string())),
        Ok(Ok(Ok(body))) => body,
    };
    if is_graphql {
        let query = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest("the query is not UTF-8".into()))?;
        return Ok(WireBatch::Single(Wire { query: Some(query.to_owned()), ..Wire::default() }));
    }
    match serde_json::from_slice::<WireBatch>(&body) {
        Ok(WireBatch::Batch(wires)) if wires.is_empty() => Err(ApiError::BadRequest("the batch is empty".into())),
        Ok(batch) => Ok(batch),
        Err(error) => Err(ApiError::BadRequest(error.to_string())),
    }
}

/// `POST /graphql`.
pub async fn post(
    served: web::Data<Served>,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
    feeds: web::Data<FeedSettings>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let media = match MediaType::negotiate(&request) {
        Ok(media) => media,
        Err(error) => return MediaType::Json.error(error),
    };
    let context = Context::new(&served, &db, &verifier, &feeds, &request);
    match read_post(&request, payload, &served).await {
        Ok(batch) => context.answer(media, batch, Method::Post, &request).await,
        Err(error) => media.error(error),
    }
}

/// How a request came: only a GET's response is cached over HTTP, and only a POST may mutate.
enum Method {
    Get,
    Post,
}

/// `GET /graphql?query=…&variables=…&operationName=…`.
pub async fn get(
    served: web::Data<Served>,
    db: web::Data<DatabaseConnection>,
    verifier: web::Data<Verifier>,
    feeds: web::Data<FeedSettings>,
    request: HttpRequest,
) -> HttpResponse {
    let media = match MediaType::negotiate(&request) {
        Ok(media) => media,
        Err(error) => return MediaType::Json.error(error),
    };
    let wire = match Wire::from_query_string(request.query_string()) {
        Ok(wire) => wire,
        Err(error) => return media.error(error),
    };
    let context = Context::new(&served, &db, &verifier, &feeds, &request);
    context.answer(media, WireBatch::Single(wire), Method::Get, &request).await
}

/// `GET /schema.graphql`: the SDL.
pub async fn schema() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(crate::graphql::sdl())
}
