//! Partner feeds over HTTP: each format parsed back with a real feed parser, facets, paging,
//! hostile content, visibility, conditional requests and cache invalidation.

use std::collections::HashSet;

use api::demo::{COMMISSION_SLUG, QUITO_LANGUAGE, QUITO_SLUG};
use feed_rs::model::Feed;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    helpers::TestApp,
    mutations::{CREATE_RELEASE, quito},
    tokens::token,
};

/// The demo's public releases: 36, less two drafts and one release scheduled for 2037.
const PUBLIC_RELEASES: usize = 33;

async fn get(app: &TestApp, path: &str, headers: &[(header::HeaderName, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.unwrap()
}

async fn feed(app: &TestApp, path: &str) -> (Feed, String) {
    let response = get(app, path, &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = response.text().await.unwrap();
    let parsed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|error| panic!("{path}: {error}\n{body}"));
    (parsed, body)
}

fn quito_uuid_id(quito_global_id: &str) -> String {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(quito_global_id).unwrap();
    let text = String::from_utf8(decoded).unwrap();
    format!("urn:uuid:{}", text.split_once(':').unwrap().1)
}

async fn every_format_parses_with_the_elements_its_spec_requires(app: TestApp) {
    let (quito_id, _) = quito(&app).await;
    let urn = quito_uuid_id(&quito_id);
    for (extension, media_type) in
        [("rss", "application/rss+xml"), ("atom", "application/atom+xml"), ("json", "application/feed+json")]
    {
        let path = format!("/feeds/releases.{extension}?limit=100");
        let response = get(&app, &path, &[]).await;
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        assert_eq!(content_type, format!("{media_type}; charset=utf-8"));
        let (parsed, body) = feed(&app, &path).await;
        assert!(parsed.title.as_ref().is_some_and(|title| title.content.contains("releases")), "{extension}");
        assert_eq!(parsed.entries.len(), PUBLIC_RELEASES, "{extension}");
        let newest_first: Vec<_> = parsed.entries.iter().map(|entry| entry.published.unwrap()).collect();
        assert!(newest_first.windows(2).all(|pair| pair[0] >= pair[1]), "{extension}: newest first");
        let entry = parsed.entries.iter().find(|entry| entry.id == urn).unwrap_or_else(|| panic!("{extension}: Quito"));
        assert!(entry.title.as_ref().unwrap().content.starts_with("IOM Supports the Drafting"), "{extension}");
        assert!(
            entry
                .links
                .iter()
                .any(|link| link.href == format!("https://example.org/news/{QUITO_LANGUAGE}/{QUITO_SLUG}"))
        );
        assert_eq!(entry.published.unwrap().to_rfc3339(), "2005-02-14T15:00:00+00:00", "{extension}");
        assert!(entry.categories.iter().any(|category| category.term.contains("ounter")), "{extension}: topics");
        let html = entry.content.as_ref().and_then(|content| content.body.clone()).unwrap_or_default();
        assert!(html.contains("Quito, Ecuador"), "{extension}: the dateline leads the content: {html}");
        assert!(html.contains("<p>"), "{extension}: full HTML");
        match extension {
            "rss" => {
                assert!(body.contains("<guid isPermaLink=\"false\">urn:uuid:"));
                assert!(body.contains("<pubDate>Mon, 14 Feb 2005 15:00:00 +0000</pubDate>"), "RFC 822 dates");
                assert!(body.contains("<dc:creator>Maria Isabel Moncayo</dc:creator>"), "contacts as authors");
                assert!(body.contains("rel=\"self\""));
            }
            "atom" => {
                assert!(body.contains("<published>2005-02-14T15:00:00+00:00</published>"), "RFC 3339 dates");
                assert!(entry.authors.iter().any(|author| author.name.as_deref() == Some("Maria Isabel Moncayo")));
                assert!(parsed.updated.is_some());
                let rels: HashSet<_> = parsed.links.iter().filter_map(|link| link.rel.clone()).collect();
                assert!(rels.contains("self") && rels.contains("alternate"), "{rels:?}");
            }
            _ => {
                let document: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(document["version"], "https://jsonfeed.org/version/1.1");
                assert!(document["feed_url"].as_str().unwrap().ends_with("/feeds/releases.json?limit=100"));
                let item = document["items"].as_array().unwrap().iter().find(|item| item["id"] == urn).unwrap();
                assert_eq!(item["date_published"], "2005-02-14T15:00:00+00:00");
                assert_eq!(item["_newsroom"]["dateline"], "Quito, Ecuador");
                assert!(item["authors"][0]["url"].as_str().unwrap().starts_with("mailto:"));
                assert_eq!(document["_newsroom"]["alternates"].as_array().unwrap().len(), 2);
            }
        }
    }
}

async fn facets_filter_and_unknown_ones_are_not_found(app: TestApp) {
    let (quito_id, _) = quito(&app).await;
    let urn = quito_uuid_id(&quito_id);
    for path in [
        "/feeds/topics/counter-trafficking.atom".to_owned(),
        format!("/feeds/commissions/{COMMISSION_SLUG}.rss"),
        "/feeds/organisations/iom.json".to_owned(),
        "/feeds/countries/ec.atom".to_owned(),
        "/feeds/languages/en.rss".to_owned(),
        "/feeds/releases.json?country=EC&topic=counter-trafficking&language=en".to_owned(),
    ] {
        let (parsed, _) = feed(&app, &path).await;
        assert!(parsed.entries.iter().any(|entry| entry.id == urn), "{path} has the Quito release");
        assert!(parsed.entries.len() < PUBLIC_RELEASES, "{path} is filtered");
    }
    let (spanish, _) = feed(&app, "/feeds/languages/es.atom?limit=100").await;
    let own = spanish.links.iter().find(|link| link.rel.as_deref() == Some("self")).unwrap();
    assert_eq!(own.href, format!("{}/feeds/languages/es.atom?limit=100", app.address), "the facet stays in the path");
    assert!(!spanish.entries.is_empty());
    assert!(spanish.entries.iter().all(|entry| entry.id != urn));
    assert!(spanish.title.unwrap().content.contains("in es"));

    for (path, status, field) in [
        ("/feeds/topics/no-such-topic.rss", 404, None),
        ("/feeds/countries/xx.json", 404, None),
        ("/feeds/planets/mars.atom", 404, None),
        ("/feeds/releases.xml", 404, None),
        ("/feeds/releases.rss?limit=500", 400, Some("limit")),
        ("/feeds/releases.rss?colour=red", 400, Some("colour")),
        ("/feeds/releases.atom?after=garbage", 400, Some("after")),
        ("/feeds/topics/health.rss?country=ZZ", 400, Some("country")),
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        let code = if status == 404 { "NOT_FOUND" } else { "BAD_USER_INPUT" };
        assert_eq!(body["code"], code, "{path}: {body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
        if let Some(field) = field {
            assert_eq!(body["field"], field, "{path}");
        }
    }
}

/// A 404 names the path asked for and says why, with nothing quoted inside a quote.
async fn a_missing_feed_says_which_and_why(app: TestApp) {
    for (path, message) in [
        (
            "/feeds/topics/no-such-topic.rss",
            "there is no feed at `/feeds/topics/no-such-topic.rss`: topic `no-such-topic` was not found",
        ),
        (
            "/feeds/countries/xx.json",
            "there is no feed at `/feeds/countries/xx.json`: `xx` is not an ISO 3166-1 alpha-2 country code",
        ),
        ("/feeds/releases.xml", "there is no feed at `/feeds/releases.xml`: feeds end in .rss, .atom or .json"),
        (
            "/feeds/planets/mars.atom",
            "there is no feed at `/feeds/planets/mars.atom`: the facets are topics, commissions, organisations, countries and languages",
        ),
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some("NOT_FOUND"), Some(message)), "{path}");
    }
}

async fn next_links_walk_every_release_once(app: TestApp) {
    for extension in ["rss", "atom", "json"] {
        let mut path = format!("/feeds/releases.{extension}?limit=7");
        let mut seen = Vec::new();
        loop {
            let (parsed, body) = feed(&app, &path).await;
            seen.extend(parsed.entries.iter().map(|entry| entry.id.clone()));
            let next = if extension == "json" {
                serde_json::from_str::<Value>(&body).unwrap()["next_url"].as_str().map(str::to_owned)
            } else {
                parsed.links.iter().find(|link| link.rel.as_deref() == Some("next")).map(|link| link.href.clone())
            };
            match next {
                Some(url) => path = url.strip_prefix(&app.address).unwrap().to_owned(),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (PUBLIC_RELEASES, PUBLIC_RELEASES), "{extension}");
    }
}

const HOSTILE_TITLE: &str = "<script>alert('x')</script> ]]> & \u{1}\u{1b} bell\u{7} 🎉 مرحبا بالعالم &amp; \"quoted\"";

async fn hostile_content_stays_well_formed_and_escaped(app: TestApp) {
    let editor = token("editor");
    let long_title = format!("{HOSTILE_TITLE} {}", "long ".repeat(80));
    let input = json!({
        "language": "ar", "slug": "hostile", "title": long_title,
        "summary": "Summary with ]]> and <b>tags</b> & \u{1}control",
        "body": "Body ]]> <script>alert(1)</script> <img src=x onerror=alert(1)> & more 🎉 \u{8}\n\nمرحبا",
        "datelineCity": "Quito & <Co>", "datelineCountry": "EC",
    });
    // NUL is refused on every engine (PostgreSQL cannot store it); other control characters are
    // kept, and the feeds drop what XML cannot carry.
    let mut with_nul = input.clone();
    with_nul["summary"] = json!("a\u{0}b");
    assert_eq!(app.error_code_as(Some(&editor), CREATE_RELEASE, json!({ "input": with_nul })).await, "BAD_USER_INPUT");
    let id = app.data_as(&editor, CREATE_RELEASE, json!({ "input": input })).await["createRelease"]["id"].clone();
    app.data_as(&editor, "mutation($id: ID!) { publishRelease(id: $id) { id } }", json!({ "id": id })).await;
    let expected_title: String = long_title.chars().filter(|c| !c.is_control()).collect();
    for extension in ["rss", "atom", "json"] {
        let (parsed, body) = feed(&app, &format!("/feeds/languages/ar.{extension}")).await;
        assert_eq!(parsed.entries.len(), 1, "{extension}");
        let entry = &parsed.entries[0];
        assert_eq!(
            entry.title.as_ref().unwrap().content.trim(),
            expected_title.trim(),
            "{extension}: the title survives"
        );
        let content = entry.content.as_ref().and_then(|content| content.body.clone()).unwrap_or_default();
        assert!(content.contains("]]&gt;") || content.contains("]]>"), "{extension}: {content}");
        assert!(content.contains("🎉") && content.contains("مرحبا"), "{extension}");
        for banned in ["<script", "onerror", "\u{0}", "\u{8}"] {
            assert!(!content.contains(banned), "{extension}: {banned:?} in {content}");
        }
        if extension != "json" {
            // JSON carries the title as text (a reader must not render it as HTML); XML must escape it.
            assert!(!body.contains("<script>alert"), "{extension}: raw markup never reaches the document");
        }
        assert!(!body.contains('\u{1}') && !body.contains('\u{1b}'), "{extension}: no control characters");
    }
}

async fn drafts_schedules_and_private_contacts_never_appear(app: TestApp) {
    let admin = token("admin");
    let hidden = app
        .data_as(&admin, "{ releases(first: 100, filter: { status: [DRAFT, SCHEDULED] }) { nodes { id } } }", json!({}))
        .await;
    let hidden: Vec<String> = hidden["releases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| quito_uuid_id(node["id"].as_str().unwrap()))
        .collect();
    assert_eq!(hidden.len(), 3);
    let private = app.data_as(&admin, "{ contacts(first: 100) { nodes { name } } }", json!({})).await;
    let public = app.data("{ contacts(first: 100) { nodes { name } } }", json!({})).await;
    let public: HashSet<&str> =
        public["contacts"]["nodes"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    let private: Vec<String> = private["contacts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .filter(|name| !public.contains(name.as_str()))
        .collect();
    assert_eq!(private.len(), 1);
    for extension in ["rss", "atom", "json"] {
        let (parsed, body) = feed(&app, &format!("/feeds/releases.{extension}?limit=100")).await;
        for id in &hidden {
            assert!(parsed.entries.iter().all(|entry| &entry.id != id), "{extension} leaks {id}");
        }
        assert!(!body.contains(&private[0]), "{extension} leaks a non-public contact");
    }
}

async fn conditional_requests_head_and_compression(app: TestApp) {
    let path = "/feeds/topics/health.atom";
    let first = get(&app, path, &[]).await;
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    let last_modified = first.headers()[header::LAST_MODIFIED].to_str().unwrap().to_owned();
    assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=60");
    let body = first.bytes().await.unwrap();

    let not_modified = get(&app, path, &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.headers()[header::ETAG], etag.as_str());
    assert!(not_modified.bytes().await.unwrap().is_empty());
    let since = get(&app, path, &[(header::IF_MODIFIED_SINCE, &last_modified)]).await;
    assert_eq!(since.status(), StatusCode::NOT_MODIFIED);
    let changed = get(&app, path, &[(header::IF_NONE_MATCH, "\"something-else\"")]).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let old = get(&app, path, &[(header::IF_MODIFIED_SINCE, "Mon, 01 Jan 2001 00:00:00 GMT")]).await;
    assert_eq!(old.status(), StatusCode::OK);

    let head = app.client.head(format!("{}{path}", app.address)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[header::ETAG], etag.as_str());
    assert!(head.bytes().await.unwrap().is_empty());

    for encoding in ["gzip", "br"] {
        let compressed = get(&app, path, &[(header::ACCEPT_ENCODING, encoding)]).await;
        assert_eq!(compressed.headers()[header::CONTENT_ENCODING], encoding);
        assert!(compressed.bytes().await.unwrap().len() < body.len());
    }
}

async fn polls_are_served_from_the_cache_until_a_write(app: TestApp) {
    let path = "/feeds/releases.rss";
    let first = get(&app, path, &[]).await.text().await.unwrap();
    let before = app.statements();
    for _ in 0..25 {
        assert_eq!(get(&app, path, &[]).await.text().await.unwrap(), first);
    }
    assert_eq!(app.statements() - before, 0, "a burst of polls costs no database work");

    // A write invalidates at once: the Quito release gets a new title.
    let (quito_id, _) = quito(&app).await;
    let update =
        "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Renamed for the feed\" }) { version } }";
    app.data_as(&token("editor"), update, json!({ "id": quito_id })).await;
    let after = get(&app, "/feeds/releases.rss?limit=100", &[]).await.text().await.unwrap();
    assert!(after.contains("Renamed for the feed"));
    let before = app.statements();
    assert_eq!(get(&app, path, &[]).await.text().await.unwrap(), first, "its content did not change");
    assert!(app.statements() > before, "but after a write it was rendered again, not trusted");
}

async fn a_write_on_another_server_shows_within_the_freshness_window(app: TestApp) {
    // This app trusts the database mark for 0 ms: another server's write (a changed row, an audit
    // event and the write mark moved, written here behind the app's back) must show at the next poll.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, TransactionTrait};
    let path = "/feeds/releases.json?limit=100";
    let first = get(&app, path, &[]).await.text().await.unwrap();
    assert!(!first.contains("Changed elsewhere"));
    let quito = entity::release::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.slug == QUITO_SLUG)
        .unwrap();
    let mut row: entity::release::ActiveModel = quito.clone().into();
    row.title = Set("Changed elsewhere".into());
    row.update(app.db()).await.unwrap();
    entity::audit_event::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        actor: Set("other-server".into()),
        actor_roles: Set("editor".into()),
        entity_type: Set("Release".into()),
        entity_id: Set(quito.public_id),
        operation: Set("update".into()),
        changes: Set(json!({})),
        request_id: Set(None),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    let txn = app.db().begin().await.unwrap();
    api::service::write::advance_mark(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let after = get(&app, path, &[]).await.text().await.unwrap();
    assert!(after.contains("Changed elsewhere"));
}

async fn a_schedule_coming_due_refreshes_the_feed(app: TestApp) {
    let editor = token("editor");
    let input = json!({ "language": "sw", "slug": "hivi-karibuni", "title": "Hivi karibuni" });
    let id = app.data_as(&editor, CREATE_RELEASE, json!({ "input": input })).await["createRelease"]["id"].clone();
    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { id } }";
    app.data_as(&editor, schedule, json!({ "id": id, "at": at })).await;
    let (before, _) = feed(&app, "/feeds/languages/sw.atom").await;
    assert!(before.entries.is_empty(), "not before its time");
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let (after, _) = feed(&app, "/feeds/languages/sw.atom").await;
    assert_eq!(after.entries.len(), 1, "due, with no write in between");
}

async fn graphql_gives_the_feed_urls(app: TestApp) {
    let query =
        "{ topic(slug: \"health\") { feeds { rss atom json } } feeds(country: \"ec\") { atom } all: feeds { json } }";
    let data = app.data(query, json!({})).await;
    let base = &app.address;
    assert_eq!(
        data["topic"]["feeds"],
        json!({
            "rss": format!("{base}/feeds/topics/health.rss"),
            "atom": format!("{base}/feeds/topics/health.atom"),
            "json": format!("{base}/feeds/topics/health.json"),
        })
    );
    assert_eq!(data["feeds"]["atom"], format!("{base}/feeds/countries/EC.atom"));
    let url = data["topic"]["feeds"]["atom"].as_str().unwrap();
    feed(&app, url.strip_prefix(base.as_str()).unwrap()).await;
    feed(&app, data["feeds"]["atom"].as_str().unwrap().strip_prefix(base.as_str()).unwrap()).await;
    feed(&app, data["all"]["json"].as_str().unwrap().strip_prefix(base.as_str()).unwrap()).await;
}

async fn spawn_with_instant_freshness(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.feeds.feed_freshness_ms = 0;
    })
    .await
}

async fn spawn_with_long_freshness(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.auth = crate::tokens::auth_settings();
        settings.feeds.feed_freshness_ms = 3_600_000;
    })
    .await
}

db_tests!(TestApp::spawn_editorial =>
    every_format_parses_with_the_elements_its_spec_requires,
    facets_filter_and_unknown_ones_are_not_found,
    a_missing_feed_says_which_and_why,
    next_links_walk_every_release_once,
    hostile_content_stays_well_formed_and_escaped,
    drafts_schedules_and_private_contacts_never_appear,
    conditional_requests_head_and_compression,
    a_schedule_coming_due_refreshes_the_feed,
    graphql_gives_the_feed_urls,
);
db_tests!(spawn_with_long_freshness => polls_are_served_from_the_cache_until_a_write);
db_tests!(spawn_with_instant_freshness => a_write_on_another_server_shows_within_the_freshness_window);
