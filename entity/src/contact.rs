//! A media contact: a person (or desk) that journalists can call about a release.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Phone numbers kept exactly as published (e.g. "+593 2-22-53-948/49/50"), stored as a JSON array
/// so that every database keeps the same list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Phones(pub Vec<String>);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: Uuid,
    /// The natural key imports use (unique when set), e.g. `maria-isabel-moncayo`.
    #[sea_orm(unique)]
    pub key: Option<String>,
    pub name: String,
    pub job_title: Option<String>,
    pub organisation_id: Option<i32>,
    /// The office the contact speaks for, e.g. "IOM Ecuador".
    pub office: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Json")]
    pub phones: Phones,
    pub country: Option<String>,
    /// Non-public contacts are never shown to anonymous clients.
    pub is_public: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every write; an update that names a stale one is refused (optimistic concurrency).
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}
