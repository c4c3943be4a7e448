//! Export: every record, as the import format (`import::record`), streamed in a fixed order so
//! that two exports of the same content are byte-identical. What a stored record exports as is
//! also what an import compares a record with to find it unchanged. NDJSON holds every type; CSV,
//! for spreadsheets, one type per file, in the cell syntax import reads (`import::cells`).

use std::collections::HashMap;

use entity::{commission, contact, organisation, release, topic};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::{
    error::ApiError,
    import::{
        cells,
        record::{
            CommissionRecord, ContactRecord, ExternalIdRecord, Kind, MemberRecord, OrganisationRecord, Record,
            ReleaseOrganisationRecord, ReleaseRecord, TopicRecord,
        },
    },
    service,
};

/// Rows per statement while exporting: bounded memory, few round trips.
const CHUNK: u64 = 500;

/// Slugs of the organisations `ids`.
pub(crate) async fn organisation_slugs(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, String>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, String)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Slug)
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How a contact is referred to: its key, else its email, else its public id.
pub fn contact_reference(contact: &contact::Model) -> String {
    contact.key.clone().or_else(|| contact.email.clone()).unwrap_or_else(|| contact.public_id.to_string())
}

pub async fn organisations(db: &impl ConnectionTrait, rows: &[organisation::Model]) -> Result<Vec<Record>, ApiError> {
    let parents: Vec<i32> = rows.iter().filter_map(|row| row.parent_id).collect();
    let slugs = organisation_slugs(db, &parents).await?;
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut external_ids = external_ids_of(db, service::external_id::ORGANISATION, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            Record::Organisation(OrganisationRecord {
                id: Some(row.public_id),
                slug: row.slug.clone(),
                name: row.name.clone(),
                acronym: row.acronym.clone(),
                kind: row.kind,
                country: row.country.clone(),
                parent: row.parent_id.and_then(|id| slugs.get(&id).cloned()),
                website: row.website.clone(),
                description: row.description.clone(),
                names: row.names.0.clone(),
                external_ids: external_ids.remove(&row.id).unwrap_or_default(),
            })
        })
        .collect())
}

pub async fn topics(db: &impl ConnectionTrait, rows: &[topic::Model]) -> Result<Vec<Record>, ApiError> {
    let parents: Vec<i32> = rows.iter().filter_map(|row| row.parent_id).collect();
    let slugs: HashMap<i32, String> = if parents.is_empty() {
        HashMap::new()
    } else {
        topic::Entity::find()
            .select_only()
            .column(topic::Column::Id)
            .column(topic::Column::Slug)
            .filter(topic::Column::Id.is_in(parents))
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .iter()
        .map(|row| {
            Record::Topic(TopicRecord {
                id: Some(row.public_id),
                slug: row.slug.clone(),
                name: row.name.clone(),
                names: row.names.0.clone(),
                scheme: row.scheme.clone(),
                parent: row.parent_id.and_then(|id| slugs.get(&id).cloned()),
            })
        })
        .collect())
}

/// The external identifiers of the records `ids` of `entity_type`, as records write them.
async fn external_ids_of(
    db: &impl ConnectionTrait,
    entity_type: &str,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<ExternalIdRecord>>, ApiError> {
    Ok(service::external_id::of(db, entity_type, ids)
        .await?
        .into_iter()
        .map(|(id, list)| {
            (id, list.into_iter().map(|id| ExternalIdRecord { scheme: id.scheme, value: id.value }).collect())
        })
        .collect())
}

pub async fn contacts(db: &impl ConnectionTrait, rows: &[contact::Model]) -> Result<Vec<Record>, ApiError> {
    let organisations: Vec<i32> = rows.iter().filter_map(|row| row.organisation_id).collect();
    let slugs = organisation_slugs(db, &organisations).await?;
    Ok(rows
        .iter()
        .map(|row| {
            Record::Contact(ContactRecord {
                id: Some(row.public_id),
                key: row.key.clone(),
                name: row.name.clone(),
                job_title: row.job_title.clone(),
                organisation: row.organisation_id.and_then(|id| slugs.get(&id).cloned()),
                office: row.office.clone(),
                email: row.email.clone(),
                phones: row.phones.0.clone(),
                country: row.country.clone(),
                public: row.is_public,
            })
        })
        .collect())
}

pub async fn commissions(db: &impl ConnectionTrait, rows: &[commission::Model]) -> Result<Vec<Record>, ApiError> {
    let heads: Vec<i32> = rows.iter().filter_map(|row| row.head_organisation_id).collect();
    let slugs = organisation_slugs(db, &heads).await?;
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut members: HashMap<i32, Vec<MemberRecord>> = HashMap::new();
    for (seat, organisation) in service::commission::members_of(db, &ids).await? {
        members.entry(seat.commission_id).or_default().push(MemberRecord {
            organisation: organisation.slug,
            role: seat.role,
            since: seat.since,
            until: seat.until,
        });
    }
    Ok(rows
        .iter()
        .map(|row| {
            let mut seats = members.remove(&row.id).unwrap_or_default();
            seats.sort_by(|a, b| a.organisation.cmp(&b.organisation));
            Record::Commission(CommissionRecord {
                id: Some(row.public_id),
                slug: row.slug.clone(),
                name: row.name.clone(),
                mandate: Some(row.mandate.clone()).filter(|mandate| !mandate.is_empty()),
                country: row.country.clone(),
                established_on: row.established_on,
                legal_basis: row.legal_basis.clone(),
                head_organisation: row.head_organisation_id.and_then(|id| slugs.get(&id).cloned()),
                status: row.status,
                members: seats,
                names: row.names.0.clone(),
            })
        })
        .collect())
}

pub async fn releases(db: &impl ConnectionTrait, rows: &[release::Model]) -> Result<Vec<Record>, ApiError> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let groups: Vec<Uuid> = rows.iter().filter_map(|row| row.translation_group).collect();
    let (topics, commissions, organisations, contacts, countries) = tokio::try_join!(
        service::release::topics_of(db, &ids),
        service::release::commissions_of(db, &ids),
        service::release::organisations_of(db, &ids),
        service::release::contacts_of(db, &ids),
        service::release::write::countries_of(db, &ids),
    )?;
    let members: Vec<(Uuid, String, String)> = if groups.is_empty() {
        Vec::new()
    } else {
        release::Entity::find()
            .select_only()
            .column(release::Column::TranslationGroup)
            .column(release::Column::Language)
            .column(release::Column::Slug)
            .filter(release::Column::TranslationGroup.is_in(groups))
            .into_tuple()
            .all(db)
            .await?
    };
    let mut by_group: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (group, language, slug) in members {
        by_group.entry(group).or_default().push(format!("{language}/{slug}"));
    }
    // Content model v2 (names-ids).
    let mut external_ids = external_ids_of(db, service::external_id::RELEASE, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let of = |id: i32| id == row.id;
            let mut topic_slugs: Vec<String> =
                topics.iter().filter(|(id, _)| of(*id)).map(|(_, topic)| topic.slug.clone()).collect();
            topic_slugs.sort();
            let mut commission_slugs: Vec<String> =
                commissions.iter().filter(|(id, _, _)| of(*id)).map(|(_, c, _)| c.slug.clone()).collect();
            commission_slugs.sort();
            let mut named: Vec<ReleaseOrganisationRecord> = organisations
                .iter()
                .filter(|(id, _, _)| of(*id))
                .map(|(_, role, o)| ReleaseOrganisationRecord { organisation: o.slug.clone(), role: *role })
                .collect();
            named.sort_by(|a, b| a.organisation.cmp(&b.organisation));
            let own = format!("{}/{}", row.language, row.slug);
            let mut translations: Vec<String> = row
                .translation_group
                .and_then(|group| by_group.get(&group))
                .map(|keys| keys.iter().filter(|key| **key != own).cloned().collect())
                .unwrap_or_default();
            translations.sort();
            Record::Release(ReleaseRecord {
                id: Some(row.public_id),
                language: row.language.clone(),
                slug: row.slug.clone(),
                title: row.title.clone(),
                summary: row.summary.clone(),
                body: row.body.clone(),
                body_format: row.body_format,
                dateline_city: row.dateline_city.clone(),
                dateline_country: row.dateline_country.clone(),
                status: row.status,
                published_at: row.published_at,
                topics: topic_slugs,
                commissions: commission_slugs,
                organisations: named,
                contacts: contacts.iter().filter(|(id, _, _)| of(*id)).map(|(_, c, _)| contact_reference(c)).collect(),
                translations,
                canonical_url: row.canonical_url.clone(),
                revised_at: row.revised_at,
                // In code order (`countries_of`).
                countries: countries.iter().filter(|(id, _)| of(*id)).map(|(_, code)| code.clone()).collect(),
                attachments: row.attachments.clone().unwrap_or_default().0,
                external_ids: external_ids.remove(&row.id).unwrap_or_default(),
            })
        })
        .collect())
}

/// Releases as `releases` exports them, keeping of their contacts and translations only those
/// `access` may see: what the change log hands partners, who must not learn of a private contact
/// or a draft translation through a published release.
pub async fn releases_seen_by(
    db: &impl ConnectionTrait,
    access: &crate::auth::Access,
    rows: &[release::Model],
) -> Result<Vec<Record>, ApiError> {
    let mut records = releases(db, rows).await?;
    if access.viewer == crate::auth::Viewer::Preview || rows.is_empty() {
        return Ok(records);
    }
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let contacts: std::collections::HashSet<String> = service::release::contacts_of(db, &ids)
        .await?
        .into_iter()
        .filter(|(_, contact, _)| access.sees_contact(contact))
        .map(|(_, contact, _)| contact_reference(&contact))
        .collect();
    let groups: Vec<Uuid> = rows.iter().filter_map(|row| row.translation_group).collect();
    let translations: std::collections::HashSet<String> = if groups.is_empty() {
        Default::default()
    } else {
        let keys: Vec<(String, String)> = release::Entity::find()
            .select_only()
            .column(release::Column::Language)
            .column(release::Column::Slug)
            .filter(release::Column::TranslationGroup.is_in(groups))
            .filter(access.release_condition())
            .into_tuple()
            .all(db)
            .await?;
        keys.into_iter().map(|(language, slug)| format!("{language}/{slug}")).collect()
    };
    for record in &mut records {
        if let Record::Release(release) = record {
            release.contacts.retain(|reference| contacts.contains(reference));
            release.translations.retain(|key| translations.contains(key));
        }
    }
    Ok(records)
}

/// One chunk of `kind`, in natural-key order, after `offset`.
async fn chunk(db: &impl ConnectionTrait, kind: Kind, offset: u64) -> Result<Vec<Record>, ApiError> {
    Ok(match kind {
        Kind::Organisation => {
            let rows = organisation::Entity::find()
                .order_by_asc(organisation::Column::Slug)
                .offset(offset)
                .limit(CHUNK)
                .all(db)
                .await?;
            organisations(db, &rows).await?
        }
        Kind::Topic => {
            let rows =
                topic::Entity::find().order_by_asc(topic::Column::Slug).offset(offset).limit(CHUNK).all(db).await?;
            topics(db, &rows).await?
        }
        Kind::Contact => {
            let rows = contact::Entity::find()
                .order_by_asc(contact::Column::Key)
                .order_by_asc(contact::Column::Email)
                .order_by_asc(contact::Column::PublicId)
                .offset(offset)
                .limit(CHUNK)
                .all(db)
                .await?;
            contacts(db, &rows).await?
        }
        Kind::Commission => {
            let rows = commission::Entity::find()
                .order_by_asc(commission::Column::Slug)
                .offset(offset)
                .limit(CHUNK)
                .all(db)
                .await?;
            commissions(db, &rows).await?
        }
        Kind::Release => {
            let rows = release::Entity::find()
                .order_by_asc(release::Column::Language)
                .order_by_asc(release::Column::Slug)
                .offset(offset)
                .limit(CHUNK)
                .all(db)
                .await?;
            releases(db, &rows).await?
        }
    })
}

/// The file formats export writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Every type in one stream, one record per line.
    #[default]
    Ndjson,
    /// One type, a header row and a row per record, in the import's cell syntax.
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ndjson" => Ok(Self::Ndjson),
            "csv" => Ok(Self::Csv),
            other => Err(format!("`{other}` is not an export format: use ndjson or csv")),
        }
    }
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A CSV row of `record`: its fields in `cells::columns` order, in the import's cell syntax.
fn csv_row(record: &Record) -> Result<Vec<String>, ApiError> {
    let kind = record.kind();
    let fields = match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(fields)) => fields,
        _ => return Err(ApiError::BadRequest("a record did not serialise as an object".into())),
    };
    cells::columns(kind)
        .iter()
        .map(|column| {
            let value = fields.get(*column).unwrap_or(&serde_json::Value::Null);
            cells::format(kind, column, value).map_err(|error| {
                ApiError::bad_input(format!("{} `{}`: {column}", kind.name(), record.key()), error.to_string())
            })
        })
        .collect()
}

/// `rows` as CSV lines.
fn csv_lines<R: IntoIterator<Item = impl AsRef<[u8]>>>(
    rows: impl IntoIterator<Item = Result<R, ApiError>>,
) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(row?).map_err(|error| ApiError::BadRequest(error.to_string()))?;
    }
    writer.into_inner().map_err(|error| ApiError::BadRequest(error.to_string()))
}

fn ndjson_lines(records: &[Record]) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::with_capacity(records.len() * 512);
    for record in records {
        serde_json::to_writer(&mut bytes, record).map_err(|error| ApiError::BadRequest(error.to_string()))?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// Writes every record of `kinds` (all kinds when empty) in `format`, in the import's order, a
/// chunk at a time: `out` gets each chunk's bytes. A CSV export is of exactly one type. Returns
/// how many records were written.
pub async fn write(
    db: &impl ConnectionTrait,
    kinds: &[Kind],
    format: Format,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<u64, ApiError> {
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|kind| kinds.is_empty() || kinds.contains(kind)).collect();
    let gone = |_| ApiError::BadRequest("the export's reader went away".into());
    if format == Format::Csv {
        let [kind] = kinds[..] else {
            return Err(ApiError::bad_input("type", "a CSV export holds one type: name it (type=release)"));
        };
        out.send(csv_lines([Ok(cells::columns(kind))])?).await.map_err(gone)?;
    }
    let mut written = 0;
    for kind in kinds {
        let mut offset = 0;
        loop {
            let records = chunk(db, kind, offset).await?;
            if records.is_empty() {
                break;
            }
            let bytes = match format {
                Format::Ndjson => ndjson_lines(&records)?,
                Format::Csv => csv_lines(records.iter().map(csv_row))?,
            };
            written += records.len() as u64;
            offset += records.len() as u64;
            out.send(bytes).await.map_err(gone)?;
            if (records.len() as u64) < CHUNK {
                break;
            }
        }
    }
    Ok(written)
}
