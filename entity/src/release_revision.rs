//! One version of a release, content and relations, as it stood after a write.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub release_id: i32,
    /// The release's `version` this revision records; (release_id, version) is unique.
    pub version: i32,
    /// The release's fields and relations (by public id), as JSON.
    #[sea_orm(column_type = "Json")]
    pub snapshot: Json,
    /// The token subject of the writer.
    pub actor: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::release::Entity", from = "Column::ReleaseId", to = "super::release::Column::Id")]
    Release,
}

impl Related<super::release::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Release.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
