//! A press release in one language; translations share a `translation_group`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a release stands in the publishing workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Visible from `published_at` on, with no background job needed.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// What a release's body is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    #[sea_orm(string_value = "markdown")]
    Markdown,
    /// As archives hold it; sanitised on output, never read as Markdown.
    #[sea_orm(string_value = "html")]
    Html,
}

/// A file a release links to: a PDF, an image, a recording. Fields in alphabetical order, the
/// order a JSON tree keeps, so that its text is the same however it is serialised; none skipped
/// when absent, since the import's spool (postcard) reads fields by position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// BCP 47 tag of the file's language.
    #[serde(default)]
    pub language: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub length: Option<i64>,
    /// e.g. `application/pdf`.
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub url: String,
}

/// A release's attachments, in their order, kept as JSON beside the release: they are always read
/// with it and never queried on their own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Attachments(pub Vec<Attachment>);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: Uuid,
    /// BCP 47 language tag; (language, slug) is unique.
    pub language: String,
    pub slug: String,
    /// Releases that are translations of each other share this group.
    pub translation_group: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// The source, in `body_format`.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub body_format: BodyFormat,
    pub dateline_city: Option<String>,
    /// ISO 3166-1 alpha-2 country of the dateline.
    pub dateline_country: Option<String>,
    pub status: Status,
    /// First publication, or the scheduled instant for a scheduled release.
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every write; an update that names a stale one is refused (optimistic concurrency).
    pub version: i32,
    /// Where the release lives on the publisher's own site.
    pub canonical_url: Option<String>,
    /// The publisher's own time of its last revision (sources carry it); not the row's write time.
    pub revised_at: Option<DateTimeUtc>,
    /// `None` in rows written before attachments existed: none.
    #[sea_orm(column_type = "Json", nullable)]
    pub attachments: Option<Attachments>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
