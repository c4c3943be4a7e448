//! One write, as the audit log keeps it: who, when, what, and the changed fields before and after.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub occurred_at: DateTimeUtc,
    /// The token subject of the writer.
    pub actor: String,
    /// The writer's roles, comma-separated.
    pub actor_roles: String,
    /// `Release`, `Commission`, `Organisation`, `Contact` or `Topic`.
    pub entity_type: String,
    /// The public id of the record written.
    pub entity_id: Uuid,
    /// `create`, `update`, `delete`, `publish`, …
    pub operation: String,
    /// `{ field: { "before": …, "after": … } }` for every field the write changed.
    #[sea_orm(column_type = "Json")]
    pub changes: Json,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
