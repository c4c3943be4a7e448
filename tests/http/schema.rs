//! Migrations apply forward and roll back on every engine.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use crate::helpers::TestApp;

db_tests!(TestApp::spawn_demo => migrations_roll_back_and_apply_again);

async fn migrations_roll_back_and_apply_again(app: TestApp) {
    let db = app.db();
    assert!(Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    Migrator::down(db, None).await.unwrap();
    assert!(!Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    assert!(db.execute_unprepared("SELECT id FROM release").await.is_err(), "tables are gone");
    Migrator::up(db, None).await.unwrap();
    assert_eq!(entity::release::Entity::find().count(db).await.unwrap(), 0);
    api::demo::load(db).await.unwrap();
    assert_eq!(entity::release::Entity::find().count(db).await.unwrap(), api::demo::RELEASES as u64);
}

/// A database written by the schema before bodies had a format (migrations 5 and later rolled
/// back, so the demo's releases sit in the old columns) is carried forward: every record reads back as it was,
/// its bodies Markdown.
async fn a_database_of_the_previous_schema_is_carried_forward(app: TestApp) {
    let export = || async {
        let url = format!("{}/api/export", app.address);
        let response = app.client.get(url).bearer_auth(crate::tokens::token("importer")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    };
    let before = export().await;
    let db = app.db();
    Migrator::down(db, Some(2)).await.unwrap();
    assert!(db.execute_unprepared("SELECT body_format FROM release").await.is_err(), "the old schema");
    Migrator::up(db, None).await.unwrap();
    assert_eq!(export().await, before);
    assert!(before.contains(r#""body_format":"markdown""#));
}

db_tests!(TestApp::spawn_editorial => a_database_of_the_previous_schema_is_carried_forward);
