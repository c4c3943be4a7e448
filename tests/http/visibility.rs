//! The one visibility rule, seen from outside: drafts, future schedules and private contacts never
//! reach anonymous clients, whichever way they ask.

use chrono::{Duration, Utc};
use entity::release;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{TestApp, global_id};

db_tests!(TestApp::spawn_demo =>
    drafts_and_future_schedules_are_invisible_everywhere,
    private_contacts_are_never_shown,
);
db_tests!(spawn_demo_uncached => a_scheduled_release_appears_when_its_time_comes);

/// The demo without the response cache: the test below moves a schedule into the past behind
/// newsroom's back, which no cache can see (`caching` tests a schedule that comes due by itself).
async fn spawn_demo_uncached(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.demo = true;
        settings.caching.response_cache_mb = 0;
    })
    .await
}

async fn drafts_and_future_schedules_are_invisible_everywhere(app: TestApp) {
    let hidden = release::Entity::find()
        .filter(release::Column::Status.is_in([release::Status::Draft, release::Status::Scheduled]))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(hidden.len(), 3, "the demo has two drafts and one release scheduled for 2037");

    let data = app.data("{ releases(first: 100) { totalCount edges { node { slug status } } } }", json!({})).await;
    assert_eq!(data["releases"]["totalCount"], api::demo::RELEASES - 3);
    let edges = data["releases"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), api::demo::RELEASES - 3);
    assert!(edges.iter().all(|edge| edge["node"]["status"] == "PUBLISHED"));

    for release in hidden {
        let by_slug = app
            .data(
                "query($l: String!, $s: String!) { release(language: $l, slug: $s) { id } }",
                json!({ "l": release.language, "s": release.slug }),
            )
            .await;
        assert_eq!(by_slug["release"], json!(null));
        let id = global_id("Release", release.public_id);
        let by_id = app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(by_id["node"], json!(null));
        let statuses = app
            .data("{ releases(first: 100, filter: { status: [DRAFT, SCHEDULED] }) { totalCount } }", json!({}))
            .await;
        assert_eq!(statuses["releases"]["totalCount"], 0);
    }
    // Translations of a visible release do not leak a draft sibling either.
    let data = app.data("{ releases(first: 100) { edges { node { translations { status } } } } }", json!({})).await;
    for edge in data["releases"]["edges"].as_array().unwrap() {
        assert!(edge["node"]["translations"].as_array().unwrap().iter().all(|t| t["status"] == "PUBLISHED"));
    }
}

async fn a_scheduled_release_appears_when_its_time_comes(app: TestApp) {
    let scheduled = release::Entity::find()
        .filter(release::Column::Status.eq(release::Status::Scheduled))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let query = "query($s: String!, $l: String!) { release(language: $l, slug: $s) { slug status } }";
    let variables = json!({ "s": scheduled.slug, "l": scheduled.language });
    assert_eq!(app.data(query, variables.clone()).await["release"], json!(null));

    // Its time comes (no background job involved): it is visible from that instant on.
    let mut due: release::ActiveModel = scheduled.into();
    due.published_at = Set(Some(Utc::now() - Duration::seconds(1)));
    due.update(app.db()).await.unwrap();
    assert_eq!(app.data(query, variables).await["release"]["status"], "SCHEDULED");
}

async fn private_contacts_are_never_shown(app: TestApp) {
    let private = entity::contact::Entity::find()
        .filter(entity::contact::Column::IsPublic.eq(false))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo has a non-public contact");

    let data = app
        .data("{ releases(first: 100) { edges { node { contacts { name public } } } } contacts(first: 100) { totalCount edges { node { name public } } } }", json!({}))
        .await;
    let mut seen = 0;
    for edge in data["releases"]["edges"].as_array().unwrap() {
        for contact in edge["node"]["contacts"].as_array().unwrap() {
            assert_eq!(contact["public"], true, "{contact}");
            seen += 1;
        }
    }
    assert!(seen > 0);
    let listed = data["contacts"]["edges"].as_array().unwrap();
    assert!(listed.iter().all(|edge| edge["node"]["name"] != private.name.as_str()));
    assert_eq!(data["contacts"]["totalCount"], listed.len());

    let id = global_id("Contact", private.public_id);
    let direct =
        app.data("query($id: ID!) { contact(id: $id) { name } node(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(direct, json!({ "contact": null, "node": null }));
}
