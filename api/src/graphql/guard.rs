//! Guards on every request: depth and complexity limits with their own codes, and a code on every
//! error async-graphql raises by itself (parse, validation, argument coercion).

use std::sync::Arc;

use async_graphql::{
    ErrorExtensions, Pos, Response, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation},
    parser::types::ExecutableDocument,
};

use crate::{config::Limits, error::ApiError};

/// The guard extension's factory, configured from `Limits`.
pub struct Guards {
    max_depth: usize,
    max_complexity: usize,
}

impl Guards {
    /// Guards enforcing `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self { max_depth: limits.max_depth, max_complexity: limits.max_complexity }
    }
}

impl ExtensionFactory for Guards {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension { max_depth: self.max_depth, max_complexity: self.max_complexity })
    }
}

struct GuardExtension {
    max_depth: usize,
    max_complexity: usize,
}

/// Gives `error` the code `code` unless it has one already.
fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

/// A value of the wrong type for an argument or variable is the caller's input, not a broken
/// document; async-graphql reports both as validation errors and tells them apart only by wording
/// (the HTTP tests pin that wording down).
fn validation_code(error: &ServerError) -> &'static str {
    let message = error.message.as_str();
    if message.starts_with("Invalid value for argument") || message.starts_with("Expected input type") {
        "BAD_USER_INPUT"
    } else {
        "GRAPHQL_VALIDATION_FAILED"
    }
}

fn server_error(error: ApiError) -> ServerError {
    error.extend().into_server_error(Pos::default())
}

#[async_trait::async_trait]
impl Extension for GuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| with_code(error, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = validation_code(&error);
                    with_code(error, code)
                })
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.max_depth {
            return Err(vec![server_error(ApiError::QueryTooDeep { depth: result.depth, max: self.max_depth })]);
        }
        if result.complexity > self.max_complexity {
            return Err(vec![server_error(ApiError::QueryTooComplex {
                complexity: result.complexity,
                max: self.max_complexity,
            })]);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // Every error newsroom raises carries its code; one without a code comes from inside
        // async-graphql during execution, which no client input should reach.
        response.errors = response.errors.into_iter().map(|error| with_code(error, "INTERNAL_SERVER_ERROR")).collect();
        response
    }
}
