//! Creating, changing and deleting releases, with their relations and translations. Every write
//! leaves a revision (the release as it stands after it) and an audit record.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    commission, contact, organisation, release, release_commission, release_contact, release_country,
    release_organisation, release_revision, release_topic, topic,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde_json::Value;
use uuid::Uuid;

use super::snapshot::{Snapshot, SnapshotRelations};
use crate::{
    error::{ApiError, FieldErrors},
    service::{
        bulk,
        commission::write::TARGET as COMMISSION,
        contact::write::TARGET as CONTACT,
        external_id::{self, ExternalId},
        organisation::write::TARGET as ORGANISATION,
        write::{self, Author, ContentLimits, Key, Target, required},
    },
    validate,
};

/// A release's fields and relations as a write gives them: `None` leaves a field as it is,
/// `Some(None)` clears an optional one, and a list replaces the whole relation.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub language: Option<String>,
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub body: Option<String>,
    pub body_format: Option<release::BodyFormat>,
    pub dateline_city: Option<Option<String>>,
    pub dateline_country: Option<Option<String>>,
    /// Join the translation group of this release (`Some(None)`: leave the group).
    pub translation_of: Option<Option<Key>>,
    pub topics: Option<Vec<Key>>,
    pub commissions: Option<Vec<Key>>,
    pub organisations: Option<Vec<(Key, release_organisation::Role)>>,
    /// In order of appearance.
    pub contacts: Option<Vec<Key>>,
    pub canonical_url: Option<Option<String>>,
    pub revised_at: Option<Option<chrono::DateTime<Utc>>>,
    /// In order.
    pub attachments: Option<Vec<release::Attachment>>,
    /// Subject countries, ISO 3166-1 alpha-2 (or `XK`).
    pub countries: Option<Vec<String>>,
    /// Identifiers in other systems, replacing the current ones; each held by no other release.
    pub external_ids: Option<Vec<ExternalId>>,
}

/// Where release references point (by public id).
pub const TARGET: Target<release::Entity> =
    Target { entity: "Release", id: release::Column::Id, public_id: release::Column::PublicId, slug: None };

const TOPIC: Target<topic::Entity> = Target {
    entity: "Topic",
    id: topic::Column::Id,
    public_id: topic::Column::PublicId,
    slug: Some(topic::Column::Slug),
};

/// Key, version and update-time columns, for `write::update_versioned`.
pub(crate) const COLUMNS: [release::Column; 3] =
    [release::Column::Id, release::Column::Version, release::Column::UpdatedAt];

pub(super) fn find(public_id: Uuid) -> sea_orm::Select<release::Entity> {
    release::Entity::find().filter(release::Column::PublicId.eq(public_id))
}

/// A release as revisions and the audit log keep it: its fields, and its relations by natural
/// key (contacts, which have none, by public id).
pub(super) async fn snapshot(txn: &DatabaseTransaction, release: &release::Model) -> Result<Value, ApiError> {
    let mut one = snapshots(txn, std::slice::from_ref(release)).await?;
    Ok(one.remove(&release.id).unwrap_or_default())
}

/// The snapshots of `releases`, by internal key: four statements whatever their number.
pub(crate) async fn snapshots(
    txn: &DatabaseTransaction,
    releases: &[release::Model],
) -> Result<HashMap<i32, Value>, ApiError> {
    let ids: Vec<i32> = releases.iter().map(|release| release.id).collect();
    // Only the keys a snapshot names: whole joined rows would cost ten times as much to read.
    let topics: Vec<(i32, String)> = release_topic::Entity::find()
        .select_only()
        .column(release_topic::Column::ReleaseId)
        .column(topic::Column::Slug)
        .join(JoinType::InnerJoin, release_topic::Relation::Topic.def())
        .filter(release_topic::Column::ReleaseId.is_in(ids.clone()))
        .into_tuple()
        .all(txn)
        .await?;
    let commissions: Vec<(i32, String)> = release_commission::Entity::find()
        .select_only()
        .column(release_commission::Column::ReleaseId)
        .column(commission::Column::Slug)
        .join(JoinType::InnerJoin, release_commission::Relation::Commission.def())
        .filter(release_commission::Column::ReleaseId.is_in(ids.clone()))
        .into_tuple()
        .all(txn)
        .await?;
    let organisations: Vec<(i32, String, release_organisation::Role)> = release_organisation::Entity::find()
        .select_only()
        .column(release_organisation::Column::ReleaseId)
        .column(organisation::Column::Slug)
        .column(release_organisation::Column::Role)
        .join(JoinType::InnerJoin, release_organisation::Relation::Organisation.def())
        .filter(release_organisation::Column::ReleaseId.is_in(ids.clone()))
        .into_tuple()
        .all(txn)
        .await?;
    let contacts: Vec<(i32, Uuid)> = release_contact::Entity::find()
        .select_only()
        .column(release_contact::Column::ReleaseId)
        .column(contact::Column::PublicId)
        .join(JoinType::InnerJoin, release_contact::Relation::Contact.def())
        .filter(release_contact::Column::ReleaseId.is_in(ids.clone()))
        .order_by_asc(release_contact::Column::ReleaseId)
        .order_by_asc(release_contact::Column::Position)
        .into_tuple()
        .all(txn)
        .await?;
    let countries = countries_of(txn, &ids).await?;
    let mut relations: HashMap<i32, SnapshotRelations> = HashMap::new();
    for (id, slug) in topics {
        relations.entry(id).or_default().0.push(slug);
    }
    for (id, slug) in commissions {
        relations.entry(id).or_default().1.push(slug);
    }
    for (id, slug, role) in organisations {
        relations.entry(id).or_default().2.push((slug, role));
    }
    // In the release's order.
    for (id, public_id) in contacts {
        relations.entry(id).or_default().3.push(public_id);
    }
    for (id, country) in countries {
        relations.entry(id).or_default().4.push(country);
    }
    for (id, ids) in external_id::of(txn, external_id::RELEASE, &ids).await? {
        relations.entry(id).or_default().5.extend(ids.iter().map(ToString::to_string));
    }
    releases
        .iter()
        .map(|release| {
            Ok((release.id, Snapshot::new(release, relations.remove(&release.id).unwrap_or_default()).to_value()?))
        })
        .collect()
}

/// The subject countries of `releases` (internal keys), by release.
pub(crate) async fn countries_of(
    db: &impl sea_orm::ConnectionTrait,
    releases: &[i32],
) -> Result<Vec<(i32, String)>, ApiError> {
    if releases.is_empty() {
        return Ok(Vec::new());
    }
    Ok(release_country::Entity::find()
        .select_only()
        .column(release_country::Column::ReleaseId)
        .column(release_country::Column::Country)
        .filter(release_country::Column::ReleaseId.is_in(releases.iter().copied()))
        .order_by_asc(release_country::Column::ReleaseId)
        .order_by_asc(release_country::Column::Country)
        .into_tuple()
        .all(db)
        .await?)
}

/// The revision that records `release` as it stands, written by `actor`.
pub(crate) fn revision(release: &release::Model, snapshot: Value, actor: &str) -> release_revision::ActiveModel {
    release_revision::ActiveModel {
        release_id: Set(release.id),
        version: Set(release.version),
        snapshot: Set(snapshot),
        actor: Set(actor.chars().take(200).collect()),
        created_at: Set(release.updated_at),
        ..Default::default()
    }
}

/// A release's relations as a write gives them, resolved to internal keys (`None`: not given,
/// left as they are; a list replaces the whole relation).
#[derive(Debug, Default)]
pub(crate) struct Relations {
    pub topics: Option<Vec<i32>>,
    pub commissions: Option<Vec<i32>>,
    pub organisations: Option<Vec<(i32, release_organisation::Role)>>,
    /// In order of appearance.
    pub contacts: Option<Vec<i32>>,
    pub countries: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalId>>,
}

async fn resolve_list<E: EntityTrait>(
    txn: &DatabaseTransaction,
    target: &Target<E>,
    field: &str,
    keys: Option<&Vec<Key>>,
    errors: &mut FieldErrors,
) -> Result<Option<Vec<i32>>, ApiError> {
    let Some(keys) = keys else { return Ok(None) };
    write::no_duplicates(errors, field, keys);
    let references: Vec<(String, &Key)> =
        keys.iter().enumerate().map(|(index, key)| (format!("{field}[{index}]"), key)).collect();
    Ok(Some(write::resolve(txn, target, &references, errors).await?.into_iter().flatten().collect()))
}

/// The checked column changes and resolved relations of `patch`; every invalid field is reported.
/// The rules of a release's own fields, for every face that writes one (the mutations and the
/// import), each reported at its field as GraphQL names it (`datelineCountry`,
/// `attachments[0].mediaType`). References are checked where they are resolved.
pub fn rules(patch: &Patch, creating: bool, limits: &ContentLimits, errors: &mut FieldErrors) {
    required(
        errors,
        creating,
        [("language", patch.language.is_some()), ("slug", patch.slug.is_some()), ("title", patch.title.is_some())],
    );
    if let Some(language) = &patch.language {
        errors.check("language", validate::language_tag(language).map(drop));
    }
    if let Some(slug) = &patch.slug {
        errors.check("slug", validate::slug(slug));
    }
    if let Some(title) = &patch.title {
        errors.check("title", validate::text(title, 500));
    }
    errors.check("summary", write::check_given(&patch.summary, &validate::long_text));
    if let Some(body) = &patch.body {
        errors.check("body", validate::release_body(body, limits.release_body_bytes));
    }
    errors.check("datelineCity", write::check_given(&patch.dateline_city, &|text| validate::text(text, 255)));
    errors.check(
        "datelineCountry",
        write::check_given(&patch.dateline_country, &|code| validate::country_code(code).map(drop)),
    );
    errors.check("canonicalUrl", write::check_given(&patch.canonical_url, &validate::web_url));
    if let Some(attachments) = &patch.attachments {
        validate::attachments("attachments", attachments, &mut |field, message| errors.add(field, message));
    }
    if let Some(countries) = &patch.countries {
        validate::countries("countries", countries, &mut |field, message| errors.add(field, message));
    }
    if let Some(ids) = &patch.external_ids {
        external_id::check(errors, "externalIds", ids);
    }
}

/// The columns `patch` sets, as they are stored (language tags canonical, countries upper case):
/// the one place a release's fields become a row, for the mutations and the import alike.
/// `rules` has checked them; its relations are resolved (one by one, or a file's at a time) by
/// the caller, and written by `replace_relations`.
pub(crate) fn columns(patch: &Patch) -> release::ActiveModel {
    let mut row = release::ActiveModel { ..Default::default() };
    if let Some(language) = &patch.language {
        row.language = Set(validate::language_tag(language).unwrap_or_else(|_| language.clone()));
    }
    if let Some(slug) = &patch.slug {
        row.slug = Set(slug.clone());
    }
    if let Some(title) = &patch.title {
        row.title = Set(title.clone());
    }
    row.summary = write::given(patch.summary.clone());
    if let Some(body) = &patch.body {
        row.body = Set(body.clone());
    }
    if let Some(format) = patch.body_format {
        row.body_format = Set(format);
    }
    row.dateline_city = write::given(patch.dateline_city.clone());
    row.dateline_country = write::country(patch.dateline_country.clone());
    row.canonical_url = write::given(patch.canonical_url.clone());
    if let Some(revised_at) = patch.revised_at {
        row.revised_at = Set(revised_at);
    }
    if let Some(attachments) = &patch.attachments {
        // Language tags as `rules` read them.
        let mut ignore = |_, _| ();
        row.attachments =
            Set(Some(release::Attachments(validate::attachments("attachments", attachments, &mut ignore))));
    }
    row
}

/// Subject countries as they are stored: upper case, each once (`rules` has checked them).
pub(crate) fn countries(countries: &[String]) -> Vec<String> {
    let mut ignore = |_, _| ();
    validate::countries("countries", countries, &mut ignore)
}

async fn changes(
    txn: &DatabaseTransaction,
    patch: &Patch,
    limits: &ContentLimits,
    current: Option<&release::Model>,
) -> Result<(release::ActiveModel, Relations, TranslationOf), ApiError> {
    let mut errors = FieldErrors::default();
    rules(patch, current.is_none(), limits, &mut errors);
    let row = columns(patch);
    let countries = patch.countries.as_deref().map(countries);

    let mut relations = Relations {
        topics: resolve_list(txn, &TOPIC, "topics", patch.topics.as_ref(), &mut errors).await?,
        commissions: resolve_list(txn, &COMMISSION, "commissions", patch.commissions.as_ref(), &mut errors).await?,
        contacts: resolve_list(txn, &CONTACT, "contacts", patch.contacts.as_ref(), &mut errors).await?,
        countries,
        external_ids: patch.external_ids.clone(),
        ..Relations::default()
    };
    let mut translation = None;
    if let Some(organisations) = &patch.organisations {
        let keys: Vec<Key> = organisations.iter().map(|(key, _)| key.clone()).collect();
        let references: Vec<(String, &Key)> =
            keys.iter().enumerate().map(|(index, key)| (format!("organisations[{index}].organisation"), key)).collect();
        write::no_duplicates(&mut errors, "organisations", &keys);
        let ids = write::resolve(txn, &ORGANISATION, &references, &mut errors).await?;
        relations.organisations =
            Some(ids.into_iter().zip(organisations).filter_map(|(id, (_, role))| id.map(|id| (id, *role))).collect());
    }
    if let Some(translation_of) = &patch.translation_of {
        translation = Some(match translation_of {
            Some(key) => {
                let id = write::resolve(txn, &TARGET, &[("translationOf".into(), key)], &mut errors).await?[0];
                if id.is_some() && id == current.map(|release| release.id) {
                    errors.add("translationOf", "a release cannot be a translation of itself");
                }
                id
            }
            None => None,
        });
    }
    errors.finish()?;
    Ok((row, relations, translation))
}

/// `Some(Some(id))`: join the translation group of release `id`; `Some(None)`: leave the group.
type TranslationOf = Option<Option<i32>>;

/// The rows of one relation of `releases` whose `list` is given, replacing the stored ones:
/// one DELETE and one INSERT for any number of releases.
async fn replace_relation<A, T>(
    txn: &impl ConnectionTrait,
    column: <A::Entity as EntityTrait>::Column,
    releases: &[(i32, Relations)],
    list: impl Fn(&Relations) -> Option<&Vec<T>>,
    row: impl Fn(i32, i32, &T) -> A,
) -> Result<(), ApiError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let given: Vec<(i32, &Vec<T>)> = releases.iter().filter_map(|(id, r)| Some((*id, list(r)?))).collect();
    if given.is_empty() {
        return Ok(());
    }
    for part in given.chunks(1000) {
        <A::Entity as EntityTrait>::delete_many()
            .filter(column.is_in(part.iter().map(|(id, _)| *id)))
            .exec(txn)
            .await?;
    }
    let rows =
        given.iter().flat_map(|(id, items)| items.iter().zip(0..).map(|(item, position)| row(*id, position, item)));
    bulk::insert_all(txn, rows.collect()).await
}

/// Replaces the relations each of `releases` is given (release, relations): the one write of a
/// release's relations, for the mutations (one release) and the import (a chunk), in a few
/// statements whatever their number. The caller then indexes the releases for search, which reads
/// the names of what they link to (`search::index`; the import, `search::write`).
pub(crate) async fn replace_relations(
    txn: &impl ConnectionTrait,
    releases: &[(i32, Relations)],
) -> Result<(), ApiError> {
    replace_relation(
        txn,
        release_topic::Column::ReleaseId,
        releases,
        |r| r.topics.as_ref(),
        |release, _, topic| release_topic::ActiveModel { release_id: Set(release), topic_id: Set(*topic) },
    )
    .await?;
    let commission = |release, _, commission: &i32| release_commission::ActiveModel {
        release_id: Set(release),
        commission_id: Set(*commission),
    };
    replace_relation(txn, release_commission::Column::ReleaseId, releases, |r| r.commissions.as_ref(), commission)
        .await?;
    let organisation =
        |release, _, (organisation, role): &(i32, release_organisation::Role)| release_organisation::ActiveModel {
            release_id: Set(release),
            organisation_id: Set(*organisation),
            role: Set(*role),
        };
    replace_relation(
        txn,
        release_organisation::Column::ReleaseId,
        releases,
        |r| r.organisations.as_ref(),
        organisation,
    )
    .await?;
    let contact = |release, position, contact: &i32| release_contact::ActiveModel {
        release_id: Set(release),
        contact_id: Set(*contact),
        position: Set(position),
    };
    replace_relation(txn, release_contact::Column::ReleaseId, releases, |r| r.contacts.as_ref(), contact).await?;
    let country = |release, _, country: &String| release_country::ActiveModel {
        release_id: Set(release),
        country: Set(country.clone()),
    };
    replace_relation(txn, release_country::Column::ReleaseId, releases, |r| r.countries.as_ref(), country).await?;
    let ids: Vec<(i32, &[ExternalId])> =
        releases.iter().filter_map(|(id, r)| Some((*id, r.external_ids.as_deref()?))).collect();
    if !ids.is_empty() {
        // In the write's own transaction: a taken identifier (CONFLICT) leaves nothing written.
        external_id::replace_all(txn, external_id::RELEASE, &ids).await?;
    }
    Ok(())
}

/// Joins or leaves a translation group.
async fn join_group(txn: &DatabaseTransaction, release_id: i32, translation_of: TranslationOf) -> Result<(), ApiError> {
    if let Some(translation_of) = translation_of {
        let group = match translation_of {
            Some(other) => Some(translation_group(txn, other).await?),
            None => None,
        };
        release::Entity::update_many()
            .col_expr(release::Column::TranslationGroup, sea_orm::sea_query::Expr::value(group))
            .filter(release::Column::Id.eq(release_id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The translation group of release `id`, created (and given to it) if it has none yet.
async fn translation_group(txn: &DatabaseTransaction, id: i32) -> Result<Uuid, ApiError> {
    let group: Option<Option<Uuid>> = release::Entity::find_by_id(id)
        .select_only()
        .column(release::Column::TranslationGroup)
        .into_tuple()
        .one(txn)
        .await?;
    if let Some(Some(group)) = group {
        return Ok(group);
    }
    let group = Uuid::now_v7();
    release::Entity::update_many()
        .col_expr(release::Column::TranslationGroup, sea_orm::sea_query::Expr::value(Some(group)))
        .filter(release::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(group)
}

/// Re-reads the release after a write, keeps its revision, records the write and commits. An
/// update of the release `before` (as it was, with its snapshot) that changed nothing is rolled
/// back instead (`write::commit_update`), and the release returned as it was.
pub(super) async fn finish(
    txn: DatabaseTransaction,
    author: Author<'_>,
    public_id: Uuid,
    operation: &str,
    before: Option<(release::Model, Value)>,
) -> Result<release::Model, ApiError> {
    let release = write::locked(&txn, find(public_id), "Release", public_id).await?;
    let after = snapshot(&txn, &release).await?;
    let revision = revision(&release, after.clone(), &author.principal.subject);
    release_revision::Entity::insert(revision).exec_without_returning(&txn).await?;
    let Some((current, before)) = before else {
        write::audit(&txn, author, "Release", public_id, operation, None, Some(&after)).await?;
        write::commit(txn, author, &write::touched("Release", public_id)).await?;
        return Ok(release);
    };
    let kept = write::commit_update(txn, author, ("Release", public_id), operation, &before, &after).await?;
    Ok(if kept { release } else { current })
}

/// Creates a release, as a draft.
pub async fn create(db: &DatabaseConnection, author: Author<'_>, patch: Patch) -> Result<release::Model, ApiError> {
    let txn = write::begin(db).await?;
    let (mut row, relations, translation) = changes(&txn, &patch, &author.limits, None).await?;
    let now = Utc::now();
    let public_id = Uuid::now_v7();
    if row.body.is_not_set() {
        row.body = Set(String::new());
    }
    if row.body_format.is_not_set() {
        row.body_format = Set(release::BodyFormat::default());
    }
    row.status = Set(release::Status::Draft);
    write::stamp_new(&mut row, public_id, now);
    let created = row.insert(&txn).await?;
    replace_relations(&txn, &[(created.id, relations)]).await?;
    // After the relations: the index reads the names of what the release now links to.
    crate::service::search::index(&txn, &[created.id]).await?;
    join_group(&txn, created.id, translation).await?;
    finish(txn, author, public_id, "create", None).await
}

/// Changes the fields and relations `patch` gives, if the release is still at `expected` (when
/// given). `operation` names the write in the audit log (`update`, or `restore`).
pub async fn update(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
    patch: Patch,
    operation: &str,
) -> Result<release::Model, ApiError> {
    let txn = write::begin(db).await?;
    let current = write::locked(&txn, find(public_id), "Release", public_id).await?;
    write::check_version("Release", current.version, expected)?;
    let before = snapshot(&txn, &current).await?;
    let (row, relations, translation) = changes(&txn, &patch, &author.limits, Some(&current)).await?;
    write::update_versioned(&txn, row, COLUMNS, current.id, current.version, "Release").await?;
    replace_relations(&txn, &[(current.id, relations)]).await?;
    // After the relations: the index reads the names of what the release now links to.
    crate::service::search::index(&txn, &[current.id]).await?;
    join_group(&txn, current.id, translation).await?;
    finish(txn, author, public_id, operation, Some((current, before))).await
}

/// Deletes a release with its relations and revisions; the audit log keeps its last state.
pub async fn delete(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    expected: Option<i32>,
) -> Result<release::Model, ApiError> {
    write::delete::<release::Model>(db, author, public_id, expected).await
}

#[async_trait::async_trait]
impl write::Editable for release::Model {
    type Entity = release::Entity;
    const NAME: &'static str = "Release";

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
        snapshot(txn, self).await
    }

    async fn before_delete(&self, txn: &DatabaseTransaction) -> Result<(), ApiError> {
        // The foreign key would remove the row too, but on SQLite only the explicit delete is
        // sure to reach the FTS5 table's trigger.
        crate::service::search::remove(txn, &[self.id]).await
    }
}
