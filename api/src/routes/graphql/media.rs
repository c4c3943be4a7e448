//! The media types of GraphQL over HTTP (the spec's current draft): which one the client accepts,
//! and the status and body each gives a response.

use std::collections::BTreeMap;

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::{
        StatusCode,
        header::{self, Header},
    },
};
use async_graphql::{BatchResponse, ErrorExtensions, Response, ServerError, Value};
use serde::Serialize;

use crate::error::ApiError;

/// What a response is encoded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: the status code tells a request error (400, no
    /// `data`) from an executed request (200).
    GraphqlResponse,
    /// `application/json`, what clients understood before the spec: 200 for every well-formed
    /// request, whatever its errors.
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    /// The client's most preferred media type of the two; `application/json` when it sends no
    /// `Accept` (the spec's rule for clients older than it) or accepts anything. `Err` when it
    /// accepts neither.
    pub fn negotiate(request: &HttpRequest) -> Result<Self, ApiError> {
        if !request.headers().contains_key(header::ACCEPT) {
            return Ok(Self::Json);
        }
        let Ok(accept) = header::Accept::parse(request) else {
            return Ok(Self::Json);
        };
        // `ranked` orders by quality, then specificity, then the order listed; q=0 means "not this".
        let refused: Vec<_> =
            accept.0.iter().filter(|item| item.quality == header::Quality::ZERO).map(|item| &item.item).collect();
        accept
            .ranked()
            .iter()
            .filter(|mime| !refused.contains(mime))
            .find_map(|mime| match (mime.type_().as_str(), mime.subtype().as_str(), mime.suffix()) {
                ("application", "graphql-response", Some(suffix)) if suffix == "json" => Some(Self::GraphqlResponse),
                ("application", "json", _) | ("application", "*", _) | ("*", "*", _) => Some(Self::Json),
                _ => None,
            })
            .ok_or(ApiError::NotAcceptable)
    }

    /// The status and body of one operation's response.
    pub fn encode(self, response: &Response) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let status = match self {
            Self::GraphqlResponse if is_request_error(response) => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        };
        match serde_json::to_vec(&Body::of(response)) {
            Ok(body) => Ok((status, body)),
            Err(error) => {
                tracing::error!(error = %error, "cannot serialise a GraphQL response");
                Err(ApiError::Internal)
            }
        }
    }

    /// A response in this media type, with `status`, its body to come.
    pub fn build(self, status: StatusCode) -> actix_web::HttpResponseBuilder {
        let mut response = HttpResponse::build(status);
        response.content_type(self.content_type());
        response
    }

    /// A refusal of the request's document (see `persisted`) as a GraphQL request error: an
    /// `errors` list, with the status each media type gives request errors (200 under
    /// `application/json`, which Apollo's persisted-query clients read; 400 under
    /// `application/graphql-response+json`). Anything else is refused as `error` refuses it.
    pub fn request_error(self, error: ApiError) -> HttpResponse {
        let persisted = matches!(
            error,
            ApiError::PersistedQueryNotFound
                | ApiError::PersistedQueryMismatch
                | ApiError::DocumentNotFound { .. }
                | ApiError::DocumentNotTrusted
        );
        if !persisted {
            return self.error(error);
        }
        // No location: the document was never read.
        let extended = error.extend();
        let mut server_error = ServerError::new(extended.message, None);
        server_error.extensions = extended.extensions;
        let response = Response::from_errors(vec![server_error]);
        match self.encode(&response) {
            Ok((status, body)) => self
                .build(status)
                .insert_header((header::VARY, "Accept, Authorization"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body),
            Err(error) => self.error(error),
        }
    }

    /// The HTTP response to a GraphQL request (or batch).
    pub fn respond(self, response: &BatchResponse) -> HttpResponse {
        let (status, body) = match response {
            BatchResponse::Single(response) => match self.encode(response) {
                Ok((status, body)) => (status, Ok(body)),
                Err(error) => return self.error(error),
            },
            // Each operation of a batch has its own outcome; the batch as a whole was served.
            BatchResponse::Batch(responses) => {
                (StatusCode::OK, serde_json::to_vec(&responses.iter().map(Body::of).collect::<Vec<_>>()))
            }
        };
        match body {
            Ok(body) => self
                .build(status)
                .insert_header((header::VARY, "Accept, Authorization"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body),
            Err(error) => {
                tracing::error!(error = %error, "cannot serialise a GraphQL response");
                self.error(ApiError::Internal)
            }
        }
    }

    /// A failure before any GraphQL ran (the request was refused as a whole), in the GraphQL
    /// response shape clients already parse: `errors` only.
    pub fn error(self, error: ApiError) -> HttpResponse {
        let extended = error.extend();
        let body = serde_json::json!({
            "errors": [{ "message": extended.message, "extensions": extended.extensions }]
        });
        let mut response = HttpResponse::build(error.status_code());
        if let ApiError::MutationOverGet = error {
            response.insert_header((header::ALLOW, "POST"));
        }
        response
            .content_type(self.content_type())
            .insert_header((header::VARY, "Accept, Authorization"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body.to_string())
    }
}

/// A request error: the document could not be parsed, validated or admitted, so nothing ran.
/// Such errors come before execution, which is the only source of errors with a path, and leave
/// no data (a field error, even one that nulls the whole result, has a path).
fn is_request_error(response: &Response) -> bool {
    matches!(response.data, Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// A response as the spec shapes it: no `data` entry at all after a request error.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, Value>,
}

impl<'a> Body<'a> {
    fn of(response: &'a Response) -> Self {
        let data = (!is_request_error(response)).then_some(&response.data);
        Self { data, errors: &response.errors, extensions: &response.extensions }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::MediaType;

    fn negotiate(accept: Option<&str>) -> Option<MediaType> {
        let mut request = TestRequest::default();
        if let Some(accept) = accept {
            request = request.insert_header(("accept", accept));
        }
        MediaType::negotiate(&request.to_http_request()).ok()
    }

    #[test]
    fn the_preferred_supported_media_type_is_chosen() {
        use MediaType::{GraphqlResponse, Json};
        assert_eq!(negotiate(None), Some(Json));
        assert_eq!(negotiate(Some("application/graphql-response+json")), Some(GraphqlResponse));
        assert_eq!(negotiate(Some("application/graphql-response+json, application/json;q=0.9")), Some(GraphqlResponse));
        assert_eq!(negotiate(Some("application/json, application/graphql-response+json")), Some(Json));
        assert_eq!(negotiate(Some("application/json;q=0.5, application/graphql-response+json")), Some(GraphqlResponse));
        assert_eq!(negotiate(Some("*/*")), Some(Json));
        assert_eq!(negotiate(Some("text/html,application/xhtml+xml,*/*;q=0.8")), Some(Json));
        assert_eq!(negotiate(Some("text/html")), None);
        assert_eq!(negotiate(Some("application/json;q=0")), None);
    }
}
