//! Relay global ids (`base64url("Type:uuid")`) and the `node` root field.

use async_graphql::{Context, ID, Interface, Object};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use super::{commission::Commission, contact::Contact, organisation::Organisation, release::Release, topic::Topic};
use crate::{error::ApiError, service};

/// The kinds of record a global id can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Release,
    Commission,
    Organisation,
    Contact,
    Topic,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [Kind::Release, Kind::Commission, Kind::Organisation, Kind::Contact, Kind::Topic];

    /// The type name inside a global id.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Release => "Release",
            Kind::Commission => "Commission",
            Kind::Organisation => "Organisation",
            Kind::Contact => "Contact",
            Kind::Topic => "Topic",
        }
    }
}

/// The global id of the record of `kind` whose public id is `uuid`.
pub fn global_id(kind: Kind, uuid: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{uuid}", kind.name())))
}

/// The kind and public id inside a global id; `field` names the argument for the error.
pub fn decode(field: &str, id: &str) -> Result<(Kind, Uuid), ApiError> {
    let invalid = || ApiError::bad_input(field, format!("`{id}` is not a newsroom id"));
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    let (name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = Kind::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(invalid)?;
    Ok((kind, uuid.parse().map_err(|_| invalid())?))
}

/// Decodes a global id that must name a record of `expected`.
pub fn decode_as(field: &str, id: &str, expected: Kind) -> Result<Uuid, ApiError> {
    match decode(field, id)? {
        (kind, uuid) if kind == expected => Ok(uuid),
        _ => Err(ApiError::bad_input(field, format!("`{id}` is not a {} id", expected.name()))),
    }
}

/// Any record with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The record's global id: stable for its whole life."))]
pub enum Node {
    Release(Release),
    Commission(Commission),
    Organisation(Organisation),
    Contact(Contact),
    Topic(Topic),
}

/// Turns "not found" into `null`, as Relay clients expect of a lookup by key.
pub fn found<T>(result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The `node` root field.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any record by its global id; `null` when there is none the caller may see.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as any record's `id` field gives it; a string that is not one is \
                          refused with BAD_USER_INPUT.")]
        id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        use async_graphql::ResultExt;
        let (kind, uuid) = decode("id", &id).extend()?;
        let db = super::db(ctx)?;
        let access = super::access(ctx)?;
        let node = match kind {
            Kind::Release => {
                found(service::release::get(db, access, uuid).await).extend()?.map(Release::from).map(Node::from)
            }
            Kind::Commission => {
                found(service::commission::get(db, uuid).await).extend()?.map(Commission::from).map(Node::from)
            }
            Kind::Organisation => {
                found(service::organisation::get(db, uuid).await).extend()?.map(Organisation).map(Node::from)
            }
            Kind::Contact => {
                found(service::contact::get(db, access, uuid).await).extend()?.map(Contact::from).map(Node::from)
            }
            Kind::Topic => found(service::topic::get(db, uuid).await).extend()?.map(Topic).map(Node::from),
        };
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_reject_garbage() {
        let uuid = Uuid::from_u128(42);
        let id = global_id(Kind::Commission, uuid);
        assert_eq!(decode("id", &id).unwrap(), (Kind::Commission, uuid));
        assert!(decode_as("id", &id, Kind::Release).is_err());
        assert!(decode("id", "not-base64!").is_err());
        assert!(decode("id", &URL_SAFE_NO_PAD.encode("Spaceship:1")).is_err());
    }
}
