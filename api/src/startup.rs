//! Start-up: connect, migrate, load demo content, build the schema once, and serve.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use actix_web::{
    App, HttpMessage, HttpServer,
    dev::{Server, Service},
    http::header::{HeaderName, HeaderValue},
    middleware::Compress,
    web,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use tracing_actix_web::{RequestId, TracingLogger};

use crate::{
    auth::token::Verifier,
    config::{DatabaseSettings, Settings},
    database::{keep_statistics_fresh, refresh_statistics},
    demo, graphql, routes,
};

/// Bytes of an SQLite file each connection reads through a memory map: address space, not memory
/// (the pages are the operating system's file cache, shared by every connection).
const MMAP_BYTES: u64 = 1 << 30;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] DbErr),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[source] DbErr),
    #[error("cannot refresh the planner statistics: {0}")]
    Statistics(#[source] DbErr),
    #[error("cannot start sending webhooks: {0}")]
    Webhooks(#[source] crate::ApiError),
    #[error("cannot load the demo content: {0}")]
    Demo(#[source] crate::ApiError),
    #[error("cannot load the JWT keys: {0}")]
    Keys(#[source] crate::auth::token::KeyError),
    #[error("cannot start: {0}")]
    Cors(#[from] crate::http::BadOrigin),
    #[error("cannot listen on {bind}: {source}")]
    Bind { bind: String, source: std::io::Error },
}

/// Counts the SQL statements a connection runs: how the tests prove that a query's statement
/// count follows its shape, not its row count.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens the pool described by `settings`, counting its statements.
pub async fn connect(settings: &DatabaseSettings) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    let mut options = ConnectOptions::new(&settings.database_url);
    options
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // By default every checkout pings the server first: one more round trip for every
        // statement. Only a connection that sat idle (and may have been dropped) is checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|options| {
            // PostgreSQL plans a prepared statement afresh for its first executions and keeps doing
            // so while the generic plan looks costlier on paper. For our key lookups and
            // index-ordered lists that replanning cost 0.6 ms per statement, ten times the
            // execution: the generic plan is as good and is planned once per connection.
            //
            // JIT compilation pays off for long analytical queries; ours are short, but a search
            // planned for what it matches (`service::search::tsquery`) can cost past
            // `jit_above_cost` (a common word in 100,000 releases: ~253,000), and each execution
            // then spent ~20 ms compiling what runs in 100.
            //
            // A generic plan cannot see how many keys `= ANY($1)` holds and guesses ten, and at the
            // default `random_page_cost` (4, a spinning disk's) ten index probes look dearer than
            // hashing a whole table: a release page hashed all 1,000 organisations and 2,000
            // contacts to join its two. Newsroom's working set is small and hot (cached, or on
            // SSD), which the usual SSD setting describes: it halved a release page's time at
            // 100,000 releases (docs/benchmarks.md).
            //
            // Parallel workers speed one statement up on an idle server; an API server runs many
            // requests at once, and the workers competed with the other requests for the same
            // cores: counting the releases of a country ran at 41-48 requests/s with them, 69-81
            // without.
            options.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("jit", "off"),
                ("random_page_cost", "1.1"),
                ("max_parallel_workers_per_gather", "0"),
            ])
        })
        .map_sqlx_sqlite_opts(|options| {
            // WAL lets readers run while a writer commits; the busy timeout queues writers instead
            // of failing them. Pages are read through a memory map of the file rather than copied
            // into each connection's cache by a system call per page: a search at 100,000
            // releases reads some 100,000 pages (docs/benchmarks.md "SQLite's page cache").
            options
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("mmap_size", MMAP_BYTES.to_string())
        });
    let mut db = open(options).await?;
    let counter = StatementCounter::default();
    let count = counter.0.clone();
    db.set_metric_callback(move |info| {
        count.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(target: "newsroom::sql", elapsed = ?info.elapsed, failed = info.failed, sql = %info.statement);
    });
    Ok((db, counter))
}

/// Runs `work` (migrations, the demo content) while holding a lock on the whole database, so that
/// servers started together against one database set it up one after the other: without it, two
/// of them would run the same migration at once and one would fail. PostgreSQL takes a
/// transaction-level advisory lock and MariaDB/MySQL a named lock, each on a connection of its
/// own; SQLite an exclusive `flock` on the database file, which on Linux is independent of the
/// record locks SQLite itself takes on it.
pub async fn with_setup_lock<T>(db: &DatabaseConnection, work: impl Future<Output = T>) -> Result<T, DbErr> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    // Any constant both sides agree on: "newsroom" in ASCII.
    const KEY: i64 = 0x6e65_7773_726f_6f6d;
    let backend = db.get_database_backend();
    if backend == DbBackend::Sqlite {
        let main = "SELECT file FROM pragma_database_list WHERE name = 'main'";
        let row = db.query_one_raw(Statement::from_string(backend, main)).await?;
        let file: String = row.map(|row| row.try_get_by_index(0)).transpose()?.unwrap_or_default();
        if file.is_empty() {
            // In memory: nobody else can open it.
            return Ok(work.await);
        }
        let lock = tokio::task::spawn_blocking(move || {
            let handle = std::fs::File::open(&file)?;
            handle.lock().map(|()| handle)
        })
        .await
        .map_err(|error| DbErr::Custom(error.to_string()))?
        .map_err(|error| DbErr::Custom(format!("cannot lock the database file for set-up: {error}")))?;
        let done = work.await;
        drop(lock);
        return Ok(done);
    }
    let holder = db.begin().await?;
    match backend {
        DbBackend::Postgres => holder.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({KEY})")).await?,
        _ => holder.execute_unprepared("SELECT GET_LOCK('newsroom_setup', 600)").await?,
    };
    let done = work.await;
    if backend == DbBackend::MySql {
        // A named lock belongs to the session, not the transaction.
        holder.execute_unprepared("DO RELEASE_LOCK('newsroom_setup')").await?;
    }
    holder.commit().await?;
    Ok(done)
}

/// Connects, waiting out SQLite's "database is locked" while another process opens the same new
/// file: switching a new file to WAL needs it alone, and SQLite answers busy at once rather than
/// calling its busy handler.
async fn open(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let busy = |error: &DbErr| match error {
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(error)) => {
            error.as_database_error().and_then(|error| error.code()).is_some_and(|code| code == "5")
        }
        _ => false,
    };
    let mut waited = Duration::ZERO;
    loop {
        match Database::connect(options.clone()).await {
            Err(error) if busy(&error) && waited < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(25)).await;
                waited += Duration::from_millis(25);
            }
            result => return result,
        }
    }
}

/// A built server, listening but not yet serving.
pub struct Application {
    server: Server,
    port: u16,
    db: DatabaseConnection,
    statements: StatementCounter,
    upkeep: Vec<Upkeep>,
}

/// Applies the pending migrations, then catches up with content written around the services.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    index_missing(db).await
}

/// Indexes for search the releases that have no index row yet, and logs in the change log the
/// records it does not name yet: written before the index and the log existed, or by `seed` and
/// `demo`. Both are Rust code a migration cannot run.
async fn index_missing(db: &DatabaseConnection) -> Result<(), DbErr> {
    // The cause, not the "internal server error" a client is shown: this goes to the operator.
    let failed = |error: crate::error::ApiError| match error {
        crate::error::ApiError::Database(cause) => DbErr::Custom(cause.to_string()),
        other => DbErr::Custom(other.to_string()),
    };
    let indexed = crate::service::search::index_missing(db).await.map_err(failed)?;
    if indexed > 0 {
        tracing::info!(indexed, "releases indexed for search");
    }
    let logged = crate::service::changes::backfill(db).await.map_err(failed)?;
    if logged > 0 {
        tracing::info!(logged, "records entered in the change log");
    }
    Ok(())
}

/// A background task that ends with the server.
struct Upkeep(tokio::task::AbortHandle);

impl Drop for Upkeep {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends the webhook deliveries that are due, as soon as a write on this server queues one and at
/// every tick for those queued by other servers and for retries. Off when this server is told
/// not to deliver.
fn send_webhooks(db: DatabaseConnection, settings: &Settings) -> Result<Upkeep, StartupError> {
    let tick = settings.changes.tick.max(std::time::Duration::from_millis(10));
    let sender = if settings.webhooks.deliver {
        Some(crate::service::webhook::Sender::new(settings.webhooks.clone()).map_err(StartupError::Webhooks)?)
    } else {
        None
    };
    let task = tokio::spawn(async move {
        let Some(sender) = sender else { return };
        loop {
            match sender.send_due(&db).await {
                Ok(0) => crate::service::webhook::wait(tick).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = %error, "could not send webhook deliveries");
                    tokio::time::sleep(tick).await;
                }
            }
        }
    });
    Ok(Upkeep(task.abort_handle()))
}

/// Logs scheduled releases as they come due, every `tick`, and purges the change log past its
/// retention every few minutes. On a connection of its own, so that the statements a request
/// makes can be counted without the clock's.
fn keep_changes_current(db: DatabaseConnection, settings: crate::config::ChangeSettings) -> Upkeep {
    let retention = chrono::Duration::from_std(settings.retention).unwrap_or(chrono::Duration::MAX);
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(settings.tick.max(std::time::Duration::from_millis(10)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_purge: Option<std::time::Instant> = None;
        loop {
            ticks.tick().await;
            if let Err(error) = crate::service::changes::catch_up(&db).await {
                tracing::warn!(error = %error, "could not log the releases that came due");
            }
            if last_purge.is_none_or(|at| at.elapsed() > std::time::Duration::from_secs(300)) {
                last_purge = Some(std::time::Instant::now());
                match crate::service::changes::purge(&db, retention, 10_000).await {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "change-log entries past the retention purged"),
                    Err(error) => tracing::warn!(error = %error, "could not purge the change log"),
                }
                if let Err(error) = crate::service::webhook::purge(&db, retention).await {
                    tracing::warn!(error = %error, "could not purge the webhook delivery log");
                }
            }
        }
    });
    Upkeep(task.abort_handle())
}

impl Application {
    /// Connects, migrates, loads the demo content if asked, and binds.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let verifier = Verifier::from_settings(&settings.auth).map_err(StartupError::Keys)?;
        let origins = crate::http::Origins::parse(&settings.http.cors_origins)?;
        if !verifier.is_configured() {
            tracing::warn!("no JWT secret or public key is configured: the API is read-only and anonymous");
        }
        let (db, statements) = connect(&settings.database).await.map_err(StartupError::Connect)?;
        with_setup_lock(&db, async {
            migrate(&db).await.map_err(StartupError::Migrate)?;
            if settings.demo {
                demo::load(&db).await.map_err(StartupError::Demo)?;
                index_missing(&db).await.map_err(StartupError::Migrate)?;
            }
            Ok::<_, StartupError>(())
        })
        .await
        .map_err(StartupError::Migrate)??;
        refresh_statistics(&db).await.map_err(StartupError::Statistics)?;
        keep_statistics_fresh(db.clone());
        let upkeep_settings = crate::config::DatabaseSettings { max_connections: 3, ..settings.database.clone() };
        let (upkeep_db, _) = connect(&upkeep_settings).await.map_err(StartupError::Connect)?;
        let upkeep = vec![
            keep_changes_current(upkeep_db.clone(), settings.changes.clone()),
            send_webhooks(upkeep_db, &settings)?,
        ];
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?;
        let port =
            listener.local_addr().map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?.port();

        let generation = Arc::new(crate::service::write::Generation::default());
        let served = web::Data::new(routes::graphql::Served {
            schema: graphql::build(
                db.clone(),
                &settings.limits,
                generation.clone(),
                settings.database.reference_cache,
                settings.webhooks.clone(),
            ),
            batch_cost: graphql::guard::BatchCost::new(),
            limits: settings.limits.clone(),
            http: settings.http.clone(),
            documents: routes::graphql::persisted::Documents::new(settings.caching.anonymous_documents),
            caching: routes::graphql::caching::Caching::new(settings.caching.clone(), generation.clone()),
        });
        let limits = web::Data::new(settings.limits.clone());
        let db_data = web::Data::new(db.clone());
        let verifier = web::Data::new(verifier);
        let feed_settings = web::Data::new(settings.feeds.clone());
        let feed_cache = web::Data::new(routes::feeds::cache(&settings.feeds, generation.clone()));
        let generation = web::Data::new(generation);
        let change_settings = web::Data::new(settings.changes.clone());
        let static_dir = settings.feeds.static_dir.clone();
        let http_settings = settings.http.clone();
        if settings.feeds.public_url == crate::config::DEFAULT_PUBLIC_URL {
            tracing::warn!("NEWSROOM_PUBLIC_URL is not set: feed entries link to {}", settings.feeds.public_url);
        }
        let mut server = HttpServer::new(move || {
            // Middleware runs outermost last: the request id and security headers reach every
            // response, CORS preflights included, and compression sees only route responses.
            App::new()
                .wrap(Compress::default())
                .wrap(crate::http::cors(&origins, &http_settings))
                .wrap_fn(|request, service| {
                    let response = service.call(request);
                    async move {
                        let mut response = response.await?;
                        let id = response.request().extensions().get::<RequestId>().map(ToString::to_string);
                        if let Some(value) = id.and_then(|id| HeaderValue::try_from(id).ok()) {
                            response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(response)
                    }
                })
                .wrap(crate::http::security_headers())
                .wrap(TracingLogger::default())
                .app_data(served.clone())
                .app_data(limits.clone())
                .app_data(db_data.clone())
                .app_data(verifier.clone())
                .app_data(feed_settings.clone())
                .app_data(feed_cache.clone())
                .app_data(generation.clone())
                .app_data(change_settings.clone())
                .configure(routes::configure)
                .configure(|config| {
                    if let Some(dir) = &static_dir {
                        config.service(actix_files::Files::new("/static", dir));
                    }
                })
        })
        // Responses leave in one write when they can, but streamed ones (exports, static files)
        // leave in several: without TCP_NODELAY the second waits for the client's delayed ACK.
        .on_connect(|connection, _| {
            if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = stream.set_nodelay(true);
            }
        })
        .client_request_timeout(settings.http.client_timeout())
        .shutdown_timeout(settings.shutdown_timeout_secs);
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server =
            server.listen(listener).map_err(|source| StartupError::Bind { bind: settings.bind.clone(), source })?.run();
        Ok(Self { server, port, db, statements, upkeep })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server (tests stop theirs when they end).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Its database pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The statement counter of its pool.
    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// Serves until SIGTERM or SIGINT, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, upkeep, .. } = self;
        let stopped = server.await;
        drop(upkeep);
        stopped
    }
}
