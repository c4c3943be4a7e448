//! No N+1: the number of SQL statements a query runs depends on its shape, not on its rows.

use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestApp},
    tokens::token,
};

async fn seeded(backend: Backend) -> Option<TestApp> {
    // The database path is what is counted: whole responses from memory are `caching`'s tests.
    let app = TestApp::spawn_with(backend, |settings| {
        settings.auth = crate::tokens::auth_settings();
        settings.caching.response_cache_mb = 0;
    })
    .await?;
    api::seed::generate(app.db(), 60).await.unwrap();
    Some(app)
}

db_tests!(seeded => nested_release_lists_cost_the_same_statements_for_1_and_50_releases);
db_tests!(seeded => a_release_page_costs_two_statements_once_its_records_are_cached);
db_tests!(seeded => a_list_by_organisation_or_commission_counts_its_total_with_its_page);

const PAGE: &str = r#"
query($language: String!, $slug: String!) {
  release(language: $language, slug: $slug) {
    title
    topics { name }
    commissions { name headOrganisation { name } members { role organisation { name } } }
    organisations { role organisation { name } }
    contacts { name organisation { name } }
  }
}"#;

/// A release page goes the lists' way: its relations come through the reference cache, so once
/// its records are cached it costs the release and one statement of keys (with the write mark),
/// and after a write it reads them again; the answer is the same either way.
async fn a_release_page_costs_two_statements_once_its_records_are_cached(app: TestApp) {
    let list =
        app.data("{ releases(first: 50) { edges { node { language slug commissions { slug } } } } }", json!({})).await;
    let edges = list["releases"]["edges"].as_array().unwrap();
    let node = &edges.iter().find(|e| !e["node"]["commissions"].as_array().unwrap().is_empty()).unwrap()["node"];
    let variables = json!({ "language": node["language"], "slug": node["slug"] });
    let page = || async {
        let before = app.statements();
        let data = app.data(PAGE, variables.clone()).await;
        (app.statements() - before, data)
    };
    let (cold, read) = page().await;
    let (warm, cached) = page().await;
    assert_eq!(read, cached, "the cached page is the page read from the database");
    assert!(!read["release"]["commissions"][0]["members"].as_array().unwrap().is_empty());
    assert_eq!(warm, 2, "{warm} statements once cached (cold: {cold})");
    assert!(cold > warm, "cold: {cold}");
    write(&app, 1).await;
    let (after_write, again) = page().await;
    assert!(after_write > 2, "a write sends the page back to the database: {after_write}");
    assert_eq!(again, read);
}

const NESTED: &str = r#"
query($first: Int!) {
  releases(first: $first) {
    edges { node {
      slug title summary publishedAt
      topics { name }
      commissions {
        name
        headOrganisation { name }
        members { role organisation { name } }
      }
      organisations { role organisation { name } }
      contacts { name email organisation { name } }
      translations { slug }
    } }
  }
}"#;

/// Runs `NESTED` for `first` releases; returns the statements it cost and the releases.
async fn measure(app: &TestApp, first: usize) -> (u64, Vec<Value>) {
    let before = app.statements();
    let data = app.data(NESTED, json!({ "first": first })).await;
    let statements = app.statements() - before;
    let edges = data["releases"]["edges"].as_array().unwrap().clone();
    (statements, edges)
}

/// A write through newsroom (a new topic), which moves the database's write mark.
async fn write(app: &TestApp, n: usize) {
    let create =
        "mutation($name: String!, $slug: String!) { createTopic(input: { name: $name, slug: $slug }) { slug } }";
    let variables = json!({ "name": format!("Written {n}"), "slug": format!("written-{n}") });
    app.data_as(&token("editor"), create, variables).await;
}

async fn nested_release_lists_cost_the_same_statements_for_1_and_50_releases(app: TestApp) {
    // Warm up the pool so that connection set-up statements are not counted; this list also
    // caches the records its releases name (see `graphql::preload`).
    measure(&app, 50).await;

    let (one, one_edges) = measure(&app, 1).await;
    let (fifty, fifty_edges) = measure(&app, 50).await;
    assert_eq!(one_edges.len(), 1);
    assert_eq!(fifty_edges.len(), 50);

    // The fifty releases really do carry every nested level, so the equalities below are not vacuous.
    let nested = |pick: fn(&Value) -> usize| fifty_edges.iter().map(|e| pick(&e["node"])).sum::<usize>();
    assert!(nested(|n| n["topics"].as_array().unwrap().len()) >= 50);
    assert!(nested(|n| n["contacts"].as_array().unwrap().len()) >= 40);
    assert!(nested(|n| n["organisations"].as_array().unwrap().len()) >= 50);
    let members =
        nested(|n| n["commissions"].as_array().unwrap().iter().map(|c| c["members"].as_array().unwrap().len()).sum());
    assert!(members >= 100, "members: {members}");

    // With the records cached: the releases, then the keys they name with the write mark.
    assert_eq!(one, fifty, "1 release cost {one} statements, 50 cost {fifty}");
    assert_eq!(fifty, 2, "{fifty} statements");

    // After a write the cache is stale, and a list reads the records again: their topics,
    // commissions (with heads), organisations and contacts (with their organisations), and the
    // commissions' members (with their organisations).
    write(&app, 1).await;
    let (cold_one, cold_one_edges) = measure(&app, 1).await;
    write(&app, 2).await;
    let (cold_fifty, cold_fifty_edges) = measure(&app, 50).await;
    assert_eq!(cold_one, cold_fifty, "1 release cost {cold_one} statements, 50 cost {cold_fifty}");
    assert_eq!(cold_fifty, 7, "{cold_fifty} statements");
    // Read from the database or assembled from the cache, the answer is the same.
    assert_eq!(cold_one_edges, one_edges);
    assert_eq!(cold_fifty_edges, fifty_edges);
}

async fn seeded_without_cache(backend: Backend) -> Option<TestApp> {
    let app = TestApp::spawn_with(backend, |settings| {
        settings.database.reference_cache = false;
        settings.caching.response_cache_mb = 0;
    })
    .await?;
    api::seed::generate(app.db(), 60).await.unwrap();
    Some(app)
}

db_tests!(seeded_without_cache => with_the_reference_cache_off_every_list_reads_the_records);

async fn with_the_reference_cache_off_every_list_reads_the_records(app: TestApp) {
    measure(&app, 50).await;
    let (one, _) = measure(&app, 1).await;
    let (fifty, fifty_edges) = measure(&app, 50).await;
    let (again, again_edges) = measure(&app, 50).await;
    // The releases, then one statement per relation: no key statement, and nothing remembered.
    assert_eq!((one, fifty, again), (6, 6, 6));
    assert_eq!(again_edges, fifty_edges);
}

db_tests!(seeded => nested_release_connections_are_batched_across_their_parents);

const NESTED_CONNECTIONS: &str = r#"
query($first: Int!) {
  commissions(first: $first) {
    edges { node {
      slug
      releases(first: 3) { totalCount pageInfo { hasNextPage } edges { node { slug topics { name } } } }
    } }
  }
}"#;

async fn nested_release_connections_are_batched_across_their_parents(app: TestApp) {
    app.data(NESTED_CONNECTIONS, json!({ "first": 1 })).await;
    let before = app.statements();
    app.data(NESTED_CONNECTIONS, json!({ "first": 1 })).await;
    let one = app.statements() - before;
    let before = app.statements();
    let data = app.data(NESTED_CONNECTIONS, json!({ "first": 10 })).await;
    let ten = app.statements() - before;
    // commissions, their count-free page of releases, the releases' counts, their topics.
    assert_eq!((one, ten), (4, 4), "1 commission cost {one} statements, 10 cost {ten}");

    // Each nested page is the page the root list gives for that commission.
    let commissions = data["commissions"]["edges"].as_array().unwrap();
    assert_eq!(commissions.len(), 10);
    let mut nonempty = 0;
    for commission in commissions {
        let nested = &commission["node"]["releases"];
        let root = app
            .data(
                "query($c: String!) { releases(first: 3, filter: { commission: $c }) { totalCount pageInfo { hasNextPage } edges { node { slug topics { name } } } } }",
                json!({ "c": commission["node"]["slug"] }),
            )
            .await;
        assert_eq!(nested, &root["releases"], "{}", commission["node"]["slug"]);
        nonempty += usize::from(!nested["edges"].as_array().unwrap().is_empty());
    }
    assert!(nonempty >= 5, "the comparison covers real pages ({nonempty} non-empty)");
}

db_tests!(seeded => vocabularies_and_identifiers_cost_the_same_statements_for_1_and_20_records);

/// Topics' parents and children, and organisations' and releases' external identifiers, are
/// loaded for a whole page at once.
async fn vocabularies_and_identifiers_cost_the_same_statements_for_1_and_20_records(app: TestApp) {
    let mut lines = vec![json!({ "type": "topic", "slug": "root", "name": "Root", "scheme": "theme" }).to_string()];
    for n in 0..20 {
        lines.push(json!({ "type": "topic", "slug": format!("leaf-{n:02}"), "name": format!("Leaf {n:02}"), "parent": "root" }).to_string());
        lines.push(json!({ "type": "organisation", "slug": format!("org-{n:02}"), "name": format!("Org {n:02}"), "kind": "other",
            "external_ids": [{ "scheme": "iati", "value": format!("XM-{n:02}") }] }).to_string());
    }
    let response = app
        .client
        .post(format!("{}/api/import", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let shapes = [
        "query($n: Int!) { topics(first: $n, filter: { nameContains: \"Leaf\" }) { edges { node { slug parent { slug } children { slug } } } } }",
        "query($n: Int!) { organisations(first: $n, filter: { nameContains: \"Org \" }) { edges { node { slug externalIds { scheme value } } } } }",
        "query($n: Int!) { releases(first: $n) { edges { node { slug externalIds { value } } } } }",
    ];
    for query in shapes {
        app.data(query, json!({ "n": 20 })).await;
        let count = |n: usize| {
            let app = &app;
            async move {
                let before = app.statements();
                let data = app.data(query, json!({ "n": n })).await;
                let first = data.as_object().unwrap().values().next().unwrap();
                (app.statements() - before, first["edges"].as_array().unwrap().len())
            }
        };
        let (one, one_rows) = count(1).await;
        let (twenty, twenty_rows) = count(20).await;
        assert_eq!((one_rows, twenty_rows), (1, 20), "{query}");
        assert_eq!(one, twenty, "{query}: statements follow the shape, not the rows");
    }
}

/// A root list filtered by organisation or commission reads its page and its `totalCount` in one
/// statement (`service::release::list_counted`): the same statements with the count as without,
/// the same pages in the same order as the list without it, the same total on every page as the
/// parent's own count, and a page past the end (no row to count on) or `last` counted apart.
async fn a_list_by_organisation_or_commission_counts_its_total_with_its_page(app: TestApp) {
    for (parents, filter) in [("organisations", "organisation"), ("commissions", "commission")] {
        let listed = app
            .data(
                &format!("{{ {parents}(first: 100) {{ edges {{ node {{ slug releases {{ totalCount }} }} }} }} }}"),
                json!({}),
            )
            .await;
        let busiest = listed[parents]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| &edge["node"])
            .max_by_key(|node| node["releases"]["totalCount"].as_u64().unwrap())
            .unwrap();
        let slug = busiest["slug"].as_str().unwrap();
        let expected = busiest["releases"]["totalCount"].as_u64().unwrap();
        assert!(expected >= 3, "{filter} {slug} has {expected} releases: too few to page");
        let query = |total: bool| {
            format!(
                "query($after: String, $last: Int) {{ releases(first: 2, after: $after, last: $last, filter: {{ {filter}: \"{slug}\" }}) \
                 {{ {} pageInfo {{ hasNextPage endCursor }} edges {{ node {{ slug }} }} }} }}",
                if total { "totalCount" } else { "" }
            )
        };
        let all = app
            .data(
                &format!(
                    "{{ releases(first: 100, filter: {{ {filter}: \"{slug}\" }}) {{ edges {{ node {{ slug }} }} }} }}"
                ),
                json!({}),
            )
            .await;
        let all: Vec<Value> =
            all["releases"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].clone()).collect();
        assert_eq!(all.len() as u64, expected, "the parent's count and its list agree");
        let statements = |query: String| {
            let app = &app;
            async move {
                app.data(&query, json!({})).await;
                let before = app.statements();
                app.data(&query, json!({})).await;
                app.statements() - before
            }
        };
        let (with_total, without_total) = (statements(query(true)).await, statements(query(false)).await);
        assert_eq!(
            with_total,
            without_total,
            "{filter}: totalCount cost {} statements more",
            with_total - without_total
        );
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app.data(&query(true), json!({ "after": after })).await;
            let releases = &page["releases"];
            assert_eq!(releases["totalCount"].as_u64(), Some(expected), "{page:#}");
            seen.extend(releases["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].clone()));
            after = releases["pageInfo"]["endCursor"].clone();
            if !releases["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
        }
        assert_eq!(seen, all, "{filter}: the counted pages are the list's, in its order");
        let past = app.data(&query(true), json!({ "after": after })).await;
        assert_eq!(past["releases"]["edges"], json!([]), "{past:#}");
        assert_eq!(past["releases"]["totalCount"].as_u64(), Some(expected), "{past:#}");
        let last = app.data(&query(true).replace("first: 2, ", ""), json!({ "last": 2 })).await;
        let tail: Vec<Value> =
            last["releases"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["slug"].clone()).collect();
        assert_eq!(tail, all[all.len() - 2..], "{last:#}");
        assert_eq!(last["releases"]["totalCount"].as_u64(), Some(expected), "{last:#}");
    }
}
