//! CDN purge keys of a response (`Surrogate-Key` for Fastly and Varnish, `Cache-Tag` for
//! Cloudflare): `newsroom` (everything), each type of record the document can return (`Release`,
//! `Topic`, …), and each record the response holds by its public id (`Release:<uuid>`), as far as
//! the document selects their `id`. A response naming more than `MAX_RECORDS` records names their
//! types only: purging a type purges every response holding one of its records.
//!
//! The types come from the document and the schema, not the response: an empty list of releases
//! still changes when a release is published, so it carries `Release` too.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::LazyLock,
};

use async_graphql::{
    Value,
    parser::types::{
        BaseType, DocumentOperations, ExecutableDocument, Selection, SelectionSet, ServiceDocument, TypeKind,
        TypeSystemDefinition,
    },
};

use crate::graphql::node::{self, Kind};

/// Record keys named at most; beyond, the response names types only.
pub const MAX_RECORDS: usize = 100;

/// The key that purges everything newsroom serves.
pub const ALL: &str = "newsroom";

/// The named type each field of each object or interface type returns, from the schema's SDL.
static FIELDS: LazyLock<HashMap<(String, String), String>> = LazyLock::new(|| {
    let sdl = crate::graphql::sdl();
    let Ok(ServiceDocument { definitions }) = async_graphql::parser::parse_schema(&sdl) else {
        return HashMap::new();
    };
    let mut fields = HashMap::new();
    for definition in definitions {
        let TypeSystemDefinition::Type(definition) = definition else { continue };
        let definition = definition.node;
        let list = match definition.kind {
            TypeKind::Object(object) => object.fields,
            TypeKind::Interface(interface) => interface.fields,
            _ => continue,
        };
        for field in list {
            let mut ty = &field.node.ty.node;
            while let BaseType::List(inner) = &ty.base {
                ty = inner;
            }
            if let BaseType::Named(name) = &ty.base {
                fields.insert((definition.name.node.to_string(), field.node.name.node.to_string()), name.to_string());
            }
        }
    }
    fields
});

/// The record type a schema type is a key of.
fn record_type(name: &str) -> Option<&'static str> {
    Kind::ALL.into_iter().map(Kind::name).find(|kind| *kind == name).or(match name {
        "ReleaseRevision" => Some("Release"),
        _ => None,
    })
}

/// The record types the operation `operation_name` of `document` can return.
pub fn types(document: &ExecutableDocument, operation_name: Option<&str>) -> BTreeSet<&'static str> {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.iter().find(|(key, _)| key.as_str() == name).map(|(_, operation)| operation)
        }
        (DocumentOperations::Multiple(operations), None) => operations.values().next(),
    };
    let mut found = BTreeSet::new();
    if let Some(operation) = operation {
        let mut walk = Walk { document, found: &mut found, fragments: HashSet::new() };
        walk.selection_set("Query", &operation.node.selection_set.node);
    }
    found
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    found: &'a mut BTreeSet<&'static str>,
    /// Fragments already walked (a fragment may be spread many times, never in a loop).
    fragments: HashSet<(&'a str, String)>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, on: &str, selection_set: &'a SelectionSet) {
        for selection in &selection_set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let Some(returned) = FIELDS.get(&(on.to_owned(), field.name.node.to_string())) else { continue };
                    if let Some(kind) = record_type(returned) {
                        self.found.insert(kind);
                    }
                    self.selection_set(returned, &field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref().map_or(on, |condition| condition.node.on.node.as_str());
                    if let Some(kind) = record_type(on) {
                        self.found.insert(kind);
                    }
                    self.selection_set(on, &fragment.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(&spread.node.fragment_name.node) else { continue };
                    if !self.fragments.insert((name, on.to_owned())) {
                        continue;
                    }
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    if let Some(kind) = record_type(on) {
                        self.found.insert(kind);
                    }
                    self.selection_set(on, &fragment.node.selection_set.node);
                }
            }
        }
    }
}

/// The records `data` holds by global id, as `Kind:<public id>`, up to `MAX_RECORDS + 1`.
pub fn records(data: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, found: &mut BTreeSet<String>) {
        if found.len() > MAX_RECORDS {
            return;
        }
        match value {
            Value::Object(fields) => {
                for (name, value) in fields {
                    if name.as_str() == "id"
                        && let Value::String(id) = value
                        && let Ok((kind, uuid)) = node::decode("id", id)
                    {
                        found.insert(format!("{}:{uuid}", kind.name()));
                    } else {
                        walk(value, found);
                    }
                }
            }
            Value::List(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    walk(data, &mut found);
    found
}

/// The keys of a response: everything, its types, and its records unless there are too many.
pub fn keys(types: &BTreeSet<&'static str>, records: &BTreeSet<String>) -> Vec<String> {
    let mut keys = vec![ALL.to_owned()];
    keys.extend(types.iter().map(|kind| (*kind).to_owned()));
    if records.len() <= MAX_RECORDS {
        keys.extend(records.iter().cloned());
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_types_a_document_can_return_are_named() {
        let document = async_graphql::parser::parse_query(
            "query A { releases(first: 2) { edges { node { title ...T } } } }
             fragment T on Release { topics { slug } organisations { organisation { slug } } }
             query B { node(id: \"x\") { ... on Commission { slug } } }",
        )
        .unwrap();
        assert_eq!(types(&document, Some("A")).into_iter().collect::<Vec<_>>(), ["Organisation", "Release", "Topic"]);
        assert_eq!(types(&document, Some("B")).into_iter().collect::<Vec<_>>(), ["Commission"]);
    }

    #[test]
    fn records_are_named_by_their_public_id_and_capped() {
        let uuid = uuid::Uuid::now_v7();
        let id = node::global_id(Kind::Topic, uuid).0;
        let data = Value::from_json(serde_json::json!({ "a": [{ "id": id, "slug": "x" }], "b": { "id": "not-ours" } }))
            .unwrap();
        let found = records(&data);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), [format!("Topic:{uuid}")]);
        let many: BTreeSet<String> = (0..=MAX_RECORDS).map(|n| format!("Release:{n}")).collect();
        assert_eq!(keys(&BTreeSet::from(["Release"]), &many), ["newsroom", "Release"]);
    }
}
