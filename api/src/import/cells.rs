//! The CSV cell syntax, both ways: what a cell of a column reads as (import) and what a record's
//! field writes as (export), so the two cannot drift apart. Documented in the README:
//! - a list is `|`-separated: `health|counter-trafficking`;
//! - a release's organisations are `slug:role`, a commission's members `slug:role:since:until`
//!   (dates may be empty);
//! - names in other languages are `language=name` pairs, `fr=Nom|es=Nombre`, and external
//!   identifiers `scheme=value` pairs, `iati=XM-DAC-47066|press=PR-12`; a name or value holding
//!   `=` or `|` cannot be written as a cell;
//! - an empty cell is "none" (null, or the field's default);
//! - `public` is `true` or `false`;
//! - a release's attachments are one JSON array (their URLs hold every separator a cell syntax
//!   could split on).

use serde_json::{Map, Value};

use super::record::Kind;

/// The columns of a type's CSV file, in the order export writes them: every field of its record.
pub fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Organisation => &[
            "id",
            "slug",
            "name",
            "acronym",
            "kind",
            "country",
            "parent",
            "website",
            "description",
            "names",
            "external_ids",
        ],
        Kind::Topic => &["id", "slug", "name", "names", "scheme", "parent"],
        Kind::Contact => {
            &["id", "key", "name", "job_title", "organisation", "office", "email", "phones", "country", "public"]
        }
        Kind::Commission => &[
            "id",
            "slug",
            "name",
            "mandate",
            "country",
            "established_on",
            "legal_basis",
            "head_organisation",
            "status",
            "members",
            "names",
        ],
        Kind::Release => &[
            "id",
            "language",
            "slug",
            "title",
            "summary",
            "body",
            "body_format",
            "dateline_city",
            "dateline_country",
            "status",
            "published_at",
            "topics",
            "commissions",
            "organisations",
            "contacts",
            "translations",
            "canonical_url",
            "revised_at",
            "countries",
            "attachments",
            // Content model v2 (names-ids).
            "external_ids",
        ],
    }
}

/// The parts of a structured list item, in cell order.
fn parts_of(kind: Kind, column: &str) -> Option<&'static [&'static str]> {
    match (kind, column) {
        (Kind::Release, "organisations") => Some(&["organisation", "role"]),
        (Kind::Commission, "members") => Some(&["organisation", "role", "since", "until"]),
        _ => None,
    }
}

fn is_list(kind: Kind, column: &str) -> bool {
    matches!(
        (kind, column),
        (Kind::Contact, "phones")
            | (Kind::Release, "topics" | "commissions" | "contacts" | "translations" | "countries")
    ) || parts_of(kind, column).is_some()
}

/// Columns whose cell is JSON text.
fn is_json(kind: Kind, column: &str) -> bool {
    matches!((kind, column), (Kind::Release, "attachments"))
}

/// What the cell `text` of `column` reads as.
pub fn parse(kind: Kind, column: &str, text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    if is_json(kind, column) {
        // Text that is not JSON stays text, for the record's check to refuse by name.
        return serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    }
    if let Some(value) = parse_pairs(column, text) {
        return value;
    }
    if let Some(names) = parts_of(kind, column) {
        let item = |item: &str| {
            let mut object = Map::new();
            for (name, part) in names.iter().zip(item.split(':').chain(std::iter::repeat(""))) {
                if !part.is_empty() {
                    object.insert((*name).to_owned(), Value::String(part.to_owned()));
                }
            }
            Value::Object(object)
        };
        return Value::Array(text.split('|').map(item).collect());
    }
    if is_list(kind, column) {
        return Value::Array(text.split('|').map(|item| Value::String(item.to_owned())).collect());
    }
    match (kind, column, text) {
        (Kind::Contact, "public", "true") => Value::Bool(true),
        (Kind::Contact, "public", "false") => Value::Bool(false),
        _ => Value::String(text.to_owned()),
    }
}

/// Why a field cannot be written as a cell that reads back the same.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` cannot be written in a CSV cell: it contains `{separator}`, which the cell syntax splits on")]
pub struct Unrepresentable {
    pub value: String,
    pub separator: char,
}

/// What `value`, the field `column` of a record, writes as.
pub fn format(kind: Kind, column: &str, value: &Value) -> Result<String, Unrepresentable> {
    let plain = |value: &Value, separators: &[char]| -> Result<String, Unrepresentable> {
        let text = match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match separators.iter().find(|separator| text.contains(**separator)) {
            Some(separator) => Err(Unrepresentable { value: text, separator: *separator }),
            None => Ok(text),
        }
    };
    if is_json(kind, column) {
        return Ok(match value {
            Value::Array(items) if items.is_empty() => String::new(),
            Value::Null => String::new(),
            other => other.to_string(),
        });
    }
    if let Some(cell) = format_pairs(column, value) {
        return cell;
    }
    let Value::Array(items) = value else {
        return plain(value, &[]);
    };
    let mut cells = Vec::with_capacity(items.len());
    for item in items {
        let cell = match (parts_of(kind, column), item) {
            (Some(names), Value::Object(fields)) => {
                let parts = names
                    .iter()
                    .map(|name| plain(fields.get(*name).unwrap_or(&Value::Null), &['|', ':']))
                    .collect::<Result<Vec<_>, _>>()?;
                let used = parts.iter().rposition(|part| !part.is_empty()).map_or(0, |last| last + 1);
                parts[..used.max(2).min(parts.len())].join(":")
            }
            _ => plain(item, &['|'])?,
        };
        // An empty item would read back as none.
        if cell.is_empty() {
            return Err(Unrepresentable { value: String::new(), separator: '|' });
        }
        cells.push(cell);
    }
    Ok(cells.join("|"))
}

/// Columns of `key=value` pairs: names by language (an object), external identifiers (a list of
/// `{scheme, value}`). Either way split on the first `=`: neither a language tag nor a scheme
/// holds one.
fn parse_pairs(column: &str, text: &str) -> Option<Value> {
    let pairs = || text.split('|').map(|item| item.split_once('=').unwrap_or((item, "")));
    match column {
        "names" => Some(Value::Object(
            pairs().map(|(language, name)| (language.to_owned(), Value::String(name.to_owned()))).collect(),
        )),
        "external_ids" => Some(Value::Array(
            pairs()
                .map(|(scheme, value)| {
                    let mut id = Map::new();
                    id.insert("scheme".into(), Value::String(scheme.to_owned()));
                    id.insert("value".into(), Value::String(value.to_owned()));
                    Value::Object(id)
                })
                .collect(),
        )),
        _ => None,
    }
}

/// The cell of a `key=value` column (see `parse_pairs`); `None` for other columns.
fn format_pairs(column: &str, value: &Value) -> Option<Result<String, Unrepresentable>> {
    let pairs: Vec<(String, String)> = match (column, value) {
        ("names", Value::Object(names)) => names
            .iter()
            .map(|(language, name)| (language.clone(), name.as_str().unwrap_or_default().to_owned()))
            .collect(),
        ("external_ids", Value::Array(ids)) => ids
            .iter()
            .map(|id| {
                let part = |name: &str| id.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
                (part("scheme"), part("value"))
            })
            .collect(),
        _ => return None,
    };
    let mut cells = Vec::with_capacity(pairs.len());
    for (key, text) in pairs {
        if let Some(separator) = ['|', '='].into_iter().find(|separator| text.contains(*separator)) {
            return Some(Err(Unrepresentable { value: text, separator }));
        }
        cells.push(format!("{key}={text}"));
    }
    Some(Ok(cells.join("|")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::import::record::Record;

    fn samples() -> Vec<Record> {
        [
            json!({"type": "organisation", "slug": "iom", "name": "IOM", "kind": "un_agency", "parent": "un",
                "names": {"es": "OIM", "fr": "OIM (fr)"},
                "external_ids": [{"scheme": "iati", "value": "XM-DAC-47066"}, {"scheme": "press", "value": "a:b"}]}),
            json!({"type": "topic", "slug": "health", "name": "Health", "names": {"fr": "Santé"},
                "scheme": "theme", "parent": "wellbeing"}),
            json!({"type": "contact", "key": "mi", "name": "M. I.", "phones": ["+593 2-22-53-948/49/50", "+1"], "public": false}),
            json!({"type": "commission", "slug": "c", "name": "C", "mandate": "M", "members": [
                {"organisation": "iom", "role": "member", "since": "2004-01-02"},
                {"organisation": "ilo", "role": "chair", "until": "2009-12-31"},
                {"organisation": "un", "role": "observer"}]}),
            json!({"type": "release", "language": "en", "slug": "r", "title": "T", "body": "a\nb, \"c\"",
                "status": "published", "published_at": "2005-02-14T15:00:00Z", "topics": ["health", "x"],
                "organisations": [{"organisation": "iom", "role": "partner"}], "contacts": ["mi"],
                "translations": ["es/r"], "external_ids": [{"scheme": "pr", "value": "2005-14"}]}),
        ]
        .into_iter()
        .map(|value| serde_json::from_value(value).unwrap())
        .collect()
    }

    #[test]
    fn columns_are_every_field_of_the_record() {
        for record in samples() {
            let Value::Object(fields) = serde_json::to_value(&record).unwrap() else { panic!() };
            let mut written: Vec<&str> = fields.keys().map(String::as_str).filter(|key| *key != "type").collect();
            let mut listed = columns(record.kind()).to_vec();
            written.sort();
            listed.sort();
            assert_eq!(written, listed, "{:?}", record.kind());
        }
    }

    #[test]
    fn a_record_written_as_cells_reads_back_the_same() {
        for record in samples() {
            let kind = record.kind();
            let Value::Object(fields) = serde_json::to_value(&record).unwrap() else { panic!() };
            let mut read = Map::new();
            read.insert("type".into(), Value::String(kind.name().into()));
            for column in columns(kind) {
                let cell = format(kind, column, &fields[*column]).unwrap();
                let value = parse(kind, column, &cell);
                if !value.is_null() {
                    read.insert((*column).to_owned(), value);
                }
            }
            assert_eq!(serde_json::from_value::<Record>(Value::Object(read)).unwrap(), record);
        }
    }

    #[test]
    fn a_separator_inside_an_item_is_refused_not_mangled() {
        let error = format(Kind::Contact, "phones", &json!(["+1 555|556"])).unwrap_err();
        assert_eq!(error.separator, '|');
        assert!(format(Kind::Contact, "phones", &json!([""])).is_err());
        assert_eq!(format(Kind::Contact, "name", &json!("a|b:c")).unwrap(), "a|b:c");
        for text in ["a=b", "a|b"] {
            assert!(format(Kind::Topic, "names", &json!({ "fr": text })).is_err(), "{text}");
            assert!(format(Kind::Release, "external_ids", &json!([{ "scheme": "x", "value": text }])).is_err());
        }
    }
}
