//! Releases: the type, its relations, its filter and order inputs, and the root fields.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, ResultExt, SimpleObject, connection::Connection,
};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{release, release_organisation};

use super::{
    commission::Commission,
    contact::Contact,
    loader::{CommissionsOfRelease, ContactsOfRelease, OrganisationsOfRelease, TopicsOfRelease, TranslationGroup},
    node::{self, Kind, found},
    organisation::Organisation,
    page::{OffsetCursor, OrderDirection, PageArgs, TotalCount, counter, paged},
    topic::Topic,
};
use crate::{
    error::{ApiError, GqlResult},
    markdown, service,
    service::release::{Columns, Filter, Order, OrderField},
    validate,
};

/// A page of releases.
pub type ReleaseConnection = Connection<OffsetCursor, Release, TotalCount>;

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
    /// Withdrawn from the public lists.
    Archived,
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
}

/// A press release in one language.
pub struct Release(pub release::Model);

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

#[Object]
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
    /// Body as Markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Body rendered to HTML and sanitised: safe to insert into a page.
    async fn body_html(&self) -> String {
        markdown::to_safe_html(&self.0.body)
    }
    /// Where it was written.
    async fn dateline(&self) -> Option<Dateline> {
        let release = &self.0;
        (release.dateline_city.is_some() || release.dateline_country.is_some())
            .then(|| Dateline { city: release.dateline_city.clone(), country: release.dateline_country.clone() })
    }
    /// Workflow state.
    async fn status(&self) -> ReleaseStatus {
        self.0.status.into()
    }
    /// First publication (UTC); for a scheduled release, when it goes public.
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
    /// Topics it is filed under.
    async fn topics(&self, ctx: &Context<'_>) -> GqlResult<Vec<Topic>> {
        let topics = super::loader(ctx)?.load(TopicsOfRelease(self.0.id)).await.extend()?;
        Ok(topics.unwrap_or_default().into_iter().map(Topic).collect())
    }
    /// Commissions it speaks about.
    async fn commissions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Commission>> {
        let commissions = super::loader(ctx)?.load(CommissionsOfRelease(self.0.id)).await.extend()?;
        Ok(commissions.unwrap_or_default().into_iter().map(|(row, head)| Commission(row, Some(head))).collect())
    }
    /// Organisations it names, with their role.
    async fn organisations(&self, ctx: &Context<'_>) -> GqlResult<Vec<ReleaseOrganisation>> {
        let named = super::loader(ctx)?.load(OrganisationsOfRelease(self.0.id)).await.extend()?;
        Ok(named
            .unwrap_or_default()
            .into_iter()
            .map(|(role, organisation)| ReleaseOrganisation { role: role.into(), organisation })
            .collect())
    }
    /// Media contacts, in the order the release lists them.
    async fn contacts(&self, ctx: &Context<'_>) -> GqlResult<Vec<Contact>> {
        let access = super::access(ctx)?;
        let contacts = super::loader(ctx)?.load(ContactsOfRelease(self.0.id)).await.extend()?;
        Ok(contacts
            .unwrap_or_default()
            .into_iter()
            .filter(|(contact, _)| access.sees_contact(contact))
            .map(|(contact, employer)| Contact(contact, Some(employer)))
            .collect())
    }
    /// The same release in other languages.
    async fn translations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Release>> {
        let Some(group) = self.0.translation_group else { return Ok(Vec::new()) };
        let access = super::access(ctx)?;
        let releases = super::loader(ctx)?.load(TranslationGroup(group)).await.extend()?;
        Ok(releases
            .unwrap_or_default()
            .into_iter()
            .filter(|release| release.id != self.0.id && access.sees_release(release))
            .map(Release)
            .collect())
    }
}

/// Narrows a release list; every field given must match.
#[derive(InputObject, Default)]
pub struct ReleaseFilter {
    /// BCP 47 language tag.
    language: Option<String>,
    /// Dateline country, ISO 3166-1 alpha-2.
    country: Option<String>,
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
    /// Only these states (among those the caller may see).
    status: Option<Vec<ReleaseStatus>>,
}

impl ReleaseFilter {
    pub(crate) fn into_service(self) -> Result<Filter, ApiError> {
        Ok(Filter {
            language: self.language.map(|l| validate::language("filter.language", &l)).transpose()?,
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            topic: self.topic.map(service::Ref::Slug),
            commission: self.commission.map(service::Ref::Slug),
            organisation: self.organisation.map(service::Ref::Slug),
            published_after: self.published_after,
            published_before: self.published_before,
            title_contains: self.title_contains,
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
    let filter = Arc::new(filter);
    let columns = if wants_body(ctx) { Columns::All } else { Columns::WithoutBody };
    let order = order.unwrap_or_default().into();
    let count =
        counter(&db, &filter, move |db, filter| async move { service::release::count(&db, &access, &filter).await });
    let fetch = |page| async move { service::release::list(&db, &access, &filter, order, page, columns).await };
    paged(ctx, &args, count, fetch, Release).await
}

/// Release root fields.
#[derive(Default)]
pub struct ReleaseQuery;

#[Object]
impl ReleaseQuery {
    /// The release in `language` with `slug`; `null` if there is none the caller may see.
    async fn release(&self, ctx: &Context<'_>, language: String, slug: String) -> GqlResult<Option<Release>> {
        let language = validate::language("language", &language).extend()?;
        let release = service::release::get_by_slug(super::db(ctx)?, super::access(ctx)?, &language, &slug).await;
        Ok(found(release).extend()?.map(Release))
    }

    /// Releases the caller may see, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn releases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ReleaseFilter>,
        order_by: Option<ReleaseOrder>,
    ) -> GqlResult<ReleaseConnection> {
        let filter = filter.unwrap_or_default().into_service().extend()?;
        connection(ctx, PageArgs { first, after, last, before }, filter, order_by).await
    }
}
