//! Typed settings, read once from the command line and `NEWSROOM_*` variables (plus the
//! conventional `DATABASE_URL`), then passed explicitly: tests build their own.

use std::{path::PathBuf, time::Duration};

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
    /// Keep the topics, commissions, organisations and contacts that release lists name in memory
    /// while the database's write mark stands still (every write through newsroom moves it). Turn
    /// it off if anything other than newsroom writes those tables.
    #[arg(long, env = "NEWSROOM_REFERENCE_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub reference_cache: bool,
}

impl DatabaseSettings {
    /// Settings for `url` with the default pool size.
    pub fn new(url: impl Into<String>) -> Self {
        Self { database_url: url.into(), max_connections: 10, reference_cache: true }
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
    /// Largest request body accepted, in bytes: room for a release body of 4 MiB, escaped in JSON.
    #[arg(long, env = "NEWSROOM_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Longest release body a write accepts (mutations and imports), in bytes of UTF-8. A body
    /// arrives in a request, so a body over `max_body_bytes` (escaped in JSON) is refused first.
    #[arg(long, env = "NEWSROOM_MAX_RELEASE_BODY_BYTES", default_value_t = crate::validate::RELEASE_BODY_BYTES)]
    pub max_release_body_bytes: usize,
    /// Most operations one batched GraphQL request (a JSON array) may carry.
    #[arg(long, env = "NEWSROOM_MAX_BATCH_OPERATIONS", default_value_t = 10)]
    pub max_batch_operations: usize,
    /// Highest summed complexity of the operations of one batched request: a batch costs what its
    /// operations cost together, so it cannot buy more than one request's worth of work by
    /// splitting it up.
    #[arg(long, env = "NEWSROOM_MAX_BATCH_COMPLEXITY", default_value_t = 20_000)]
    pub max_batch_complexity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_page_size: 100,
            default_page_size: 20,
            max_body_bytes: 10 * 1024 * 1024,
            max_release_body_bytes: crate::validate::RELEASE_BODY_BYTES,
            max_batch_operations: 10,
            max_batch_complexity: 20_000,
        }
    }
}

/// How bearer tokens are verified. Without a secret or a public key, every token is refused
/// (reads go on as anonymous) and nothing can be written.
#[derive(Args, Clone, Debug)]
pub struct AuthSettings {
    /// Shared secret for HS256 tokens (what `newsroom token issue` signs with).
    #[arg(long, env = "NEWSROOM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Public keys for RS256, ES256 (P-256) or EdDSA (Ed25519) tokens, as PEM files: `KID=PATH`
    /// (selected by the token's `kid`) or `PATH` (for tokens without one); comma-separated.
    #[arg(long = "jwt-public-key", env = "NEWSROOM_JWT_PUBLIC_KEYS", value_delimiter = ',')]
    pub jwt_public_keys: Vec<String>,
    /// A JWKS file (an identity provider's published keys), selected by `kid`.
    #[arg(long, env = "NEWSROOM_JWT_JWKS")]
    pub jwt_jwks: Option<PathBuf>,
    /// Required `iss`, when set.
    #[arg(long, env = "NEWSROOM_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud`, when set.
    #[arg(long, env = "NEWSROOM_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    #[arg(long = "jwt-leeway", env = "NEWSROOM_JWT_LEEWAY", default_value_t = 30)]
    pub jwt_leeway_secs: u64,
    /// The claim that holds the role (a string or an array; dots reach into objects, e.g.
    /// `realm_access.roles`). A `roles` array is read too.
    #[arg(long, env = "NEWSROOM_JWT_ROLE_CLAIM", default_value = "role")]
    pub jwt_role_claim: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_public_keys: Vec::new(),
            jwt_jwks: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_leeway_secs: 30,
            jwt_role_claim: "role".into(),
        }
    }
}

/// How feeds link and how long they are cached.
#[derive(Args, Clone, Debug)]
pub struct FeedSettings {
    /// Where each release lives on the public site: a URL with `{language}` and `{slug}`.
    #[arg(long, env = "NEWSROOM_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// This API's public base URL, for feeds' self links (default: from the request's `Host` and
    /// `Forwarded` / `X-Forwarded-*` headers).
    #[arg(long, env = "NEWSROOM_BASE_URL")]
    pub base_url: Option<String>,
    /// The name feeds carry in their titles.
    #[arg(long, env = "NEWSROOM_FEED_TITLE", default_value = "newsroom")]
    pub feed_title: String,
    /// `Cache-Control: max-age` of feeds, in seconds.
    #[arg(long = "feed-max-age", env = "NEWSROOM_FEED_MAX_AGE", default_value_t = 60)]
    pub feed_max_age_secs: u64,
    /// How long a rendered feed is trusted before the database is asked whether another server
    /// wrote, in milliseconds (writes through this server are seen at once).
    #[arg(long = "feed-freshness", env = "NEWSROOM_FEED_FRESHNESS_MS", default_value_t = 1000)]
    pub feed_freshness_ms: u64,
    /// A folder served as-is under `/static/` (off when unset).
    #[arg(long, env = "NEWSROOM_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
}

/// The public site's release pages until `NEWSROOM_PUBLIC_URL` says where they are.
pub const DEFAULT_PUBLIC_URL: &str = "https://example.org/news/{language}/{slug}";

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            public_url: DEFAULT_PUBLIC_URL.into(),
            base_url: None,
            feed_title: "newsroom".into(),
            feed_max_age_secs: 60,
            feed_freshness_ms: 1000,
            static_dir: None,
        }
    }
}

/// What every HTTP response shares: which other origins browsers may call from, and how long a
/// client may take to send its request.
#[derive(Args, Clone, Debug)]
pub struct HttpSettings {
    /// Origins whose pages may call the API from a browser (CORS): `*` for any, or
    /// comma-separated origins such as `https://www.example.org`; empty for none. Any origin is
    /// the default because newsroom has no cookies: a page on another origin can only send a
    /// token its own code holds, so it reaches nothing more than its visitors could anyway.
    #[arg(long, env = "NEWSROOM_CORS_ORIGINS", value_delimiter = ',', default_value = "*")]
    pub cors_origins: Vec<String>,
    /// How long browsers may cache a CORS preflight answer, in seconds (Chromium caps it at 7200).
    #[arg(long = "cors-max-age", env = "NEWSROOM_CORS_MAX_AGE", default_value_t = 7200)]
    pub cors_max_age_secs: usize,
    /// Seconds a client has to send a request's headers, and a GraphQL request's body, before it
    /// is answered 408: a slow client cannot hold a worker.
    #[arg(long = "client-timeout", env = "NEWSROOM_CLIENT_TIMEOUT", default_value_t = 10)]
    pub client_timeout_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self { cors_origins: vec!["*".into()], cors_max_age_secs: 7200, client_timeout_secs: 10 }
    }
}

impl HttpSettings {
    /// `client_timeout_secs` as a duration.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.client_timeout_secs)
    }
}

/// Which documents anonymous callers may send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum AnonymousDocuments {
    /// Any query (the default).
    #[default]
    Any,
    /// Only the trusted documents registered with `newsroom documents add` (by `documentId`, by
    /// hash, or as their text): a public endpoint answers what its frontends ship.
    Trusted,
}

/// How GraphQL responses are cached: by HTTP caches and CDNs in front of newsroom, and in its
/// own memory.
#[derive(Args, Clone, Debug)]
pub struct CachingSettings {
    /// The longest an anonymous GET response may be cached (`Cache-Control: public, max-age`), in
    /// seconds; each type's hint may make it shorter, and so does the next scheduled publication.
    /// 0: `no-cache` (caches revalidate every time, with the ETag).
    #[arg(long = "cache-max-age", env = "NEWSROOM_CACHE_MAX_AGE", default_value_t = 60)]
    pub max_age_secs: u32,
    /// Memory for whole anonymous responses, in MiB, reused while the database's write mark holds
    /// (so across any number of servers); 0 turns the cache off.
    #[arg(long = "response-cache-mb", env = "NEWSROOM_RESPONSE_CACHE_MB", default_value_t = 64)]
    pub response_cache_mb: usize,
    /// `any`, or `trusted`: anonymous callers may send only registered documents.
    #[arg(long = "anonymous-documents", env = "NEWSROOM_ANONYMOUS_DOCUMENTS", value_enum, default_value_t = AnonymousDocuments::Any)]
    pub anonymous_documents: AnonymousDocuments,
}

impl Default for CachingSettings {
    fn default() -> Self {
        Self { max_age_secs: 60, response_cache_mb: 64, anonymous_documents: AnonymousDocuments::Any }
    }
}

/// How long the change log keeps its entries, and how often the clock looks for scheduled
/// releases that came due.
#[derive(Args, Clone, Debug)]
pub struct ChangeSettings {
    /// How long change-log entries are kept (`30d`, `12h`): a partner whose cursor is older is
    /// told `CURSOR_EXPIRED` and syncs again from the start.
    #[arg(long = "changes-retention", env = "NEWSROOM_CHANGES_RETENTION", default_value = "30d", value_parser = humantime::parse_duration)]
    pub retention: Duration,
    /// How often each server looks for scheduled releases that came due, to log them at their
    /// instant (`1s`).
    #[arg(long = "changes-tick", env = "NEWSROOM_CHANGES_TICK", default_value = "1s", value_parser = humantime::parse_duration)]
    pub tick: Duration,
}

impl Default for ChangeSettings {
    fn default() -> Self {
        Self { retention: Duration::from_secs(30 * 24 * 3600), tick: Duration::from_secs(1) }
    }
}

/// How webhooks are delivered.
#[derive(Args, Clone, Debug)]
pub struct WebhookSettings {
    /// Whether this server sends deliveries (every server does by default; each delivery is made
    /// by one of them).
    #[arg(long = "webhook-delivery", env = "NEWSROOM_WEBHOOK_DELIVERY", default_value_t = true, action = clap::ArgAction::Set)]
    pub deliver: bool,
    /// The waits between attempts, comma-separated: after the last, a delivery has failed. The
    /// default spans about three days. Each wait varies by up to a tenth (jitter).
    #[arg(long = "webhook-retry-schedule", env = "NEWSROOM_WEBHOOK_RETRY_SCHEDULE", value_delimiter = ',',
          default_value = "5s,5m,30m,2h,5h,10h,14h,20h,24h", value_parser = humantime::parse_duration)]
    pub retry_schedule: Vec<Duration>,
    /// How long one attempt may take before it counts as failed.
    #[arg(long = "webhook-timeout", env = "NEWSROOM_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Allow receivers on loopback, private and link-local addresses. Off by default: a webhook
    /// must not become a way to reach the services beside newsroom.
    #[arg(long = "webhook-allow-private-networks", env = "NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_networks: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        let hours = |h: u64| Duration::from_secs(h * 3600);
        Self {
            deliver: true,
            retry_schedule: vec![
                Duration::from_secs(5),
                Duration::from_secs(300),
                Duration::from_secs(1800),
                hours(2),
                hours(5),
                hours(10),
                hours(14),
                hours(20),
                hours(24),
            ],
            timeout: Duration::from_secs(10),
            allow_private_networks: false,
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
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub feeds: FeedSettings,
    #[command(flatten)]
    pub http: HttpSettings,
    #[command(flatten)]
    pub caching: CachingSettings,
    #[command(flatten)]
    pub changes: ChangeSettings,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
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
            auth: AuthSettings::default(),
            feeds: FeedSettings::default(),
            http: HttpSettings::default(),
            caching: CachingSettings::default(),
            changes: ChangeSettings::default(),
            webhooks: WebhookSettings::default(),
        }
    }

    /// `shutdown_timeout_secs` as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}
