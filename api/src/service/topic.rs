//! Topics: lookups, lists and writes.

use chrono::Utc;
use entity::topic;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    NameOrder, Page,
    write::{self, Author, required},
};
use crate::{
    error::{ApiError, FieldErrors},
    validate,
};

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

/// A topic's fields as a write gives them; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub slug: Option<String>,
    pub name: Option<String>,
}

/// What the audit log records of a topic.
pub fn snapshot(topic: &topic::Model) -> Value {
    json!({ "id": topic.public_id, "slug": topic.slug, "name": topic.name, "version": topic.version })
}

/// The rules of a topic's fields, for every face that writes one (the mutations and the import).
pub fn rules(patch: &Patch, creating: bool, errors: &mut FieldErrors) {
    required(errors, creating, [("slug", patch.slug.is_some()), ("name", patch.name.is_some())]);
    if let Some(slug) = &patch.slug {
        errors.check("slug", validate::slug(slug));
    }
    if let Some(name) = &patch.name {
        errors.check("name", validate::text(name, 200));
    }
}

fn validate(patch: &Patch, creating: bool) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    rules(patch, creating, &mut errors);
    errors.finish()
}

/// Creates a topic.
pub async fn create(db: &DatabaseConnection, author: Author<'_>, patch: Patch) -> Result<topic::Model, ApiError> {
    validate(&patch, true)?;
    let txn = write::begin(db).await?;
    let now = Utc::now();
    let mut row = topic::ActiveModel {
        slug: Set(patch.slug.unwrap_or_default()),
        name: Set(patch.name.unwrap_or_default()),
        ..Default::default()
    };
    write::stamp_new(&mut row, Uuid::now_v7(), now);
    let created = row.insert(&txn).await?;
    write::audit(&txn, author, "Topic", created.public_id, "create", None, Some(&snapshot(&created))).await?;
    write::commit(txn, author).await?;
    Ok(created)
}

/// Changes the fields `patch` gives, if the topic is still at `expected` (when given).
pub async fn update(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    patch: Patch,
) -> Result<topic::Model, ApiError> {
    validate(&patch, false)?;
    let txn = write::begin(db).await?;
    let before =
        write::locked(&txn, topic::Entity::find().filter(topic::Column::PublicId.eq(public_id)), "Topic", public_id)
            .await?;
    write::check_version("Topic", before.version, expected)?;
    let mut changes = topic::ActiveModel { ..Default::default() };
    if let Some(slug) = patch.slug {
        changes.slug = Set(slug);
    }
    if let Some(name) = patch.name {
        changes.name = Set(name);
    }
    write::update_versioned(&txn, changes, COLUMNS, before.id, before.version, "Topic").await?;
    let after = get(&txn, public_id).await?;
    let kept = write::commit_update(txn, author, ("Topic", public_id), "update", &snapshot(&before), &snapshot(&after))
        .await?;
    Ok(if kept { after } else { before })
}

/// Deletes a topic (releases filed under it simply lose it).
pub async fn delete(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<topic::Model, ApiError> {
    write::delete::<topic::Model>(db, author, public_id, expected).await
}

#[async_trait::async_trait]
impl write::Editable for topic::Model {
    type Entity = topic::Entity;
    const NAME: &'static str = "Topic";

    fn find(public_id: Uuid) -> sea_orm::Select<Self::Entity> {
        topic::Entity::find().filter(topic::Column::PublicId.eq(public_id))
    }

    fn key(&self) -> i32 {
        self.id
    }

    fn version(&self) -> i32 {
        self.version
    }

    async fn snapshot(&self, _: &sea_orm::DatabaseTransaction) -> Result<Value, ApiError> {
        Ok(snapshot(self))
    }
}

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [topic::Column; 3] = [topic::Column::Id, topic::Column::Version, topic::Column::UpdatedAt];
