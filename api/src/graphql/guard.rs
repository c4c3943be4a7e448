//! The limits a query is admitted under (its depth, a batch's size and summed complexity), and
//! stable codes for the errors async-graphql raises by itself: parse and validation failures, the
//! complexity limit, and wrongly typed arguments.
//!
//! Codes are assigned on the response, after execution, and only to errors that have no code yet,
//! so a successful request pays nothing for it. (An async-graphql extension could tag them as they
//! happen, but any extension takes every field of every query off async-graphql's fast path.)

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use async_graphql::{
    ErrorExtensions, Request, Response, ServerError, ValidationMode, ValidationResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

use crate::{config::Limits, error::ApiError};

/// Refuses `request` if its document nests deeper than the limit; `None` admits it (a document
/// that does not parse is admitted too, for execution to report).
///
/// The depth is counted here rather than by async-graphql's `limit_depth`, which counts
/// introspection too: the standard introspection query that GraphiQL, Rover, codegen and Postman
/// send nests 13 deep through `ofType`, and would be refused at any useful limit. Introspection's
/// shape is fixed by the spec and its cost bounded by the schema, so it counts as one level; every
/// data field counts exactly as async-graphql counts it (each field a level, fragments inlined).
pub fn refuse_too_deep(request: &mut Request, limits: &Limits) -> Option<Response> {
    let depth = Depth::of(request.parsed_query().ok()?);
    (depth > limits.max_depth).then(|| {
        let error = ApiError::QueryTooDeep { max: limits.max_depth }.extend();
        let mut server_error = ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        Response::from_errors(vec![server_error])
    })
}

/// The deepest nesting of data fields in a document.
struct Depth<'a> {
    fragments: &'a HashMap<async_graphql::Name, async_graphql::Positioned<FragmentDefinition>>,
    /// Each fragment's depth, computed once however often it is spread: a document that spreads
    /// fragments into fragments costs time linear in its size, not exponential.
    known: HashMap<&'a str, usize>,
    /// The fragments being expanded, innermost last.
    open: Vec<&'a str>,
}

/// Spreads nested deeper than this count as too deep: no real document needs it, and a chain of
/// thousands would recurse as deep.
const MAX_FRAGMENT_NESTING: usize = 64;

impl<'a> Depth<'a> {
    fn of(document: &'a ExecutableDocument) -> usize {
        let mut depth = Self { fragments: &document.fragments, known: HashMap::new(), open: Vec::new() };
        document
            .operations
            .iter()
            .map(|(_, operation)| depth.selections(&operation.node.selection_set.node))
            .max()
            .unwrap_or(0)
    }

    fn selections(&mut self, set: &'a SelectionSet) -> usize {
        let mut deepest = 0;
        for item in &set.items {
            let depth = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let introspection = name == "__schema" || name == "__type";
                    1 + if introspection { 0 } else { self.selections(&field.node.selection_set.node) }
                }
                Selection::InlineFragment(fragment) => self.selections(&fragment.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.fragment(spread.node.fragment_name.node.as_str()),
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(depth) = self.known.get(name) {
            return *depth;
        }
        if self.open.len() >= MAX_FRAGMENT_NESTING {
            return usize::MAX / 2;
        }
        // A cycle adds nothing (validation refuses it), and an unknown fragment neither.
        let Some(fragment) = self.fragments.get(name).filter(|_| !self.open.contains(&name)) else {
            return 0;
        };
        self.open.push(name);
        let depth = self.selections(&fragment.node.selection_set.node);
        self.open.pop();
        self.known.insert(name, depth);
        depth
    }
}

/// The summed complexity of a batch's operations, measured before any of them runs.
///
/// async-graphql computes a document's complexity only while it validates it for execution, and
/// tells it only to an extension. An extension on the serving schema would take every field of
/// every query off the fast path, so the measuring is done by a second schema, with the same
/// types, that validates and never executes; batches alone pay for it.
pub struct BatchCost(super::AppSchema);

impl BatchCost {
    pub fn new() -> Self {
        Self(super::builder().validation_mode(ValidationMode::Fast).extension(Measure).finish())
    }

    /// The summed complexity of `requests`; documents that do not parse or validate count nothing
    /// here (they fail on their own when run).
    pub async fn complexity(&self, requests: &[Request]) -> usize {
        let mut total = 0usize;
        for request in requests {
            let measured = Measured::default();
            let copy = Request::new(request.query.clone()).variables(request.variables.clone()).data(measured.clone());
            let copy = match &request.operation_name {
                Some(name) => copy.operation_name(name.clone()),
                None => copy,
            };
            self.0.execute(copy).await;
            total = total.saturating_add(measured.0.load(Ordering::Relaxed));
        }
        total
    }
}

impl Default for BatchCost {
    fn default() -> Self {
        Self::new()
    }
}

/// Where `Measure` leaves a request's complexity.
#[derive(Clone, Default)]
struct Measured(Arc<AtomicUsize>);

/// Records the complexity a validated request would have, then stops it before execution.
struct Measure;

impl ExtensionFactory for Measure {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Measure)
    }
}

#[async_trait::async_trait]
impl Extension for Measure {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(measured) = ctx.data_opt::<Measured>() {
            measured.0.store(result.complexity, Ordering::Relaxed);
        }
        Err(Vec::new())
    }
}

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
