//! A topic a release is filed under, e.g. counter-trafficking.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every write; an update that names a stale one is refused (optimistic concurrency).
    pub version: i32,
    /// Its name in other languages, by BCP 47 tag.
    #[sea_orm(column_type = "Json")]
    pub names: super::names::Names,
    /// The vocabulary it belongs to, e.g. `theme` or `disaster_type`.
    pub scheme: Option<String>,
    /// The broader topic it sits under, in its vocabulary.
    pub parent_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
