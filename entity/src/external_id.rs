//! An identifier of a record in another system: a press-release number, a portal's report id, an
//! IATI organisation code. One table for every kind of record (`entity_type`), unique per kind,
//! scheme and value.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "external_id")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The kind of record, as the audit log names it: `Organisation`, `Release`.
    pub entity_type: String,
    /// The record's internal key.
    pub entity_id: i32,
    /// The system the identifier comes from, e.g. `iati`.
    pub scheme: String,
    /// The identifier, verbatim.
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
