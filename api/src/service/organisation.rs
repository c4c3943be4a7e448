//! Organisations, their departments and their seats on commissions.

pub mod write;

use entity::{commission_member, organisation};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    Select,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use super::{NameOrder, Page, Ref};
use crate::error::ApiError;

/// Which organisations a list returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kind: Option<organisation::Kind>,
    pub country: Option<String>,
    /// Departments of this organisation.
    pub parent: Option<Ref>,
    pub name_contains: Option<String>,
}

/// An organisation's columns under fixed aliases, for statements that join it beside another
/// record: sea-orm's own prefixes build every column name with `format!` for every row, which cost
/// a tenth of a nested request.
const JOINED: [(organisation::Column, &str); 14] = [
    (organisation::Column::Id, "org_id"),
    (organisation::Column::PublicId, "org_public_id"),
    (organisation::Column::Slug, "org_slug"),
    (organisation::Column::Name, "org_name"),
    (organisation::Column::Acronym, "org_acronym"),
    (organisation::Column::Kind, "org_kind"),
    (organisation::Column::Country, "org_country"),
    (organisation::Column::ParentId, "org_parent_id"),
    (organisation::Column::Website, "org_website"),
    (organisation::Column::Description, "org_description"),
    (organisation::Column::CreatedAt, "org_created_at"),
    (organisation::Column::UpdatedAt, "org_updated_at"),
    (organisation::Column::Version, "org_version"),
    (organisation::Column::Names, "org_names"),
];

/// Adds the joined organisation's columns to `select` under `JOINED`'s aliases.
pub fn select_joined<E: EntityTrait>(mut select: Select<E>) -> Select<E> {
    for (column, alias) in JOINED {
        select = select.column_as(column, alias);
    }
    select
}

/// Reads the organisation `select_joined` added to `row`; `None` when the outer join found none.
pub fn joined(row: &QueryResult) -> Result<Option<organisation::Model>, DbErr> {
    let Some(id) = row.try_get::<Option<i32>>("", "org_id")? else { return Ok(None) };
    Ok(Some(organisation::Model {
        id,
        public_id: row.try_get("", "org_public_id")?,
        slug: row.try_get("", "org_slug")?,
        name: row.try_get("", "org_name")?,
        acronym: row.try_get("", "org_acronym")?,
        kind: row.try_get("", "org_kind")?,
        country: row.try_get("", "org_country")?,
        parent_id: row.try_get("", "org_parent_id")?,
        website: row.try_get("", "org_website")?,
        description: row.try_get("", "org_description")?,
        created_at: row.try_get("", "org_created_at")?,
        updated_at: row.try_get("", "org_updated_at")?,
        version: row.try_get("", "org_version")?,
        names: row.try_get("", "org_names")?,
    }))
}

/// The organisation `public_id`.
pub async fn get(db: &impl ConnectionTrait, public_id: Uuid) -> Result<organisation::Model, ApiError> {
    let select = organisation::Entity::find().filter(organisation::Column::PublicId.eq(public_id));
    super::one(db, select, "Organisation", public_id).await
}

/// The organisation with `slug`.
pub async fn get_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<organisation::Model, ApiError> {
    super::one(db, organisation::Entity::find().filter(organisation::Column::Slug.eq(slug)), "Organisation", slug).await
}

/// The organisation holding the external identifier `id`.
pub async fn get_by_external_id(
    db: &impl ConnectionTrait,
    id: &super::external_id::ExternalId,
) -> Result<organisation::Model, ApiError> {
    let not_found = || ApiError::NotFound { entity: "Organisation", key: id.to_string() };
    let owner = super::external_id::find(db, super::external_id::ORGANISATION, id).await?.ok_or_else(not_found)?;
    organisation::Entity::find_by_id(owner).one(db).await?.ok_or_else(not_found)
}

/// Organisations by internal key, for a loader batch.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<organisation::Model>, ApiError> {
    super::by_keys::<organisation::Entity, _>(db, organisation::Column::Id, ids).await
}

/// The departments of each organisation in `parent_ids`, by name.
pub async fn children_of(db: &impl ConnectionTrait, parent_ids: &[i32]) -> Result<Vec<organisation::Model>, ApiError> {
    if parent_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(organisation::Entity::find()
        .filter(super::any_of(db, organisation::Column::ParentId, parent_ids))
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?)
}

/// The commission seats of each organisation in `organisation_ids`.
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    organisation_ids: &[i32],
) -> Result<Vec<commission_member::Model>, ApiError> {
    if organisation_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(commission_member::Entity::find()
        .filter(super::any_of(db, commission_member::Column::OrganisationId, organisation_ids))
        .order_by_asc(commission_member::Column::OrganisationId)
        .order_by_asc(commission_member::Column::CommissionId)
        .all(db)
        .await?)
}

/// One page of the organisations matching `filter`, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    order: NameOrder,
    page: Page,
) -> Result<Vec<organisation::Model>, ApiError> {
    let columns = [
        organisation::Column::Name,
        organisation::Column::CreatedAt,
        organisation::Column::UpdatedAt,
        organisation::Column::Id,
    ];
    let select = super::sorted(filtered(filter), order, columns);
    super::page(db, select, page).await
}

/// How many organisations match `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(filter)).await
}

/// `SELECT id FROM organisation WHERE …`: the internal key of the referenced organisation.
pub fn id_subquery(reference: &Ref) -> SelectStatement {
    let mut query = Query::select();
    query.column(organisation::Column::Id).from(organisation::Entity);
    match reference {
        Ref::Id(id) => query.and_where(Expr::col(organisation::Column::Id).eq(*id)),
        Ref::Slug(slug) => query.and_where(Expr::col(organisation::Column::Slug).eq(slug.as_str())),
    };
    query.to_owned()
}

fn filtered(filter: &Filter) -> Select<organisation::Entity> {
    let mut condition = Condition::all();
    if let Some(kind) = filter.kind {
        condition = condition.add(organisation::Column::Kind.eq(kind));
    }
    if let Some(country) = &filter.country {
        condition = condition.add(organisation::Column::Country.eq(country.as_str()));
    }
    if let Some(parent) = &filter.parent {
        condition = condition.add(organisation::Column::ParentId.in_subquery(id_subquery(parent)));
    }
    if let Some(needle) = &filter.name_contains {
        condition = condition.add(
            Condition::any()
                .add(super::contains(organisation::Column::Name, needle))
                .add(super::contains(organisation::Column::Acronym, needle)),
        );
    }
    organisation::Entity::find().filter(condition)
}
