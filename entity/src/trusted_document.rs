//! A GraphQL document a frontend ships, registered from its persisted-query manifest: clients
//! send its id instead of its text.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trusted_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// What clients send as `documentId`: `sha256:<hex>`, or a manifest's own id.
    pub document_id: String,
    /// SHA-256 of `body`, lower-case hex.
    pub sha256: String,
    /// The document's text, as the manifest gives it.
    pub body: String,
    pub operation_name: Option<String>,
    /// The manifest (or client) it came from.
    pub client: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
