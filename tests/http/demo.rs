//! The demo content loads once, however often the server starts with `--demo`, and next to real
//! content it reuses what is there, stands aside where it cannot, and never changes a record it
//! did not write.

use api::{Application, Settings};
use entity::{
    commission, commission_member, contact, organisation, release, release_commission, release_contact,
    release_organisation, release_topic, topic, write_mark,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

/// Every content row, the link counts and the write mark: equal snapshots mean nothing changed,
/// not a version, not an update time.
#[derive(Debug, PartialEq)]
struct Snapshot {
    organisations: Vec<organisation::Model>,
    topics: Vec<topic::Model>,
    contacts: Vec<contact::Model>,
    commissions: Vec<commission::Model>,
    releases: Vec<release::Model>,
    links: [u64; 5],
    write_mark: Option<i64>,
}

impl Snapshot {
    async fn take(db: &sea_orm::DatabaseConnection) -> Self {
        Self {
            organisations: organisation::Entity::find().order_by_asc(organisation::Column::Id).all(db).await.unwrap(),
            topics: topic::Entity::find().order_by_asc(topic::Column::Id).all(db).await.unwrap(),
            contacts: contact::Entity::find().order_by_asc(contact::Column::Id).all(db).await.unwrap(),
            commissions: commission::Entity::find().order_by_asc(commission::Column::Id).all(db).await.unwrap(),
            releases: release::Entity::find().order_by_asc(release::Column::Id).all(db).await.unwrap(),
            links: [
                commission_member::Entity::find().count(db).await.unwrap(),
                release_topic::Entity::find().count(db).await.unwrap(),
                release_commission::Entity::find().count(db).await.unwrap(),
                release_organisation::Entity::find().count(db).await.unwrap(),
                release_contact::Entity::find().count(db).await.unwrap(),
            ],
            write_mark: write_mark::Entity::find_by_id(1).one(db).await.unwrap().map(|mark| mark.value),
        }
    }
}

db_tests!(TestApp::spawn_demo => loading_the_demo_twice_changes_nothing);

async fn loading_the_demo_twice_changes_nothing(app: TestApp) {
    let db = app.db();
    let before = Snapshot::take(db).await;
    assert_eq!(before.releases.len(), api::demo::RELEASES);
    api::demo::load(db).await.unwrap();
    assert_eq!(Snapshot::take(db).await, before);
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

/// An app without the demo content that editors can write to: the database real content goes in first.
async fn spawn_real(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.auth = crate::tokens::auth_settings()).await
}

/// Starts a second server on `app`'s database with `--demo`, as an operator would over a
/// database that holds content already; the start-up error's text if it does not come up.
async fn start_with_demo(app: &TestApp) -> Result<Application, String> {
    let mut settings = Settings::for_database(app.database_url());
    settings.database.max_connections = 3;
    settings.demo = true;
    Application::build(settings).await.map_err(|error| error.to_string())
}

async fn create_organisation(app: &TestApp, slug: &str, name: &str, kind: &str) {
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }";
    let input = json!({ "slug": slug, "name": name, "kind": kind });
    app.data_as(&token("editor"), create, json!({ "input": input })).await;
}

db_tests!(spawn_real => the_demo_starts_next_to_real_organisations_with_its_slugs_and_reuses_them);

/// A UN system list imported first holds `iom`, `ilo` and `usaid`: the demo comes up beside it,
/// links its releases to those organisations and leaves them exactly as they were.
async fn the_demo_starts_next_to_real_organisations_with_its_slugs_and_reuses_them(app: TestApp) {
    create_organisation(&app, "iom", "IOM, UN Migration", "UN_AGENCY").await;
    create_organisation(&app, "ilo", "ILO (UN system list)", "UN_AGENCY").await;
    create_organisation(&app, "usaid", "USAID (UN system list)", "DONOR").await;
    let real = Snapshot::take(app.db()).await.organisations;

    let demo = start_with_demo(&app).await.expect("the server starts with the demo next to real organisations");
    let address = format!("http://127.0.0.1:{}", demo.port());
    let (handle, demo_db) = (demo.handle(), demo.db().clone());
    tokio::spawn(demo.run_until_stopped());

    let after = Snapshot::take(app.db()).await;
    assert_eq!(after.releases.len(), api::demo::RELEASES, "every demo release is there");
    assert_eq!(after.organisations.len(), 14, "the demo's 14 organisations, three of them the real ones");
    for row in &real {
        assert!(after.organisations.contains(row), "{} is unchanged, version and update time too", row.slug);
    }

    let query = r#"query($slug: String!) {
      release(language: "en", slug: $slug) {
        organisations { role organisation { slug name } }
        commissions { members { organisation { slug name } } }
      }
      organisation(slug: "iom") { name }
    }"#;
    let body: Value = app
        .client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": { "slug": api::demo::QUITO_SLUG } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    let data = &body["data"];
    assert_eq!(data["organisation"]["name"], "IOM, UN Migration", "the real IOM keeps its name");
    let linked = data["release"]["organisations"].as_array().unwrap();
    let iom = linked.iter().find(|link| link["organisation"]["slug"] == "iom").expect("the Quito release links IOM");
    assert_eq!(iom, &json!({ "role": "FUNDER", "organisation": { "slug": "iom", "name": "IOM, UN Migration" } }));
    let members = data["release"]["commissions"][0]["members"].as_array().unwrap();
    assert_eq!(members.len(), 10);
    assert!(members.iter().any(|m| m["organisation"] == json!({ "slug": "ilo", "name": "ILO (UN system list)" })));

    // Loading it again, next to the real content, still changes nothing.
    api::demo::load(app.db()).await.unwrap();
    assert_eq!(Snapshot::take(app.db()).await, after);
    handle.stop(false).await;
    demo_db.close().await.unwrap();
}

db_tests!(spawn_real => a_demo_release_whose_slug_is_taken_stands_aside_and_the_rest_loads);

/// A real release already holds the Quito release's language and slug: it keeps its content and
/// gets none of the demo's links, and the demo loads everything else.
async fn a_demo_release_whose_slug_is_taken_stands_aside_and_the_rest_loads(app: TestApp) {
    let create = "mutation($input: CreateReleaseInput!) { createRelease(input: $input) { id } }";
    let input = json!({ "language": "en", "slug": api::demo::QUITO_SLUG, "title": "Our own Quito story" });
    app.data_as(&token("editor"), create, json!({ "input": input })).await;
    let before = Snapshot::take(app.db()).await;
    let real = before.releases[0].clone();

    api::demo::load(app.db()).await.unwrap();
    let after = Snapshot::take(app.db()).await;
    assert_eq!(after.releases.len(), api::demo::RELEASES, "the real release and the demo's 35 others");
    assert_eq!(after.releases[0], real, "the real release is unchanged");
    for links in [
        release_topic::Entity::find().filter(release_topic::Column::ReleaseId.eq(real.id)).count(app.db()).await,
        release_organisation::Entity::find()
            .filter(release_organisation::Column::ReleaseId.eq(real.id))
            .count(app.db())
            .await,
        release_contact::Entity::find().filter(release_contact::Column::ReleaseId.eq(real.id)).count(app.db()).await,
    ] {
        assert_eq!(links.unwrap(), 0, "the demo links nothing to a release it did not write");
    }
    assert_eq!(after.commissions.len(), 1, "the commission still loads");

    api::demo::load(app.db()).await.unwrap();
    assert_eq!(Snapshot::take(app.db()).await, after, "a second load changes nothing");
}

db_tests!(spawn_real => a_clash_the_demo_cannot_foresee_names_the_record_and_its_key);

/// The demo looks every record up by its keys before writing it, so what still clashes is what
/// those lookups cannot see: a writer racing it, or (as here) a unique key an operator added by
/// hand. The error names the record, and the load leaves the database as it was.
async fn a_clash_the_demo_cannot_foresee_names_the_record_and_its_key(app: TestApp) {
    app.db().execute_unprepared("CREATE UNIQUE INDEX idx_test_organisation_name ON organisation (name)").await.unwrap();
    create_organisation(&app, "un-iom", "International Organization for Migration", "UN_AGENCY").await;
    let before = Snapshot::take(app.db()).await;

    let error = api::demo::load(app.db()).await.unwrap_err();
    assert_eq!(error.code(), "CONFLICT");
    let expected = "organisation `iom` clashes with an existing record: one of its unique keys is taken";
    assert_eq!(error.to_string(), expected);
    let error = start_with_demo(&app).await.err().expect("the server refuses to start");
    assert_eq!(error, format!("cannot load the demo content: {expected}"));
    assert_eq!(Snapshot::take(app.db()).await, before, "nothing was written");
}
