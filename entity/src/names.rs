//! Names in other languages than a record's default one.

use std::collections::BTreeMap;

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A record's name in each language it has one in, by BCP 47 tag, stored as a JSON object; kept
/// sorted by tag so that every engine and every export writes it the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Names(pub BTreeMap<String, String>);

impl Names {
    /// The name in `language`, if the record has one in it.
    pub fn get(&self, language: &str) -> Option<&str> {
        self.0.get(language).map(String::as_str)
    }

    /// The name in `language`: the exact tag's (in any case), else its primary language's (`fr`
    /// for `fr-CA`), else `default` (the record's own name).
    pub fn in_language<'a>(&'a self, default: &'a str, language: Option<&str>) -> &'a str {
        let Some(language) = language else { return default };
        let primary = language.split('-').next().unwrap_or_default();
        let named = |wanted: &str| self.0.iter().find(|(tag, _)| tag.eq_ignore_ascii_case(wanted));
        named(language).or_else(|| named(primary)).map_or(default, |(_, name)| name.as_str())
    }
}
