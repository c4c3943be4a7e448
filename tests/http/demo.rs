//! The demo content loads once, however often the server starts with `--demo`.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo => loading_the_demo_twice_changes_nothing);

async fn loading_the_demo_twice_changes_nothing(app: TestApp) {
    let db = app.db();
    let counts = || async {
        (
            entity::release::Entity::find().count(db).await.unwrap(),
            entity::organisation::Entity::find().count(db).await.unwrap(),
            entity::commission_member::Entity::find().count(db).await.unwrap(),
            entity::release_contact::Entity::find().count(db).await.unwrap(),
        )
    };
    let before = counts().await;
    assert_eq!(before.0, api::demo::RELEASES as u64);
    api::demo::load(db).await.unwrap();
    assert_eq!(counts().await, before);
}

async fn three_together(backend: crate::helpers::Backend) -> Option<Vec<TestApp>> {
    TestApp::spawn_together(backend, 3).await
}

db_tests!(three_together => servers_started_together_on_one_new_database_all_come_up);

/// Stateless servers scaled out in front of one database start at the same moment: they take
/// turns to migrate it and load the demo content, and every one comes up.
async fn servers_started_together_on_one_new_database_all_come_up(apps: Vec<TestApp>) {
    assert_eq!(apps.len(), 3);
    let releases = entity::release::Entity::find().count(apps[0].db()).await.unwrap();
    assert_eq!(releases, api::demo::RELEASES as u64, "the demo content was loaded once");
    for app in &apps {
        let data = app.data("{ releases(first: 1) { totalCount } }", serde_json::json!({})).await;
        assert!(data["releases"]["totalCount"].as_u64().unwrap() > 0);
    }
}
