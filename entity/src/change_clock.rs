//! One row (`id` 1): how far the change log has caught up with scheduled releases coming due, and
//! the newest position its retention has purged.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_clock")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Releases due up to this instant have been logged as published.
    pub scheduled_through: Option<DateTimeUtc>,
    /// Positions up to this one may have been purged: a cursor before it has expired.
    pub purged_through: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
