//! Stable codes for the errors async-graphql raises by itself: parse and validation failures, the
//! depth and complexity limits, and wrongly typed arguments.
//!
//! This runs on the response, after execution, and only looks at errors that have no code yet, so
//! a successful request pays nothing for it. (An async-graphql extension could tag them as they
//! happen, but any extension takes every field of every query off async-graphql's fast path.)

use async_graphql::{ErrorExtensions, Response, ServerError};

use crate::{config::Limits, error::ApiError};

/// Gives every uncoded error of `response` (the answer to `query`) its code.
pub fn assign_codes(query: &str, limits: &Limits, response: &mut Response) {
    if response.errors.iter().all(has_code) {
        return;
    }
    // Errors before execution leave no data; only then can the document itself be at fault.
    let before_execution = matches!(response.data, async_graphql::Value::Null);
    let parses = before_execution && async_graphql::parser::parse_query(query).is_ok();
    for error in &mut response.errors {
        if has_code(error) {
            continue;
        }
        let message = error.message.as_str();
        let tag = if !before_execution {
            // Every error newsroom raises carries its code; one without a code comes from inside
            // async-graphql during execution, which no client input should reach.
            Tag::Code("INTERNAL_SERVER_ERROR")
        } else if !parses {
            Tag::Code("GRAPHQL_PARSE_FAILED")
        } else if message == "Query is nested too deep." {
            Tag::Error(ApiError::QueryTooDeep { max: limits.max_depth })
        } else if message == "Query is too complex." {
            Tag::Error(ApiError::QueryTooComplex { max: limits.max_complexity })
        } else if message.starts_with("Invalid value for argument") || message.starts_with("Expected input type") {
            // A value of the wrong type for an argument or variable is the caller's input, not a
            // broken document (the HTTP tests pin this wording down).
            Tag::Code("BAD_USER_INPUT")
        } else {
            Tag::Code("GRAPHQL_VALIDATION_FAILED")
        };
        match tag {
            Tag::Error(api_error) => {
                let extended = api_error.extend();
                error.message = extended.message;
                error.extensions = extended.extensions;
            }
            Tag::Code(code) => error.extensions.get_or_insert_with(Default::default).set("code", code),
        }
    }
}

/// What an uncoded error becomes: a bare code, or one of our own errors (message and code).
enum Tag {
    Code(&'static str),
    Error(ApiError),
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some())
}
