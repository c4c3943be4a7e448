//! Contact mutations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{contact::Contact, db, node::Kind},
    service::contact::write::{self, Patch},
};

/// A new media contact.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// A natural key for imports (slug syntax, unique), e.g. `maria-isabel-moncayo`.
    key: Option<String>,
    name: String,
    job_title: Option<String>,
    organisation: Option<ID>,
    /// The office the contact speaks for, e.g. "IOM Ecuador".
    office: Option<String>,
    email: Option<String>,
    /// Kept exactly as published, e.g. "+593 2-22-53-948/49/50".
    phones: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2.
    country: Option<String>,
    /// Non-public contacts are never shown to anonymous readers. Default: true.
    public: Option<bool>,
}

/// Changes to a contact; fields left out stay as they are, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateContactInput {
    key: MaybeUndefined<String>,
    name: Option<String>,
    job_title: MaybeUndefined<String>,
    organisation: MaybeUndefined<ID>,
    office: MaybeUndefined<String>,
    email: MaybeUndefined<String>,
    phones: Option<Vec<String>>,
    country: MaybeUndefined<String>,
    public: Option<bool>,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Creates a contact (editor, admin).
    async fn create_contact(&self, ctx: &Context<'_>, input: CreateContactInput) -> GqlResult<Contact> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            key: Some(input.key),
            name: Some(input.name),
            job_title: Some(input.job_title),
            organisation: Some(input.organisation.map(|id| key(&id, Kind::Organisation))),
            office: Some(input.office),
            email: Some(input.email),
            phones: input.phones,
            country: Some(input.country),
            public: input.public,
        };
        write::create(db(ctx)?, author, patch).await.map(Contact::from).map_err(|error| fail(ctx, error))
    }

    /// Changes a contact (editor, admin). With `expectedVersion`, refused (CONFLICT) if it has
    /// changed since that version.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateContactInput,
    ) -> GqlResult<Contact> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Contact)?;
        let patch = Patch {
            key: patch(input.key, |value| value),
            name: input.name,
            job_title: patch(input.job_title, |value| value),
            organisation: patch(input.organisation, |id| key(&id, Kind::Organisation)),
            office: patch(input.office, |value| value),
            email: patch(input.email, |value| value),
            phones: input.phones,
            country: patch(input.country, |value| value),
            public: input.public,
        };
        write::update(db(ctx)?, author, id, expected_version, patch)
            .await
            .map(Contact::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a contact (admin); releases that listed it lose it.
    async fn delete_contact(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> GqlResult<Contact> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Contact)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Contact::from).map_err(|error| fail(ctx, error))
    }
}
