//! Partner feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the published releases, filtered by
//! facet, paged for backfill, rendered once and cached until a write (or a schedule coming due)
//! could change them.
//!
//! A feed is built once as a format-neutral `Feed` (what every format says) and then rendered by
//! one module per format; the HTTP side (conditional requests, caching) lives in `routes::feeds`.

pub mod atom;
pub mod cache;
pub mod json;
pub mod rss;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Access,
    body,
    config::FeedSettings,
    error::ApiError,
    service::{
        self, Ref,
        feed::{Cursor, Item},
    },
    validate,
};

/// The three formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    /// The file extension of the format's URLs.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Rss => "rss",
            Self::Atom => "atom",
            Self::Json => "json",
        }
    }

    /// The format whose URLs end in `extension`.
    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.extension() == extension)
    }

    /// The media type served.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// The media type of `<link rel="alternate" type="…">`.
    pub fn link_type(self) -> &'static str {
        self.media_type().split(';').next().unwrap_or_default()
    }
}

/// Largest page a feed serves, and the page when none is asked for.
pub const MAX_LIMIT: u64 = 100;
pub const DEFAULT_LIMIT: u64 = 20;

/// What a feed request asks for, facets and query parameters together. `Hash` and `Eq` because
/// it keys the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Query {
    pub language: Option<String>,
    pub topic: Option<String>,
    pub country: Option<String>,
    pub commission: Option<String>,
    pub organisation: Option<String>,
    /// A saved search (`q`, the syntax of GraphQL's `filter.search`), newest first like every
    /// feed.
    pub search: Option<String>,
    pub limit: Option<u64>,
    /// The page after this cursor (from a `next` link).
    pub after: Option<Cursor>,
    /// The parameter the path sets (`/feeds/topics/health` sets `topic`): links leave it out of
    /// their query string.
    pub facet: Option<&'static str>,
}

impl Query {
    /// Reads the query string; an unknown or invalid parameter is an error naming it.
    pub fn parse(query_string: &str) -> Result<Self, ApiError> {
        let mut query = Self::default();
        for (name, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
            query.set(&name, &value)?;
        }
        Ok(query)
    }

    /// Sets parameter `name`; `name` is also the field named in the error.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ApiError> {
        let bad = |message: String| ApiError::bad_input(name, message);
        match name {
            "language" => self.language = Some(validate::language_tag(value).map_err(bad)?),
            "country" => self.country = Some(validate::country_code(value).map_err(bad)?),
            "topic" => self.topic = Some(slug(value).map_err(bad)?),
            "commission" => self.commission = Some(slug(value).map_err(bad)?),
            "organisation" => self.organisation = Some(slug(value).map_err(bad)?),
            "q" => {
                if value.chars().count() > crate::search::MAX_CHARS {
                    return Err(bad(format!("must be at most {} characters", crate::search::MAX_CHARS)));
                }
                self.search = Some(value.to_owned()).filter(|q| !q.trim().is_empty());
            }
            "limit" => {
                let limit = value.parse::<u64>().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit));
                self.limit = Some(limit.ok_or_else(|| bad(format!("must be a whole number from 1 to {MAX_LIMIT}")))?);
            }
            "after" => {
                self.after = Some(decode_cursor(value).ok_or_else(|| bad(format!("`{value}` is not a feed cursor")))?)
            }
            _ => {
                return Err(bad(
                    "unknown parameter: feeds take language, topic, country, commission, organisation, limit and after"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// The query string that asks for this again (parameters in a fixed order), with `after`.
    fn to_query_string(&self, after: Option<Cursor>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("language", self.language.as_deref()),
            ("topic", self.topic.as_deref()),
            ("country", self.country.as_deref()),
            ("commission", self.commission.as_deref()),
            ("organisation", self.organisation.as_deref()),
            ("q", self.search.as_deref()),
        ] {
            if let Some(value) = value.filter(|_| self.facet != Some(name)) {
                pairs.append_pair(name, value);
            }
        }
        if let Some(limit) = self.limit {
            pairs.append_pair("limit", &limit.to_string());
        }
        if let Some(after) = after {
            pairs.append_pair("after", &encode_cursor(after));
        }
        pairs.finish()
    }
}

fn slug(value: &str) -> Result<String, String> {
    validate::slug(value).map(|()| value.to_owned())
}

fn encode_cursor(cursor: Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", cursor.published_at.timestamp_micros(), cursor.id))
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let (micros, id) = std::str::from_utf8(&bytes).ok()?.split_once('|')?;
    Some(Cursor { published_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?, id: id.parse().ok()? })
}

/// A feed, whatever its format.
#[derive(Clone, Debug)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The language of the entries, when the feed is filtered to one.
    pub language: Option<String>,
    /// The newest change among the entries (the Unix epoch for an empty feed).
    pub updated: DateTime<Utc>,
    /// This feed in each format, this format's first.
    pub links: Vec<(Format, String)>,
    /// The public site's home (the release URL template without its release).
    pub home: String,
    /// The next (older) page, in this format.
    pub next: Option<String>,
    pub entries: Vec<Entry>,
}

impl Feed {
    /// This feed's own URL.
    pub fn self_url(&self) -> &str {
        self.links.first().map_or("", |(_, url)| url.as_str())
    }
}

/// One release in a feed.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `urn:uuid:` of the release's public id: never changes when the release is edited.
    pub id: String,
    pub title: String,
    pub link: String,
    pub language: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub summary: Option<String>,
    /// Sanitised HTML of the body, after the dateline.
    pub content_html: String,
    /// Each topic.
    pub categories: Vec<Category>,
    /// "Quito, Ecuador".
    pub dateline: Option<String>,
    pub authors: Vec<Author>,
    /// The release's attachments.
    pub enclosures: Vec<Enclosure>,
}

/// A file an entry links to.
#[derive(Clone, Debug)]
pub struct Enclosure {
    pub url: String,
    pub media_type: Option<String>,
    pub length: Option<i64>,
    pub title: Option<String>,
}

/// A topic, as an entry's category.
#[derive(Clone, Debug)]
pub struct Category {
    /// The topic's slug.
    pub term: String,
    /// Its name, in the entry's language when it has one.
    pub label: String,
    /// Its vocabulary, e.g. `theme`, when it is in one.
    pub scheme: Option<String>,
}

/// A media contact, as an entry's author.
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    pub email: Option<String>,
}

/// Removes what XML 1.0 cannot carry even escaped (control characters other than tab and line
/// breaks, lone surrogates cannot occur in Rust strings, U+FFFE and U+FFFF); JSON shares the rule
/// so that every format says the same thing.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r') || (!c.is_control() && !matches!(c, '\u{FFFE}' | '\u{FFFF}')))
        .collect()
}

/// The facets `query` names, with their display names: an unknown one is NOT_FOUND.
async fn describe(db: &DatabaseConnection, query: &Query) -> Result<Vec<String>, ApiError> {
    let mut parts = Vec::new();
    // A feed in one language names what it is about in that language, where the record can.
    let language = query.language.as_deref();
    if let Some(slug) = &query.topic {
        let topic = service::topic::get_by_slug(db, slug).await?;
        parts.push(format!("about {}", topic.names.in_language(&topic.name, language)));
    }
    if let Some(slug) = &query.commission {
        let commission = service::commission::get_by_slug(db, slug).await?;
        parts.push(format!("on the {}", commission.names.in_language(&commission.name, language)));
    }
    if let Some(slug) = &query.organisation {
        let organisation = service::organisation::get_by_slug(db, slug).await?;
        parts.push(format!("naming {}", organisation.names.in_language(&organisation.name, language)));
    }
    if let Some(code) = &query.country {
        parts.push(format!("concerning {}", country_name(code)));
    }
    if let Some(search) = &query.search {
        parts.push(format!("matching “{search}”"));
    }
    if let Some(language) = &query.language {
        parts.push(format!("in {language}"));
    }
    Ok(parts)
}

fn country_name(code: &str) -> String {
    validate::country_name(code)
}

/// The feed `query` asks for, in `format`, with its links under `base` (this API's public URL).
pub async fn build(
    db: &DatabaseConnection,
    settings: &FeedSettings,
    format: Format,
    path: &str,
    query: &Query,
    base: &str,
) -> Result<Feed, ApiError> {
    let facets = describe(db, query).await?;
    let filter = service::release::Filter {
        language: query.language.clone(),
        country: query.country.clone(),
        topic: query.topic.clone().map(Ref::Slug),
        commission: query.commission.clone().map(Ref::Slug),
        organisation: query.organisation.clone().map(Ref::Slug),
        search: query.search.clone(),
        ..Default::default()
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let page = service::feed::page(db, &Access::anonymous(), &filter, limit, query.after).await?;
    let url = |format: Format, after: Option<Cursor>| {
        let query_string = query.to_query_string(after);
        let separator = if query_string.is_empty() { "" } else { "?" };
        format!("{base}{path}.{}{separator}{query_string}", format.extension())
    };
    let mut links = vec![(format, url(format, query.after))];
    links
        .extend(Format::ALL.into_iter().filter(|other| *other != format).map(|other| (other, url(other, query.after))));
    let entries: Vec<Entry> = page.items.iter().map(|item| entry(settings, item)).collect();
    let updated = entries.iter().map(|entry| entry.updated).max().unwrap_or(DateTime::UNIX_EPOCH);
    let about = if facets.is_empty() { String::new() } else { format!(" {}", facets.join(", ")) };
    Ok(Feed {
        title: clean(&format!("{}: releases{about}", settings.feed_title)),
        description: clean(&format!("Press releases{about}, newest first, from {}.", settings.feed_title)),
        language: query.language.clone(),
        updated,
        links,
        home: home(&settings.public_url),
        next: page.next.map(|cursor| url(format, Some(cursor))),
        entries,
    })
}

/// The public site's root: the release URL template up to its first placeholder's path segment.
fn home(template: &str) -> String {
    let cut = template.find('{').unwrap_or(template.len());
    let prefix = &template[..cut];
    prefix.rsplit_once('/').map_or_else(|| prefix.to_owned(), |(head, _)| format!("{head}/"))
}

fn entry(settings: &FeedSettings, item: &Item) -> Entry {
    let release = &item.release;
    let published = release.published_at.unwrap_or(release.created_at);
    let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    // The publisher's own page when the release names one, the public site's template otherwise.
    let link = release.canonical_url.clone().unwrap_or_else(|| {
        settings.public_url.replace("{language}", &encode(&release.language)).replace("{slug}", &encode(&release.slug))
    });
    let dateline = match (&release.dateline_city, &release.dateline_country) {
        (Some(city), Some(country)) => Some(format!("{city}, {}", country_name(country))),
        (Some(city), None) => Some(city.clone()),
        (None, Some(country)) => Some(country_name(country)),
        (None, None) => None,
    }
    .map(|dateline| clean(&dateline));
    let body = body::to_safe_html(&clean(&release.body), release.body_format);
    let content_html = match &dateline {
        Some(dateline) => format!("<p><strong>{}</strong></p>\n{body}", html_escape(dateline)),
        None => body,
    };
    Entry {
        id: format!("urn:uuid:{}", release.public_id),
        title: clean(&release.title),
        link,
        language: release.language.clone(),
        published,
        // The publisher's revision time when given: the row's write time moves with every import
        // or correction of a typo in newsroom, which partners should not see as a new version.
        updated: release.revised_at.unwrap_or(release.updated_at).max(published),
        summary: release.summary.as_deref().map(clean),
        content_html,
        categories: item
            .topics
            .iter()
            .map(|topic| Category {
                term: topic.slug.clone(),
                label: clean(topic.names.in_language(&topic.name, Some(&release.language))),
                scheme: topic.scheme.clone(),
            })
            .collect(),
        dateline,
        // The issuer when the release names one; its media contacts otherwise.
        authors: match &item.issuer {
            Some(issuer) => vec![Author { name: clean(&issuer.name), email: None }],
            None => item
                .contacts
                .iter()
                .map(|contact| Author { name: clean(&contact.name), email: contact.email.as_deref().map(clean) })
                .collect(),
        },
        enclosures: release
            .attachments
            .iter()
            .flat_map(|attachments| &attachments.0)
            .map(|attachment| Enclosure {
                url: attachment.url.clone(),
                media_type: attachment.media_type.clone(),
                length: attachment.length,
                title: attachment.title.as_deref().map(clean),
            })
            .collect(),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders `feed` in `format`.
pub fn render(format: Format, feed: &Feed) -> Vec<u8> {
    match format {
        Format::Rss => rss::render(feed),
        Format::Atom => atom::render(feed),
        Format::Json => json::render(feed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor { published_at: Utc::now(), id: 42 };
        let decoded = decode_cursor(&encode_cursor(cursor)).unwrap();
        assert_eq!(decoded.id, 42);
        assert_eq!(decoded.published_at.timestamp_micros(), cursor.published_at.timestamp_micros());
        assert!(decode_cursor("nope").is_none());
    }

    #[test]
    fn parameters_are_checked_by_name() {
        assert!(Query::parse("language=es&topic=health&limit=5").is_ok());
        for (query, field) in
            [("limit=0", "limit"), ("limit=101", "limit"), ("country=XX", "country"), ("colour=red", "colour")]
        {
            match Query::parse(query) {
                Err(ApiError::BadUserInput { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn control_characters_go_and_the_rest_stays() {
        assert_eq!(clean("a\u{0}b\u{1b}c\td\u{FFFF}é🎉"), "abc\tdé🎉");
        assert_eq!(home("https://example.org/news/{language}/{slug}"), "https://example.org/news/");
    }
}
