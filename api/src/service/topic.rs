//! Topics.

use entity::topic;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::{NameOrder, Page};
use crate::error::ApiError;

/// Which topics a list returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub name_contains: Option<String>,
}

/// The topic `public_id`.
pub async fn get(db: &impl ConnectionTrait, public_id: Uuid) -> Result<topic::Model, ApiError> {
    super::one(db, topic::Entity::find().filter(topic::Column::PublicId.eq(public_id)), "Topic", public_id).await
}

/// The topic with `slug`.
pub async fn get_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<topic::Model, ApiError> {
    super::one(db, topic::Entity::find().filter(topic::Column::Slug.eq(slug)), "Topic", slug).await
}

/// One page of the topics matching `filter`, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    order: NameOrder,
    page: Page,
) -> Result<Vec<topic::Model>, ApiError> {
    let columns = [topic::Column::Name, topic::Column::CreatedAt, topic::Column::UpdatedAt, topic::Column::Id];
    let select = super::sorted(filtered(filter), order, columns);
    super::page(db, select, page).await
}

/// How many topics match `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(filter)).await
}

fn filtered(filter: &Filter) -> Select<topic::Entity> {
    let mut condition = Condition::all();
    if let Some(needle) = &filter.name_contains {
        condition = condition.add(super::contains(topic::Column::Name, needle));
    }
    topic::Entity::find().filter(condition)
}
