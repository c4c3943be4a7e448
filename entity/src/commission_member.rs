//! An organisation's seat on a commission, with its role and term.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The part a member plays on a commission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "chair")]
    Chair,
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "observer")]
    Observer,
    #[sea_orm(string_value = "technical_advisor")]
    TechnicalAdvisor,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commission_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub commission_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: i32,
    pub role: Role,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::commission::Entity",
        from = "Column::CommissionId",
        to = "super::commission::Column::Id"
    )]
    Commission,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::commission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Commission.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}
