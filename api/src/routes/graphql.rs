//! GraphQL over HTTP: `POST` (JSON, single or batched, or `application/graphql`) and `GET`
//! (query string) on `/graphql`, with a body size limit that answers with a coded error.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, http::header, web};
use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensions, Request, Response, http::GraphiQLSource, parser::types::OperationType,
};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use crate::{
    auth::{Caller, token::Verifier},
    config::{FeedSettings, Limits},
    error::ApiError,
    graphql::{self, AppSchema, guard},
};

/// Everything a request brings besides its query.
struct Context<'a> {
    schema: &'a AppSchema,
    db: &'a DatabaseConnection,
    limits: &'a Limits,
    caller: Caller,
    request_id: Option<graphql::RequestId>,
    feed_base: graphql::feed::FeedBase,
}

impl<'a> Context<'a> {
    fn new(
        schema: &'a AppSchema,
        db: &'a DatabaseConnection,
        limits: &'a Limits,
        verifier: &Verifier,
        feeds: &FeedSettings,
        request: &HttpRequest,
    ) -> Self {
        let authorization = request.headers().get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or(""));
        let caller = Caller::from_authorization(verifier, authorization);
        let request_id = request.extensions().get::<RequestId>().map(|id| graphql::RequestId(id.to_string()));
        let feed_base = graphql::feed::FeedBase(super::feeds::base_url(feeds, request));
        Self { schema, db, limits, caller, request_id, feed_base }
    }

    async fn run(&self, request: Request) -> Response {
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
        let mut response = self.schema.execute(request).await;
        guard::assign_codes(&query, self.limits, &mut response);
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
}

/// A transport-level failure, in the GraphQL response shape clients already parse.
fn error_response(error: ApiError) -> HttpResponse {
    let extended = error.extend();
    let body = serde_json::json!({
        "errors": [{ "message": extended.message, "extensions": extended.extensions }]
    });
    HttpResponse::build(error.status_code()).json(body)
}

async fn execute(context: Context<'_>, batch: BatchRequest) -> HttpResponse {
    let response = match batch {
        BatchRequest::Single(request) => BatchResponse::Single(context.run(request).await),
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(context.run(request).await);
            }
            BatchResponse::Batch(responses)
        }
    };
    match serde_json::to_vec(&response) {
        Ok(body) => HttpResponse::Ok().content_type("application/json").body(body),
        Err(error) => error_response(ApiError::BadRequest(error.to_string())),
    }
}

/// `POST /graphql`.
pub async fn post(
    schema: web::Data<AppSchema>,
    db: web::Data<DatabaseConnection>,
    limits: web::Data<Limits>,
    verifier: web::Data<Verifier>,
    feeds: web::Data<FeedSettings>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let limit = limits.max_body_bytes;
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => body,
        Ok(Err(error)) => return error_response(ApiError::BadRequest(error.to_string())),
        Err(_) => return error_response(ApiError::PayloadTooLarge { limit }),
    };
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let batch = if content_type.is_some_and(|value| value.starts_with("application/graphql")) {
        match std::str::from_utf8(&body) {
            Ok(query) => BatchRequest::Single(Request::new(query)),
            Err(_) => return error_response(ApiError::BadRequest("the query is not UTF-8".into())),
        }
    } else {
        match serde_json::from_slice::<BatchRequest>(&body) {
            Ok(batch) => batch,
            Err(error) => return error_response(ApiError::BadRequest(error.to_string())),
        }
    };
    execute(Context::new(&schema, &db, &limits, &verifier, &feeds, &request), batch).await
}

/// `GET /graphql?query=…&variables=…&operationName=…`.
pub async fn get(
    schema: web::Data<AppSchema>,
    db: web::Data<DatabaseConnection>,
    limits: web::Data<Limits>,
    verifier: web::Data<Verifier>,
    feeds: web::Data<FeedSettings>,
    request: HttpRequest,
) -> HttpResponse {
    let mut query = match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(query) => query,
        Err(error) => return error_response(ApiError::BadRequest(error.to_string())),
    };
    // GET must not change anything (caches and prefetchers replay it): mutations need POST.
    if let Ok(document) = query.parsed_query()
        && document.operations.iter().any(|(_, operation)| operation.node.ty == OperationType::Mutation)
    {
        return error_response(ApiError::MutationOverGet);
    }
    execute(Context::new(&schema, &db, &limits, &verifier, &feeds, &request), BatchRequest::Single(query)).await
}

/// `GET /graphiql`: the in-browser IDE.
pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").title("newsroom GraphiQL").finish())
}

/// `GET /schema.graphql`: the SDL.
pub async fn schema() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(crate::graphql::sdl())
}
