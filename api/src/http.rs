//! What every HTTP response shares, whatever the route: CORS for browsers on other origins, and
//! the security headers.

use actix_cors::Cors;
use actix_web::{
    http::{Method, header},
    middleware::DefaultHeaders,
};

use crate::config::HttpSettings;

/// An allowed origin that is not one.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` in NEWSROOM_CORS_ORIGINS is not an origin (scheme://host[:port], no path), nor `*`")]
pub struct BadOrigin(String);

/// The origins browsers may call from, checked once at start-up.
#[derive(Clone, Debug)]
pub enum Origins {
    Any,
    Listed(Vec<String>),
}

impl Origins {
    /// Reads `NEWSROOM_CORS_ORIGINS`: `*`, or origins, kept in their serialised form, which is what
    /// a browser sends in `Origin` and so what is compared.
    pub fn parse(values: &[String]) -> Result<Self, BadOrigin> {
        let values: Vec<&str> = values.iter().map(|value| value.trim()).filter(|value| !value.is_empty()).collect();
        if values.contains(&"*") {
            return Ok(Self::Any);
        }
        let origins = values
            .into_iter()
            .map(|value| {
                let url = url::Url::parse(value).map_err(|_| BadOrigin(value.into()))?;
                let origin = url.origin().ascii_serialization();
                let bare = url.path() == "/"
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && url.username().is_empty()
                    && url.password().is_none();
                if !bare || origin == "null" {
                    return Err(BadOrigin(value.into()));
                }
                Ok(origin)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::Listed(origins))
    }
}

/// CORS for every route (`/graphql`, `/feeds/…`, `/api/…`). Credentials (cookies) are never
/// allowed: newsroom authenticates by bearer token only, which a page must add itself, so even
/// `*` gives a foreign page nothing its visitor's browser holds. A request from an origin not
/// allowed is still served (same-origin pages and non-browser clients send `Origin` too); the
/// browser then withholds the answer from the foreign page, and its preflight is refused.
pub fn cors(origins: &Origins, settings: &HttpSettings) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::HEAD, Method::POST])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
        ])
        .expose_headers([header::ETAG, header::LAST_MODIFIED, header::HeaderName::from_static("x-request-id")])
        .max_age(settings.cors_max_age_secs);
    match origins {
        Origins::Any => cors.allow_any_origin().send_wildcard(),
        Origins::Listed(origins) => origins.iter().fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}

/// Headers on every response: no MIME sniffing (a JSON body is never run as a script or page),
/// and no referrer leaves for the sites that release bodies link to.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")).add((header::REFERRER_POLICY, "no-referrer"))
}

#[cfg(test)]
mod tests {
    use super::Origins;

    fn parse(values: &[&str]) -> Result<Origins, super::BadOrigin> {
        Origins::parse(&values.iter().map(|value| value.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn origins_are_any_or_a_list_of_bare_origins() {
        assert!(matches!(parse(&["*"]), Ok(Origins::Any)));
        assert!(matches!(parse(&[]), Ok(Origins::Listed(list)) if list.is_empty()));
        let Ok(Origins::Listed(list)) =
            parse(&["https://www.example.org", " http://127.0.0.1:3000/", "https://News.Example.org:443"])
        else {
            panic!("valid origins refused");
        };
        // As browsers send them: host in lower case, the scheme's default port left out.
        assert_eq!(list, ["https://www.example.org", "http://127.0.0.1:3000", "https://news.example.org"]);
        for bad in ["www.example.org", "https://example.org/news", "https://me@example.org", "file:///tmp"] {
            assert!(parse(&[bad]).is_err(), "{bad} accepted");
        }
    }
}
