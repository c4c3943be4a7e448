//! Media contacts.

pub mod write;

use entity::contact;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::{NameOrder, Page, Ref};
use crate::{auth::Access, error::ApiError};

/// Which contacts a list returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub organisation: Option<Ref>,
    pub country: Option<String>,
    pub name_contains: Option<String>,
}

/// The contact `public_id`, if `access` may see it.
pub async fn get(db: &impl ConnectionTrait, access: &Access, public_id: Uuid) -> Result<contact::Model, ApiError> {
    let select =
        contact::Entity::find().filter(contact::Column::PublicId.eq(public_id)).filter(access.contact_condition());
    super::one(db, select, "Contact", public_id).await
}

/// One page of the contacts `access` may see that match `filter`, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
    order: NameOrder,
    page: Page,
) -> Result<Vec<contact::Model>, ApiError> {
    let columns = [contact::Column::Name, contact::Column::CreatedAt, contact::Column::UpdatedAt, contact::Column::Id];
    let select = super::sorted(filtered(access, filter), order, columns);
    super::page(db, select, page).await
}

/// How many contacts `list` would return without paging.
pub async fn count(db: &impl ConnectionTrait, access: &Access, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(access, filter)).await
}

fn filtered(access: &Access, filter: &Filter) -> Select<contact::Entity> {
    let mut condition = Condition::all().add(access.contact_condition());
    if let Some(organisation) = &filter.organisation {
        let ids = super::organisation::id_subquery(organisation);
        condition = condition.add(contact::Column::OrganisationId.in_subquery(ids));
    }
    if let Some(country) = &filter.country {
        condition = condition.add(contact::Column::Country.eq(country.as_str()));
    }
    if let Some(needle) = &filter.name_contains {
        condition = condition.add(super::contains(contact::Column::Name, needle));
    }
    contact::Entity::find().filter(condition)
}
