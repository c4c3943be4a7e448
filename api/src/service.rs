//! Queries per domain: the only place that talks to the database. Every face (GraphQL today;
//! feeds, bulk import and the CLI) goes through here, and nothing here knows about any face.

pub mod audit;
pub mod bulk;
pub mod changes;
pub mod commission;
pub mod contact;
pub mod document;
pub mod external_id;
pub mod feed;
pub mod organisation;
pub mod release;
pub mod search;
pub mod topic;
pub mod webhook;
pub mod write;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QueryTrait, Select,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr, extension::postgres::PgFunc},
};

use crate::error::ApiError;

/// A window of a list: skip `offset` rows, return at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

/// A reference to a record by its internal key (relations) or its slug (clients).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    Id(i32),
    Slug(String),
}

/// Sort direction of a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    #[default]
    Desc,
}

impl From<Direction> for sea_orm::Order {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Asc => sea_orm::Order::Asc,
            Direction::Desc => sea_orm::Order::Desc,
        }
    }
}

/// What a list sorted by name by default can be sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameOrderField {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
}

/// Sort order of a list sorted by name by default (A to Z).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameOrder {
    pub field: NameOrderField,
    pub direction: Direction,
}

impl Default for NameOrder {
    fn default() -> Self {
        Self { field: NameOrderField::Name, direction: Direction::Asc }
    }
}

/// Sorts `select` by `order`, given the entity's name, creation, update and key columns; ties
/// are broken by the key in the same direction, so pages never overlap.
pub fn sorted<E: EntityTrait>(
    select: Select<E>,
    order: NameOrder,
    [name, created, updated, id]: [E::Column; 4],
) -> Select<E> {
    let column = match order.field {
        NameOrderField::Name => name,
        NameOrderField::CreatedAt => created,
        NameOrderField::UpdatedAt => updated,
    };
    let direction = sea_orm::Order::from(order.direction);
    select.order_by(column, direction.clone()).order_by(id, direction)
}

/// Case-insensitive "contains" on every engine (PostgreSQL's LIKE is case-sensitive, so both
/// sides are lower-cased), with `%` and `_` in the needle matched literally.
pub fn contains(column: impl ColumnTrait, needle: &str) -> SimpleExpr {
    let escaped = needle.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// `column IN (ids)` for a loader batch. On PostgreSQL it is `column = ANY($1)` with one array
/// parameter: the statement's text is then the same whatever the batch size, so it stays in the
/// connection's prepared-statement cache and PostgreSQL reuses its plan instead of parsing and
/// planning every batch anew.
pub fn any_of(db: &impl ConnectionTrait, column: impl ColumnTrait, ids: &[i32]) -> SimpleExpr {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            Expr::col((column.entity_name(), column)).eq(PgFunc::any(Expr::val(ids.to_vec())))
        }
        _ => column.is_in(ids.iter().copied()),
    }
}

/// Runs `select` for one row, turning "no row" into `NotFound`.
pub async fn one<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    entity: &'static str,
    key: impl std::fmt::Display,
) -> Result<E::Model, ApiError> {
    select.one(db).await?.ok_or_else(|| ApiError::NotFound { entity, key: key.to_string() })
}

/// Runs `select` over one page.
pub async fn page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    page: Page,
) -> Result<Vec<E::Model>, ApiError>
where
    E::Model: FromQueryResult,
{
    // The window is written into the statement, not bound: PostgreSQL plans each statement once
    // (`plan_cache_mode`, see `startup`), and a plan for `LIMIT $1` assumes a tenth of the matches
    // are wanted. For twenty releases in a country it then read all 8,000 and sorted them (30 ms)
    // instead of walking the date index until twenty matched (1 ms). Pages come in few sizes, so
    // the statements stay few.
    let mut statement = select.build(db.get_database_backend());
    statement.sql.push_str(&format!(" LIMIT {} OFFSET {}", page.limit, page.offset));
    Ok(E::Model::find_by_statement(statement).all(db).await?)
}

/// Counts the rows `select` matches.
pub async fn count<E: EntityTrait>(db: &impl ConnectionTrait, select: Select<E>) -> Result<u64, ApiError>
where
    E::Model: Sync,
{
    Ok(select.count(db).await?)
}

/// Loads the rows whose `column` is one of `keys`, for a DataLoader batch.
pub async fn by_keys<E, C>(db: &impl ConnectionTrait, column: C, keys: &[i32]) -> Result<Vec<E::Model>, ApiError>
where
    E: EntityTrait,
    C: ColumnTrait,
    E::Model: ModelTrait,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(E::find().filter(any_of(db, column, keys)).all(db).await?)
}
