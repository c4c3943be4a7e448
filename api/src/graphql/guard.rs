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
            Tag::Input(input_path(message))
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
            Tag::Input(field) => {
                let extensions = error.extensions.get_or_insert_with(Default::default);
                extensions.set("code", "BAD_USER_INPUT");
                if let Some(field) = field {
                    extensions.set("field", field);
                }
            }
        }
    }
}

/// What an uncoded error becomes: a bare code, one of our own errors (message and code), or a
/// wrongly typed input with its path when the message names one.
enum Tag {
    Code(&'static str),
    Error(ApiError),
    Input(Option<String>),
}

/// The path of the input an async-graphql coercion error names: `Invalid value for argument
/// "input", field "title" of type "String!" …` is `input.title`.
fn input_path(message: &str) -> Option<String> {
    let quoted = |text: &str| text.split('"').nth(1).map(str::to_owned);
    let rest = message.strip_prefix("Invalid value for argument ")?;
    let mut path = quoted(rest)?;
    for part in rest.split(", field ").skip(1) {
        path.push('.');
        path.push_str(&quoted(part)?);
    }
    Some(path)
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some())
}

#[cfg(test)]
mod tests {
    #[test]
    fn input_paths_come_from_coercion_messages() {
        let message =
            r#"Invalid value for argument "input", field "title" of type "String!" is required but not provided"#;
        assert_eq!(super::input_path(message).as_deref(), Some("input.title"));
        assert_eq!(
            super::input_path(r#"Invalid value for argument "first", expected type "Int""#).as_deref(),
            Some("first")
        );
        assert_eq!(super::input_path("Unknown field"), None);
    }
}
