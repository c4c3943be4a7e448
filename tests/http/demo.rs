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
