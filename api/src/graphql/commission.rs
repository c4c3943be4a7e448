//! Commissions and their members: types, filter, root fields.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, ResultExt, connection::Connection};
use chrono::{DateTime, Utc};
use entity::{commission, commission_member, organisation};

use super::{
    loader::{CommissionById, MembersOfCommission, OrganisationById, via},
    node::{self, Kind, found},
    organisation::Organisation,
    page::{NameOrder, OffsetCursor, PageArgs, TotalCount, counter, paged},
    release::{ReleaseConnection, ReleaseFilter, ReleaseOrder},
    scalar::Date,
};
use crate::{
    error::{ApiError, GqlResult},
    service::release::Parent,
    service::{self, Ref},
    validate,
};

/// Whether a commission still sits.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "commission::Status")]
pub enum CommissionStatus {
    /// Sitting.
    Active,
    /// Wound up.
    Dissolved,
}

/// The part a member plays on a commission.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "commission_member::Role")]
pub enum MemberRole {
    /// Chairs (heads) the commission.
    Chair,
    /// Full member.
    Member,
    /// Attends without a vote.
    Observer,
    /// Gives technical advice.
    TechnicalAdvisor,
}

/// An inter-institutional commission, with its head organisation when the statement that found it
/// joined it, and its members when the list it came from preloaded them (`None`: not loaded, ask
/// the loader).
pub struct Commission(
    pub commission::Model,
    pub Option<Option<organisation::Model>>,
    pub Option<Vec<(commission_member::Model, organisation::Model)>>,
);

impl From<commission::Model> for Commission {
    fn from(row: commission::Model) -> Self {
        Self(row, None, None)
    }
}

/// A page of commissions.
pub type CommissionConnection = Connection<OffsetCursor, Commission, TotalCount>;

/// An inter-institutional commission: a standing body of organisations with a mandate, e.g. a
/// national commission against human trafficking. Visible to every caller.
#[Object(cache_control(max_age = 300))]
impl Commission {
    /// Global id.
    pub async fn id(&self) -> ID {
        node::global_id(Kind::Commission, self.0.public_id)
    }
    /// URL slug.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Official name; with `language`, its name in that language if it has one.
    async fn name(
        &self,
        #[graphql(desc = "A BCP 47 language tag, e.g. `fr`: the name in that language (or in its primary \
                          language, `fr` for `fr-CA`) when the commission has one, else the official name.")]
        language: Option<String>,
    ) -> &str {
        super::names::in_language(&self.0.names, &self.0.name, language.as_deref())
    }
    /// Its names in other languages than the official name's, by language.
    async fn names(&self) -> Vec<super::names::LocalizedName> {
        super::names::list(&self.0.names)
    }
    /// What it was created to do; `null` if unknown.
    async fn mandate(&self) -> Option<&str> {
        Some(self.0.mandate.as_str()).filter(|mandate| !mandate.is_empty())
    }
    /// ISO 3166-1 alpha-2 country; none for international bodies.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    /// The day it was established; `null` if unknown.
    async fn established_on(&self) -> Option<Date> {
        self.0.established_on.map(Date)
    }
    /// The instrument that created it, e.g. "Executive Decree 1981"; `null` if unknown.
    async fn legal_basis(&self) -> Option<&str> {
        self.0.legal_basis.as_deref()
    }
    /// Whether it still sits.
    async fn status(&self) -> CommissionStatus {
        self.0.status.into()
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
        super::feed::links(ctx, &format!("/feeds/commissions/{}", self.0.slug), "")
    }
    /// The organisation that heads it; `null` if none is named.
    async fn head_organisation(&self, ctx: &Context<'_>) -> GqlResult<Option<Organisation>> {
        if let Some(head) = &self.1 {
            return Ok(head.clone().map(Organisation));
        }
        let Some(id) = self.0.head_organisation_id else { return Ok(None) };
        Ok(super::loader(ctx)?.load(OrganisationById::<{ via::HEAD }>(id)).await.extend()?.map(Organisation))
    }
    /// Its members, with their roles and terms.
    async fn members(&self, ctx: &Context<'_>) -> GqlResult<Vec<CommissionMember>> {
        let members = match &self.2 {
            Some(members) => members.clone(),
            None => super::loader(ctx)?.load(MembersOfCommission(self.0.id)).await.extend()?.unwrap_or_default(),
        };
        Ok(members.into_iter().map(|(seat, member)| CommissionMember(seat, member)).collect())
    }
    /// Releases that speak about it, newest first unless `orderBy` says otherwise.
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
        super::release::nested_connection(ctx, Parent::Commission, self.0.id, args, filter, order_by).await
    }
}

/// An organisation's seat on a commission, with that organisation (every statement that finds a
/// seat also has its organisation).
pub struct CommissionMember(pub commission_member::Model, pub organisation::Model);

/// An organisation's seat on a commission: its role and its term.
#[Object(cache_control(max_age = 300))]
impl CommissionMember {
    /// Its part on the commission.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }
    /// First day of the term; `null` if unknown.
    async fn since(&self) -> Option<Date> {
        self.0.since.map(Date)
    }
    /// Last day of the term; `null` while it still sits.
    async fn until(&self) -> Option<Date> {
        self.0.until.map(Date)
    }
    /// The member organisation.
    async fn organisation(&self) -> Organisation {
        Organisation(self.1.clone())
    }
    /// The commission the seat is on.
    async fn commission(&self, ctx: &Context<'_>) -> GqlResult<Commission> {
        let id = self.0.commission_id;
        let commission = super::loader(ctx)?.load(CommissionById(id)).await.extend()?;
        commission
            .map(Commission::from)
            .ok_or_else(|| ApiError::NotFound { entity: "Commission", key: id.to_string() })
            .extend()
    }
}

/// Narrows a commission list.
#[derive(InputObject, Default)]
pub struct CommissionFilter {
    /// ISO 3166-1 alpha-2 country (any case), e.g. `EC`.
    country: Option<String>,
    /// Sitting or wound up.
    status: Option<CommissionStatus>,
    /// Slug of an organisation that heads it or sits on it.
    organisation: Option<String>,
    /// Case-insensitive substring of the name.
    name_contains: Option<String>,
}

impl CommissionFilter {
    fn into_service(self) -> Result<service::commission::Filter, ApiError> {
        Ok(service::commission::Filter {
            country: self.country.map(|c| validate::country("filter.country", &c)).transpose()?,
            status: self.status.map(Into::into),
            organisation: self.organisation.map(Ref::Slug),
            name_contains: self.name_contains,
        })
    }
}

/// Commission root fields.
#[derive(Default)]
pub struct CommissionQuery;

#[Object]
impl CommissionQuery {
    /// The commission with `slug`; `null` if there is none.
    async fn commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's URL slug.")] slug: String,
    ) -> GqlResult<Option<Commission>> {
        let commission = service::commission::get_by_slug(super::db(ctx)?, &slug).await;
        Ok(found(commission).extend()?.map(Commission::from))
    }

    /// Commissions, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many commissions from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: commissions written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many commissions from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the commissions that match; all of them when left out.")] filter: Option<
            CommissionFilter,
        >,
        #[graphql(desc = "The sort order; by name, A to Z, when left out.")] order_by: Option<NameOrder>,
    ) -> GqlResult<CommissionConnection> {
        let order = NameOrder::or_default(order_by);
        let filter = Arc::new(filter.unwrap_or_default().into_service().extend()?);
        let db = super::db(ctx)?.clone();
        let count = counter(&db, &filter, |db, filter| async move { service::commission::count(&db, &filter).await });
        let fetch = |page| async move { service::commission::list(&db, &filter, order, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, Commission::from).await
    }
}
