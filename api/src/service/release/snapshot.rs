//! A release as its revisions and the audit log keep it: its fields, and its relations by natural
//! key (contacts, which have none, by public id).

use chrono::{DateTime, Utc};
use entity::{release, release_organisation, release_revision};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::ApiError;

/// A release's topics, commissions, organisations (with role), contacts and subject countries, as
/// snapshots name them, and its external identifiers (`scheme=value`).
pub(crate) type SnapshotRelations =
    (Vec<String>, Vec<String>, Vec<(String, release_organisation::Role)>, Vec<Uuid>, Vec<String>, Vec<String>);

/// The snapshot of a release. Its fields are in alphabetical order, the order a JSON tree keeps
/// its keys in, so its text is the same whether serialised directly (`insert_first_revisions`)
/// or from a tree.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot<'a> {
    attachments: &'a [release::Attachment],
    body: &'a str,
    body_format: release::BodyFormat,
    canonical_url: Option<&'a str>,
    commissions: Vec<String>,
    contacts: Vec<Uuid>,
    countries: Vec<String>,
    dateline_city: Option<&'a str>,
    dateline_country: Option<&'a str>,
    external_ids: Vec<String>,
    id: Uuid,
    language: &'a str,
    organisations: Vec<NamedOrganisation>,
    published_at: Option<DateTime<Utc>>,
    revised_at: Option<DateTime<Utc>>,
    slug: &'a str,
    status: release::Status,
    summary: Option<&'a str>,
    title: &'a str,
    topics: Vec<String>,
    translation_group: Option<Uuid>,
    version: i32,
}

#[derive(Serialize)]
struct NamedOrganisation {
    organisation: String,
    role: release_organisation::Role,
}

impl<'a> Snapshot<'a> {
    /// `release` with its `relations` (contacts in the release's order; the rest are sorted).
    pub(crate) fn new(release: &'a release::Model, relations: SnapshotRelations) -> Self {
        let (mut topics, mut commissions, mut organisations, contacts, mut countries, mut external_ids) = relations;
        external_ids.sort();
        topics.sort();
        commissions.sort();
        countries.sort();
        organisations.sort_by(|a, b| a.0.cmp(&b.0));
        Self {
            attachments: release.attachments.as_ref().map_or(&[], |attachments| &attachments.0),
            body: &release.body,
            body_format: release.body_format,
            canonical_url: release.canonical_url.as_deref(),
            commissions,
            contacts,
            countries,
            dateline_city: release.dateline_city.as_deref(),
            dateline_country: release.dateline_country.as_deref(),
            external_ids,
            id: release.public_id,
            language: &release.language,
            organisations: organisations
                .into_iter()
                .map(|(organisation, role)| NamedOrganisation { organisation, role })
                .collect(),
            published_at: release.published_at,
            revised_at: release.revised_at,
            slug: &release.slug,
            status: release.status,
            summary: release.summary.as_deref(),
            title: &release.title,
            topics,
            translation_group: release.translation_group,
            version: release.version,
        }
    }

    pub(crate) fn to_value(&self) -> Result<Value, ApiError> {
        serde_json::to_value(self).map_err(|error| DbErr::Json(error.to_string()).into())
    }

    pub(crate) fn to_text(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|error| DbErr::Json(error.to_string()).into())
    }
}

/// The first revision of each release in `revisions` (internal key, snapshot as JSON text),
/// written by `actor` at `at`. Binding the snapshot as text spares what the JSON column of an
/// `ActiveModel` costs per row: a tree built, cloned twice on the way to the driver and
/// serialised there (a fifth of a large import's CPU).
pub(crate) async fn insert_first_revisions(
    db: &impl ConnectionTrait,
    revisions: Vec<(i32, String)>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    use release_revision::Column;
    /// Rows per statement: 5,000 bound parameters.
    const ROWS: usize = 1000;
    let backend = db.get_database_backend();
    let actor: String = actor.chars().take(200).collect();
    let mut revisions = revisions.into_iter().peekable();
    while revisions.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(release_revision::Entity).columns([
            Column::ReleaseId,
            Column::Version,
            Column::Snapshot,
            Column::Actor,
            Column::CreatedAt,
        ]);
        for (release_id, snapshot) in revisions.by_ref().take(ROWS) {
            let snapshot = Expr::val(snapshot);
            // PostgreSQL types a text parameter as text, which a json column does not take as is.
            let snapshot = if backend == DbBackend::Postgres { snapshot.cast_as("json") } else { snapshot };
            insert
                .values([release_id.into(), 1.into(), snapshot, actor.clone().into(), at.into()])
                .map_err(|error| DbErr::Custom(error.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}
