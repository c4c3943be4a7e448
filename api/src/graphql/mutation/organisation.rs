//! Organisation mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        db,
        names::{self, ExternalIdInput, LocalizedNameInput},
        node::Kind,
        organisation::{Organisation, OrganisationKind},
    },
    service::organisation::write::{self, Patch},
};

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: String,
    /// Official name: not blank, at most 255 characters.
    name: String,
    /// Acronym, e.g. "IOM": not blank, at most 50 characters.
    acronym: Option<String>,
    /// What kind of body it is.
    kind: OrganisationKind,
    /// ISO 3166-1 alpha-2 (any case); none for international bodies.
    country: Option<String>,
    /// The global id of the organisation this one is a department of.
    parent: Option<ID>,
    /// Its web site: an absolute http(s) URL, at most 2,000 characters.
    website: Option<String>,
    /// A short description, at most 65,535 bytes.
    description: Option<String>,
    /// Its names in other languages, at most one per language.
    names: Option<Vec<LocalizedNameInput>>,
    /// Its identifiers in other systems, each held by no other organisation (CONFLICT otherwise).
    external_ids: Option<Vec<ExternalIdInput>>,
}

/// Changes to an organisation; fields left out stay as they are, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// New URL slug: lower-case letters, digits and single hyphens, at most 200 characters;
    /// unique (a taken one is refused with CONFLICT).
    slug: Option<String>,
    /// New official name: not blank, at most 255 characters.
    name: Option<String>,
    /// New acronym: not blank, at most 50 characters; `null` clears it.
    acronym: MaybeUndefined<String>,
    /// What kind of body it is.
    kind: Option<OrganisationKind>,
    /// New country, ISO 3166-1 alpha-2 (any case); `null` clears it.
    country: MaybeUndefined<String>,
    /// The global id of the organisation it is now a department of (not itself or one of its own
    /// departments); `null` makes it top-level.
    parent: MaybeUndefined<ID>,
    /// New web site, an absolute http(s) URL; `null` clears it.
    website: MaybeUndefined<String>,
    /// New description, at most 65,535 bytes; `null` clears it.
    description: MaybeUndefined<String>,
    /// All its names in other languages, replacing the current ones; `[]` removes them all.
    names: Option<Vec<LocalizedNameInput>>,
    /// All its identifiers in other systems, replacing the current ones; each held by no other
    /// organisation (CONFLICT otherwise).
    external_ids: Option<Vec<ExternalIdInput>>,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation (editor, admin).
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation.")] input: CreateOrganisationInput,
    ) -> GqlResult<Organisation> {
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
            names: names::pairs(input.names),
            external_ids: names::identifiers(input.external_ids),
        };
        write::create(db(ctx)?, author, patch).await.map(Organisation).map_err(|error| fail(ctx, error))
    }

    /// Changes an organisation (editor, admin). With `expectedVersion`, refused (CONFLICT) if it
    /// has changed since that version.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateOrganisationInput,
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
            names: names::pairs(input.names),
            external_ids: names::identifiers(input.external_ids),
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
        #[graphql(desc = "The organisation's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Organisation> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Organisation)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Organisation).map_err(|error| fail(ctx, error))
    }
}
