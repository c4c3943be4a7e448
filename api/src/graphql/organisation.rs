//! Organisations: type, filter, root fields.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, ResultExt, connection::Connection};
use chrono::{DateTime, Utc};
use entity::organisation;

use super::{
    commission::CommissionMember,
    loader::{ChildrenOfOrganisation, MembershipsOfOrganisation, OrganisationById, via},
    node::{self, Kind, found},
    page::{NameOrder, OffsetCursor, PageArgs, TotalCount, counter, paged},
    release::{ReleaseConnection, ReleaseFilter, ReleaseOrder},
};
use crate::{
    error::{ApiError, GqlResult},
    service::release::Parent,
    service::{self, Ref},
    validate,
};

/// What kind of body an organisation is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "organisation::Kind")]
pub enum OrganisationKind {
    /// A ministry, council or other state body.
    Government,
    /// An NGO, foundation or association.
    CivilSociety,
    /// An intergovernmental organisation outside the UN system.
    International,
    /// A UN agency, fund or programme.
    UnAgency,
    /// A development agency or other funder.
    Donor,
    /// A university or research centre.
    Academic,
    /// A company.
    PrivateSector,
    /// Anything else.
    Other,
}

/// An organisation: a ministry, an NGO, a UN agency, or a department of one.
pub struct Organisation(pub organisation::Model);

/// A page of organisations.
pub type OrganisationConnection = Connection<OffsetCursor, Organisation, TotalCount>;

/// An organisation releases name and commissions seat: a ministry, an NGO, a UN agency, or a
/// department of one. Visible to every caller.
#[Object(cache_control(max_age = 300))]
impl Organisation {
    /// Global id.
    pub async fn id(&self) -> ID {
        node::global_id(Kind::Organisation, self.0.public_id)
    }
    /// URL slug.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Official name; with `language`, its name in that language if it has one.
    async fn name(
        &self,
        #[graphql(desc = "A BCP 47 language tag, e.g. `fr`: the name in that language (or in its primary \
                          language, `fr` for `fr-CA`) when the organisation has one, else the official name.")]
        language: Option<String>,
    ) -> &str {
        super::names::in_language(&self.0.names, &self.0.name, language.as_deref())
    }
    /// Its names in other languages than the official name's, by language.
    async fn names(&self) -> Vec<super::names::LocalizedName> {
        super::names::list(&self.0.names)
    }
    /// Its identifiers in other systems (e.g. an IATI organisation code), by scheme then value.
    async fn external_ids(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::names::ExternalId>> {
        let key = super::loader::ExternalIdsOf(service::external_id::ORGANISATION, self.0.id);
        let ids = super::loader(ctx)?.load(key).await.extend()?;
        Ok(ids.unwrap_or_default().into_iter().map(Into::into).collect())
    }
    /// Acronym, e.g. "IOM"; `null` if it has none.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// What kind of body it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// ISO 3166-1 alpha-2 country; none for international bodies.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// Its web site: an absolute http(s) URL; `null` if unknown.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// A short description; `null` if none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
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
    /// Its releases as partner feeds (RSS, Atom, JSON Feed).
    async fn feeds(&self, ctx: &Context<'_>) -> GqlResult<super::feed::FeedLinks> {
        super::feed::links(ctx, &format!("/feeds/organisations/{}", self.0.slug), "")
    }
    /// The organisation it is a department of; `null` for a top-level organisation.
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        let Some(id) = self.0.parent_id else { return Ok(None) };
        Ok(super::loader(ctx)?.load(OrganisationById::<{ via::PARENT }>(id)).await.extend()?.map(Organisation))
    }
    /// Its departments (one level down), by name.
    async fn children(&self, ctx: &Context<'_>) -> GqlResult<Vec<Organisation>> {
        let children = super::loader(ctx)?.load(ChildrenOfOrganisation(self.0.id)).await.extend()?;
        Ok(children.unwrap_or_default().into_iter().map(Organisation).collect())
    }
    /// Its seats on commissions.
    async fn memberships(&self, ctx: &Context<'_>) -> GqlResult<Vec<CommissionMember>> {
        let seats = super::loader(ctx)?.load(MembershipsOfOrganisation(self.0.id)).await.extend()?;
        // The seat's organisation is this one.
        Ok(seats.unwrap_or_default().into_iter().map(|seat| CommissionMember(seat, self.0.clone())).collect())
    }
    /// Releases that name it, newest first unless `orderBy` says otherwise.
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
        let args = PageArgs { first, after, last, before };
        super::release::nested_connection(ctx, Parent::Organisation, self.0.id, args, filter, order_by).await
    }
}

/// Narrows an organisation list.
#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    /// What kind of body.
    kind: Option<OrganisationKind>,
    /// ISO 3166-1 alpha-2 country (any case), e.g. `EC`.
    country: Option<String>,
    /// Slug of the organisation they are departments of (direct departments only).
    parent: Option<String>,
    /// Case-insensitive substring of the name or acronym.
    name_contains: Option<String>,
}

impl OrganisationFilter {
    fn into_service(self) -> Result<service::organisation::Filter, ApiError> {
        Ok(service::organisation::Filter {
            kind: self.kind.map(Into::into),
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            parent: self.parent.map(Ref::Slug),
            name_contains: self.name_contains,
        })
    }
}

/// Organisation root fields.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// The organisation with `slug`, or the one holding `externalId` (give exactly one); `null`
    /// if there is none.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's URL slug.")] slug: Option<String>,
        #[graphql(desc = "One of the organisation's identifiers in another system, e.g. \
                          `{ scheme: \"iati\", value: \"XM-DAC-47066\" }`.")]
        external_id: Option<super::names::ExternalIdInput>,
    ) -> GqlResult<Option<Organisation>> {
        let db = super::db(ctx)?;
        let organisation = match (slug, external_id) {
            (Some(slug), None) => service::organisation::get_by_slug(db, &slug).await,
            (None, Some(id)) => service::organisation::get_by_external_id(db, &id.into()).await,
            _ => Err(ApiError::bad_input("slug", "give either `slug` or `externalId`")),
        };
        Ok(found(organisation).extend()?.map(Organisation))
    }

    /// Organisations, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many organisations from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: organisations written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many organisations from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the organisations that match; all of them when left out.")] filter: Option<
            OrganisationFilter,
        >,
        #[graphql(desc = "The sort order; by name, A to Z, when left out.")] order_by: Option<NameOrder>,
    ) -> GqlResult<OrganisationConnection> {
        let order = NameOrder::or_default(order_by);
        let filter = Arc::new(filter.unwrap_or_default().into_service().extend()?);
        let db = super::db(ctx)?.clone();
        let count = counter(&db, &filter, |db, filter| async move { service::organisation::count(&db, &filter).await });
        let fetch = |page| async move { service::organisation::list(&db, &filter, order, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, Organisation).await
    }
}
