//! What feeds read: one page of the releases a caller may see, newest first, with their topics
//! and visible contacts; and the two marks that tell a feed cache whether it is still right.

use chrono::{DateTime, Utc};
use entity::{contact, organisation, release, topic, write_mark};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func},
};

use super::release::{self as releases, Filter};
use crate::{auth::Access, error::ApiError};

/// Where a page starts: just after the release published at `published_at` with key `id`.
/// Keyset rather than offset, so that a page a partner backfills from does not shift when a new
/// release is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: i32,
}

/// A release with what a feed entry shows of its relations.
#[derive(Clone, Debug)]
pub struct Item {
    pub release: release::Model,
    pub topics: Vec<topic::Model>,
    /// Only those the caller may see.
    pub contacts: Vec<contact::Model>,
    /// The organisation named as its issuer (role `issuer`), if any.
    pub issuer: Option<organisation::Model>,
}

/// One page of a feed, and where the next one starts.
#[derive(Clone, Debug)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// Up to `limit` releases matching `filter` that `access` may see, newest publication first,
/// starting after `after`. Three statements whatever the page size.
pub async fn page(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
    limit: u64,
    after: Option<Cursor>,
) -> Result<Page, ApiError> {
    let mut select = releases::filtered(db.get_database_backend(), access, filter)
        .filter(release::Column::PublishedAt.is_not_null());
    if let Some(cursor) = after {
        select = select.filter(
            Condition::any().add(release::Column::PublishedAt.lt(cursor.published_at)).add(
                Condition::all()
                    .add(release::Column::PublishedAt.eq(cursor.published_at))
                    .add(release::Column::Id.lt(cursor.id)),
            ),
        );
    }
    let mut rows = select
        .order_by_desc(release::Column::PublishedAt)
        .order_by_desc(release::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = match (more, rows.last()) {
        (true, Some(last)) => last.published_at.map(|published_at| Cursor { published_at, id: last.id }),
        _ => None,
    };
    let ids: Vec<i32> = rows.iter().map(|release| release.id).collect();
    let (topics, contacts, issuers) = if ids.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        tokio::try_join!(
            releases::topics_of(db, &ids),
            releases::contacts_of(db, &ids),
            releases::issuers_of(db, &ids)
        )?
    };
    let items = rows
        .into_iter()
        .map(|release| Item {
            topics: topics.iter().filter(|(id, _)| *id == release.id).map(|(_, topic)| topic.clone()).collect(),
            contacts: contacts
                .iter()
                .filter(|(id, contact, _)| *id == release.id && access.sees_contact(contact))
                .map(|(_, contact, _)| contact.clone())
                .collect(),
            issuer: issuers.iter().find(|(id, _)| *id == release.id).map(|(_, issuer)| issuer.clone()),
            release,
        })
        .collect();
    Ok(Page { items, next })
}

/// The write mark: every write through newsroom moves it when it commits (see
/// `write::advance_mark`), so when it moves, something changed (on this server or on any other in
/// front of the same database).
pub async fn write_mark(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    let mark: Option<i64> = write_mark::Entity::find()
        .select_only()
        .column(write_mark::Column::Value)
        .filter(write_mark::Column::Id.eq(1))
        .into_tuple()
        .one(db)
        .await?;
    Ok(mark.unwrap_or(0))
}

/// The next instant after `now` at which a scheduled release comes due: the feeds change then
/// with no write at all.
pub async fn next_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let due: Option<Option<DateTime<Utc>>> = release::Entity::find()
        .select_only()
        .expr(Func::min(Expr::col(release::Column::PublishedAt)))
        .filter(release::Column::Status.eq(release::Status::Scheduled))
        .filter(release::Column::PublishedAt.gt(now))
        .into_tuple()
        .one(db)
        .await?;
    Ok(due.flatten())
}
