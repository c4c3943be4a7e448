//! Checking one record on its own: its type, the shape of its fields (serde, with the path of
//! the field at fault), and each field's value (the same rules as the GraphQL mutations). The
//! record comes back normalised: upper-case countries, canonical language tags.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    Failure,
    record::{Kind, Record},
};
use crate::{
    error::FieldErrors,
    service::{self, write::ContentLimits},
    validate,
};

/// A failure of the field `field` of the record being checked.
fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Failure {
    Failure { field: Some(field.into()), ..Failure::file(code, message.into()) }
}

/// The code of a serde error, from its wording (serde's messages are stable).
fn shape_code(message: &str) -> &'static str {
    if message.starts_with("unknown field") {
        "UNKNOWN_FIELD"
    } else if message.starts_with("missing field") {
        "MISSING_FIELD"
    } else if message.starts_with("invalid type") {
        "WRONG_TYPE"
    } else {
        "INVALID_VALUE"
    }
}

/// The record `value` holds as `T`, or the one shape failure serde found (in a `Vec`, as every
/// check reports).
fn shape<T: DeserializeOwned>(value: Value) -> Result<T, Vec<Failure>> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        // A missing field is reported at the field itself, not at its parent.
        let path = match (message.strip_prefix("missing field `"), path.as_str()) {
            (Some(rest), parent) => {
                let name = rest.split('`').next().unwrap_or_default();
                if parent == "." { name.to_owned() } else { format!("{parent}.{name}") }
            }
            (None, ".") => String::new(),
            (None, _) => path,
        };
        vec![Failure { field: (!path.is_empty()).then_some(path), ..field("", shape_code(&message), message) }]
    })
}

/// The record `value` holds, checked and normalised; or every problem found with it.
pub fn record(value: Value, limits: &ContentLimits) -> Result<Record, Vec<Failure>> {
    let Value::Object(mut object) = value else {
        return Err(vec![Failure::file("WRONG_TYPE", "a record is a JSON object".into())]);
    };
    let kind = match object.remove("type") {
        Some(Value::String(name)) => match super::record::Kind::ALL.into_iter().find(|kind| kind.name() == name) {
            Some(kind) => kind,
            None => {
                let message = format!("unknown type `{name}`: use organisation, topic, contact, commission or release");
                return Err(vec![field("type", "UNKNOWN_TYPE", message)]);
            }
        },
        Some(_) => return Err(vec![field("type", "WRONG_TYPE", "`type` is a string")]),
        None => return Err(vec![field("type", "MISSING_FIELD", "every record needs a `type`")]),
    };
    let value = Value::Object(object);
    let mut record = match kind {
        Kind::Organisation => shape(value).map(Record::Organisation),
        Kind::Topic => shape(value).map(Record::Topic),
        Kind::Contact => shape(value).map(Record::Contact),
        Kind::Commission => shape(value).map(Record::Commission),
        Kind::Release => shape(value).map(Record::Release),
    }
    .map_err(|failures| {
        failures.into_iter().map(|failure| Failure { kind: Some(kind), ..failure }).collect::<Vec<_>>()
    })?;
    let mut failures = Vec::new();
    values(&mut record, limits, &mut failures);
    if failures.is_empty() {
        Ok(record)
    } else {
        let key = record.key();
        Err(failures
            .into_iter()
            .map(|failure| Failure { kind: Some(kind), key: Some(key.clone()), ..failure })
            .collect())
    }
}

/// Checks every field's value with the rules the mutations use (each type's `rules` in
/// `service`, given the record as a patch, names and identifiers left to `content_model_v2`), plus what only a file can get wrong: the syntax of
/// references by natural key. Normalises countries to upper case, as the writes store them.
fn values(record: &mut Record, limits: &ContentLimits, failures: &mut Vec<Failure>) {
    content_model_v2(record, failures);
    let mut errors = FieldErrors::default();
    match record {
        Record::Organisation(o) => {
            service::organisation::write::rules(&without_v2(o.patch()), true, &mut errors);
            errors.check("parent", optional(&o.parent, &validate::organisation_reference));
            normalise(&mut o.country);
        }
        Record::Topic(t) => {
            service::topic::rules(&service::topic::Patch { names: None, ..t.patch() }, true, &mut errors);
            errors.check("parent", optional(&t.parent, &validate::slug));
            if t.parent.as_ref() == Some(&t.slug) {
                errors.add("parent", "a topic is not its own parent");
            }
        }
        Record::Contact(c) => {
            service::contact::write::rules(&c.patch(), true, &mut errors);
            // A contact is matched by its key, or its email when it has none.
            if c.key.is_none() && c.email.is_none() {
                errors.add("key", "a contact needs a `key` or an `email` to be imported by");
            }
            errors.check("organisation", optional(&c.organisation, &validate::organisation_reference));
            normalise(&mut c.country);
        }
        Record::Commission(c) => {
            service::commission::write::rules(
                &service::commission::write::Patch { names: None, ..c.patch() },
                true,
                &mut errors,
            );
            errors.check("headOrganisation", optional(&c.head_organisation, &validate::organisation_reference));
            for (index, member) in c.members.iter().enumerate() {
                errors.check(
                    format!("members[{index}].organisation"),
                    validate::organisation_reference(&member.organisation),
                );
            }
            normalise(&mut c.country);
        }
        Record::Release(r) => {
            service::release::write::rules(
                &service::release::write::Patch { external_ids: None, ..r.patch() },
                true,
                limits,
                &mut errors,
            );
            use entity::release::Status;
            if matches!(r.status, Status::Published | Status::Scheduled) && r.published_at.is_none() {
                errors.add("publishedAt", "a published or scheduled release needs `published_at`");
            }
            for (list, name) in [(&r.topics, "topics"), (&r.commissions, "commissions")] {
                for (index, slug) in list.iter().enumerate() {
                    errors.check(format!("{name}[{index}]"), validate::slug(slug));
                }
            }
            for (index, named) in r.organisations.iter().enumerate() {
                errors.check(
                    format!("organisations[{index}].organisation"),
                    validate::organisation_reference(&named.organisation),
                );
            }
            for (index, key) in r.translations.iter().enumerate() {
                let well_formed = key.split_once('/').is_some_and(|(language, slug)| {
                    validate::language_tag(language).is_ok() && validate::slug(slug).is_ok()
                });
                if !well_formed {
                    errors.add(format!("translations[{index}]"), format!("`{key}` is not `language/slug`"));
                }
            }
            if let Ok(language) = validate::language_tag(&r.language) {
                r.language = language;
            }
            normalise(&mut r.dateline_country);
            let mut ignore = |_, _| ();
            r.countries = validate::countries("countries", &r.countries, &mut ignore);
            r.attachments = validate::attachments("attachments", &r.attachments, &mut ignore);
        }
    }
    // The rules name fields as GraphQL does; a file names them as its records do.
    failures.extend(
        errors.into_vec().into_iter().map(|error| field(snake_case(&error.field), "INVALID_VALUE", error.message)),
    );
}

/// An organisation's patch without its names and identifiers, which `content_model_v2` checks
/// field by field (`names.fr`, `external_ids[0].scheme`).
fn without_v2(patch: service::organisation::write::Patch) -> service::organisation::write::Patch {
    service::organisation::write::Patch { names: None, external_ids: None, ..patch }
}

fn optional(value: &Option<String>, rule: &dyn Fn(&str) -> Result<(), String>) -> Result<(), String> {
    value.as_deref().map_or(Ok(()), rule)
}

/// A valid country code as stored: upper case.
fn normalise(country: &mut Option<String>) {
    if let Some(code) = country.as_mut()
        && let Ok(normal) = validate::country_code(code)
    {
        *code = normal;
    }
}

/// `datelineCountry` as a record names it: `dateline_country` (and `attachments[0].mediaType`,
/// `attachments[0].media_type`).
pub fn snake_case(path: &str) -> String {
    let mut snake = String::with_capacity(path.len() + 4);
    for character in path.chars() {
        if character.is_ascii_uppercase() {
            snake.push('_');
            snake.push(character.to_ascii_lowercase());
        } else {
            snake.push(character);
        }
    }
    snake
}

/// Names in other languages and external identifiers (content model v2): names keyed by
/// canonical language tags, identifiers sorted (a file may list them in any order and mean the
/// same record) and none twice.
fn content_model_v2(record: &mut Record, failures: &mut Vec<Failure>) {
    let names = match record {
        Record::Organisation(o) => Some(&mut o.names),
        Record::Topic(t) => Some(&mut t.names),
        Record::Commission(c) => Some(&mut c.names),
        _ => None,
    };
    if let Some(names) = names {
        match validate::names(std::mem::take(names)) {
            Ok(normal) => *names = normal,
            Err(problems) => {
                for (language, message) in problems {
                    failures.push(field(format!("names.{language}"), "INVALID_VALUE", message));
                }
            }
        }
    }
    let ids = match record {
        Record::Organisation(o) => Some(&mut o.external_ids),
        Record::Release(r) => Some(&mut r.external_ids),
        _ => None,
    };
    if let Some(ids) = ids {
        for (index, id) in ids.iter().enumerate() {
            if let Err(message) = validate::scheme(&id.scheme) {
                failures.push(field(format!("external_ids[{index}].scheme"), "INVALID_VALUE", message));
            }
            if let Err(message) = validate::text(&id.value, 255) {
                failures.push(field(format!("external_ids[{index}].value"), "INVALID_VALUE", message));
            }
        }
        ids.sort();
        if let Some(index) = ids.windows(2).position(|pair| pair[0] == pair[1]) {
            let message = format!("`{}` is listed twice", ids[index].reference());
            failures.push(field(format!("external_ids[{}]", index + 1), "INVALID_VALUE", message));
        }
    }
}
