//! Caching over HTTP and in memory, and persisted documents: anonymous GETs are cacheable (with
//! an ETag, 304, purge keys and a max-age bounded by the next scheduled publication), responses
//! to a token never are, and the response cache follows writes through any server and schedules
//! coming due. Documents can be persisted automatically (Apollo's protocol) or registered from
//! manifests, and an allow-list can hold anonymous callers to them.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestApp},
    tokens::token,
};

db_tests!(spawn =>
    anonymous_gets_carry_cache_headers_an_etag_and_purge_keys,
    a_response_to_a_token_is_never_stored_or_shared,
    a_write_through_another_server_shows_in_the_next_response,
    a_scheduled_release_appears_at_its_instant_through_the_cache,
    automatic_persisted_queries_follow_apollos_protocol,
    trusted_documents_are_registered_from_manifests_by_the_command_line,
);
db_tests!(spawn_allow_list => with_an_allow_list_anonymous_callers_get_trusted_documents_only);

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.auth = crate::tokens::auth_settings();
    })
    .await
}

async fn spawn_allow_list(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.auth = crate::tokens::auth_settings();
        settings.caching.anonymous_documents = api::config::AnonymousDocuments::Trusted;
    })
    .await
}

/// A GET of `query` (with `variables`), as `token` if given, sending `if_none_match` if given.
async fn get(app: &TestApp, params: &[(&str, String)], token: Option<&str>, etag: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/graphql", app.address)).query(params);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    request.send().await.unwrap()
}

fn query(text: &str) -> Vec<(&'static str, String)> {
    vec![("query", text.to_owned())]
}

fn headers(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The max-age of a `public, max-age=N` header.
fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.strip_prefix("public, max-age=")?.parse().ok()
}

const LATEST: &str = "{ releases(first: 3) { edges { node { id title topics { slug } } } } }";

async fn anonymous_gets_carry_cache_headers_an_etag_and_purge_keys(app: TestApp) {
    let response = get(&app, &query(LATEST), None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cache_control = headers(&response, "cache-control");
    let age = max_age(&cache_control).unwrap_or_else(|| panic!("not public: {cache_control}"));
    assert!((1..=60).contains(&age), "{cache_control}");
    assert!(headers(&response, "vary").contains("Authorization"));
    let etag = headers(&response, "etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "a strong ETag: {etag}");
    let keys = headers(&response, "surrogate-key");
    let tags = headers(&response, "cache-tag");
    let body: Value = response.json().await.unwrap();
    let first = body["data"]["releases"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    let (_, uuid) = api::graphql::node::decode("id", &first).unwrap();
    for key in ["newsroom", "Release", "Topic", &format!("Release:{uuid}")] {
        assert!(keys.split(' ').any(|k| k == key), "{key} in {keys}");
        assert!(tags.split(',').any(|k| k == key), "{key} in {tags}");
    }

    // The client's copy is current: 304, with no body, and the same validators.
    let again = get(&app, &query(LATEST), None, Some(&etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(headers(&again, "etag"), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // A write changes the answer: the old ETag no longer matches.
    let edit =
        "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Retitled for the cache test\" }) { title } }";
    app.data_as(&token("editor"), edit, json!({ "id": first })).await;
    let changed = get(&app, &query(LATEST), None, Some(&etag)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(headers(&changed, "etag"), etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["data"]["releases"]["edges"][0]["node"]["title"], "Retitled for the cache test");

    // A mutation over GET stays refused, persisted or not.
    let mutation = get(&app, &query("mutation { deleteTopic(id: \"x\") { slug } }"), None, None).await;
    assert_eq!(mutation.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn a_response_to_a_token_is_never_stored_or_shared(app: TestApp) {
    let editor = token("editor");
    let draft = "{ releases(first: 100, filter: { status: [DRAFT] }) { totalCount } }";
    // Anonymous first: the answer (no drafts) is stored.
    let anonymous = get(&app, &query(draft), None, None).await;
    assert!(max_age(&headers(&anonymous, "cache-control")).is_some());
    let anonymous: Value = anonymous.json().await.unwrap();
    assert_eq!(anonymous["data"]["releases"]["totalCount"], 0, "{anonymous}");
    // The editor is not served the anonymous answer, and the editor's is neither stored nor shared.
    let private = get(&app, &query(draft), Some(&editor), None).await;
    assert_eq!(headers(&private, "cache-control"), "private, no-store");
    assert!(headers(&private, "etag").is_empty() && headers(&private, "surrogate-key").is_empty());
    let private: Value = private.json().await.unwrap();
    let drafts = private["data"]["releases"]["totalCount"].as_u64().unwrap();
    assert!(drafts > 0, "{private}");
    let after: Value = get(&app, &query(draft), None, None).await.json().await.unwrap();
    assert_eq!(after["data"]["releases"]["totalCount"], 0);
    // A refused token is not anonymous either: its answer carries a warning.
    let refused = get(&app, &query(draft), Some("not-a-token"), None).await;
    assert_eq!(headers(&refused, "cache-control"), "no-store");
    // Nor is a POST ever cacheable over HTTP.
    let response =
        app.client.post(format!("{}/graphql", app.address)).json(&json!({ "query": LATEST })).send().await.unwrap();
    assert_eq!(headers(&response, "cache-control"), "no-store");
}

async fn a_write_through_another_server_shows_in_the_next_response(app: TestApp) {
    let other = app.spawn_beside(|settings| settings.auth = crate::tokens::auth_settings()).await;
    let topics = "{ topics(first: 100) { edges { node { slug name } } } }";
    let before: Value = get(&app, &query(topics), None, None).await.json().await.unwrap();
    let cached: Value = get(&app, &query(topics), None, None).await.json().await.unwrap();
    assert_eq!(before, cached);
    let slug = before["data"]["topics"]["edges"][0]["node"]["slug"].as_str().unwrap().to_owned();
    // Topics are listed by name: find the renamed one by its slug.
    let name_of = |body: &Value| {
        let edges = body["data"]["topics"]["edges"].as_array().unwrap();
        let node = &edges.iter().find(|edge| edge["node"]["slug"] == slug.as_str()).unwrap()["node"];
        node["name"].as_str().unwrap().to_owned()
    };
    let id: Value = other.data(&format!("{{ topic(slug: \"{slug}\") {{ id }} }}"), json!({})).await;
    let rename = "mutation($id: ID!) { updateTopic(id: $id, input: { name: \"Renamed elsewhere\" }) { name } }";
    other.data_as(&token("editor"), rename, json!({ "id": id["topic"]["id"] })).await;
    let after: Value = get(&app, &query(topics), None, None).await.json().await.unwrap();
    assert_ne!(name_of(&before), "Renamed elsewhere");
    assert_eq!(name_of(&after), "Renamed elsewhere", "the write through the other server shows at once");
}

async fn a_scheduled_release_appears_at_its_instant_through_the_cache(app: TestApp) {
    let editor = token("editor");
    let create =
        "mutation { createRelease(input: { language: \"en\", slug: \"due-soon\", title: \"Due soon\" }) { id } }";
    let created = app.data_as(&editor, create, json!({})).await;
    let id = created["createRelease"]["id"].clone();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { status } }";
    app.data_as(&editor, schedule, json!({ "id": id, "at": at.to_rfc3339() })).await;
    let wanted = "{ release(language: \"en\", slug: \"due-soon\") { title } }";
    let hidden = get(&app, &query(wanted), None, None).await;
    let age = max_age(&headers(&hidden, "cache-control"));
    assert!(age.is_none_or(|age| age <= 3), "a cache may keep it at most until the instant: {age:?}");
    let hidden: Value = hidden.json().await.unwrap();
    assert_eq!(hidden["data"]["release"], Value::Null);
    // Cached meanwhile, and still hidden.
    let cached: Value = get(&app, &query(wanted), None, None).await.json().await.unwrap();
    assert_eq!(cached["data"]["release"], Value::Null);
    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(100);
    tokio::time::sleep(wait).await;
    let shown: Value = get(&app, &query(wanted), None, None).await.json().await.unwrap();
    assert_eq!(shown["data"]["release"]["title"], "Due soon", "no write happened, and yet it is public");
}

fn sha256(text: &str) -> String {
    api::service::document::sha256_hex(text)
}

/// POSTs `body` as JSON, anonymously.
async fn post(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn automatic_persisted_queries_follow_apollos_protocol(app: TestApp) {
    let text = "query Latest { releases(first: 2) { edges { node { slug } } } }";
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(text) } });
    // The hash alone: unknown, so the client is told to send the text.
    let (status, body) = post(&app, json!({ "extensions": extensions })).await;
    assert_eq!(status, StatusCode::OK, "under application/json, as Apollo Client reads it: {body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert!(body["errors"][0].get("locations").is_none(), "no document was read: {body}");
    // The text with the hash registers it; then the hash alone is enough, over GET too.
    let (_, body) = post(&app, json!({ "query": text, "extensions": extensions })).await;
    let slugs = body["data"]["releases"]["edges"].clone();
    assert_eq!(slugs.as_array().unwrap().len(), 2, "{body}");
    let (_, body) = post(&app, json!({ "extensions": extensions })).await;
    assert_eq!(body["data"]["releases"]["edges"], slugs);
    let response = get(&app, &[("extensions", extensions.to_string())], None, None).await;
    assert!(max_age(&headers(&response, "cache-control")).is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["releases"]["edges"], slugs);
    // A hash that is not the text's is refused.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ x }") } });
    let (_, body) = post(&app, json!({ "query": text, "extensions": wrong })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_HASH_MISMATCH");
}

async fn trusted_documents_are_registered_from_manifests_by_the_command_line(app: TestApp) {
    let latest = "query Latest { releases(first: 1) { edges { node { slug } } } }";
    let topics = "query Topics { topics(first: 2) { edges { node { slug } } } }";
    let remove = "mutation Remove($id: ID!) { deleteTopic(id: $id) { slug } }";
    let dir = tempfile::tempdir().unwrap();
    let apollo = dir.path().join("persisted-query-manifest.json");
    let operations: Vec<Value> = [("Latest", latest, "query"), ("Remove", remove, "mutation")]
        .into_iter()
        .map(|(name, body, kind)| json!({ "id": sha256(body), "name": name, "type": kind, "body": body }))
        .collect();
    let manifest = json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations });
    std::fs::write(&apollo, manifest.to_string()).unwrap();
    let relay = dir.path().join("persisted_queries.json");
    std::fs::write(&relay, json!({ "9a4b1f0c2d3e4f5a6b7c8d9e0f1a2b3c": topics }).to_string()).unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_newsroom"))
            .args(args)
            .args(["--database-url", app.database_url()])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let (apollo, relay) = (apollo.to_str().unwrap(), relay.to_str().unwrap());
    assert_eq!(run(&["documents", "add", apollo, relay]).trim(), "3 added, 0 already registered");
    assert_eq!(run(&["documents", "add", apollo, relay]).trim(), "0 added, 3 already registered");
    assert!(run(&["documents", "list"]).contains(&format!("sha256:{}\tLatest", sha256(latest))));

    let by_id = get(&app, &[("documentId", format!("sha256:{}", sha256(latest)))], None, None).await;
    assert!(max_age(&headers(&by_id, "cache-control")).is_some());
    let by_id: Value = by_id.json().await.unwrap();
    assert_eq!(by_id["data"]["releases"]["edges"].as_array().unwrap().len(), 1, "{by_id}");
    let (_, relay_body) = post(&app, json!({ "documentId": "9a4b1f0c2d3e4f5a6b7c8d9e0f1a2b3c" })).await;
    assert_eq!(relay_body["data"]["topics"]["edges"].as_array().unwrap().len(), 2, "{relay_body}");
    let (_, unknown) = post(&app, json!({ "documentId": format!("sha256:{}", sha256("{ nope }")) })).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_NOT_FOUND");
    let (_, both) = post(&app, json!({ "documentId": "9a4b1f0c2d3e4f5a6b7c8d9e0f1a2b3c", "query": topics })).await;
    assert_eq!(both["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    // A persisted mutation is still a mutation: not over GET.
    let mutation = get(&app, &[("documentId", format!("sha256:{}", sha256(remove)))], None, None).await;
    assert_eq!(mutation.status(), StatusCode::METHOD_NOT_ALLOWED);
    let removed = run(&["documents", "remove", &format!("sha256:{}", sha256(remove))]);
    assert_eq!(removed.trim(), format!("removed sha256:{}", sha256(remove)));
}

async fn with_an_allow_list_anonymous_callers_get_trusted_documents_only(app: TestApp) {
    let latest = "query Latest { releases(first: 1) { edges { node { slug } } } }";
    let document = api::service::document::Document {
        id: format!("sha256:{}", sha256(latest)),
        body: latest.to_owned(),
        operation_name: Some("Latest".into()),
    };
    api::service::document::register(app.db(), Some("site"), &[document]).await.unwrap();
    let (status, refused) = post(&app, json!({ "query": "{ topics(first: 1) { totalCount } }" })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_REQUIRED", "{refused}");
    assert_eq!(status, StatusCode::OK);
    // Trusted: by id, by hash (Apollo's protocol), or as the very text.
    let (_, by_id) = post(&app, json!({ "documentId": format!("sha256:{}", sha256(latest)) })).await;
    assert!(by_id["data"]["releases"].is_object(), "{by_id}");
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(latest) } });
    let (_, by_hash) = post(&app, json!({ "extensions": extensions })).await;
    assert!(by_hash["data"]["releases"].is_object(), "{by_hash}");
    let (_, by_text) = post(&app, json!({ "query": latest })).await;
    assert!(by_text["data"]["releases"].is_object(), "{by_text}");
    // An anonymous client cannot register its own through the automatic protocol.
    let other = "{ topics(first: 1) { totalCount } }";
    let own = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(other) } });
    let (_, registered) = post(&app, json!({ "query": other, "extensions": own })).await;
    assert_eq!(registered["errors"][0]["extensions"]["code"], "PERSISTED_DOCUMENT_REQUIRED");
    // Editors and scripts with a token send what they like.
    let editor = app.data_as(&token("editor"), other, json!({})).await;
    assert!(editor["topics"]["totalCount"].as_u64().unwrap() > 0);
}
