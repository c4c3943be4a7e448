//! Organisation mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        db,
        node::Kind,
        organisation::{Organisation, OrganisationKind},
    },
    service::organisation::write::{self, Patch},
};

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// URL slug: lower-case letters, digits and hyphens; unique.
    slug: String,
    name: String,
    acronym: Option<String>,
    kind: OrganisationKind,
    /// ISO 3166-1 alpha-2; none for international bodies.
    country: Option<String>,
    /// The organisation this one is a department of.
    parent: Option<ID>,
    /// An absolute http(s) URL.
    website: Option<String>,
    description: Option<String>,
}

/// Changes to an organisation; fields left out stay as they are, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    slug: Option<String>,
    name: Option<String>,
    acronym: MaybeUndefined<String>,
    kind: Option<OrganisationKind>,
    country: MaybeUndefined<String>,
    parent: MaybeUndefined<ID>,
    website: MaybeUndefined<String>,
    description: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation (editor, admin).
    async fn create_organisation(&self, ctx: &Context<'_>, input: CreateOrganisationInput) -> GqlResult<Organisation> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            slug: Some(input.slug),
            name: Some(input.name),
            acronym: Some(input.acronym),
            kind: Some(input.kind.into()),
            country: Some(input.country),
            parent: Some(input.parent.map(|id| key(&id, Kind::Organisation))),
            website: Some(input.website),
            description: Some(input.description),
        };
        write::create(db(ctx)?, author, patch).await.map(Organisation).map_err(|error| fail(ctx, error))
    }

    /// Changes an organisation (editor, admin). With `expectedVersion`, refused (CONFLICT) if it
    /// has changed since that version.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateOrganisationInput,
    ) -> GqlResult<Organisation> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Organisation)?;
        let patch = Patch {
            slug: input.slug,
            name: input.name,
            acronym: patch(input.acronym, |value| value),
            kind: input.kind.map(Into::into),
            country: patch(input.country, |value| value),
            parent: patch(input.parent, |id| key(&id, Kind::Organisation)),
            website: patch(input.website, |value| value),
            description: patch(input.description, |value| value),
        };
        write::update(db(ctx)?, author, id, expected_version, patch)
            .await
            .map(Organisation)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes an organisation (admin). Refused (CONFLICT) while it heads or sits on a commission.
    async fn delete_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> GqlResult<Organisation> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Organisation)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Organisation).map_err(|error| fail(ctx, error))
    }
}
