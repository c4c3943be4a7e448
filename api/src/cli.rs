//! The `newsroom` command line: serve, migrate, schema, seed, demo, token.

use std::ffi::OsString;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    auth::{role::Role, token},
    config::{AuthSettings, DatabaseSettings, Settings},
    demo, seed,
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
    /// Mint tokens for scripts.
    Token {
        #[command(subcommand)]
        action: TokenAction,
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
                MigrateAction::Up => Migrator::up(&db, None).await?,
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
            Migrator::up(&db, None).await?;
            let started = std::time::Instant::now();
            let counts = seed::generate(&db, releases).await?;
            crate::startup::refresh_statistics(&db).await?;
            println!("seeded {counts} in {:.1}s", started.elapsed().as_secs_f64());
        }
        Command::Token { action: TokenAction::Issue { sub, role, ttl, auth } } => {
            println!("{}", token::issue(&auth, &sub, role, ttl)?);
        }
        Command::Demo { database } => {
            let (db, _) = connect(&database).await.context("cannot connect to the database")?;
            Migrator::up(&db, None).await?;
            demo::load(&db).await?;
            println!("demo content loaded");
        }
    }
    Ok(())
}
