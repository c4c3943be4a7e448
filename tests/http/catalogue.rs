//! Relations navigate both ways, and every record is reachable by its global id.

use serde_json::json;

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo =>
    organisations_lead_to_their_parents_children_seats_and_releases,
    commissions_and_topics_list_their_releases,
    every_record_is_reachable_through_node,
    root_lists_filter_and_count,
    root_lists_sort_by_the_requested_field,
);

async fn organisations_lead_to_their_parents_children_seats_and_releases(app: TestApp) {
    let data = app
        .data(
            r#"{
              ministry: organisation(slug: "ec-ministry-of-foreign-relations") {
                name parent { slug } children { slug name parent { slug } }
              }
              iom: organisation(slug: "iom") {
                acronym kind country
                memberships { role commission { slug headOrganisation { slug } } }
                releases(first: 5) { totalCount edges { node { slug } } }
              }
              missing: organisation(slug: "no-such-organisation") { id }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["ministry"]["parent"], json!(null));
    assert_eq!(
        data["ministry"]["children"],
        json!([{
            "slug": "ec-ministry-of-foreign-relations-department-of-human-rights",
            "name": "Department of Human Rights",
            "parent": { "slug": "ec-ministry-of-foreign-relations" }
        }])
    );
    assert_eq!(data["iom"]["kind"], "UN_AGENCY");
    assert_eq!(data["iom"]["country"], json!(null));
    assert_eq!(
        data["iom"]["memberships"],
        json!([{ "role": "MEMBER", "commission": { "slug": api::demo::COMMISSION_SLUG, "headOrganisation": { "slug": "ec-ministry-of-government" } } }])
    );
    assert_eq!(data["iom"]["releases"]["totalCount"], 1);
    assert_eq!(data["iom"]["releases"]["edges"][0]["node"]["slug"], api::demo::QUITO_SLUG);
    assert_eq!(data["missing"], json!(null));
}

async fn commissions_and_topics_list_their_releases(app: TestApp) {
    let data = app
        .data(
            r#"query($slug: String!) {
              commission(slug: $slug) {
                name status country
                releases(first: 2, filter: { language: "en" }) {
                  totalCount pageInfo { hasNextPage } edges { node { language commissions { slug } } }
                }
              }
              topic(slug: "counter-trafficking") { name releases(first: 50) { totalCount edges { node { topics { slug } } } } }
            }"#,
            json!({ "slug": api::demo::COMMISSION_SLUG }),
        )
        .await;
    let releases = &data["commission"]["releases"];
    assert_eq!(data["commission"]["status"], "ACTIVE");
    assert!(releases["totalCount"].as_u64().unwrap() >= 2);
    assert_eq!(releases["pageInfo"]["hasNextPage"], true);
    for edge in releases["edges"].as_array().unwrap() {
        assert_eq!(edge["node"]["language"], "en");
        assert_eq!(edge["node"]["commissions"][0]["slug"], api::demo::COMMISSION_SLUG);
    }
    let topic = &data["topic"]["releases"];
    assert!(topic["totalCount"].as_u64().unwrap() >= 1);
    for edge in topic["edges"].as_array().unwrap() {
        assert!(edge["node"]["topics"].as_array().unwrap().iter().any(|t| t["slug"] == "counter-trafficking"));
    }
}

async fn every_record_is_reachable_through_node(app: TestApp) {
    let data = app
        .data(
            r#"{
              releases(first: 1) { edges { node { id } } }
              commissions(first: 1) { edges { node { id } } }
              organisations(first: 1) { edges { node { id } } }
              contacts(first: 1) { edges { node { id } } }
              topics(first: 1) { edges { node { id } } }
            }"#,
            json!({}),
        )
        .await;
    for (list, typename) in [
        ("releases", "Release"),
        ("commissions", "Commission"),
        ("organisations", "Organisation"),
        ("contacts", "Contact"),
        ("topics", "Topic"),
    ] {
        let id = data[list]["edges"][0]["node"]["id"].clone();
        let node = app.data("query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(node["node"], json!({ "__typename": typename, "id": id }));
    }
    let code = app.error_code("{ node(id: \"bm9wZQ\") { id } }", json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
}

async fn root_lists_filter_and_count(app: TestApp) {
    let data = app
        .data(
            r#"{
              government: organisations(first: 100, filter: { kind: GOVERNMENT, country: "EC" }) { totalCount edges { node { kind country } } }
              departments: organisations(filter: { parent: "ec-ministry-of-foreign-relations" }) { totalCount }
              byAcronym: organisations(filter: { nameContains: "usaid" }) { edges { node { slug } } }
              seats: commissions(filter: { organisation: "usaid" }) { totalCount }
              ecuador: commissions(filter: { country: "EC", status: ACTIVE }) { totalCount }
              kenya: contacts(filter: { country: "KE" }) { totalCount }
              topics(first: 2) { totalCount pageInfo { hasNextPage } edges { node { slug } } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["government"]["totalCount"], 7);
    assert!(data["government"]["edges"].as_array().unwrap().iter().all(|e| e["node"]["kind"] == "GOVERNMENT"));
    assert_eq!(data["departments"]["totalCount"], 1);
    assert_eq!(data["byAcronym"]["edges"][0]["node"]["slug"], "usaid");
    assert_eq!(data["seats"]["totalCount"], 1);
    assert_eq!(data["ecuador"]["totalCount"], 1);
    assert_eq!(data["kenya"]["totalCount"], 1, "the private Kenyan contact is not counted");
    assert_eq!(data["topics"]["totalCount"], 6);
    assert_eq!(data["topics"]["pageInfo"]["hasNextPage"], true);
}

async fn root_lists_sort_by_the_requested_field(app: TestApp) {
    let names = |data: &serde_json::Value, list: &str| -> Vec<String> {
        data[list]["edges"].as_array().unwrap().iter().map(|e| e["node"]["name"].as_str().unwrap().to_owned()).collect()
    };
    let data = app
        .data(
            r#"{
              asc: topics { edges { node { name } } }
              desc: topics(orderBy: { field: NAME, direction: DESC }) { edges { node { name } } }
              newest: organisations(first: 100, orderBy: { field: CREATED_AT, direction: DESC }) { edges { node { name } } }
            }"#,
            json!({}),
        )
        .await;
    let ascending = names(&data, "asc");
    assert_eq!(ascending.first().map(String::as_str), Some("Climate and migration"));
    let mut reversed = ascending.clone();
    reversed.reverse();
    assert_eq!(names(&data, "desc"), reversed);
    assert_eq!(names(&data, "newest").len(), 14);
}
