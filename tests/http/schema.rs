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

/// A database written by the schema of before this session's migrations (5 to 7 rolled back, so
/// the demo's records sit in the old columns) is carried forward: every record reads back as it
/// was, its bodies Markdown, with no canonical URL, revision time, attachment, other names or
/// external id. Only the subject countries, which the old schema had no place for, are gone.
async fn a_database_of_the_previous_schema_is_carried_forward(app: TestApp) {
    let export = || async {
        let url = format!("{}/api/export", app.address);
        let response = app.client.get(url).bearer_auth(crate::tokens::token("importer")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        text.lines()
            .map(|line| {
                let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(fields) = record.as_object_mut() {
                    fields.remove("countries");
                }
                record
            })
            .collect::<Vec<_>>()
    };
    let before = export().await;
    let db = app.db();
    crate::helpers::roll_back_before(db, "000005").await;
    assert!(db.execute_unprepared("SELECT body_format FROM release").await.is_err(), "the old schema");
    assert!(db.execute_unprepared("SELECT country FROM release_country").await.is_err(), "the old schema");
    Migrator::up(db, None).await.unwrap();
    let after = export().await;
    assert_eq!(after, before);
    let releases: Vec<_> = after.iter().filter(|record| record["type"] == "release").collect();
    assert!(!releases.is_empty());
    for release in releases {
        assert_eq!(release["body_format"], "markdown");
        assert_eq!(
            (&release["canonical_url"], &release["attachments"]),
            (&serde_json::Value::Null, &serde_json::json!([]))
        );
    }
}

db_tests!(TestApp::spawn_editorial => a_database_of_the_previous_schema_is_carried_forward);
