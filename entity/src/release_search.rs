//! A release's search terms: its text as newsroom analysed it (folded, lower-cased, stemmed in its
//! language), under each engine's own full-text index. On SQLite the row stays empty and marks the
//! release indexed: the terms live in the contentless FTS5 table. Written only by
//! `service::search`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_search")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub release_id: i32,
    pub title: String,
    /// The names of its topics and organisations (in every language they have) and its dateline
    /// city: folded, not stemmed.
    pub names: String,
    pub summary: String,
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
