//! The HTTP surface around GraphQL: health checks, GET queries, GraphiQL, request ids, HTML safety.

use chrono::Utc;
use entity::release;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo =>
    health_and_readiness_answer,
    queries_also_work_over_get_and_as_application_graphql,
    graphiql_and_the_sdl_are_served,
    release_html_is_sanitised,
);

async fn health_and_readiness_answer(app: TestApp) {
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-request-id"), "every response names its request");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], status);
    }
}

async fn queries_also_work_over_get_and_as_application_graphql(app: TestApp) {
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "query($s: String!) { topic(slug: $s) { name } }"), ("variables", r#"{"s":"health"}"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["topic"]["name"], "Health");

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/graphql")
        .body("{ topics(first: 1) { totalCount } }")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["topics"]["totalCount"], 6);

    // Batches run each request.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!([{ "query": "{ topics { totalCount } }" }, { "query": "{ commissions { totalCount } }" }]))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["data"]["topics"]["totalCount"], 6);
    assert_eq!(body[1]["data"]["commissions"]["totalCount"], 1);
}

async fn graphiql_and_the_sdl_are_served(app: TestApp) {
    let page = app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
    let sdl = app.client.get(format!("{}/schema.graphql", app.address)).send().await.unwrap().text().await.unwrap();
    assert_eq!(sdl, api::graphql::sdl());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(sdl, committed, "schema.graphql is stale: run `cargo run -- schema > schema.graphql`");
}

async fn release_html_is_sanitised(app: TestApp) {
    let now = Utc::now();
    release::ActiveModel {
        public_id: Set(uuid::Uuid::new_v4()),
        language: Set("en".into()),
        slug: Set("hostile".into()),
        title: Set("Hostile <script>alert(1)</script>".into()),
        body: Set(
            "Hello <script>alert('x')</script> **world** <img src=x onerror=alert(1)> [a](javascript:alert(1))".into()
        ),
        status: Set(release::Status::Published),
        published_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    let data = app.data("{ release(language: \"en\", slug: \"hostile\") { title body bodyHtml } }", json!({})).await;
    let html = data["release"]["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>world</strong>"), "{html}");
    for banned in ["<script", "onerror", "javascript:"] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    assert_eq!(data["release"]["title"], "Hostile <script>alert(1)</script>", "plain fields are returned as stored");
}
