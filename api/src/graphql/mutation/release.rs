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
        names::{self, ExternalIdInput},
        node::Kind,
        release::{BodyFormat, Release, ReleaseOrganisationRole},
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
    /// The organisation's global id.
    organisation: ID,
    /// Why the release names it.
    role: ReleaseOrganisationRole,
}

/// A new release; it starts as a DRAFT.
#[derive(InputObject)]
pub struct CreateReleaseInput {
    /// BCP 47 language tag, e.g. `en`, `es`, `pt-BR`.
    language: String,
    /// URL slug: lower-case letters, digits and single hyphens, at most 200 characters; unique per
    /// language (a taken one is refused with CONFLICT).
    slug: String,
    /// Headline: not blank, at most 500 characters.
    title: String,
    /// Standfirst: one or two sentences, at most 65,535 bytes.
    summary: Option<String>,
    /// The body, in `bodyFormat`, at most 4 MiB (4,194,304 bytes) of UTF-8; empty when left out.
    body: Option<String>,
    /// What `body` is written in; Markdown when left out.
    body_format: Option<BodyFormat>,
    /// City it was written in, e.g. "Quito": not blank, at most 255 characters.
    dateline_city: Option<String>,
    /// Country it was written in: ISO 3166-1 alpha-2 (any case), e.g. `EC`.
    dateline_country: Option<String>,
    /// The global id of a release this one translates: both end up in one translation group.
    translation_of: Option<ID>,
    /// Global ids of the topics it is filed under, each at most once.
    topics: Option<Vec<ID>>,
    /// Global ids of the commissions it speaks about, each at most once.
    commissions: Option<Vec<ID>>,
    /// Organisations it names, each at most once, with their role.
    organisations: Option<Vec<ReleaseOrganisationInput>>,
    /// Global ids of its media contacts, in the order they appear, each at most once.
    contacts: Option<Vec<ID>>,
    /// Where it lives on the publisher's own site: an absolute http(s) URL.
    canonical_url: Option<String>,
    /// The publisher's own time of its last revision.
    revised_at: Option<DateTime<Utc>>,
    /// The countries it is about, each at most once (at most 50): ISO 3166-1 alpha-2 (any case) or
    /// `XK`.
    countries: Option<Vec<String>>,
    /// Files it links to, in order (at most 100).
    attachments: Option<Vec<AttachmentInput>>,
    // Content model v2 (names-ids).
    /// Its identifiers in other systems (e.g. a press-release number), each held by no other
    /// release (CONFLICT otherwise).
    external_ids: Option<Vec<ExternalIdInput>>,
}

/// A file a release links to.
#[derive(InputObject)]
pub struct AttachmentInput {
    /// Where the file is: an absolute http(s) URL, at most 2,000 characters.
    url: String,
    /// Its media type, e.g. `application/pdf`.
    media_type: Option<String>,
    /// What it is: not blank, at most 500 characters.
    title: Option<String>,
    /// Its size in bytes, not negative.
    length: Option<i64>,
    /// BCP 47 tag of its language.
    language: Option<String>,
}

fn attachments(input: Option<Vec<AttachmentInput>>) -> Option<Vec<entity::release::Attachment>> {
    input.map(|attachments| {
        attachments
            .into_iter()
            .map(|AttachmentInput { url, media_type, title, length, language }| entity::release::Attachment {
                url,
                media_type,
                title,
                length,
                language,
            })
            .collect()
    })
}

/// Changes to a release; fields left out stay as they are, `null` clears an optional one, and a
/// list, when given, replaces the whole relation.
#[derive(InputObject)]
pub struct UpdateReleaseInput {
    /// New BCP 47 language tag, e.g. `en`, `es`, `pt-BR`.
    language: Option<String>,
    /// New URL slug: lower-case letters, digits and single hyphens, at most 200 characters; unique
    /// per language (a taken one is refused with CONFLICT).
    slug: Option<String>,
    /// New headline: not blank, at most 500 characters.
    title: Option<String>,
    /// New standfirst, at most 65,535 bytes; `null` clears it.
    summary: MaybeUndefined<String>,
    /// New body, in `bodyFormat`, at most 4 MiB (4,194,304 bytes) of UTF-8.
    body: Option<String>,
    /// What the body is written in; left as it is when left out.
    body_format: Option<BodyFormat>,
    /// New dateline city: not blank, at most 255 characters; `null` clears it.
    dateline_city: MaybeUndefined<String>,
    /// New dateline country, ISO 3166-1 alpha-2 (any case); `null` clears it.
    dateline_country: MaybeUndefined<String>,
    /// The global id of a release whose translation group this one joins; `null` leaves the
    /// group.
    translation_of: MaybeUndefined<ID>,
    /// Global ids of all its topics, replacing the current ones; `[]` removes them all.
    topics: Option<Vec<ID>>,
    /// Global ids of all the commissions it speaks about, replacing the current ones.
    commissions: Option<Vec<ID>>,
    /// All the organisations it names, with their roles, replacing the current ones.
    organisations: Option<Vec<ReleaseOrganisationInput>>,
    /// Global ids of all its media contacts, in order, replacing the current ones.
    contacts: Option<Vec<ID>>,
    /// New canonical URL on the publisher's site; `null` clears it.
    canonical_url: MaybeUndefined<String>,
    /// New publisher's revision time; `null` clears it.
    revised_at: MaybeUndefined<DateTime<Utc>>,
    /// All the countries it is about, replacing the current ones.
    countries: Option<Vec<String>>,
    /// All its attachments, in order, replacing the current ones.
    attachments: Option<Vec<AttachmentInput>>,
    // Content model v2 (names-ids).
    /// All its identifiers in other systems, replacing the current ones; each held by no other
    /// release (CONFLICT otherwise).
    external_ids: Option<Vec<ExternalIdInput>>,
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
    async fn create_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new release.")] input: CreateReleaseInput,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Create)?;
        let patch = Patch {
            language: Some(input.language),
            slug: Some(input.slug),
            title: Some(input.title),
            summary: Some(input.summary),
            body: input.body,
            body_format: input.body_format.map(Into::into),
            dateline_city: Some(input.dateline_city),
            dateline_country: Some(input.dateline_country),
            translation_of: input.translation_of.map(|id| Some(key(&id, Kind::Release))),
            topics: keys(input.topics, Kind::Topic),
            commissions: keys(input.commissions, Kind::Commission),
            organisations: organisations(input.organisations),
            contacts: keys(input.contacts, Kind::Contact),
            canonical_url: Some(input.canonical_url),
            revised_at: Some(input.revised_at),
            countries: input.countries,
            attachments: attachments(input.attachments),
            external_ids: names::identifiers(input.external_ids),
        };
        write::create(db(ctx)?, author, patch).await.map(Release::from).map_err(|error| fail(ctx, error))
    }

    /// Changes a release's content and relations (editor, admin); its status is the workflow's.
    /// With `expectedVersion`, refused (CONFLICT) if it has changed since that version.
    async fn update_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
        #[graphql(desc = "The changes.")] input: UpdateReleaseInput,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Update)?;
        let id = id_of("id", &id, Kind::Release)?;
        let patch = Patch {
            language: input.language,
            slug: input.slug,
            title: input.title,
            summary: patch(input.summary, |value| value),
            body: input.body,
            body_format: input.body_format.map(Into::into),
            dateline_city: patch(input.dateline_city, |value| value),
            dateline_country: patch(input.dateline_country, |value| value),
            translation_of: patch(input.translation_of, |id| key(&id, Kind::Release)),
            topics: keys(input.topics, Kind::Topic),
            commissions: keys(input.commissions, Kind::Commission),
            organisations: organisations(input.organisations),
            contacts: keys(input.contacts, Kind::Contact),
            canonical_url: patch(input.canonical_url, |value| value),
            revised_at: patch(input.revised_at, |value| value),
            countries: input.countries,
            attachments: attachments(input.attachments),
            external_ids: names::identifiers(input.external_ids),
        };
        write::update(db(ctx)?, author, id, expected_version, patch, "update")
            .await
            .map(Release::from)
            .map_err(|error| fail(ctx, error))
    }

    /// Deletes a release with its revisions (admin). Returns the release as it was.
    async fn delete_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        let author = author(ctx, Operation::Delete)?;
        let id = id_of("id", &id, Kind::Release)?;
        write::delete(db(ctx)?, author, id, expected_version).await.map(Release::from).map_err(|error| fail(ctx, error))
    }

    /// Publishes now (editor, admin). `publishedAt` is set at the first publication only.
    async fn publish_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Publish).await
    }

    /// Schedules publication at `at`, a future instant (editor, admin). The release becomes
    /// public at that instant with no job to run.
    async fn schedule_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "When the release goes public (RFC 3339); an instant not in the future is \
                          refused with BAD_USER_INPUT.")]
        at: DateTime<Utc>,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Schedule(at)).await
    }

    /// Takes a published or scheduled release back to DRAFT (editor, admin).
    async fn unpublish_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Unpublish).await
    }

    /// Archives a release: no longer public, kept (editor, admin).
    async fn archive_release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
        expected_version: Option<i32>,
    ) -> GqlResult<Release> {
        self.step(ctx, id, expected_version, Action::Archive).await
    }

    /// Makes a release's content and relations what they were at revision `version` (editor,
    /// admin). The restore is itself a new revision; status and publication stay as they are.
    async fn restore_release_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The release's global id.")] id: ID,
        #[graphql(desc = "The `version` of the revision to restore (see `Release.revisions`); one the \
                          release never had is NOT_FOUND.")]
        version: i32,
        #[graphql(desc = "The `version` the caller last read. When given, the write is refused with CONFLICT \
                          if the record has changed since; when left out, the write applies to the record \
                          as it is.")]
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
