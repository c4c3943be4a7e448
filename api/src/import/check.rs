//! Checking one record on its own: its type, the shape of its fields (serde, with the path of
//! the field at fault), and each field's value (the same rules as the GraphQL mutations). The
//! record comes back normalised: upper-case countries, canonical language tags.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    Failure,
    record::{Kind, Record},
};
use crate::validate;

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
pub fn record(value: Value) -> Result<Record, Vec<Failure>> {
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
    values(&mut record, &mut failures);
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

/// Checks every field's value, normalising where the rules say how.
fn values(record: &mut Record, failures: &mut Vec<Failure>) {
    content_model_v2(record, failures);
    let mut check = |name: &str, result: Result<(), String>| {
        if let Err(message) = result {
            failures.push(field(name, "INVALID_VALUE", message));
        }
    };
    let country = |name: &str, value: &mut Option<String>, check: &mut dyn FnMut(&str, Result<(), String>)| {
        if let Some(code) = value.as_mut() {
            match validate::country_code(code) {
                Ok(normal) => *code = normal,
                Err(message) => check(name, Err(message)),
            }
        }
    };
    let optional =
        |value: &Option<String>, rule: &dyn Fn(&str) -> Result<(), String>| value.as_deref().map_or(Ok(()), rule);
    let short = |text: &str| validate::text(text, 255);
    match record {
        Record::Organisation(o) => {
            check("slug", validate::slug(&o.slug));
            check("name", short(&o.name));
            check("acronym", optional(&o.acronym, &|text| validate::text(text, 50)));
            country("country", &mut o.country, &mut check);
            check("parent", optional(&o.parent, &validate::organisation_reference));
            check("website", optional(&o.website, &validate::web_url));
            check("description", optional(&o.description, &validate::long_text));
        }
        Record::Topic(t) => {
            check("slug", validate::slug(&t.slug));
            check("name", validate::text(&t.name, 200));
            check("scheme", optional(&t.scheme, &validate::scheme));
            check("parent", optional(&t.parent, &validate::slug));
            if t.parent.as_ref() == Some(&t.slug) {
                check("parent", Err("a topic is not its own parent".into()));
            }
        }
        Record::Contact(c) => {
            check("key", optional(&c.key, &validate::slug));
            if c.key.is_none() && c.email.is_none() {
                check("key", Err("a contact needs a `key` or an `email` to be imported by".into()));
            }
            check("name", short(&c.name));
            check("job_title", optional(&c.job_title, &short));
            check("organisation", optional(&c.organisation, &validate::organisation_reference));
            check("office", optional(&c.office, &short));
            check("email", optional(&c.email, &validate::email));
            for (index, phone) in c.phones.iter().enumerate() {
                check(&format!("phones[{index}]"), validate::text(phone, 100));
            }
            country("country", &mut c.country, &mut check);
        }
        Record::Commission(c) => {
            check("slug", validate::slug(&c.slug));
            check("name", short(&c.name));
            check("mandate", optional(&c.mandate, &validate::long_text));
            country("country", &mut c.country, &mut check);
            check("legal_basis", optional(&c.legal_basis, &short));
            check("head_organisation", optional(&c.head_organisation, &validate::organisation_reference));
            for (index, member) in c.members.iter().enumerate() {
                check(
                    &format!("members[{index}].organisation"),
                    validate::organisation_reference(&member.organisation),
                );
                if let (Some(since), Some(until)) = (member.since, member.until)
                    && until < since
                {
                    check(&format!("members[{index}].until"), Err(format!("{until} is before `since` ({since})")));
                }
            }
        }
        Record::Release(r) => {
            match validate::language_tag(&r.language) {
                Ok(tag) => r.language = tag,
                Err(message) => check("language", Err(message)),
            }
            check("slug", validate::slug(&r.slug));
            check("title", validate::text(&r.title, 500));
            check("summary", optional(&r.summary, &validate::long_text));
            check("body", validate::release_body(&r.body));
            check("dateline_city", optional(&r.dateline_city, &short));
            country("dateline_country", &mut r.dateline_country, &mut check);
            use entity::release::Status;
            if matches!(r.status, Status::Published | Status::Scheduled) && r.published_at.is_none() {
                check("published_at", Err("a published or scheduled release needs `published_at`".into()));
            }
            for (list, name) in [(&r.topics, "topics"), (&r.commissions, "commissions")] {
                for (index, slug) in list.iter().enumerate() {
                    check(&format!("{name}[{index}]"), validate::slug(slug));
                }
            }
            for (index, named) in r.organisations.iter().enumerate() {
                check(
                    &format!("organisations[{index}].organisation"),
                    validate::organisation_reference(&named.organisation),
                );
            }
            for (index, key) in r.translations.iter().enumerate() {
                let well_formed = key.split_once('/').is_some_and(|(language, slug)| {
                    validate::language_tag(language).is_ok() && validate::slug(slug).is_ok()
                });
                if !well_formed {
                    check(&format!("translations[{index}]"), Err(format!("`{key}` is not `language/slug`")));
                }
            }
        }
    }
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
