//! One committed change to a record, at its position in the change log (`id`, in commit order:
//! see migration `m20261201_000011_change_log`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `Release`, `Topic`, `Organisation`, `Commission` or `Contact`.
    pub entity_type: String,
    /// The record's public id.
    pub record_id: Uuid,
    /// Its natural key (`en/slug` for a release), as it was at the change.
    pub record_key: Option<String>,
    /// What the change was, as an editor sees it: `created`, `updated`, `published`,
    /// `unpublished`, `archived` or `deleted`.
    pub change: String,
    /// A release's status after the change (none for other types, and once deleted).
    pub status: Option<String>,
    /// Whether an anonymous reader saw the record before the change, and sees it after.
    pub public_before: bool,
    pub public_after: bool,
    pub at: DateTimeUtc,
    /// The record's facets after the change, `|language:en|topic:health|country:EC|`.
    #[sea_orm(column_type = "Text")]
    pub facets: String,
    /// The facets before and after together: what filters match, so that a record leaving a
    /// facet is still seen by the partners following it.
    #[sea_orm(column_type = "Text")]
    pub matched: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
