//! A release's revisions: every version it has had, what changed between two, and restoring one
//! (which is itself a new write, and so a new revision).

use entity::{release_organisation, release_revision};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::Value;
use similar::TextDiff;
use uuid::Uuid;

use super::write::{self as release_write, Patch};
use crate::{
    error::ApiError,
    service::{
        Page,
        write::{self, Author, Key},
    },
};

/// The revisions of release `release_id`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    release_id: i32,
    page: Page,
) -> Result<Vec<release_revision::Model>, ApiError> {
    let select = release_revision::Entity::find()
        .filter(release_revision::Column::ReleaseId.eq(release_id))
        .order_by_desc(release_revision::Column::Version);
    crate::service::page(db, select, page).await
}

/// How many revisions release `release_id` has.
pub async fn count(db: &impl ConnectionTrait, release_id: i32) -> Result<u64, ApiError> {
    crate::service::count(
        db,
        release_revision::Entity::find().filter(release_revision::Column::ReleaseId.eq(release_id)),
    )
    .await
}

/// Revision `version` of release `release_id`.
pub async fn get(
    db: &impl ConnectionTrait,
    release_id: i32,
    version: i32,
) -> Result<release_revision::Model, ApiError> {
    let select = release_revision::Entity::find()
        .filter(release_revision::Column::ReleaseId.eq(release_id))
        .filter(release_revision::Column::Version.eq(version));
    crate::service::one(db, select, "Revision", version).await
}

/// One field that differs between two revisions.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
    /// For text fields, a unified line diff (what an editor reads for a body).
    pub text_diff: Option<String>,
}

/// What changed from `before` to `after` (two snapshots), field by field.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    write::changes(Some(before), Some(after))
        .into_iter()
        .filter(|(field, _)| !matches!(field.as_str(), "id" | "status" | "publishedAt"))
        .map(|(field, change)| {
            let (before, after) = (change["before"].clone(), change["after"].clone());
            let text_diff = match (before.as_str(), after.as_str()) {
                (Some(old), Some(new)) => Some(
                    TextDiff::from_lines(old, new)
                        .unified_diff()
                        .context_radius(2)
                        .header("before", "after")
                        .to_string(),
                ),
                _ => None,
            };
            FieldChange { field, before, after, text_diff }
        })
        .collect()
}

/// The parts of a snapshot a restore brings back: content and relations. Status, publication
/// and the translation group are the workflow's and stay as they are, as do external identifiers.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Restorable {
    language: String,
    slug: String,
    title: String,
    summary: Option<String>,
    body: String,
    /// Revisions written before bodies had a format hold Markdown.
    #[serde(default)]
    body_format: entity::release::BodyFormat,
    dateline_city: Option<String>,
    dateline_country: Option<String>,
    topics: Vec<String>,
    commissions: Vec<String>,
    organisations: Vec<RestorableOrganisation>,
    contacts: Vec<Uuid>,
    // Revisions written before these fields existed have none of them.
    #[serde(default)]
    canonical_url: Option<String>,
    #[serde(default)]
    revised_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    attachments: Vec<entity::release::Attachment>,
    #[serde(default)]
    countries: Vec<String>,
}

#[derive(Deserialize)]
struct RestorableOrganisation {
    organisation: String,
    role: release_organisation::Role,
}

/// Makes release `public_id` what it was at revision `version`, as a new write (and revision).
pub async fn restore(
    db: &DatabaseConnection,
    author: Author<'_>,
    public_id: Uuid,
    version: i32,
    expected: Option<i32>,
) -> Result<entity::release::Model, ApiError> {
    let release = release_write::find(public_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound { entity: "Release", key: public_id.to_string() })?;
    let revision = get(db, release.id, version).await?;
    let old: Restorable = serde_json::from_value(revision.snapshot)
        .map_err(|error| ApiError::Conflict(format!("revision {version} cannot be restored: {error}")))?;
    let patch = Patch {
        language: Some(old.language),
        slug: Some(old.slug),
        title: Some(old.title),
        summary: Some(old.summary),
        body: Some(old.body),
        body_format: Some(old.body_format),
        dateline_city: Some(old.dateline_city),
        dateline_country: Some(old.dateline_country),
        translation_of: None,
        topics: Some(old.topics.into_iter().map(Key::Slug).collect()),
        commissions: Some(old.commissions.into_iter().map(Key::Slug).collect()),
        organisations: Some(old.organisations.into_iter().map(|o| (Key::Slug(o.organisation), o.role)).collect()),
        contacts: Some(old.contacts.into_iter().map(Key::PublicId).collect()),
        canonical_url: Some(old.canonical_url),
        revised_at: Some(old.revised_at),
        attachments: Some(old.attachments),
        countries: Some(old.countries),
        // Identifiers name the release in other systems, whatever its content: they stay.
        external_ids: None,
    };
    release_write::update(db, author, public_id, expected, patch, "restore").await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn diffs_name_fields_and_show_text_changes_line_by_line() {
        let before = json!({ "title": "Old", "body": "one\ntwo\n", "topics": ["a"], "version": 1 });
        let after = json!({ "title": "New", "body": "one\nthree\n", "topics": ["a"], "version": 2 });
        let changes = diff(&before, &after);
        let fields: Vec<&str> = changes.iter().map(|change| change.field.as_str()).collect();
        assert_eq!(fields, ["body", "title"]);
        let body = changes[0].text_diff.as_deref().unwrap();
        assert!(body.contains("-two") && body.contains("+three"), "{body}");
    }
}
