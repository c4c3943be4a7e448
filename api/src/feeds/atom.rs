//! Atom 1.0 (RFC 4287), with RFC 5005 `next` links for backfill.

use atom_syndication::{Category, Content, Entry as AtomEntry, Feed as AtomFeed, Generator, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};

use super::{Entry, Feed};

fn instant(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.fixed_offset()
}

fn link(rel: &str, href: &str, mime_type: Option<&str>) -> Link {
    Link { href: href.to_owned(), rel: rel.to_owned(), mime_type: mime_type.map(str::to_owned), ..Link::default() }
}

fn entry(entry: &Entry) -> AtomEntry {
    AtomEntry {
        id: entry.id.clone(),
        title: Text::plain(entry.title.clone()),
        updated: instant(entry.updated),
        published: Some(instant(entry.published)),
        links: std::iter::once(Link {
            hreflang: Some(entry.language.clone()),
            ..link("alternate", &entry.link, Some("text/html"))
        })
        .chain(entry.enclosures.iter().map(|enclosure| Link {
            title: enclosure.title.clone(),
            length: enclosure.length.map(|length| length.to_string()),
            ..link("enclosure", &enclosure.url, enclosure.media_type.as_deref())
        }))
        .collect(),
        summary: entry.summary.clone().map(Text::plain),
        content: Some(Content {
            value: Some(entry.content_html.clone()),
            content_type: Some("html".into()),
            lang: Some(entry.language.clone()),
            ..Content::default()
        }),
        categories: entry
            .categories
            .iter()
            .map(|category| Category {
                term: category.term.clone(),
                label: Some(category.label.clone()),
                scheme: category.scheme.clone(),
            })
            .collect(),
        authors: entry
            .authors
            .iter()
            .map(|author| Person { name: author.name.clone(), email: author.email.clone(), ..Person::default() })
            .collect(),
        ..AtomEntry::default()
    }
}

/// `feed` as an Atom document.
pub fn render(feed: &Feed) -> Vec<u8> {
    let mut links = vec![link("self", feed.self_url(), Some(super::Format::Atom.link_type()))];
    links.push(link("alternate", &feed.home, Some("text/html")));
    for (format, url) in feed.links.iter().skip(1) {
        links.push(link("alternate", url, Some(format.link_type())));
    }
    if let Some(next) = &feed.next {
        links.push(link("next", next, Some(super::Format::Atom.link_type())));
    }
    let document = AtomFeed {
        // The feed's id is its first page's URL: stable, unique, and where it can be fetched.
        id: feed.self_url().split("after=").next().unwrap_or_default().trim_end_matches(['?', '&']).to_owned(),
        title: Text::plain(feed.title.clone()),
        subtitle: Some(Text::plain(feed.description.clone())),
        updated: instant(feed.updated),
        lang: feed.language.clone(),
        generator: Some(Generator {
            value: "newsroom".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        links,
        entries: feed.entries.iter().map(entry).collect(),
        ..AtomFeed::default()
    };
    document.to_string().into_bytes()
}
