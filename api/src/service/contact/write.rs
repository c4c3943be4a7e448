//! Creating, changing and deleting media contacts.

use chrono::Utc;
use entity::{contact, organisation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, FieldErrors},
    service::{
        organisation::write::TARGET as ORGANISATION,
        write::{self, Author, Key, Target, required},
    },
    validate,
};

/// A contact's fields as a write gives them: `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    /// The natural key imports name the contact by (unique when set).
    pub key: Option<Option<String>>,
    pub name: Option<String>,
    pub job_title: Option<Option<String>>,
    pub organisation: Option<Option<Key>>,
    pub office: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phones: Option<Vec<String>>,
    pub country: Option<Option<String>>,
    pub public: Option<bool>,
}

/// Where contact references point (contacts have no slug: by public id only).
pub const TARGET: Target<contact::Entity> =
    Target { entity: "Contact", id: contact::Column::Id, public_id: contact::Column::PublicId, slug: None };

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [contact::Column; 3] =
    [contact::Column::Id, contact::Column::Version, contact::Column::UpdatedAt];

/// What the audit log records of a contact (the organisation by slug).
pub fn snapshot(contact: &contact::Model, organisation: Option<&str>) -> Value {
    json!({
        "id": contact.public_id,
        "key": contact.key,
        "name": contact.name,
        "jobTitle": contact.job_title,
        "organisation": organisation,
        "office": contact.office,
        "email": contact.email,
        "phones": contact.phones.0,
        "country": contact.country,
        "public": contact.is_public,
        "version": contact.version,
    })
}

async fn snapshot_of(txn: &DatabaseTransaction, contact: &contact::Model) -> Result<Value, ApiError> {
    let organisation = match contact.organisation_id {
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
    Ok(snapshot(contact, organisation.as_deref()))
}

/// Most phone numbers one contact may list.
pub const MAX_PHONES: usize = 20;

/// The rules of a contact's own fields, for every face that writes one (the mutations and the
/// import): each broken rule is reported at its field, named as in GraphQL (`jobTitle`).
pub fn rules(patch: &Patch, creating: bool, errors: &mut FieldErrors) {
    let short = |text: &str| validate::text(text, 255);
    required(errors, creating, [("name", patch.name.is_some())]);
    if let Some(name) = &patch.name {
        errors.check("name", short(name));
    }
    errors.check("key", write::check_given(&patch.key, &validate::slug));
    errors.check("jobTitle", write::check_given(&patch.job_title, &short));
    errors.check("office", write::check_given(&patch.office, &short));
    errors.check("email", write::check_given(&patch.email, &validate::email));
    if let Some(phones) = &patch.phones {
        for (index, phone) in phones.iter().enumerate() {
            errors.check(format!("phones[{index}]"), validate::text(phone, 100));
        }
        if phones.len() > MAX_PHONES {
            errors.add("phones", format!("at most {MAX_PHONES} phone numbers"));
        }
    }
    errors.check("country", write::check_given(&patch.country, &|code| validate::country_code(code).map(drop)));
}

/// The columns `patch` sets, as they are stored: the one place a contact's fields become a row,
/// for the mutations and the import alike. `rules` has checked them; its organisation is
/// resolved (one by one, or a file's at a time) and set by the caller.
pub(crate) fn columns(patch: &Patch) -> contact::ActiveModel {
    let mut row = contact::ActiveModel { ..Default::default() };
    if let Some(name) = &patch.name {
        row.name = Set(name.clone());
    }
    row.key = write::given(patch.key.clone());
    row.job_title = write::given(patch.job_title.clone());
    row.office = write::given(patch.office.clone());
    row.email = write::given(patch.email.clone());
    if let Some(phones) = &patch.phones {
        row.phones = Set(contact::Phones(phones.clone()));
    }
    row.country = write::country(patch.country.clone());
    if let Some(public) = patch.public {
        row.is_public = Set(public);
    }
    row
}

async fn changes(txn: &DatabaseTransaction, patch: Patch, creating: bool) -> Result<contact::ActiveModel, ApiError> {
    let mut errors = FieldErrors::default();
    rules(&patch, creating, &mut errors);
    let mut row = columns(&patch);
    if let Some(organisation) = patch.organisation {
        let id = match &organisation {
            Some(key) => write::resolve(txn, &ORGANISATION, &[("organisation".into(), key)], &mut errors).await?[0],
            None => None,
        };
        row.organisation_id = Set(id);
    }
    errors.finish()?;
    Ok(row)
}

fn find(public_id: Uuid) -> sea_orm::Select<contact::Entity> {
    contact::Entity::find().filter(contact::Column::PublicId.eq(public_id))
}

/// Creates a contact (public unless `patch` says otherwise).
pub async fn create(db: &DatabaseConnection, author: Author<'_>, patch: Patch) -> Result<contact::Model, ApiError> {
    let txn = write::begin(db).await?;
    let mut row = changes(&txn, patch, true).await?;
    let now = Utc::now();
    if row.is_public.is_not_set() {
        row.is_public = Set(true);
    }
    if row.phones.is_not_set() {
        row.phones = Set(contact::Phones::default());
    }
    write::stamp_new(&mut row, Uuid::now_v7(), now);
    let created = row.insert(&txn).await?;
    let after = snapshot_of(&txn, &created).await?;
    write::audit(&txn, author, "Contact", created.public_id, "create", None, Some(&after)).await?;
    write::commit(txn, author, &write::touched("Contact", created.public_id)).await?;
    Ok(created)
}

/// Changes the fields `patch` gives, if the contact is still at `expected` (when given).
pub async fn update(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    patch: Patch,
) -> Result<contact::Model, ApiError> {
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Contact", public_id).await?;
    write::check_version("Contact", current.version, expected)?;
    let before = snapshot_of(&txn, &current).await?;
    let row = changes(&txn, patch, false).await?;
    write::update_versioned(&txn, row, COLUMNS, current.id, current.version, "Contact").await?;
    let updated = write::locked(&txn, find(public_id), "Contact", public_id).await?;
    let after = snapshot_of(&txn, &updated).await?;
    let kept = write::commit_update(txn, author, ("Contact", public_id), "update", &before, &after).await?;
    Ok(if kept { updated } else { current })
}

/// Deletes a contact (releases that listed it simply lose it).
pub async fn delete(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<contact::Model, ApiError> {
    write::delete::<contact::Model>(db, author, public_id, expected).await
}

#[async_trait::async_trait]
impl write::Editable for contact::Model {
    type Entity = contact::Entity;
    const NAME: &'static str = "Contact";

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
}
