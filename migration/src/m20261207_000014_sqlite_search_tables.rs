//! SQLite's search index, rebuilt so that a common search costs less than its matches' probes
//! (docs/benchmarks.md, "SQLite's search index: the state in FTS5, a table per ranked field"):
//! - `release_fts` gains a `state` column: `_unlisted` for a release an anonymous reader does not
//!   see whatever the time (a draft, an archived release, one without a publication time),
//!   `_unlisted _scheduled` for a scheduled one, nothing for a published one. An anonymous
//!   search's count is then counted in FTS5 alone, where it probed the visibility of every match
//!   (18 of 60 ms for the common search at 100,000 releases). The tokenizer keeps `_` in a word,
//!   and newsroom's analyser never writes or searches a word holding one, so no search reaches
//!   these words. An index of the scheduled releases by time tells whether any is due: only then
//!   are the scheduled matches looked for.
//! - One small contentless table per ranked field (`release_fts_title`, `_names`, `_summary`):
//!   ranking asks whether a clause is found in a field, and `{title} : …` on the whole table
//!   walks every position of the term in every column (about 5 ms for each of the six a
//!   two-word search asks, names and summaries that hold nothing among them).
//!
//! Other engines are untouched. The old index rows are dropped here: the server writes every
//! release's rows again at start-up (`service::search::index_missing`), as after migration 10.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tokenizer of every table: newsroom writes analysed terms, `unicode61` only splits them.
const TOKENIZE: &str = r#"tokenize="unicode61 remove_diacritics 2 tokenchars '_'""#;

/// The ranked fields, each with a table of its own.
const FIELDS: [&str; 3] = ["title", "names", "summary"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // In one transaction, on one connection: sea-orm-migration runs SQLite's without one, each
    // statement on whichever pooled connection is free, and under load (the test suite) one of
    // them failed with "no such table: release_search", a connection still reading the schema as
    // it was before migration 10. All or nothing is what a rebuild wants anyway.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
            return Ok(());
        }
        let mut statements = vec![
            "DROP TRIGGER release_search_delete".to_owned(),
            "DROP TABLE release_fts".to_owned(),
            // Before the new trigger: these rows have nothing left to delete.
            "DELETE FROM release_search".to_owned(),
            format!(
                "CREATE VIRTUAL TABLE release_fts USING fts5(title, names, summary, body, state, content='', \
                 contentless_delete=1, {TOKENIZE})"
            ),
        ];
        let mut deletes = vec!["DELETE FROM release_fts WHERE rowid = old.release_id;".to_owned()];
        for field in FIELDS {
            statements.push(format!(
                "CREATE VIRTUAL TABLE release_fts_{field} USING fts5({field}, content='', contentless_delete=1, \
                 {TOKENIZE})"
            ));
            deletes.push(format!("DELETE FROM release_fts_{field} WHERE rowid = old.release_id;"));
        }
        statements
            .push("CREATE INDEX idx_release_scheduled ON release (published_at) WHERE status = 'scheduled'".to_owned());
        statements.push(format!(
            "CREATE TRIGGER release_search_delete AFTER DELETE ON release_search BEGIN {} END",
            deletes.join(" ")
        ));
        for statement in statements {
            manager.get_connection().execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
            return Ok(());
        }
        let mut statements = vec![
            "DROP TRIGGER release_search_delete".to_owned(),
            "DROP TABLE release_fts".to_owned(),
            "DROP INDEX idx_release_scheduled".to_owned(),
        ];
        statements.extend(FIELDS.map(|field| format!("DROP TABLE release_fts_{field}")));
        statements.extend([
            "DELETE FROM release_search".to_owned(),
            // Migration 10's table and trigger.
            "CREATE VIRTUAL TABLE release_fts USING fts5(title, names, summary, body, content='', \
             contentless_delete=1, tokenize='unicode61 remove_diacritics 2')"
                .to_owned(),
            "CREATE TRIGGER release_search_delete AFTER DELETE ON release_search BEGIN \
             DELETE FROM release_fts WHERE rowid = old.release_id; END"
                .to_owned(),
        ]);
        for statement in statements {
            manager.get_connection().execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
