//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>). Links to the other formats and each
//! entry's dateline and topic slugs go in a `_newsroom` extension, as the spec provides.

use serde::Serialize;

use super::{Entry, Feed};

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    items: Vec<Item<'a>>,
    _newsroom: FeedExtension<'a>,
}

#[derive(Serialize)]
struct FeedExtension<'a> {
    updated: String,
    alternates: Vec<Alternate<'a>>,
}

#[derive(Serialize)]
struct Alternate<'a> {
    r#type: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
    language: &'a str,
    _newsroom: ItemExtension<'a>,
}

/// JSON Feed 1.1 requires `url` and `mime_type`; the type is generic where none was given.
#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<i64>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct ItemExtension<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    dateline: Option<&'a str>,
    topics: Vec<&'a str>,
}

fn item(entry: &Entry) -> Item<'_> {
    Item {
        id: &entry.id,
        url: &entry.link,
        title: &entry.title,
        content_html: &entry.content_html,
        summary: entry.summary.as_deref(),
        date_published: entry.published.to_rfc3339(),
        date_modified: entry.updated.to_rfc3339(),
        authors: entry
            .authors
            .iter()
            .map(|author| Author {
                name: &author.name,
                url: author.email.as_ref().map(|email| format!("mailto:{email}")),
            })
            .collect(),
        tags: entry.categories.iter().map(|category| category.label.as_str()).collect(),
        attachments: entry
            .enclosures
            .iter()
            .map(|enclosure| Attachment {
                url: &enclosure.url,
                mime_type: enclosure.media_type.as_deref().unwrap_or("application/octet-stream"),
                title: enclosure.title.as_deref(),
                size_in_bytes: enclosure.length,
            })
            .collect(),
        language: &entry.language,
        _newsroom: ItemExtension {
            dateline: entry.dateline.as_deref(),
            topics: entry.categories.iter().map(|category| category.term.as_str()).collect(),
        },
    }
}

/// `feed` as a JSON Feed document.
pub fn render(feed: &Feed) -> Vec<u8> {
    let document = Document {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home,
        feed_url: feed.self_url(),
        description: &feed.description,
        next_url: feed.next.as_deref(),
        language: feed.language.as_deref(),
        items: feed.entries.iter().map(item).collect(),
        _newsroom: FeedExtension {
            updated: feed.updated.to_rfc3339(),
            alternates: feed
                .links
                .iter()
                .skip(1)
                .map(|(format, url)| Alternate { r#type: format.link_type(), url })
                .collect(),
        },
    };
    // Serialising plain strings and numbers cannot fail.
    serde_json::to_vec(&document).unwrap_or_default()
}
