//! The search index of releases: one row per release holding its analysed terms (newsroom folds,
//! lower-cases and stems the text itself, so every engine indexes the same terms), and each
//! engine's own full-text index over them:
//! - PostgreSQL: a generated `tsvector` (title weighted A, names B, summary C, body D) under a
//!   GIN index, and one small `tsvector` per ranked field (title, names, summary). The `simple`
//!   configuration only splits the terms newsroom wrote.
//! - SQLite: a contentless FTS5 table that newsroom writes the terms to (stored once: the
//!   `release_search` row stays empty), emptied by a trigger when the row goes.
//! - MariaDB/MySQL: `FULLTEXT` indexes, one over every column (matching) and one per ranked column
//!   (title, names, summary). newsroom writes each term with a `w_` prefix there: InnoDB skips
//!   words shorter than three letters and its stopwords ("un", "who", "a"), which a press office
//!   searches for.
//!
//! Rows for releases written before this migration are written by the server at start-up
//! (`service::search::index_missing`): the analysis is Rust code that a migration cannot run.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReleaseSearch {
    Table,
    ReleaseId,
    Title,
    Names,
    Summary,
    Body,
}

#[derive(DeriveIden)]
enum Release {
    Table,
    Id,
}

const POSTGRES: [&str; 3] = [
    r#"ALTER TABLE "release_search" ADD COLUMN "vector" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, "title"), 'A') ||
        setweight(to_tsvector('simple'::regconfig, "names"), 'B') ||
        setweight(to_tsvector('simple'::regconfig, "summary"), 'C') ||
        setweight(to_tsvector('simple'::regconfig, "body"), 'D')) STORED"#,
    // What ranking looks in, one small vector per field: testing these costs next to nothing,
    // where every test of `vector` would read (and decompress) the whole body's terms again.
    r#"ALTER TABLE "release_search"
        ADD COLUMN "title_vector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "title")) STORED,
        ADD COLUMN "names_vector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "names")) STORED,
        ADD COLUMN "summary_vector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "summary")) STORED"#,
    r#"CREATE INDEX "idx_release_search_vector" ON "release_search" USING GIN ("vector")"#,
];

const SQLITE: [&str; 3] = [
    // SQLite keeps a row's columns in order, and those after `body` (status, dates) sit behind
    // its overflow pages: checking the visibility of thousands of matches read every body. The
    // index holds what a ranked search reads of a release, so it never touches the row.
    "CREATE INDEX idx_release_visible ON release (id, status, published_at, created_at)",
    // Contentless: FTS5 keeps the terms newsroom writes to it once (in its index), and
    // `release_search` holds an empty row that marks the release indexed.
    "CREATE VIRTUAL TABLE release_fts USING fts5(title, names, summary, body, content='', \
     contentless_delete=1, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER release_search_delete AFTER DELETE ON release_search BEGIN \
     DELETE FROM release_fts WHERE rowid = old.release_id; END",
];

const MYSQL: [&str; 4] = [
    "CREATE FULLTEXT INDEX idx_release_search_all ON release_search (title, names, summary, body)",
    "CREATE FULLTEXT INDEX idx_release_search_title ON release_search (title)",
    "CREATE FULLTEXT INDEX idx_release_search_names ON release_search (names)",
    "CREATE FULLTEXT INDEX idx_release_search_summary ON release_search (summary)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReleaseSearch::Table)
                    .col(ColumnDef::new(ReleaseSearch::ReleaseId).integer().not_null().primary_key())
                    .col(ColumnDef::new(ReleaseSearch::Title).text().not_null())
                    .col(ColumnDef::new(ReleaseSearch::Names).text().not_null())
                    .col(ColumnDef::new(ReleaseSearch::Summary).text().not_null())
                    // Bodies go up to 4 MiB (migration 5): MariaDB's TEXT holds 64 KiB.
                    .col(ColumnDef::new(ReleaseSearch::Body).custom(body_type(manager)).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseSearch::Table, ReleaseSearch::ReleaseId)
                            .to(Release::Table, Release::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let statements: &[&str] = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => &POSTGRES,
            sea_orm::DatabaseBackend::Sqlite => &SQLITE,
            _ => &MYSQL,
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // The triggers go with their table.
            manager.get_connection().execute_unprepared("DROP TABLE release_fts").await?;
            manager.get_connection().execute_unprepared("DROP INDEX idx_release_visible").await?;
        }
        manager.drop_table(Table::drop().table(ReleaseSearch::Table).to_owned()).await
    }
}

fn body_type(manager: &SchemaManager) -> Alias {
    match manager.get_database_backend() {
        sea_orm::DatabaseBackend::MySql => Alias::new("LONGTEXT"),
        _ => Alias::new("TEXT"),
    }
}
