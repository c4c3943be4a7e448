//! A commission: an inter-institutional body with a mandate, a head organisation and members.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether a commission still sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "dissolved")]
    Dissolved,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commission")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub mandate: String,
    pub country: Option<String>,
    pub established_on: Option<Date>,
    /// The instrument that created it, e.g. "Executive Decree".
    pub legal_basis: Option<String>,
    pub head_organisation_id: Option<i32>,
    pub status: Status,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every write; an update that names a stale one is refused (optimistic concurrency).
    pub version: i32,
    /// Its name in other languages, by BCP 47 tag.
    #[sea_orm(column_type = "Json")]
    pub names: super::names::Names,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::HeadOrganisationId",
        to = "super::organisation::Column::Id"
    )]
    HeadOrganisation,
    #[sea_orm(has_many = "super::commission_member::Entity")]
    Member,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HeadOrganisation.def()
    }
}

impl Related<super::commission_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
