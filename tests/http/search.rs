//! Full-text search from outside: the relevance set over real releases and a multilingual
//! corpus, the query syntax and its malformed forms, stable cursors under writes, visibility,
//! every write path keeping the index current, highlights, and feeds of a saved search.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

db_tests!(spawn =>
    the_relevance_set_holds_on_real_and_multilingual_releases,
    syntax_highlights_and_languages,
    malformed_searches_are_never_errors,
    ranked_cursors_never_repeat_or_skip_when_writes_land_between_pages,
    a_search_never_finds_counts_or_highlights_what_the_caller_may_not_see,
    every_write_keeps_the_index_current,
    feeds_of_a_saved_search,
    releases_from_before_the_index_are_indexed_at_start_up,
    an_anonymous_search_counts_what_it_may_see_in_every_state,
    an_import_of_several_index_batches_is_searchable_whole,
    a_ranked_search_pages_through_every_rank_in_order,
);

db_tests!(spawn_uncached => a_ranked_page_counts_its_total_in_its_own_statement);

async fn spawn(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.auth = crate::tokens::auth_settings()).await
}

/// Without the response cache: a repeated query then reads the database again, and its
/// statements can be counted.
async fn spawn_uncached(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.auth = crate::tokens::auth_settings();
        settings.caching.response_cache_mb = 0;
    })
    .await
}

fn data_file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn import(app: &TestApp, body: String) {
    let response = app
        .client
        .post(format!("{}/api/import", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", "application/x-ndjson")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let report: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(report["committed"], true, "{report:#}");
}

const SEARCH: &str = "query($search: String!, $language: String, $searchLanguage: String, $first: Int, $after: String) {
  releases(first: $first, after: $after, filter: { search: $search, language: $language, searchLanguage: $searchLanguage },
           orderBy: { field: RELEVANCE }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { slug language } highlights { title snippet } }
  }
}";

/// The slugs a search finds, best first, and its total.
async fn search(app: &TestApp, token: Option<&str>, variables: Value) -> (Vec<String>, u64, Value) {
    let body = app.graphql_as(token, SEARCH, variables.clone()).await;
    assert!(body.get("errors").is_none(), "{variables}: {body:#}");
    let releases = body["data"]["releases"].clone();
    let slugs = releases["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap().to_owned())
        .collect();
    (slugs, releases["totalCount"].as_u64().unwrap(), releases)
}

async fn the_relevance_set_holds_on_real_and_multilingual_releases(app: TestApp) {
    // Each corpus on a database of its own, so that totals count one corpus.
    let (doj, _) = crate::bulk::doj_records();
    import(&app, doj).await;
    let multilingual = spawn(app.backend()).await.unwrap();
    import(&multilingual, data_file("search_multilingual.ndjson")).await;
    let set: Value = serde_json::from_str(&data_file("search_relevance.json")).unwrap();
    for (corpus, app) in [("doj", &app), ("multilingual", &multilingual)] {
        for case in set[corpus].as_array().unwrap() {
            let variables = json!({ "search": case["search"], "language": case["language"], "first": 10 });
            let (slugs, total, _) = search(app, None, variables).await;
            let top: Vec<String> = case["top"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().into()).collect();
            assert!(slugs.len() >= top.len(), "{case}: found only {slugs:?}");
            assert_eq!(slugs[..top.len()], top[..], "{case}: the top hits");
            if let Some(expected) = case["total"].as_u64() {
                assert_eq!(total, expected, "{case}: {slugs:?}");
            }
        }
    }
}

async fn syntax_highlights_and_languages(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    // Accent- and case-insensitive, highlighted in the release's own text, HTML-safe.
    let (slugs, _, releases) = search(&app, None, json!({ "search": "SECURITE medecins" })).await;
    assert_eq!(slugs, ["securite-alimentaire-sahel"]);
    let highlights = &releases["edges"][0]["highlights"];
    assert_eq!(
        highlights["title"],
        "<mark>Sécurité</mark> alimentaire : <mark>Médecins</mark> Sans Frontières alerte sur le Sahel"
    );
    // Only the title matched: the snippet is the summary's opening, unmarked.
    assert_eq!(highlights["snippet"], "Les équipes médicales signalent une hausse de la malnutrition.");
    // A match in the (HTML) body: the snippet is cut from its text, markup gone.
    let (_, _, releases) = search(&app, None, json!({ "search": "saisonnières", "language": "fr" })).await;
    assert_eq!(
        releases["edges"][0]["highlights"]["snippet"],
        "Les migrations <mark>saisonnières</mark> aggravent la situation des enfants."
    );
    // Stemming follows the searcher's language: French "migration" finds "migrations" in a body;
    // names match in every language they have (IOM's English name holds "Migration"), and rank
    // above a body.
    let (slugs, _, _) = search(&app, None, json!({ "search": "migration", "language": "fr" })).await;
    assert_eq!(slugs, ["oim-traite-des-personnes", "securite-alimentaire-sahel"]);
    // Phrases are exact; OR widens; prefixes reach stems.
    let (slugs, _, _) = search(&app, None, json!({ "search": "\"nacional plan\"" })).await;
    assert!(slugs.is_empty(), "{slugs:?}");
    let (slugs, _, _) = search(&app, None, json!({ "search": "zzz OR floods" })).await;
    assert_eq!(slugs, ["red-cross-floods"]);
    let (slugs, _, _) = search(&app, None, json!({ "search": "traffick*", "language": "en" })).await;
    assert_eq!(slugs, ["iom-national-plan"]);
    // Search combines with every other filter, `totalCount` included.
    let filtered = app
        .data(
            "{ releases(filter: { search: \"quito\", organisation: \"iom\", language: \"es\" }) { totalCount nodes { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(filtered["releases"], json!({ "totalCount": 1, "nodes": [{ "slug": "oim-plan-nacional-trata" }] }));
    // Without a search, highlights are null; RELEVANCE alone is newest first.
    let plain = app
        .data(
            "{ releases(first: 2, orderBy: { field: RELEVANCE }) { edges { highlights { title } node { slug } } } }",
            json!({}),
        )
        .await;
    let edges = plain["releases"]["edges"].as_array().unwrap();
    assert_eq!(edges[0], json!({ "highlights": null, "node": { "slug": "red-cross-floods" } }));
    assert_eq!(edges[1]["node"]["slug"], "cruz-roja-inundaciones");
    // A search ordered by date keeps that order and still highlights.
    let by_date = app
        .data(
            "{ releases(filter: { search: \"quito\" }) { edges { node { slug } highlights { snippet } } } }",
            json!({}),
        )
        .await;
    let edges = by_date["releases"]["edges"].as_array().unwrap();
    let slugs: Vec<&str> = edges.iter().map(|e| e["node"]["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["oim-traite-des-personnes", "oim-plan-nacional-trata", "iom-national-plan"]);
    assert!(edges[0]["highlights"]["snippet"].as_str().unwrap().contains("<mark>Quito</mark>"), "{edges:?}");
    // Nested lists refuse RELEVANCE with a code naming the argument.
    let body = app
        .graphql(
            "{ organisation(slug: \"iom\") { releases(orderBy: { field: RELEVANCE }) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "orderBy.field", "{body:#}");
}

async fn malformed_searches_are_never_errors(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    let all = app.data("{ releases { totalCount } }", json!({})).await["releases"]["totalCount"].as_u64().unwrap();
    for nonsense in [
        "\"",
        "\"\"",
        "-",
        "*",
        "OR",
        "OR OR",
        "a OR",
        "-floods",
        "(((",
        "'; DROP TABLE release; --",
        // PostgreSQL gets the search written into its statement (`service::search::tsquery`).
        "O'Brien d'Ivoire ''x'' \\' $1 $$",
        "\\",
        "%_%",
        "NOT",
        "AND",
        "NEAR(a b)",
        "{title}: x",
        "title:floods",
        "+",
        "w_floods",
        "\u{0}",
        "🦀",
        "a*b*c",
        "\"unterminated phrase",
        "''",
        "::*",
        "!floods",
        "&",
        "|",
        "<->",
        "@@",
    ] {
        let (_, total, _) = search(&app, None, json!({ "search": nonsense })).await;
        assert!(total <= all, "{nonsense:?}");
    }
    // Words survive the syntax around them.
    assert_eq!(search(&app, None, json!({ "search": "(floods" })).await.0, ["red-cross-floods"]);
    assert_eq!(search(&app, None, json!({ "search": "title:floods" })).await.0, Vec::<String>::new());
    assert_eq!(search(&app, None, json!({ "search": "\"coastal floods" })).await.0, ["red-cross-floods"]);
    // Nothing to look for is no filter.
    for empty in ["", "   ", "-floods", "\"\"", "*"] {
        assert_eq!(search(&app, None, json!({ "search": empty })).await.1, all, "{empty:?}");
    }
    // Too long is refused, naming the field.
    let body = app.graphql(SEARCH, json!({ "search": "a ".repeat(300) })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.search");
    // A cursor from another ordering is refused.
    let offsets = app.data("{ releases(first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = offsets["releases"]["pageInfo"]["endCursor"].clone();
    let body = app.graphql(SEARCH, json!({ "search": "quito", "after": cursor })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
}

async fn ranked_cursors_never_repeat_or_skip_when_writes_land_between_pages(app: TestApp) {
    let (doj, _) = crate::bulk::doj_records();
    import(&app, doj).await;
    // This test is about cursors, not the index's freshness (every_write_keeps_the_index_current):
    // it starts from a settled index. Once in a full CI run MariaDB's InnoDB FULLTEXT answered 17
    // of the 81 matches right after the import's commit (never reproduced alone); the wait below
    // says so on stderr when it happens, and fails if the index never catches up.
    let mut before = search(&app, None, json!({ "search": "trafficking", "first": 100 })).await;
    let mut totals = vec![before.1];
    while before.1 <= 20 && totals.len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        before = search(&app, None, json!({ "search": "trafficking", "first": 100 })).await;
        totals.push(before.1);
    }
    if totals.len() > 1 {
        eprintln!("{:?}: the index caught up after the import's commit: totals {totals:?}", app.backend());
    }
    let expected: HashSet<String> = before.0.iter().cloned().collect();
    assert!(expected.len() > 20 && before.1 <= 100, "{} of {}", expected.len(), before.1);
    let editor = token("editor");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut page = 0;
    loop {
        let (slugs, _, releases) =
            search(&app, None, json!({ "search": "trafficking", "first": 7, "after": after })).await;
        seen.extend(slugs);
        // Between pages: a release that ranks among the first, and one that ranks among the last,
        // both published.
        for (slug, title) in [
            (format!("new-top-{page}"), "Trafficking trafficking: new".to_owned()),
            (format!("new-low-{page}"), "A new release".to_owned()),
        ] {
            let body = if slug.contains("low") { "It mentions trafficking once." } else { "" };
            let created = app
                .data_as(
                    &editor,
                    "mutation($slug: String!, $title: String!, $body: String!) { createRelease(input: { language: \"en\", slug: $slug, title: $title, body: $body }) { id } }",
                    json!({ "slug": slug, "title": title, "body": body }),
                )
                .await;
            let id = created["createRelease"]["id"].clone();
            app.data_as(&editor, "mutation($id: ID!) { publishRelease(id: $id) { id } }", json!({ "id": id })).await;
        }
        if !releases["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = releases["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        page += 1;
    }
    let old: Vec<&String> = seen.iter().filter(|slug| expected.contains(*slug)).collect();
    let unique: HashSet<&String> = old.iter().copied().collect();
    assert_eq!(unique.len(), old.len(), "no release repeated");
    assert_eq!(unique.len(), expected.len(), "no release skipped");
    // The pages kept the first list's order.
    let order: Vec<&String> = before.0.iter().collect();
    assert_eq!(old, order);
}

async fn a_search_never_finds_counts_or_highlights_what_the_caller_may_not_see(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    let (slugs, total, _) = search(&app, None, json!({ "search": "zanzibar" })).await;
    assert_eq!((slugs.len(), total), (0, 0), "a draft and a future schedule stay hidden");
    let editor = token("editor");
    let (mut slugs, total, _) = search(&app, Some(&editor), json!({ "search": "zanzibar" })).await;
    slugs.sort();
    assert_eq!((slugs, total), (vec!["embargoed-zanzibar".to_owned(), "scheduled-zanzibar".to_owned()], 2));
    // Contacts are not indexed: a private contact's name finds nothing, for anyone.
    let contact = "mutation { createContact(input: { name: \"Zyxwvuta Private\", email: \"z@example.org\", public: false }) { id } }";
    let created = app.data_as(&editor, contact, json!({})).await;
    let id = created["createContact"]["id"].clone();
    let release = app
        .data_as(
            &editor,
            "mutation($c: [ID!]) { createRelease(input: { language: \"en\", slug: \"with-contact\", title: \"With a contact\", contacts: $c }) { id } }",
            json!({ "c": [id] }),
        )
        .await;
    let id = release["createRelease"]["id"].clone();
    app.data_as(&editor, "mutation($id: ID!) { publishRelease(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(search(&app, Some(&editor), json!({ "search": "zyxwvuta" })).await.1, 0);
    assert_eq!(search(&app, None, json!({ "search": "contact" })).await.0, ["with-contact"]);
}

async fn every_write_keeps_the_index_current(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    let editor = token("editor");
    let found = |search_text: &'static str| {
        let app = &app;
        async move { search(app, Some(&token("editor")), json!({ "search": search_text })).await.0 }
    };
    let id_of = |slug: &'static str, language: &'static str| {
        let app = &app;
        async move {
            let data = app
                .data_as(
                    &token("editor"),
                    "query($s: String!, $l: String!) { release(language: $l, slug: $s) { id version } }",
                    json!({ "s": slug, "l": language }),
                )
                .await;
            data["release"]["id"].clone()
        }
    };
    // A mutation: the old words go, the new ones come.
    let floods = id_of("red-cross-floods", "en").await;
    app.data_as(
        &editor,
        "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Ecuadorian Red Cross answers the landslides\" }) { id } }",
        json!({ "id": floods }),
    )
    .await;
    assert_eq!(found("landslides").await, ["red-cross-floods"]);
    assert!(found("coastal").await.is_empty());
    // A workflow step keeps it searchable, by the right people.
    app.data_as(&editor, "mutation($id: ID!) { archiveRelease(id: $id) { id } }", json!({ "id": floods })).await;
    assert!(search(&app, None, json!({ "search": "landslides" })).await.0.is_empty());
    assert_eq!(found("landslides").await, ["red-cross-floods"]);
    // Renaming a topic re-indexes the releases filed under it.
    let topic = app.data_as(&editor, "{ topic(slug: \"counter-trafficking\") { id } }", json!({})).await;
    app.data_as(
        &editor,
        "mutation($id: ID!) { updateTopic(id: $id, input: { name: \"Anti-slavery\" }) { id } }",
        json!({ "id": topic["topic"]["id"] }),
    )
    .await;
    assert_eq!(found("slavery").await.len(), 3);
    // Deleting an organisation takes its names out of its releases' index.
    assert_eq!(found("\"sans frontieres\"").await, ["securite-alimentaire-sahel"]);
    let msf = app.data_as(&editor, "{ organisation(slug: \"msf\") { id } }", json!({})).await;
    app.data_as(
        &token("admin"),
        "mutation($id: ID!) { deleteOrganisation(id: $id) { id } }",
        json!({ "id": msf["organisation"]["id"] }),
    )
    .await;
    assert!(found("doctors").await.is_empty());
    // An import (another file, same release) re-indexes what it changes.
    import(
        &app,
        json!({ "type": "release", "language": "fr", "slug": "securite-alimentaire-sahel", "title": "Famine au Sahel",
                "body": "", "status": "published", "published_at": "2026-03-04T10:00:00Z" })
        .to_string(),
    )
    .await;
    assert_eq!(found("famine").await, ["securite-alimentaire-sahel"]);
    assert!(found("alimentaire").await.is_empty());
    // A deleted release is gone from search.
    let sahel = id_of("securite-alimentaire-sahel", "fr").await;
    app.data_as(&token("admin"), "mutation($id: ID!) { deleteRelease(id: $id) { id } }", json!({ "id": sahel })).await;
    assert!(found("famine").await.is_empty());
}

async fn feeds_of_a_saved_search(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    for extension in ["atom", "rss", "json"] {
        let path = format!("{}/feeds/releases.{extension}?q=quito", app.address);
        let response = app.client.get(&path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 3, "{extension}: {body}");
        let titles: Vec<String> = feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
        assert!(titles[0].starts_with("L'OIM soutient"), "{extension}: newest first: {titles:?}");
        assert!(body.contains("q=quito"), "{extension}: its links keep the search");
        assert!(feed.title.unwrap().content.contains("quito"), "{extension}");
    }
    // Drafts never reach a feed, searched or not.
    let response = app.client.get(format!("{}/feeds/releases.atom?q=zanzibar", app.address)).send().await.unwrap();
    let feed = feed_rs::parser::parse(response.text().await.unwrap().as_bytes()).unwrap();
    assert!(feed.entries.is_empty());
    // A search too long is a coded error naming the parameter.
    let response =
        app.client.get(format!("{}/feeds/releases.atom?q={}", app.address, "a".repeat(600))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some("BAD_USER_INPUT"), Some("q")), "{error:#}");
}

async fn releases_from_before_the_index_are_indexed_at_start_up(app: TestApp) {
    use migration::{Migrator, MigratorTrait};
    import(&app, data_file("search_multilingual.ndjson")).await;
    // The database as it was before migration 10, carried forward: no release has index rows.
    crate::helpers::roll_back_before(app.db(), "000010").await;
    Migrator::up(app.db(), None).await.unwrap();
    assert!(search(&app, None, json!({ "search": "quito" })).await.0.is_empty());
    // The next server to start indexes them.
    let restarted = app.spawn_beside(|_| {}).await;
    assert_eq!(search(&restarted, None, json!({ "search": "quito" })).await.1, 3);
}

/// A ranked page that asks for `totalCount` counts it in the statement that reads the page (the
/// count window of `service::release::list_ranked`): the same total as a list by date counts
/// apart, no statement more than without it, and a page past the end still knows the total.
async fn a_ranked_page_counts_its_total_in_its_own_statement(app: TestApp) {
    import(&app, data_file("search_multilingual.ndjson")).await;
    let search = "national OR nacional OR traite OR floods OR inundaciones OR alimentaire OR zanzibar";
    let ranked = |total: bool| {
        format!(
            "query($after: String) {{ releases(first: 2, after: $after, filter: {{ search: \"{search}\" }}, \
             orderBy: {{ field: RELEVANCE }}) {{ {} pageInfo {{ hasNextPage endCursor }} edges {{ node {{ slug }} }} }} }}",
            if total { "totalCount" } else { "" }
        )
    };
    let dated = format!("{{ releases(filter: {{ search: \"{search}\" }}) {{ totalCount }} }}");
    let expected = app.data(&dated, json!({})).await["releases"]["totalCount"].as_u64().unwrap();
    assert!(expected > 2, "the search finds {expected} releases: too few to page");
    let statements = |query: String| {
        let app = &app;
        async move {
            app.data(&query, json!({})).await;
            let before = app.statements();
            let data = app.data(&query, json!({})).await;
            (app.statements() - before, data)
        }
    };
    let (with_total, data) = statements(ranked(true)).await;
    let (without_total, _) = statements(ranked(false)).await;
    assert_eq!(with_total, without_total, "totalCount cost {} statements more", with_total - without_total);
    assert_eq!(data["releases"]["totalCount"].as_u64(), Some(expected), "{data:#}");
    // Every page agrees, and one past the end (no row to count on) counts apart.
    let mut after = Value::Null;
    let mut seen = 0;
    loop {
        let page = app.data(&ranked(true), json!({ "after": after })).await;
        let releases = &page["releases"];
        assert_eq!(releases["totalCount"].as_u64(), Some(expected), "{page:#}");
        seen += releases["edges"].as_array().unwrap().len() as u64;
        after = releases["pageInfo"]["endCursor"].clone();
        if !releases["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(seen, expected);
    let past = app.data(&ranked(true), json!({ "after": after })).await;
    assert_eq!(past["releases"]["edges"], json!([]), "{past:#}");
    assert_eq!(past["releases"]["totalCount"].as_u64(), Some(expected), "{past:#}");
}

/// What an anonymous search counts in FTS5 on SQLite (`service::search::count`): the
/// published and the scheduled releases whose time has come, in every state a workflow step
/// leaves a release in. Each count is checked against the page and against the same search
/// narrowed by language, which counts with its page.
async fn an_anonymous_search_counts_what_it_may_see_in_every_state(app: TestApp) {
    let release = |slug: &str, status: &str, at: Option<&str>| {
        json!({ "type": "release", "language": "en", "slug": slug, "title": format!("Quokka census: {slug}"),
                "body": "The quokka census.", "status": status, "published_at": at, "organisations": [], "topics": [] })
        .to_string()
    };
    let records = [
        release("published", "published", Some("2026-01-01T00:00:00Z")),
        release("draft", "draft", None),
        release("due", "scheduled", Some("2026-02-01T00:00:00Z")),
        release("future", "scheduled", Some("2099-01-01T00:00:00Z")),
        release("archived", "archived", Some("2025-01-01T00:00:00Z")),
    ];
    import(&app, records.join("\n") + "\n").await;
    let seen = |expected: &'static [&'static str]| {
        let app = &app;
        async move {
            let (mut slugs, total, _) = search(app, None, json!({ "search": "quokka", "first": 20 })).await;
            slugs.sort();
            assert_eq!(
                (slugs, total),
                (expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(), expected.len() as u64)
            );
            let narrowed = search(app, None, json!({ "search": "quokka", "language": "en", "first": 20 })).await.1;
            assert_eq!(narrowed, expected.len() as u64, "narrowed by language");
        }
    };
    seen(&["due", "published"]).await;
    let editor = token("editor");
    let id_of = |slug: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            let data = app
                .data_as(
                    editor,
                    "query($s: String!) { release(language: \"en\", slug: $s) { id } }",
                    json!({ "s": slug }),
                )
                .await;
            data["release"]["id"].clone()
        }
    };
    let step = |mutation: &'static str, slug: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            let id = id_of(slug).await;
            app.data_as(editor, &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}"), json!({ "id": id }))
                .await;
        }
    };
    step("publishRelease", "draft").await;
    seen(&["draft", "due", "published"]).await;
    step("archiveRelease", "published").await;
    seen(&["draft", "due"]).await;
    step("unpublishRelease", "due").await;
    seen(&["draft"]).await;
    step("publishRelease", "future").await;
    seen(&["draft", "future"]).await;
    // An editor counts every state.
    assert_eq!(search(&app, Some(&editor), json!({ "search": "quokka" })).await.1, 5);
}

/// A word of letters naming `n` (the analyser keeps digits apart from letters).
fn word_for(n: usize) -> String {
    let mut word = String::from("zq");
    let mut rest = n;
    for _ in 0..4 {
        word.push(char::from(b'a' + (rest % 26) as u8));
        rest /= 26;
    }
    word
}

/// An import indexes its releases a few thousand at a time (`search::BATCH`, 5,000 on every
/// engine): every release of an import larger than that is found, and a re-import that changes
/// every title, in the other order, leaves no old word behind in any batch.
async fn an_import_of_several_index_batches_is_searchable_whole(app: TestApp) {
    const RELEASES: usize = 5_300;
    let records = |title: &dyn Fn(usize) -> String, order: &mut dyn Iterator<Item = usize>| -> String {
        order
            .map(|n| {
                let record = json!({
                    "type": "release", "language": "en", "slug": format!("batch-{n}"), "title": title(n),
                    "body": "A short body.", "status": "published", "published_at": "2026-03-02T10:00:00Z",
                });
                format!("{record}\n")
            })
            .collect()
    };
    let total = |search_text: String| {
        let app = &app;
        async move { search(app, None, json!({ "search": search_text, "first": 1 })).await.1 }
    };
    import(&app, records(&|n| format!("Harbour {}", word_for(n)), &mut (0..RELEASES))).await;
    for n in [0, 4_999, 5_000, RELEASES - 1] {
        assert_eq!(total(word_for(n)).await, 1, "release {n}");
    }
    assert_eq!(total("harbour".into()).await, RELEASES as u64);
    import(&app, records(&|n| format!("Lighthouse {}", word_for(n + RELEASES)), &mut (0..RELEASES).rev())).await;
    for n in [0, 299, 300, RELEASES - 1] {
        assert_eq!(total(word_for(n)).await, 0, "the old title of release {n}");
        assert_eq!(total(word_for(n + RELEASES)).await, 1, "the new title of release {n}");
    }
    assert_eq!(total("harbour".into()).await, 0);
    assert_eq!(total("lighthouse".into()).await, RELEASES as u64);
}

/// Ranking puts each release where its fields say (title 8, a topic's name 4, summary 2, per
/// clause; then newest first), read a page at a time forwards, backwards and in ascending order.
/// On SQLite a search that matches a thousand releases or more, and whose ranking looks in at
/// most three (clause, field) pairs found anywhere, is read a rank at a time
/// (`service::search::tiers`); others are scored match by match. `pelican` (three pairs) and
/// `heron coast` (two) take the first way, `pelican heron` (four) the second, and all must give
/// the order computed here.
async fn a_ranked_search_pages_through_every_rank_in_order(app: TestApp) {
    const RANKED: usize = 24;
    const OTHERS: usize = 1_000;
    let mut records = vec![
        json!({ "type": "topic", "slug": "pelican-coast", "name": "Pelican coast" }).to_string(),
        json!({ "type": "topic", "slug": "birds", "name": "Birds" }).to_string(),
        json!({ "type": "topic", "slug": "coast-guard", "name": "Coast guard" }).to_string(),
    ];
    // Where each release holds each word: (slug, time, pelican in the title, in a name, in the
    // summary, heron in the title, heron anywhere, coast in a name).
    type Release = (String, String, bool, bool, bool, bool, bool, bool);
    let mut releases: Vec<Release> = Vec::new();
    for n in 0..RANKED {
        let (title, names, summary) = (n % 2 == 1, n / 2 % 2 == 1, n / 4 % 2 == 1);
        let (heron_title, heron) = (n % 3 == 1, n % 3 != 0);
        let (slug, at) = (format!("bird-{n}"), format!("2026-01-{:02}T08:00:00Z", n + 1));
        records.push(
            json!({
                "type": "release", "language": "en", "slug": slug, "status": "published", "published_at": at,
                "title": format!("{}{}report {}", if title { "Pelican " } else { "" },
                                 if heron_title { "Heron " } else { "" }, word_for(n)),
                "summary": if summary { "A pelican was counted." } else { "A count." },
                "body": if heron { "Seen: a pelican and a heron." } else { "Seen: a pelican." },
                "topics": [if names { "pelican-coast" } else { "birds" }],
            })
            .to_string(),
        );
        releases.push((slug, at, title, names, summary, heron_title, heron, names));
    }
    // Enough older releases that every search but one is read in tiers on SQLite: each holds
    // both birds in its body and `coast` in its topic's name.
    for n in 0..OTHERS {
        let (slug, at) = (format!("log-{n}"), format!("2025-01-01T{:02}:{:02}:00Z", n / 60, n % 60));
        records.push(
            json!({
                "type": "release", "language": "en", "slug": slug, "status": "published", "published_at": at,
                "title": format!("Log {}", word_for(n)), "body": "A pelican and a heron flew by.",
                "topics": ["coast-guard"],
            })
            .to_string(),
        );
        releases.push((slug, at, false, false, false, false, true, true));
    }
    // A draft that would rank first: never seen, never counted.
    records.push(
        json!({ "type": "release", "language": "en", "slug": "bird-draft", "title": "Pelican heron",
                "summary": "A pelican.", "body": "A heron.", "topics": ["pelican-coast"], "status": "draft" })
        .to_string(),
    );
    import(&app, records.join("\n") + "\n").await;
    type Rank<'a> = &'a dyn Fn(&Release) -> Option<i64>;
    let pelican = |r: &Release| Some(8 * i64::from(r.2) + 4 * i64::from(r.3) + 2 * i64::from(r.4));
    let heron = |r: &Release| r.6.then_some(8 * i64::from(r.5));
    let coast = |r: &Release| r.7.then_some(4);
    let cases: [(&str, Rank); 3] = [
        ("pelican", &|r| pelican(r)),
        ("heron coast", &|r| Some(heron(r)? + coast(r)?)),
        ("pelican heron", &|r| Some(pelican(r)? + heron(r)?)),
    ];
    const PAGE: &str = "query($search: String!, $first: Int, $after: String, $last: Int, $before: String,
                              $direction: OrderDirection) {
      releases(first: $first, after: $after, last: $last, before: $before, filter: { search: $search },
               orderBy: { field: RELEVANCE, direction: $direction }) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { slug } }
      }
    }";
    let edges = |page: &Value| -> Vec<(String, Value)> {
        let edges = page["edges"].as_array().unwrap().iter();
        edges.map(|e| (e["node"]["slug"].as_str().unwrap().to_owned(), e["cursor"].clone())).collect()
    };
    // Every page forwards in `direction`, five at a time for the first thirty, then a hundred.
    let walk = |search_text: &'static str, direction: &'static str, expected: u64| {
        let app = &app;
        async move {
            let mut seen: Vec<(String, Value)> = Vec::new();
            let mut after = Value::Null;
            loop {
                let first = if seen.len() < 30 { 5 } else { 100 };
                let variables =
                    json!({ "search": search_text, "first": first, "after": after, "direction": direction });
                let data = app.data(PAGE, variables).await;
                let page = &data["releases"];
                assert_eq!(page["totalCount"].as_u64(), Some(expected), "{search_text}: {page:#}");
                seen.extend(edges(page));
                after = page["pageInfo"]["endCursor"].clone();
                if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                    return seen;
                }
            }
        }
    };
    for (search_text, rank) in cases {
        let mut ranked: Vec<(i64, &str, &str)> =
            releases.iter().filter_map(|r| Some((rank(r)?, r.1.as_str(), r.0.as_str()))).collect();
        ranked.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)));
        let order: Vec<String> = ranked.iter().map(|(_, _, slug)| slug.to_string()).collect();
        let total = order.len() as u64;
        // MariaDB's FULLTEXT index may answer a moment after the import's commit (see
        // ranked_cursors_never_repeat_or_skip_when_writes_land_between_pages).
        for _ in 0..20 {
            if search(&app, None, json!({ "search": search_text, "first": 1 })).await.1 == total {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let forwards = walk(search_text, "DESC", total).await;
        let slugs: Vec<&String> = forwards.iter().map(|(slug, _)| slug).collect();
        assert_eq!(slugs, order.iter().collect::<Vec<_>>(), "{search_text}: forwards");
        // Backwards, four at a time, from the thirtieth to the first.
        let mut backwards: Vec<String> = Vec::new();
        let mut before = forwards[29].1.clone();
        loop {
            let data = app
                .data(PAGE, json!({ "search": search_text, "last": 4, "before": before, "direction": "DESC" }))
                .await;
            let page = &data["releases"];
            backwards.splice(0..0, edges(page).into_iter().map(|(slug, _)| slug));
            before = page["pageInfo"]["startCursor"].clone();
            if !page["pageInfo"]["hasPreviousPage"].as_bool().unwrap() {
                break;
            }
        }
        assert_eq!(backwards, order[..29], "{search_text}: backwards");
        let ascending = walk(search_text, "ASC", total).await;
        let slugs: Vec<&String> = ascending.iter().map(|(slug, _)| slug).collect();
        assert_eq!(slugs, order.iter().rev().collect::<Vec<_>>(), "{search_text}: ascending");
    }
}
