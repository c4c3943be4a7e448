//! GraphQL over HTTP (the spec's current draft): `POST` (`application/json`, single or batched, or
//! `application/graphql`) and `GET` (query string) on `/graphql`, answered as
//! `application/graphql-response+json` or `application/json` as the client accepts; with limits on
//! the body, the time to send it, and batches, each refused with its own code.

pub mod media;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, http::header, mime, web};
use async_graphql::{BatchRequest, BatchResponse, Request, Response, parser::types::OperationType};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use self::media::MediaType;
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
async fn read_post(request: &HttpRequest, payload: web::Payload, served: &Served) -> Result<BatchRequest, ApiError> {
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
    let batch = if is_graphql {
        let query = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest("the query is not UTF-8".into()))?;
        BatchRequest::Single(Request::new(query))
    } else {
        serde_json::from_slice::<BatchRequest>(&body).map_err(|error| ApiError::BadRequest(error.to_string()))?
    };
    // async-graphql reads a missing `query` as an empty one; the spec calls it a malformed request.
    if batch.iter().any(|request| request.query.trim().is_empty()) {
        return Err(ApiError::BadRequest("the request has no `query`".into()));
    }
    Ok(batch)
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
    let response = match read_post(&request, payload, &served).await {
        Ok(batch) => context.execute(batch).await,
        Err(error) => Err(error),
    };
    match response {
        Ok(response) => media.respond(&response),
        Err(error) => media.error(error),
    }
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
    let mut query = match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(query) if !query.query.trim().is_empty() => query,
        Ok(_) => return media.error(ApiError::BadRequest("the request has no `query`".into())),
        Err(error) => return media.error(ApiError::BadRequest(error.to_string())),
    };
    // GET must not change anything (caches and prefetchers replay it): mutations need POST.
    if let Ok(document) = query.parsed_query()
        && document.operations.iter().any(|(_, operation)| operation.node.ty == OperationType::Mutation)
    {
        return media.error(ApiError::MutationOverGet);
    }
    let context = Context::new(&served, &db, &verifier, &feeds, &request);
    match context.execute(BatchRequest::Single(query)).await {
        Ok(response) => media.respond(&response),
        Err(error) => media.error(error),
    }
}

/// `GET /schema.graphql`: the SDL.
pub async fn schema() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(crate::graphql::sdl())
}
