//! Typed settings, read once from the command line and `NEWSROOM_*` variables (plus the
//! conventional `DATABASE_URL`), then passed explicitly: tests build their own.

use std::time::Duration;

use clap::Args;

/// The embedded default: a SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://newsroom.db?mode=rwc";

/// Where the content lives.
#[derive(Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// Database URL: sqlite://FILE?mode=rwc, postgres://USER@HOST/DB or mysql://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Connections in the pool.
    #[arg(long, env = "NEWSROOM_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub max_connections: u32,
}

impl DatabaseSettings {
    /// Settings for `url` with the default pool size.
    pub fn new(url: impl Into<String>) -> Self {
        Self { database_url: url.into(), max_connections: 10 }
    }
}

/// Guards that keep one request from costing the server too much. All on by default.
#[derive(Args, Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of fields a GraphQL query may have.
    #[arg(long, env = "NEWSROOM_MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Highest complexity a GraphQL query may have (each field costs 1, a list multiplies its
    /// children by its page size).
    #[arg(long, env = "NEWSROOM_MAX_QUERY_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Largest page a connection serves (`first`/`last`).
    #[arg(long, env = "NEWSROOM_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u64,
    /// Page size when neither `first` nor `last` is given.
    #[arg(long, env = "NEWSROOM_DEFAULT_PAGE_SIZE", default_value_t = 20)]
    pub default_page_size: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "NEWSROOM_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_page_size: 100,
            default_page_size: 20,
            max_body_bytes: 256 * 1024,
        }
    }
}

/// Everything `Application::build` needs.
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "NEWSROOM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HTTP worker threads; 0 means one per core.
    #[arg(long, env = "NEWSROOM_WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// Load the demo content (idempotent) before serving.
    #[arg(long, env = "NEWSROOM_DEMO", default_value_t = false)]
    pub demo: bool,
    /// Seconds to finish in-flight requests after SIGTERM.
    #[arg(long, env = "NEWSROOM_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout_secs: u64,
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub limits: Limits,
}

impl Settings {
    /// Defaults for everything but the database; what tests start from.
    pub fn for_database(url: impl Into<String>) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            workers: 2,
            demo: false,
            shutdown_timeout_secs: 5,
            database: DatabaseSettings::new(url),
            limits: Limits::default(),
        }
    }

    /// `shutdown_timeout_secs` as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}
