//! Commissions and their members.

pub mod write;

use entity::{commission, commission_member, organisation};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Select,
};
use uuid::Uuid;

use super::{NameOrder, Page, Ref};
use crate::error::ApiError;

/// Which commissions a list returns.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub country: Option<String>,
    pub status: Option<commission::Status>,
    /// Commissions this organisation sits on (or heads).
    pub organisation: Option<Ref>,
    pub name_contains: Option<String>,
}

/// The commission `public_id`.
pub async fn get(db: &impl ConnectionTrait, public_id: Uuid) -> Result<commission::Model, ApiError> {
    super::one(
        db,
        commission::Entity::find().filter(commission::Column::PublicId.eq(public_id)),
        "Commission",
        public_id,
    )
    .await
}

/// The commission with `slug`.
pub async fn get_by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<commission::Model, ApiError> {
    super::one(db, commission::Entity::find().filter(commission::Column::Slug.eq(slug)), "Commission", slug).await
}

/// Commissions by internal key, for a loader batch.
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<commission::Model>, ApiError> {
    super::by_keys::<commission::Entity, _>(db, commission::Column::Id, ids).await
}

/// One page of the commissions matching `filter`, by name.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    order: NameOrder,
    page: Page,
) -> Result<Vec<commission::Model>, ApiError> {
    let columns = [
        commission::Column::Name,
        commission::Column::CreatedAt,
        commission::Column::UpdatedAt,
        commission::Column::Id,
    ];
    let select = super::sorted(filtered(filter), order, columns);
    super::page(db, select, page).await
}

/// How many commissions match `filter`.
pub async fn count(db: &impl ConnectionTrait, filter: &Filter) -> Result<u64, ApiError> {
    super::count(db, filtered(filter)).await
}

fn filtered(filter: &Filter) -> Select<commission::Entity> {
    let mut condition = Condition::all();
    if let Some(country) = &filter.country {
        condition = condition.add(commission::Column::Country.eq(country.as_str()));
    }
    if let Some(status) = filter.status {
        condition = condition.add(commission::Column::Status.eq(status));
    }
    if let Some(needle) = &filter.name_contains {
        condition = condition.add(super::contains(commission::Column::Name, needle));
    }
    if let Some(organisation) = &filter.organisation {
        let organisation_id = super::organisation::id_subquery(organisation);
        let members = sea_orm::sea_query::Query::select()
            .column(commission_member::Column::CommissionId)
            .from(commission_member::Entity)
            .and_where(commission_member::Column::OrganisationId.in_subquery(organisation_id.clone()))
            .to_owned();
        condition = condition.add(
            Condition::any()
                .add(commission::Column::Id.in_subquery(members))
                .add(commission::Column::HeadOrganisationId.in_subquery(organisation_id)),
        );
    }
    commission::Entity::find().filter(condition)
}

/// The members of each commission in `commission_ids`, each with its organisation (joined), in
/// key order.
pub async fn members_of(
    db: &impl ConnectionTrait,
    commission_ids: &[i32],
) -> Result<Vec<(commission_member::Model, organisation::Model)>, ApiError> {
    if commission_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Seat and organisation columns share no name, so both decode without a prefix: sea-orm
    // builds every prefixed column name with `format!`, which was a tenth of a nested request.
    let query = commission_member::Entity::find()
        .select_only()
        .columns(commission_member::Column::iter())
        .columns(organisation::Column::iter())
        .join(JoinType::InnerJoin, commission_member::Relation::Organisation.def())
        .filter(super::any_of(db, commission_member::Column::CommissionId, commission_ids))
        .order_by_asc(commission_member::Column::CommissionId)
        .order_by_asc(commission_member::Column::OrganisationId)
        .into_query();
    let rows = db.query_all_raw(db.get_database_backend().build(&query)).await?;
    rows.iter()
        .map(|row| {
            let seat = commission_member::Model::from_query_result(row, "")?;
            Ok((seat, organisation::Model::from_query_result(row, "")?))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(ApiError::from)
}
