//! The search index of releases on each engine: keeping it current (one function, called by every
//! write of a release or of the names it holds) and the SQL that matches and ranks a search.
//!
//! Ranking is by where the search's clauses are found: each clause found in the title counts 8,
//! in a topic's or organisation's name 4, in the summary 2 (a match only in the body counts 0);
//! ties are broken by date, newest first. The engines' own scores (`ts_rank`, `bm25`, InnoDB's
//! relevance) are not used: `bm25` and InnoDB weigh a term by how rare it is in the whole table,
//! so every write anywhere moves every score, and a cursor holding a score would then skip or
//! repeat releases. A score that depends on the release alone keeps cursors exact, and is the
//! same on every engine.

use std::collections::HashMap;

use entity::{organisation, release, release_organisation, release_search, release_topic, topic};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, JoinType, QueryFilter, QuerySelect, Set,
    sea_query::{Alias, Expr, ExprTrait, SelectStatement, SimpleExpr},
};

use crate::{
    auth::{Access, Viewer},
    body,
    error::ApiError,
    search::{Analyzer, DEFAULT_LANGUAGES, Memo, query::SearchQuery},
};

/// Words of a body that are indexed: far more than any release has, and within PostgreSQL's
/// limits on a `tsvector` (1 MB, positions up to 16,383).
const BODY_WORDS: usize = 16_000;

/// What MariaDB's terms start with (see the migration `release_search`): every InnoDB word is
/// then at least three letters long and none is a stopword.
const MYSQL_PREFIX: &str = "w_";

/// How many of a search's clauses count towards its ranking.
const RANKED_CLAUSES: usize = 6;

/// Releases whose index rows are written together: in one statement on SQLite (six parameters a
/// row, under its limit of 32,766), in one transaction by `index_missing`, and in one call of
/// `index` when a rename or a deletion re-indexes the releases naming a topic or organisation.
/// SQLite's FTS5 writes a segment of its index at the end of every statement and merges segments
/// as they pile up: an import of 100,000 real releases took 34.8 s at 5,000 a statement (with the
/// tables' `hashsize` of migration 15) and 41.9 s at 1,000 (docs/benchmarks.md, "Bulk import").
/// Imports queue their rows to this size (`import::apply::releases`).
pub const BATCH: usize = 5_000;

/// The search `text` parsed in `language` (every default language when `None`); `None` when it
/// holds nothing to look for, which is no filter.
pub fn parse(text: &str, language: Option<&str>) -> Option<SearchQuery> {
    let analyzers: Vec<Analyzer> = match language {
        Some(language) => vec![Analyzer::for_language(language)],
        None => DEFAULT_LANGUAGES.iter().map(|language| Analyzer::for_language(language)).collect(),
    };
    SearchQuery::parse(text, &analyzers)
}

/// Rewrites the index rows of `release_ids` from the releases, their topics and organisations as
/// they stand in `db` (inside the write's transaction): what every write of a release calls but
/// the import, which analyses its records as it prepares them (`write`).
pub async fn index(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<(), ApiError> {
    if release_ids.is_empty() {
        return Ok(());
    }
    let releases = release::Entity::find().filter(super::any_of(db, release::Column::Id, release_ids)).all(db).await?;
    let mut analysis = Analysis::default();
    let analysed = releases.into_iter().map(|release| (release.id, analysis.release(&release))).collect();
    write(db, release_ids, analysed).await
}

/// Re-indexes `release_ids` after a workflow step: only SQLite's index holds a release's state
/// (`Listing`), the others' rows stay as they are.
pub async fn restate(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<(), ApiError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    index(db, release_ids).await
}

/// A release's own text as its index row holds it: title, summary and body analysed in its
/// language, and the dateline's city (a name, analysed with the topics' and organisations').
pub struct Analysed {
    title: String,
    summary: String,
    body: String,
    city: Option<String>,
    listing: Listing,
}

/// Who may find a release whatever the time, as SQLite's index keeps it (the `state` column of
/// `release_fts`, migration `sqlite_search_tables`) so that an anonymous search is counted in FTS5
/// alone. The rule is `Access::sees_release_in`'s, the clock left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    /// Published: every reader.
    Listed,
    /// Scheduled: every reader from its publication time.
    Scheduled,
    /// A draft, an archived release, or one without a publication time: editors only.
    Hidden,
}

impl Listing {
    pub fn of(status: release::Status, published_at: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        match (status, published_at) {
            (release::Status::Published, Some(_)) => Self::Listed,
            (release::Status::Scheduled, Some(_)) => Self::Scheduled,
            _ => Self::Hidden,
        }
    }

    /// The words of the `state` column: `_` keeps them out of every search (newsroom's words
    /// never hold one). Both kinds of unlisted release share a word, so that the listed matches
    /// are counted with one `NOT` (each word in an FTS5 query costs about 0.06 ms, whatever it
    /// matches).
    fn words(self) -> &'static str {
        match self {
            Self::Listed => "",
            Self::Scheduled => "_unlisted _scheduled",
            Self::Hidden => UNLISTED,
        }
    }
}

/// The words of `release_fts.state` (see `Listing`).
const UNLISTED: &str = "_unlisted";
const SCHEDULED: &str = "_scheduled";

/// Analyses releases' text, an analyser per language, each remembering the words it has seen (an
/// import's releases share most of their words).
#[derive(Default)]
pub struct Analysis {
    languages: std::collections::HashMap<String, Memo>,
}

impl Analysis {
    /// The text of `release` (a row as stored) as its index row holds it.
    pub fn release(&mut self, release: &release::Model) -> Analysed {
        let summary = release.summary.as_deref();
        let city = release.dateline_city.as_deref();
        let listing = Listing::of(release.status, release.published_at);
        self.text(&release.language, &release.title, summary, &release.body, release.body_format, city, listing)
    }

    /// The text of a release with these fields as its index row holds it.
    #[allow(clippy::too_many_arguments)] // a release's fields, named as its model names them
    pub fn text(
        &mut self,
        language: &str,
        title: &str,
        summary: Option<&str>,
        body: &str,
        format: release::BodyFormat,
        city: Option<&str>,
        listing: Listing,
    ) -> Analysed {
        let analyzer =
            self.languages.entry(language.to_owned()).or_insert_with(|| Memo::new(Analyzer::for_language(language)));
        let text = body::to_search_text(body, format);
        let body = match crate::search::words(&text).nth(BODY_WORDS) {
            Some((cut, _)) => &text[..cut],
            None => &text,
        };
        Analysed {
            title: analyzer.terms(title),
            summary: analyzer.terms(summary.unwrap_or_default()),
            body: analyzer.terms(body),
            city: city.map(str::to_owned),
            listing,
        }
    }
}

/// Writes the index rows of the releases `analysed` holds, with the names of the topics and
/// organisations each links to read from `db`, and drops the rows of `stale` (releases that may
/// have one: deleted, or rewritten here).
pub async fn write(db: &impl ConnectionTrait, stale: &[i32], analysed: Vec<(i32, Analysed)>) -> Result<(), ApiError> {
    let release_ids: Vec<i32> = analysed.iter().map(|(id, _)| *id).collect();
    if release_ids.is_empty() && stale.is_empty() {
        return Ok(());
    }
    let mut names = names_of(db, &release_ids).await?;
    let backend = db.get_database_backend();
    let mut plain = Memo::new(Analyzer::plain());
    let found: std::collections::HashSet<i32> = release_ids.into_iter().collect();
    let mut listings = Vec::with_capacity(analysed.len());
    let rows: Vec<release_search::ActiveModel> = analysed
        .into_iter()
        .map(|(id, text)| {
            let mut named = names.remove(&id).unwrap_or_default();
            named.extend(text.city);
            listings.push(text.listing);
            release_search::ActiveModel {
                release_id: Set(id),
                title: Set(stored(backend, text.title)),
                summary: Set(stored(backend, text.summary)),
                body: Set(stored(backend, text.body)),
                names: Set(stored(backend, plain.terms(&named.join(" ")))),
            }
        })
        .collect();
    if backend == DbBackend::MySql {
        let gone: Vec<i32> = stale.iter().copied().filter(|id| !found.contains(id)).collect();
        return index_mysql(db, &gone, rows).await;
    }
    if !stale.is_empty() {
        remove(db, stale).await?;
    }
    if backend == DbBackend::Sqlite {
        return index_sqlite(db, rows, &listings).await;
    }
    super::bulk::insert_all(db, rows).await
}

/// The names each of `release_ids` is indexed under: its topics' (in every language), then its
/// organisations' (with their acronyms), each in key order. The links are read first, then each
/// topic and organisation they name once: joined, every link decoded its whole row again (a
/// twentieth of a large import's time went there).
async fn names_of(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<HashMap<i32, Vec<String>>, ApiError> {
    use release_organisation::Column as Organisations;
    let mut names: HashMap<i32, Vec<String>> = HashMap::new();
    if release_ids.is_empty() {
        return Ok(names);
    }
    let topic_links = links(db, release_topic::Column::ReleaseId, release_topic::Column::TopicId, release_ids).await?;
    let organisation_links = links(db, Organisations::ReleaseId, Organisations::OrganisationId, release_ids).await?;
    let named = |links: &[(i32, i32)]| {
        let ids: std::collections::BTreeSet<i32> = links.iter().map(|(_, id)| *id).collect();
        ids.into_iter().collect::<Vec<i32>>()
    };
    let topics: HashMap<i32, Vec<String>> = topic::Entity::find()
        .filter(super::any_of(db, topic::Column::Id, &named(&topic_links)))
        .all(db)
        .await?
        .into_iter()
        .map(|topic| (topic.id, std::iter::once(topic.name).chain(topic.names.0.into_values()).collect()))
        .collect();
    let organisations: HashMap<i32, Vec<String>> = organisation::Entity::find()
        .filter(super::any_of(db, organisation::Column::Id, &named(&organisation_links)))
        .all(db)
        .await?
        .into_iter()
        .map(|organisation| {
            let names = organisation.acronym.into_iter().chain(organisation.names.0.into_values());
            (organisation.id, std::iter::once(organisation.name).chain(names).collect())
        })
        .collect();
    for (links, named) in [(topic_links, topics), (organisation_links, organisations)] {
        for (release, id) in links {
            names.entry(release).or_default().extend(named.get(&id).into_iter().flatten().cloned());
        }
    }
    Ok(names)
}

/// The (release, linked key) pairs of `release_ids` in a junction table (`release_id`, `other`),
/// in the order of the linked key.
async fn links<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    release_id: C,
    other: C,
    release_ids: &[i32],
) -> Result<Vec<(i32, i32)>, ApiError> {
    let query = sea_orm::sea_query::Query::select()
        .columns([release_id, other])
        .from(release_id.entity_name())
        .and_where(super::any_of(db, release_id, release_ids))
        .order_by(other, sea_orm::sea_query::Order::Asc)
        .to_owned();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    Ok(rows
        .iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect::<Result<_, sea_orm::DbErr>>()?)
}

/// Writes `rows` on MySQL and MariaDB as one upsert per batch. Deleting first, as the others do,
/// deadlocks two releases created at once: InnoDB's DELETE of a row not there yet locks the gap
/// where it would go, and each INSERT then waits for the other's gap lock.
async fn index_mysql(
    db: &impl ConnectionTrait,
    gone: &[i32],
    rows: Vec<release_search::ActiveModel>,
) -> Result<(), ApiError> {
    use sea_orm::sea_query::OnConflict;
    if !gone.is_empty() {
        remove(db, gone).await?;
    }
    let upsert = OnConflict::column(release_search::Column::ReleaseId)
        .update_columns([
            release_search::Column::Title,
            release_search::Column::Names,
            release_search::Column::Summary,
            release_search::Column::Body,
        ])
        .to_owned();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<release_search::ActiveModel> = rows.by_ref().take(1000).collect();
        release_search::Entity::insert_many(batch).on_conflict(upsert.clone()).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Writes `rows` on SQLite: their terms into the contentless FTS5 tables, which keep them once
/// (the whole row with its `listings` word, and each ranked field alone), and empty
/// `release_search` rows that mark the releases indexed (see the migrations).
async fn index_sqlite(
    db: &impl ConnectionTrait,
    rows: Vec<release_search::ActiveModel>,
    listings: &[Listing],
) -> Result<(), ApiError> {
    let text = |column: &sea_orm::ActiveValue<String>| -> sea_orm::Value { column.clone().unwrap().into() };
    for (chunk, listings) in rows.chunks(BATCH).zip(listings.chunks(BATCH)) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 6);
        for (row, listing) in chunk.iter().zip(listings) {
            values.push(row.release_id.clone().unwrap().into());
            values.extend([&row.title, &row.names, &row.summary, &row.body].map(text));
            values.push(listing.words().into());
        }
        let placeholders = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!("INSERT INTO release_fts (rowid, title, names, summary, body, state) VALUES {placeholders}");
        db.execute_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await?;
        for (field, column) in [("title", 0), ("names", 1), ("summary", 2)] {
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 2);
            for row in chunk {
                values.push(row.release_id.clone().unwrap().into());
                values.push(text([&row.title, &row.names, &row.summary][column]));
            }
            let placeholders = vec!["(?, ?)"; chunk.len()].join(", ");
            let sql = format!("INSERT INTO release_fts_{field} (rowid, {field}) VALUES {placeholders}");
            db.execute_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await?;
        }
    }
    let empty = rows.into_iter().map(|row| release_search::ActiveModel {
        release_id: row.release_id,
        title: Set(String::new()),
        names: Set(String::new()),
        summary: Set(String::new()),
        body: Set(String::new()),
    });
    super::bulk::insert_all(db, empty.collect()).await
}

/// Drops the index rows of `release_ids` (a deleted release's).
pub async fn remove(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<(), ApiError> {
    release_search::Entity::delete_many()
        .filter(super::any_of(db, release_search::Column::ReleaseId, release_ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Re-indexes the releases that name `ids` (topics or organisations, by `column` of their
/// junction table): a rename changes what their names hold.
pub async fn index_naming<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    release_id: C,
    column: C,
    ids: &[i32],
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let releases = naming(db, release_id, column, ids).await?;
    for chunk in releases.chunks(BATCH) {
        index(db, chunk).await?;
    }
    Ok(())
}

/// Unlinks the topic or organisation `id` (by `column` of its junction table) from every release
/// and re-indexes those releases: what deleting it does to search, done before the delete.
pub async fn unlink<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    release_id: C,
    column: C,
    id: i32,
) -> Result<(), ApiError> {
    let releases = naming(db, release_id, column, &[id]).await?;
    let delete =
        sea_orm::sea_query::Query::delete().from_table(release_id.entity_name()).and_where(column.eq(id)).to_owned();
    db.execute_raw(db.get_database_backend().build(&delete)).await?;
    for chunk in releases.chunks(BATCH) {
        index(db, chunk).await?;
    }
    Ok(())
}

/// The releases whose junction rows (`release_id`, `column`) name one of `ids`.
async fn naming<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    release_id: C,
    column: C,
    ids: &[i32],
) -> Result<Vec<i32>, ApiError> {
    let query = sea_orm::sea_query::Query::select()
        .distinct()
        .column(release_id)
        .from(release_id.entity_name())
        .and_where(column.is_in(ids.iter().copied()))
        .to_owned();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    Ok(rows.iter().map(|row| row.try_get_by_index::<i32>(0)).collect::<Result<_, _>>()?)
}

/// Indexes every release without an index row: those written before the index existed, and
/// those the demo and the synthetic seed insert directly. Run at start-up, after the migrations.
pub async fn index_missing(db: &sea_orm::DatabaseConnection) -> Result<u64, ApiError> {
    let mut indexed = 0;
    loop {
        let missing: Vec<i32> = release::Entity::find()
            .select_only()
            .column(release::Column::Id)
            .filter(
                release::Column::Id.not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(release_search::Column::ReleaseId)
                        .from(release_search::Entity)
                        .to_owned(),
                ),
            )
            .limit(BATCH as u64)
            .into_tuple()
            .all(db)
            .await?;
        if missing.is_empty() {
            return Ok(indexed);
        }
        let txn = sea_orm::TransactionTrait::begin(db).await?;
        index(&txn, &missing).await?;
        txn.commit().await?;
        indexed += missing.len() as u64;
    }
}

/// Terms as `backend` stores them.
fn stored(backend: DbBackend, terms: String) -> String {
    if backend != DbBackend::MySql || terms.is_empty() {
        return terms;
    }
    let mut prefixed = String::with_capacity(terms.len() * 2);
    for term in terms.split(' ') {
        if !prefixed.is_empty() {
            prefixed.push(' ');
        }
        prefixed.push_str(MYSQL_PREFIX);
        prefixed.push_str(term);
    }
    prefixed
}

/// `release.id IN (the releases matching query)`, through the engine's full-text index.
pub fn matching(backend: DbBackend, query: &SearchQuery) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            r#""release"."id" IN (SELECT "release_id" FROM "release_search" WHERE "vector" @@ {})"#,
            tsquery(query)
        )),
        DbBackend::Sqlite => in_fts(query.fts5(), "", Vec::new()),
        _ => Expr::cust_with_values(
            "`release`.`id` IN (SELECT `release_id` FROM `release_search` \
             WHERE MATCH(`title`, `names`, `summary`, `body`) AGAINST (? IN BOOLEAN MODE))",
            [query.boolean_mode(MYSQL_PREFIX)],
        ),
    }
}

/// SQLite: the releases FTS5 finds for `fts5` (an FTS5 query), as a condition on `release`;
/// `limit` (a `LIMIT` clause with its `values`, or nothing) ends the FTS5 subquery.
fn in_fts(fts5: String, limit: &str, values: Vec<sea_orm::Value>) -> SimpleExpr {
    Expr::cust_with_values(
        format!(r#""release"."id" IN (SELECT rowid FROM release_fts WHERE release_fts MATCH ?{limit})"#),
        std::iter::once(sea_orm::Value::from(fts5)).chain(values),
    )
}

/// How many releases `access` may see match `query`, as an SQLite expression that counts them in
/// the FTS5 tables alone (the `state` column, see `Listing`), for a search with no other filter:
/// the published matches, plus the scheduled ones whose time has come (looked up one by one, and
/// there are few; not looked for at all while none is due, which an index of the scheduled
/// releases answers, migration `sqlite_search_tables`). Counted through `release`, a common search
/// checked the visibility of each of its 43,464 matches: 18 ms, where FTS5 counts them in 3
/// (docs/benchmarks.md). A column of the page's statement, as the count it replaces.
pub fn count(access: &Access, query: &SearchQuery) -> SimpleExpr {
    let matched = query.fts5();
    match access.viewer {
        Viewer::Preview => matches(query),
        Viewer::Anonymous => Expr::cust_with_values(
            r#"((SELECT count(*) FROM release_fts WHERE release_fts MATCH ?) + CASE WHEN EXISTS (SELECT 1 FROM "release"
               AS "due" WHERE "due"."status" = 'scheduled' AND "due"."published_at" <= ?) THEN (SELECT count(*) FROM
               "release" AS "due" WHERE "due"."published_at" <= ? AND "due"."id" IN (SELECT rowid FROM release_fts
               WHERE release_fts MATCH ?)) ELSE 0 END)"#,
            [
                sea_orm::Value::from(format!(r#"({matched}) NOT {{state}} : "{UNLISTED}""#)),
                access.now.into(),
                access.now.into(),
                format!(r#"({matched}) AND {{state}} : "{SCHEDULED}""#).into(),
            ],
        ),
    }
}

/// SQLite: how many releases in any state match `query`, counted in FTS5.
pub fn matches(query: &SearchQuery) -> SimpleExpr {
    Expr::cust_with_values("(SELECT count(*) FROM release_fts WHERE release_fts MATCH ?)", [query.fts5()])
}

/// `query` as a PostgreSQL `tsquery` written into the statement, not bound. newsroom's
/// statements run on generic plans (`plan_cache_mode`, see `startup::connect`), and a generic plan
/// cannot know what a search matches: PostgreSQL assumes 500 rows for any `@@ $1` and walks a
/// nested loop, one key lookup per match. Written in, each search gets a plan for what it
/// matches: nested loops for a rare word, hash joins for one found in 43 % of the releases
/// (count 131–729 → 113 ms, ranked list 264–422 → 123 ms at 100,000 releases; docs/benchmarks.md).
fn tsquery(query: &SearchQuery) -> String {
    // A standard string literal (`standard_conforming_strings`, on since PostgreSQL 9.1): only
    // quotes need doubling; the terms hold letters and digits and never a NUL.
    format!("CAST('{}' AS tsquery)", query.tsquery().replace('\'', "''"))
}

/// The fields ranking looks in, with their weight and their column.
const FIELDS: [(i64, &str); 3] = [(8, "title"), (4, "names"), (2, "summary")];

/// Most (clause, field) pairs a ranking on SQLite is split into tiers over (`tiers`): each pair
/// doubles the tiers, and a page may have to look in every one of them.
const TIER_PAIRS: usize = 3;

/// Fewest matches a search on SQLite is read in tiers from (`tiers`). Below, scoring each match
/// costs less than a statement per tier: the rare search of bench/search.sh (95 matches at
/// 100,000 releases) lost a fifth of its rate in tiers, the phrase (2,179) gained a tenth. Such a
/// search is scored in one statement that answers only while fewer match (`ranked_if_few`), so
/// that it costs no more statements than before tiers.
const TIERED_FROM: u64 = 1_000;

/// The releases of one rank of a search on SQLite: `fts5` matches exactly the matches of the
/// search whose rank is `rank`.
#[derive(Clone, Debug)]
pub struct Tier {
    pub rank: i64,
    fts5: String,
}

impl Tier {
    /// The releases of this tier, as a condition on `release`.
    pub fn matching(&self) -> SimpleExpr {
        in_fts(self.fts5.clone(), "", Vec::new())
    }
}

/// SQLite: the ranks `query`'s matches (`matches` of them, as counted) can take, best first, each
/// as the FTS5 query of the releases that have it; `None` when they are fewer than `TIERED_FROM`
/// or the ranking looks in more than `TIER_PAIRS` (clause, field) pairs that hold anywhere
/// (`ranked` then scores each match).
///
/// A rank is a sum over (clause, field) pairs (see the module's comment), so the releases of one
/// rank are those where a given set of pairs holds and the others do not: a boolean of column
/// filters that FTS5 evaluates over its doclists, in C, where scoring each match in SQL cost six
/// set probes per match (19 of the 43 ms a common two-word search took at 100,000 releases). A
/// page is then read from the best tier down, and stops as soon as it is full: the sort and the
/// key lookups cover one tier's matches, not all of them. Pairs found in no release at all (a
/// word in no summary, say) are dropped first, one `EXISTS` each on the field's own table.
pub async fn tiers(
    db: &impl ConnectionTrait,
    query: &SearchQuery,
    matches: u64,
) -> Result<Option<Vec<Tier>>, ApiError> {
    if matches < TIERED_FROM {
        return Ok(None);
    }
    let pairs: Vec<(i64, &str, String)> = (0..query.all.len().min(RANKED_CLAUSES))
        .map(|index| query.clause(index).fts5())
        .flat_map(|clause| FIELDS.map(|(weight, column)| (weight, column, clause.clone())))
        .collect();
    let exists: Vec<String> = pairs
        .iter()
        .map(|(_, column, _)| format!("EXISTS (SELECT 1 FROM release_fts_{column} WHERE release_fts_{column} MATCH ?)"))
        .collect();
    let statement = sea_orm::Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!("SELECT {}", exists.join(", ")),
        pairs.iter().map(|(_, _, clause)| sea_orm::Value::from(clause.clone())),
    );
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let mut held = Vec::new();
    for (index, (weight, column, clause)) in pairs.iter().enumerate() {
        if row.try_get_by_index::<i64>(index)? != 0 {
            held.push((*weight, format!("{{{column}}} : {clause}")));
        }
    }
    if held.len() > TIER_PAIRS {
        return Ok(None);
    }
    let all = query.fts5();
    let mut by_rank: std::collections::BTreeMap<i64, Vec<String>> = std::collections::BTreeMap::new();
    for set in 0..1_u32 << held.len() {
        let mut rank = 0;
        let mut expression = format!("({all})");
        for (index, (weight, filter)) in held.iter().enumerate() {
            expression = if set & (1 << index) == 0 {
                format!("({expression}) NOT {filter}")
            } else {
                rank += weight;
                format!("({expression}) AND {filter}")
            };
        }
        by_rank.entry(rank).or_default().push(format!("({expression})"));
    }
    Ok(Some(by_rank.into_iter().rev().map(|(rank, sets)| Tier { rank, fts5: sets.join(" OR ") }).collect()))
}

/// Makes `keys` (a select over `release` without the search's `matching`) a ranked search and
/// returns each row's rank (see the module's comment) as a BIGINT expression. On PostgreSQL and
/// MariaDB/MySQL it joins each release's index row as `s` and matches there, so that matching and
/// ranking read that row once (a rank subquery per match looked each of 43,464 rows up again).
/// SQLite's index rows are empty (the terms live in FTS5): there it matches and ranks through
/// FTS5 subqueries.
pub fn ranked(backend: DbBackend, query: &SearchQuery, keys: &mut SelectStatement) -> SimpleExpr {
    if backend == DbBackend::Sqlite {
        keys.and_where(matching(backend, query));
    } else {
        let s = Alias::new("s");
        keys.join_as(
            JoinType::InnerJoin,
            release_search::Entity,
            s.clone(),
            Expr::col((s, release_search::Column::ReleaseId)).equals((release::Entity, release::Column::Id)),
        );
        keys.and_where(match backend {
            DbBackend::Postgres => Expr::cust(format!(r#"s."vector" @@ {}"#, tsquery(query))),
            _ => Expr::cust_with_values(
                "MATCH(s.`title`, s.`names`, s.`summary`, s.`body`) AGAINST (? IN BOOLEAN MODE)",
                [query.boolean_mode(MYSQL_PREFIX)],
            ),
        });
    }
    rank(backend, query)
}

/// SQLite: `ranked`, except that `keys` then match nothing unless fewer than `TIERED_FROM`
/// releases (in any state) match `query`. The count stops there, and sits in the `LIMIT` of the
/// matches' subquery, which SQLite evaluates before reading any: a condition in `WHERE` did not
/// stop it from scoring every match of a common search first (21 of its 40 ms).
pub fn ranked_if_few(query: &SearchQuery, keys: &mut SelectStatement) -> SimpleExpr {
    let matched = query.fts5();
    let few = format!(
        " LIMIT CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM release_fts WHERE release_fts MATCH ? LIMIT \
         {TIERED_FROM})) < {TIERED_FROM} THEN -1 ELSE 0 END"
    );
    keys.and_where(in_fts(matched.clone(), &few, vec![matched.into()]));
    rank(DbBackend::Sqlite, query)
}

/// The rank of a release matching `query` (see the module's comment), as a BIGINT expression
/// over `release` (and, on PostgreSQL and MariaDB/MySQL, its index row `s`).
fn rank(backend: DbBackend, query: &SearchQuery) -> SimpleExpr {
    let clauses: Vec<SearchQuery> = (0..query.all.len().min(RANKED_CLAUSES)).map(|i| query.clause(i)).collect();
    let mut terms = Vec::new();
    let mut values = Vec::new();
    for clause in &clauses {
        for (weight, column) in FIELDS {
            match backend {
                DbBackend::Postgres => terms
                    .push(format!(r#"CASE WHEN s."{column}_vector" @@ {} THEN {weight} ELSE 0 END"#, tsquery(clause))),
                DbBackend::Sqlite => {
                    terms.push(format!(
                        r#"CASE WHEN "release"."id" IN (SELECT rowid FROM release_fts_{column} WHERE release_fts_{column} MATCH ?) THEN {weight} ELSE 0 END"#
                    ));
                    values.push(clause.fts5());
                }
                _ => {
                    terms.push(format!("(MATCH(s.`{column}`) AGAINST (? IN BOOLEAN MODE) > 0) * {weight}"));
                    values.push(clause.boolean_mode(MYSQL_PREFIX));
                }
            }
        }
    }
    let sum = terms.join(" + ");
    let sql = match backend {
        DbBackend::Postgres => format!("CAST({sum} AS BIGINT)"),
        _ => format!("({sum})"),
    };
    Expr::cust_with_values(sql, values)
}
