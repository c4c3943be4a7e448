//! RSS 2.0, with the Atom namespace for self, alternate and RFC 5005 `next` links, `content:encoded`
//! for full HTML and Dublin Core for entry languages and authors.

use rss::{
    Category, Channel, Guid, Item,
    extension::{
        atom::{AtomExtension, Link},
        dublincore::DublinCoreExtension,
    },
};

use super::{Entry, Feed, Format};

fn link(rel: &str, href: &str, mime_type: &str) -> Link {
    Link { href: href.to_owned(), rel: rel.to_owned(), mime_type: Some(mime_type.to_owned()), ..Link::default() }
}

fn item(entry: &Entry) -> Item {
    Item {
        title: Some(entry.title.clone()),
        link: Some(entry.link.clone()),
        // RSS readers show the description; it is the summary when there is one, the whole
        // text otherwise.
        description: Some(entry.summary.clone().unwrap_or_else(|| entry.content_html.clone())),
        content: Some(entry.content_html.clone()),
        guid: Some(Guid { value: entry.id.clone(), permalink: false }),
        pub_date: Some(entry.published.to_rfc2822()),
        categories: entry
            .categories
            .iter()
            .map(|category| Category { name: category.label.clone(), domain: category.scheme.clone() })
            .collect(),
        // RSS 2.0 allows one enclosure per item, and needs its length and type: the first
        // attachment, with 0 and a generic type where they are unknown (the spec's own advice).
        enclosure: entry.enclosures.first().map(|enclosure| rss::Enclosure {
            url: enclosure.url.clone(),
            length: enclosure.length.unwrap_or(0).to_string(),
            mime_type: enclosure.media_type.clone().unwrap_or_else(|| "application/octet-stream".into()),
        }),
        dublin_core_ext: Some(DublinCoreExtension {
            creators: entry.authors.iter().map(|author| author.name.clone()).collect(),
            languages: vec![entry.language.clone()],
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

/// `feed` as an RSS document.
pub fn render(feed: &Feed) -> Vec<u8> {
    let mut links = vec![link("self", feed.self_url(), Format::Rss.link_type())];
    for (format, url) in feed.links.iter().skip(1) {
        links.push(link("alternate", url, format.link_type()));
    }
    if let Some(next) = &feed.next {
        links.push(link("next", next, Format::Rss.link_type()));
    }
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home.clone(),
        description: feed.description.clone(),
        language: feed.language.clone(),
        last_build_date: Some(feed.updated.to_rfc2822()),
        generator: Some(format!("newsroom {}", env!("CARGO_PKG_VERSION"))),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        atom_ext: Some(AtomExtension { links }),
        items: feed.entries.iter().map(item).collect(),
        ..Channel::default()
    };
    channel.to_string().into_bytes()
}
