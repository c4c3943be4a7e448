//! Guards are on by default and each refuses with its own code.

use serde_json::json;

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo =>
    deep_queries_are_refused,
    complex_queries_are_refused,
    oversized_pages_are_refused,
    oversized_bodies_are_refused,
    malformed_requests_get_coded_errors,
    database_failures_do_not_leak_sql,
);

async fn deep_queries_are_refused(app: TestApp) {
    let mut query = String::from("id");
    for _ in 0..14 {
        query = format!("parent {{ {query} }}");
    }
    let query = format!("{{ organisation(slug: \"iom\") {{ {query} }} }}");
    assert_eq!(app.error_code(&query, json!({})).await, "QUERY_TOO_DEEP");
    // A query of ordinary depth passes.
    app.data("{ organisation(slug: \"iom\") { parent { parent { id } } } }", json!({})).await;
}

async fn complex_queries_are_refused(app: TestApp) {
    let query = "{ releases(first: 100) { edges { node { commissions { releases(first: 100) { edges { node { title summary } } } } } } } }";
    assert_eq!(app.error_code(query, json!({})).await, "QUERY_TOO_COMPLEX");
}

async fn oversized_pages_are_refused(app: TestApp) {
    let body = app.graphql("{ releases(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAGE_SIZE_EXCEEDED");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first");
    assert_eq!(body["errors"][0]["path"], json!(["releases"]));
    assert_eq!(app.error_code("{ topics(last: 1000) { totalCount } }", json!({})).await, "PAGE_SIZE_EXCEEDED");
    assert_eq!(app.error_code("{ topics(first: -1) { totalCount } }", json!({})).await, "BAD_USER_INPUT");
    app.data("{ releases(first: 100) { totalCount } }", json!({})).await;
}

async fn oversized_bodies_are_refused(app: TestApp) {
    let padding = " ".repeat(11 * 1024 * 1024);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": format!("{{ topics {{ totalCount }} }}{padding}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}

async fn malformed_requests_get_coded_errors(app: TestApp) {
    assert_eq!(app.error_code("{ releases(first: 1) { ", json!({})).await, "GRAPHQL_PARSE_FAILED");
    assert_eq!(app.error_code("{ releases { noSuchField } }", json!({})).await, "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(
        app.error_code("query($n: Int) { releases(first: $n) { totalCount } }", json!({ "n": "twenty" })).await,
        "BAD_USER_INPUT"
    );
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

async fn database_failures_do_not_leak_sql(app: TestApp) {
    use sea_orm::ConnectionTrait;
    app.db().execute_unprepared("DROP TABLE release_topic").await.unwrap();
    let body = app.graphql("{ releases(first: 3) { edges { node { title topics { name } } } } }", json!({})).await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR", "{body}");
    assert_eq!(error["message"], "internal server error");
    assert!(!body.to_string().contains("release_topic"), "no SQL in {body}");
}
