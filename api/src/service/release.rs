//! Releases: lookups, filtered lists, and the batched relation loads the API's loaders use.

use chrono::{DateTime, Utc};
use entity::{
    commission, contact, organisation, release, release_commission, release_contact, release_organisation,
    release_topic, topic,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Iterable, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::{Direction, Page, Ref};
use crate::{auth::Access, error::ApiError};

/// Which releases a list returns. Every field narrows; `None` means "any".
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub language: Option<String>,
    /// Dateline country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    pub topic: Option<Ref>,
    pub commission: Option<Ref>,
    pub organisation: Option<Ref>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub title_contains: Option<String>,
    /// Among the states the caller may see, only these (empty: all of them).
    pub status: Vec<release::Status>,
}

/// What a list is sorted by; ties are broken by the internal key in the same direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderField {
    #[default]
    PublishedAt,
    Title,
    CreatedAt,
    UpdatedAt,
}

/// Sort order of a release list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Order {
    pub field: OrderField,
    pub direction: Direction,
}

/// Which columns to read: bodies are the bulk of a row, so lists read them only when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Columns {
    All,
    WithoutBody,
}

/// The release `public_id`, if `access` may see it.
pub async fn get(db: &impl ConnectionTrait, access: &Access, public_id: Uuid) -> Result<release::Model, ApiError> {
    let select =
        release::Entity::find().filter(release::Column::PublicId.eq(public_id)).filter(access.release_condition());
    super::one(db, select, "Release", public_id).await
}

/// The release in `language` with `slug`, if `access` may see it.
pub async fn get_by_slug(
    db: &impl ConnectionTrait,
    access: &Access,
    language: &str,
    slug: &str,
) -> Result<release::Model, ApiError> {
    let select = release::Entity::find()
        .filter(release::Column::Language.eq(language))
        .filter(release::Column::Slug.eq(slug))
        .filter(access.release_condition());
    super::one(db, select, "Release", format!("{language}/{slug}")).await
}

/// One page of the releases `access` may see that match `filter`, in `order`.
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
    order: Order,
    page: Page,
    columns: Columns,
) -> Result<Vec<release::Model>, ApiError> {
    let mut select = filtered(access, filter);
    if columns == Columns::WithoutBody {
        // An empty literal keeps the row shape (and `release::Model`) while the body stays on disk.
        select = select
            .select_only()
            .columns(release::Column::iter().filter(|column| !matches!(column, release::Column::Body)))
            .column_as(Expr::cust("''"), "body");
    }
    let column = match order.field {
        OrderField::PublishedAt => release::Column::PublishedAt,
        OrderField::Title => release::Column::Title,
        OrderField::CreatedAt => release::Column::CreatedAt,
        OrderField::UpdatedAt => release::Column::UpdatedAt,
    };
    let direction = sea_orm::Order::from(order.direction);
    let select = select.order_by(column, direction.clone()).order_by(release::Column::Id, direction);
    super::page(db, select, page).await
}

/// How many releases `list` would return without paging.
pub async fn count(db: &impl ConnectionTrait, access: &Access, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(access, filter)).await
}

fn filtered(access: &Access, filter: &Filter) -> Select<release::Entity> {
    let mut condition = Condition::all().add(access.release_condition());
    if let Some(language) = &filter.language {
        condition = condition.add(release::Column::Language.eq(language.as_str()));
    }
    if let Some(country) = &filter.country {
        condition = condition.add(release::Column::DatelineCountry.eq(country.as_str()));
    }
    if let Some(after) = filter.published_after {
        condition = condition.add(release::Column::PublishedAt.gte(after));
    }
    if let Some(before) = filter.published_before {
        condition = condition.add(release::Column::PublishedAt.lt(before));
    }
    if let Some(needle) = &filter.title_contains {
        condition = condition.add(super::contains(release::Column::Title, needle));
    }
    if !filter.status.is_empty() {
        condition = condition.add(release::Column::Status.is_in(filter.status.iter().copied()));
    }
    if let Some(topic) = &filter.topic {
        let ids = related_release_ids(
            topic,
            release_topic::Entity,
            release_topic::Column::ReleaseId,
            release_topic::Column::TopicId,
            topic::Entity,
            topic::Column::Id,
            topic::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    if let Some(commission) = &filter.commission {
        let ids = related_release_ids(
            commission,
            release_commission::Entity,
            release_commission::Column::ReleaseId,
            release_commission::Column::CommissionId,
            commission::Entity,
            commission::Column::Id,
            commission::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    if let Some(organisation) = &filter.organisation {
        let ids = related_release_ids(
            organisation,
            release_organisation::Entity,
            release_organisation::Column::ReleaseId,
            release_organisation::Column::OrganisationId,
            organisation::Entity,
            organisation::Column::Id,
            organisation::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    release::Entity::find().filter(condition)
}

/// `SELECT release_id FROM <junction> [JOIN <target>] WHERE <target key> = ?`: the releases
/// related to one record, by internal key (no join needed) or by slug.
fn related_release_ids<J, T>(
    target: &Ref,
    junction: J,
    release_id: J::Column,
    target_id: J::Column,
    target_table: T,
    target_pk: T::Column,
    target_slug: T::Column,
) -> SelectStatement
where
    J: EntityTrait,
    T: EntityTrait,
{
    let mut query = Query::select();
    query.column(release_id).from(junction);
    match target {
        Ref::Id(id) => {
            query.and_where(Expr::col(target_id).eq(*id));
        }
        Ref::Slug(slug) => {
            query
                .inner_join(target_table, Expr::col((target_table, target_pk)).equals((junction, target_id)))
                .and_where(Expr::col((target_table, target_slug)).eq(slug.as_str()));
        }
    }
    query.to_owned()
}

/// The topics of each release in `release_ids`, as (release id, topic) pairs in key order.
pub async fn topics_of(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<Vec<(i32, topic::Model)>, ApiError> {
    let rows = release_topic::Entity::find()
        .find_also_related(topic::Entity)
        .filter(super::any_of(db, release_topic::Column::ReleaseId, release_ids))
        .order_by_asc(release_topic::Column::ReleaseId)
        .order_by_asc(release_topic::Column::TopicId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, topic)| Some((link.release_id, topic?))).collect())
}

/// The commissions each release in `release_ids` speaks about, each with its head organisation
/// (joined: one statement instead of a second level), in key order.
pub async fn commissions_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, commission::Model, Option<organisation::Model>)>, ApiError> {
    let rows = release_commission::Entity::find()
        .find_also_related(commission::Entity)
        .and_also_related(organisation::Entity)
        .filter(super::any_of(db, release_commission::Column::ReleaseId, release_ids))
        .order_by_asc(release_commission::Column::ReleaseId)
        .order_by_asc(release_commission::Column::CommissionId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, commission, head)| Some((link.release_id, commission?, head))).collect())
}

/// The organisations each release in `release_ids` names, with their role, in key order.
pub async fn organisations_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, release_organisation::Role, organisation::Model)>, ApiError> {
    let rows = release_organisation::Entity::find()
        .find_also_related(organisation::Entity)
        .filter(super::any_of(db, release_organisation::Column::ReleaseId, release_ids))
        .order_by_asc(release_organisation::Column::ReleaseId)
        .order_by_asc(release_organisation::Column::OrganisationId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, organisation)| Some((link.release_id, link.role, organisation?))).collect())
}

/// The media contacts of each release in `release_ids`, each with its organisation (joined), in
/// their published order. Visibility is the caller's to apply.
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, contact::Model, Option<organisation::Model>)>, ApiError> {
    let rows = release_contact::Entity::find()
        .find_also_related(contact::Entity)
        .and_also_related(organisation::Entity)
        .filter(super::any_of(db, release_contact::Column::ReleaseId, release_ids))
        .order_by_asc(release_contact::Column::ReleaseId)
        .order_by_asc(release_contact::Column::Position)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, contact, employer)| Some((link.release_id, contact?, employer))).collect())
}

/// Every release in each translation group of `groups`; visibility is the caller's to apply.
pub async fn in_translation_groups(
    db: &impl ConnectionTrait,
    groups: &[Uuid],
) -> Result<Vec<release::Model>, ApiError> {
    Ok(release::Entity::find()
        .filter(release::Column::TranslationGroup.is_in(groups.iter().copied()))
        .order_by_asc(release::Column::Language)
        .all(db)
        .await?)
}
