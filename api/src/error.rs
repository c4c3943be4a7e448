//! The one error type of the request path, with a stable machine-readable code per variant,
//! mapped once to GraphQL `extensions.code` and once to HTTP JSON bodies.

use std::sync::Arc;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Everything that can go wrong while serving a request.
///
/// `Clone` because DataLoader errors are shared between every resolver waiting on one batch.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// A record asked for by key does not exist (or is not visible to the caller).
    #[error("{entity} `{key}` was not found")]
    NotFound { entity: &'static str, key: String },
    /// An argument or input field is invalid; `field` is its path.
    #[error("{message}")]
    BadUserInput { field: String, message: String },
    /// A page larger than the cap was asked for.
    #[error("`{argument}` must be at most {max}, got {requested}")]
    PageSizeExceeded { argument: &'static str, max: u64, requested: i64 },
    /// The query nests deeper than the configured limit.
    #[error("the query nests deeper than the limit of {max}")]
    QueryTooDeep { max: usize },
    /// The query's estimated cost exceeds the configured limit.
    #[error("the query is more complex than the limit of {max}")]
    QueryTooComplex { max: usize },
    /// The request body is larger than the configured limit.
    #[error("request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The request body is not a GraphQL request.
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// The database failed; the cause is logged, never sent (it can hold SQL text).
    #[error("internal server error")]
    Database(#[source] Arc<DbErr>),
}

impl ApiError {
    /// The stable code clients branch on. Codes never change once shipped.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::PageSizeExceeded { .. } => "PAGE_SIZE_EXCEEDED",
            Self::QueryTooDeep { .. } => "QUERY_TOO_DEEP",
            Self::QueryTooComplex { .. } => "QUERY_TOO_COMPLEX",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Database(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// A field or argument error at `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into() }
    }

    /// The path of the offending field or argument, where there is one.
    fn field(&self) -> Option<&str> {
        match self {
            Self::BadUserInput { field, .. } => Some(field),
            Self::PageSizeExceeded { argument, .. } => Some(argument),
            _ => None,
        }
    }

    fn log_if_internal(&self) {
        if let Self::Database(error) = self {
            tracing::error!(error = %error, "database error");
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        Self::Database(Arc::new(error))
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        self.log_if_internal();
        async_graphql::Error::new(self.to_string()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Some(field) = self.field() {
                extensions.set("field", field);
            }
        })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::BadUserInput { .. }
            | Self::PageSizeExceeded { .. }
            | Self::QueryTooDeep { .. }
            | Self::QueryTooComplex { .. }
            | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let mut body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        if let Some(field) = self.field() {
            body["field"] = field.into();
        }
        HttpResponse::build(self.status_code()).json(body)
    }
}

/// `?` on an `ApiError` inside a resolver would go through async-graphql's blanket `Display`
/// conversion and lose the code; resolvers call `.extend()` on results through this alias instead.
pub type GqlResult<T> = async_graphql::Result<T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_keep_sql_out_of_the_message() {
        let error = ApiError::from(DbErr::Custom("SELECT secret FROM users".into()));
        let extended = error.extend();
        assert_eq!(extended.message, "internal server error");
        let code = extended.extensions.and_then(|e| e.get("code").cloned());
        assert_eq!(code, Some(async_graphql::Value::from("INTERNAL_SERVER_ERROR")));
    }

    #[test]
    fn every_variant_has_its_own_code() {
        let variants = [
            ApiError::NotFound { entity: "Release", key: "x".into() },
            ApiError::bad_input("filter.country", "bad"),
            ApiError::PageSizeExceeded { argument: "first", max: 100, requested: 101 },
            ApiError::QueryTooDeep { max: 10 },
            ApiError::QueryTooComplex { max: 1 },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::BadRequest("x".into()),
            ApiError::from(DbErr::Custom("x".into())),
        ];
        let codes: std::collections::HashSet<_> = variants.iter().map(ApiError::code).collect();
        assert_eq!(codes.len(), variants.len());
    }
}
