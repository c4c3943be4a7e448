//! Releases: the type, its relations, its filter and order inputs, and the root fields.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, ResultExt, SimpleObject};
use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};

use entity::{release, release_organisation};

use super::{
    commission::Commission,
    contact::Contact,
    loader::{
        CommissionsOfRelease, ContactsOfRelease, CountriesOfRelease, OrganisationsOfRelease, ReleaseCountUnder,
        ReleasePage, ReleasesUnder, TopicsOfRelease, TranslationGroup,
    },
    node::{self, Kind, found},
    organisation::Organisation,
    page::{OrderDirection, PageArgs, TotalCount, counter, paged},
    preload::{Preloaded, Reference, Wants, preload},
    revision::{ReleaseRevision, ReleaseRevisionConnection},
    search::{ReleaseHit, from_offsets, highlights, ranked, wants_highlights},
    topic::Topic,
};
use crate::{
    auth::{Caller, policy::Operation},
    body,
    error::{ApiError, GqlResult},
    service,
    service::release::{Columns, Filter, Order, OrderField, Parent, RankedRead},
    validate,
};

pub use super::search::ReleaseConnection;

/// Where a release stands in the publishing workflow.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "release::Status")]
pub enum ReleaseStatus {
    /// Being written; never public.
    Draft,
    /// Public from `publishedAt` on.
    Scheduled,
    /// Public.
    Published,
    /// Withdrawn: no longer public, but kept.
    Archived,
}

/// What a release's body is written in.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "release::BodyFormat")]
pub enum BodyFormat {
    /// CommonMark, with tables.
    Markdown,
    /// HTML, as archives and other systems hold it: kept as given, sanitised on output.
    Html,
}

/// Why a release names an organisation.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "release_organisation::Role")]
pub enum ReleaseOrganisationRole {
    /// Named in the text.
    Mentioned,
    /// Worked with the press office on what the release announces.
    Partner,
    /// Paid for it.
    Funder,
    /// Named as a member of a commission or network.
    Member,
    /// Published it: feeds name it as the author.
    Issuer,
}

/// A press release in one language, with the relations its list preloaded (if any).
pub struct Release(pub release::Model, pub Option<Arc<Preloaded>>);

impl From<release::Model> for Release {
    fn from(row: release::Model) -> Self {
        Self(row, None)
    }
}

impl Release {
    /// This release's rows of a preloaded relation, if its list preloaded that relation.
    fn preloaded<T: Clone>(&self, relation: impl Fn(&Preloaded) -> Option<&HashMap<i32, Vec<T>>>) -> Option<Vec<T>> {
        let rows = relation(self.1.as_deref()?)?;
        Some(rows.get(&self.0.id).cloned().unwrap_or_default())
    }
}

/// A file a release links to: a PDF, an image, a recording.
#[derive(SimpleObject)]
pub struct Attachment {
    /// Where the file is: an absolute http(s) URL.
    url: String,
    /// Its media type, e.g. `application/pdf`; `null` if not given.
    media_type: Option<String>,
    /// What it is, e.g. "Full report (PDF, 2 MB)"; `null` if not given.
    title: Option<String>,
    /// Its size in bytes; `null` if not given.
    length: Option<i64>,
    /// BCP 47 tag of its language; `null` if not given.
    language: Option<String>,
}

impl From<release::Attachment> for Attachment {
    fn from(attachment: release::Attachment) -> Self {
        let release::Attachment { url, media_type, title, length, language } = attachment;
        Self { url, media_type, title, length, language }
    }
}

/// Where a release was written.
#[derive(SimpleObject)]
pub struct Dateline {
    /// City, e.g. "Quito".
    city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. "EC".
    country: Option<String>,
}

/// An organisation named by a release, and why.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ReleaseOrganisation {
    /// Why the release names it.
    role: ReleaseOrganisationRole,
    #[graphql(skip)]
    organisation: entity::organisation::Model,
}

#[ComplexObject]
impl ReleaseOrganisation {
    /// The organisation.
    async fn organisation(&self) -> Organisation {
        Organisation(self.organisation.clone())
    }
}

/// A press release in one language. Anonymous callers see PUBLISHED releases, and SCHEDULED ones
/// once their `publishedAt` has passed; readers, editors and admins see every state.
#[Object(cache_control(max_age = 60))]
impl Release {
    /// Global id.
    pub async fn id(&self) -> ID {
        node::global_id(Kind::Release, self.0.public_id)
    }
    /// BCP 47 language tag, e.g. "en", "es", "pt-BR".
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// URL slug, unique within the language.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Standfirst: one or two sentences.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// Body as written, in `bodyFormat`.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// What `body` is written in.
    async fn body_format(&self) -> BodyFormat {
        self.0.body_format.into()
    }
    /// Body as HTML (Markdown rendered, HTML as given), sanitised: safe to insert into a page.
    /// Lists, tables, headings, links and images by URL stay; scripts, event handlers and `data:`
    /// URLs do not.
    async fn body_html(&self) -> String {
        body::to_safe_html(&self.0.body, self.0.body_format)
    }
    /// Body as plain text, without markup: a line per paragraph, heading or list item. For
    /// excerpts and search.
    async fn body_text(&self) -> String {
        body::to_text(&self.0.body, self.0.body_format)
    }
    /// Where it lives on the publisher's own site; `null` if not given (feeds then link to the
    /// public-URL template).
    async fn canonical_url(&self) -> Option<&str> {
        self.0.canonical_url.as_deref()
    }
    /// The publisher's own time of its last revision; `null` if not given. Feeds' updated dates
    /// use it.
    async fn revised_at(&self) -> Option<DateTime<Utc>> {
        self.0.revised_at
    }
    /// The countries it is about (its subject, as opposed to the dateline, where it was issued):
    /// ISO 3166-1 alpha-2 codes, or `XK` for Kosovo, in code order.
    async fn countries(&self, ctx: &Context<'_>) -> GqlResult<Vec<String>> {
        Ok(super::loader(ctx)?.load(CountriesOfRelease(self.0.id)).await.extend()?.unwrap_or_default())
    }
    /// Files it links to, in order.
    async fn attachments(&self) -> Vec<Attachment> {
        self.0.attachments.clone().unwrap_or_default().0.into_iter().map(Attachment::from).collect()
    }
    /// Where it was written; `null` when neither the city nor the country is known.
    async fn dateline(&self) -> Option<Dateline> {
        let release = &self.0;
        (release.dateline_city.is_some() || release.dateline_country.is_some())
            .then(|| Dateline { city: release.dateline_city.clone(), country: release.dateline_country.clone() })
    }
    /// Workflow state.
    async fn status(&self) -> ReleaseStatus {
        self.0.status.into()
    }
    /// First publication (UTC); for a scheduled release, when it goes public; `null` for a release
    /// never published or scheduled.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// Creation time (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Bumped by every write: pass it back as `expectedVersion` so that an update made from a
    /// stale copy is refused instead of overwriting someone else's change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Topics it is filed under.
    async fn topics(&self, ctx: &Context<'_>) -> GqlResult<Vec<Topic>> {
        let topics = match self.preloaded(|p| p.topics.as_ref()) {
            Some(topics) => topics,
            None => super::loader(ctx)?.load(TopicsOfRelease(self.0.id)).await.extend()?.unwrap_or_default(),
        };
        Ok(topics.into_iter().map(Topic).collect())
    }
    /// Commissions it speaks about.
    async fn commissions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Commission>> {
        let commissions = match self.preloaded(|p| p.commissions.as_ref()) {
            Some(commissions) => commissions,
            None => super::loader(ctx)?.load(CommissionsOfRelease(self.0.id)).await.extend()?.unwrap_or_default(),
        };
        let members = self.1.as_deref().and_then(|p| p.members.as_ref());
        Ok(commissions
            .into_iter()
            .map(|(row, head)| {
                let seats = members.map(|members| members.get(&row.id).cloned().unwrap_or_default());
                Commission(row, Some(head), seats)
            })
            .collect())
    }
    /// Organisations it names, with their role.
    async fn organisations(&self, ctx: &Context<'_>) -> GqlResult<Vec<ReleaseOrganisation>> {
        let named = match self.preloaded(|p| p.organisations.as_ref()) {
            Some(named) => named,
            None => super::loader(ctx)?.load(OrganisationsOfRelease(self.0.id)).await.extend()?.unwrap_or_default(),
        };
        Ok(named
            .into_iter()
            .map(|(role, organisation)| ReleaseOrganisation { role: role.into(), organisation })
            .collect())
    }
    /// Media contacts, in the order the release lists them; non-public contacts appear only to
    /// readers, editors and admins.
    async fn contacts(&self, ctx: &Context<'_>) -> GqlResult<Vec<Contact>> {
        let access = super::access(ctx)?;
        let contacts = match self.preloaded(|p| p.contacts.as_ref()) {
            Some(contacts) => contacts,
            None => super::loader(ctx)?.load(ContactsOfRelease(self.0.id)).await.extend()?.unwrap_or_default(),
        };
        Ok(contacts
            .into_iter()
            .filter(|(contact, _)| access.sees_contact(contact))
            .map(|(contact, employer)| Contact(contact, Some(employer)))
            .collect())
    }
    /// Every version this release has had, newest first (editor, admin; others get FORBIDDEN).
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many revisions from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: revisions written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many revisions from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
    ) -> GqlResult<ReleaseRevisionConnection> {
        use async_graphql::ErrorExtensions;
        ctx.data::<Caller>()?.require(Operation::Revisions).map_err(|error| error.extend())?;
        let (release_id, db) = (self.0.id, super::db(ctx)?.clone());
        let count = {
            let db = db.clone();
            move || {
                let db = db.clone();
                async move { service::release::revision::count(&db, release_id).await }
            }
        };
        let fetch = |page| async move { service::release::revision::list(&db, release_id, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, ReleaseRevision).await
    }
    /// The same release in other languages (its translation group, this one left out), by
    /// language tag; only those the caller may see.
    async fn translations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Release>> {
        let Some(group) = self.0.translation_group else { return Ok(Vec::new()) };
        let access = super::access(ctx)?;
        let releases = super::loader(ctx)?.load(TranslationGroup(group)).await.extend()?;
        Ok(releases
            .unwrap_or_default()
            .into_iter()
            .filter(|release| release.id != self.0.id && access.sees_release(release))
            .map(Release::from)
            .collect())
    }
    // Content model v2 (names-ids).
    /// Its identifiers in other systems (e.g. a press-release number), by scheme then value.
    async fn external_ids(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::names::ExternalId>> {
        let key = super::loader::ExternalIdsOf(service::external_id::RELEASE, self.0.id);
        let ids = super::loader(ctx)?.load(key).await.extend()?;
        Ok(ids.unwrap_or_default().into_iter().map(Into::into).collect())
    }
}

/// Narrows a release list; every field given must match.
#[derive(InputObject, Default)]
pub struct ReleaseFilter {
    /// BCP 47 language tag, e.g. `es`; a malformed tag is refused with BAD_USER_INPUT.
    language: Option<String>,
    /// A country the release is about (its subject, not its dateline): ISO 3166-1 alpha-2 (any
    /// case) or `XK`, e.g. `EC`.
    country: Option<String>,
    /// Where it was issued: the dateline's country, ISO 3166-1 alpha-2 (any case) or `XK`.
    dateline_country: Option<String>,
    /// Topic slug.
    topic: Option<String>,
    /// Commission slug.
    commission: Option<String>,
    /// Organisation slug.
    organisation: Option<String>,
    /// Published at or after this instant.
    published_after: Option<DateTime<Utc>>,
    /// Published before this instant.
    published_before: Option<DateTime<Utc>>,
    /// Case-insensitive substring of the title.
    title_contains: Option<String>,
    /// Full-text search over titles, summaries, bodies and the names of the release's topics and
    /// organisations: words (all must match), `"exact phrases"`, `-excluded`, `a OR b`,
    /// `prefix*`; case- and accent-insensitive, stemmed in the release's language. Never an error
    /// (malformed syntax reads as words); empty, or only exclusions, is no filter. At most 500
    /// characters.
    search: Option<String>,
    /// The language whose analysis (stemming) `search` gets, as a BCP 47 tag: defaults to
    /// `language`, and without either the search is analysed in English, French, Spanish, Russian
    /// and Arabic at once.
    search_language: Option<String>,
    /// Only these states (among those the caller may see); every state when empty or left out.
    status: Option<Vec<ReleaseStatus>>,
}

impl ReleaseFilter {
    pub(crate) fn into_service(self) -> Result<Filter, ApiError> {
        Ok(Filter {
            language: self.language.map(|l| validate::language("filter.language", &l)).transpose()?,
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            dateline_country: self
                .dateline_country
                .map(|c| validate::country("filter.datelineCountry", &c))
                .transpose()?,
            topic: self.topic.map(service::Ref::Slug),
            commission: self.commission.map(service::Ref::Slug),
            organisation: self.organisation.map(service::Ref::Slug),
            published_after: self.published_after,
            published_before: self.published_before,
            title_contains: self.title_contains,
            search: match self.search {
                Some(search) if search.chars().count() > crate::search::MAX_CHARS => {
                    return Err(ApiError::bad_input(
                        "filter.search",
                        format!("a search holds at most {} characters", crate::search::MAX_CHARS),
                    ));
                }
                search => search.filter(|search| !search.trim().is_empty()),
            },
            search_language: self
                .search_language
                .map(|l| validate::language("filter.searchLanguage", &l))
                .transpose()?,
            status: self.status.unwrap_or_default().into_iter().map(Into::into).collect(),
        })
    }
}

/// What a release list is sorted by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "OrderField")]
pub enum ReleaseOrderField {
    /// Publication time.
    #[default]
    PublishedAt,
    /// Title, alphabetically.
    Title,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// How well a release matches the filter's `search` (the clauses found in its title count
    /// most, then in its topics' and organisations' names, then in its summary), then newest
    /// first. Cursors of this order stay exact whatever is written between two pages. Root
    /// `releases` list only; without a search, newest first.
    Relevance,
}

/// Sort order of a release list (default: newest publication first).
#[derive(InputObject, Clone, Copy, Default)]
pub struct ReleaseOrder {
    /// Sort key.
    #[graphql(default)]
    field: ReleaseOrderField,
    /// Direction.
    #[graphql(default)]
    direction: OrderDirection,
}

impl From<ReleaseOrder> for Order {
    fn from(order: ReleaseOrder) -> Self {
        Order { field: order.field.into(), direction: order.direction.into() }
    }
}

/// Whether the current connection field selects release bodies.
fn wants_body(ctx: &Context<'_>) -> bool {
    let look_ahead = ctx.look_ahead();
    let node = look_ahead.field("edges").field("node");
    let nodes = look_ahead.field("nodes");
    ["body", "bodyHtml"].iter().any(|field| node.field(field).exists() || nodes.field(field).exists())
}

/// One page of releases matching `filter`: the root list and every `releases` relation use it.
pub async fn connection(
    ctx: &Context<'_>,
    args: PageArgs,
    filter: Filter,
    order: Option<ReleaseOrder>,
) -> GqlResult<ReleaseConnection> {
    let db = super::db(ctx)?.clone();
    let access = *super::access(ctx)?;
    let search = filter.search_query().filter(|_| wants_highlights(ctx));
    let filter = Arc::new(filter);
    // A snippet may come from the body.
    let columns = if wants_body(ctx) || search.is_some() { Columns::All } else { Columns::WithoutBody };
    let order: Order = order.unwrap_or_default().into();
    // Some lists count as they read their page (`list_counted`); the count below answers from
    // that unless it runs first (`last` without `before`) or the page came back empty.
    let counted_with_page = ctx.look_ahead().field("totalCount").exists() && filter.counts_with_its_page();
    let known: Arc<std::sync::OnceLock<u64>> = Arc::default();
    let count = {
        let known = known.clone();
        counter(&db, &filter, move |db, filter| {
            let known = known.get().copied();
            async move {
                match known {
                    Some(total) => Ok(total),
                    None => service::release::count(&db, &access, &filter).await,
                }
            }
        })
    };
    let wants = Wants::of(ctx);
    let reference = ctx.data::<Reference>()?;
    let hit = |release: &release::Model| ReleaseHit::from(search.as_ref().map(|query| highlights(query, release)));
    if order.field == OrderField::Relevance {
        let total = ctx.look_ahead().field("totalCount").exists();
        let fetch = |seek, limit| async move {
            let read = RankedRead { limit, columns, total };
            let (rows, total) =
                service::release::list_ranked(&db, &access, &filter, order.direction, &seek, read).await?;
            let ids: Vec<i32> = rows.iter().map(|(_, row)| row.id).collect();
            let preloaded = Arc::new(preload(&db, reference, &ids, wants).await?);
            let rows = rows
                .into_iter()
                .map(|(key, row)| {
                    let hit = hit(&row);
                    (key, Release(row, Some(preloaded.clone())), hit)
                })
                .collect();
            Ok((rows, total))
        };
        return ranked(ctx, &args, TotalCount::new(count), fetch).await;
    }
    let fetch = |page| async move {
        let rows = if counted_with_page {
            let (rows, total) = service::release::list_counted(&db, &access, &filter, order, page, columns).await?;
            if let Some(total) = total {
                known.get_or_init(|| total);
            }
            rows
        } else {
            service::release::list(&db, &access, &filter, order, page, columns).await?
        };
        let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
        let preloaded = Arc::new(preload(&db, reference, &ids, wants).await?);
        Ok(rows.into_iter().map(|row| (row, preloaded.clone())).collect())
    };
    let connection = paged(ctx, &args, count, fetch, |(row, preloaded)| Release(row, Some(preloaded))).await?;
    Ok(from_offsets(connection, |release| hit(&release.0)))
}

/// The `releases` connection of one commission, organisation or topic. Batched: every parent in a
/// list asks for the same page, and one statement (numbering each parent's releases with a window
/// function) answers them all; `totalCount` is batched the same way.
pub async fn nested_connection(
    ctx: &Context<'_>,
    parent: Parent,
    id: i32,
    args: PageArgs,
    filter: Filter,
    order: Option<ReleaseOrder>,
) -> GqlResult<ReleaseConnection> {
    let loader = super::loader(ctx)?.clone();
    let columns = if wants_body(ctx) { Columns::All } else { Columns::WithoutBody };
    let order: Order = order.unwrap_or_default().into();
    if order.field == OrderField::Relevance {
        let message = "RELEVANCE orders the root `releases` list: filter it by topic, commission or organisation";
        return Err(async_graphql::ErrorExtensions::extend(&ApiError::bad_input("orderBy.field", message)));
    }
    let filter = Arc::new(filter);
    let count = {
        let (loader, filter) = (loader.clone(), filter.clone());
        move || {
            let key = ReleaseCountUnder { parent, id, filter: filter.clone() };
            let loader = loader.clone();
            async move { Ok(loader.load(key).await?.unwrap_or(0)) }
        }
    };
    let fetch = |page| async move {
        let page = Arc::new(ReleasePage { filter: (*filter).clone(), order, page, columns });
        Ok(loader.load(ReleasesUnder { parent, id, page }).await?.unwrap_or_default())
    };
    Ok(from_offsets(paged(ctx, &args, count, fetch, Release::from).await?, |_| ReleaseHit::default()))
}

/// Release root fields.
#[derive(Default)]
pub struct ReleaseQuery;

#[Object]
impl ReleaseQuery {
    /// The release in `language` with `slug`, or the one holding `externalId` (give one or the
    /// other); `null` if there is none the caller may see.
    async fn release(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "BCP 47 language tag, e.g. `en` or `pt-BR`; a malformed tag is refused with \
                          BAD_USER_INPUT.")]
        language: Option<String>,
        #[graphql(desc = "The release's URL slug, unique within its language.")] slug: Option<String>,
        #[graphql(desc = "One of the release's identifiers in another system, e.g. a press-release number.")]
        external_id: Option<super::names::ExternalIdInput>,
    ) -> GqlResult<Option<Release>> {
        let (db, access) = (super::db(ctx)?, super::access(ctx)?);
        let release = match (language, slug, external_id) {
            (Some(language), Some(slug), None) => {
                let language = validate::language("language", &language).extend()?;
                service::release::get_by_slug(db, access, &language, &slug).await
            }
            (None, None, Some(id)) => service::external_id::release(db, access, &id.into()).await,
            _ => Err(ApiError::bad_input("externalId", "give either `language` and `slug`, or `externalId`")),
        };
        let Some(release) = found(release).extend()? else { return Ok(None) };
        // A release page names the same topics, commissions and organisations as the lists do:
        // through the reference cache, its relations cost one statement instead of one each.
        let preloaded = preload(db, ctx.data::<Reference>()?, &[release.id], Wants::of_release(ctx)).await.extend()?;
        Ok(Some(Release(release, Some(Arc::new(preloaded)))))
    }

    /// Releases the caller may see, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn releases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many releases from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: releases written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many releases from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the releases that match; every release the caller may see when left out.")]
        filter: Option<ReleaseFilter>,
        #[graphql(desc = "The sort order; newest publication first when left out.")] order_by: Option<ReleaseOrder>,
    ) -> GqlResult<ReleaseConnection> {
        let filter = filter.unwrap_or_default().into_service().extend()?;
        connection(ctx, PageArgs { first, after, last, before }, filter, order_by).await
    }
}
