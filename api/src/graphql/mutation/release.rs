//! Release mutations: content and relations, the publishing workflow, and restoring a revision.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{author, fail, id_of, key, patch};
use crate::{
    auth::policy::Operation,
    error::GqlResult,
    graphql::{
        db,
        node::Kind,
        release::{Release, ReleaseOrganisationRole},
    },
    service::{
        release::{
            revision,
            workflow::{self, Action},
            write::{self, Patch},
        },
        write::Key,
    },
};

/// An organisation a release names, and why.
#[derive(InputObject)]
pub struct ReleaseOrganisationInput {
    organisation: ID,
    role: ReleaseOrganisationRole,
}

/// A new release; it starts as a DRAFT.
#[derive(InputObject)]
pub struct CreateReleaseInput {
    /// BCP 47 language tag, e.g. `en`, `es`, `pt-BR`.
    language: String,
    /// URL slug, unique per language: lower-case letters, digits and hyphens.
    slug: String,
    title: String,
    summary: Option<String>,
    /// Markdown.
    body: Option<String>,
    dateline_city: Option<String>,
    /// ISO 3166-1 alpha-2.
    dateline_country: Option<String>,
    /// A release this one translates: both end up in one translation group.
    translation_of: Option<ID>,
    topics: Option<Vec<ID>>,
    commissions: Option<Vec<ID>>,
    organisations: Option<Vec<ReleaseOrganisationInput>>,
    /// Media contacts, in the order they appear.
    contacts: Option<Vec<ID>>,
}

/// Changes to a release; fields left out stay as they are, `null` clears an optional one, and a
/// list, when given, replaces the whole relation.
#[derive(InputObject)]
pub struct UpdateReleaseInput {
    language: Option<String>,
    slug: Option<String>,
    title: Option<String>,
    summary: MaybeUndefined<String>,
    body: Option<String>,
    dateline_city: MaybeUndefined<String>,
    dateline_country: MaybeUndefined<String>,
    /// Join this release's translation group; `null` leaves the group.
    translation_of: MaybeUndefined<ID>,
    topics: Option<Vec<ID>>,
    commissions: Option<Vec<ID>>,
    organisations: Option<Vec<ReleaseOrganisationInput>>,
    contacts: Option<Vec<ID>>,
}

fn keys(ids: Option<Vec<ID>>, kind: Kind) -> Option<Vec<Key>> {
    ids.map(|ids| ids.iter().map(|id| key(id, kind)).collect())
}

fn organisations(
    input: Option<Vec<ReleaseOrganisationInput>>,
) -> Option<Vec<(Key, entity::release_organisation::Role)>> {
    input.map(|list| list.into_iter().map(|o| (key(&o.organisation, Kind::Organisation), o.role.into())).collect())
}

#[derive(Default)]
pub struct ReleaseMutation;

impl ReleaseMutation {
    async fn step(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        action: Action,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Workflow)?;
        let id: Uuid = id_of("id", &id, Kind::Release)?;
        workflow::step(db(ctx)?, author, id, expected_version, action)
            .await
            .map(Release::from)
            .map_err(|error| fail(ctx, error))
    }
}

#[Object]
impl ReleaseMutation {
    /// Creates a release as a DRAFT (editor, admin).
    async fn create_release(&self, ctx: &Context<'_>, input: CreateReleaseInput) -> GqlResult<Release> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            language: Some(input.language),
            slug: Some(input.slug),
            title: Some(input.title),
            summary: Some(input.summary),
            body: input.body,
            dateline_city: Some(input.dateline_city),
            dateline_country: Some(input.dateline_country),
            translation_of: input.translation_of.map(|id| Some(key(&id, Kind::Release))),
            topics: keys(input.topics, Kind::Topic),
            commissions: keys(input.commissions, Kind::Commission),
            organisations: organisations(input.organisations),
            contacts: keys(input.contacts, Kind::Contact),
        };
        write::create(db(ctx)?, author, patch).await.map(Release::from).map_err(|error| fail(ctx, error))
    }

    /// Changes a release's content and relations (editor, admin); its status is the workflow's.
    /// With `expectedVersion`, refused (CONFLICT) if it has changed since that version.
    async fn update_release(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        input: UpdateReleaseInput,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Release)?;
        let patch = Patch {
            language: input.language,
            slug: input.slug,
            title: input.title,
            summary: patch(input.summary, |value| value),
            body: input.body,
            dateline_city: patch(input.dateline_city, |value| value),
            dateline_country: patch(input.dateline_country, |value| value),
            translation_of: patch(input.translation_of, |id| key(&id, Kind::Release)),
            topics: keys(input.topics, Kind::Topic),
            commissions: keys(input.commissions, Kind::Commission),
            organisations: organisations(input.organisations),
            contacts: keys(input.contacts, Kind::Contact),
        };
        write::update(db(ctx)?, author, id, expected_version, patch, "update")
            .await
            .map(Release::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a release with its revisions (admin). Returns the release as it was.
    async fn delete_release(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> GqlResult<Release> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Release)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Release::from).map_err(|error| fail(ctx, error))
    }

    /// Publishes now (editor, admin). `publishedAt` is set at the first publication only.
    async fn publish_release(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Publish).await
    }

    /// Schedules publication at `at`, a future instant (editor, admin). The release becomes
    /// public at that instant with no job to run.
    async fn schedule_release(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: DateTime<Utc>,
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Schedule(at)).await
    }

    /// Takes a published or scheduled release back to DRAFT (editor, admin).
    async fn unpublish_release(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Unpublish).await
    }

    /// Archives a release: no longer public, kept (editor, admin).
    async fn archive_release(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Archive).await
    }

    /// Makes a release's content and relations what they were at revision `version` (editor,
    /// admin). The restore is itself a new revision; status and publication stay as they are.
    async fn restore_release_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Revisions)?;
        let id = id_of("id", &id, Kind::Release)?;
        revision::restore(db(ctx)?, author, id, version, expected_version)
            .await
            .map(Release::from)
            .map_err(|error| fail(ctx, error))
    }
}
