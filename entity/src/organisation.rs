//! An organisation: a ministry, an NGO, a UN agency, or a department inside one of them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of body an organisation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[sea_orm(string_value = "government")]
    Government,
    #[sea_orm(string_value = "civil_society")]
    CivilSociety,
    #[sea_orm(string_value = "international")]
    International,
    #[sea_orm(string_value = "un_agency")]
    UnAgency,
    #[sea_orm(string_value = "donor")]
    Donor,
    #[sea_orm(string_value = "academic")]
    Academic,
    #[sea_orm(string_value = "private_sector")]
    PrivateSector,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub public_id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: Kind,
    /// ISO 3166-1 alpha-2; none for international bodies.
    pub country: Option<String>,
    pub parent_id: Option<i32>,
    pub website: Option<String>,
    pub description: Option<String>,
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
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
