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
    before: Json<Value>,
    after: Json<Value>,
    /// For text fields, a unified line diff.
    text_diff: Option<String>,
}

#[Object]
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
    /// What changed from revision `against` (default: the one before) to this one.
    async fn changes(&self, ctx: &Context<'_>, against: Option<i32>) -> GqlResult<Vec<FieldChange>> {
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
