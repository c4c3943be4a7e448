//! Truly concurrent writes: no lost update, ever. Requests go out together over separate
//! connections; the database and the version check decide who wins.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestApp},
    mutations::{draft, id_of},
    tokens::token,
};

const WRITERS: usize = 8;

const UPDATE: &str = "mutation($id: ID!, $v: Int, $title: String!) {
  updateRelease(id: $id, expectedVersion: $v, input: { title: $title }) { version title } }";

async fn with_the_same_expected_version_exactly_one_update_wins(app: TestApp) {
    let id = draft(&app, "contended").await;
    let editor = token("editor");
    let writes = (0..WRITERS).map(|n| {
        let variables = json!({ "id": id, "v": 1, "title": format!("Writer {n}") });
        app.graphql_as(Some(&editor), UPDATE, variables)
    });
    let bodies = join_all(writes).await;
    let winners: Vec<&Value> = bodies.iter().filter(|body| body.get("errors").is_none()).collect();
    assert_eq!(winners.len(), 1, "{bodies:#?}");
    for body in bodies.iter().filter(|body| body.get("errors").is_some()) {
        assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT", "{body:#}");
    }
    let winner = &winners[0]["data"]["updateRelease"];
    let stored = app
        .data_as(&editor, "query($id: ID!) { node(id: $id) { ... on Release { version title } } }", json!({ "id": id }))
        .await;
    assert_eq!(&stored["node"], winner, "the stored release is the winner's");
    assert_eq!(stored["node"]["version"], 2);
}

async fn without_expected_versions_every_update_lands_in_turn(app: TestApp) {
    let id = draft(&app, "serialised").await;
    let editor = token("editor");
    let writes = (0..WRITERS)
        .map(|n| app.graphql_as(Some(&editor), UPDATE, json!({ "id": id, "v": null, "title": format!("Writer {n}") })));
    let bodies = join_all(writes).await;
    let mut versions: Vec<i64> = bodies
        .iter()
        .map(|body| {
            assert!(body.get("errors").is_none(), "{body:#}");
            body["data"]["updateRelease"]["version"].as_i64().unwrap()
        })
        .collect();
    versions.sort_unstable();
    let expected: Vec<i64> = (2..=(WRITERS as i64 + 1)).collect();
    assert_eq!(versions, expected, "each write saw the one before it");
    // Every write left its own revision: none was overwritten unseen.
    let query =
        "query($id: ID!) { node(id: $id) { ... on Release { revisions(first: 100) { totalCount nodes { title } } } } }";
    let data = app.data_as(&editor, query, json!({ "id": id })).await;
    let revisions = &data["node"]["revisions"];
    assert_eq!(revisions["totalCount"], WRITERS as i64 + 1);
    let mut titles: Vec<&str> =
        revisions["nodes"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), WRITERS + 1);
}

async fn concurrent_members_added_to_one_commission_all_stay(app: TestApp) {
    let editor = token("editor");
    let create =
        "mutation { createCommission(input: { slug: \"crowded\", name: \"Crowded\", mandate: \"m\" }) { id } }";
    let commission =
        app.data_as(&editor, create, json!({})).await["createCommission"]["id"].as_str().unwrap().to_owned();
    let slugs = [
        "iom",
        "ilo",
        "usaid",
        "ec-ministry-of-government",
        "ec-ministry-of-foreign-relations",
        "ec-national-council-of-women",
    ];
    let mut organisations = Vec::new();
    for slug in slugs {
        organisations.push(id_of(&app, "organisation", slug).await);
    }
    let add = "mutation($id: ID!, $org: ID!) { addCommissionMember(id: $id, input: { organisation: $org, role: MEMBER }) { version } }";
    let bodies = join_all(
        organisations.iter().map(|org| app.graphql_as(Some(&editor), add, json!({ "id": commission, "org": org }))),
    )
    .await;
    for body in &bodies {
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let query = "query($id: ID!) { node(id: $id) { ... on Commission { version members { organisation { slug } } } } }";
    let data = app.data(query, json!({ "id": commission })).await;
    assert_eq!(data["node"]["members"].as_array().unwrap().len(), slugs.len(), "no member was lost");
    assert_eq!(data["node"]["version"], slugs.len() as i64 + 1);
}

/// Release lists cache the organisations they name under the database's write mark (see
/// `graphql::preload`). A write that takes its audit key first but commits last must still move the
/// mark, or a list cached between the two commits would keep the old record for good.
async fn a_write_that_commits_after_a_later_one_still_shows(app: TestApp) {
    use entity::{audit_event, organisation};
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr};

    if app.backend() == Backend::Sqlite {
        // SQLite lets one writer in at a time: the second write would wait for the first to commit.
        return;
    }
    const NAMED: &str = "{ releases(first: 20) { edges { node { organisations { organisation { slug name } } } } } }";
    let first_named = |data: &Value| data["releases"]["edges"][0]["node"]["organisations"][0]["organisation"].clone();
    let before = first_named(&app.data(NAMED, json!({})).await);
    let slug = before["slug"].as_str().unwrap().to_owned();

    // The first write renames the organisation and records its audit event, then waits.
    let first = app.db().begin().await.unwrap();
    organisation::Entity::update_many()
        .col_expr(organisation::Column::Name, Expr::value("Renamed by the slower write"))
        .filter(organisation::Column::Slug.eq(slug.as_str()))
        .exec(&first)
        .await
        .unwrap();
    let event = audit_event::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        actor: Set("slow@example.org".into()),
        actor_roles: Set("editor".into()),
        entity_type: Set("Organisation".into()),
        entity_id: Set(uuid::Uuid::now_v7()),
        operation: Set("update".into()),
        changes: Set(json!({})),
        ..Default::default()
    };
    audit_event::Entity::insert(event).exec_without_returning(&first).await.unwrap();

    // A second write takes a later audit key and commits first; a list then caches what it sees.
    let create = "mutation { createTopic(input: { name: \"Faster\", slug: \"faster\" }) { slug } }";
    app.data_as(&token("editor"), create, json!({})).await;
    assert_eq!(first_named(&app.data(NAMED, json!({})).await), before, "the first write is not committed yet");

    // The first write commits, as newsroom commits; the next list shows it.
    api::service::write::advance_mark(&first).await.unwrap();
    first.commit().await.unwrap();
    let after = first_named(&app.data(NAMED, json!({})).await);
    assert_eq!(after["name"], "Renamed by the slower write", "{after}");
}

db_tests!(TestApp::spawn_editorial =>
    a_write_that_commits_after_a_later_one_still_shows,
    with_the_same_expected_version_exactly_one_update_wins,
    without_expected_versions_every_update_lands_in_turn,
    concurrent_members_added_to_one_commission_all_stay,
);
