//! Relay connections: forward and backward paging, ordering and every release filter.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo =>
    paging_forward_and_backward_visits_every_release_once,
    releases_sort_by_the_requested_field,
    release_filters_narrow_the_list,
    invalid_filter_values_are_reported_with_their_field,
);

const PAGE: &str = r#"
query($first: Int, $after: String, $last: Int, $before: String) {
  releases(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id publishedAt } }
  }
}"#;

fn ids(page: &Value) -> Vec<String> {
    page["edges"].as_array().unwrap().iter().map(|edge| edge["node"]["id"].as_str().unwrap().to_owned()).collect()
}

async fn paging_forward_and_backward_visits_every_release_once(app: TestApp) {
    let visible = api::demo::RELEASES - 3;
    let mut forward = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app.data(PAGE, json!({ "first": 7, "after": after })).await;
        let page = &data["releases"];
        assert_eq!(page["totalCount"], visible);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
        forward.extend(ids(page));
        pages += 1;
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, visible.div_ceil(7));
    assert_eq!(forward.len(), visible);
    assert_eq!(forward.iter().collect::<HashSet<_>>().len(), visible, "no release twice");

    // Newest first by default.
    let data = app.data(PAGE, json!({ "first": 100 })).await;
    let dates: Vec<&str> = data["releases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["publishedAt"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "{dates:?}");

    // Backward from the end gives the same releases in the same order.
    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let data = app.data(PAGE, json!({ "last": 10, "before": before })).await;
        let page = &data["releases"];
        let mut chunk = ids(page);
        chunk.extend(backward);
        backward = chunk;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backward, forward);

    // Default page size is 20.
    let data = app.data(PAGE, json!({})).await;
    assert_eq!(ids(&data["releases"]).len(), 20);
    assert_eq!(data["releases"]["pageInfo"]["hasNextPage"], true);
}

async fn releases_sort_by_the_requested_field(app: TestApp) {
    let data = app
        .data(
            r#"{ releases(first: 100, orderBy: { field: TITLE, direction: ASC }, filter: { titleContains: "[Sample" }) {
                   edges { node { title } } } }"#,
            json!({}),
        )
        .await;
    let titles: Vec<String> = data["releases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect();
    // Collations differ between engines on punctuation and case; these titles differ only in digits.
    assert!(titles.len() > 5);
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
}

async fn count(app: &TestApp, filter: Value) -> (u64, Vec<Value>) {
    let data = app
        .data(
            "query($f: ReleaseFilter) { releases(first: 100, filter: $f) { totalCount edges { node { language title publishedAt dateline { country } countries topics { slug } commissions { slug } organisations { organisation { slug } } } } } }",
            json!({ "f": filter }),
        )
        .await;
    let nodes = data["releases"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect::<Vec<_>>();
    (data["releases"]["totalCount"].as_u64().unwrap(), nodes)
}

async fn release_filters_narrow_the_list(app: TestApp) {
    let (all, _) = count(&app, json!({})).await;

    let (total, nodes) = count(&app, json!({ "language": "es" })).await;
    assert!(total > 0 && total < all);
    assert!(nodes.iter().all(|n| n["language"] == "es"));

    let (total, nodes) = count(&app, json!({ "datelineCountry": "ec" })).await;
    assert_eq!(total, 1, "only the Quito release is datelined in Ecuador");
    assert_eq!(nodes[0]["dateline"]["country"], "EC");
    let (total, nodes) = count(&app, json!({ "country": "ec" })).await;
    assert_eq!(total, 1, "and only it is about Ecuador");
    assert_eq!(nodes[0]["countries"], json!(["EC"]));
    assert_eq!(count(&app, json!({ "country": "xk" })).await.0, 0, "Kosovo is a country code, about none here");

    let (total, nodes) = count(&app, json!({ "topic": "counter-trafficking" })).await;
    assert!(total >= 1);
    assert!(nodes.iter().all(|n| n["topics"].as_array().unwrap().iter().any(|t| t["slug"] == "counter-trafficking")));

    let (total, nodes) = count(&app, json!({ "commission": api::demo::COMMISSION_SLUG })).await;
    assert!(total > 1);
    assert!(nodes.iter().all(|n| n["commissions"][0]["slug"] == api::demo::COMMISSION_SLUG));

    let (total, nodes) = count(&app, json!({ "organisation": "sample-relief-coalition" })).await;
    assert!(total > 0);
    assert!(nodes.iter().all(|n| {
        n["organisations"].as_array().unwrap().iter().any(|o| o["organisation"]["slug"] == "sample-relief-coalition")
    }));

    let (total, nodes) = count(&app, json!({ "titleContains": "NATIONAL plan" })).await;
    assert_eq!(total, 1);
    assert!(nodes[0]["title"].as_str().unwrap().contains("National Plan"));
    let (total, _) = count(&app, json!({ "titleContains": "100%_" })).await;
    assert_eq!(total, 0, "LIKE wildcards in the needle are matched literally");

    let (total, nodes) =
        count(&app, json!({ "publishedAfter": "2004-01-01T00:00:00Z", "publishedBefore": "2006-01-01T00:00:00Z" }))
            .await;
    assert_eq!(total, 1);
    assert_eq!(nodes[0]["publishedAt"], "2005-02-14T15:00:00+00:00");

    let (total, _) = count(&app, json!({ "language": "es", "country": "EC" })).await;
    assert_eq!(total, 0, "filters combine");
}

async fn invalid_filter_values_are_reported_with_their_field(app: TestApp) {
    for (filter, field) in [
        (json!({ "country": "Atlantis" }), "filter.country"),
        (json!({ "language": "not a language" }), "filter.language"),
    ] {
        let body = app
            .graphql("query($f: ReleaseFilter) { releases(filter: $f) { totalCount } }", json!({ "f": filter }))
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["field"], field);
    }
    let code = app.error_code("{ releases(after: \"garbage\") { totalCount } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
}
