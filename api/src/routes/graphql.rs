//! GraphQL over HTTP: `POST` (JSON, single or batched, or `application/graphql`) and `GET`
//! (query string) on `/graphql`, with a body size limit that answers with a coded error.

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header, web};
use async_graphql::{BatchRequest, ErrorExtensions, Request, http::GraphiQLSource};

use crate::{auth::Access, config::Limits, error::ApiError, graphql::AppSchema};

/// A transport-level failure, in the GraphQL response shape clients already parse.
fn error_response(error: ApiError) -> HttpResponse {
    let extended = error.extend();
    let body = serde_json::json!({
        "errors": [{ "message": extended.message, "extensions": extended.extensions }]
    });
    HttpResponse::build(error.status_code()).json(body)
}

async fn execute(schema: &AppSchema, batch: BatchRequest) -> HttpResponse {
    let access = Access::anonymous();
    let batch = match batch {
        BatchRequest::Single(request) => BatchRequest::Single(request.data(access)),
        BatchRequest::Batch(requests) => {
            BatchRequest::Batch(requests.into_iter().map(|request| request.data(access)).collect())
        }
    };
    let response = schema.execute_batch(batch).await;
    match serde_json::to_vec(&response) {
        Ok(body) => HttpResponse::Ok().content_type("application/json").body(body),
        Err(error) => error_response(ApiError::BadRequest(error.to_string())),
    }
}

/// `POST /graphql`.
pub async fn post(
    schema: web::Data<AppSchema>,
    limits: web::Data<Limits>,
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
    execute(&schema, batch).await
}

/// `GET /graphql?query=…&variables=…&operationName=…`.
pub async fn get(schema: web::Data<AppSchema>, request: HttpRequest) -> HttpResponse {
    match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(query) => execute(&schema, BatchRequest::Single(query)).await,
        Err(error) => error_response(ApiError::BadRequest(error.to_string())),
    }
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
