//! Writes many rows at once, for the demo content and the synthetic seed: in batches that stay
//! under every engine's limit on bound parameters.

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Insert, Iterable};

use crate::error::ApiError;

/// Bound parameters per INSERT: under SQLite's limit of 32,766 (and PostgreSQL's 65,535).
const PARAMETERS: usize = 30_000;

/// Inserts `rows` in batches.
pub async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), ApiError>
where
    A: ActiveModelTrait,
{
    // As many rows per statement as the parameter limit allows: 2,000 releases, 15,000 links.
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let batch_size = PARAMETERS / columns;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(batch_size).collect();
        Insert::many(batch).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Inserts one row and returns its new internal key.
pub async fn insert_one<A>(db: &impl ConnectionTrait, row: A) -> Result<i32, ApiError>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = i32>,
{
    let result = <A::Entity as EntityTrait>::insert(row).exec(db).await?;
    Ok(result.last_insert_id)
}
