//! What organisations, topics, commissions and releases share in content model v2: names in
//! other languages, and identifiers in other systems.

use async_graphql::{InputObject, SimpleObject};
use entity::names::Names;

use crate::service::external_id::ExternalId as Identifier;

/// A record's name in one language.
#[derive(SimpleObject)]
pub struct LocalizedName {
    /// BCP 47 language tag, e.g. `fr` or `pt-BR`.
    language: String,
    /// The name in that language.
    name: String,
}

/// A record's name in one language, as a write gives it.
#[derive(InputObject)]
pub struct LocalizedNameInput {
    /// BCP 47 language tag, e.g. `fr` or `pt-BR`; at most one name per language.
    language: String,
    /// The name in that language: not blank, at most 255 characters.
    name: String,
}

/// An identifier of a record in another system: a press-release number, a portal's report id,
/// an IATI organisation code.
#[derive(SimpleObject)]
pub struct ExternalId {
    /// The system it comes from, e.g. `iati`.
    scheme: String,
    /// The identifier, verbatim, e.g. `XM-DAC-47066`.
    value: String,
}

/// An identifier of a record in another system.
#[derive(InputObject)]
pub struct ExternalIdInput {
    /// The system it comes from: lower-case letters, digits, `_` and `-`, at most 64 characters,
    /// e.g. `iati`.
    scheme: String,
    /// The identifier, verbatim: not blank, at most 255 characters.
    value: String,
}

impl From<ExternalIdInput> for Identifier {
    fn from(input: ExternalIdInput) -> Self {
        Identifier { scheme: input.scheme, value: input.value }
    }
}

impl From<Identifier> for ExternalId {
    fn from(id: Identifier) -> Self {
        ExternalId { scheme: id.scheme, value: id.value }
    }
}

/// The input's names as (language, name) pairs, for a service patch.
pub fn pairs(names: Option<Vec<LocalizedNameInput>>) -> Option<Vec<(String, String)>> {
    names.map(|names| names.into_iter().map(|n| (n.language, n.name)).collect())
}

/// The input's identifiers, for a service patch.
pub fn identifiers(ids: Option<Vec<ExternalIdInput>>) -> Option<Vec<Identifier>> {
    ids.map(|ids| ids.into_iter().map(Into::into).collect())
}

/// Every name in other languages, by language.
pub fn list(names: &Names) -> Vec<LocalizedName> {
    names.0.iter().map(|(language, name)| LocalizedName { language: language.clone(), name: name.clone() }).collect()
}

/// The name in `language`, falling back to `default` (see `Names::in_language`).
pub fn in_language<'a>(names: &'a Names, default: &'a str, language: Option<&str>) -> &'a str {
    names.in_language(default, language)
}
