//! Checks for the standard codes content carries: ISO 3166-1 countries and BCP 47 language tags.

use crate::error::ApiError;

/// An ISO 3166-1 alpha-2 code, upper-cased; `field` names the input for the error.
pub fn country(field: &str, value: &str) -> Result<String, ApiError> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && isocountry::CountryCode::for_alpha2(&code).is_ok() {
        Ok(code)
    } else {
        Err(ApiError::bad_input(field, format!("`{value}` is not an ISO 3166-1 alpha-2 country code")))
    }
}

/// A well-formed BCP 47 language tag, returned as given (tags compare case-insensitively, and
/// releases store them in their canonical case, e.g. `es`, `pt-BR`).
pub fn language(field: &str, value: &str) -> Result<String, ApiError> {
    match oxilangtag::LanguageTag::parse(value) {
        Ok(tag) => Ok(tag.as_str().to_owned()),
        Err(_) => Err(ApiError::bad_input(field, format!("`{value}` is not a BCP 47 language tag"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_checked_against_iso_3166() {
        assert_eq!(country("c", "ec").unwrap(), "EC");
        assert!(country("c", "XX").is_err());
        assert!(country("c", "ECU").is_err());
    }

    #[test]
    fn language_tags_follow_bcp_47() {
        assert_eq!(language("l", "pt-BR").unwrap(), "pt-BR");
        assert!(language("l", "not a tag").is_err());
    }
}
