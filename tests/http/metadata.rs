//! What real releases carry besides their text: the publisher's URL and revision time, the files
//! they link to, the countries they are about, and who issued them; through the import, the
//! mutations, GraphQL and every feed format.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

db_tests!(TestApp::spawn_editorial =>
    release_metadata_is_stored_and_reaches_every_feed,
    release_metadata_round_trips_through_ndjson_and_csv,
    bad_metadata_is_refused_naming_the_field,
);

async fn import(app: &TestApp, body: String, content_type: &str, query: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/api/import{query}", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn export(app: &TestApp, query: &str) -> String {
    let url = format!("{}/api/export{query}", app.address);
    let response = app.client.get(url).bearer_auth(token("importer")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// A published release as a portal's archive has it.
fn report() -> Value {
    json!({
        "type": "release", "language": "en", "slug": "flash-update-7", "title": "Flash Update No. 7",
        "body": "<p>Floods in the north.</p>", "body_format": "html",
        "status": "published", "published_at": "2026-03-01T08:00:00Z",
        "dateline_city": "Geneva", "dateline_country": "CH",
        "canonical_url": "https://reports.example.org/report/flash-update-7",
        "revised_at": "2026-03-02T10:30:00Z",
        "countries": ["XK", "AL"],
        "organisations": [{ "organisation": "iom", "role": "issuer" }],
        "attachments": [
            { "url": "https://reports.example.org/files/flash-7.pdf", "media_type": "application/pdf",
              "title": "Flash Update No. 7 (PDF)", "length": 482113, "language": "en" },
            { "url": "https://reports.example.org/files/map.png?size=large&v=2" }
        ]
    })
}

async fn release_metadata_is_stored_and_reaches_every_feed(app: TestApp) {
    let (status, answer) = import(&app, report().to_string(), "application/x-ndjson", "").await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    let query = "{ release(language: \"en\", slug: \"flash-update-7\") { canonicalUrl revisedAt countries
      attachments { url mediaType title length language } organisations { role organisation { slug } } } }";
    let data = app.data(query, json!({})).await;
    let release = &data["release"];
    assert_eq!(release["canonicalUrl"], "https://reports.example.org/report/flash-update-7");
    assert_eq!(release["revisedAt"], "2026-03-02T10:30:00+00:00");
    assert_eq!(release["countries"], json!(["AL", "XK"]), "in code order");
    assert_eq!(release["attachments"][0]["mediaType"], "application/pdf");
    assert_eq!(release["attachments"][0]["length"], 482113);
    assert_eq!(
        release["attachments"][1],
        json!({ "url": "https://reports.example.org/files/map.png?size=large&v=2", "mediaType": null, "title": null, "length": null, "language": null })
    );
    assert_eq!(release["organisations"], json!([{ "role": "ISSUER", "organisation": { "slug": "iom" } }]));
    // The subject, not the dateline, is what `country` selects; the dateline has its own filter.
    let count = |filter: Value| {
        let app = &app;
        async move {
            let data = app
                .data("query($f: ReleaseFilter) { releases(filter: $f) { totalCount } }", json!({ "f": filter }))
                .await;
            data["releases"]["totalCount"].as_u64().unwrap()
        }
    };
    assert_eq!(count(json!({ "country": "xk" })).await, 1);
    assert_eq!(count(json!({ "country": "CH" })).await, 0);
    assert_eq!(count(json!({ "country": "XK", "datelineCountry": "CH" })).await, 1);
    assert_eq!(count(json!({ "country": "XK", "datelineCountry": "AL" })).await, 0);

    let get = |path: &'static str| {
        let app = &app;
        async move { app.client.get(format!("{}{path}", app.address)).send().await.unwrap().text().await.unwrap() }
    };
    let issuer = app.data("{ organisation(slug: \"iom\") { name } }", json!({})).await["organisation"]["name"].clone();
    let issuer = issuer.as_str().unwrap();
    // Each format parses, links to the publisher's page, dates the entry by its revision, names
    // the issuer as its author and carries the files.
    for path in ["/feeds/countries/xk.rss", "/feeds/countries/xk.atom", "/feeds/countries/xk.json"] {
        let body = get(path).await;
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|error| panic!("{path}: {error}"));
        assert_eq!(feed.entries.len(), 1, "{path}");
        let entry = &feed.entries[0];
        assert_eq!(entry.links[0].href, "https://reports.example.org/report/flash-update-7", "{path}");
        assert!(entry.authors.iter().any(|author| author.name.as_deref() == Some(issuer)), "{path}: {body}");
        if !path.ends_with(".rss") {
            assert_eq!(entry.updated.map(|at| at.to_rfc3339()).as_deref(), Some("2026-03-02T10:30:00+00:00"), "{path}");
        }
        let media: Vec<String> = entry
            .media
            .iter()
            .flat_map(|media| media.content.iter())
            .filter_map(|content| content.url.as_ref().map(|url| url.to_string()))
            .collect();
        assert!(media.iter().any(|url| url.ends_with("flash-7.pdf")) || body.contains("flash-7.pdf"), "{path}: {body}");
    }
    let rss = get("/feeds/countries/xk.rss").await;
    assert!(
        rss.contains(
            r#"<enclosure url="https://reports.example.org/files/flash-7.pdf" length="482113" type="application/pdf"/>"#
        ),
        "{rss}"
    );
    let atom = get("/feeds/countries/xk.atom").await;
    assert!(atom.contains(r#"rel="enclosure""#) && atom.contains("map.png?size=large&amp;v=2"), "{atom}");
    let json_feed: Value = serde_json::from_str(&get("/feeds/countries/xk.json").await).unwrap();
    let attachments = &json_feed["items"][0]["attachments"];
    assert_eq!(
        attachments[0],
        json!({ "url": "https://reports.example.org/files/flash-7.pdf", "mime_type": "application/pdf", "title": "Flash Update No. 7 (PDF)", "size_in_bytes": 482113 })
    );
    assert_eq!(attachments[1]["mime_type"], "application/octet-stream");
    assert_eq!(json_feed["items"][0]["date_modified"], "2026-03-02T10:30:00+00:00");
    assert!(json_feed["title"].as_str().unwrap().contains("Kosovo"), "{json_feed}");

    // The mutations write the same fields, and clear them.
    let id =
        app.data("{ release(language: \"en\", slug: \"flash-update-7\") { id } }", json!({})).await["release"]["id"]
            .clone();
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { canonicalUrl revisedAt countries attachments { url } } }";
    let input = json!({ "canonicalUrl": null, "revisedAt": null, "countries": ["ec"], "attachments": [{ "url": "https://example.org/a.pdf" }] });
    let data = app.data_as(&token("editor"), update, json!({ "id": id, "input": input })).await;
    assert_eq!(
        data["updateRelease"],
        json!({ "canonicalUrl": null, "revisedAt": null, "countries": ["EC"], "attachments": [{ "url": "https://example.org/a.pdf" }] })
    );
}

async fn release_metadata_round_trips_through_ndjson_and_csv(app: TestApp) {
    let (status, answer) = import(&app, report().to_string(), "application/x-ndjson", "").await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    let exported = export(&app, "").await;
    let line = exported.lines().find(|line| line.contains("flash-update-7")).unwrap();
    let record: Value = serde_json::from_str(line).unwrap();
    assert_eq!(record["countries"], json!(["AL", "XK"]));
    assert_eq!(record["attachments"][0], report()["attachments"][0]);
    assert_eq!(
        record["attachments"][1],
        json!({ "url": "https://reports.example.org/files/map.png?size=large&v=2", "media_type": null, "title": null, "length": null, "language": null })
    );
    // The same file again, its lists in another order: unchanged.
    let mut again = report();
    again["countries"] = json!(["AL", "xk"]);
    let (_, answer) = import(&app, again.to_string(), "application/x-ndjson", "").await;
    assert_eq!(answer["counts"]["release"]["unchanged"], 1, "{answer:#}");
    // CSV: attachments as one JSON cell, countries as a list; the file reads back to the same.
    let csv = export(&app, "?type=release&format=csv").await;
    assert!(csv.lines().next().unwrap().contains(",canonical_url,revised_at,countries,attachments"), "{csv}");
    let (status, answer) = import(&app, csv, "text/csv", "?type=release").await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(answer["counts"]["release"]["updated"], 0, "{answer:#}");
    assert_eq!(export(&app, "").await, exported);
}

async fn bad_metadata_is_refused_naming_the_field(app: TestApp) {
    let mut bad = report();
    bad["countries"] = json!(["XX", "AL", "al"]);
    bad["canonical_url"] = json!("reports.example.org/x");
    bad["attachments"] = json!([{ "url": "javascript:alert(1)", "media_type": "pdf", "length": -1 }]);
    let (status, answer) = import(&app, bad.to_string(), "application/x-ndjson", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<&str> =
        answer["failures"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "attachments[0].length",
            "attachments[0].media_type",
            "attachments[0].url",
            "canonical_url",
            "countries[0]",
            "countries[2]"
        ],
        "{answer:#}"
    );
    let create = "mutation($input: CreateReleaseInput!) { createRelease(input: $input) { id } }";
    let input = json!({ "language": "en", "slug": "bad-meta", "title": "Bad", "countries": ["XX"], "attachments": [{ "url": "ftp://x" }] });
    let body = app.graphql_as(Some(&token("editor")), create, json!({ "input": input })).await;
    let mut fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["input.attachments[0].url", "input.countries[0]"], "{body:#}");
}
