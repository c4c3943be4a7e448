//! Creating, changing and deleting organisations.

use chrono::Utc;
use entity::organisation::{self, Kind};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, FieldErrors},
    service::{
        external_id::{self, ExternalId},
        search,
        write::{self, Author, Key, Target, required},
    },
    validate,
};

/// An organisation's fields as a write gives them: `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub acronym: Option<Option<String>>,
    pub kind: Option<Kind>,
    pub country: Option<Option<String>>,
    pub parent: Option<Option<Key>>,
    pub website: Option<Option<String>>,
    pub description: Option<Option<String>>,
    /// Names in other languages, replacing the current ones.
    pub names: Option<Vec<(String, String)>>,
    /// External identifiers, replacing the current ones.
    pub external_ids: Option<Vec<ExternalId>>,
}

/// Where organisation references point.
pub const TARGET: Target<organisation::Entity> = Target {
    entity: "Organisation",
    id: organisation::Column::Id,
    public_id: organisation::Column::PublicId,
    slug: Some(organisation::Column::Slug),
};

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [organisation::Column; 3] =
    [organisation::Column::Id, organisation::Column::Version, organisation::Column::UpdatedAt];

/// What the audit log records of an organisation (the parent by slug).
pub fn snapshot(organisation: &organisation::Model, parent: Option<&str>) -> Value {
    json!({
        "id": organisation.public_id,
        "slug": organisation.slug,
        "name": organisation.name,
        "acronym": organisation.acronym,
        "kind": organisation.kind,
        "country": organisation.country,
        "parent": parent,
        "website": organisation.website,
        "description": organisation.description,
        "names": organisation.names,
        "version": organisation.version,
    })
}

async fn snapshot_of(txn: &DatabaseTransaction, organisation: &organisation::Model) -> Result<Value, ApiError> {
    let parent = match organisation.parent_id {
        Some(id) => {
            organisation::Entity::find_by_id(id)
                .select_only()
                .column(organisation::Column::Slug)
                .into_tuple::<String>()
                .one(txn)
                .await?
        }
        None => None,
    };
    let mut snapshot = snapshot(organisation, parent.as_deref());
    let ids = external_id::of(txn, external_id::ORGANISATION, &[organisation.id]).await?.remove(&organisation.id);
    let ids: Vec<String> = ids.unwrap_or_default().iter().map(ToString::to_string).collect();
    snapshot["external_ids"] = json!(ids);
    Ok(snapshot)
}

/// The rules of an organisation's own fields, for every face that writes one (the mutations and
/// the import), each reported at its field as GraphQL names it. Its parent is checked where it is
/// resolved (it must exist, and not lie beneath the organisation).
pub fn rules(patch: &Patch, creating: bool, errors: &mut FieldErrors) {
    required(
        errors,
        creating,
        [("slug", patch.slug.is_some()), ("name", patch.name.is_some()), ("kind", patch.kind.is_some())],
    );
    if let Some(slug) = &patch.slug {
        errors.check("slug", validate::slug(slug));
    }
    if let Some(name) = &patch.name {
        errors.check("name", validate::text(name, 255));
    }
    errors.check("acronym", write::check_given(&patch.acronym, &|text| validate::text(text, 50)));
    errors.check("country", write::check_given(&patch.country, &|code| validate::country_code(code).map(drop)));
    errors.check("website", write::check_given(&patch.website, &validate::web_url));
    errors.check("description", write::check_given(&patch.description, &validate::long_text));
    if let Some(names) = &patch.names {
        write::names(errors, "names", names.clone());
    }
    if let Some(ids) = &patch.external_ids {
        external_id::check(errors, "externalIds", ids);
    }
}

/// The columns `patch` sets, as they are stored: the one place an organisation's fields become a
/// row, for the mutations and the import alike. `rules` has checked them; its parent is resolved
/// (one by one, or a file's at a time) and set by the caller.
pub(crate) fn columns(patch: &Patch) -> organisation::ActiveModel {
    let mut row = organisation::ActiveModel { ..Default::default() };
    if let Some(slug) = &patch.slug {
        row.slug = Set(slug.clone());
    }
    if let Some(name) = &patch.name {
        row.name = Set(name.clone());
    }
    row.acronym = write::given(patch.acronym.clone());
    if let Some(kind) = patch.kind {
        row.kind = Set(kind);
    }
    row.country = write::country(patch.country.clone());
    row.website = write::given(patch.website.clone());
    row.description = write::given(patch.description.clone());
    if let Some(names) = &patch.names {
        // Checked by `rules`; here only their stored form is wanted.
        row.names = Set(write::names(&mut FieldErrors::default(), "names", names.clone()));
    }
    row
}

/// The checked changes of `patch`, its parent resolved; every invalid field is reported.
async fn changes(
    txn: &DatabaseTransaction,
    patch: Patch,
    current: Option<&organisation::Model>,
) -> Result<organisation::ActiveModel, ApiError> {
    let mut errors = FieldErrors::default();
    rules(&patch, current.is_none(), &mut errors);
    let mut row = columns(&patch);
    if let Some(parent) = patch.parent {
        let parent_id = match &parent {
            Some(key) => write::resolve(txn, &TARGET, &[("parent".into(), key)], &mut errors).await?[0],
            None => None,
        };
        if let (Some(parent_id), Some(current)) = (parent_id, current)
            && descends_from(txn, parent_id, current.id).await?
        {
            errors.add("parent", "an organisation cannot be inside itself or one of its own departments");
        }
        row.parent_id = Set(parent_id);
    }
    errors.finish()?;
    Ok(row)
}

/// Whether `organisation` is `ancestor` or lies beneath it (one statement per level; parents
/// nest a few levels at most).
async fn descends_from(txn: &DatabaseTransaction, mut organisation: i32, ancestor: i32) -> Result<bool, ApiError> {
    for _ in 0..64 {
        if organisation == ancestor {
            return Ok(true);
        }
        let parent: Option<Option<i32>> = organisation::Entity::find_by_id(organisation)
            .select_only()
            .column(organisation::Column::ParentId)
            .into_tuple()
            .one(txn)
            .await?;
        match parent.flatten() {
            Some(parent) => organisation = parent,
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn find(public_id: Uuid) -> sea_orm::Select<organisation::Entity> {
    organisation::Entity::find().filter(organisation::Column::PublicId.eq(public_id))
}

/// Creates an organisation.
pub async fn create(
    db: &DatabaseConnection,
    author: Author<'_>,
    patch: Patch,
) -> Result<organisation::Model, ApiError> {
    let txn = write::begin(db).await?;
    let external_ids = patch.external_ids.clone();
    let mut row = changes(&txn, patch, None).await?;
    let now = Utc::now();
    write::stamp_new(&mut row, Uuid::now_v7(), now);
    let created = row.insert(&txn).await?;
    if let Some(ids) = &external_ids {
        external_id::replace(&txn, external_id::ORGANISATION, created.id, ids).await?;
    }
    let after = snapshot_of(&txn, &created).await?;
    write::audit(&txn, author, "Organisation", created.public_id, "create", None, Some(&after)).await?;
    write::commit(txn, author, &write::touched("Organisation", created.public_id)).await?;
    Ok(created)
}

/// Changes the fields `patch` gives, if the organisation is still at `expected` (when given).
pub async fn update(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    patch: Patch,
) -> Result<organisation::Model, ApiError> {
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Organisation", public_id).await?;
    write::check_version("Organisation", current.version, expected)?;
    let before = snapshot_of(&txn, &current).await?;
    let external_ids = patch.external_ids.clone();
    let row = changes(&txn, patch, Some(&current)).await?;
    write::update_versioned(&txn, row, COLUMNS, current.id, current.version, "Organisation").await?;
    if let Some(ids) = &external_ids {
        external_id::replace(&txn, external_id::ORGANISATION, current.id, ids).await?;
    }
    let updated = write::locked(&txn, find(public_id), "Organisation", public_id).await?;
    if (&updated.name, &updated.acronym, &updated.names) != (&current.name, &current.acronym, &current.names) {
        use entity::release_organisation::Column as RO;
        search::index_naming(&txn, RO::ReleaseId, RO::OrganisationId, &[current.id]).await?;
    }
    let after = snapshot_of(&txn, &updated).await?;
    let kept = write::commit_update(txn, author, ("Organisation", public_id), "update", &before, &after).await?;
    Ok(if kept { updated } else { current })
}

/// Deletes an organisation. Its departments lose their parent and its contacts their
/// organisation; one that heads or sits on a commission is refused (CONFLICT) until it is removed.
pub async fn delete(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<organisation::Model, ApiError> {
    write::delete::<organisation::Model>(db, author, public_id, expected).await
}

#[async_trait::async_trait]
impl write::Editable for organisation::Model {
    type Entity = organisation::Entity;
    const NAME: &'static str = "Organisation";

    fn find(public_id: Uuid) -> sea_orm::Select<Self::Entity> {
        find(public_id)
    }

    fn key(&self) -> i32 {
        self.id
    }

    fn version(&self) -> i32 {
        self.version
    }

    async fn snapshot(&self, txn: &DatabaseTransaction) -> Result<Value, ApiError> {
        snapshot_of(txn, self).await
    }

    async fn before_delete(&self, txn: &DatabaseTransaction) -> Result<(), ApiError> {
        use entity::release_organisation::Column as RO;
        search::unlink(txn, RO::ReleaseId, RO::OrganisationId, self.id).await
    }
}
