//! The second pass: write the spooled records, type by type in dependency order, a chunk at a
//! time, in one transaction. A record whose references cannot be resolved fails before anything of
//! it is written; an atomic import with any failure, and every dry run, is rolled back.

mod releases;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{commission, contact, organisation, topic};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Failure, Mode, Options,
    plan::{Plan, Spool, Spooled},
    progress::Reporter,
    record::{Kind, Record},
    report::Report,
};
use crate::{
    error::ApiError,
    export,
    service::{
        self, bulk, changes,
        commission::write::{self as commission_write, Seat},
        external_id::{self, ExternalId},
        organisation::write as organisation_write,
        write::{self, Author},
    },
};

/// Records per chunk: a few statements each, whatever the file's size.
const CHUNK: usize = 1000;

/// What happened to one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

struct Run<'a> {
    txn: DatabaseTransaction,
    /// Who revisions name as their writer.
    actor: String,
    progress: &'a Reporter,
    /// Records handed to the database so far, of `total`.
    written: u64,
    total: u64,
    report: Report,
    now: DateTime<Utc>,
    mode: Mode,
    plan_keys: HashMap<Kind, HashSet<String>>,
    rejected: HashSet<(Kind, String)>,
    /// Releases some record of the file names as a translation.
    translated: HashSet<String>,
    /// The file's organisations by the external identifiers they hold (`scheme=value` → slug).
    organisation_refs: HashMap<String, String>,
    /// The records written, for the change log: created ones by public id, updated ones by key.
    touched: std::sync::Mutex<Touched>,
}

/// The records an import wrote, by type name.
#[derive(Default)]
struct Touched {
    created: Vec<(&'static str, Uuid)>,
    updated: Vec<(&'static str, i32)>,
}

impl Run<'_> {
    /// Takes the next chunk to write, reporting the records written before it.
    fn take(&mut self, chunk: Result<Vec<Spooled>, ApiError>) -> Result<Vec<Spooled>, ApiError> {
        let chunk = chunk?;
        self.tick(chunk.len());
        Ok(chunk)
    }

    /// Reports the records written so far, before the next `records` are.
    fn tick(&mut self, records: usize) {
        self.progress.tick(self.written, Some(self.total), 0, 0);
        self.written += records as u64;
    }

    /// What one record does to its row. A new row is stamped with `public_id` and queued for the
    /// chunk's INSERT; the row `stored` (key, version) is left alone when the record is the `same`
    /// as it, and updated under its version otherwise.
    async fn upsert<A: ActiveModelTrait + Send>(
        &self,
        mut row: A,
        stored: Option<(i32, i32)>,
        same: bool,
        public_id: Uuid,
        (columns, entity): ([<A::Entity as EntityTrait>::Column; 3], &'static str),
        new_rows: &mut Vec<A>,
    ) -> Result<Outcome, ApiError> {
        Ok(match stored {
            None => {
                write::stamp_new(&mut row, public_id, self.now);
                new_rows.push(row);
                self.touched
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .created
                    .push((entity, public_id));
                Outcome::Created
            }
            Some(_) if same => Outcome::Unchanged,
            Some((id, version)) => {
                write::update_versioned(&self.txn, row, columns, id, version, entity).await?;
                self.touched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).updated.push((entity, id));
                Outcome::Updated
            }
        })
    }

    fn fail(&mut self, spooled: &Spooled, field: Option<String>, code: &'static str, message: String) {
        let record = &spooled.record;
        self.report.fail(Failure {
            file: spooled.file.clone(),
            line: Some(spooled.line),
            kind: Some(record.kind()),
            key: Some(record.key()),
            field,
            ..Failure::file(code, message)
        });
    }

    fn count(&mut self, kind: Kind, outcome: Outcome) {
        let counts = self.report.counts(kind);
        match outcome {
            Outcome::Created => counts.created += 1,
            Outcome::Updated => counts.updated += 1,
            Outcome::Unchanged => counts.unchanged += 1,
        }
    }

    /// Whether `key` of `kind` is a good record of this file (written, or about to be).
    fn in_file(&self, kind: Kind, key: &str) -> bool {
        self.plan_keys.get(&kind).is_some_and(|keys| keys.contains(key))
            && !self.rejected.contains(&(kind, key.to_owned()))
    }
}

/// The spooled records of one type, a chunk at a time, read from disk as they are asked for: only
/// the chunk being written is in memory.
fn chunks(spool: Option<Spool>) -> Result<impl Iterator<Item = Result<Vec<Spooled>, ApiError>>, ApiError> {
    let mut records = match spool {
        Some(spool) => Some(spool.records()?),
        None => None,
    };
    Ok(std::iter::from_fn(move || {
        let records = records.as_mut()?;
        let mut chunk = Vec::with_capacity(CHUNK);
        for spooled in records.by_ref() {
            match spooled {
                Ok(spooled) => chunk.push(spooled),
                Err(error) => return Some(Err(error)),
            }
            if chunk.len() == CHUNK {
                break;
            }
        }
        (!chunk.is_empty()).then_some(Ok(chunk))
    }))
}

/// Internal keys of the organisations with `slugs`.
async fn organisation_ids(txn: &impl ConnectionTrait, slugs: &[String]) -> Result<HashMap<String, i32>, ApiError> {
    ids_by(txn, organisation::Entity::find(), organisation::Column::Id, organisation::Column::Slug, slugs).await
}

/// Internal keys of the commissions with `slugs`.
async fn commission_ids(txn: &impl ConnectionTrait, slugs: &[String]) -> Result<HashMap<String, i32>, ApiError> {
    ids_by(txn, commission::Entity::find(), commission::Column::Id, commission::Column::Slug, slugs).await
}

/// Internal keys of the topics with `slugs`.
async fn topic_ids(txn: &impl ConnectionTrait, slugs: &[String]) -> Result<HashMap<String, i32>, ApiError> {
    ids_by(txn, topic::Entity::find(), topic::Column::Id, topic::Column::Slug, slugs).await
}

async fn ids_by<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    id: E::Column,
    key: E::Column,
    keys: &[String],
) -> Result<HashMap<String, i32>, ApiError> {
    let mut found = HashMap::new();
    for part in keys.chunks(CHUNK) {
        let rows: Vec<(i32, Option<String>)> = select
            .clone()
            .select_only()
            .column(id)
            .column(key)
            .filter(key.is_in(part.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        found.extend(rows.into_iter().filter_map(|(id, key)| Some((key?, id))));
    }
    Ok(found)
}

fn unique(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut keys: Vec<String> = keys.into_iter().collect::<HashSet<_>>().into_iter().collect();
    keys.sort();
    keys
}

/// The public id of a record about to be created: its own, unless another record has it.
fn fresh_id(wanted: Option<Uuid>, taken: &HashSet<Uuid>) -> Uuid {
    wanted.filter(|id| !taken.contains(id)).unwrap_or_else(Uuid::now_v7)
}

/// Public ids already taken among those the records bring (a record's id is kept only if free).
async fn taken_ids<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    column: E::Column,
    ids: Vec<Uuid>,
) -> Result<HashSet<Uuid>, ApiError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<Uuid> =
        E::find().select_only().column(column).filter(column.is_in(ids)).into_tuple().all(txn).await?;
    Ok(rows.into_iter().collect())
}

/// Runs the second pass over `plan`.
pub async fn apply(
    db: &DatabaseConnection,
    author: Author<'_>,
    mut plan: Plan,
    options: Options,
    progress: &Reporter,
) -> Result<Report, ApiError> {
    let mut report = Report::new(options.mode, options.dry_run);
    report.records = plan.records;
    for failure in std::mem::take(&mut plan.failures) {
        report.fail(failure);
    }
    let txn = write::begin(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // The server's connections keep generic plans (see `startup::connect`), planned once per
        // statement text. An import's lookups run with the same text while the tables grow by
        // thousands of rows: a plan made when they were empty (a sequential scan) would be kept
        // for the whole import. Plan each execution for the data it meets instead.
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
    }
    let cache = SqliteCache::widen(&txn).await?;
    let total = plan.spools.values().map(|spool| spool.count).sum();
    let mut run = Run {
        txn,
        actor: author.principal.subject.clone(),
        progress,
        written: 0,
        total,
        report,
        now: Utc::now(),
        mode: options.mode,
        plan_keys: std::mem::take(&mut plan.keys),
        rejected: std::mem::take(&mut plan.rejected),
        translated: std::mem::take(&mut plan.translated),
        organisation_refs: std::mem::take(&mut plan.organisation_refs),
        touched: std::sync::Mutex::default(),
    };
    let mut spools = std::mem::take(&mut plan.spools);
    organisations(&mut run, spools.remove(&Kind::Organisation), &plan.parents).await?;
    topics(&mut run, spools.remove(&Kind::Topic), &plan.topic_parents).await?;
    contacts(&mut run, spools.remove(&Kind::Contact)).await?;
    commissions(&mut run, spools.remove(&Kind::Commission)).await?;
    releases::releases(&mut run, spools.remove(&Kind::Release)).await?;

    let Run { txn, mut report, mode, written, touched, .. } = run;
    let keep = !options.dry_run && (mode == Mode::BestEffort || report.failed == 0);
    let changed = report.counts.values().any(|counts| counts.created + counts.updated > 0);
    if keep && !changed {
        // Every record was as stored: the import is in effect, and like any write that changes
        // nothing it leaves no audit event and moves no write mark (nor the caches and feeds).
        cache.restore(&txn).await?;
        txn.rollback().await?;
        report.committed = true;
    } else if keep {
        let summary =
            json!({ "mode": report.mode, "records": report.records, "counts": report.counts, "failed": report.failed });
        write::audit_batch(&txn, author, "Import", "import", summary).await?;
        let touched = touched.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut records: Vec<changes::Touched> =
            touched.created.iter().flat_map(|(entity, id)| write::touched(entity, *id)).collect();
        records.extend(changes::by_key(&txn, &touched.updated).await?);
        write::commit_after(txn, author, &records, async |txn| cache.restore(txn).await).await?;
        report.committed = true;
    } else {
        cache.restore(&txn).await?;
        txn.rollback().await?;
    }
    progress.done(written, Some(total), 0, 0);
    Ok(report)
}

/// SQLite's page cache on the import's connection, widened for the import. An import writes
/// several tables a chunk at a time, each with its indexes; in SQLite's default 2 MB these evict
/// each other, and every evicted page is written to the log and read back when next touched
/// (a sixth of a large import's CPU, `perf`: `pagerStress`, `vfs_read`). The pages are allocated
/// as they are used, up to the limit, and freed when the size is restored.
struct SqliteCache(Option<i64>);

impl SqliteCache {
    /// Kibibytes of cache for an import (the default is 2,000).
    const IMPORT_KIB: i64 = 64 * 1024;

    async fn widen(txn: &DatabaseTransaction) -> Result<Self, ApiError> {
        if txn.get_database_backend() != sea_orm::DbBackend::Sqlite {
            return Ok(Self(None));
        }
        let statement = sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA cache_size");
        let before = match txn.query_one_raw(statement).await? {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => -2000,
        };
        txn.execute_unprepared(&format!("PRAGMA cache_size = -{}", Self::IMPORT_KIB)).await?;
        Ok(Self(Some(before)))
    }

    /// Gives the connection its cache size back before it returns to the pool.
    async fn restore(self, txn: &DatabaseTransaction) -> Result<(), ApiError> {
        if let Some(before) = self.0 {
            txn.execute_unprepared(&format!("PRAGMA cache_size = {before}")).await?;
        }
        Ok(())
    }
}

/// The organisation graph as it will be: every stored organisation's parent, overlaid with the
/// parents the file sets. Organisations of the file whose parents loop are reported and skipped.
async fn organisations(
    run: &mut Run<'_>,
    spool: Option<Spool>,
    parents: &HashMap<String, (u64, Option<String>)>,
) -> Result<(), ApiError> {
    if spool.is_none() {
        return Ok(());
    }
    // Phase A: fields, with each parent checked to exist (in the file or stored).
    let mut outcomes: HashMap<String, (i32, Outcome)> = HashMap::new();
    let mut renamed = Vec::new();
    let mut parents = parents.clone();
    for chunk in chunks(spool)? {
        let mut chunk = run.take(chunk)?;
        let resolved = organisation_slugs_for(run, &mut chunk).await?;
        for (_, parent) in parents.values_mut() {
            if let Some(slug) = parent.as_ref().and_then(|reference| resolved.get(reference)) {
                *parent = Some(slug.clone());
            }
        }
        let holders = external_id_holders(run, &chunk).await?;
        let mut with_ids: Vec<(String, Vec<ExternalId>)> = Vec::new();
        let wanted_parents = unique(chunk.iter().filter_map(|s| match &s.record {
            Record::Organisation(o) => o.parent.clone(),
            _ => None,
        }));
        let stored_parents = organisation_ids(&run.txn, &wanted_parents).await?;
        let slugs = unique(chunk.iter().map(|s| s.record.key()));
        let existing: Vec<organisation::Model> =
            organisation::Entity::find().filter(organisation::Column::Slug.is_in(slugs.clone())).all(&run.txn).await?;
        let stored: HashMap<String, Record> = export::organisations(&run.txn, &existing)
            .await?
            .into_iter()
            .map(|record| (record.key(), record))
            .collect();
        let existing: HashMap<String, organisation::Model> =
            existing.into_iter().map(|o| (o.slug.clone(), o)).collect();
        let ids = chunk.iter().filter_map(|s| if let Record::Organisation(o) = &s.record { o.id } else { None });
        let taken = taken_ids::<organisation::Entity>(&run.txn, organisation::Column::PublicId, ids.collect()).await?;
        let mut new_rows = Vec::new();
        for spooled in &chunk {
            let Record::Organisation(record) = &spooled.record else { continue };
            if run.rejected.contains(&(Kind::Organisation, record.slug.clone())) {
                continue;
            }
            if let Some(parent) = &record.parent
                && !run.in_file(Kind::Organisation, parent)
                && !stored_parents.contains_key(parent)
            {
                let message = format!("no organisation `{parent}` in the file or the database");
                run.fail(spooled, Some("parent".into()), "UNKNOWN_REFERENCE", message);
                run.rejected.insert((Kind::Organisation, record.slug.clone()));
                continue;
            }
            let own = existing.get(&record.slug).map(|o| o.id);
            if let Some((index, holder)) = record.external_ids.iter().enumerate().find_map(|(index, id)| {
                holders.get(&id.reference()).filter(|(holder, _)| Some(*holder) != own).map(|(_, slug)| (index, slug))
            }) {
                let reference = record.external_ids[index].reference();
                let message = format!("the external id `{reference}` is already the organisation `{holder}`'s");
                run.fail(spooled, Some(format!("external_ids[{index}]")), "CONFLICT", message);
                run.rejected.insert((Kind::Organisation, record.slug.clone()));
                continue;
            }
            let patch = record.patch();
            let row = organisation_write::columns(&patch);
            let current = existing.get(&record.slug);
            // Parents are phase B's.
            let strip = |o: &super::record::OrganisationRecord| super::record::OrganisationRecord {
                id: None,
                parent: None,
                ..o.clone()
            };
            let same =
                matches!(stored.get(&record.slug), Some(Record::Organisation(old)) if strip(old) == strip(record));
            let stored_row = current.map(|c| (c.id, c.version));
            let table = (crate::service::organisation::write::COLUMNS, "Organisation");
            let public_id = fresh_id(record.id, &taken);
            let outcome = run.upsert(row, stored_row, same, public_id, table, &mut new_rows).await?;
            if let (Outcome::Updated, Some(current)) = (outcome, current) {
                renamed.push(current.id);
            }
            outcomes.insert(record.slug.clone(), (current.map_or(0, |c| c.id), outcome));
            if outcome != Outcome::Unchanged {
                with_ids.push((record.slug.clone(), patch.external_ids.unwrap_or_default()));
            }
        }
        bulk::insert_all(&run.txn, new_rows).await?;
        write_external_ids(run, with_ids).await?;
    }
    // The releases naming a changed organisation, in the file or not, search by its new names.
    use entity::release_organisation::Column as RO;
    service::search::index_naming(&run.txn, RO::ReleaseId, RO::OrganisationId, &renamed).await?;
    let parents = &parents;
    // Phase B: parents, now that every organisation of the file exists; loops are refused.
    let slugs: Vec<String> = outcomes.keys().cloned().collect();
    let rows: Vec<(i32, String, Option<i32>, i32)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Slug)
        .column(organisation::Column::ParentId)
        .column(organisation::Column::Version)
        .into_tuple()
        .all(&run.txn)
        .await?;
    let graph = ParentGraph::new(&rows, parents, |slug| outcomes.contains_key(slug));
    for slug in slugs {
        let Some((_, outcome)) = outcomes.get(&slug).copied() else { continue };
        let Some((id, current_parent, version)) = graph.stored(&slug) else { continue };
        let line = parents.get(&slug).map_or(0, |(line, _)| *line);
        if graph.loops(&slug) {
            let spooled = Spooled { file: None, line, record: placeholder_organisation(&slug) };
            run.fail(&spooled, Some("parent".into()), "REFERENCE_CYCLE", "its parents lead back to itself".into());
            continue;
        }
        let wanted = graph.wanted(&slug);
        let mut outcome = outcome;
        if wanted != current_parent {
            let mut row = organisation::ActiveModel { parent_id: Set(wanted), ..Default::default() };
            if outcome == Outcome::Unchanged {
                row.version = Set(version + 1);
                row.updated_at = Set(run.now);
                outcome = Outcome::Updated;
            }
            organisation::Entity::update_many().set(row).filter(organisation::Column::Id.eq(id)).exec(&run.txn).await?;
        }
        run.count(Kind::Organisation, outcome);
    }
    Ok(())
}

/// The parent links of a type whose records sit under one another (organisations, topics) as
/// they will be once the file is applied: the stored links, overlaid with the file's parents for
/// the records it writes.
struct ParentGraph<'a, F: Fn(&str) -> bool> {
    /// Every stored record: key, parent's key, version.
    by_slug: HashMap<&'a str, (i32, Option<i32>, i32)>,
    slug_of: HashMap<i32, &'a str>,
    /// The file's parent of each of its records, with its line.
    parents: &'a HashMap<String, (u64, Option<String>)>,
    /// Whether the file writes the record.
    written: F,
}

impl<'a, F: Fn(&str) -> bool> ParentGraph<'a, F> {
    /// From the stored rows (key, slug, parent's key, version).
    fn new(
        rows: &'a [(i32, String, Option<i32>, i32)],
        parents: &'a HashMap<String, (u64, Option<String>)>,
        written: F,
    ) -> Self {
        let by_slug =
            rows.iter().map(|(id, slug, parent, version)| (slug.as_str(), (*id, *parent, *version))).collect();
        let slug_of = rows.iter().map(|(id, slug, _, _)| (*id, slug.as_str())).collect();
        Self { by_slug, slug_of, parents, written }
    }

    /// The stored record `slug`: key, parent's key, version.
    fn stored(&self, slug: &str) -> Option<(i32, Option<i32>, i32)> {
        self.by_slug.get(slug).copied()
    }

    /// The parent of `slug` once the file is applied.
    fn parent_after(&self, slug: &str) -> Option<String> {
        match self.parents.get(slug) {
            Some((_, parent)) if (self.written)(slug) => parent.clone(),
            _ => self
                .by_slug
                .get(slug)
                .and_then(|(_, parent, _)| parent.and_then(|id| self.slug_of.get(&id).map(|s| (*s).to_owned()))),
        }
    }

    /// Whether the parents of `slug` lead back to it.
    fn loops(&self, slug: &str) -> bool {
        let mut seen = HashSet::new();
        let mut at = slug.to_owned();
        while let Some(parent) = self.parent_after(&at) {
            if parent == slug {
                return true;
            }
            if !seen.insert(parent.clone()) {
                return false;
            }
            at = parent;
        }
        false
    }

    /// The key of the parent the file gives `slug`, if it gives one that exists.
    fn wanted(&self, slug: &str) -> Option<i32> {
        let parent = self.parents.get(slug).and_then(|(_, parent)| parent.as_deref())?;
        self.by_slug.get(parent).map(|(id, _, _)| *id)
    }
}

/// A stand-in record for reporting an organisation by slug alone.
fn placeholder_organisation(slug: &str) -> Record {
    Record::Organisation(super::record::OrganisationRecord {
        id: None,
        slug: slug.to_owned(),
        name: String::new(),
        acronym: None,
        kind: organisation::Kind::Other,
        country: None,
        parent: None,
        website: None,
        description: None,
        names: Default::default(),
        external_ids: Vec::new(),
    })
}

/// Topics in two phases, as organisations: fields first, each parent checked to exist (in the
/// file or stored); then parents, refusing those that would make a loop.
async fn topics(
    run: &mut Run<'_>,
    spool: Option<Spool>,
    parents: &HashMap<String, (u64, Option<String>)>,
) -> Result<(), ApiError> {
    if spool.is_none() {
        return Ok(());
    }
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let mut renamed = Vec::new();
    for chunk in chunks(spool)? {
        let chunk = run.take(chunk)?;
        let slugs = unique(chunk.iter().map(|s| s.record.key()));
        let wanted_parents = unique(chunk.iter().filter_map(|s| match &s.record {
            Record::Topic(t) => t.parent.clone(),
            _ => None,
        }));
        let stored_parents = topic_ids(&run.txn, &wanted_parents).await?;
        let existing_rows: Vec<topic::Model> =
            topic::Entity::find().filter(topic::Column::Slug.is_in(slugs)).all(&run.txn).await?;
        let stored: HashMap<String, Record> =
            export::topics(&run.txn, &existing_rows).await?.into_iter().map(|r| (r.key(), r)).collect();
        let existing: HashMap<String, topic::Model> = existing_rows.into_iter().map(|t| (t.slug.clone(), t)).collect();
        let ids = chunk.iter().filter_map(|s| if let Record::Topic(t) = &s.record { t.id } else { None });
        let taken = taken_ids::<topic::Entity>(&run.txn, topic::Column::PublicId, ids.collect()).await?;
        let mut new_rows = Vec::new();
        for spooled in &chunk {
            let Record::Topic(record) = &spooled.record else { continue };
            if run.rejected.contains(&(Kind::Topic, record.slug.clone())) {
                continue;
            }
            if let Some(parent) = &record.parent
                && !run.in_file(Kind::Topic, parent)
                && !stored_parents.contains_key(parent)
            {
                let message = format!("no topic `{parent}` in the file or the database");
                run.fail(spooled, Some("parent".into()), "UNKNOWN_REFERENCE", message);
                run.rejected.insert((Kind::Topic, record.slug.clone()));
                continue;
            }
            let row = service::topic::columns(&record.patch());
            let current = existing.get(&record.slug);
            // Parents are the second phase's.
            let strip =
                |t: &super::record::TopicRecord| super::record::TopicRecord { id: None, parent: None, ..t.clone() };
            let same = matches!(stored.get(&record.slug), Some(Record::Topic(old)) if strip(old) == strip(record));
            let stored_row = current.map(|c| (c.id, c.version));
            let table = (crate::service::topic::COLUMNS, "Topic");
            let public_id = fresh_id(record.id, &taken);
            let outcome = run.upsert(row, stored_row, same, public_id, table, &mut new_rows).await?;
            if let (Outcome::Updated, Some(current)) = (outcome, current) {
                renamed.push(current.id);
            }
            outcomes.insert(record.slug.clone(), outcome);
        }
        bulk::insert_all(&run.txn, new_rows).await?;
    }
    // The releases filed under a changed topic, in the file or not, search by its new names.
    use entity::release_topic::Column as RT;
    service::search::index_naming(&run.txn, RT::ReleaseId, RT::TopicId, &renamed).await?;
    // Second phase: parents, now that every topic of the file exists. Topics are few (a
    // vocabulary, not a corpus), so the whole graph is read.
    let rows: Vec<(i32, String, Option<i32>, i32)> = topic::Entity::find()
        .select_only()
        .column(topic::Column::Id)
        .column(topic::Column::Slug)
        .column(topic::Column::ParentId)
        .column(topic::Column::Version)
        .into_tuple()
        .all(&run.txn)
        .await?;
    let graph = ParentGraph::new(&rows, parents, |slug| outcomes.contains_key(slug));
    let mut slugs: Vec<String> = outcomes.keys().cloned().collect();
    slugs.sort();
    for slug in slugs {
        let Some(mut outcome) = outcomes.get(&slug).copied() else { continue };
        let Some((id, current_parent, version)) = graph.stored(&slug) else { continue };
        let line = parents.get(&slug).map_or(0, |(line, _)| *line);
        if graph.loops(&slug) {
            let spooled = Spooled { file: None, line, record: placeholder_topic(&slug) };
            run.fail(&spooled, Some("parent".into()), "REFERENCE_CYCLE", "its parents lead back to itself".into());
            continue;
        }
        let wanted = graph.wanted(&slug);
        if wanted != current_parent {
            let mut row = topic::ActiveModel { parent_id: Set(wanted), ..Default::default() };
            if outcome == Outcome::Unchanged {
                row.version = Set(version + 1);
                row.updated_at = Set(run.now);
                outcome = Outcome::Updated;
            }
            topic::Entity::update_many().set(row).filter(topic::Column::Id.eq(id)).exec(&run.txn).await?;
        }
        run.count(Kind::Topic, outcome);
    }
    Ok(())
}

/// A stand-in record for reporting a topic by slug alone.
fn placeholder_topic(slug: &str) -> Record {
    Record::Topic(super::record::TopicRecord {
        id: None,
        slug: slug.to_owned(),
        name: String::new(),
        names: Default::default(),
        scheme: None,
        parent: None,
    })
}

/// The stored contacts a chunk names (by key, or by email for records without a key), indexed
/// both ways.
struct Contacts {
    rows: Vec<contact::Model>,
    by_key: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
}

impl Contacts {
    async fn load(txn: &impl ConnectionTrait, references: &[String]) -> Result<Self, ApiError> {
        let rows = if references.is_empty() {
            Vec::new()
        } else {
            contact::Entity::find()
                .filter(
                    Condition::any()
                        .add(contact::Column::Key.is_in(references.iter().cloned()))
                        .add(contact::Column::Email.is_in(references.iter().cloned())),
                )
                .all(txn)
                .await?
        };
        let mut by_key = HashMap::new();
        let mut by_email = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            if let Some(key) = &row.key {
                by_key.insert(key.clone(), index);
            }
            // Several contacts may share an email: the oldest answers for it.
            if let Some(email) = &row.email {
                by_email.entry(email.clone()).or_insert(index);
            }
        }
        Ok(Self { rows, by_key, by_email })
    }

    /// The contact `reference` names: the one with that key, else the oldest with that email.
    fn find(&self, reference: &str) -> Option<&contact::Model> {
        self.by_key.get(reference).or_else(|| self.by_email.get(reference)).map(|index| &self.rows[*index])
    }
}

async fn contacts(run: &mut Run<'_>, spool: Option<Spool>) -> Result<(), ApiError> {
    for chunk in chunks(spool)? {
        let mut chunk = run.take(chunk)?;
        organisation_slugs_for(run, &mut chunk).await?;
        let references = unique(chunk.iter().map(|s| s.record.key()));
        let existing = Contacts::load(&run.txn, &references).await?;
        let stored: HashMap<i32, Record> = export::contacts(&run.txn, &existing.rows)
            .await?
            .into_iter()
            .zip(existing.rows.iter().map(|c| c.id))
            .map(|(record, id)| (id, record))
            .collect();
        let organisations = organisation_ids(
            &run.txn,
            &unique(chunk.iter().filter_map(|s| match &s.record {
                Record::Contact(c) => c.organisation.clone(),
                _ => None,
            })),
        )
        .await?;
        let ids = chunk.iter().filter_map(|s| if let Record::Contact(c) = &s.record { c.id } else { None });
        let taken = taken_ids::<contact::Entity>(&run.txn, contact::Column::PublicId, ids.collect()).await?;
        let mut new_rows = Vec::new();
        for spooled in &chunk {
            let Record::Contact(record) = &spooled.record else { continue };
            let organisation_id = match &record.organisation {
                Some(slug) => match organisations.get(slug) {
                    Some(id) => Some(*id),
                    None => {
                        run.fail(
                            spooled,
                            Some("organisation".into()),
                            "UNKNOWN_REFERENCE",
                            format!("no organisation `{slug}`"),
                        );
                        continue;
                    }
                },
                None => None,
            };
            let row = contact::ActiveModel {
                organisation_id: Set(organisation_id),
                ..service::contact::write::columns(&record.patch())
            };
            let current = existing.find(record.natural_key().unwrap_or_default());
            let strip = |c: &super::record::ContactRecord| super::record::ContactRecord { id: None, ..c.clone() };
            let same = current.is_some_and(
                |current| matches!(stored.get(&current.id), Some(Record::Contact(old)) if strip(old) == strip(record)),
            );
            let stored_row = current.map(|c| (c.id, c.version));
            let table = (crate::service::contact::write::COLUMNS, "Contact");
            let public_id = fresh_id(record.id, &taken);
            let outcome = run.upsert(row, stored_row, same, public_id, table, &mut new_rows).await?;
            run.count(Kind::Contact, outcome);
        }
        bulk::insert_all(&run.txn, new_rows).await?;
    }
    Ok(())
}

async fn commissions(run: &mut Run<'_>, spool: Option<Spool>) -> Result<(), ApiError> {
    for chunk in chunks(spool)? {
        let mut chunk = run.take(chunk)?;
        organisation_slugs_for(run, &mut chunk).await?;
        let slugs = unique(chunk.iter().map(|s| s.record.key()));
        let existing_rows: Vec<commission::Model> =
            commission::Entity::find().filter(commission::Column::Slug.is_in(slugs.clone())).all(&run.txn).await?;
        let stored: HashMap<String, Record> =
            export::commissions(&run.txn, &existing_rows).await?.into_iter().map(|r| (r.key(), r)).collect();
        let existing: HashMap<String, commission::Model> =
            existing_rows.into_iter().map(|c| (c.slug.clone(), c)).collect();
        let wanted = unique(chunk.iter().flat_map(|s| match &s.record {
            Record::Commission(c) => {
                c.head_organisation.iter().cloned().chain(c.members.iter().map(|m| m.organisation.clone())).collect()
            }
            _ => Vec::new(),
        }));
        let organisations = organisation_ids(&run.txn, &wanted).await?;
        let ids = chunk.iter().filter_map(|s| if let Record::Commission(c) = &s.record { c.id } else { None });
        let taken = taken_ids::<commission::Entity>(&run.txn, commission::Column::PublicId, ids.collect()).await?;
        let mut written: Vec<(String, Vec<super::record::MemberRecord>)> = Vec::new();
        let mut new_rows = Vec::new();
        for spooled in &chunk {
            let Record::Commission(record) = &spooled.record else { continue };
            let mut missing = None;
            if let Some(head) = &record.head_organisation
                && !organisations.contains_key(head)
            {
                missing = Some(("head_organisation".to_owned(), head.clone()));
            }
            for (index, member) in record.members.iter().enumerate() {
                if missing.is_none() && !organisations.contains_key(&member.organisation) {
                    missing = Some((format!("members[{index}].organisation"), member.organisation.clone()));
                }
            }
            let mut seen = HashSet::new();
            if let Some(index) = record.members.iter().position(|m| !seen.insert(&m.organisation)) {
                run.fail(
                    spooled,
                    Some(format!("members[{index}]")),
                    "INVALID_VALUE",
                    "an organisation sits on the commission once".into(),
                );
                continue;
            }
            if let Some((field, slug)) = missing {
                run.fail(spooled, Some(field), "UNKNOWN_REFERENCE", format!("no organisation `{slug}`"));
                continue;
            }
            let row = commission::ActiveModel {
                head_organisation_id: Set(record
                    .head_organisation
                    .as_ref()
                    .and_then(|h| organisations.get(h).copied())),
                ..commission_write::columns(&record.patch(), !existing.contains_key(&record.slug))
            };
            let current = existing.get(&record.slug);
            let strip =
                |c: &super::record::CommissionRecord| super::record::CommissionRecord { id: None, ..c.canonical() };
            let same = matches!(stored.get(&record.slug), Some(Record::Commission(old)) if strip(old) == strip(record));
            let stored_row = current.map(|c| (c.id, c.version));
            let table = (crate::service::commission::write::COLUMNS, "Commission");
            let public_id = fresh_id(record.id, &taken);
            let outcome = run.upsert(row, stored_row, same, public_id, table, &mut new_rows).await?;
            if outcome != Outcome::Unchanged {
                written.push((record.slug.clone(), record.members.clone()));
            }
            run.count(Kind::Commission, outcome);
        }
        bulk::insert_all(&run.txn, new_rows).await?;
        // Members of every created or changed commission, replaced whole.
        let written_slugs: Vec<String> = written.iter().map(|(slug, _)| slug.clone()).collect();
        let ids = commission_ids(&run.txn, &written_slugs).await?;
        let seats: Vec<(i32, Vec<Seat>)> = written
            .iter()
            .filter_map(|(slug, members)| {
                let seats = members.iter().map(|member| Seat {
                    organisation: organisations.get(&member.organisation).copied().unwrap_or_default(),
                    role: member.role,
                    since: member.since,
                    until: member.until,
                });
                Some((*ids.get(slug)?, seats.collect()))
            })
            .collect();
        commission_write::replace_members(&run.txn, &seats).await?;
    }
    Ok(())
}

/// The organisation-reference fields of `record` (a parent, a contact's organisation, a
/// commission's head and members, a release's organisations).
fn organisation_references(record: &mut Record) -> Vec<&mut String> {
    match record {
        Record::Organisation(o) => o.parent.iter_mut().collect(),
        Record::Contact(c) => c.organisation.iter_mut().collect(),
        Record::Commission(c) => {
            c.head_organisation.iter_mut().chain(c.members.iter_mut().map(|m| &mut m.organisation)).collect()
        }
        Record::Release(r) => r.organisations.iter_mut().map(|o| &mut o.organisation).collect(),
        Record::Topic(_) => Vec::new(),
    }
}

/// Rewrites the references to organisations by external identifier (`scheme=value`) in `chunk`
/// as slugs: of the organisation of the file that holds it, else of the stored one. Unknown ones
/// are left as they are, to be reported as naming no organisation. Returns what it resolved.
async fn organisation_slugs_for(run: &Run<'_>, chunk: &mut [Spooled]) -> Result<HashMap<String, String>, ApiError> {
    let mut wanted: Vec<ExternalId> = Vec::new();
    for spooled in chunk.iter_mut() {
        for reference in organisation_references(&mut spooled.record) {
            if !run.organisation_refs.contains_key(reference.as_str())
                && let Some((scheme, value)) = reference.split_once('=')
            {
                wanted.push(ExternalId { scheme: scheme.to_owned(), value: value.to_owned() });
            }
        }
    }
    let mut resolved: HashMap<String, String> = HashMap::new();
    if !wanted.is_empty() {
        wanted.sort();
        wanted.dedup();
        let owners = external_id::owners(&run.txn, external_id::ORGANISATION, &wanted).await?;
        let slugs = export::organisation_slugs(&run.txn, &owners.values().copied().collect::<Vec<_>>()).await?;
        for (id, owner) in owners {
            if let Some(slug) = slugs.get(&owner) {
                resolved.insert(id.to_string(), slug.clone());
            }
        }
    }
    for spooled in chunk.iter_mut() {
        for reference in organisation_references(&mut spooled.record) {
            if let Some(slug) =
                run.organisation_refs.get(reference.as_str()).or_else(|| resolved.get(reference.as_str()))
            {
                *reference = slug.clone();
            }
        }
    }
    resolved.extend(run.organisation_refs.iter().map(|(reference, slug)| (reference.clone(), slug.clone())));
    Ok(resolved)
}

/// The stored organisations holding the external identifiers the organisations of `chunk` bring,
/// by reference: (internal key, slug).
async fn external_id_holders(run: &Run<'_>, chunk: &[Spooled]) -> Result<HashMap<String, (i32, String)>, ApiError> {
    let wanted: Vec<ExternalId> = chunk
        .iter()
        .flat_map(|s| match &s.record {
            Record::Organisation(o) => o.external_ids.clone(),
            _ => Vec::new(),
        })
        .map(|id| ExternalId { scheme: id.scheme, value: id.value })
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let owners = external_id::owners(&run.txn, external_id::ORGANISATION, &wanted).await?;
    let slugs = export::organisation_slugs(&run.txn, &owners.values().copied().collect::<Vec<_>>()).await?;
    Ok(owners
        .into_iter()
        .filter_map(|(id, owner)| Some((id.to_string(), (owner, slugs.get(&owner)?.clone()))))
        .collect())
}

/// Replaces the external identifiers of the created and changed organisations `written` (slug,
/// identifiers).
async fn write_external_ids(run: &Run<'_>, written: Vec<(String, Vec<ExternalId>)>) -> Result<(), ApiError> {
    if written.is_empty() {
        return Ok(());
    }
    let ids = organisation_ids(&run.txn, &written.iter().map(|(slug, _)| slug.clone()).collect::<Vec<_>>()).await?;
    let records: Vec<(i32, &[ExternalId])> =
        written.iter().filter_map(|(slug, list)| Some((*ids.get(slug)?, list.as_slice()))).collect();
    external_id::replace_all(&run.txn, external_id::ORGANISATION, &records).await
}
