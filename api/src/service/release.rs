//! Releases: lookups, filtered lists, and the batched relation loads the API's loaders use; writes,
//! the workflow and revisions in their own modules.

pub mod revision;
pub mod snapshot;
pub mod workflow;
pub mod write;

use chrono::{DateTime, Utc};
use entity::{
    commission, contact, organisation, release, release_commission, release_contact, release_country,
    release_organisation, release_topic, topic, write_mark,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DynIden, EntityTrait, FromQueryResult, Iterable, JoinType, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select, TransactionSession, TransactionTrait,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, IntoIden, Query, SelectStatement, UnionType, WindowStatement},
};
use uuid::Uuid;

use super::{Direction, Page, Ref};
use crate::{auth::Access, error::ApiError};

/// Which releases a list returns. Every field narrows; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub language: Option<String>,
    /// A country the release is about (ISO 3166-1 alpha-2, or `XK`).
    pub country: Option<String>,
    /// Where it was issued.
    pub dateline_country: Option<String>,
    pub topic: Option<Ref>,
    pub commission: Option<Ref>,
    pub organisation: Option<Ref>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub title_contains: Option<String>,
    /// A full-text search (the syntax of `search::query`), analysed in `search_language`, else in
    /// `language`, else in every default language.
    pub search: Option<String>,
    pub search_language: Option<String>,
    /// Among the states the caller may see, only these (empty: all of them).
    pub status: Vec<release::Status>,
}

/// What a list is sorted by; ties are broken by the internal key in the same direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OrderField {
    #[default]
    PublishedAt,
    Title,
    CreatedAt,
    UpdatedAt,
    /// Where a search matched (`service::search`), then newest first: `list_ranked` only.
    Relevance,
}

/// Sort order of a release list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Order {
    pub field: OrderField,
    pub direction: Direction,
}

/// Which columns to read: bodies are the bulk of a row, so lists read them only when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Columns {
    All,
    WithoutBody,
}

/// The release `public_id`, if `access` may see it.
pub async fn get(db: &impl ConnectionTrait, access: &Access, public_id: Uuid) -> Result<release::Model, ApiError> {
    let select =
        release::Entity::find().filter(release::Column::PublicId.eq(public_id)).filter(access.release_condition());
    super::one(db, select, "Release", public_id).await
}

/// The release in `language` with `slug`, if `access` may see it.
pub async fn get_by_slug(
    db: &impl ConnectionTrait,
    access: &Access,
    language: &str,
    slug: &str,
) -> Result<release::Model, ApiError> {
    let select = release::Entity::find()
        .filter(release::Column::Language.eq(language))
        .filter(release::Column::Slug.eq(slug))
        .filter(access.release_condition());
    super::one(db, select, "Release", format!("{language}/{slug}")).await
}

/// One page of the releases `access` may see that match `filter`, in `order`.
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
    order: Order,
    page: Page,
    columns: Columns,
) -> Result<Vec<release::Model>, ApiError> {
    let select = with_columns(filtered(db.get_database_backend(), access, filter), columns);
    let (column, direction) = order.sort();
    let select = select.order_by(column, direction.clone()).order_by(release::Column::Id, direction);
    super::page(db, select, page).await
}

impl Filter {
    /// Whether a page of this filter with its `totalCount` is best read by `list_counted`: when it
    /// names an organisation or a commission. Each names a few hundred releases, and counting
    /// them while sorting them for the page costs one statement instead of two (2.0x and 1.6x
    /// the requests/s at 100,000 releases, docs/benchmarks.md). A topic or a country names
    /// thousands: there the page walks the date index until it has twenty (1–3 ms), and sorting
    /// every match for it measured 0.75–0.8x of the two statements.
    pub fn counts_with_its_page(&self) -> bool {
        self.organisation.is_some() || self.commission.is_some()
    }
}

/// `list`'s page and, when the page holds a row, how many releases match in all, from one
/// statement: the count visits every match, and sorting them for the page as it counts costs
/// less than a second statement when they are few (`Filter::counts_with_its_page`). A page past
/// the end counts apart (`None`).
pub async fn list_counted(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
    order: Order,
    page: Page,
    columns: Columns,
) -> Result<(Vec<release::Model>, Option<u64>), ApiError> {
    let backend = db.get_database_backend();
    let (column, direction) = order.sort();
    let sorted = Alias::new("sorted_by");
    let keys = filtered(backend, access, filter)
        .select_only()
        .column(release::Column::Id)
        .column_as(column, "sorted_by")
        .into_query();
    let counted = counted(backend, keys, "list_total");
    let listed = Alias::new("listed");
    let mut keys = Query::select();
    keys.column(Asterisk)
        .from_subquery(counted, listed.clone())
        .order_by(sorted.clone(), direction.clone())
        .order_by(Alias::new("id"), direction.clone())
        .limit(page.limit)
        .offset(page.offset);
    let mut rows = rows_of(keys, &listed, columns);
    rows.expr(Expr::col((listed.clone(), Alias::new("list_total"))))
        .order_by((listed.clone(), sorted), direction.clone())
        .order_by((listed, Alias::new("id")), direction);
    let rows = db.query_all_raw(backend.build(&rows)).await?;
    let total = rows.first().map(|row| integer(row, "list_total")).transpose()?;
    let models = rows.iter().map(|row| release::Model::from_query_result(row, "")).collect::<Result<_, _>>()?;
    Ok((models, total.map(|total| u64::try_from(total).unwrap_or(0))))
}

/// `keys` with every row's count of them as `column` (`COUNT(*) OVER ()`): the matches counted
/// before a page is cut from them. On PostgreSQL the keys stay a subquery of their own (OFFSET 0
/// keeps it from being flattened): PostgreSQL computes expressions after a window, so the window
/// would otherwise buffer whatever those expressions read (a ranked search's vectors: 295-byte
/// rows, 13 MB for a common search, spilled to disk past `work_mem`; 155 -> 120 ms).
fn counted(backend: sea_orm::DbBackend, mut keys: SelectStatement, column: &str) -> SelectStatement {
    if backend == sea_orm::DbBackend::Postgres {
        keys.offset(0);
    }
    let mut counted = Query::select();
    counted.column(Asterisk).expr_as(Expr::cust("COUNT(*) OVER ()"), Alias::new(column));
    counted.from_subquery(keys, Alias::new("matched"));
    counted
}

/// An integer `column` of `row`, as engines type a rank or a count: BIGINT or INTEGER.
fn integer(row: &sea_orm::QueryResult, column: &str) -> Result<i64, sea_orm::DbErr> {
    match row.try_get::<i64>("", column) {
        Ok(value) => Ok(value),
        Err(_) => row.try_get::<i32>("", column).map(i64::from),
    }
}

impl Order {
    /// The column and direction this order sorts by (ties: the key, same direction).
    fn sort(self) -> (release::Column, sea_orm::Order) {
        let column = match self.field {
            OrderField::PublishedAt => release::Column::PublishedAt,
            OrderField::Title => release::Column::Title,
            OrderField::CreatedAt => release::Column::CreatedAt,
            OrderField::UpdatedAt => release::Column::UpdatedAt,
            // Offset lists never get it (`list_ranked` pages these); publication time is its
            // tie-break.
            OrderField::Relevance => release::Column::PublishedAt,
        };
        (column, self.direction.into())
    }
}

fn with_columns(select: Select<release::Entity>, columns: Columns) -> Select<release::Entity> {
    match columns {
        Columns::All => select,
        // An empty literal keeps the row shape (and `release::Model`) while the body stays on disk.
        Columns::WithoutBody => select
            .select_only()
            .columns(release::Column::iter().filter(|column| !matches!(column, release::Column::Body)))
            .column_as(Expr::cust("''"), "body"),
    }
}

/// The `columns` of the releases whose keys `keys` selects (as `id`), joined to them as `alias`:
/// a list sorted over keys alone then reads the rows of its page only.
fn rows_of(keys: SelectStatement, alias: &Alias, columns: Columns) -> SelectStatement {
    let mut rows = with_columns(release::Entity::find(), columns).into_query();
    rows.join_subquery(
        JoinType::InnerJoin,
        keys,
        alias.clone(),
        Expr::col((alias.clone(), release::Column::Id)).equals((release::Entity, release::Column::Id)),
    );
    rows
}

/// The records a release can be listed under: each has its own junction table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Parent {
    Commission,
    Organisation,
    Topic,
}

impl Parent {
    /// The junction table and its column holding the parent's key.
    fn junction(self) -> (DynIden, DynIden, DynIden) {
        match self {
            Parent::Commission => (
                release_commission::Entity.into_iden(),
                release_commission::Column::ReleaseId.into_iden(),
                release_commission::Column::CommissionId.into_iden(),
            ),
            Parent::Organisation => (
                release_organisation::Entity.into_iden(),
                release_organisation::Column::ReleaseId.into_iden(),
                release_organisation::Column::OrganisationId.into_iden(),
            ),
            Parent::Topic => (
                release_topic::Entity.into_iden(),
                release_topic::Column::ReleaseId.into_iden(),
                release_topic::Column::TopicId.into_iden(),
            ),
        }
    }
}

/// Adds the junction of `parent` to `query`, restricted to `parents`; the parent's key comes out
/// as `parent_id`.
fn under(query: &mut SelectStatement, parent: Parent, parents: &[i32]) {
    let (junction, release_id, parent_id) = parent.junction();
    query
        .inner_join(
            junction.clone(),
            Expr::col((junction.clone(), release_id)).equals((release::Entity, release::Column::Id)),
        )
        .expr_as(Expr::col((junction.clone(), parent_id.clone())), Alias::new("parent_id"))
        .and_where(Expr::col((junction, parent_id)).is_in(parents.iter().copied()));
}

/// The same page of `list` for each of `parents` at once (one statement, numbering each parent's
/// releases with a window function), as (parent key, release) pairs.
#[allow(clippy::too_many_arguments)]
pub async fn list_under(
    db: &impl ConnectionTrait,
    access: &Access,
    parent: Parent,
    parents: &[i32],
    filter: &Filter,
    order: Order,
    page: Page,
    columns: Columns,
) -> Result<Vec<(i32, release::Model)>, ApiError> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let (column, direction) = order.sort();
    // Numbered over keys alone, then joined to the rows of the page only: an organisation named
    // by 250 releases had each of their rows read and sorted to show ten, where the keys come
    // from the visibility index (idx_release_visible) without touching the table.
    let mut keys = filtered(backend, access, filter).select_only().column(release::Column::Id).into_query();
    under(&mut keys, parent, parents);
    let (junction, _, parent_id) = parent.junction();
    keys.expr_window_as(
        Expr::cust("ROW_NUMBER()"),
        WindowStatement::partition_by((junction, parent_id))
            .order_by((release::Entity, column), direction.clone())
            .order_by((release::Entity, release::Column::Id), direction)
            .to_owned(),
        Alias::new("row_number"),
    );
    let ranked = Alias::new("ranked");
    let mut outer = rows_of(keys, &ranked, columns);
    outer
        .expr(Expr::col((ranked.clone(), Alias::new("parent_id"))))
        .and_where(Expr::col((ranked.clone(), Alias::new("row_number"))).gt(page.offset))
        .and_where(Expr::col((ranked.clone(), Alias::new("row_number"))).lte(page.offset + page.limit))
        .order_by((ranked.clone(), Alias::new("parent_id")), sea_orm::Order::Asc)
        .order_by((ranked, Alias::new("row_number")), sea_orm::Order::Asc);
    let rows = db.query_all_raw(backend.build(&outer)).await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<i32>("", "parent_id")?, release::Model::from_query_result(row, "")?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(ApiError::from)
}

/// How many releases `list_under` would return for each of `parents` without paging.
pub async fn count_under(
    db: &impl ConnectionTrait,
    access: &Access,
    parent: Parent,
    parents: &[i32],
    filter: &Filter,
) -> Result<Vec<(i32, u64)>, ApiError> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = filtered(db.get_database_backend(), access, filter).select_only().into_query();
    under(&mut query, parent, parents);
    let (junction, _, parent_id) = parent.junction();
    query.expr_as(Expr::col((release::Entity, release::Column::Id)).count(), Alias::new("count"));
    query.group_by_col((junction, parent_id));
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    rows.iter()
        .map(|row| {
            Ok((row.try_get::<i32>("", "parent_id")?, u64::try_from(row.try_get::<i64>("", "count")?).unwrap_or(0)))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(ApiError::from)
}

/// How many releases `list` would return without paging.
pub async fn count(db: &impl ConnectionTrait, access: &Access, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(db.get_database_backend(), access, filter)).await
}

impl Filter {
    /// The parsed search, if the filter has one with something to look for.
    pub fn search_query(&self) -> Option<crate::search::query::SearchQuery> {
        let language = self.search_language.as_deref().or(self.language.as_deref());
        super::search::parse(self.search.as_deref()?, language)
    }
}

/// A release's place in a ranked list: its rank, its date (publication, else creation) and its key,
/// each compared in the list's direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankKey {
    pub rank: i64,
    pub at: DateTime<Utc>,
    pub id: i32,
}

/// A page of a ranked list, nearest first, with the count of every match when asked and known.
pub type RankedPage = (Vec<(RankKey, release::Model)>, Option<u64>);

/// Where a page of a ranked list starts: after (or, `backwards`, before) `from` in list order.
#[derive(Clone, Debug, Default)]
pub struct Seek {
    pub from: Option<RankKey>,
    pub backwards: bool,
}

/// What a page of a ranked list reads: up to `limit` releases, their `columns`, and with `total`
/// how many releases match in all.
#[derive(Clone, Copy, Debug)]
pub struct RankedRead {
    pub limit: u64,
    pub columns: Columns,
    pub total: bool,
}

/// Up to `read.limit` releases `access` may see that match `filter`, by rank (`service::search`)
/// in `direction`, from `seek` (nearest first: a backwards page comes reversed), and with
/// `read.total` how many match in all (`None` when the page is empty and no statement counted
/// them apart). Keyset paging: the page holds the same releases whatever was written before
/// `seek.from`.
pub async fn list_ranked<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    filter: &Filter,
    direction: Direction,
    seek: &Seek,
    read: RankedRead,
) -> Result<RankedPage, ApiError> {
    let backend = db.get_database_backend();
    // Ranked over keys alone, then joined to the rows of the page only: the sort never carries
    // rows, and on SQLite the ranking reads an index instead of every match's row.
    let unsearched = Filter { search: None, ..filter.clone() };
    let keys = filtered(backend, access, &unsearched).select_only().column(release::Column::Id).into_query();
    let query = filter.search_query();
    // A search and nothing else is counted in SQLite's FTS5 tables alone (`search::count`): the
    // window below would check the visibility of every match again.
    let counted_in_fts = match &query {
        Some(query) if backend == sea_orm::DbBackend::Sqlite && read.total => {
            (Filter { search_language: None, ..unsearched.clone() } == Filter::default()).then_some(query)
        }
        _ => None,
    };
    let ascending = (direction == Direction::Asc) != seek.backwards;
    let total = match counted_in_fts {
        Some(query) => PageTotal::Expr(super::search::count(access, query)),
        // Counted over every match before the page is cut from them: a search's count then
        // costs no second pass over its index (a separate count matched a common search again:
        // 50 of its 170 ms on PostgreSQL, 22 of 72 on SQLite, at 100,000 releases).
        None if read.total => PageTotal::Window,
        None => PageTotal::None,
    };
    let Some(query) =
        query.as_ref().filter(|_| backend == sea_orm::DbBackend::Sqlite && (!read.total || counted_in_fts.is_some()))
    else {
        let scored = query.as_ref().map_or(Scored::Unsearched, Scored::Search);
        let page = scored_page(backend, keys, scored, total, ascending, seek.from.as_ref(), read);
        return ranked_rows(&db.query_all_raw(backend.build(&page)).await?, read.total);
    };
    // SQLite: a search that few releases match is scored match by match, in one statement, as
    // before; one that many match is read a rank at a time (`search::tiers`). The first
    // statement answers only if few match (`search::ranked_if_few`).
    let page = scored_page(backend, keys.clone(), Scored::IfFew(query), total, ascending, seek.from.as_ref(), read);
    let rows = db.query_all_raw(backend.build(&page)).await?;
    if !rows.is_empty() {
        return ranked_rows(&rows, read.total);
    }
    // Many match, or the page is empty. In one transaction: a write landing between two of the
    // statements below must not move a release from one tier to another under the page, nor
    // change the count beside it.
    let txn = db.begin().await?;
    let counting = match counted_in_fts {
        Some(query) => super::search::count(access, query),
        None => super::search::matches(query),
    };
    let statement = backend.build(Query::select().expr_as(counting, Alias::new("matches")));
    let matches = match txn.query_one_raw(statement).await? {
        Some(row) => u64::try_from(integer(&row, "matches")?).unwrap_or(0),
        None => 0,
    };
    let page = match super::search::tiers(&txn, query, matches).await? {
        Some(tiers) => list_tiered(&txn, keys, tiers, ascending, seek, read).await?,
        None => {
            let page =
                scored_page(backend, keys, Scored::Search(query), PageTotal::None, ascending, seek.from.as_ref(), read);
            ranked_rows(&txn.query_all_raw(backend.build(&page)).await?, false)?.0
        }
    };
    txn.commit().await?;
    Ok((page, counted_in_fts.map(|_| matches)))
}

/// What a scored page ranks.
enum Scored<'a> {
    /// No search: every release ranks 0.
    Unsearched,
    Search(&'a crate::search::query::SearchQuery),
    /// A search on SQLite, only if few releases match it (`search::ranked_if_few`).
    IfFew(&'a crate::search::query::SearchQuery),
}

/// The statement of a ranked page whose every match is scored (`search::ranked`), counting every
/// match as `total` says.
fn scored_page(
    backend: sea_orm::DbBackend,
    mut keys: SelectStatement,
    scored: Scored,
    total: PageTotal,
    ascending: bool,
    from: Option<&RankKey>,
    read: RankedRead,
) -> SelectStatement {
    let rank = match scored {
        Scored::Search(query) => super::search::ranked(backend, query, &mut keys),
        Scored::IfFew(query) => super::search::ranked_if_few(query, &mut keys),
        Scored::Unsearched if backend == sea_orm::DbBackend::Postgres => Expr::cust("CAST(0 AS BIGINT)"),
        Scored::Unsearched => Expr::cust("0"),
    };
    ranked_keys(&mut keys, rank);
    if let PageTotal::Window = total {
        keys = counted(backend, keys, "search_total");
    }
    ranked_page(keys, ascending, from, read.limit, read.columns, total)
}

/// `list_ranked` on SQLite, a tier at a time (`search::tiers`), best first (last first when
/// `ascending`), until the page is full.
async fn list_tiered(
    db: &impl ConnectionTrait,
    keys: SelectStatement,
    mut tiers: Vec<super::search::Tier>,
    ascending: bool,
    seek: &Seek,
    read: RankedRead,
) -> Result<Vec<(RankKey, release::Model)>, ApiError> {
    if ascending {
        tiers.reverse();
    }
    let mut page = Vec::new();
    for tier in tiers {
        let behind = seek
            .from
            .as_ref()
            .is_some_and(|from| if ascending { tier.rank < from.rank } else { tier.rank > from.rank });
        if behind {
            continue;
        }
        let mut keys = keys.clone();
        keys.and_where(tier.matching());
        ranked_keys(&mut keys, Expr::cust(tier.rank.to_string()));
        let limit = read.limit - page.len() as u64;
        let statement = ranked_page(keys, ascending, seek.from.as_ref(), limit, read.columns, PageTotal::None);
        let rows = db.query_all_raw(sea_orm::DbBackend::Sqlite.build(&statement)).await?;
        page.extend(ranked_rows(&rows, false)?.0);
        if page.len() as u64 >= read.limit {
            break;
        }
    }
    Ok(page)
}

/// How a ranked page's statement counts every match.
enum PageTotal {
    None,
    /// The `search_total` window of `counted` over the keys (`scored_page` adds it).
    Window,
    /// An expression of its own.
    Expr(sea_orm::sea_query::SimpleExpr),
}

/// Gives `keys` (a select of release ids) their `search_rank` and their `ranked_at`.
fn ranked_keys(keys: &mut SelectStatement, rank: sea_orm::sea_query::SimpleExpr) {
    let at = sea_orm::sea_query::Func::coalesce([
        Expr::col((release::Entity, release::Column::PublishedAt)),
        Expr::col((release::Entity, release::Column::CreatedAt)),
    ]);
    keys.expr_as(rank, Alias::new("search_rank")).expr_as(at, Alias::new("ranked_at"));
}

/// The statement of a ranked page: up to `limit` of `keys` (`ranked_keys`) beyond `from` in list
/// order, joined to their rows' `columns`.
fn ranked_page(
    keys: SelectStatement,
    ascending: bool,
    from: Option<&RankKey>,
    limit: u64,
    columns: Columns,
    total: PageTotal,
) -> SelectStatement {
    let order = if ascending { sea_orm::Order::Asc } else { sea_orm::Order::Desc };
    let ranked = Alias::new("ranked");
    let mut page = Query::select();
    page.column(Asterisk).from_subquery(keys, ranked.clone());
    if let Some(from) = from {
        let beyond = |column: &str, value: sea_orm::Value| {
            let column = Expr::col(Alias::new(column));
            if ascending { column.gt(value) } else { column.lt(value) }
        };
        let equal = |column: &str, value: sea_orm::Value| Expr::col(Alias::new(column)).eq(value);
        page.cond_where(
            Condition::any().add(beyond("search_rank", from.rank.into())).add(
                Condition::all().add(equal("search_rank", from.rank.into())).add(
                    Condition::any().add(beyond("ranked_at", from.at.into())).add(
                        Condition::all().add(equal("ranked_at", from.at.into())).add(beyond("id", from.id.into())),
                    ),
                ),
            ),
        );
    }
    page.order_by(Alias::new("search_rank"), order.clone())
        .order_by(Alias::new("ranked_at"), order.clone())
        .order_by(Alias::new("id"), order.clone())
        .limit(limit);
    let mut outer = rows_of(page, &ranked, columns);
    match total {
        PageTotal::Expr(total) => outer.expr_as(total, Alias::new("search_total")),
        PageTotal::Window => outer.expr(Expr::col((ranked.clone(), Alias::new("search_total")))),
        PageTotal::None => &mut outer,
    };
    outer
        .expr(Expr::col((ranked.clone(), Alias::new("search_rank"))))
        .expr(Expr::col((ranked.clone(), Alias::new("ranked_at"))))
        .order_by((ranked.clone(), Alias::new("search_rank")), order.clone())
        .order_by((ranked.clone(), Alias::new("ranked_at")), order.clone())
        .order_by((ranked, Alias::new("id")), order);
    outer
}

/// The releases of a ranked page's rows with their keys, and with `total` the count they carry
/// (`None` when there is no row to carry it).
fn ranked_rows(rows: &[sea_orm::QueryResult], total: bool) -> Result<RankedPage, ApiError> {
    let total = match rows.first() {
        Some(row) if total => Some(u64::try_from(integer(row, "search_total")?).unwrap_or(0)),
        _ => None,
    };
    let page = rows
        .iter()
        .map(|row| {
            let rank = integer(row, "search_rank")?;
            let model = release::Model::from_query_result(row, "")?;
            let at = row.try_get::<DateTime<Utc>>("", "ranked_at")?;
            Ok((RankKey { rank, at, id: model.id }, model))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    Ok((page, total))
}

pub(crate) fn filtered(backend: sea_orm::DbBackend, access: &Access, filter: &Filter) -> Select<release::Entity> {
    let mut condition = Condition::all().add(access.release_condition());
    if let Some(language) = &filter.language {
        condition = condition.add(release::Column::Language.eq(language.as_str()));
    }
    if let Some(country) = &filter.country {
        // By the (country, release) index.
        let about = sea_orm::sea_query::Query::select()
            .column(release_country::Column::ReleaseId)
            .from(release_country::Entity)
            .and_where(release_country::Column::Country.eq(country.as_str()))
            .to_owned();
        condition = condition.add(release::Column::Id.in_subquery(about));
    }
    if let Some(country) = &filter.dateline_country {
        condition = condition.add(release::Column::DatelineCountry.eq(country.as_str()));
    }
    if let Some(after) = filter.published_after {
        condition = condition.add(release::Column::PublishedAt.gte(after));
    }
    if let Some(before) = filter.published_before {
        condition = condition.add(release::Column::PublishedAt.lt(before));
    }
    if let Some(needle) = &filter.title_contains {
        condition = condition.add(super::contains(release::Column::Title, needle));
    }
    if let Some(query) = filter.search_query() {
        condition = condition.add(super::search::matching(backend, &query));
    }
    if !filter.status.is_empty() {
        condition = condition.add(release::Column::Status.is_in(filter.status.iter().copied()));
    }
    if let Some(topic) = &filter.topic {
        let ids = related_release_ids(
            topic,
            release_topic::Entity,
            release_topic::Column::ReleaseId,
            release_topic::Column::TopicId,
            topic::Entity,
            topic::Column::Id,
            topic::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    if let Some(commission) = &filter.commission {
        let ids = related_release_ids(
            commission,
            release_commission::Entity,
            release_commission::Column::ReleaseId,
            release_commission::Column::CommissionId,
            commission::Entity,
            commission::Column::Id,
            commission::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    if let Some(organisation) = &filter.organisation {
        let ids = related_release_ids(
            organisation,
            release_organisation::Entity,
            release_organisation::Column::ReleaseId,
            release_organisation::Column::OrganisationId,
            organisation::Entity,
            organisation::Column::Id,
            organisation::Column::Slug,
        );
        condition = condition.add(release::Column::Id.in_subquery(ids));
    }
    release::Entity::find().filter(condition)
}

/// `SELECT release_id FROM <junction> [JOIN <target>] WHERE <target key> = ?`: the releases
/// related to one record, by internal key (no join needed) or by slug.
fn related_release_ids<J, T>(
    target: &Ref,
    junction: J,
    release_id: J::Column,
    target_id: J::Column,
    target_table: T,
    target_pk: T::Column,
    target_slug: T::Column,
) -> SelectStatement
where
    J: EntityTrait,
    T: EntityTrait,
{
    let mut query = Query::select();
    query.column(release_id).from(junction);
    match target {
        Ref::Id(id) => {
            query.and_where(Expr::col(target_id).eq(*id));
        }
        Ref::Slug(slug) => {
            query
                .inner_join(target_table, Expr::col((target_table, target_pk)).equals((junction, target_id)))
                .and_where(Expr::col((target_table, target_slug)).eq(slug.as_str()));
        }
    }
    query.to_owned()
}

/// The topics of each release in `release_ids`, as (release id, topic) pairs in key order.
pub async fn topics_of(db: &impl ConnectionTrait, release_ids: &[i32]) -> Result<Vec<(i32, topic::Model)>, ApiError> {
    let rows = release_topic::Entity::find()
        .find_also_related(topic::Entity)
        .filter(super::any_of(db, release_topic::Column::ReleaseId, release_ids))
        .order_by_asc(release_topic::Column::ReleaseId)
        .order_by_asc(release_topic::Column::TopicId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, topic)| Some((link.release_id, topic?))).collect())
}

/// The commissions each release in `release_ids` speaks about, each with its head organisation
/// (joined: one statement instead of a second level), in key order.
pub async fn commissions_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, commission::Model, Option<organisation::Model>)>, ApiError> {
    let select = release_commission::Entity::find()
        .select_only()
        .column(release_commission::Column::ReleaseId)
        .columns(commission::Column::iter())
        .join(JoinType::InnerJoin, release_commission::Relation::Commission.def())
        .join(JoinType::LeftJoin, commission::Relation::HeadOrganisation.def());
    with_organisation(
        db,
        select,
        release_commission::Column::ReleaseId,
        release_commission::Column::CommissionId,
        release_ids,
    )
    .await
}

/// The organisations each release in `release_ids` names, with their role, in key order.
pub async fn organisations_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, release_organisation::Role, organisation::Model)>, ApiError> {
    let rows = release_organisation::Entity::find()
        .find_also_related(organisation::Entity)
        .filter(super::any_of(db, release_organisation::Column::ReleaseId, release_ids))
        .order_by_asc(release_organisation::Column::ReleaseId)
        .order_by_asc(release_organisation::Column::OrganisationId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, organisation)| Some((link.release_id, link.role, organisation?))).collect())
}

/// The issuer (the organisation named with role `issuer`) of each release in `release_ids` that
/// names one; the first by key if a release names several.
pub async fn issuers_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, organisation::Model)>, ApiError> {
    let rows = release_organisation::Entity::find()
        .find_also_related(organisation::Entity)
        .filter(super::any_of(db, release_organisation::Column::ReleaseId, release_ids))
        .filter(release_organisation::Column::Role.eq(release_organisation::Role::Issuer))
        .order_by_asc(release_organisation::Column::ReleaseId)
        .order_by_asc(release_organisation::Column::OrganisationId)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(link, organisation)| Some((link.release_id, organisation?))).collect())
}

/// The media contacts of each release in `release_ids`, each with its organisation (joined), in
/// their published order. Visibility is the caller's to apply.
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    release_ids: &[i32],
) -> Result<Vec<(i32, contact::Model, Option<organisation::Model>)>, ApiError> {
    let select = release_contact::Entity::find()
        .select_only()
        .column(release_contact::Column::ReleaseId)
        .columns(contact::Column::iter())
        .join(JoinType::InnerJoin, release_contact::Relation::Contact.def())
        .join(JoinType::LeftJoin, contact::Relation::Organisation.def());
    with_organisation(db, select, release_contact::Column::ReleaseId, release_contact::Column::Position, release_ids)
        .await
}

/// A record a release names, by internal key: what `links_of` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Topic(i32),
    Commission(i32),
    Organisation(i32, release_organisation::Role),
    /// Contacts come in the release's order.
    Contact(i32),
}

/// The links of a page of releases, and the write mark they were read at.
#[derive(Debug)]
pub struct Links {
    /// The write mark (see `write::advance_mark`): every write through newsroom, on any server,
    /// moves it as it commits, so records read after it are current while it holds.
    pub mark: i64,
    /// (release, link), per relation in the order `topics_of`, `commissions_of`,
    /// `organisations_of` and `contacts_of` return them.
    pub rows: Vec<(i32, Link)>,
}

/// Which relations `links_of` reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Linked {
    pub topics: bool,
    pub commissions: bool,
    pub organisations: bool,
    pub contacts: bool,
}

/// The records of the relations `linked` that the releases `release_ids` name, as keys only, and
/// the write mark, in one statement: what a list needs when the records themselves are cached
/// (see `graphql::preload`).
pub async fn links_of(db: &impl ConnectionTrait, release_ids: &[i32], linked: Linked) -> Result<Links, ApiError> {
    const TOPIC: i64 = 0;
    const COMMISSION: i64 = 1;
    const ORGANISATION: i64 = 2;
    const CONTACT: i64 = 3;
    const MARK: i64 = 4;
    let mut query = Query::select();
    query
        .expr(Expr::val(MARK))
        .expr(Expr::val(0))
        .column(write_mark::Column::Value)
        .expr(Expr::val(0))
        .expr(Expr::val(Option::<String>::None))
        .from(write_mark::Entity)
        .and_where(write_mark::Column::Id.eq(1));
    use release_commission::Column as RC;
    use release_contact::Column as RK;
    use release_organisation::Column as RO;
    use release_topic::Column as RT;
    let branches = [
        linked.topics.then(|| link_branch(db, TOPIC, RT::ReleaseId, RT::TopicId, None, None, release_ids)),
        linked
            .commissions
            .then(|| link_branch(db, COMMISSION, RC::ReleaseId, RC::CommissionId, None, None, release_ids)),
        linked.organisations.then(|| {
            link_branch(db, ORGANISATION, RO::ReleaseId, RO::OrganisationId, None, Some(RO::Role), release_ids)
        }),
        linked
            .contacts
            .then(|| link_branch(db, CONTACT, RK::ReleaseId, RK::ContactId, Some(RK::Position), None, release_ids)),
    ];
    for select in branches.into_iter().flatten() {
        query.union(UnionType::All, select);
    }
    let found = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    let mut links = Links { mark: 0, rows: Vec::with_capacity(found.len()) };
    let mut keyed = Vec::with_capacity(found.len());
    for row in &found {
        let (kind, release, record, position) = (int(row, 0)?, int(row, 1)?, int(row, 2)?, int(row, 3)?);
        let key = |wide: i64| i32::try_from(wide).map_err(|_| sea_orm::DbErr::Type(format!("key {wide} out of range")));
        let link = match kind {
            TOPIC => Link::Topic(key(record)?),
            COMMISSION => Link::Commission(key(record)?),
            ORGANISATION => {
                let role: String = row.try_get_by_index(4)?;
                let role = <release_organisation::Role as sea_orm::ActiveEnum>::try_from_value(&role)?;
                Link::Organisation(key(record)?, role)
            }
            CONTACT => Link::Contact(key(record)?),
            _ => {
                links.mark = record;
                continue;
            }
        };
        keyed.push(((kind, key(release)?, position, record), link));
    }
    // The order the per-relation statements give: by release, then by key (contacts by position).
    keyed.sort_unstable_by_key(|(key, _)| *key);
    links.rows = keyed.into_iter().map(|((_, release, _, _), link)| (release, link)).collect();
    Ok(links)
}

/// One branch of `links_of`: kind, release, record, position (contacts) and role (organisations)
/// from the junction table of `release`.
fn link_branch<C: ColumnTrait>(
    db: &impl ConnectionTrait,
    kind: i64,
    release: C,
    record: C,
    position: Option<C>,
    role: Option<C>,
    release_ids: &[i32],
) -> SelectStatement {
    let mut select = Query::select();
    select
        .expr(Expr::val(kind))
        .column(release)
        .column(record)
        .expr(position.map_or(Expr::val(0), Expr::col))
        .expr(role.map_or(Expr::val(Option::<String>::None), Expr::col))
        .from(release.entity_name())
        .and_where(super::any_of(db, release, release_ids));
    select
}

/// An integer column of a hand-built row: engines type constants and unions differently (the
/// union of an INTEGER and a BIGINT column is BIGINT on PostgreSQL; MySQL reports constants as
/// BIGINT).
fn int(row: &sea_orm::QueryResult, index: usize) -> Result<i64, sea_orm::DbErr> {
    match row.try_get_by_index::<i64>(index) {
        Ok(value) => Ok(value),
        Err(_) => row.try_get_by_index::<i32>(index).map(i64::from),
    }
}

/// Runs `select`, a junction of releases joined to records of `M` and to their organisation (see
/// `organisation::select_joined`), for the releases `release_ids`, in release then `order` order.
async fn with_organisation<J, M>(
    db: &impl ConnectionTrait,
    select: Select<J>,
    release_id: J::Column,
    order: J::Column,
    release_ids: &[i32],
) -> Result<Vec<(i32, M, Option<organisation::Model>)>, ApiError>
where
    J: EntityTrait,
    M: FromQueryResult,
{
    let query = super::organisation::select_joined(select)
        .filter(super::any_of(db, release_id, release_ids))
        .order_by_asc(release_id)
        .order_by_asc(order)
        .into_query();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    rows.iter()
        .map(|row| {
            let release = row.try_get::<i32>("", "release_id")?;
            Ok((release, M::from_query_result(row, "")?, super::organisation::joined(row)?))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(ApiError::from)
}

/// Every release in each translation group of `groups`; visibility is the caller's to apply.
pub async fn in_translation_groups(
    db: &impl ConnectionTrait,
    groups: &[Uuid],
) -> Result<Vec<release::Model>, ApiError> {
    Ok(release::Entity::find()
        .filter(release::Column::TranslationGroup.is_in(groups.iter().copied()))
        .order_by_asc(release::Column::Language)
        .all(db)
        .await?)
}
