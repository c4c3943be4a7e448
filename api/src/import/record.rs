//! The record format import reads and export writes: one JSON object per record, with a `type`.
//! Fields are snake_case; references name other records by natural key (slugs; a contact by its
//! key, else its email; a release by `language/slug`). Export writes every field, in this order,
//! so that exporting twice gives the same bytes; import also takes records with optional fields
//! left out. An organisation may also be named by one of its external identifiers, as
//! `scheme=value` (e.g. `iati=XM-DAC-47066`): a slug never holds `=`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{commission, commission_member, organisation, release, release_organisation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One record of any type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Organisation(OrganisationRecord),
    Topic(TopicRecord),
    Contact(ContactRecord),
    Commission(CommissionRecord),
    Release(ReleaseRecord),
}

/// The record types, in the order they are written (each may refer to those before it, and
/// organisations and releases to each other's kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Organisation,
    Topic,
    Contact,
    Commission,
    Release,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Organisation, Kind::Topic, Kind::Contact, Kind::Commission, Kind::Release];

    pub fn name(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Topic => "topic",
            Self::Contact => "contact",
            Self::Commission => "commission",
            Self::Release => "release",
        }
    }

    /// The kind named `name` (`organisation`, or the plural `organisations`).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.strip_suffix('s').unwrap_or(name);
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl Record {
    pub fn kind(&self) -> Kind {
        match self {
            Self::Organisation(_) => Kind::Organisation,
            Self::Topic(_) => Kind::Topic,
            Self::Contact(_) => Kind::Contact,
            Self::Commission(_) => Kind::Commission,
            Self::Release(_) => Kind::Release,
        }
    }

    /// The natural key the record is upserted by.
    pub fn key(&self) -> String {
        match self {
            Self::Organisation(record) => record.slug.clone(),
            Self::Topic(record) => record.slug.clone(),
            Self::Contact(record) => record.natural_key().unwrap_or_default().to_owned(),
            Self::Commission(record) => record.slug.clone(),
            Self::Release(record) => format!("{}/{}", record.language, record.slug),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRecord {
    /// The public id: kept when the record is created, so global ids survive a migration.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub acronym: Option<String>,
    pub kind: organisation::Kind,
    #[serde(default)]
    pub country: Option<String>,
    /// The parent organisation's slug.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Its name in other languages, by BCP 47 tag.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Its identifiers in other systems, by scheme then value.
    #[serde(default)]
    pub external_ids: Vec<ExternalIdRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRecord {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    /// Its name in other languages, by BCP 47 tag.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// The vocabulary it belongs to, e.g. `theme`.
    #[serde(default)]
    pub scheme: Option<String>,
    /// The broader topic's slug.
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The natural key; a contact without one is matched by its email.
    #[serde(default)]
    pub key: Option<String>,
    pub name: String,
    #[serde(default)]
    pub job_title: Option<String>,
    /// The organisation's slug.
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default = "yes")]
    pub public: bool,
}

fn yes() -> bool {
    true
}

impl ContactRecord {
    /// What names this contact: its key, else its email.
    pub fn natural_key(&self) -> Option<&str> {
        self.key.as_deref().or(self.email.as_deref())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommissionRecord {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    /// None is stored as empty text.
    #[serde(default)]
    pub mandate: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub established_on: Option<NaiveDate>,
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// The head organisation's slug.
    #[serde(default)]
    pub head_organisation: Option<String>,
    #[serde(default = "active")]
    pub status: commission::Status,
    #[serde(default)]
    pub members: Vec<MemberRecord>,
    /// Its name in other languages, by BCP 47 tag.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

impl CommissionRecord {
    /// The record with its members in one order, their organisations' slugs': members have no
    /// order of their own.
    pub fn canonical(&self) -> Self {
        let mut record = self.clone();
        record.members.sort_by(|a, b| a.organisation.cmp(&b.organisation));
        record
    }
}

fn active() -> commission::Status {
    commission::Status::Active
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    /// The member organisation's slug.
    pub organisation: String,
    pub role: commission_member::Role,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRecord {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub language: String,
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    /// In `body_format`.
    #[serde(default)]
    pub body: String,
    /// `markdown` (the default) or `html`.
    #[serde(default)]
    pub body_format: release::BodyFormat,
    #[serde(default)]
    pub dateline_city: Option<String>,
    #[serde(default)]
    pub dateline_country: Option<String>,
    #[serde(default = "draft")]
    pub status: release::Status,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// Topic slugs.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Commission slugs.
    #[serde(default)]
    pub commissions: Vec<String>,
    #[serde(default)]
    pub organisations: Vec<ReleaseOrganisationRecord>,
    /// Contact keys (or emails), in order.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The other releases in its translation group, as `language/slug`.
    #[serde(default)]
    pub translations: Vec<String>,
    /// Where it lives on the publisher's site.
    #[serde(default)]
    pub canonical_url: Option<String>,
    /// The publisher's own last revision.
    #[serde(default)]
    pub revised_at: Option<DateTime<Utc>>,
    /// Subject countries (ISO 3166-1 alpha-2, or `XK`); the dateline is `dateline_country`.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Files it links to, in order.
    #[serde(default)]
    pub attachments: Vec<release::Attachment>,
    // External identifiers (content model v2, names-ids).
    /// Its identifiers in other systems, by scheme then value.
    #[serde(default)]
    pub external_ids: Vec<ExternalIdRecord>,
}

impl ReleaseRecord {
    /// The record with its unordered lists (topics, commissions, organisations) in one order, the
    /// slugs': a file may list them in any order and mean the same release. Contacts keep theirs,
    /// which the release shows them in; translations are settled on their own.
    pub fn canonical(&self) -> Self {
        let mut record = self.clone();
        record.topics.sort();
        record.commissions.sort();
        record.countries.sort();
        record.organisations.sort_by(|a, b| a.organisation.cmp(&b.organisation));
        record
    }
}

fn draft() -> release::Status {
    release::Status::Draft
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseOrganisationRecord {
    /// The organisation's slug.
    pub organisation: String,
    pub role: release_organisation::Role,
}

/// An identifier of a record in another system, e.g. `{"scheme": "iati", "value": "XM-DAC-47066"}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdRecord {
    pub scheme: String,
    /// Verbatim.
    pub value: String,
}

impl ExternalIdRecord {
    /// The identifier as the service writes it.
    pub fn id(&self) -> crate::service::external_id::ExternalId {
        crate::service::external_id::ExternalId { scheme: self.scheme.clone(), value: self.value.clone() }
    }

    /// How a reference names the record holding it: `scheme=value`.
    pub fn reference(&self) -> String {
        format!("{}={}", self.scheme, self.value)
    }
}
