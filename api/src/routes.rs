//! HTTP routes: GraphQL over HTTP, GraphiQL, the SDL, and health checks.

pub mod graphql;
pub mod health;

use actix_web::web;

/// Registers every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/graphiql", web::get().to(graphql::graphiql))
        .route("/schema.graphql", web::get().to(graphql::schema))
        .route("/healthz", web::get().to(health::live))
        .route("/readyz", web::get().to(health::ready));
}
