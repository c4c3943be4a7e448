//! What browsers need: CORS on every surface, security headers on every response, and GraphiQL
//! served whole from this origin. (The same, in headless Chromium: `tests/frontend/browser.mjs`.)

use reqwest::{Method, StatusCode, header};

use crate::helpers::{Backend, TestApp};

db_tests!(TestApp::spawn_demo =>
    any_origin_may_read_by_default_without_credentials,
    every_response_carries_the_security_headers,
    graphiql_is_served_whole_from_this_origin,
);
db_tests!(spawn_for_one_frontend => only_listed_origins_pass_the_preflight_on_every_surface);

const FRONTEND: &str = "https://www.example.org";

async fn spawn_for_one_frontend(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.http.cors_origins = vec![FRONTEND.into(), "http://localhost:3000".into()];
    })
    .await
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type")
        .send()
        .await
        .unwrap()
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).map(|value| value.to_str().unwrap())
}

async fn only_listed_origins_pass_the_preflight_on_every_surface(app: TestApp) {
    for (path, method) in
        [("/graphql", "POST"), ("/feeds/releases.atom", "GET"), ("/api/import", "POST"), ("/api/export", "GET")]
    {
        let response = preflight(&app, path, FRONTEND, method).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some(FRONTEND), "{path}");
        let allowed = header_of(&response, header::ACCESS_CONTROL_ALLOW_HEADERS).unwrap();
        assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");
        assert_eq!(header_of(&response, header::ACCESS_CONTROL_MAX_AGE), Some("7200"), "preflights are cached");
        assert!(header_of(&response, header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
        assert!(response.headers().contains_key("x-request-id"), "preflights are logged and named too");
        assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));

        let refused = preflight(&app, path, "https://elsewhere.example", method).await;
        assert!(refused.status().is_client_error(), "{path}: {}", refused.status());
        assert!(header_of(&refused, header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    }
    // The actual request: the listed origin is named back; another is served (non-browser
    // clients send Origin too) but without the header, so a browser keeps the answer from it.
    let read = |origin: &'static str| {
        app.client.get(format!("{}/graphql?query={{__typename}}", app.address)).header(header::ORIGIN, origin).send()
    };
    let response = read("http://localhost:3000").await.unwrap();
    assert_eq!(header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("http://localhost:3000"));
    assert!(header_of(&response, header::VARY).unwrap().contains("Origin"));
    let response = read("https://elsewhere.example").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

async fn any_origin_may_read_by_default_without_credentials(app: TestApp) {
    let response = preflight(&app, "/graphql", "https://any.example", "POST").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    // Bearer tokens only: a page can send what its own code holds, never what the browser keeps.
    assert!(header_of(&response, header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
    let response = app
        .client
        .get(format!("{}/feeds/releases.json", app.address))
        .header(header::ORIGIN, "https://any.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let exposed = header_of(&response, header::ACCESS_CONTROL_EXPOSE_HEADERS).unwrap().to_lowercase();
    assert!(exposed.contains("etag") && exposed.contains("x-request-id"), "{exposed}");
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    for path in
        ["/graphql?query={__typename}", "/healthz", "/feeds/releases.rss", "/graphiql", "/no-such-page", "/api/export"]
    {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{path}");
        assert_eq!(header_of(&response, header::REFERRER_POLICY), Some("no-referrer"), "{path}");
    }
}

async fn graphiql_is_served_whole_from_this_origin(app: TestApp) {
    let page = app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = header_of(&page, header::CONTENT_SECURITY_POLICY).unwrap().to_owned();
    for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    let html = page.text().await.unwrap();
    // Every script and stylesheet is this origin's; none is inline.
    let references: Vec<&str> =
        html.split(['"', '\'']).filter(|part| part.ends_with(".js") || part.ends_with(".css")).collect();
    assert!(references.len() >= 4, "{references:?}");
    assert!(!html.contains("<script>"), "no inline script");
    for reference in references {
        assert!(reference.starts_with("/graphiql/"), "{reference} is not served here");
        let asset = app.client.get(format!("{}{reference}", app.address)).send().await.unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{reference}");
        let content_type = header_of(&asset, header::CONTENT_TYPE).unwrap().to_owned();
        let expected = if reference.ends_with(".js") { "text/javascript" } else { "text/css" };
        assert!(content_type.starts_with(expected), "{reference}: {content_type}");
        assert!(!asset.bytes().await.unwrap().is_empty());
    }
    // The folder's notes are not part of the page.
    let readme = app.client.get(format!("{}/graphiql/README.md", app.address)).send().await.unwrap();
    assert_eq!(readme.status(), StatusCode::NOT_FOUND);
}
