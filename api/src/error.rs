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
    /// No feed lives at the path asked for; `reason` says why (an unknown facet, format or value).
    /// Apart from `NotFound` because a path is not a record's key: quoted as one, the record a
    /// facet names would be quoted inside it.
    #[error("there is no feed at `{path}`: {reason}")]
    FeedNotFound { path: String, reason: String },
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
    /// A batch carries more operations than the configured limit.
    #[error("a batch may carry at most {max} operations, got {got}")]
    BatchTooLarge { max: usize, got: usize },
    /// A batch's operations together are more complex than the configured limit.
    #[error("the operations of a batch may have a summed complexity of at most {max}, got {got}")]
    BatchTooComplex { max: usize, got: usize },
    /// The client took longer than the configured time to send its request.
    #[error("the request was not received within {secs} seconds")]
    RequestTimeout { secs: u64 },
    /// A body without a content type, or one the route does not read.
    #[error("the request's content type must be `application/json` (or `application/graphql`), in UTF-8")]
    UnsupportedMediaType,
    /// The client accepts none of the media types the route answers in.
    #[error("the response can be `application/graphql-response+json` or `application/json`; `Accept` allows neither")]
    NotAcceptable,
    /// The request body is not a GraphQL request.
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// A mutation sent with GET (GraphQL over HTTP allows them over POST only).
    #[error("mutations must be sent with POST")]
    MutationOverGet,
    /// An automatic persisted query named by a hash this server does not hold: the client sends
    /// the text with the hash next time (Apollo's protocol; the message is the one clients match).
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    /// An automatic persisted query whose text does not have the hash sent with it.
    #[error("the query's SHA-256 is not the `sha256Hash` sent with it")]
    PersistedQueryMismatch,
    /// A `documentId` no frontend registered.
    #[error("no trusted document `{id}`: register it with `newsroom documents add`")]
    DocumentNotFound { id: String },
    /// An anonymous caller sent a document the allow-list does not hold.
    #[error(
        "this endpoint answers anonymous callers only the documents its frontends registered: send a registered `documentId`"
    )]
    DocumentNotTrusted,
    /// A change-log cursor from before what the retention keeps: entries after it are gone, so
    /// the client must sync again from the start (`field` names the argument).
    #[error(
        "the change log no longer holds the entries after `{cursor}` (it keeps them for its retention): sync again from the start, without a cursor"
    )]
    CursorExpired { field: &'static str, cursor: String },
    /// Several input fields are invalid; each is reported as its own error.
    #[error("{} input fields are invalid", .0.len())]
    Invalid(Vec<FieldError>),
    /// No valid token, for an operation that needs one; `reason` says what was wrong with it.
    #[error("authentication failed: {reason}")]
    Unauthenticated { reason: String },
    /// A valid token whose roles do not allow the operation.
    #[error("the role(s) `{roles}` may not {operation}")]
    Forbidden { roles: String, operation: crate::auth::policy::Operation },
    /// The write clashes with the stored state: a taken slug, a stale version, a record still in use.
    #[error("{0}")]
    Conflict(String),
    /// The database failed; the cause is logged, never sent (it can hold SQL text).
    #[error("internal server error")]
    Database(#[source] Arc<DbErr>),
    /// Something else of ours failed; the cause is logged where it happened.
    #[error("internal server error")]
    Internal,
}

impl ApiError {
    /// The stable code clients branch on. Codes never change once shipped.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } | Self::FeedNotFound { .. } => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::PageSizeExceeded { .. } => "PAGE_SIZE_EXCEEDED",
            Self::QueryTooDeep { .. } => "QUERY_TOO_DEEP",
            Self::QueryTooComplex { .. } => "QUERY_TOO_COMPLEX",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
            Self::BatchTooComplex { .. } => "BATCH_TOO_COMPLEX",
            Self::RequestTimeout { .. } => "REQUEST_TIMEOUT",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::Invalid(_) => "BAD_USER_INPUT",
            Self::CursorExpired { .. } => "CURSOR_EXPIRED",
            Self::MutationOverGet => "METHOD_NOT_ALLOWED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            Self::DocumentNotFound { .. } => "PERSISTED_DOCUMENT_NOT_FOUND",
            Self::DocumentNotTrusted => "PERSISTED_DOCUMENT_REQUIRED",
            Self::Unauthenticated { .. } => "UNAUTHENTICATED",
            Self::Forbidden { .. } => "FORBIDDEN",
            Self::Conflict(_) => "CONFLICT",
            Self::Database(_) | Self::Internal => "INTERNAL_SERVER_ERROR",
        }
    }

    /// A field or argument error at `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into() }
    }

    /// Every field error in `self`, one per field: how a multi-field failure reaches GraphQL.
    pub fn split(self) -> Vec<ApiError> {
        match self {
            Self::Invalid(errors) => {
                errors.into_iter().map(|e| Self::BadUserInput { field: e.field, message: e.message }).collect()
            }
            other => vec![other],
        }
    }

    /// The path of the offending field or argument, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadUserInput { field, .. } => Some(field),
            Self::PageSizeExceeded { argument, .. } => Some(argument),
            Self::CursorExpired { field, .. } => Some(field),
            _ => None,
        }
    }

    fn log_if_internal(&self) {
        if let Self::Database(error) = self {
            tracing::error!(error = %error, "database error");
        }
    }
}

/// One invalid input field: its path (`input.members[2].since`) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Collects the field errors of one input, so that all of them are reported together.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Records that `field` is invalid.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Records `check`'s complaint about `field`, if it has one.
    pub fn check(&mut self, field: impl Into<String>, check: Result<(), String>) {
        if let Err(message) = check {
            self.add(field, message);
        }
    }

    /// What was recorded, in order.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Invalid(self.0)) }
    }
}

impl From<DbErr> for ApiError {
    /// Unique and foreign-key violations are the caller's doing (a taken slug, a record still in
    /// use), so they are conflicts; anything else is ours.
    fn from(error: DbErr) -> Self {
        match error.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Self::Conflict("a record with this key already exists".into())
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::Conflict("the record is still referenced by others, or references one that is gone".into())
            }
            // SQLite reports a RESTRICT foreign key as code 1811, which sea-orm does not classify.
            _ if error.to_string().contains("FOREIGN KEY constraint failed") => {
                Self::Conflict("the record is still referenced by others, or references one that is gone".into())
            }
            _ => Self::Database(Arc::new(error)),
        }
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
            Self::NotFound { .. } | Self::FeedNotFound { .. } => StatusCode::NOT_FOUND,
            Self::BadUserInput { .. }
            | Self::PageSizeExceeded { .. }
            | Self::QueryTooDeep { .. }
            | Self::QueryTooComplex { .. }
            | Self::BatchTooLarge { .. }
            | Self::BatchTooComplex { .. }
            | Self::BadRequest(_)
            | Self::PersistedQueryNotFound
            | Self::PersistedQueryMismatch
            | Self::DocumentNotFound { .. }
            | Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::DocumentNotTrusted => StatusCode::FORBIDDEN,
            Self::CursorExpired { .. } => StatusCode::GONE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Database(_) | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let mut body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        if let Some(field) = self.field() {
            body["field"] = field.into();
        }
        if let Self::Invalid(errors) = self {
            body["errors"] =
                errors.iter().map(|e| serde_json::json!({ "field": e.field, "message": e.message })).collect();
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
            ApiError::FeedNotFound { path: "/feeds/x".into(), reason: "x".into() },
            ApiError::bad_input("filter.country", "bad"),
            ApiError::PageSizeExceeded { argument: "first", max: 100, requested: 101 },
            ApiError::QueryTooDeep { max: 10 },
            ApiError::QueryTooComplex { max: 1 },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::BatchTooLarge { max: 1, got: 2 },
            ApiError::BatchTooComplex { max: 1, got: 2 },
            ApiError::RequestTimeout { secs: 1 },
            ApiError::UnsupportedMediaType,
            ApiError::NotAcceptable,
            ApiError::BadRequest("x".into()),
            ApiError::Invalid(Vec::new()),
            ApiError::MutationOverGet,
            ApiError::PersistedQueryNotFound,
            ApiError::PersistedQueryMismatch,
            ApiError::DocumentNotFound { id: "sha256:00".into() },
            ApiError::DocumentNotTrusted,
            ApiError::Unauthenticated { reason: "x".into() },
            ApiError::Forbidden { roles: "reader".into(), operation: crate::auth::policy::Operation::Create },
            ApiError::Conflict("x".into()),
            ApiError::CursorExpired { field: "after", cursor: "1".into() },
            ApiError::from(DbErr::Custom("x".into())),
            ApiError::Internal,
        ];
        let codes: std::collections::HashSet<_> = variants.iter().map(ApiError::code).collect();
        // BAD_USER_INPUT is shared by one field and several, INTERNAL_SERVER_ERROR by the
        // database's failures and ours, NOT_FOUND by records and feeds.
        assert_eq!(codes.len(), variants.len() - 3);
    }
}
