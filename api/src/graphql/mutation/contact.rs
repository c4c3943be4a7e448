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
    /// Full name, or the name of a desk: not blank, at most 255 characters.
    name: String,
    /// Job title: not blank, at most 255 characters.
    job_title: Option<String>,
    /// The global id of the organisation the contact works for.
    organisation: Option<ID>,
    /// The office the contact speaks for, e.g. "IOM Ecuador": not blank, at most 255 characters.
    office: Option<String>,
    /// E-mail address, at most 254 characters.
    email: Option<String>,
    /// Phone numbers kept exactly as published, e.g. "+593 2-22-53-948/49/50": at most 20, each
    /// not blank and at most 100 characters.
    phones: Option<Vec<String>>,
    /// ISO 3166-1 alpha-2 (any case).
    country: Option<String>,
    /// Non-public contacts are never shown to anonymous readers. Default: true.
    public: Option<bool>,
}

/// Changes to a contact; fields left out stay as they are, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// New natural key for imports (slug syntax, unique); `null` clears it.
    key: MaybeUndefined<String>,
    /// New name: not blank, at most 255 characters.
    name: Option<String>,
    /// New job title: not blank, at most 255 characters; `null` clears it.
    job_title: MaybeUndefined<String>,
    /// The global id of the organisation the contact now works for; `null` clears it.
    organisation: MaybeUndefined<ID>,
    /// New office: not blank, at most 255 characters; `null` clears it.
    office: MaybeUndefined<String>,
    /// New e-mail address, at most 254 characters; `null` clears it.
    email: MaybeUndefined<String>,
    /// All its phone numbers, replacing the current ones: at most 20, each at most 100 characters.
    phones: Option<Vec<String>>,
    /// New country, ISO 3166-1 alpha-2 (any case); `null` clears it.
    country: MaybeUndefined<String>,
    /// Whether anonymous readers may see the contact.
    public: Option<bool>,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Creates a contact (editor, admin).
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new contact.")] input: CreateContactInput,
    ) -> GqlResult<Contact> {
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
        #[graphql(desc = "The contact's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateContactInput,
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
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Contact> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Contact)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Contact::from).map_err(|error| fail(ctx, error))
    }
}
