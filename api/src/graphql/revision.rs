//! A release's revisions, as editors see them: when, by whom, and what changed.

use async_graphql::{Context, Json, Object, ResultExt, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use entity::release_revision;
use serde_json::{Value, json};

use super::page::{OffsetCursor, TotalCount};
use crate::{error::GqlResult, service::release::revision};

/// A page of revisions.
pub type ReleaseRevisionConnection = Connection<OffsetCursor, ReleaseRevision, TotalCount>;

/// One version of a release: its content and relations as they stood after a write.
pub struct ReleaseRevision(pub release_revision::Model);

/// One field that differs between two revisions.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field's name, as in the snapshot (e.g. `title`, `topics`).
    field: String,
    /// The value at the earlier revision; `null` if the field had none.
    before: Json<Value>,
    /// The value at this revision; `null` if the field has none.
    after: Json<Value>,
    /// For text fields with a value on both sides, a unified line diff; `null` otherwise.
    text_diff: Option<String>,
}

/// One version of a release, kept by every write to it: its content and relations as they stood
/// after that write. Editors and admins only.
#[Object(cache_control(private))]
impl ReleaseRevision {
    /// The release's `version` this revision records.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the write happened (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The token subject of the writer.
    async fn author(&self) -> &str {
        &self.0.actor
    }
    /// The title at this revision.
    async fn title(&self) -> Option<&str> {
        self.0.snapshot.get("title").and_then(Value::as_str)
    }
    /// The whole release at this revision: fields, status, and relations by natural key.
    async fn snapshot(&self) -> Json<Value> {
        Json(self.0.snapshot.clone())
    }
    /// What changed from revision `against` (default: the one before) to this one, by field name;
    /// `status` and `publishedAt` are left out.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `version` of the revision to compare with; the one before when left out. \
                          Below 1 compares with nothing (every field counts as new); a version the \
                          release never had is NOT_FOUND.")]
        against: Option<i32>,
    ) -> GqlResult<Vec<FieldChange>> {
        let against = against.unwrap_or(self.0.version - 1);
        let before = if against < 1 {
            json!({})
        } else {
            revision::get(super::db(ctx)?, self.0.release_id, against).await.extend()?.snapshot
        };
        Ok(revision::diff(&before, &self.0.snapshot)
            .into_iter()
            .map(|change| FieldChange {
                field: change.field,
                before: Json(change.before),
                after: Json(change.after),
                text_diff: change.text_diff,
            })
            .collect())
    }
}
