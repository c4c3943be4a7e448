//! Topics: type, root fields.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, ResultExt, connection::Connection};
use chrono::{DateTime, Utc};
use entity::topic;

use super::{
    node::{self, Kind, found},
    page::{NameOrder, OffsetCursor, PageArgs, TotalCount, counter, paged},
    release::{ReleaseConnection, ReleaseFilter, ReleaseOrder},
};
use crate::{error::GqlResult, service, service::release::Parent};

/// A topic releases are filed under, e.g. "Counter-trafficking".
pub struct Topic(pub topic::Model);

/// A page of topics.
pub type TopicConnection = Connection<OffsetCursor, Topic, TotalCount>;

/// A topic releases are filed under, e.g. "Counter-trafficking". Visible to every caller.
#[Object(cache_control(max_age = 300))]
impl Topic {
    /// Global id.
    pub async fn id(&self) -> ID {
        node::global_id(Kind::Topic, self.0.public_id)
    }
    /// URL slug.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name; with `language`, its name in that language if it has one.
    async fn name(
        &self,
        #[graphql(desc = "A BCP 47 language tag, e.g. `fr`: the name in that language (or in its primary \
                          language, `fr` for `fr-CA`) when the topic has one, else the display name.")]
        language: Option<String>,
    ) -> &str {
        super::names::in_language(&self.0.names, &self.0.name, language.as_deref())
    }
    /// Its names in other languages than the display name's, by language.
    async fn names(&self) -> Vec<super::names::LocalizedName> {
        super::names::list(&self.0.names)
    }
    /// The vocabulary it belongs to, e.g. `theme`, `disaster_type` or `format`; `null` if none.
    async fn scheme(&self) -> Option<&str> {
        self.0.scheme.as_deref()
    }
    /// The broader topic it sits under; `null` for a top-level topic.
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<Topic>> {
        let Some(id) = self.0.parent_id else { return Ok(None) };
        Ok(super::loader(ctx)?.load(super::loader::TopicById(id)).await.extend()?.map(Topic))
    }
    /// Its narrower topics (one level down), by name.
    async fn children(&self, ctx: &Context<'_>) -> GqlResult<Vec<Topic>> {
        let children = super::loader(ctx)?.load(super::loader::ChildrenOfTopic(self.0.id)).await.extend()?;
        Ok(children.unwrap_or_default().into_iter().map(Topic).collect())
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
        super::feed::links(ctx, &format!("/feeds/topics/{}", self.0.slug), "")
    }
    /// Releases filed under it, newest first unless `orderBy` says otherwise.
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
        super::release::nested_connection(ctx, Parent::Topic, self.0.id, args, filter, order_by).await
    }
}

/// Narrows a topic list.
#[derive(InputObject, Default)]
pub struct TopicFilter {
    /// Case-insensitive substring of the name.
    name_contains: Option<String>,
    /// Topics of this vocabulary, e.g. `theme`.
    scheme: Option<String>,
}

/// Topic root fields.
#[derive(Default)]
pub struct TopicQuery;

#[Object]
impl TopicQuery {
    /// The topic with `slug`; `null` if there is none.
    async fn topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's URL slug.")] slug: String,
    ) -> GqlResult<Option<Topic>> {
        let topic = service::topic::get_by_slug(super::db(ctx)?, &slug).await;
        Ok(found(topic).extend()?.map(Topic))
    }

    /// Topics, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many topics from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: topics written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many topics from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the topics that match; all of them when left out.")] filter: Option<TopicFilter>,
        #[graphql(desc = "The sort order; by name, A to Z, when left out.")] order_by: Option<NameOrder>,
    ) -> GqlResult<TopicConnection> {
        let order = NameOrder::or_default(order_by);
        let filter = filter.unwrap_or_default();
        let filter = Arc::new(service::topic::Filter { name_contains: filter.name_contains, scheme: filter.scheme });
        let db = super::db(ctx)?.clone();
        let count = counter(&db, &filter, |db, filter| async move { service::topic::count(&db, &filter).await });
        let fetch = |page| async move { service::topic::list(&db, &filter, order, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, Topic).await
    }
}
