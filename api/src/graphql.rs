//! The GraphQL schema: one module per domain, merged into one `Query`; plus the loaders that keep
//! nested lists to one statement per level, the guards, and Relay ids and connections.

pub mod audit;
pub mod changes;
pub mod commission;
pub mod contact;
pub mod feed;
pub mod guard;
pub mod loader;
pub mod mutation;
pub mod names;
pub mod node;
pub mod organisation;
pub mod page;
pub mod preload;
pub mod release;
pub mod revision;
pub mod scalar;
pub mod search;
pub mod topic;
pub mod webhook;

use async_graphql::{Context, EmptySubscription, MergedObject, SDLExportOptions, Schema, SchemaBuilder};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{auth::Access, config::Limits, error::GqlResult, service::write::Generation};

/// Every root field, one merged object per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    release::ReleaseQuery,
    commission::CommissionQuery,
    organisation::OrganisationQuery,
    contact::ContactQuery,
    topic::TopicQuery,
    audit::AuditQuery,
    feed::FeedQuery,
    changes::ChangeQuery,
    webhook::WebhookQuery,
);

/// The schema newsroom serves.
pub type AppSchema = Schema<Query, mutation::Mutation, EmptySubscription>;

pub(crate) fn builder() -> SchemaBuilder<Query, mutation::Mutation, EmptySubscription> {
    use async_graphql::{
        Json,
        connection::{Edge, EmptyFields, PageInfo},
    };
    // Descriptions of types that no doc comment of ours reaches: the merged root, the library's
    // scalars and paging types, and the connection and edge types its macros name per node.
    type EdgeOf<Node> = Edge<page::OffsetCursor, Node, EmptyFields>;
    Schema::build(Query::default(), mutation::Mutation::default(), EmptySubscription)
        .override_output_type_description::<Query>(
            "Every read. Anonymous callers see published releases and public contacts only; a bearer\n\
             token with the reader, editor or admin role sees everything. Fields that need a role\n\
             name it.",
        )
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            "An instant as an RFC 3339 string, e.g. `2026-03-01T12:00:00+00:00`. Inputs may carry any\n\
             offset; outputs are in UTC.",
        )
        .override_output_type_description::<Json<serde_json::Value>>(
            "Any JSON value (object, array, string, number, boolean or null), as is.",
        )
        .override_output_type_description::<PageInfo>(
            "Where a page sits in its list: pass `endCursor` as `after` for the next page,\n\
             `startCursor` as `before` for the previous one.",
        )
        .override_output_type_description::<release::ReleaseConnection>("A page of releases.")
        .override_output_type_description::<Edge<search::ReleaseCursor, release::Release, search::ReleaseHit>>(
            "One release in a page, with its cursor and, in a search, its highlights.",
        )
        .override_output_type_description::<revision::ReleaseRevisionConnection>(
            "A page of a release's revisions, newest first.",
        )
        .override_output_type_description::<EdgeOf<revision::ReleaseRevision>>(
            "One revision in a page, with its cursor.",
        )
        .override_output_type_description::<commission::CommissionConnection>("A page of commissions.")
        .override_output_type_description::<EdgeOf<commission::Commission>>(
            "One commission in a page, with its cursor.",
        )
        .override_output_type_description::<organisation::OrganisationConnection>("A page of organisations.")
        .override_output_type_description::<EdgeOf<organisation::Organisation>>(
            "One organisation in a page, with its cursor.",
        )
        .override_output_type_description::<contact::ContactConnection>("A page of media contacts.")
        .override_output_type_description::<EdgeOf<contact::Contact>>("One contact in a page, with its cursor.")
        .override_output_type_description::<topic::TopicConnection>("A page of topics.")
        .override_output_type_description::<EdgeOf<topic::Topic>>("One topic in a page, with its cursor.")
        .override_output_type_description::<audit::AuditEventConnection>("A page of audit events, newest first.")
        .override_output_type_description::<EdgeOf<audit::AuditEvent>>("One audit event in a page, with its cursor.")
}

/// The schema with its data (the database, the limits, the reference cache, on unless
/// `reference_cache` is false) and its complexity limit. The depth limit is the route's to apply
/// (`guard::refuse_too_deep`), since async-graphql's would count introspection too. Each request
/// brings its own loader (see `request_loader`).
pub fn build(
    db: DatabaseConnection,
    limits: &Limits,
    generation: Arc<Generation>,
    reference_cache: bool,
    webhooks: crate::config::WebhookSettings,
) -> AppSchema {
    builder()
        .limit_complexity(limits.max_complexity)
        .data(webhooks)
        .data(db)
        .data(limits.clone())
        .data(generation)
        .data(preload::Reference::new(reference_cache))
        .finish()
}

/// A loader for one request. Per request rather than shared, so that a request's batches stay on
/// the worker thread that serves it (no cross-thread wake-ups or lock traffic).
pub fn request_loader(db: &DatabaseConnection, access: Access) -> Arc<loader::RequestLoader> {
    Arc::new(loader::RequestLoader::new(db, access))
}

/// The SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

/// The id of the HTTP request a GraphQL request came in, recorded with its writes.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The caller of the current request.
pub(crate) fn access<'a>(ctx: &Context<'a>) -> GqlResult<&'a Access> {
    ctx.data::<Access>()
}

/// The database of the current request.
pub(crate) fn db<'a>(ctx: &Context<'a>) -> GqlResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// The request's loader.
pub(crate) fn loader<'a>(ctx: &Context<'a>) -> GqlResult<&'a Arc<loader::RequestLoader>> {
    ctx.data::<Arc<loader::RequestLoader>>()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn schema_graphql_is_up_to_date() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
        let sdl = super::sdl();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &sdl).unwrap();
            return;
        }
        assert!(
            std::fs::read_to_string(&path).unwrap_or_default() == sdl,
            "schema.graphql is stale: run `UPDATE_SCHEMA=1 cargo test -p api schema_graphql_is_up_to_date` and commit it"
        );
    }
}
