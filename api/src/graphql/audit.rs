//! The audit log, for admins: every write, who made it, when, and the fields it changed.

use std::sync::Arc;

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Json, Object, ResultExt, connection::Connection};
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
    service::{
        self,
        audit::{Filter, Text},
    },
};

/// What kind of record an audit event is about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditEntityType {
    /// A press release.
    Release,
    /// A commission; changes to its members are recorded on it too.
    Commission,
    /// An organisation.
    Organisation,
    /// A media contact.
    Contact,
    /// A topic.
    Topic,
    /// A whole bulk import: one event per import that was kept, with its counts in `changes`.
    Import,
    /// A type this server does not know (recorded by another version of newsroom). As a filter,
    /// it finds every event whose type is none of the others.
    Other,
}

/// What a write did.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOperation {
    /// Created the record.
    Create,
    /// Changed the record's fields or relations.
    Update,
    /// Deleted the record; `changes` keeps its last state.
    Delete,
    /// Published a release.
    Publish,
    /// Scheduled a release's publication.
    Schedule,
    /// Took a published or scheduled release back to draft.
    Unpublish,
    /// Archived a release.
    Archive,
    /// Restored an earlier revision of a release.
    Restore,
    /// Gave an organisation a seat on a commission.
    AddMember,
    /// Changed an organisation's seat on a commission.
    UpdateMember,
    /// Took an organisation's seat on a commission away.
    RemoveMember,
    /// Ran a bulk import.
    Import,
    /// An operation this server does not know (recorded by another version of newsroom). As a
    /// filter, it finds every event whose operation is none of the others.
    Other,
}

/// An enum whose values the log stores as text. The stored text stays what the writers put there;
/// a value this server does not know reads as `OTHER` rather than failing: the fields are
/// non-null, so an error would take the whole page of events with it, and a log written by a
/// newer (or older) server during a rolling deploy must stay readable.
trait Stored: Copy + PartialEq + 'static {
    /// Every known value, with the text the log stores for it.
    const STORED: &'static [(Self, &'static str)];
    /// The value for stored text this server does not know.
    const OTHER: Self;

    fn from_stored(text: &str) -> Self {
        Self::STORED.iter().find(|(_, stored)| *stored == text).map_or(Self::OTHER, |(value, _)| *value)
    }

    /// The filter this value stands for: its stored text, or for `OTHER` none of the known ones.
    fn filter(self) -> Text {
        match Self::STORED.iter().find(|(value, _)| *value == self) {
            Some((_, stored)) => Text::Is((*stored).to_owned()),
            None => Text::NoneOf(Self::STORED.iter().map(|(_, stored)| (*stored).to_owned()).collect()),
        }
    }
}

impl Stored for AuditEntityType {
    // `write::Editable::NAME` of each record type, and what `import::apply` records.
    const STORED: &'static [(Self, &'static str)] = &[
        (Self::Release, "Release"),
        (Self::Commission, "Commission"),
        (Self::Organisation, "Organisation"),
        (Self::Contact, "Contact"),
        (Self::Topic, "Topic"),
        (Self::Import, "Import"),
    ];
    const OTHER: Self = Self::Other;
}

impl Stored for AuditOperation {
    // What the service writes pass to `write::audit` (see `workflow::Action::name`), and what
    // `import::apply` records.
    const STORED: &'static [(Self, &'static str)] = &[
        (Self::Create, "create"),
        (Self::Update, "update"),
        (Self::Delete, "delete"),
        (Self::Publish, "publish"),
        (Self::Schedule, "schedule"),
        (Self::Unpublish, "unpublish"),
        (Self::Archive, "archive"),
        (Self::Restore, "restore"),
        (Self::AddMember, "add_member"),
        (Self::UpdateMember, "update_member"),
        (Self::RemoveMember, "remove_member"),
        (Self::Import, "import"),
    ];
    const OTHER: Self = Self::Other;
}

/// One write, as the audit log keeps it.
pub struct AuditEvent(pub audit_event::Model);

/// A page of audit events.
pub type AuditEventConnection = Connection<OffsetCursor, AuditEvent, TotalCount>;

/// One write as the audit log keeps it: who made it, when, to which record, and what it changed.
/// Only admins may read the log.
#[Object(cache_control(private))]
impl AuditEvent {
    /// When the write happened (UTC).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The token subject (`sub`) of the writer, e.g. "editor@example.org".
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The roles the writer's token carried at the time (`reader`, `editor`, `importer`, `admin`).
    async fn actor_roles(&self) -> Vec<&str> {
        self.0.actor_roles.split(',').filter(|role| !role.is_empty()).collect()
    }
    /// What kind of record was written.
    async fn entity_type(&self) -> AuditEntityType {
        AuditEntityType::from_stored(&self.0.entity_type)
    }
    /// The global id of the record written (it may since have been deleted). For an `IMPORT`
    /// event, and for a type this server does not know, the stored UUID as it is.
    async fn entity_id(&self) -> ID {
        match node::Kind::ALL.into_iter().find(|kind| kind.name() == self.0.entity_type) {
            Some(kind) => node::global_id(kind, self.0.entity_id),
            None => ID(self.0.entity_id.to_string()),
        }
    }
    /// What the write did.
    async fn operation(&self) -> AuditOperation {
        AuditOperation::from_stored(&self.0.operation)
    }
    /// Every field the write changed, as `{ field: { before, after } }` (`version` and `updatedAt`
    /// left out). An `IMPORT` event holds the import's summary instead: `mode`, `records`,
    /// `counts` and `failed`.
    async fn changes(&self) -> Json<Value> {
        Json(self.0.changes.clone())
    }
    /// The HTTP request's id (`x-request-id`), to find the write in the server's logs; `null` for
    /// writes made outside an HTTP request.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// Narrows the audit log; every field given must match.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only events about this kind of record.
    entity_type: Option<AuditEntityType>,
    /// Only events about the record with this global id.
    entity_id: Option<ID>,
    /// Only writes by this token subject (exact match).
    actor: Option<String>,
    /// Only writes that did this.
    operation: Option<AuditOperation>,
    /// Only events at or after this instant.
    after: Option<DateTime<Utc>>,
    /// Only events before this instant.
    before: Option<DateTime<Utc>>,
}

/// Audit root fields.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first (admin; others get FORBIDDEN, anonymous callers
    /// UNAUTHENTICATED).
    #[graphql(complexity = "super::page::complexity(first, last, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Returns at most this many events from the start of the window. More than the \
                          server's page-size limit (100 by default) is refused with PAGE_SIZE_EXCEEDED; \
                          with neither `first` nor `last`, a page holds 20 by default.")]
        first: Option<i32>,
        #[graphql(desc = "Starts the window after this cursor, from an earlier page of the same list. \
                          Cursors are positions in the list: events written between two requests shift it.")]
        after: Option<String>,
        #[graphql(desc = "Returns at most this many events from the end of the window, with the same limit \
                          as `first`.")]
        last: Option<i32>,
        #[graphql(desc = "Ends the window before this cursor, from an earlier page of the same list.")] before: Option<
            String,
        >,
        #[graphql(desc = "Only the events that match; every event when left out.")] filter: Option<AuditEventFilter>,
    ) -> GqlResult<AuditEventConnection> {
        ctx.data::<Caller>()?.require(Operation::ReadAudit).map_err(|error| error.extend())?;
        let filter = filter.unwrap_or_default();
        let entity_id = match &filter.entity_id {
            Some(id) => Some(node::decode("filter.entityId", id).extend()?.1),
            None => None,
        };
        let filter = Arc::new(Filter {
            entity_type: filter.entity_type.map(Stored::filter),
            entity_id,
            actor: filter.actor,
            operation: filter.operation.map(Stored::filter),
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

/// The authenticated caller, as its bearer token describes it.
#[derive(async_graphql::SimpleObject)]
pub struct Viewer {
    /// The token's `sub`: the name the audit log and revisions record as the writer.
    subject: String,
    /// Its newsroom roles: `reader` (sees unpublished content), `editor` (writes content and
    /// runs the workflow), `importer` (bulk import and export) and `admin` (everything).
    roles: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::release::workflow::Action;

    #[test]
    fn what_the_writers_store_has_a_value_of_its_own() {
        for kind in node::Kind::ALL {
            assert_ne!(AuditEntityType::from_stored(kind.name()), AuditEntityType::Other, "{kind:?}");
        }
        for action in [Action::Publish, Action::Schedule(Utc::now()), Action::Unpublish, Action::Archive] {
            assert_ne!(AuditOperation::from_stored(action.name()), AuditOperation::Other, "{action:?}");
        }
        for (value, stored) in AuditOperation::STORED {
            assert_eq!(AuditOperation::from_stored(stored), *value);
            assert_eq!(value.filter(), Text::Is((*stored).to_owned()));
        }
    }

    #[test]
    fn unknown_stored_text_reads_as_other_and_other_filters_for_it() {
        assert_eq!(AuditOperation::from_stored("bulk_publish"), AuditOperation::Other);
        assert_eq!(AuditEntityType::from_stored("release"), AuditEntityType::Other, "stored names are exact");
        let Text::NoneOf(known) = AuditEntityType::Other.filter() else { panic!("OTHER is not one value") };
        assert_eq!(known.len(), AuditEntityType::STORED.len());
    }
}
