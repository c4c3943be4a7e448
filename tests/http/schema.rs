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
