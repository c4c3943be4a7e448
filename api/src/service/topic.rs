//! Topics: lookups, lists and writes.

use chrono::Utc;
use entity::topic;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    NameOrder, Page,
    write::{self, Author, Key, Target, required},
};
use crate::{
    error::{ApiError, FieldErrors},
    validate,
};

/// Which topics a list returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub name_contains: Option<String>,
    /// Topics of this vocabulary.
    pub scheme: Option<String>,
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
    if let Some(scheme) = &filter.scheme {
        condition = condition.add(topic::Column::Scheme.eq(scheme.as_str()));
    }
    topic::Entity::find().filter(condition)
}

/// A topic's fields as a write gives them; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// Names in other languages, replacing the current ones.
    pub names: Option<Vec<(String, String)>>,
    /// The vocabulary; `Some(None)` takes it out of any.
    pub scheme: Option<Option<String>>,
    /// The broader topic; `Some(None)` makes it top-level.
    pub parent: Option<Option<Key>>,
}

/// Where topic references point.
pub const TARGET: Target<topic::Entity> = Target {
    entity: "Topic",
    id: topic::Column::Id,
    public_id: topic::Column::PublicId,
    slug: Some(topic::Column::Slug),
};

/// The topic with internal key `id`, if any.
pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> Result<Option<topic::Model>, ApiError> {
    Ok(topic::Entity::find_by_id(id).one(db).await?)
}

/// The topics with internal keys `ids`.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<topic::Model>, ApiError> {
    Ok(topic::Entity::find().filter(super::any_of(db, topic::Column::Id, ids)).all(db).await?)
}

/// The narrower topics of each of `ids`, by name: one statement for them all.
pub async fn children_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<topic::Model>, ApiError> {
    Ok(topic::Entity::find()
        .filter(super::any_of(db, topic::Column::ParentId, ids))
        .order_by_asc(topic::Column::Name)
        .order_by_asc(topic::Column::Id)
        .all(db)
        .await?)
}

/// Whether `topic` is `ancestor` or lies beneath it.
async fn descends_from(db: &impl ConnectionTrait, mut topic: i32, ancestor: i32) -> Result<bool, ApiError> {
    for _ in 0..64 {
        if topic == ancestor {
            return Ok(true);
        }
        match by_id(db, topic).await?.and_then(|t| t.parent_id) {
            Some(parent) => topic = parent,
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// The columns `patch` sets, as they are stored: the one place a topic's fields become a row,
/// for the mutations and the import alike. `rules` has checked them; its parent is resolved (one
/// by one, or a file's at a time) and set by the caller.
pub(crate) fn columns(patch: &Patch) -> topic::ActiveModel {
    let mut row = topic::ActiveModel { ..Default::default() };
    if let Some(slug) = &patch.slug {
        row.slug = Set(slug.clone());
    }
    if let Some(name) = &patch.name {
        row.name = Set(name.clone());
    }
    if let Some(names) = &patch.names {
        // Checked by `rules`; here only their stored form is wanted.
        row.names = Set(write::names(&mut FieldErrors::default(), "names", names.clone()));
    }
    if let Some(scheme) = &patch.scheme {
        row.scheme = Set(scheme.clone());
    }
    row
}

/// The checked changes of `patch`, its parent resolved (and refused if it would put the topic
/// inside itself).
async fn changes(
    txn: &DatabaseTransaction,
    patch: &Patch,
    current: Option<i32>,
) -> Result<topic::ActiveModel, ApiError> {
    let mut errors = FieldErrors::default();
    rules(patch, current.is_none(), &mut errors);
    let mut row = columns(patch);
    if let Some(parent) = &patch.parent {
        let parent_id = match parent {
            Some(key) => write::resolve(txn, &TARGET, &[("parent".into(), key)], &mut errors).await?[0],
            None => None,
        };
        if let (Some(parent_id), Some(current)) = (parent_id, current)
            && descends_from(txn, parent_id, current).await?
        {
            errors.add("parent", "a topic cannot sit under itself or one of its own narrower topics");
        }
        row.parent_id = Set(parent_id);
    }
    errors.finish()?;
    Ok(row)
}

/// What the audit log records of a topic.
pub fn snapshot(topic: &topic::Model) -> Value {
    json!({
        "id": topic.public_id,
        "slug": topic.slug,
        "name": topic.name,
        "names": topic.names,
        "scheme": topic.scheme,
        "parent": topic.parent_id,
        "version": topic.version,
    })
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
    if let Some(Some(scheme)) = &patch.scheme {
        errors.check("scheme", validate::scheme(scheme));
    }
    if let Some(names) = &patch.names {
        write::names(errors, "names", names.clone());
    }
}

/// Creates a topic.
pub async fn create(db: &DatabaseConnection, author: Author<'_>, patch: Patch) -> Result<topic::Model, ApiError> {
    let txn = write::begin(db).await?;
    let now = Utc::now();
    let mut row = changes(&txn, &patch, None).await?;
    write::stamp_new(&mut row, Uuid::now_v7(), now);
    let created = row.insert(&txn).await?;
    write::audit(&txn, author, "Topic", created.public_id, "create", None, Some(&snapshot(&created))).await?;
    write::commit(txn, author, &write::touched("Topic", created.public_id)).await?;
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
    let txn = write::begin(db).await?;
    let before =
        write::locked(&txn, topic::Entity::find().filter(topic::Column::PublicId.eq(public_id)), "Topic", public_id)
            .await?;
    write::check_version("Topic", before.version, expected)?;
    let changes = changes(&txn, &patch, Some(before.id)).await?;
    write::update_versioned(&txn, changes, COLUMNS, before.id, before.version, "Topic").await?;
    let after = get(&txn, public_id).await?;
    if (&after.name, &after.names) != (&before.name, &before.names) {
        use entity::release_topic::Column as RT;
        super::search::index_naming(&txn, RT::ReleaseId, RT::TopicId, &[before.id]).await?;
    }
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

    async fn before_delete(&self, txn: &sea_orm::DatabaseTransaction) -> Result<(), ApiError> {
        // The column has no foreign key (see the migration): narrower topics become top-level.
        let orphans = topic::ActiveModel { parent_id: Set(None), ..Default::default() };
        topic::Entity::update_many().set(orphans).filter(topic::Column::ParentId.eq(self.id)).exec(txn).await?;
        use entity::release_topic::Column as RT;
        super::search::unlink(txn, RT::ReleaseId, RT::TopicId, self.id).await
    }
}

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [topic::Column; 3] = [topic::Column::Id, topic::Column::Version, topic::Column::UpdatedAt];
