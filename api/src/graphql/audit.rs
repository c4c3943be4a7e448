//! The audit log, for admins: every write, who made it, when, and the fields it changed.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Json, Object, ResultExt, connection::Connection};
use chrono::{DateTime, Utc};
use entity::audit_event;
use serde_json::Value;

use super::{
    node,
    page::{OffsetCursor, PageArgs, TotalCount, counter, paged},
};
use crate::{
    auth::{Caller, policy::Operation},
    error::GqlResult,
    service::{self, audit::Filter},
};

/// One write, as the audit log keeps it.
pub struct AuditEvent(pub audit_event::Model);

/// A page of audit events.
pub type AuditEventConnection = Connection<OffsetCursor, AuditEvent, TotalCount>;

#[Object]
impl AuditEvent {
    /// When the write happened (UTC).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The token subject of the writer.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The writer's roles.
    async fn actor_roles(&self) -> Vec<&str> {
        self.0.actor_roles.split(',').filter(|role| !role.is_empty()).collect()
    }
    /// `Release`, `Commission`, `Organisation`, `Contact` or `Topic`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The global id of the record written (it may since have been deleted).
    async fn entity_id(&self) -> ID {
        match node::Kind::ALL.into_iter().find(|kind| kind.name() == self.0.entity_type) {
            Some(kind) => node::global_id(kind, self.0.entity_id),
            None => ID(self.0.entity_id.to_string()),
        }
    }
    /// `create`, `update`, `delete`, `publish`, `schedule`, `unpublish`, `archive`, `restore`,
    /// `add_member`, `update_member` or `remove_member`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// Every field the write changed: `{ field: { before, after } }`.
    async fn changes(&self) -> Json<Value> {
        Json(self.0.changes.clone())
    }
    /// The HTTP request's id (`x-request-id`), to find the write in the server's logs.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// Narrows the audit log.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    entity_type: Option<String>,
    /// The global id of the record.
    entity_id: Option<ID>,
    actor: Option<String>,
    operation: Option<String>,
    /// At or after this instant.
    after: Option<DateTime<Utc>>,
    /// Before this instant.
    before: Option<DateTime<Utc>>,
}

/// Audit root fields.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first (admin).
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> GqlResult<AuditEventConnection> {
        ctx.data::<Caller>()?.require(Operation::ReadAudit).map_err(|error| error.extend())?;
        let filter = filter.unwrap_or_default();
        let entity_id = match &filter.entity_id {
            Some(id) => Some(node::decode("filter.entityId", id).extend()?.1),
            None => None,
        };
        let filter = Arc::new(Filter {
            entity_type: filter.entity_type,
            entity_id,
            actor: filter.actor,
            operation: filter.operation,
            after: filter.after,
            before: filter.before,
        });
        let db = super::db(ctx)?.clone();
        let count = counter(&db, &filter, |db, filter| async move { service::audit::count(&db, &filter).await });
        let fetch = |page| async move { service::audit::list(&db, &filter, page).await };
        paged(ctx, &PageArgs { first, after, last, before }, count, fetch, AuditEvent).await
    }

    /// Who the bearer token says the caller is; `null` when anonymous.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Option<Viewer>> {
        let caller = ctx.data::<Caller>()?;
        Ok(caller.principal.as_ref().map(|principal| Viewer {
            subject: principal.subject.clone(),
            roles: principal.roles.iter().map(|role| role.as_str().to_owned()).collect(),
        }))
    }
}

/// The authenticated caller.
#[derive(async_graphql::SimpleObject)]
pub struct Viewer {
    /// The token's `sub`.
    subject: String,
    /// Its newsroom roles.
    roles: Vec<String>,
}
