//! Checks for what content carries: ISO 3166-1 countries, BCP 47 language tags, slugs, emails,
//! web addresses and lengths. Each returns the normalised value or a message; callers attach the
//! field path (one field's error for filters, all of an input's errors for writes).

use crate::error::ApiError;

/// Longest slug: it must fit the unique indexes on every engine (see the migration).
pub const SLUG_MAX: usize = 200;

/// Kosovo: user-assigned in ISO 3166-1, and the code the UN, the EU and IATI use.
pub const KOSOVO: &str = "XK";

/// An ISO 3166-1 alpha-2 code (or `XK`), upper-cased.
pub fn country_code(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_uppercase();
    if code == KOSOVO || (code.len() == 2 && isocountry::CountryCode::for_alpha2(&code).is_ok()) {
        Ok(code)
    } else {
        Err(format!("`{value}` is not an ISO 3166-1 alpha-2 country code"))
    }
}

/// A well-formed BCP 47 language tag, returned as given (tags compare case-insensitively, and
/// releases store them in their canonical case, e.g. `es`, `pt-BR`).
pub fn language_tag(value: &str) -> Result<String, String> {
    match oxilangtag::LanguageTag::parse(value) {
        Ok(tag) if tag.as_str().len() <= 35 => Ok(tag.as_str().to_owned()),
        _ => Err(format!("`{value}` is not a BCP 47 language tag")),
    }
}

/// `country_code`, as the error of the argument or filter field `field`.
pub fn country(field: &str, value: &str) -> Result<String, ApiError> {
    country_code(value).map_err(|message| ApiError::bad_input(field, message))
}

/// `language_tag`, as the error of the argument or filter field `field`.
pub fn language(field: &str, value: &str) -> Result<String, ApiError> {
    language_tag(value).map_err(|message| ApiError::bad_input(field, message))
}

/// Lower-case letters, digits and single hyphens between them, at most `SLUG_MAX` characters.
pub fn slug(value: &str) -> Result<(), String> {
    let well_formed = !value.is_empty()
        && value.len() <= SLUG_MAX
        && value
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not a slug: use lower-case letters, digits and single hyphens (at most {SLUG_MAX} characters)"
        ))
    }
}

/// Not blank, and at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() { Err("must not be blank".into()) } else { at_most(value, max) }
}

/// At most `max` characters (blank allowed), and no NUL.
pub fn at_most(value: &str, max: usize) -> Result<(), String> {
    no_nul(value)?;
    let length = value.chars().count();
    if length > max { Err(format!("must be at most {max} characters, got {length}")) } else { Ok(()) }
}

/// PostgreSQL cannot store U+0000 in text, so no engine gets it: the same input is accepted or
/// refused everywhere.
fn no_nul(value: &str) -> Result<(), String> {
    match value.find('\0') {
        Some(at) => Err(format!("contains a NUL character (U+0000) at byte {at}")),
        None => Ok(()),
    }
}

/// Longest text a long-text column holds on every engine (MariaDB's TEXT), in bytes of UTF-8.
pub const LONG_TEXT_BYTES: usize = 65_535;

/// Fits a long-text column (blank allowed).
pub fn long_text(value: &str) -> Result<(), String> {
    no_nul(value)?;
    if value.len() > LONG_TEXT_BYTES {
        Err(format!("must be at most {LONG_TEXT_BYTES} bytes of UTF-8, got {}", value.len()))
    } else {
        Ok(())
    }
}

/// The English name of country `code` (`country_code`'s), or the code itself.
pub fn country_name(code: &str) -> String {
    if code == KOSOVO {
        return "Kosovo".into();
    }
    isocountry::CountryCode::for_alpha2(code).map_or_else(|_| code.to_owned(), |country| country.name().to_owned())
}

/// Most attachments and subject countries one release may list.
pub const MAX_ATTACHMENTS: usize = 100;
pub const MAX_COUNTRIES: usize = 50;

/// Checks `attachments` (reported at `{field}[i].…`) and returns them with their language tags in
/// canonical case.
pub fn attachments(
    field: &str,
    attachments: &[entity::release::Attachment],
    report: &mut dyn FnMut(String, String),
) -> Vec<entity::release::Attachment> {
    if attachments.len() > MAX_ATTACHMENTS {
        report(field.into(), format!("at most {MAX_ATTACHMENTS} attachments, got {}", attachments.len()));
    }
    attachments
        .iter()
        .enumerate()
        .map(|(index, attachment)| {
            let mut checked = attachment.clone();
            let at = |name: &str| format!("{field}[{index}].{name}");
            if let Err(message) = web_url(&attachment.url) {
                report(at("url"), message);
            }
            if let Some(media_type) = &attachment.media_type {
                let well_formed = media_type.len() <= 255
                    && media_type.split_once('/').is_some_and(|(kind, sub)| !kind.is_empty() && !sub.is_empty())
                    && !media_type.contains(char::is_whitespace);
                if !well_formed {
                    report(at("mediaType"), format!("`{media_type}` is not a media type such as application/pdf"));
                }
            }
            if let Some(title) = &attachment.title
                && let Err(message) = text(title, 500)
            {
                report(at("title"), message);
            }
            if attachment.length.is_some_and(|length| length < 0) {
                report(at("length"), "must not be negative".into());
            }
            if let Some(language) = &attachment.language {
                match language_tag(language) {
                    Ok(tag) => checked.language = Some(tag),
                    Err(message) => report(at("language"), message),
                }
            }
            checked
        })
        .collect()
}

/// Checks subject `countries` (reported at `{field}[i]`): known codes, each once, at most
/// `MAX_COUNTRIES`; returns them upper-cased.
pub fn countries(field: &str, countries: &[String], report: &mut dyn FnMut(String, String)) -> Vec<String> {
    if countries.len() > MAX_COUNTRIES {
        report(field.into(), format!("at most {MAX_COUNTRIES} countries, got {}", countries.len()));
    }
    let mut seen = std::collections::HashSet::new();
    countries
        .iter()
        .enumerate()
        .filter_map(|(index, country)| match country_code(country) {
            Ok(code) if seen.insert(code.clone()) => Some(code),
            Ok(code) => {
                report(format!("{field}[{index}]"), format!("`{code}` is listed twice"));
                None
            }
            Err(message) => {
                report(format!("{field}[{index}]"), message);
                None
            }
        })
        .collect()
}

/// Longest release body by default, in bytes of UTF-8: real bodies with inline images pass 1 MB.
/// Every engine stores far more (MariaDB in `LONGTEXT`, see migration `m20261201_000005`);
/// `NEWSROOM_MAX_RELEASE_BODY_BYTES` sets another.
pub const RELEASE_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Fits a release body of at most `limit` bytes (blank allowed).
pub fn release_body(value: &str, limit: usize) -> Result<(), String> {
    no_nul(value)?;
    if value.len() > limit {
        Err(format!("must be at most {limit} bytes of UTF-8 (NEWSROOM_MAX_RELEASE_BODY_BYTES), got {}", value.len()))
    } else {
        Ok(())
    }
}

/// An email address (RFC 5322 addr-spec, as `email_address` reads it).
pub fn email(value: &str) -> Result<(), String> {
    at_most(value, 254)?;
    if email_address::EmailAddress::is_valid(value) {
        Ok(())
    } else {
        Err(format!("`{value}` is not an email address"))
    }
}

/// An absolute http(s) URL.
pub fn web_url(value: &str) -> Result<(), String> {
    at_most(value, 2000)?;
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(format!("`{value}` is not an absolute http or https URL")),
    }
}

/// The most characters a scheme (of a topic's vocabulary, or of an external identifier) has.
pub const SCHEME_MAX: usize = 64;

/// A scheme: lower-case letters, digits, `_` and `-`, e.g. `disaster_type` or `iati`.
pub fn scheme(value: &str) -> Result<(), String> {
    let well_formed = !value.is_empty()
        && value.len() <= SCHEME_MAX
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not a scheme: use lower-case letters, digits, `_` and `-` (at most {SCHEME_MAX} characters)"
        ))
    }
}

/// Names in other languages, normalised: each key a BCP 47 tag (in its canonical form), each
/// name not blank and at most 255 characters. Every problem is `(key, message)`.
pub fn names(
    names: impl IntoIterator<Item = (String, String)>,
) -> Result<std::collections::BTreeMap<String, String>, Vec<(String, String)>> {
    let mut normal = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for (language, name) in names {
        match language_tag(&language) {
            Ok(tag) => {
                if let Err(message) = text(&name, 255) {
                    problems.push((language, message));
                } else if normal.insert(tag.clone(), name).is_some() {
                    problems.push((language, format!("a second name in `{tag}`")));
                }
            }
            Err(message) => problems.push((language, message)),
        }
    }
    if problems.is_empty() { Ok(normal) } else { Err(problems) }
}

/// A reference to an organisation in an import: its slug, or one of its external identifiers as
/// `scheme=value` (a slug never holds `=`).
pub fn organisation_reference(value: &str) -> Result<(), String> {
    match value.split_once('=') {
        Some((scheme_part, id)) => {
            scheme(scheme_part)?;
            text(id, 255)
        }
        None => slug(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_checked_against_iso_3166() {
        assert_eq!(country("c", "ec").unwrap(), "EC");
        assert_eq!(country("c", "xk").unwrap(), "XK");
        assert_eq!(country_name("XK"), "Kosovo");
        assert!(country("c", "XX").is_err());
        assert!(country("c", "ECU").is_err());
    }

    #[test]
    fn language_tags_follow_bcp_47() {
        assert_eq!(language("l", "pt-BR").unwrap(), "pt-BR");
        assert!(language("l", "not a tag").is_err());
    }

    #[test]
    fn slugs_emails_and_urls() {
        assert!(slug("national-plan-2005").is_ok());
        for bad in ["", "Upper", "double--hyphen", "-lead", "trail-", "sp ace", "ñ"] {
            assert!(slug(bad).is_err(), "{bad}");
        }
        assert!(slug(&"a".repeat(SLUG_MAX + 1)).is_err());
        assert!(email("mmoncayo@iom.int").is_ok());
        assert!(email("not an email").is_err());
        assert!(web_url("https://www.iom.int/").is_ok());
        for bad in ["javascript:alert(1)", "www.iom.int", "ftp://iom.int"] {
            assert!(web_url(bad).is_err(), "{bad}");
        }
        assert!(text("  ", 10).is_err() && text("ok", 1).is_err() && text("ok", 2).is_ok());
        assert!(text("a\0b", 10).is_err() && long_text("a\0b").is_err() && long_text("tab\tand\nlines").is_ok());
    }
}
