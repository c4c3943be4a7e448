//! Releases, the last and largest type: written a chunk at a time in two overlapping stages,
//! with their relations, translation groups and revisions.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use entity::release;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    CHUNK, Contacts, Outcome, Run, chunks, commission_ids, fresh_id, organisation_ids, taken_ids, topic_ids, unique,
};
use crate::service::external_id::{self, ExternalId};
use crate::{
    error::ApiError,
    export,
    import::{
        plan::{Spool, Spooled},
        record::{ExternalIdRecord, Kind, Record, ReleaseRecord},
    },
    service::{
        bulk,
        release::{
            snapshot::{Snapshot, insert_first_revisions},
            write::{self as release_write, Relations},
        },
        search,
    },
};

/// The releases `keys` (`language/slug`) name, as a condition the (language, slug) index serves.
/// It may also match other pairs of those languages and slugs: callers look the keys up.
fn named_releases<'a>(keys: impl IntoIterator<Item = &'a str>) -> Condition {
    let (languages, slugs): (Vec<String>, Vec<String>) = keys
        .into_iter()
        .filter_map(|key| key.split_once('/'))
        .map(|(language, slug)| (language.to_owned(), slug.to_owned()))
        .unzip();
    Condition::all()
        .add(release::Column::Language.is_in(unique(languages)))
        .add(release::Column::Slug.is_in(unique(slugs)))
}

/// `language/slug` of a release.
fn release_key(release: &release::Model) -> String {
    format!("{}/{}", release.language, release.slug)
}

/// A chunk of releases, checked against the database and turned into rows, ready to be written.
struct Prepared {
    chunk: Arc<Vec<Spooled>>,
    /// The chunk's created and changed releases: (index in `chunk`, outcome).
    written: Vec<(usize, Outcome)>,
    /// The public ids of the releases it creates.
    created: Vec<Uuid>,
    /// Every good record's key, outcome and translations.
    outcomes: Vec<(String, Outcome, Vec<String>)>,
    /// Records that cannot be written: (index in `chunk`, field, message).
    failures: Vec<(usize, String, String)>,
    new_rows: Vec<release::ActiveModel>,
    references: References,
    /// The search index's text of the created and changed releases, and the snapshots (as JSON
    /// text) of those given their revision from the record (`fresh_snapshot`), by key: being
    /// made on another thread (`analyse`), not read back and analysed as the chunk is written.
    analysed: Option<tokio::task::JoinHandle<Result<Analysed, ApiError>>>,
    /// Records holding an external identifier another release holds: (index in `chunk`, field,
    /// message).
    conflicts: Vec<(usize, String, String)>,
}

/// What a chunk's references name: internal keys by natural key.
struct References {
    topics: HashMap<String, i32>,
    commissions: HashMap<String, i32>,
    organisations: HashMap<String, i32>,
    contacts: Contacts,
}

fn release_of(spooled: &Spooled) -> Option<&ReleaseRecord> {
    if let Record::Release(record) = &spooled.record { Some(record) } else { None }
}

/// Writes the releases a chunk at a time, in two stages that overlap: while one chunk's rows are
/// being written, the next chunk's text is analysed for search and its snapshots serialised (most
/// of the import's CPU) on a thread of its own. Reading what the next chunk refers to and building
/// its rows comes first, on the transaction's connection; the statements run one at a time, in one
/// transaction.
pub(super) async fn releases(run: &mut Run<'_>, spool: Option<Spool>) -> Result<(), ApiError> {
    // Each written release's translations, for the last step; and what happened to it.
    let mut translations: HashMap<String, Vec<String>> = HashMap::new();
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    // Releases whose first revision is written from their record (`fresh_snapshot`).
    let mut revised: HashSet<String> = HashSet::new();
    // Public ids given to new releases of earlier chunks: a record that brings one gets a fresh id.
    let mut assigned: HashSet<Uuid> = HashSet::new();
    let mut chunks = chunks(spool)?;
    let mut pending: Option<Prepared> = None;
    let analysis = Arc::new(Mutex::new(search::Analysis::default()));
    let mut index = IndexQueue::default();
    loop {
        // Not concurrent with the write: the two would share the transaction's connection behind
        // a mutex that hands the lock to whoever asks first, and the write, asking again after
        // each of its statements, would keep it until done.
        let next = match chunks.next() {
            Some(chunk) => Some(prepare_releases(run, chunk?, &assigned, &analysis).await?),
            None => None,
        };
        if let Some(prepared) = &next {
            run.tick(prepared.chunk.len());
            for (index, field, message) in &prepared.failures {
                run.fail(&prepared.chunk[*index], Some(field.clone()), "UNKNOWN_REFERENCE", message.clone());
            }
            for (index, field, message) in &prepared.conflicts {
                run.fail(&prepared.chunk[*index], Some(field.clone()), "CONFLICT", message.clone());
            }
            assigned.extend(prepared.created.iter().copied());
            for (key, outcome, others) in &prepared.outcomes {
                translations.insert(key.clone(), others.clone());
                outcomes.insert(key.clone(), *outcome);
            }
        }
        // While the next chunk is analysed.
        if let Some(prepared) = pending.take() {
            revised.extend(write_releases(run, prepared, &mut index).await?);
            if index.analysed.len() >= search::BATCH {
                index.write(run).await?;
            }
        }
        let Some(prepared) = next else { break };
        pending = Some(prepared);
    }
    index.write(run).await?;
    let mut written = translation_groups(run, translations, outcomes).await?;
    written.retain(|key| !revised.contains(key));
    revisions(run, written).await
}

/// Reads what `chunk` refers to and turns its records into rows: new rows to insert, changed
/// ones updated under their version, unchanged ones left alone.
async fn prepare_releases(
    run: &Run<'_>,
    chunk: Vec<Spooled>,
    assigned: &HashSet<Uuid>,
    analysis: &Arc<Mutex<search::Analysis>>,
) -> Result<Prepared, ApiError> {
    let mut chunk = chunk;
    super::organisation_slugs_for(run, &mut chunk).await?;
    let records: Vec<(usize, &ReleaseRecord)> =
        chunk.iter().enumerate().filter_map(|(index, s)| Some((index, release_of(s)?))).collect();
    let keys: Vec<String> = records.iter().map(|(_, r)| record_key(r)).collect();
    let existing_rows: Vec<release::Model> = release::Entity::find()
        .filter(named_releases(keys.iter().map(String::as_str)))
        .all(&run.txn)
        .await?
        .into_iter()
        .filter(|row| records.iter().any(|(_, r)| r.language == row.language && r.slug == row.slug))
        .collect();
    let stored: HashMap<String, Record> =
        export::releases(&run.txn, &existing_rows).await?.into_iter().map(|r| (r.key(), r)).collect();
    let existing: HashMap<String, release::Model> = existing_rows.into_iter().map(|r| (release_key(&r), r)).collect();
    let references = References {
        topics: topic_ids(&run.txn, &unique(records.iter().flat_map(|(_, r)| r.topics.clone()))).await?,
        commissions: commission_ids(&run.txn, &unique(records.iter().flat_map(|(_, r)| r.commissions.clone()))).await?,
        organisations: organisation_ids(
            &run.txn,
            &unique(records.iter().flat_map(|(_, r)| r.organisations.iter().map(|o| o.organisation.clone()))),
        )
        .await?,
        contacts: Contacts::load(&run.txn, &unique(records.iter().flat_map(|(_, r)| r.contacts.clone()))).await?,
    };
    let translation_keys = unique(records.iter().flat_map(|(_, r)| r.translations.clone()));
    let stored_translations = release_ids(&run.txn, &translation_keys).await?;
    let ids = records.iter().filter_map(|(_, r)| r.id);
    let mut taken = taken_ids::<release::Entity>(&run.txn, release::Column::PublicId, ids.collect()).await?;

    let mut work = Vec::new();
    let mut prepared = Prepared {
        written: Vec::new(),
        created: Vec::new(),
        outcomes: Vec::new(),
        failures: Vec::new(),
        new_rows: Vec::new(),
        analysed: None,
        references,
        chunk: Arc::default(),
        conflicts: Vec::new(),
    };
    let holders = external_id_holders(run, &records).await?;
    for (index, record) in &records {
        if let Some((field, message)) = unresolved(record, &prepared.references, |key| {
            run.in_file(Kind::Release, key) || stored_translations.contains_key(key)
        }) {
            prepared.failures.push((*index, field, message));
            continue;
        }
        let key = record_key(record);
        if let Some(conflict) = external_id_conflict(record, existing.get(&key).map(|r| r.id), &holders) {
            prepared.conflicts.push((*index, conflict.0, conflict.1));
            continue;
        }
        // The workflow state is the import's: the mutations move it through workflow steps.
        let row = release::ActiveModel {
            status: Set(record.status),
            published_at: Set(record.published_at),
            ..release_write::columns(&record.patch())
        };
        let current = existing.get(&key);
        // Translations are settled after every chunk (`translation_groups`).
        let strip = |r: &ReleaseRecord| ReleaseRecord { id: None, translations: Vec::new(), ..r.canonical() };
        let same = matches!(stored.get(&key), Some(Record::Release(old)) if strip(old) == strip(record));
        let stored_row = current.map(|c| (c.id, c.version));
        let table = (crate::service::release::write::COLUMNS, "Release");
        let public_id = fresh_id(record.id.filter(|id| !assigned.contains(id)), &taken);
        let outcome = run.upsert(row, stored_row, same, public_id, table, &mut prepared.new_rows).await?;
        if outcome != Outcome::Unchanged {
            prepared.written.push((*index, outcome));
            let snapshot = (outcome == Outcome::Created && from_record(run, record)).then(|| {
                record
                    .contacts
                    .iter()
                    .filter_map(|c| prepared.references.contacts.find(c).map(|c| c.public_id))
                    .collect()
            });
            work.push(Work { index: *index, key: key.clone(), outcome, public_id, snapshot });
        }
        if outcome == Outcome::Created {
            taken.insert(public_id);
            prepared.created.push(public_id);
        }
        prepared.outcomes.push((key, outcome, record.translations.clone()));
    }
    drop(records);
    let now = run.now;
    let (shared, memo) = (Arc::new(chunk), Arc::clone(analysis));
    prepared.chunk = Arc::clone(&shared);
    prepared.analysed = Some(tokio::task::spawn_blocking(move || {
        let mut memo = memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        analyse(&shared, work, &mut memo, now)
    }));
    Ok(prepared)
}

/// A written release of a chunk, to be analysed for search and, when `snapshot` holds its
/// contacts' public ids, given its first revision from its record (`fresh_snapshot`).
struct Work {
    index: usize,
    key: String,
    outcome: Outcome,
    public_id: Uuid,
    snapshot: Option<Vec<Uuid>>,
}

/// A chunk's search text (key, outcome, text) and fresh snapshots (key, JSON text).
type Analysed = (Vec<(String, Outcome, search::Analysed)>, Vec<(String, String)>);

/// The search text and the fresh snapshots of a chunk's written releases (`work`).
fn analyse(
    chunk: &[Spooled],
    work: Vec<Work>,
    analysis: &mut search::Analysis,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Analysed, ApiError> {
    let mut analysed = Vec::with_capacity(work.len());
    let mut snapshots = Vec::new();
    for Work { index, key, outcome, public_id, snapshot } in work {
        let Some(record) = release_of(&chunk[index]) else { continue };
        if let Some(contacts) = snapshot {
            snapshots.push((key.clone(), fresh_snapshot(record, public_id, contacts, now)?));
        }
        let (summary, city) = (record.summary.as_deref(), record.dateline_city.as_deref());
        let listing = search::Listing::of(record.status, record.published_at);
        let (language, title, body) = (&record.language, &record.title, &record.body);
        let text = analysis.text(language, title, summary, body, record.body_format, city, listing);
        analysed.push((key, outcome, text));
    }
    Ok((analysed, snapshots))
}

/// The search index rows of written releases, waiting for `search::BATCH` of them (about 3 KB a
/// release for bodies of 420 words): all in the import's transaction, so nothing is seen before
/// the whole import commits.
#[derive(Default)]
struct IndexQueue {
    /// Releases that may have index rows to drop (changed, not created).
    stale: Vec<i32>,
    analysed: Vec<(i32, search::Analysed)>,
}

impl IndexQueue {
    async fn write(&mut self, run: &Run<'_>) -> Result<(), ApiError> {
        let analysed = std::mem::take(&mut self.analysed);
        search::write(&run.txn, &std::mem::take(&mut self.stale), analysed).await
    }
}

/// Writes a prepared chunk: its new rows, the relations of its created and changed releases, and
/// the revisions built from its records, and queues their search index rows on `index`. Returns
/// the keys of the releases given a revision.
async fn write_releases(run: &Run<'_>, prepared: Prepared, index: &mut IndexQueue) -> Result<Vec<String>, ApiError> {
    let Prepared { chunk, written, new_rows, references, analysed, .. } = prepared;
    bulk::insert_all(&run.txn, new_rows).await?;
    let written: Vec<&ReleaseRecord> = written.iter().filter_map(|(index, _)| release_of(&chunk[*index])).collect();
    let ids = release_ids(&run.txn, &written.iter().map(|record| record_key(record)).collect::<Vec<_>>()).await?;
    relations(run, &written, &ids, &references).await?;
    let (analysed, snapshots) = match analysed {
        Some(handle) => {
            handle.await.map_err(|error| ApiError::BadRequest(format!("the import stopped: {error}")))??
        }
        None => Default::default(),
    };
    for (key, outcome, text) in analysed {
        let Some(&id) = ids.get(&key) else { continue };
        // A created release has no index row to drop.
        if outcome != Outcome::Created {
            index.stale.push(id);
        }
        index.analysed.push((id, text));
    }
    let (keys, revisions): (Vec<String>, Vec<(i32, String)>) = snapshots
        .into_iter()
        .filter_map(|(key, snapshot)| {
            let id = *ids.get(&key)?;
            Some((key, (id, snapshot)))
        })
        .unzip();
    insert_first_revisions(&run.txn, revisions, &run.actor, run.now).await?;
    Ok(keys)
}

/// The internal keys of the stored releases among `keys` (`language/slug`).
async fn release_ids(txn: &impl ConnectionTrait, keys: &[String]) -> Result<HashMap<String, i32>, ApiError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let rows: Vec<(i32, String, String)> = release::Entity::find()
        .select_only()
        .column(release::Column::Id)
        .column(release::Column::Language)
        .column(release::Column::Slug)
        .filter(named_releases(wanted.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, language, slug)| (format!("{language}/{slug}"), id))
        .filter(|(key, _)| wanted.contains(key.as_str()))
        .collect())
}

/// Whether the first revision of a release the import creates is built from its record
/// (`fresh_snapshot`): when the file puts it in no translation group, such a release is stored
/// exactly as its record says, at version 1 with no group, and nothing later in the import
/// changes it. (Reading 20,000 bodies back to snapshot them cost a tenth of a large import.) The
/// other written releases are snapshotted from the database once translation groups are settled
/// (`revisions`).
fn from_record(run: &Run<'_>, record: &ReleaseRecord) -> bool {
    // The engines keep microseconds (PostgreSQL rounds the rest): such a time is read back.
    let exact = record.published_at.is_none_or(|at| at.timestamp_subsec_nanos() % 1000 == 0);
    record.translations.is_empty() && !run.translated.contains(&record_key(record)) && exact
}

/// The snapshot (JSON text) of the first revision of a release created from `record` at `now`,
/// with the public ids of its `contacts` (see `from_record`).
fn fresh_snapshot(
    record: &ReleaseRecord,
    public_id: Uuid,
    contacts: Vec<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, ApiError> {
    let release = release::Model {
        id: 0,
        public_id,
        language: record.language.clone(),
        slug: record.slug.clone(),
        translation_group: None,
        title: record.title.clone(),
        summary: record.summary.clone(),
        body: record.body.clone(),
        body_format: record.body_format,
        canonical_url: record.canonical_url.clone(),
        revised_at: record.revised_at,
        attachments: Some(release::Attachments(record.attachments.clone())),
        dateline_city: record.dateline_city.clone(),
        dateline_country: record.dateline_country.clone(),
        status: record.status,
        published_at: record.published_at,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let relations = (
        record.topics.clone(),
        record.commissions.clone(),
        record.organisations.iter().map(|o| (o.organisation.clone(), o.role)).collect(),
        contacts,
        record.countries.clone(),
        record.external_ids.iter().map(super::super::record::ExternalIdRecord::reference).collect(),
    );
    Snapshot::new(&release, relations).to_text()
}

/// Keeps a revision of each release the import created or changed (`keys`), as an editorial
/// write does: a release's history holds the version the import wrote, which can be compared with
/// later ones and restored.
async fn revisions(run: &mut Run<'_>, mut keys: Vec<String>) -> Result<(), ApiError> {
    keys.sort();
    for part in keys.chunks(CHUNK) {
        let wanted: HashSet<&str> = part.iter().map(String::as_str).collect();
        let rows: Vec<release::Model> = release::Entity::find()
            .filter(named_releases(part.iter().map(String::as_str)))
            .all(&run.txn)
            .await?
            .into_iter()
            .filter(|row| wanted.contains(release_key(row).as_str()))
            .collect();
        let mut snapshots = crate::service::release::write::snapshots(&run.txn, &rows).await?;
        let revisions = rows
            .iter()
            .map(|row| {
                let snapshot = snapshots.remove(&row.id).unwrap_or_default();
                crate::service::release::write::revision(row, snapshot, &run.actor)
            })
            .collect();
        bulk::insert_all(&run.txn, revisions).await?;
    }
    Ok(())
}

fn record_key(record: &ReleaseRecord) -> String {
    format!("{}/{}", record.language, record.slug)
}

/// The first reference of `record` that names nothing, as (field, message).
fn unresolved(
    record: &ReleaseRecord,
    references: &References,
    release_exists: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    let References { topics, commissions, organisations, contacts } = references;
    let duplicate = |list: &[String]| {
        let mut seen = HashSet::new();
        list.iter().position(|item| !seen.insert(item))
    };
    for (name, list, known) in [("topics", &record.topics, topics), ("commissions", &record.commissions, commissions)] {
        if let Some(index) = list.iter().position(|slug| !known.contains_key(slug)) {
            return Some((format!("{name}[{index}]"), format!("no {} `{}`", &name[..name.len() - 1], list[index])));
        }
        if let Some(index) = duplicate(list) {
            return Some((format!("{name}[{index}]"), format!("`{}` is listed twice", list[index])));
        }
    }
    if let Some(index) = record.organisations.iter().position(|o| !organisations.contains_key(&o.organisation)) {
        let slug = &record.organisations[index].organisation;
        return Some((format!("organisations[{index}].organisation"), format!("no organisation `{slug}`")));
    }
    if let Some(index) = duplicate(&record.organisations.iter().map(|o| o.organisation.clone()).collect::<Vec<_>>()) {
        return Some((format!("organisations[{index}]"), "an organisation is named twice".into()));
    }
    if let Some(index) = record.contacts.iter().position(|c| contacts.find(c).is_none()) {
        return Some((
            format!("contacts[{index}]"),
            format!("no contact with key or email `{}`", record.contacts[index]),
        ));
    }
    if let Some(index) = duplicate(&record.contacts) {
        return Some((format!("contacts[{index}]"), format!("`{}` is listed twice", record.contacts[index])));
    }
    let own = record_key(record);
    if let Some(index) = record.translations.iter().position(|key| *key == own || !release_exists(key)) {
        let key = &record.translations[index];
        let message =
            if *key == own { "a release is not its own translation".to_owned() } else { format!("no release `{key}`") };
        return Some((format!("translations[{index}]"), message));
    }
    None
}

/// Writes the relations of the created and changed releases of a chunk, through the releases'
/// one relation write (`replace_relations`): subject countries, topics, commissions,
/// organisations, contacts and external identifiers, each replacing the stored ones.
async fn relations(
    run: &Run<'_>,
    records: &[&ReleaseRecord],
    ids: &HashMap<String, i32>,
    references: &References,
) -> Result<(), ApiError> {
    let References { topics, commissions, organisations, contacts } = references;
    let releases: Vec<(i32, Relations)> = records
        .iter()
        .filter_map(|record| {
            let release_id = *ids.get(&record_key(record))?;
            let relations = Relations {
                topics: Some(record.topics.iter().map(|slug| topics.get(slug).copied().unwrap_or_default()).collect()),
                commissions: Some(
                    record.commissions.iter().map(|slug| commissions.get(slug).copied().unwrap_or_default()).collect(),
                ),
                organisations: Some(
                    record
                        .organisations
                        .iter()
                        .map(|named| (organisations.get(&named.organisation).copied().unwrap_or_default(), named.role))
                        .collect(),
                ),
                contacts: Some(
                    record.contacts.iter().map(|reference| contacts.find(reference).map_or(0, |c| c.id)).collect(),
                ),
                countries: Some(release_write::countries(&record.countries)),
                external_ids: Some(record.external_ids.iter().map(ExternalIdRecord::id).collect()),
            };
            Some((release_id, relations))
        })
        .collect();
    release_write::replace_relations(&run.txn, &releases).await
}

/// A release's key, translation group and version.
type ReleaseState = (i32, Option<Uuid>, i32);

/// Makes each group of releases the file says are translations of each other share one
/// translation group, and counts each release's outcome. Returns the keys of the releases written
/// (created, changed, or moved to another group).
async fn translation_groups(
    run: &mut Run<'_>,
    translations: HashMap<String, Vec<String>>,
    mut outcomes: HashMap<String, Outcome>,
) -> Result<Vec<String>, ApiError> {
    // Stored releases outside the file whose group the file changes: written too.
    let mut written = Vec::new();
    // Union-find over release keys.
    let mut parent: HashMap<String, String> = HashMap::new();
    fn root(parent: &mut HashMap<String, String>, key: &str) -> String {
        let mut at = key.to_owned();
        while let Some(next) = parent.get(&at).filter(|next| **next != at).cloned() {
            at = next;
        }
        at
    }
    for (key, others) in &translations {
        // A release created by this import with no translations has no group to leave.
        if others.is_empty() && outcomes.get(key) == Some(&Outcome::Created) {
            continue;
        }
        parent.entry(key.clone()).or_insert_with(|| key.clone());
        for other in others {
            parent.entry(other.clone()).or_insert_with(|| other.clone());
            let (a, b) = (root(&mut parent, key), root(&mut parent, other));
            if a != b {
                let (low, high) = if a < b { (a, b) } else { (b, a) };
                parent.insert(high, low);
            }
        }
    }
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    let keys: Vec<String> = parent.keys().cloned().collect();
    for key in keys {
        let group = root(&mut parent, &key);
        groups.entry(group).or_default().push(key);
    }
    // Current state of every release involved.
    let all: Vec<String> = groups.values().flatten().cloned().collect();
    let mut current: HashMap<String, ReleaseState> = HashMap::new();
    for part in all.chunks(CHUNK) {
        let rows: Vec<(i32, String, String, Option<Uuid>, i32)> = release::Entity::find()
            .select_only()
            .column(release::Column::Id)
            .column(release::Column::Language)
            .column(release::Column::Slug)
            .column(release::Column::TranslationGroup)
            .column(release::Column::Version)
            .filter(named_releases(part.iter().map(String::as_str)))
            .into_tuple()
            .all(&run.txn)
            .await?;
        for (id, language, slug, group, version) in rows {
            current.insert(format!("{language}/{slug}"), (id, group, version));
        }
    }
    let mut group_sizes: HashMap<Uuid, u64> = HashMap::new();
    let known_groups: Vec<Uuid> =
        current.values().filter_map(|(_, group, _)| *group).collect::<HashSet<_>>().into_iter().collect();
    for part in known_groups.chunks(CHUNK) {
        let rows: Vec<Option<Uuid>> = release::Entity::find()
            .select_only()
            .column(release::Column::TranslationGroup)
            .filter(release::Column::TranslationGroup.is_in(part.iter().copied()))
            .into_tuple()
            .all(&run.txn)
            .await?;
        for group in rows.into_iter().flatten() {
            *group_sizes.entry(group).or_default() += 1;
        }
    }
    for members in groups.values() {
        let states: Vec<(String, ReleaseState)> =
            members.iter().filter_map(|key| current.get(key).map(|state| (key.clone(), *state))).collect();
        let first = states.first().and_then(|(_, (_, group, _))| *group);
        let intact = first.is_some_and(|group| {
            states.iter().all(|(_, (_, g, _))| *g == Some(group))
                && group_sizes.get(&group) == Some(&(states.len() as u64))
        });
        let single = states.len() == 1;
        if intact || (single && states[0].1.1.is_none_or(|g| group_sizes.get(&g) == Some(&1))) {
            continue;
        }
        let group = if single { None } else { Some(Uuid::now_v7()) };
        for (key, (id, _, version)) in &states {
            let outcome = outcomes.get(key).copied();
            let mut row = release::ActiveModel { translation_group: Set(group), ..Default::default() };
            if outcome == Some(Outcome::Unchanged) || outcome.is_none() {
                row.version = Set(version + 1);
                row.updated_at = Set(run.now);
                match outcome {
                    Some(_) => outcomes.insert(key.clone(), Outcome::Updated),
                    None => {
                        written.push(key.clone());
                        None
                    }
                };
            }
            release::Entity::update_many().set(row).filter(release::Column::Id.eq(*id)).exec(&run.txn).await?;
        }
    }
    for (key, outcome) in outcomes {
        run.count(Kind::Release, outcome);
        if outcome != Outcome::Unchanged {
            written.push(key);
        }
    }
    Ok(written)
}

// External identifiers (content model v2, names-ids).

/// The stored releases holding the external identifiers `records` bring, by reference:
/// (internal key, `language/slug`).
async fn external_id_holders(
    run: &Run<'_>,
    records: &[(usize, &ReleaseRecord)],
) -> Result<HashMap<String, (i32, String)>, ApiError> {
    let wanted: Vec<ExternalId> = records
        .iter()
        .flat_map(|(_, r)| r.external_ids.iter())
        .map(|id| ExternalId { scheme: id.scheme.clone(), value: id.value.clone() })
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let owners = external_id::owners(&run.txn, external_id::RELEASE, &wanted).await?;
    let rows: Vec<(i32, String, String)> = release::Entity::find()
        .select_only()
        .column(release::Column::Id)
        .column(release::Column::Language)
        .column(release::Column::Slug)
        .filter(release::Column::Id.is_in(owners.values().copied().collect::<Vec<_>>()))
        .into_tuple()
        .all(&run.txn)
        .await?;
    let keys: HashMap<i32, String> =
        rows.into_iter().map(|(id, language, slug)| (id, format!("{language}/{slug}"))).collect();
    Ok(owners
        .into_iter()
        .filter_map(|(id, owner)| Some((id.to_string(), (owner, keys.get(&owner)?.clone()))))
        .collect())
}

/// The first external identifier of `record` (stored as `own`, if it is) that another stored
/// release holds, as (field, message).
fn external_id_conflict(
    record: &ReleaseRecord,
    own: Option<i32>,
    holders: &HashMap<String, (i32, String)>,
) -> Option<(String, String)> {
    record.external_ids.iter().enumerate().find_map(|(index, id)| {
        let (_, key) = holders.get(&id.reference()).filter(|(holder, _)| Some(*holder) != own)?;
        let message = format!("the external id `{}` is already the release `{key}`'s", id.reference());
        Some((format!("external_ids[{index}]"), message))
    })
}
