//! newsroom's server: configuration, start-up, the GraphQL API over the content services, and the CLI.
//!
//! Data flows one way: a face (GraphQL, CLI) calls `service`, and `service` talks to `entity`.

pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod database;
pub mod demo;
pub mod error;
pub mod export;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod import;
pub mod routes;
pub mod search;
pub mod seed;
pub mod service;
pub mod stamp;
pub mod startup;
pub mod telemetry;
pub mod validate;

pub use config::Settings;
pub use error::ApiError;
pub use startup::{Application, StatementCounter};
