//! The `newsroom` command line: serve, migrate, schema, seed, demo, import, export, token.

use std::{
    ffi::OsString,
    io::{IsTerminal, Write},
    path::PathBuf,
};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    auth::{
        role::{Principal, Role},
        token,
    },
    config::{AuthSettings, DatabaseSettings, Settings},
    database, demo,
    error::ApiError,
    export,
    import::{self, Failure, Format, record::Kind},
    seed,
    service::write::{Author, ContentLimits, Generation},
    startup::{Application, connect},
};

/// newsroom: a headless content API for the press offices of international and public organisations.
#[derive(Parser, Debug)]
#[command(name = "newsroom", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API (migrations are applied first).
    Serve(Box<Settings>),
    /// Apply, roll back or inspect migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Generate deterministic synthetic content, e.g. for benchmarks.
    Seed {
        /// How many releases to generate (organisations, commissions, contacts and topics scale with it).
        #[arg(long, default_value_t = 1000)]
        releases: u32,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Load the demo content (idempotent), without serving.
    Demo {
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Import records (NDJSON, a JSON array, or CSV): upsert by natural key, all or nothing by
    /// default. Prints a report; exits with 1 if any record failed.
    Import {
        /// Files to import together (`-` for standard input). `.csv` files hold one type each,
        /// named by `--type` or by the file name (`organisations.csv`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report what would happen, write nothing. A SQLite file that does not exist is not
        /// created: the records are checked against an empty database instead.
        #[arg(long)]
        dry_run: bool,
        /// atomic (all or nothing) or best-effort (valid records land).
        #[arg(long, default_value = "atomic")]
        mode: import::Mode,
        /// Print the report as JSON, or the error as one JSON object (`code`, `message`, and
        /// `field`, `line`, `file` where known), on standard output.
        #[arg(long)]
        json: bool,
        /// The record type of CSV files.
        #[arg(long = "type")]
        kind: Option<String>,
        /// Who the audit log names as the writer.
        #[arg(long = "as", default_value = "cli")]
        author: String,
        /// Longest release body to accept, in bytes of UTF-8 (as the server's setting).
        #[arg(long, env = "NEWSROOM_MAX_RELEASE_BODY_BYTES", default_value_t = crate::validate::RELEASE_BODY_BYTES)]
        max_release_body_bytes: usize,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Export records as NDJSON or CSV, in a fixed order (what `import` reads).
    Export {
        /// Only these types (organisation, topic, contact, commission, release); all by default.
        /// A CSV export is of exactly one.
        #[arg(long = "type")]
        kinds: Vec<String>,
        /// `ndjson`, or `csv` (one type per file, the import's cell syntax).
        #[arg(long, default_value = "ndjson")]
        format: export::Format,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Print an error as one JSON object (`code`, `message`, and `field`, `file` where known)
        /// on standard output, after whatever records went there.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Mint tokens for scripts.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Trusted documents: the GraphQL documents frontends ship, which clients then name by id
    /// (`documentId`), and which alone anonymous callers may send under
    /// `NEWSROOM_ANONYMOUS_DOCUMENTS=trusted`.
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Webhook subscriptions: receivers of signed deliveries when content changes.
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
    },
}

#[derive(Subcommand, Debug)]
enum WebhookAction {
    /// Subscribe a receiver; prints its id and its signing secret (shown this once).
    Add {
        /// Where to POST deliveries.
        #[arg(long)]
        url: String,
        /// The events, comma-separated: `release.published`, `release.*`, `*`, …
        #[arg(long, value_delimiter = ',', default_value = "*")]
        events: Vec<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        webhooks: crate::config::WebhookSettings,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// List the subscriptions: id, state, events, URL.
    List {
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Remove a subscription by id, with its delivery log.
    Remove {
        id: uuid::Uuid,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
enum DocumentsAction {
    /// Register the documents of persisted-query manifests: Apollo's
    /// (`generate-persisted-query-manifest`) or Relay's (`relay-compiler` with `persistConfig`).
    /// Each manifest all or nothing; registering one again changes nothing.
    Add {
        #[arg(required = true)]
        manifests: Vec<PathBuf>,
        /// The client the manifests belong to (by default, each file's name).
        #[arg(long)]
        client: Option<String>,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// List the registered documents: id, operation name, client.
    List {
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Remove a registered document by id.
    Remove {
        id: String,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Print an HS256 token signed with NEWSROOM_JWT_SECRET.
    Issue {
        /// The token's subject: who the audit log will say wrote.
        #[arg(long)]
        sub: String,
        /// reader, editor, importer or admin.
        #[arg(long)]
        role: Role,
        /// How long the token is valid, e.g. `1h`, `30m`, `7d`.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: std::time::Duration,
        #[command(flatten)]
        auth: AuthSettings,
    },
}

#[derive(Subcommand, Debug, Clone, Copy)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply every migration from scratch.
    Fresh,
}

/// Parses `args` and runs the command.
pub async fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> anyhow::Result<()> {
    match Cli::parse_from(args).command {
        Command::Serve(settings) => {
            let bind = settings.bind.clone();
            let application = Application::build(*settings).await?;
            tracing::info!(bind = %bind, port = application.port(), "newsroom is serving");
            application.run_until_stopped().await?;
        }
        Command::Migrate { action, database } => {
            let (db, _) = connect(&database).await.context("cannot connect to the database")?;
            match action {
                MigrateAction::Up => crate::startup::with_setup_lock(&db, crate::startup::migrate(&db)).await??,
                MigrateAction::Down => Migrator::down(&db, Some(1)).await?,
                MigrateAction::Fresh => Migrator::fresh(&db).await?,
                MigrateAction::Status => {
                    for migration in Migrator::get_migration_with_status(&db).await? {
                        println!("{}\t{}", migration.status(), migration.name());
                    }
                }
            }
        }
        Command::Schema => print!("{}", crate::graphql::sdl()),
        Command::Seed { releases, database } => {
            let (db, _) = connect(&database).await.context("cannot connect to the database")?;
            crate::startup::with_setup_lock(&db, crate::startup::migrate(&db)).await??;
            let started = std::time::Instant::now();
            let counts = seed::generate(&db, releases).await?;
            crate::service::search::index_missing(&db).await?;
            database::refresh_statistics(&db).await?;
            database::truncate_wal(&db).await?;
            println!("seeded {counts} in {:.1}s", started.elapsed().as_secs_f64());
        }
        Command::Token { action: TokenAction::Issue { sub, role, ttl, auth } } => {
            println!("{}", token::issue(&auth, &sub, role, ttl)?);
        }
        Command::Import { files, dry_run, mode, json, kind, author, max_release_body_bytes, database } => {
            let options = import::Options { mode, dry_run };
            let limits = ContentLimits { release_body_bytes: max_release_body_bytes };
            let failed = or_print(
                json,
                import_command(files, kind.as_deref(), options, (&author, limits), json, database).await,
            )?;
            if failed {
                std::process::exit(1);
            }
        }
        Command::Export { kinds, format, output, json, database } => {
            or_print(json, export_command(kinds, format, output, database).await)?;
        }
        Command::Documents { action } => documents_command(action).await?,
        Command::Webhook { action } => webhook_command(action).await?,
        Command::Demo { database } => {
            let (db, _) = connect(&database).await.context("cannot connect to the database")?;
            crate::startup::with_setup_lock(&db, crate::startup::migrate(&db)).await??;
            demo::load(&db).await?;
            crate::service::search::index_missing(&db).await?;
            println!("demo content loaded");
        }
    }
    Ok(())
}

async fn documents_command(action: DocumentsAction) -> anyhow::Result<()> {
    use crate::service::document;
    let (DocumentsAction::Add { database, .. }
    | DocumentsAction::List { database }
    | DocumentsAction::Remove { database, .. }) = &action;
    let db = open_migrated(database).await?;
    match action {
        DocumentsAction::Add { manifests, client, .. } => {
            let mut documents = Vec::new();
            for path in &manifests {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                let read =
                    document::read_manifest(&text).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
                let name = client.clone().or_else(|| path.file_name().map(|name| name.to_string_lossy().into_owned()));
                documents.push((name, read));
            }
            let mut total = document::Registered::default();
            for (name, read) in &documents {
                let registered = document::register(&db, name.as_deref(), read).await?;
                total.added += registered.added;
                total.unchanged += registered.unchanged;
            }
            println!("{} added, {} already registered", total.added, total.unchanged);
        }
        DocumentsAction::List { .. } => {
            for found in document::list(&db).await? {
                let name = found.operation_name.as_deref().unwrap_or("-");
                println!("{}\t{name}\t{}", found.document_id, found.client.as_deref().unwrap_or("-"));
            }
        }
        DocumentsAction::Remove { id, .. } => {
            if !document::remove(&db, &id).await? {
                anyhow::bail!("no trusted document `{id}`");
            }
            println!("removed {id}");
        }
    }
    Ok(())
}

async fn webhook_command(action: WebhookAction) -> anyhow::Result<()> {
    use crate::service::webhook;
    let (WebhookAction::Add { database, .. }
    | WebhookAction::List { database }
    | WebhookAction::Remove { database, .. }) = &action;
    let db = open_migrated(database).await?;
    match action {
        WebhookAction::Add { url, events, description, webhooks, .. } => {
            let input = webhook::WebhookInput {
                url: Some(url),
                events: Some(events),
                description: Some(description),
                enabled: None,
            };
            let (created, secret) = webhook::create(&db, &webhooks, input).await.map_err(|error| match error {
                crate::ApiError::Invalid(errors) => anyhow::anyhow!(
                    "{}",
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
                ),
                other => other.into(),
            })?;
            println!("{}\t{secret}", created.public_id);
        }
        WebhookAction::List { .. } => {
            for found in webhook::list(&db).await? {
                let state = if found.enabled { "enabled" } else { "disabled" };
                println!("{}\t{state}\t{}\t{}", found.public_id, found.events, found.url);
            }
        }
        WebhookAction::Remove { id, .. } => {
            webhook::delete(&db, id).await?;
            println!("removed {id}");
        }
    }
    Ok(())
}

/// Imports `files` and prints the report: whether any record failed.
async fn import_command(
    files: Vec<PathBuf>,
    kind: Option<&str>,
    options: import::Options,
    (author, limits): (&str, ContentLimits),
    json: bool,
    database: DatabaseSettings,
) -> anyhow::Result<bool> {
    batch_memory();
    let db = if options.dry_run { open_for_dry_run(&database).await? } else { open_migrated(&database).await? };
    let report = import_files(&db, files, kind, options, (author, limits), json).await?;
    // Closed before the report, so that SQLite, if no one else has the file open, empties its log.
    db.close().await.map_err(|error| cli_failure("DATABASE_ERROR", error))?;
    let text = if json { serde_json::to_string_pretty(&report)? + "\n" } else { report.text() };
    // Written, not printed: a reader that goes away (`| head`) is an error, not a panic.
    std::io::stdout().write_all(text.as_bytes()).map_err(|error| cli_failure("WRITE_FAILED", error))?;
    Ok(report.failed > 0)
}

/// Connects to `database` and applies the pending migrations.
async fn open_migrated(database: &DatabaseSettings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let (db, _) = connect(database).await.map_err(|error| cli_failure("CONNECT_FAILED", error))?;
    crate::startup::with_setup_lock(&db, crate::startup::migrate(&db))
        .await?
        .map_err(|error| cli_failure("MIGRATION_FAILED", error))?;
    Ok(db)
}

/// The database a dry run checks against, without creating or changing anything: `database` as
/// it is, or, when it is a SQLite file that does not exist, an empty database in memory (opening
/// the file would create it). A database that lacks migrations is refused, since applying them
/// would change it.
async fn open_for_dry_run(database: &DatabaseSettings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    if let Some(path) = missing_sqlite_file(&database.database_url) {
        eprintln!(
            "dry run: {} does not exist and is not created; the records are checked against an empty database",
            path.display()
        );
        // One connection: every connection of the pool would otherwise need to share the cache,
        // and SQLite's shared cache answers a busy table with an error, not a wait.
        let memory = DatabaseSettings { max_connections: 1, ..DatabaseSettings::new("sqlite::memory:") };
        return open_migrated(&memory).await;
    }
    let (db, _) = connect(database).await.map_err(|error| cli_failure("CONNECT_FAILED", error))?;
    // The read-only check never creates the migrations table, as `get_pending_migrations` would.
    let pending =
        Migrator::get_pending_migrations_read_only(&db).await.map_err(|error| cli_failure("DATABASE_ERROR", error))?;
    if !pending.is_empty() {
        let message = format!(
            "the database lacks {} migration(s), and a dry run changes nothing: apply them with `newsroom migrate up` first",
            pending.len()
        );
        return Err(Failure::file("MIGRATIONS_PENDING", message).into());
    }
    Ok(db)
}

/// The file of a SQLite `url` when it does not exist (`None` for other engines and in memory).
fn missing_sqlite_file(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options: sea_orm::sqlx::sqlite::SqliteConnectOptions = url.parse().ok()?;
    let path = options.get_filename();
    (!path.exists()).then(|| path.to_path_buf())
}

/// Exports `kinds` in `format` to `output` (or standard output).
async fn export_command(
    kinds: Vec<String>,
    format: export::Format,
    output: Option<PathBuf>,
    database: DatabaseSettings,
) -> anyhow::Result<()> {
    let (db, _) = connect(&database).await.map_err(|error| cli_failure("CONNECT_FAILED", error))?;
    let kinds = kinds
        .iter()
        .map(|name| Kind::parse(name).ok_or_else(|| ApiError::bad_input("type", format!("unknown type `{name}`"))))
        .collect::<Result<Vec<_>, _>>()?;
    let in_file = |code: &'static str, path: &std::path::Path| {
        let file = path.display().to_string();
        move |error: std::io::Error| {
            anyhow::Error::from(Failure { file: Some(file), ..Failure::file(code, error.to_string()) })
        }
    };
    // A file is written aside and moved into place once complete: a failed export never
    // leaves a truncated file where a complete one is expected.
    let partial = match &output {
        Some(path) => {
            let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty());
            // Readable like any file the user writes (a temporary file is private).
            let mut builder = tempfile::Builder::new();
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
            Some(
                builder
                    .tempfile_in(folder.unwrap_or(std::path::Path::new(".")))
                    .map_err(in_file("WRITE_FAILED", path))?,
            )
        }
        None => None,
    };
    let mut out: Box<dyn Write + Send> = match (&partial, &output) {
        (Some(file), Some(path)) => {
            Box::new(std::io::BufWriter::new(file.reopen().map_err(in_file("WRITE_FAILED", path))?))
        }
        _ => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        while let Some(bytes) = receiver.blocking_recv() {
            out.write_all(&bytes)?;
        }
        out.flush()
    });
    let written = export::write(&db, &kinds, format, sender).await;
    // The writer ends once the sender is gone, whether the export finished or failed.
    let wrote = writer.await?;
    let written = written?;
    match (partial, &output) {
        (Some(file), Some(path)) => {
            wrote.map_err(in_file("WRITE_FAILED", path))?;
            file.persist(path).map_err(|error| in_file("WRITE_FAILED", path)(error.error))?;
        }
        _ => wrote.map_err(|error| cli_failure("WRITE_FAILED", error))?,
    }
    db.close().await.map_err(|error| cli_failure("DATABASE_ERROR", error))?;
    eprintln!("exported {written} records");
    Ok(())
}

/// A failure of the command itself with a stable `code`, in the shape of an import's failures.
fn cli_failure(code: &'static str, error: impl std::fmt::Display) -> anyhow::Error {
    Failure::file(code, error.to_string()).into()
}

/// The failure `error` stands for: its code (and field, line and file) where it carries them,
/// and the whole chain of causes as the message.
fn failure_of(error: &anyhow::Error) -> Failure {
    let message = format!("{error:#}");
    for cause in error.chain() {
        if let Some(failure) = cause.downcast_ref::<Failure>() {
            return failure.clone();
        }
        if let Some(error) = cause.downcast_ref::<ApiError>() {
            return Failure { field: error.field().map(str::to_owned), ..Failure::file(error.code(), message) };
        }
        if cause.is::<sea_orm::DbErr>() {
            return Failure::file("DATABASE_ERROR", message);
        }
        if cause.is::<std::io::Error>() {
            return Failure::file("IO_ERROR", message);
        }
    }
    Failure::file("COMMAND_FAILED", message)
}

/// With `--json`, prints a failed command's error as one JSON object on standard output (where
/// a script reads the report) before it is returned, to be told on standard error as well and
/// to end the process with a non-zero status.
fn or_print<T>(json: bool, result: anyhow::Result<T>) -> anyhow::Result<T> {
    if let (true, Err(error)) = (json, &result) {
        let text = serde_json::to_string(&failure_of(error)).unwrap_or_default() + "\n";
        // The error is returned either way: failing to print it must not hide it.
        let _ = std::io::stdout().write_all(text.as_bytes()).and_then(|()| std::io::stdout().flush());
    }
    result
}

/// The format of an import file: CSV by extension (its type from `kind` or the file name), a JSON
/// array when its first character is `[`, NDJSON otherwise.
fn format_of(path: &std::path::Path, kind: Option<&str>) -> anyhow::Result<Format> {
    if path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("csv")) {
        let name = kind.map(str::to_owned).or_else(|| path.file_stem().map(|stem| stem.to_string_lossy().into_owned()));
        let name = name.unwrap_or_default();
        let kind = Kind::parse(&name).ok_or_else(|| Failure {
            file: Some(path.display().to_string()),
            field: Some("type".into()),
            ..Failure::file("BAD_USER_INPUT", format!("give the CSV's record type with --type (not `{name}`)"))
        })?;
        return Ok(Format::Csv(kind));
    }
    let unreadable = |error: std::io::Error| Failure {
        file: Some(path.display().to_string()),
        ..Failure::file("READ_FAILED", error.to_string())
    };
    let mut start = [0u8; 64];
    let read =
        std::io::Read::read(&mut std::fs::File::open(path).map_err(unreadable)?, &mut start).map_err(unreadable)?;
    let first =
        start[..read].iter().copied().find(|byte| !byte.is_ascii_whitespace() && !matches!(byte, 0xEF | 0xBB | 0xBF));
    Ok(if first == Some(b'[') { Format::Json } else { Format::Ndjson })
}

/// Prints an import's progress on standard error: one line rewritten in place on a terminal;
/// otherwise a line per report, as JSON with `--json`, so that logs and scripts can follow it.
fn progress_printer(json: bool) -> import::OnProgress {
    let terminal = std::io::stderr().is_terminal();
    std::sync::Arc::new(move |progress: import::Progress| {
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed standard error must not stop the import.
        let _ = if json && !terminal {
            serde_json::to_writer(&mut err, &progress).map_err(std::io::Error::from).and_then(|()| writeln!(err))
        } else {
            let verb = match progress.phase {
                import::Phase::Reading => "read",
                import::Phase::Writing => "wrote",
            };
            let of = progress.total_records.map(|total| format!(" of {total}")).unwrap_or_default();
            let left = match progress.eta_seconds {
                Some(seconds) if !progress.done => format!(", about {seconds:.0} s left"),
                _ => String::new(),
            };
            let line = format!("{verb} {}{of} records ({:.0}/s{left})", progress.records, progress.rate);
            match (terminal, progress.done) {
                (true, false) => write!(err, "\r{line}   "),
                (true, true) => writeln!(err, "\r{line}   "),
                (false, _) => writeln!(err, "{line}"),
            }
        };
    })
}

/// Imports `files` as the CLI user `author`, reporting progress on standard error.
async fn import_files(
    db: &sea_orm::DatabaseConnection,
    files: Vec<PathBuf>,
    kind: Option<&str>,
    options: import::Options,
    (author, limits): (&str, ContentLimits),
    json: bool,
) -> anyhow::Result<import::Report> {
    // Standard input is copied to a temporary file first: the import reads its input twice.
    let mut keep = Vec::new();
    let mut inputs = Vec::new();
    for file in files {
        let path = if file.as_os_str() == "-" {
            let mut spool = tempfile::NamedTempFile::new()?;
            std::io::copy(&mut std::io::stdin().lock(), &mut spool)?;
            let path = spool.path().to_path_buf();
            keep.push(spool);
            path
        } else {
            file
        };
        let format = format_of(&path, kind)?;
        inputs.push((path, format));
    }
    let progress = progress_printer(json);
    let principal = Principal { subject: format!("cli:{author}"), roles: Role::Importer.into() };
    let generation = Generation::default();
    let author = Author { principal: &principal, request_id: None, generation: &generation, limits };
    let report = import::run(db, author, inputs, options, Some(progress)).await?;
    drop(keep);
    Ok(report)
}

/// Tunes memory for a batch command. An import churns through hundreds of megabytes of bodies,
/// building and dropping them a chunk at a time; with transparent huge pages every page the
/// allocator takes back from the system is zeroed 2 MB at a time, a tenth of a large import's CPU
/// (`perf`: `clear_page_erms`). The server keeps the system's default.
fn batch_memory() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(%error, "transparent huge pages stay on");
    }
}
