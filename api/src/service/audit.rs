//! Reading the audit log (writes record their events themselves, see `write::audit`).

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use super::Page;
use crate::error::ApiError;

/// Which events a list returns. Every field narrows; `None` means "any".
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub entity_type: Option<Text>,
    pub entity_id: Option<Uuid>,
    pub actor: Option<String>,
    pub operation: Option<Text>,
    pub after: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

/// What a text column of the log must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// Exactly this value.
    Is(String),
    /// None of these values: a reader that knows only these asks for the ones it does not know.
    NoneOf(Vec<String>),
}

impl Text {
    fn condition(&self, column: audit_event::Column) -> sea_orm::sea_query::Expr {
        match self {
            Text::Is(value) => column.eq(value.as_str()),
            Text::NoneOf(values) => column.is_not_in(values.iter().map(String::as_str)),
        }
    }
}

fn filtered(filter: &Filter) -> Select<audit_event::Entity> {
    let mut condition = Condition::all();
    if let Some(entity_type) = &filter.entity_type {
        condition = condition.add(entity_type.condition(audit_event::Column::EntityType));
    }
    if let Some(entity_id) = filter.entity_id {
        condition = condition.add(audit_event::Column::EntityId.eq(entity_id));
    }
    if let Some(actor) = &filter.actor {
        condition = condition.add(audit_event::Column::Actor.eq(actor.as_str()));
    }
    if let Some(operation) = &filter.operation {
        condition = condition.add(operation.condition(audit_event::Column::Operation));
    }
    if let Some(after) = filter.after {
        condition = condition.add(audit_event::Column::OccurredAt.gte(after));
    }
    if let Some(before) = filter.before {
        condition = condition.add(audit_event::Column::OccurredAt.lt(before));
    }
    audit_event::Entity::find().filter(condition)
}

/// One page of the events matching `filter`, newest first.
pub async fn list(db: &impl ConnectionTrait, filter: &Filter, page: Page) -> Result<Vec<audit_event::Model>, ApiError> {
    let select = filtered(filter).order_by_desc(audit_event::Column::Id);
    super::page(db, select, page).await
}

/// How many events match `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(filter)).await
}
