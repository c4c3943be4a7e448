//! What every write shares: one transaction per write (writers queue rather than fail), the row
//! lock and version check that make lost updates impossible, references by key, and the audit
//! record with the changed fields before and after.

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicU64, Ordering},
};

use chrono::Utc;
use entity::{audit_event, write_mark};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{self, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    Select, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::changes::{Subject, Touched};
use crate::{
    auth::role::Principal,
    error::{ApiError, FieldErrors},
    validate,
};

/// Who writes, as the audit log and the revisions record it.
#[derive(Clone, Copy, Debug)]
pub struct Author<'a> {
    pub principal: &'a Principal,
    /// The request's id (`x-request-id`), to find the write in the server's logs.
    pub request_id: Option<&'a str>,
    /// The writing server's write count, moved when the write commits.
    pub generation: &'a Generation,
    /// The limits this server sets on content.
    pub limits: ContentLimits,
}

/// Limits on content that a server's settings choose (the others are the schema's, constants in
/// `validate`): the same for every face that writes.
#[derive(Clone, Copy, Debug)]
pub struct ContentLimits {
    /// Longest release body, in bytes of UTF-8.
    pub release_body_bytes: usize,
}

impl Default for ContentLimits {
    fn default() -> Self {
        Self { release_body_bytes: validate::RELEASE_BODY_BYTES }
    }
}

impl From<&crate::config::Limits> for ContentLimits {
    fn from(limits: &crate::config::Limits) -> Self {
        Self { release_body_bytes: limits.max_release_body_bytes }
    }
}

/// Starts a write. On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`):
/// a deferred one that reads first and writes later fails outright when another writer got there
/// in between, whereas waiting for the lock goes through the busy timeout and succeeds.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, ApiError> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // Pass the turnstile: wait behind a background write that asked first (`begin_next`).
        drop(TURNSTILE.lock().await);
    }
    begin_immediate(db).await
}

/// SQLite's writers do not take the lock in the order they ask for it: one whose `BEGIN` finds it
/// taken sleeps and tries again, and meanwhile a writer arriving as the lock is freed takes it.
/// Under a steady stream of writes, the webhook sender waited seconds for its turn (3.5 s seen,
/// with one writer at 90 writes/s). Writes of this process pass this turnstile first; a
/// background write holds it while it waits for the lock, so the writes that arrive after it
/// wait their turn behind it.
static TURNSTILE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Starts a background write (the webhook sender, the clock) ahead of the writes that arrive
/// after it asked: on SQLite it holds the turnstile until it has the write lock.
pub async fn begin_next(db: &DatabaseConnection) -> Result<DatabaseTransaction, ApiError> {
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        let _turn = TURNSTILE.lock().await;
        return begin_immediate(db).await;
    }
    begin_immediate(db).await
}

async fn begin_immediate(db: &DatabaseConnection) -> Result<DatabaseTransaction, ApiError> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// Counts the writes one server has committed. Caches of rendered content (the feeds) compare it
/// with the count they were rendered at; `commit` moves it only once the write is visible, so a
/// render can never be filed under a count that its content predates.
#[derive(Debug, Default)]
pub struct Generation(AtomicU64);

impl Generation {
    /// How many writes have been committed.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Commits a write that changed the records `touched`: logs them in the change log, and lets the
/// caches know, this server's at once and every server's through the write mark. The log's rows
/// are inserted after the mark moves, under its row lock, so that their positions follow commit
/// order (see `service::changes`).
pub async fn commit(txn: DatabaseTransaction, author: Author<'_>, touched: &[Touched]) -> Result<(), ApiError> {
    commit_after(txn, author, touched, async |_| Ok(())).await
}

/// `commit`, with `last` run in the transaction once the change log is written, just before the
/// commit: the import gives its connection's widened SQLite page cache back there, not before
/// the log, whose reads and writes would otherwise spill the import's dirty pages a second time.
pub async fn commit_after(
    txn: DatabaseTransaction,
    author: Author<'_>,
    touched: &[Touched],
    last: impl AsyncFnOnce(&DatabaseTransaction) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    advance_mark(&txn).await?;
    super::changes::log(&txn, touched).await?;
    last(&txn).await?;
    txn.commit().await?;
    super::webhook::wake();
    author.generation.bump();
    Ok(())
}

/// Moves the write mark (see migration `m20261128_000004_write_mark`): the last statement before a
/// commit, so that its row stays locked only until the commit and commits move it in the order
/// they happen.
pub async fn advance_mark(txn: &DatabaseTransaction) -> Result<(), sea_orm::DbErr> {
    write_mark::Entity::update_many()
        .col_expr(write_mark::Column::Value, Expr::col(write_mark::Column::Value).add(1))
        .filter(write_mark::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(())
}

/// A reference to another record in an input: by public id (GraphQL) or by natural key (imports).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    PublicId(Uuid),
    Slug(String),
    /// Not a usable reference; the text says why (e.g. a global id of the wrong type).
    Invalid(String),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PublicId(id) => write!(f, "{id}"),
            Self::Slug(slug) => write!(f, "{slug}"),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

/// Where references of one kind point: the entity's name (for messages) and its key columns.
pub struct Target<E: EntityTrait> {
    pub entity: &'static str,
    pub id: E::Column,
    pub public_id: E::Column,
    /// The natural key, for entities that have one.
    pub slug: Option<E::Column>,
}

/// The internal keys of `references` (each with its field path), in order: `None` where a
/// reference is invalid or names no record, with the error recorded in `errors`. Two statements
/// at most, whatever the number of references.
pub async fn resolve<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    target: &Target<E>,
    references: &[(String, &Key)],
    errors: &mut FieldErrors,
) -> Result<Vec<Option<i32>>, ApiError> {
    let public_ids: Vec<Uuid> =
        references.iter().filter_map(|(_, key)| if let Key::PublicId(id) = key { Some(*id) } else { None }).collect();
    let slugs: Vec<String> = references
        .iter()
        .filter_map(|(_, key)| if let Key::Slug(slug) = key { Some(slug.clone()) } else { None })
        .collect();
    let mut by_public_id = std::collections::HashMap::new();
    if !public_ids.is_empty() {
        let rows: Vec<(i32, Uuid)> = E::find()
            .select_only()
            .column(target.id)
            .column(target.public_id)
            .filter(target.public_id.is_in(public_ids))
            .into_tuple()
            .all(txn)
            .await?;
        by_public_id.extend(rows.into_iter().map(|(id, public_id)| (public_id, id)));
    }
    let mut by_slug = std::collections::HashMap::new();
    if let (Some(slug_column), false) = (target.slug, slugs.is_empty()) {
        let rows: Vec<(i32, String)> = E::find()
            .select_only()
            .column(target.id)
            .column(slug_column)
            .filter(slug_column.is_in(slugs))
            .into_tuple()
            .all(txn)
            .await?;
        by_slug.extend(rows.into_iter().map(|(id, slug)| (slug, id)));
    }
    Ok(references
        .iter()
        .map(|(field, key)| {
            let found = match key {
                Key::PublicId(id) => by_public_id.get(id).copied(),
                Key::Slug(slug) => by_slug.get(slug).copied(),
                Key::Invalid(why) => {
                    errors.add(field.clone(), why.clone());
                    return None;
                }
            };
            if found.is_none() {
                errors.add(field.clone(), format!("no {} `{key}` exists", target.entity));
            }
            found
        })
        .collect())
}

/// Reports every reference in `keys` that appears more than once (a release cannot name the
/// same topic twice).
pub fn no_duplicates<'a>(errors: &mut FieldErrors, field: &str, keys: impl IntoIterator<Item = &'a Key>) {
    let mut seen = std::collections::HashSet::new();
    for (index, key) in keys.into_iter().enumerate() {
        if !matches!(key, Key::Invalid(_)) && !seen.insert(key) {
            errors.add(format!("{field}[{index}]"), format!("`{key}` is listed twice"));
        }
    }
}

/// The row `select` finds, locked until the transaction ends (`FOR UPDATE`; SQLite has no row
/// locks and needs none, its writers being serialised by `begin`).
pub async fn locked<E: EntityTrait>(
    txn: &DatabaseTransaction,
    select: Select<E>,
    entity: &'static str,
    key: impl std::fmt::Display,
) -> Result<E::Model, ApiError> {
    super::one(txn, select.lock_exclusive(), entity, key).await
}

/// Reports each of `fields` (name, given?) that a create needs and did not get.
pub fn required<const N: usize>(errors: &mut FieldErrors, creating: bool, fields: [(&str, bool); N]) {
    if creating {
        for (name, given) in fields {
            if !given {
                errors.add(name, "is required");
            }
        }
    }
}

/// The column value for an optional field: unchanged when not given, else the given value (or
/// null) after `check`ing it, with a failure recorded at `field`.
pub fn optional(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<Option<String>>,
    check: impl Fn(&str) -> Result<(), String>,
) -> ActiveValue<Option<String>> {
    match value {
        Some(value) => {
            if let Some(text) = &value {
                errors.check(field, check(text));
            }
            Set(value)
        }
        None => ActiveValue::NotSet,
    }
}

/// The column value for an optional country: unchanged when not given, else upper-cased and
/// checked against ISO 3166-1 (or null).
pub fn optional_country(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<Option<String>>,
) -> ActiveValue<Option<String>> {
    match value {
        Some(Some(code)) => match validate::country_code(&code) {
            Ok(code) => Set(Some(code)),
            Err(message) => {
                errors.add(field, message);
                ActiveValue::NotSet
            }
        },
        Some(None) => Set(None),
        None => ActiveValue::NotSet,
    }
}

/// What an optional field of a patch sets: `None` leaves the column, `Some(value)` sets it (to
/// `NULL` for `Some(None)`). The value was checked by the type's `rules`.
pub fn given<T: Into<sea_orm::Value>>(value: Option<Option<T>>) -> ActiveValue<Option<T>>
where
    Option<T>: Into<sea_orm::Value>,
{
    match value {
        Some(value) => Set(value),
        None => ActiveValue::NotSet,
    }
}

/// `rule`'s verdict on an optional text field of a patch: a field left as it is or cleared
/// breaks no rule.
pub fn check_given(value: &Option<Option<String>>, rule: &dyn Fn(&str) -> Result<(), String>) -> Result<(), String> {
    value.as_ref().and_then(Option::as_deref).map_or(Ok(()), rule)
}

/// A country code as stored (upper case), once `rules` found it valid.
pub fn country(value: Option<Option<String>>) -> ActiveValue<Option<String>> {
    given(value.map(|code| code.map(|code| validate::country_code(&code).unwrap_or(code))))
}

/// Refuses a write that was prepared against another version than the stored one.
pub fn check_version(entity: &'static str, stored: i32, expected: Option<i32>) -> Result<(), ApiError> {
    match expected {
        Some(expected) if expected != stored => Err(ApiError::Conflict(format!(
            "{entity} was changed since version {expected}: it is at version {stored}; reload it and try again"
        ))),
        _ => Ok(()),
    }
}

/// Stamps a row about to be created: its public id, creation and update times `now`, version 1.
/// Every content table has these columns (see the migrations), so they are found by name.
pub fn stamp_new<A: ActiveModelTrait>(row: &mut A, public_id: Uuid, now: chrono::DateTime<Utc>) {
    use std::str::FromStr;
    let stamps: [(&str, sea_orm::Value); 4] = [
        ("public_id", public_id.into()),
        ("created_at", now.into()),
        ("updated_at", now.into()),
        ("version", 1.into()),
    ];
    for (name, value) in stamps {
        if let Ok(column) = <A::Entity as EntityTrait>::Column::from_str(name) {
            row.set(column, value);
        }
    }
}

/// Applies `changes` to the row `id` at version `version`, moving `updated_at` and bumping the
/// version, and refuses if the row is not at that version any more (a second guard besides the
/// row lock: no write can ever be applied over one it did not see).
pub async fn update_versioned<A>(
    txn: &DatabaseTransaction,
    mut changes: A,
    [id_column, version_column, updated_column]: [<A::Entity as EntityTrait>::Column; 3],
    id: i32,
    version: i32,
    entity: &'static str,
) -> Result<(), ApiError>
where
    A: ActiveModelTrait + Send,
{
    changes.set(updated_column, Utc::now().into());
    changes.set(version_column, (version + 1).into());
    let result = <A::Entity as EntityTrait>::update_many()
        .set(changes)
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(txn)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!("{entity} was changed by another write at the same time; try again")))
    }
}

/// Bumps the version and `updated_at` of a row whose relations changed but whose own columns
/// did not (a commission's members, for instance).
pub async fn touch<E: EntityTrait>(
    txn: &DatabaseTransaction,
    [id_column, version_column, updated_column]: [E::Column; 3],
    id: i32,
    version: i32,
    entity: &'static str,
) -> Result<(), ApiError> {
    let result = E::update_many()
        .col_expr(updated_column, Expr::value(Utc::now()))
        .col_expr(version_column, Expr::col(version_column).add(1))
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(txn)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!("{entity} was changed by another write at the same time; try again")))
    }
}

/// A record editors write: how a write finds it by public id, and what the audit log keeps of it.
#[async_trait::async_trait]
pub trait Editable: Sized + Send + Sync {
    type Entity: EntityTrait<Model = Self>;
    /// The type name in messages and the audit log (`Release`, `Topic`, …).
    const NAME: &'static str;
    fn find(public_id: Uuid) -> Select<Self::Entity>;
    fn key(&self) -> i32;
    fn version(&self) -> i32;
    /// The record as the audit log keeps it (relations by natural key).
    async fn snapshot(&self, txn: &DatabaseTransaction) -> Result<Value, ApiError>;
    /// What goes with the record, done just before it is deleted (e.g. a topic's children lose
    /// their parent: the column has no foreign key to do it).
    async fn before_delete(&self, _txn: &DatabaseTransaction) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Deletes the record `public_id` of type `M` if it is still at `expected` (when given), and
/// records its last state in the audit log. Returns the record as it was.
pub async fn delete<M>(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<M, ApiError>
where
    M: Editable,
    <<M::Entity as EntityTrait>::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
{
    let txn = begin(db).await?;
    let current = locked(&txn, M::find(public_id), M::NAME, public_id).await?;
    check_version(M::NAME, current.version(), expected)?;
    let before = current.snapshot(&txn).await?;
    current.before_delete(&txn).await?;
    // External identifiers point at records of several tables, so no foreign key removes them.
    super::external_id::delete_of(&txn, M::NAME, &[current.key()]).await?;
    M::Entity::delete_by_id(current.key()).exec(&txn).await?;
    audit(&txn, author, M::NAME, public_id, "delete", Some(&before), None).await?;
    commit(txn, author, &touched(M::NAME, public_id)).await?;
    Ok(current)
}

/// The fields that differ between two snapshots, as `{ field: { "before": …, "after": … } }`.
/// A missing snapshot (before a create, after a delete) counts as every field null. Bookkeeping
/// fields (`version`, `updatedAt`) are left out: every write changes them.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Map<String, Value> {
    let empty = Map::new();
    let fields = |snapshot: Option<&Value>| snapshot.and_then(Value::as_object).unwrap_or(&empty).clone();
    let (before, after) = (fields(before), fields(after));
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut changed = BTreeMap::new();
    for name in names {
        if matches!(name.as_str(), "version" | "updatedAt") {
            continue;
        }
        let (old, new) = (before.get(name).unwrap_or(&Value::Null), after.get(name).unwrap_or(&Value::Null));
        if old != new {
            changed.insert(name.clone(), json!({ "before": old, "after": new }));
        }
    }
    changed.into_iter().collect()
}

/// Keeps an update, recording it in the audit log, and commits; or, when it changed nothing but
/// bookkeeping (`before` and `after` differ in no field `changes` compares), rolls it back. An
/// update that changes nothing must change nothing: no version (an editor's `expectedVersion`
/// stays good), no revision, no audit event, and no write mark, which is what moves the feeds'
/// dates and empties the caches. Returns whether the update was kept.
pub async fn commit_update(
    txn: DatabaseTransaction,
    author: Author<'_>,
    (entity_type, entity_id): (&'static str, Uuid),
    operation: &str,
    before: &Value,
    after: &Value,
) -> Result<bool, ApiError> {
    if changes(Some(before), Some(after)).is_empty() {
        txn.rollback().await?;
        return Ok(false);
    }
    audit(&txn, author, entity_type, entity_id, operation, Some(before), Some(after)).await?;
    commit(txn, author, &touched(entity_type, entity_id)).await?;
    Ok(true)
}

/// The record of audit type `entity_type` with public id `id`, as the change log follows it.
pub fn touched(entity_type: &str, id: Uuid) -> Vec<Touched> {
    Subject::from_name(entity_type).map(|subject| Touched::new(subject, id)).into_iter().collect()
}

/// Records one write in the audit log, in the write's own transaction (so a failed write leaves
/// no trace and a successful one always does).
pub async fn audit(
    txn: &impl ConnectionTrait,
    author: Author<'_>,
    entity_type: &'static str,
    entity_id: Uuid,
    operation: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), ApiError> {
    record_event(txn, author, (entity_type, entity_id), operation, Value::Object(changes(before, after))).await
}

/// Records a write of many records (an import) as one audit event holding its `summary`, in the
/// write's own transaction: what it did, rather than an event per record.
pub async fn audit_batch(
    txn: &impl ConnectionTrait,
    author: Author<'_>,
    entity_type: &'static str,
    operation: &str,
    summary: Value,
) -> Result<(), ApiError> {
    record_event(txn, author, (entity_type, Uuid::now_v7()), operation, summary).await
}

async fn record_event(
    txn: &impl ConnectionTrait,
    author: Author<'_>,
    (entity_type, entity_id): (&'static str, Uuid),
    operation: &str,
    changes: Value,
) -> Result<(), ApiError> {
    let event = audit_event::ActiveModel {
        occurred_at: Set(Utc::now()),
        actor: Set(author.principal.subject.chars().take(200).collect()),
        actor_roles: Set(author.principal.roles.to_string()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        operation: Set(operation.to_owned()),
        changes: Set(changes),
        request_id: Set(author.request_id.map(|id| id.chars().take(64).collect())),
        ..Default::default()
    };
    audit_event::Entity::insert(event).exec_without_returning(txn).await?;
    Ok(())
}

/// Names in other languages as an input gives them (language, name), checked (each problem
/// reported under `field`) and keyed by canonical language tag; they replace the stored ones.
pub fn names(errors: &mut FieldErrors, field: &str, names: Vec<(String, String)>) -> entity::names::Names {
    match crate::validate::names(names) {
        Ok(names) => entity::names::Names(names),
        Err(problems) => {
            for (language, message) in problems {
                errors.add(field, format!("`{language}`: {message}"));
            }
            entity::names::Names::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_what_moved() {
        let before = json!({ "title": "a", "slug": "s", "version": 1, "topics": ["x"] });
        let after = json!({ "title": "b", "slug": "s", "version": 2, "topics": ["x", "y"] });
        let changed = changes(Some(&before), Some(&after));
        assert_eq!(
            Value::Object(changed),
            json!({ "title": { "before": "a", "after": "b" }, "topics": { "before": ["x"], "after": ["x", "y"] } })
        );
        let created = changes(None, Some(&json!({ "title": "a" })));
        assert_eq!(created["title"], json!({ "before": null, "after": "a" }));
    }
}
