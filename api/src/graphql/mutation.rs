//! What every mutation shares: who may run it, how a reference in an input is read, and how a
//! failed write becomes GraphQL errors (one per invalid field, all at once).

pub mod commission;
pub mod contact;
pub mod organisation;
pub mod release;
pub mod topic;

use async_graphql::{Context, ErrorExtensions, ID, MaybeUndefined, MergedObject};
use uuid::Uuid;

use super::node::{self, Kind};
use crate::{
    auth::{Caller, policy::Operation},
    error::{ApiError, GqlResult},
    service::write::{Author, Generation, Key},
};

/// The author of a write, if the caller may do `operation`.
pub(crate) fn author<'a>(ctx: &Context<'a>, operation: Operation) -> GqlResult<Author<'a>> {
    let caller = ctx.data::<Caller>()?;
    let principal = caller.require(operation).map_err(|error| error.extend())?;
    let request_id = ctx.data_opt::<super::RequestId>().map(|id| id.0.as_str());
    let generation = ctx.data::<std::sync::Arc<Generation>>()?;
    let limits = ctx.data::<crate::config::Limits>()?.into();
    Ok(Author { principal, request_id, generation, limits })
}

/// A failed write as GraphQL errors. Invalid input fields each become their own error, with the
/// field's path under `input` in `extensions.field`; all but the last are added to the response
/// directly, the last is returned.
pub(crate) fn fail(ctx: &Context<'_>, error: ApiError) -> async_graphql::Error {
    let prefixed = matches!(error, ApiError::Invalid(_));
    let mut errors: Vec<ApiError> = error
        .split()
        .into_iter()
        .map(|error| match error {
            ApiError::BadUserInput { field, message } if prefixed => {
                ApiError::BadUserInput { field: format!("input.{field}"), message }
            }
            other => other,
        })
        .collect();
    let last = errors.pop().unwrap_or(ApiError::BadRequest("the write failed".into()));
    for error in errors {
        ctx.add_error(ctx.set_error_path(error.extend().into_server_error(ctx.item.pos)));
    }
    last.extend()
}

/// The public id inside the argument `field`, which must be the global id of a `kind` record.
pub(crate) fn id_of(field: &str, id: &ID, kind: Kind) -> GqlResult<Uuid> {
    node::decode_as(field, id, kind).map_err(|error| error.extend())
}

/// A reference inside an input: a global id of `kind`, or why it is not one (reported with the
/// input's other errors).
pub(crate) fn key(id: &ID, kind: Kind) -> Key {
    match node::decode_as("", id, kind) {
        Ok(uuid) => Key::PublicId(uuid),
        Err(error) => Key::Invalid(error.to_string()),
    }
}

/// An optional input field: absent leaves the stored value, `null` clears it, a value sets it.
pub(crate) fn patch<T, U>(value: MaybeUndefined<T>, convert: impl FnOnce(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(convert(value))),
    }
}

/// Every write. Each needs a bearer token whose roles allow it (UNAUTHENTICATED without one,
/// FORBIDDEN with one that does not); each invalid input field is reported as its own
/// BAD_USER_INPUT error, with the field's path in `extensions.field`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    release::ReleaseMutation,
    commission::CommissionMutation,
    organisation::OrganisationMutation,
    contact::ContactMutation,
    topic::TopicMutation,
    super::webhook::WebhookMutation,
);
