//! GraphQL over HTTP: `POST` (JSON, single or batched, or `application/graphql`) and `GET`
//! (query string) on `/graphql`, with a body size limit that answers with a coded error.

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header, web};
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensions, Request, http::GraphiQLSource};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Access,
    config::Limits,
    error::ApiError,
    graphql::{self, AppSchema, guard},
};

/// A transport-level failure, in the GraphQL response shape clients already parse.
fn error_response(error: ApiError) -> HttpResponse {
    let extended = error.extend();
    let body = serde_json::json!({
        "errors": [{ "message": extended.message, "extensions": extended.extensions }]
    });
    HttpResponse::build(error.status_code()).json(body)
}

async fn execute(schema: &AppSchema, db: &DatabaseConnection, limits: &Limits, batch: BatchRequest) -> HttpResponse {
    let access = Access::anonymous();
    let prepare = |request: Request| request.data(access).data(graphql::request_loader(db, access));
    let response = match batch {
        BatchRequest::Single(request) => {
            let query = request.query.clone();
            let mut response = schema.execute(prepare(request)).await;
            guard::assign_codes(&query, limits, &mut response);
            BatchResponse::Single(response)
        }
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                let query = request.query.clone();
                let mut response = schema.execute(prepare(request)).await;
                guard::assign_codes(&query, limits, &mut response);
                responses.push(response);
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
    execute(&schema, &db, &limits, batch).await
}

/// `GET /graphql?query=…&variables=…&operationName=…`.
pub async fn get(
    schema: web::Data<AppSchema>,
    db: web::Data<DatabaseConnection>,
    limits: web::Data<Limits>,
    request: HttpRequest,
) -> HttpResponse {
    match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(query) => execute(&schema, &db, &limits, BatchRequest::Single(query)).await,
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
