//! One event on its way to one webhook: the outbox row written with the change it announces.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub webhook_id: i32,
    /// `webhook-id`: the same on every attempt, so a receiver can drop duplicates.
    pub message_id: String,
    /// e.g. `release.published`.
    pub event: String,
    pub record_type: String,
    pub record_id: Uuid,
    /// The change-log position of the change.
    pub position: i64,
    /// The body, fixed when the change committed: every attempt sends the same bytes.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending`, `delivered` or `failed` (the retries ran out, or the webhook is gone).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a server sends it; once past, another server may.
    pub leased_until: Option<DateTimeUtc>,
    pub last_status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
