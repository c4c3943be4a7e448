//! HTTP routes: GraphQL over HTTP, GraphiQL, the SDL, partner feeds, and health checks.

pub mod bulk;
pub mod changes;
pub mod feeds;
pub mod graphiql;
pub mod graphql;
pub mod health;

use actix_web::{guard, web};

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/graphiql", web::get().to(graphiql::page))
        .route("/graphiql/{file}", web::get().to(graphiql::asset))
        .route("/schema.graphql", web::get().to(graphql::schema))
        .route("/healthz", web::get().to(health::live))
        .route("/readyz", web::get().to(health::ready))
        .route("/api/import", web::post().to(bulk::import))
        .route("/api/export", web::get().to(bulk::export))
        .route("/api/changes", web::get().to(changes::list))
        .route("/api/changes/stream", web::get().to(changes::stream))
        .route("/feeds/{file}", get_or_head().to(feeds::releases))
        .route("/feeds/{facet}/{file}", get_or_head().to(feeds::facet));
}

/// GET and HEAD (actix answers HEAD with the GET response's headers and no body).
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}
