//! Identifiers of records in other systems (`external_id`), for organisations and releases: read
//! in batches, replaced whole, looked up, and removed with their record.

use std::collections::{HashMap, HashSet};

use entity::external_id;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{error::ApiError, error::FieldErrors, validate};

/// The `entity_type` of an organisation's identifiers (the name the audit log uses).
pub const ORGANISATION: &str = "Organisation";
/// The `entity_type` of a release's identifiers.
pub const RELEASE: &str = "Release";

/// An identifier in another system.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalId {
    pub scheme: String,
    pub value: String,
}

impl std::fmt::Display for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.scheme, self.value)
    }
}

/// Checks each identifier of the input field `field` (scheme, value, none twice).
pub fn check(errors: &mut FieldErrors, field: &str, ids: &[ExternalId]) {
    let mut seen = HashSet::new();
    for (index, id) in ids.iter().enumerate() {
        errors.check(format!("{field}[{index}].scheme"), validate::scheme(&id.scheme));
        errors.check(format!("{field}[{index}].value"), validate::text(&id.value, 255));
        if !seen.insert(id) {
            errors.add(format!("{field}[{index}]"), format!("`{id}` is listed twice"));
        }
    }
}

/// The identifiers of each record `ids` of `entity_type`, by scheme then value.
pub async fn of(
    db: &impl ConnectionTrait,
    entity_type: &str,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<ExternalId>>, ApiError> {
    let mut found: HashMap<i32, Vec<ExternalId>> = HashMap::new();
    for part in ids.chunks(1000) {
        let rows: Vec<(i32, String, String)> = external_id::Entity::find()
            .select_only()
            .column(external_id::Column::EntityId)
            .column(external_id::Column::Scheme)
            .column(external_id::Column::Value)
            .filter(external_id::Column::EntityType.eq(entity_type))
            .filter(external_id::Column::EntityId.is_in(part.iter().copied()))
            .order_by_asc(external_id::Column::Scheme)
            .order_by_asc(external_id::Column::Value)
            .into_tuple()
            .all(db)
            .await?;
        for (id, scheme, value) in rows {
            found.entry(id).or_default().push(ExternalId { scheme, value });
        }
    }
    // Sorted here as well: engines collate differently, and exports must not differ.
    for list in found.values_mut() {
        list.sort();
    }
    Ok(found)
}

/// The record of `entity_type` holding each of `ids` that some record holds (internal keys).
pub async fn owners(
    db: &impl ConnectionTrait,
    entity_type: &str,
    ids: &[ExternalId],
) -> Result<HashMap<ExternalId, i32>, ApiError> {
    let mut found = HashMap::new();
    for part in ids.chunks(500) {
        let mut any = Condition::any();
        for id in part {
            any = any.add(
                Condition::all()
                    .add(external_id::Column::Scheme.eq(id.scheme.as_str()))
                    .add(external_id::Column::Value.eq(id.value.as_str())),
            );
        }
        let rows: Vec<(i32, String, String)> = external_id::Entity::find()
            .select_only()
            .column(external_id::Column::EntityId)
            .column(external_id::Column::Scheme)
            .column(external_id::Column::Value)
            .filter(external_id::Column::EntityType.eq(entity_type))
            .filter(any)
            .into_tuple()
            .all(db)
            .await?;
        // Compared again here: MariaDB's collations may match more than the exact value.
        let wanted: HashSet<&ExternalId> = part.iter().collect();
        for (owner, scheme, value) in rows {
            let id = ExternalId { scheme, value };
            if wanted.contains(&id) {
                found.insert(id, owner);
            }
        }
    }
    Ok(found)
}

/// The record of `entity_type` that holds `id`, if any.
pub async fn find(db: &impl ConnectionTrait, entity_type: &str, id: &ExternalId) -> Result<Option<i32>, ApiError> {
    Ok(owners(db, entity_type, std::slice::from_ref(id)).await?.remove(id))
}

/// Makes `ids` the identifiers of the record `entity_id` of `entity_type`, refusing (CONFLICT)
/// any that another record holds.
pub async fn replace(
    txn: &impl ConnectionTrait,
    entity_type: &str,
    entity_id: i32,
    ids: &[ExternalId],
) -> Result<(), ApiError> {
    replace_all(txn, entity_type, &[(entity_id, ids)]).await
}

/// Makes each record's identifiers the ones `records` gives it (record, identifiers), refusing
/// (CONFLICT) any that a record outside them holds: three statements for any number of records,
/// the one write of identifiers for the mutations (one record) and the import (a chunk).
pub async fn replace_all(
    txn: &impl ConnectionTrait,
    entity_type: &str,
    records: &[(i32, &[ExternalId])],
) -> Result<(), ApiError> {
    let wanted: Vec<ExternalId> = records.iter().flat_map(|(_, ids)| ids.iter().cloned()).collect();
    if !wanted.is_empty() {
        let taken = owners(txn, entity_type, &wanted).await?;
        let given: std::collections::HashMap<&ExternalId, i32> =
            records.iter().flat_map(|(owner, ids)| ids.iter().map(move |id| (id, *owner))).collect();
        let replaced: std::collections::HashSet<i32> = records.iter().map(|(owner, _)| *owner).collect();
        // An identifier may move between records written together; not to one kept elsewhere.
        if let Some(id) = wanted.iter().find(|id| {
            taken.get(*id).is_some_and(|holder| given.get(*id) != Some(holder) && !replaced.contains(holder))
        }) {
            return Err(ApiError::Conflict(format!(
                "the external id `{id}` already belongs to another {}",
                entity_type.to_lowercase()
            )));
        }
    }
    let owners: Vec<i32> = records.iter().map(|(owner, _)| *owner).collect();
    delete_of(txn, entity_type, &owners).await?;
    let rows: Vec<(i32, &ExternalId)> =
        records.iter().flat_map(|(owner, ids)| ids.iter().map(|id| (*owner, id))).collect();
    insert(txn, entity_type, rows).await
}

/// Adds identifiers, as (record, identifier).
pub async fn insert<'a>(
    txn: &impl ConnectionTrait,
    entity_type: &str,
    ids: impl IntoIterator<Item = (i32, &'a ExternalId)>,
) -> Result<(), ApiError> {
    let rows: Vec<external_id::ActiveModel> = ids
        .into_iter()
        .map(|(entity_id, id)| external_id::ActiveModel {
            entity_type: Set(entity_type.to_owned()),
            entity_id: Set(entity_id),
            scheme: Set(id.scheme.clone()),
            value: Set(id.value.clone()),
            ..Default::default()
        })
        .collect();
    super::bulk::insert_all(txn, rows).await
}

/// Removes every identifier of the records `entity_ids` of `entity_type`.
pub async fn delete_of(txn: &impl ConnectionTrait, entity_type: &str, entity_ids: &[i32]) -> Result<(), ApiError> {
    if entity_ids.is_empty() {
        return Ok(());
    }
    for part in entity_ids.chunks(1000) {
        external_id::Entity::delete_many()
            .filter(external_id::Column::EntityType.eq(entity_type))
            .filter(external_id::Column::EntityId.is_in(part.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The release holding `id`, if `access` may see it (the one visibility rule).
pub async fn release(
    db: &impl ConnectionTrait,
    access: &crate::auth::Access,
    id: &ExternalId,
) -> Result<entity::release::Model, ApiError> {
    use entity::release;
    let not_found = || ApiError::NotFound { entity: "Release", key: id.to_string() };
    let owner = find(db, RELEASE, id).await?.ok_or_else(not_found)?;
    release::Entity::find_by_id(owner).filter(access.release_condition()).one(db).await?.ok_or_else(not_found)
}
