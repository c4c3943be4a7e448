//! GraphQL over HTTP as the spec's current draft says, with the tooling's own documents: the
//! standard introspection query, media types and their status codes, batch limits, slow clients.
//! (graphql-http's own audits run against the server in CI: `tests/frontend/run`.)

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    helpers::{Backend, TestApp},
    tokens::token,
};

db_tests!(TestApp::spawn_demo =>
    the_standard_introspection_query_answers_at_the_default_limits,
    data_fields_stay_under_the_depth_limit_next_to_introspection,
    each_media_type_gets_the_status_codes_the_spec_gives_it,
    bodies_are_read_only_as_json_or_graphql,
);
db_tests!(TestApp::spawn_editorial => batches_are_refused_whole_when_too_large_or_too_complex);
db_tests!(spawn_impatient => a_client_that_is_slow_to_send_is_answered_408);

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The documents graphql-js's `getIntrospectionQuery()` builds, with every option on and with
/// its defaults (written by `tests/frontend/introspection.mjs`).
const INTROSPECTION: [&str; 2] =
    [include_str!("fixtures/introspection.graphql"), include_str!("fixtures/introspection-default.graphql")];

async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> (StatusCode, Option<String>, Value) {
    let mut request = app.client.post(format!("{}/graphql", app.address)).json(&body);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|value| value.to_str().unwrap().to_owned());
    (status, content_type, response.json().await.unwrap())
}

async fn the_standard_introspection_query_answers_at_the_default_limits(app: TestApp) {
    for document in INTROSPECTION {
        let body = app.graphql(document, json!({})).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        let release = types.iter().find(|t| t["name"] == "Release").expect("Release is listed");
        assert!(release["fields"].as_array().unwrap().iter().any(|field| field["name"] == "title"));
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    }
    // A tool asking for one type, as deep as `ofType` goes.
    let one = "{ __type(name: \"Release\") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
    app.data(one, json!({})).await;
}

async fn data_fields_stay_under_the_depth_limit_next_to_introspection(app: TestApp) {
    let mut deep = String::from("id");
    for _ in 0..12 {
        deep = format!("parent {{ {deep} }}");
    }
    // 13 levels of data beside introspection: refused as before, whatever introspection adds.
    let query = format!("{{ __schema {{ types {{ name }} }} organisation(slug: \"iom\") {{ {deep} }} }}");
    assert_eq!(app.error_code(&query, json!({})).await, "QUERY_TOO_DEEP");
    // And through fragments, which count as if written out.
    let fragments = format!(
        "query {{ ...A }} fragment A on Query {{ organisation(slug: \"iom\") {{ ...B }} }} fragment B on Organisation {{ {deep} }}"
    );
    assert_eq!(app.error_code(&fragments, json!({})).await, "QUERY_TOO_DEEP");
    // 12 levels pass.
    let mut twelve = String::from("id");
    for _ in 0..10 {
        twelve = format!("parent {{ {twelve} }}");
    }
    app.data(&format!("{{ organisation(slug: \"iom\") {{ {twelve} }} }}"), json!({})).await;
}

async fn each_media_type_gets_the_status_codes_the_spec_gives_it(app: TestApp) {
    let ok = json!({ "query": "{ topics { totalCount } }" });
    let unparsable = json!({ "query": "{ topics {" });
    let invalid = json!({ "query": "{ noSuchField }" });
    let uncoercible =
        json!({ "query": "query($n: Int) { releases(first: $n) { totalCount } }", "variables": { "n": "x" } });
    let field_error = json!({ "query": "{ releases(first: 101) { totalCount } topics { totalCount } }" });

    // application/graphql-response+json: a request error is a 400 without `data`.
    let (status, content_type, body) = post(&app, Some(GRAPHQL_RESPONSE), ok.clone()).await;
    assert_eq!(status, 200);
    assert!(content_type.unwrap().starts_with(GRAPHQL_RESPONSE));
    assert_eq!(body["data"]["topics"]["totalCount"], 6);
    for (request, code) in [
        (&unparsable, "GRAPHQL_PARSE_FAILED"),
        (&invalid, "GRAPHQL_VALIDATION_FAILED"),
        (&uncoercible, "BAD_USER_INPUT"),
    ] {
        let (status, content_type, body) = post(&app, Some(GRAPHQL_RESPONSE), request.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert!(content_type.unwrap().starts_with(GRAPHQL_RESPONSE));
        assert!(body.get("data").is_none(), "no data entry after a request error: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], code);
    }
    // A field error is not a request error: the rest of the data comes with a 200.
    let (status, _, body) = post(&app, Some(GRAPHQL_RESPONSE), field_error.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAGE_SIZE_EXCEEDED");
    assert_eq!(body["data"]["topics"]["totalCount"], 6);

    // application/json (asked for, implied by */*, or by no Accept at all): 200 for every
    // well-formed request, still without `data` after a request error.
    for accept in [Some("application/json"), Some("*/*"), None] {
        let (status, content_type, body) = post(&app, accept, unparsable.clone()).await;
        assert_eq!(status, 200);
        assert!(content_type.unwrap().starts_with("application/json"));
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
    }
    // The client's order of preference decides.
    let (_, content_type, _) =
        post(&app, Some("application/json;q=0.9, application/graphql-response+json"), ok.clone()).await;
    assert!(content_type.unwrap().starts_with(GRAPHQL_RESPONSE));
    // Neither accepted: 406, said in JSON.
    let (status, _, body) = post(&app, Some("text/html"), ok.clone()).await;
    assert_eq!(status, 406);
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");

    // A response depends on Accept, so caches must key on it.
    let response = app.client.get(format!("{}/graphql?query={{__typename}}", app.address)).send().await.unwrap();
    assert!(response.headers()[header::VARY].to_str().unwrap().split(", ").any(|name| name == "Accept"));
    // A mutation over GET names the method to use instead.
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { deleteTopic(id: \"x\") { deletedId } }")])
        .header(header::ACCEPT, GRAPHQL_RESPONSE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()[header::ALLOW], "POST");
}

async fn bodies_are_read_only_as_json_or_graphql(app: TestApp) {
    let send = |content_type: Option<&'static str>, body: &'static str| {
        let mut request = app.client.post(format!("{}/graphql", app.address)).body(body);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let query = r#"{"query":"{ topics { totalCount } }"}"#;
    // No content type, or one a cross-site form could send without a preflight: refused.
    for content_type in [None, Some("text/plain;charset=UTF-8"), Some("application/json; charset=utf-16")] {
        let (status, body) = send(content_type, query).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    }
    for content_type in ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8"] {
        let (status, body) = send(Some(content_type), query).await;
        assert_eq!(status, 200, "{content_type}");
        assert_eq!(body["data"]["topics"]["totalCount"], 6);
    }
    // A request without a query is malformed, not an empty document.
    for body in [r#"{"qeury":"{ topics { totalCount } }"}"#, "", r#"{"query":""}"#] {
        let (status, answer) = send(Some("application/json"), body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

async fn batches_are_refused_whole_when_too_large_or_too_complex(app: TestApp) {
    let editor = token("editor");
    let batch = |operations: Vec<Value>| {
        app.client.post(format!("{}/graphql", app.address)).bearer_auth(&editor).json(&Value::Array(operations)).send()
    };
    let small = json!({ "query": "{ topics { totalCount } }" });
    // The default limit is 10 operations.
    let response = batch(vec![small.clone(); 10]).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap().as_array().unwrap().len(), 10);
    let response = batch(vec![small.clone(); 11]).await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BATCH_TOO_LARGE");

    // Each of these is within the complexity limit of 20,000; two of them are not, and the
    // mutation ahead of them must not run either.
    // (About 12,500: 100 releases, each with 40 of its commissions' releases.)
    let heavy = json!({ "query": "{ releases(first: 100) { edges { node { title commissions { releases(first: 40) { edges { node { title } } } } } } } }" });
    let single = app.graphql(heavy["query"].as_str().unwrap(), json!({})).await;
    assert!(single.get("errors").is_none(), "one heavy query alone is admitted: {single}");
    let create =
        json!({ "query": "mutation { createTopic(input: { slug: \"batched\", name: \"Batched\" }) { slug } }" });
    let response = batch(vec![create.clone(), heavy.clone(), heavy.clone()]).await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BATCH_TOO_COMPLEX", "{body}");
    let topic = app.graphql("{ topic(slug: \"batched\") { slug } }", json!({})).await;
    assert_eq!(topic["data"]["topic"], Value::Null, "nothing of a refused batch ran");
    // Within the budget, the mutation and the query both run, in order.
    let response = batch(vec![create, heavy]).await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["data"]["createTopic"]["slug"], "batched", "{body}");
    assert!(body[1]["data"]["releases"]["edges"].is_array());
}

async fn spawn_impatient(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.http.client_timeout_secs = 1).await
}

/// What the server answers on a raw connection that sends `head` and then nothing more.
async fn answer_to_a_stalled(app: &TestApp, head: &str) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server hangs up within the timeout")
        .unwrap();
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

async fn a_client_that_is_slow_to_send_is_answered_408(app: TestApp) {
    // Headers that never end.
    let (answer, waited) = answer_to_a_stalled(&app, "POST /graphql HTTP/1.1\r\nHost: newsroom\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // A body that never comes.
    let head = "POST /graphql HTTP/1.1\r\nHost: newsroom\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"query\":";
    let (answer, waited) = answer_to_a_stalled(&app, head).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}
