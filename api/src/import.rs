//! Bulk import: NDJSON, JSON arrays and CSV, upserted by natural key, idempotent, all-or-nothing
//! (`atomic`) or record by record (`best-effort`), with a dry run that writes nothing and a report
//! either way.
//!
//! Two passes keep memory bounded whatever the file's size. The first (`plan`) reads the file a
//! record at a time, checks each record on its own and spools the good ones to one temporary file
//! per type, keeping only their keys in memory. The second (`apply`) writes the types in
//! dependency order, a chunk at a time, resolving references against the file's keys and the
//! database, so a record may refer to one later in the file.

pub mod apply;
pub mod cells;
pub mod check;
mod patch;
pub mod plan;
pub mod progress;
pub mod reader;
pub mod record;
pub mod report;

use std::path::PathBuf;

use sea_orm::DatabaseConnection;
use serde::Serialize;

use self::progress::Reporter;
use self::record::Kind;
pub use self::{
    progress::{OnProgress, Phase, Progress},
    reader::Format,
    report::Report,
};
use crate::{database, error::ApiError, service::write::Author};

/// What happens to the valid records when some records fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// All or nothing, in one transaction.
    #[default]
    Atomic,
    /// Valid records land; failed ones are reported and never land half-written.
    BestEffort,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "atomic" => Ok(Self::Atomic),
            "best-effort" => Ok(Self::BestEffort),
            other => Err(format!("`{other}` is not a mode: use atomic or best-effort")),
        }
    }
}

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub mode: Mode,
    /// Report what would happen and write nothing.
    pub dry_run: bool,
}

/// A record that could not be imported (or a file that could not be read), and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The file, when an import reads several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line of the file (from 1) the record starts on, or where the file stops making sense.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The record's natural key, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The path of the offending field, e.g. `organisations[1].role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A stable code: MALFORMED_JSON, INVALID_UTF8, TRUNCATED_LINE, UNKNOWN_TYPE, UNKNOWN_FIELD,
    /// MISSING_FIELD, WRONG_TYPE, INVALID_VALUE, UNKNOWN_REFERENCE, REFERENCE_CYCLE, DUPLICATE_KEY,
    /// CSV_ROW_LENGTH, EMPTY_FILE, …
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    /// A failure that is not about one field.
    pub fn file(code: &'static str, message: String) -> Self {
        Self { file: None, line: None, kind: None, key: None, field: None, code, message }
    }
}

/// As the command line tells it on standard error: where, what, and the code.
impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(formatter, "{file}: ")?;
        }
        if let Some(line) = self.line {
            write!(formatter, "line {line}: ")?;
        }
        if let Some(field) = &self.field {
            write!(formatter, "{field}: ")?;
        }
        write!(formatter, "{} ({})", self.message, self.code)
    }
}

/// A failure can end a command (a file that cannot be read, a database that lacks migrations):
/// the command line prints it in the report's shape.
impl std::error::Error for Failure {}

/// Records written by one import from which the planner statistics are refreshed (and SQLite's
/// write-ahead log emptied).
const STATISTICS_AFTER: u64 = 1000;

/// Imports the files `inputs` (each read as its format) together, writing as `author`.
pub async fn run(
    db: &DatabaseConnection,
    author: Author<'_>,
    inputs: Vec<(PathBuf, Format)>,
    options: Options,
    progress: Option<OnProgress>,
) -> Result<Report, ApiError> {
    let started = std::time::Instant::now();
    let reading = Reporter::new(progress.clone(), Phase::Reading);
    let limits = author.limits;
    let plan = tokio::task::spawn_blocking(move || plan::read(&inputs, &limits, &reading))
        .await
        .map_err(|error| ApiError::BadRequest(format!("the import stopped: {error}")))??;
    let read = started.elapsed();
    let writing = Reporter::new(progress, Phase::Writing);
    let report = apply::apply(db, author, plan, options, &writing).await?;
    let written: u64 = report.counts.values().map(|counts| counts.created + counts.updated).sum();
    if report.committed && written >= STATISTICS_AFTER {
        // Plans made on the statistics of a much smaller database can be a hundred times slower
        // (see `refresh_statistics`); a large import would otherwise keep them until the next
        // hourly refresh or restart.
        database::refresh_statistics(db).await?;
        // Last, so that the statistics just written leave the log too.
        if let Err(error) = database::truncate_wal(db).await {
            // The import is committed: a log left long is not a reason to report it failed.
            tracing::warn!(%error, "could not empty SQLite's write-ahead log after the import");
        }
    }
    tracing::info!(
        records = report.records,
        failed = report.failed,
        read_ms = read.as_millis() as u64,
        write_ms = (started.elapsed() - read).as_millis() as u64,
        committed = report.committed,
        "import finished"
    );
    Ok(report)
}
