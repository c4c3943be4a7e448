//! The change log: every committed change to a record, at a position in commit order, with the
//! record's state after it, for partners that keep a copy in sync.
//!
//! A write's rows are inserted by `write::commit` once it holds the write mark's row lock, which
//! it keeps until it commits; so positions are handed out one commit at a time, in commit order,
//! and a reader that has seen position `n` has seen every position before it (migration
//! `m20261201_000011_change_log`). A change names itself against the record's previous row: a
//! release that an anonymous reader could not see before and can now was `published`, one they
//! could see and cannot any more was `unpublished`, `archived` or `deleted`.
//!
//! Time changes content too: a scheduled release goes live at its instant with no write. The
//! clock (`catch_up`) logs it then, under the same lock, so a reader never passes the instant
//! without its row.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use entity::{
    change_clock, change_log, commission, contact, organisation, release, release_commission, release_country,
    release_organisation, release_topic, topic, write_mark,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Alias, Expr, ExprTrait, LikeExpr, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::write;
use crate::{
    auth::{Access, Viewer},
    error::ApiError,
};

/// Rows per statement when a change touches many records (an import).
const CHUNK: usize = 500;

/// The types of record the log follows, by the names the audit log uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Release,
    Topic,
    Organisation,
    Commission,
    Contact,
}

impl Subject {
    pub const ALL: [Subject; 5] =
        [Subject::Organisation, Subject::Topic, Subject::Contact, Subject::Commission, Subject::Release];

    pub fn name(self) -> &'static str {
        match self {
            Self::Release => "Release",
            Self::Topic => "Topic",
            Self::Organisation => "Organisation",
            Self::Commission => "Commission",
            Self::Contact => "Contact",
        }
    }

    /// The subject an audit type name names (`None` for what the log does not follow).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|subject| subject.name() == name)
    }
}

/// What a change did to a record, as the caller sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Published,
    Unpublished,
    Archived,
    Deleted,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Published => "published",
            Self::Unpublished => "unpublished",
            Self::Archived => "archived",
            Self::Deleted => "deleted",
        }
    }

    fn from_name(name: &str) -> Self {
        [Self::Created, Self::Updated, Self::Published, Self::Unpublished, Self::Archived, Self::Deleted]
            .into_iter()
            .find(|change| change.name() == name)
            .unwrap_or(Self::Updated)
    }

    /// Whether the caller is told the record is gone (no record goes with the entry).
    pub fn is_tombstone(self) -> bool {
        matches!(self, Self::Unpublished | Self::Archived | Self::Deleted)
    }
}

/// A record a write changed, by type name and public id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Touched {
    pub subject: Subject,
    pub id: Uuid,
}

impl Touched {
    pub fn new(subject: Subject, id: Uuid) -> Self {
        Self { subject, id }
    }
}

/// The records of `keys` (type name, internal key), by public id: how an import, which updates
/// rows by key, names what it touched.
pub async fn by_key(txn: &impl ConnectionTrait, keys: &[(&'static str, i32)]) -> Result<Vec<Touched>, ApiError> {
    let mut touched = Vec::new();
    for subject in Subject::ALL {
        let ids: Vec<i32> = keys.iter().filter(|(name, _)| *name == subject.name()).map(|(_, id)| *id).collect();
        for part in ids.chunks(CHUNK) {
            let found = match subject {
                Subject::Release => {
                    public_ids::<release::Entity>(txn, release::Column::Id, release::Column::PublicId, part).await?
                }
                Subject::Topic => {
                    public_ids::<topic::Entity>(txn, topic::Column::Id, topic::Column::PublicId, part).await?
                }
                Subject::Organisation => {
                    public_ids::<organisation::Entity>(
                        txn,
                        organisation::Column::Id,
                        organisation::Column::PublicId,
                        part,
                    )
                    .await?
                }
                Subject::Commission => {
                    public_ids::<commission::Entity>(txn, commission::Column::Id, commission::Column::PublicId, part)
                        .await?
                }
                Subject::Contact => {
                    public_ids::<contact::Entity>(txn, contact::Column::Id, contact::Column::PublicId, part).await?
                }
            };
            touched.extend(found.into_iter().map(|id| Touched::new(subject, id)));
        }
    }
    Ok(touched)
}

async fn public_ids<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    key: E::Column,
    public_id: E::Column,
    keys: &[i32],
) -> Result<Vec<Uuid>, ApiError> {
    Ok(E::find().select_only().column(public_id).filter(key.is_in(keys.iter().copied())).into_tuple().all(txn).await?)
}

/// Why records are being logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    /// A write changed them: each gets a row.
    Write,
    /// Time passed: only those an anonymous reader now sees differently get one.
    Clock,
}

/// A release's key, public id, language, slug, status and publication instant.
type ReleaseState = (i32, Uuid, String, String, release::Status, Option<DateTime<Utc>>);

/// What the log keeps of a record's state.
struct State {
    public: bool,
    status: Option<String>,
    key: Option<String>,
    facets: BTreeSet<String>,
    published_at: Option<DateTime<Utc>>,
}

/// Logs the records `touched` changed, in the write `txn`, which must hold the write mark's lock
/// (`write::commit` calls this just after moving the mark). Returns how many rows it logged.
pub async fn log(txn: &DatabaseTransaction, touched: &[Touched]) -> Result<usize, ApiError> {
    log_as(txn, touched, Reason::Write, Utc::now()).await
}

async fn log_as(
    txn: &DatabaseTransaction,
    touched: &[Touched],
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    // The outbox: a change's deliveries are written with it. Positions are handed out under the
    // write mark's lock, so the rows after the head read now are this transaction's.
    let webhooks = super::webhook::enabled(txn).await?;
    let before = if webhooks.is_empty() { None } else { Some(read_head(txn).await?.0) };
    let mut logged = 0;
    for subject in Subject::ALL {
        let mut ids: Vec<Uuid> = touched.iter().filter(|t| t.subject == subject).map(|t| t.id).collect();
        ids.sort();
        ids.dedup();
        for part in ids.chunks(CHUNK) {
            let (states, latest) = tokio::try_join!(states(txn, subject, part, now), latest(txn, subject, part))?;
            let rows: Vec<change_log::ActiveModel> =
                part.iter().filter_map(|id| row(subject, *id, reason, latest.get(id), states.get(id), now)).collect();
            logged += rows.len();
            if !rows.is_empty() {
                change_log::Entity::insert_many(rows).exec_without_returning(txn).await?;
            }
        }
    }
    if let Some(before) = before
        && logged > 0
    {
        let rows = change_log::Entity::find()
            .filter(change_log::Column::Id.gt(before))
            .order_by_asc(change_log::Column::Id)
            .all(txn)
            .await?;
        super::webhook::enqueue(txn, &webhooks, &rows).await?;
    }
    Ok(logged)
}

/// The row one change makes, named against the record's `previous` row; `None` when there is
/// nothing to log.
fn row(
    subject: Subject,
    id: Uuid,
    reason: Reason,
    previous: Option<&change_log::Model>,
    state: Option<&State>,
    now: DateTime<Utc>,
) -> Option<change_log::ActiveModel> {
    let public_before = previous.is_some_and(|row| row.public_after);
    let public_after = state.is_some_and(|state| state.public);
    let existed = previous.is_some_and(|row| row.change != Change::Deleted.name());
    if reason == Reason::Clock && public_before == public_after {
        return None;
    }
    let change = match state {
        None if !existed => return None,
        None => Change::Deleted,
        Some(_) if !existed => {
            if subject == Subject::Release && public_after {
                Change::Published
            } else {
                Change::Created
            }
        }
        Some(state) if subject == Subject::Release => {
            let archived = state.status.as_deref() == Some("archived");
            match (public_before, public_after) {
                (false, true) => Change::Published,
                (true, false) if archived => Change::Archived,
                (true, false) => Change::Unpublished,
                _ if archived && previous.and_then(|row| row.status.as_deref()) != Some("archived") => Change::Archived,
                _ => Change::Updated,
            }
        }
        Some(_) => Change::Updated,
    };
    let facets = state.map(|state| state.facets.clone()).unwrap_or_default();
    let mut matched = facets.clone();
    if let Some(previous) = previous {
        matched.extend(parse_facets(&previous.facets));
    }
    let at = match (reason, state.and_then(|state| state.published_at)) {
        // A release that came due entered the public set at its instant, not when the clock saw it.
        (Reason::Clock, Some(instant)) => instant,
        _ => now,
    };
    Some(change_log::ActiveModel {
        entity_type: Set(subject.name().to_owned()),
        record_id: Set(id),
        record_key: Set(state
            .and_then(|state| state.key.clone())
            .or_else(|| previous.and_then(|row| row.record_key.clone()))),
        change: Set(change.name().to_owned()),
        status: Set(state.and_then(|state| state.status.clone())),
        public_before: Set(public_before),
        public_after: Set(public_after),
        at: Set(at),
        facets: Set(join_facets(&facets)),
        matched: Set(join_facets(&matched)),
        ..Default::default()
    })
}

fn join_facets(facets: &BTreeSet<String>) -> String {
    if facets.is_empty() {
        String::new()
    } else {
        format!("|{}|", facets.iter().cloned().collect::<Vec<_>>().join("|"))
    }
}

fn parse_facets(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('|').filter(|facet| !facet.is_empty()).map(str::to_owned)
}

/// The latest row of each of `ids`.
async fn latest(
    txn: &impl ConnectionTrait,
    subject: Subject,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, change_log::Model>, ApiError> {
    let newest = Query::select()
        .expr(Expr::col(change_log::Column::Id).max())
        .from(change_log::Entity)
        .and_where(change_log::Column::EntityType.eq(subject.name()))
        .and_where(change_log::Column::RecordId.is_in(ids.iter().copied()))
        .group_by_col(change_log::Column::RecordId)
        .to_owned();
    let rows = change_log::Entity::find().filter(change_log::Column::Id.in_subquery(newest)).all(txn).await?;
    Ok(rows.into_iter().map(|row| (row.record_id, row)).collect())
}

/// The state of each of `ids` that exists, at `now`: whether an anonymous reader sees it is
/// asked of the one visibility rule, in SQL.
async fn states(
    txn: &impl ConnectionTrait,
    subject: Subject,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, State>, ApiError> {
    let anonymous = Access { viewer: Viewer::Anonymous, now };
    let state = |public, key: Option<String>, facets| State { public, status: None, key, facets, published_at: None };
    Ok(match subject {
        Subject::Release => {
            let rows: Vec<ReleaseState> = release::Entity::find()
                .select_only()
                .columns([
                    release::Column::Id,
                    release::Column::PublicId,
                    release::Column::Language,
                    release::Column::Slug,
                    release::Column::Status,
                    release::Column::PublishedAt,
                ])
                .filter(release::Column::PublicId.is_in(ids.iter().copied()))
                .into_tuple()
                .all(txn)
                .await?;
            let keys: Vec<i32> = rows.iter().map(|row| row.0).collect();
            let mut facets = release_facets(txn, &keys).await?;
            rows.into_iter()
                .map(|(key, id, language, slug, status, published_at)| {
                    let mut own = facets.remove(&key).unwrap_or_default();
                    own.insert(format!("language:{language}"));
                    // The anonymous rule applied to the row read (`release_condition` in SQL):
                    // a second statement with the condition read every row again.
                    let public = anonymous.sees_release_in(status, published_at);
                    let status = serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_owned));
                    let state =
                        State { public, status, key: Some(format!("{language}/{slug}")), facets: own, published_at };
                    (id, state)
                })
                .collect()
        }
        Subject::Contact => {
            let rows: Vec<(Uuid, Option<String>)> = contact::Entity::find()
                .select_only()
                .columns([contact::Column::PublicId, contact::Column::Key])
                .filter(contact::Column::PublicId.is_in(ids.iter().copied()))
                .into_tuple()
                .all(txn)
                .await?;
            let public: Vec<Uuid> = contact::Entity::find()
                .select_only()
                .column(contact::Column::PublicId)
                .filter(contact::Column::PublicId.is_in(ids.iter().copied()))
                .filter(anonymous.contact_condition())
                .into_tuple()
                .all(txn)
                .await?;
            rows.into_iter().map(|(id, key)| (id, state(public.contains(&id), key, BTreeSet::new()))).collect()
        }
        Subject::Topic => slugs::<topic::Entity>(txn, topic::Column::PublicId, topic::Column::Slug, ids)
            .await?
            .into_iter()
            .map(|(id, slug)| (id, state(true, Some(slug), BTreeSet::new())))
            .collect(),
        Subject::Organisation => {
            slugs::<organisation::Entity>(txn, organisation::Column::PublicId, organisation::Column::Slug, ids)
                .await?
                .into_iter()
                .map(|(id, slug)| (id, state(true, Some(slug), BTreeSet::new())))
                .collect()
        }
        Subject::Commission => {
            slugs::<commission::Entity>(txn, commission::Column::PublicId, commission::Column::Slug, ids)
                .await?
                .into_iter()
                .map(|(id, slug)| (id, state(true, Some(slug), BTreeSet::new())))
                .collect()
        }
    })
}

/// The facets of each of the releases `keys` but their language (`topic:<slug>`,
/// `organisation:<slug>`, `commission:<slug>`, `country:<code>`), read in one statement of slugs:
/// four statements reading each related record's whole row (a commission with its head) made the
/// change log of an import of 20,000 releases take 1.7-1.9 s instead of 0.9-1.05 s (traced).
async fn release_facets(txn: &impl ConnectionTrait, keys: &[i32]) -> Result<HashMap<i32, BTreeSet<String>>, ApiError> {
    let mut facets: HashMap<i32, BTreeSet<String>> = HashMap::new();
    if keys.is_empty() {
        return Ok(facets);
    }
    // Each part: the release's key, the facet's kind (a literal) and the related slug or code.
    let mut union = linked_facet(
        txn,
        keys,
        "topic",
        (release_topic::Column::ReleaseId, release_topic::Column::TopicId),
        (topic::Column::Id, topic::Column::Slug),
    );
    let organisations = linked_facet(
        txn,
        keys,
        "organisation",
        (release_organisation::Column::ReleaseId, release_organisation::Column::OrganisationId),
        (organisation::Column::Id, organisation::Column::Slug),
    );
    let commissions = linked_facet(
        txn,
        keys,
        "commission",
        (release_commission::Column::ReleaseId, release_commission::Column::CommissionId),
        (commission::Column::Id, commission::Column::Slug),
    );
    let countries =
        facet_part(txn, keys, "country", release_country::Column::ReleaseId, release_country::Column::Country);
    union.union(UnionType::All, organisations).union(UnionType::All, commissions).union(UnionType::All, countries);
    let backend = txn.get_database_backend();
    for row in txn.query_all_raw(backend.build(&union)).await? {
        let key: i32 = row.try_get("", "release_id")?;
        let kind: String = row.try_get("", "kind")?;
        let value: String = row.try_get("", "value")?;
        facets.entry(key).or_default().insert(format!("{kind}:{value}"));
    }
    Ok(facets)
}

/// One part of `release_facets`: `(release_id, kind, value)` of the table `release_id` and
/// `value` belong to, for the releases `keys`.
fn facet_part<C: ColumnTrait, V: ColumnTrait>(
    txn: &impl ConnectionTrait,
    keys: &[i32],
    kind: &str,
    release_id: C,
    value: V,
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col((release_id.entity_name(), release_id)), Alias::new("release_id"))
        .expr_as(Expr::val(kind), Alias::new("kind"))
        .expr_as(Expr::col((value.entity_name(), value)), Alias::new("value"))
        .from(release_id.entity_name())
        .and_where(super::any_of(txn, release_id, keys))
        .to_owned()
}

/// A part of `release_facets` through a link table: its `(release_id, link)` columns, joined to
/// the related record's `(id, slug)`.
fn linked_facet<L: ColumnTrait, R: ColumnTrait>(
    txn: &impl ConnectionTrait,
    keys: &[i32],
    kind: &str,
    (release_id, link): (L, L),
    (id, slug): (R, R),
) -> SelectStatement {
    let mut part = facet_part(txn, keys, kind, release_id, slug);
    part.inner_join(id.entity_name(), Expr::col((id.entity_name(), id)).equals((link.entity_name(), link)));
    part
}

async fn slugs<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    public_id: E::Column,
    slug: E::Column,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String)>, ApiError> {
    Ok(E::find()
        .select_only()
        .column(public_id)
        .column(slug)
        .filter(public_id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?)
}

/// Takes the write mark's row lock without moving the mark, for the clock and the upkeep (SQLite
/// needs nothing more than `write::begin`'s immediate transaction).
async fn lock_mark(txn: &DatabaseTransaction) -> Result<(), ApiError> {
    if txn.get_database_backend() != sea_orm::DbBackend::Sqlite {
        write_mark::Entity::find_by_id(1).lock_exclusive().one(txn).await?;
    }
    Ok(())
}

async fn clock(db: &impl ConnectionTrait) -> Result<change_clock::Model, ApiError> {
    change_clock::Entity::find_by_id(1).one(db).await?.ok_or(ApiError::Internal)
}

/// Logs every record no row names yet (written before the log existed, or by `seed` and `demo`,
/// which write below the services), and starts the clock. Run at start-up; returns the rows
/// logged.
pub async fn backfill(db: &DatabaseConnection) -> Result<usize, ApiError> {
    let mut missing = Vec::new();
    for subject in Subject::ALL {
        let ids = match subject {
            Subject::Release => unlogged::<release::Entity>(db, subject, release::Column::PublicId).await?,
            Subject::Topic => unlogged::<topic::Entity>(db, subject, topic::Column::PublicId).await?,
            Subject::Organisation => {
                unlogged::<organisation::Entity>(db, subject, organisation::Column::PublicId).await?
            }
            Subject::Commission => unlogged::<commission::Entity>(db, subject, commission::Column::PublicId).await?,
            Subject::Contact => unlogged::<contact::Entity>(db, subject, contact::Column::PublicId).await?,
        };
        missing.extend(ids.into_iter().map(|id| Touched::new(subject, id)));
    }
    let started = clock(db).await?.scheduled_through.is_some();
    if missing.is_empty() && started {
        return Ok(0);
    }
    let txn = write::begin(db).await?;
    lock_mark(&txn).await?;
    let now = Utc::now();
    let logged = log_as(&txn, &missing, Reason::Write, now).await?;
    if clock(&txn).await?.scheduled_through.is_none() {
        set_scheduled_through(&txn, now).await?;
    }
    if logged > 0 {
        write::advance_mark(&txn).await?;
    }
    txn.commit().await?;
    Ok(logged)
}

async fn unlogged<E: EntityTrait>(
    db: &impl ConnectionTrait,
    subject: Subject,
    public_id: E::Column,
) -> Result<Vec<Uuid>, ApiError> {
    let logged = Query::select()
        .column(change_log::Column::RecordId)
        .from(change_log::Entity)
        .and_where(change_log::Column::EntityType.eq(subject.name()))
        .to_owned();
    Ok(E::find().select_only().column(public_id).filter(public_id.not_in_subquery(logged)).into_tuple().all(db).await?)
}

async fn set_scheduled_through(txn: &DatabaseTransaction, at: DateTime<Utc>) -> Result<(), ApiError> {
    change_clock::Entity::update_many()
        .col_expr(change_clock::Column::ScheduledThrough, Expr::value(at))
        .filter(change_clock::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(())
}

/// Logs the scheduled releases that came due since the clock last looked. Cheap when none did
/// (one indexed read, no transaction); returns the rows logged.
pub async fn catch_up(db: &DatabaseConnection) -> Result<usize, ApiError> {
    let Some(through) = clock(db).await?.scheduled_through else { return Ok(0) };
    if due(db, through, Utc::now(), true).await?.is_empty() {
        return Ok(0);
    }
    let txn = write::begin_next(db).await?;
    lock_mark(&txn).await?;
    // Read again under the lock: another server may have logged them meanwhile, and a write
    // that was committing when we looked is visible now.
    let Some(through) = clock(&txn).await?.scheduled_through else { return Ok(0) };
    let now = Utc::now();
    let touched: Vec<Touched> =
        due(&txn, through, now, false).await?.into_iter().map(|id| Touched::new(Subject::Release, id)).collect();
    let logged = log_as(&txn, &touched, Reason::Clock, now).await?;
    set_scheduled_through(&txn, now).await?;
    if logged > 0 {
        write::advance_mark(&txn).await?;
    }
    txn.commit().await?;
    super::webhook::wake();
    Ok(logged)
}

/// Releases whose publication instant falls in `(after, through]`: those that may have come due.
async fn due(
    db: &impl ConnectionTrait,
    after: DateTime<Utc>,
    through: DateTime<Utc>,
    any: bool,
) -> Result<Vec<Uuid>, ApiError> {
    let mut select = release::Entity::find()
        .select_only()
        .column(release::Column::PublicId)
        .filter(release::Column::Status.is_in([release::Status::Published, release::Status::Scheduled]))
        .filter(release::Column::PublishedAt.gt(after))
        .filter(release::Column::PublishedAt.lte(through));
    if any {
        select = select.limit(1);
    }
    Ok(select.into_tuple().all(db).await?)
}

/// Drops the entries older than `retention` that a later entry of the same record supersedes,
/// and the tombstones of deleted records, up to `batch` of them; a cursor before the newest one
/// dropped has expired. A record's latest entry stays while the record does: it is what the
/// record's next change is named against (a record whose entry was gone would be deleted without
/// a tombstone), and what an initial sync finds it by. Returns how many went.
pub async fn purge(db: &DatabaseConnection, retention: Duration, batch: u64) -> Result<usize, ApiError> {
    use change_log::Column;
    let cutoff = Utc::now() - retention;
    let later = Query::select()
        .expr(Expr::val(1))
        .from_as(change_log::Entity, "later")
        .and_where(Expr::col(("later", Column::EntityType)).equals((change_log::Entity, Column::EntityType)))
        .and_where(Expr::col(("later", Column::RecordId)).equals((change_log::Entity, Column::RecordId)))
        .and_where(Expr::col(("later", Column::Id)).gt(Expr::col((change_log::Entity, Column::Id))))
        .to_owned();
    let old: Vec<i64> = change_log::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::At.lt(cutoff))
        .filter(Condition::any().add(Column::Change.eq(Change::Deleted.name())).add(Expr::exists(later)))
        .order_by_asc(Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let Some(&newest) = old.iter().max() else { return Ok(0) };
    let txn = write::begin_next(db).await?;
    lock_mark(&txn).await?;
    change_log::Entity::delete_many().filter(change_log::Column::Id.is_in(old.iter().copied())).exec(&txn).await?;
    change_clock::Entity::update_many()
        .col_expr(change_clock::Column::PurgedThrough, Expr::value(newest))
        .filter(change_clock::Column::Id.eq(1))
        .filter(change_clock::Column::PurgedThrough.lt(newest))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(old.len())
}

/// Which entries a reader follows. Every field narrows; a facet matches a record that had it
/// before the change or has it after, so a record leaving a facet is seen leaving.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub subjects: Vec<Subject>,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub organisation: Option<String>,
    pub commission: Option<String>,
    pub country: Option<String>,
}

impl Filter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.subjects.is_empty() {
            condition = condition.add(change_log::Column::EntityType.is_in(self.subjects.iter().map(|s| s.name())));
        }
        let facets = [
            ("language", &self.language),
            ("topic", &self.topic),
            ("organisation", &self.organisation),
            ("commission", &self.commission),
            ("country", &self.country),
        ];
        for (name, value) in facets {
            if let Some(value) = value {
                let escaped = value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_").replace('|', "");
                let pattern = LikeExpr::new(format!("%|{name}:{escaped}|%")).escape('\\');
                condition = condition.add(Expr::col(change_log::Column::Matched).like(pattern));
            }
        }
        condition
    }
}

/// One entry of the log as a caller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub position: i64,
    pub subject: Subject,
    pub id: Uuid,
    pub key: Option<String>,
    pub change: Change,
    pub at: DateTime<Utc>,
}

/// A page of the log, and where to resume.
#[derive(Clone, Debug)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// The position to resume after: the last entry's, or the log's head when the page reached
    /// it (so an empty page still moves the reader past what it could not see).
    pub cursor: i64,
    pub more: bool,
}

/// The position a cursor names (`after`, as clients send it back): the decimal position.
pub fn parse_cursor(field: &'static str, cursor: &str) -> Result<i64, ApiError> {
    cursor
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|position| *position >= 0)
        .ok_or_else(|| ApiError::bad_input(field, format!("`{cursor}` is not a change-log cursor")))
}

/// The newest position: every position up to it is committed. Positions are never reused, so
/// once the retention has emptied the log it stands where the purge left it.
pub async fn head(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    Ok(read_head(db).await?.0)
}

/// The head, and the newest position purged.
async fn read_head(db: &impl ConnectionTrait) -> Result<(i64, i64), ApiError> {
    let newest: Option<i64> = change_log::Entity::find()
        .select_only()
        .expr(Expr::col(change_log::Column::Id).max())
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let purged_through = clock(db).await?.purged_through;
    Ok((Ord::max(newest.unwrap_or(0), purged_through), purged_through))
}

/// Up to `limit` entries after `after` (from the start when `None`) that match `filter`, as
/// `access` sees them: an anonymous reader sees a release enter the public set as `published`
/// and leave it as a tombstone, and nothing of what it never saw. A cursor the retention has
/// passed is refused with `CURSOR_EXPIRED`, one the log never reached with `BAD_USER_INPUT`.
pub async fn page(
    db: &impl ConnectionTrait,
    access: &Access,
    after: Option<i64>,
    limit: u64,
    filter: &Filter,
) -> Result<Page, ApiError> {
    // The head first: every position up to it is committed (see the module's comment), so the
    // page can promise the reader everything up to it.
    let (head, purged_through) = read_head(db).await?;
    let after_position = after.unwrap_or(0);
    if let Some(after) = after {
        if after < purged_through {
            return Err(ApiError::CursorExpired { field: "after", cursor: after.to_string() });
        }
        if after > head {
            return Err(ApiError::bad_input(
                "after",
                format!("the change log has not reached `{after}` (it is at `{head}`)"),
            ));
        }
    }
    let mut condition =
        filter.condition().add(change_log::Column::Id.gt(after_position)).add(change_log::Column::Id.lte(head));
    if access.viewer == Viewer::Anonymous {
        condition = condition.add(
            Condition::any()
                .add(change_log::Column::PublicBefore.eq(true))
                .add(change_log::Column::PublicAfter.eq(true)),
        );
    }
    let rows = change_log::Entity::find()
        .filter(condition)
        .order_by_asc(change_log::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<change_log::Model> = rows.into_iter().take(limit as usize).collect();
    let cursor = match rows.last() {
        Some(last) if more => last.id,
        _ => Ord::max(head, after_position),
    };
    let entries: Vec<Entry> = rows.into_iter().filter_map(|row| seen_by(access, row)).collect();
    Ok(Page { entries, cursor, more })
}

/// A row as `access` sees it (`None`: nothing it may see).
pub fn seen_by(access: &Access, row: change_log::Model) -> Option<Entry> {
    let subject = Subject::from_name(&row.entity_type)?;
    let stored = Change::from_name(&row.change);
    let change = match access.viewer {
        Viewer::Preview => stored,
        Viewer::Anonymous => match (row.public_before, row.public_after) {
            (false, false) => return None,
            (false, true) if subject == Subject::Release => Change::Published,
            (false, true) => Change::Created,
            (true, true) => Change::Updated,
            (true, false) if subject != Subject::Release || stored == Change::Deleted => Change::Deleted,
            (true, false) if row.status.as_deref() == Some("archived") => Change::Archived,
            (true, false) => Change::Unpublished,
        },
    };
    Some(Entry { position: row.id, subject, id: row.record_id, key: row.record_key, change, at: row.at })
}

/// The records a page's entries name that `access` may see, by type: tombstones name none.
#[derive(Debug, Default)]
pub struct Records {
    pub releases: HashMap<Uuid, release::Model>,
    pub topics: HashMap<Uuid, topic::Model>,
    pub organisations: HashMap<Uuid, organisation::Model>,
    pub commissions: HashMap<Uuid, commission::Model>,
    pub contacts: HashMap<Uuid, contact::Model>,
}

/// Loads the records of `entries` (one statement per type present).
pub async fn records(db: &impl ConnectionTrait, access: &Access, entries: &[Entry]) -> Result<Records, ApiError> {
    let ids = |subject: Subject| -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = entries
            .iter()
            .filter(|entry| entry.subject == subject && !entry.change.is_tombstone())
            .map(|entry| entry.id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut records = Records::default();
    let releases = ids(Subject::Release);
    if !releases.is_empty() {
        let rows = release::Entity::find()
            .filter(release::Column::PublicId.is_in(releases))
            .filter(access.release_condition())
            .all(db)
            .await?;
        records.releases = rows.into_iter().map(|row| (row.public_id, row)).collect();
    }
    let contacts = ids(Subject::Contact);
    if !contacts.is_empty() {
        let rows = contact::Entity::find()
            .filter(contact::Column::PublicId.is_in(contacts))
            .filter(access.contact_condition())
            .all(db)
            .await?;
        records.contacts = rows.into_iter().map(|row| (row.public_id, row)).collect();
    }
    let topics = ids(Subject::Topic);
    if !topics.is_empty() {
        let rows = topic::Entity::find().filter(topic::Column::PublicId.is_in(topics)).all(db).await?;
        records.topics = rows.into_iter().map(|row| (row.public_id, row)).collect();
    }
    let organisations = ids(Subject::Organisation);
    if !organisations.is_empty() {
        let rows =
            organisation::Entity::find().filter(organisation::Column::PublicId.is_in(organisations)).all(db).await?;
        records.organisations = rows.into_iter().map(|row| (row.public_id, row)).collect();
    }
    let commissions = ids(Subject::Commission);
    if !commissions.is_empty() {
        let rows = commission::Entity::find().filter(commission::Column::PublicId.is_in(commissions)).all(db).await?;
        records.commissions = rows.into_iter().map(|row| (row.public_id, row)).collect();
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previous(change: Change, public_after: bool, status: Option<&str>) -> change_log::Model {
        change_log::Model {
            id: 1,
            entity_type: "Release".into(),
            record_id: Uuid::nil(),
            record_key: Some("en/a".into()),
            change: change.name().into(),
            status: status.map(str::to_owned),
            public_before: false,
            public_after,
            at: Utc::now(),
            facets: "|topic:health|".into(),
            matched: "|topic:health|".into(),
        }
    }

    fn state(public: bool, status: &str) -> State {
        State {
            public,
            status: Some(status.into()),
            key: Some("en/a".into()),
            facets: ["topic:trade".to_owned()].into(),
            published_at: None,
        }
    }

    fn named(previous: Option<&change_log::Model>, state: Option<&State>, reason: Reason) -> Option<String> {
        row(Subject::Release, Uuid::nil(), reason, previous, state, Utc::now()).map(|row| row.change.unwrap())
    }

    #[test]
    fn changes_are_named_against_the_previous_state() {
        let draft = previous(Change::Created, false, Some("draft"));
        let live = previous(Change::Published, true, Some("published"));
        let write = Reason::Write;
        assert_eq!(named(None, Some(&state(false, "draft")), write).as_deref(), Some("created"));
        assert_eq!(named(None, Some(&state(true, "published")), write).as_deref(), Some("published"));
        assert_eq!(named(Some(&draft), Some(&state(true, "published")), write).as_deref(), Some("published"));
        assert_eq!(named(Some(&live), Some(&state(true, "published")), write).as_deref(), Some("updated"));
        assert_eq!(named(Some(&live), Some(&state(false, "draft")), write).as_deref(), Some("unpublished"));
        assert_eq!(named(Some(&live), Some(&state(false, "archived")), write).as_deref(), Some("archived"));
        assert_eq!(named(Some(&draft), Some(&state(false, "archived")), write).as_deref(), Some("archived"));
        assert_eq!(named(Some(&live), None, write).as_deref(), Some("deleted"));
        assert_eq!(named(None, None, write), None, "a record never logged and gone leaves nothing");
        // The clock logs only what an anonymous reader now sees differently.
        assert_eq!(named(Some(&live), Some(&state(true, "published")), Reason::Clock), None);
        assert_eq!(named(Some(&draft), Some(&state(true, "scheduled")), Reason::Clock).as_deref(), Some("published"));
    }

    #[test]
    fn filters_match_what_a_record_had_before_and_has_after() {
        let live = previous(Change::Published, true, Some("published"));
        let moved =
            row(Subject::Release, Uuid::nil(), Reason::Write, Some(&live), Some(&state(true, "published")), Utc::now())
                .unwrap();
        assert_eq!(moved.facets.unwrap(), "|topic:trade|");
        assert_eq!(moved.matched.unwrap(), "|topic:health|topic:trade|");
    }

    #[test]
    fn anonymous_readers_see_public_transitions_only() {
        let anonymous = Access::anonymous();
        let at = |public_before, public_after, change: Change, status: Option<&str>| {
            let mut row = previous(change, public_after, status);
            row.public_before = public_before;
            seen_by(&anonymous, row).map(|entry| entry.change)
        };
        assert_eq!(at(false, false, Change::Created, Some("draft")), None);
        assert_eq!(at(false, true, Change::Published, Some("published")), Some(Change::Published));
        assert_eq!(at(true, true, Change::Updated, Some("published")), Some(Change::Updated));
        assert_eq!(at(true, false, Change::Unpublished, Some("draft")), Some(Change::Unpublished));
        assert_eq!(at(true, false, Change::Archived, Some("archived")), Some(Change::Archived));
        assert_eq!(at(true, false, Change::Deleted, None), Some(Change::Deleted));
        let editor = seen_by(&Access::preview(), previous(Change::Created, false, Some("draft")));
        assert_eq!(editor.map(|entry| entry.change), Some(Change::Created));
    }
}
