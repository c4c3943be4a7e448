//! Topic mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        db,
        names::{self, LocalizedNameInput},
        node::Kind,
        topic::Topic,
    },
    service::topic::{self, Patch},
};

/// A new topic.
#[derive(InputObject)]
pub struct CreateTopicInput {
    /// URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: String,
    /// Display name: not blank, at most 200 characters.
    name: String,
    /// Its names in other languages, at most one per language.
    names: Option<Vec<LocalizedNameInput>>,
    /// The vocabulary it belongs to: lower-case letters, digits, `_` and `-`, e.g. `theme`.
    scheme: Option<String>,
    /// The global id of the broader topic it sits under.
    parent: Option<ID>,
}

/// Changes to a topic; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTopicInput {
    /// New URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: Option<String>,
    /// New display name: not blank, at most 200 characters.
    name: Option<String>,
    /// All its names in other languages, replacing the current ones; `[]` removes them all.
    names: Option<Vec<LocalizedNameInput>>,
    /// The vocabulary it belongs to; `null` takes it out of any.
    scheme: MaybeUndefined<String>,
    /// The global id of the broader topic it now sits under (not itself or one of its narrower
    /// topics); `null` makes it top-level.
    parent: MaybeUndefined<ID>,
}

#[derive(Default)]
pub struct TopicMutation;

#[Object]
impl TopicMutation {
    /// Creates a topic (editor, admin).
    async fn create_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new topic.")] input: CreateTopicInput,
    ) -> GqlResult<Topic> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            slug: Some(input.slug),
            name: Some(input.name),
            names: names::pairs(input.names),
            scheme: Some(input.scheme),
            parent: Some(input.parent.map(|id| key(&id, Kind::Topic))),
        };
        topic::create(db(ctx)?, author, patch).await.map(Topic).map_err(|error| fail(ctx, error))
    }

    /// Changes a topic (editor, admin). With `expectedVersion`, refused (CONFLICT) if the topic
    /// has changed since that version.
    async fn update_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateTopicInput,
    ) -> GqlResult<Topic> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Topic)?;
        let patch = Patch {
            slug: input.slug,
            name: input.name,
            names: names::pairs(input.names),
            scheme: patch(input.scheme, |value| value),
            parent: patch(input.parent, |id| key(&id, Kind::Topic)),
        };
        topic::update(db(ctx)?, author, id, expected_version, patch).await.map(Topic).map_err(|error| fail(ctx, error))
    }

    /// Deletes a topic (admin); releases filed under it lose it. Returns the topic as it was.
    async fn delete_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Topic> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Topic)?;
        topic::delete(db(ctx)?, author, id, expected_version).await.map(Topic).map_err(|error| fail(ctx, error))
    }
}
