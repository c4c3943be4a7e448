//! End-to-end tests: the real app over real HTTP, against SQLite always and against PostgreSQL and
//! MariaDB when `NEWSROOM_TEST_POSTGRES_URL` / `NEWSROOM_TEST_MYSQL_URL` are set (CI sets both, and
//! with `CI=true` a missing one fails instead of skipping). Every test gets its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod helpers;

mod browsers;
mod bulk;
mod caching;
mod catalogue;
mod changes;
mod concurrency;
mod demo;
mod feeds;
mod guards;
mod history;
mod http;
mod metadata;
mod mutations;
mod n_plus_one;
mod names;
mod over_http;
mod paging;
mod permissions;
mod quito;
mod rules;
mod schema;
mod search;
mod tokens;
mod visibility;
mod webhooks;
