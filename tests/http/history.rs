//! History: the audit log (admins) and release revisions with diffs and restores (editors).

use serde_json::json;

use crate::{helpers::TestApp, mutations::draft, tokens::token};

const AUDIT: &str = "query($filter: AuditEventFilter) { auditEvents(first: 50, filter: $filter) {
  totalCount nodes { actor actorRoles entityType entityId operation changes requestId occurredAt } } }";

async fn every_write_is_in_the_audit_log(app: TestApp) {
    let admin = token("admin");
    let id = draft(&app, "audited").await;
    let update = "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Audited, twice\", summary: \"New\" }) { version } }";
    app.data_as(&token("editor"), update, json!({ "id": id })).await;
    app.data_as(&admin, "mutation($id: ID!) { publishRelease(id: $id) { version } }", json!({ "id": id })).await;

    let data = app.data_as(&admin, AUDIT, json!({ "filter": { "entityId": id } })).await;
    let events = &data["auditEvents"];
    assert_eq!(events["totalCount"], 3);
    let nodes = events["nodes"].as_array().unwrap();
    let operations: Vec<&str> = nodes.iter().map(|event| event["operation"].as_str().unwrap()).collect();
    assert_eq!(operations, ["PUBLISH", "UPDATE", "CREATE"], "newest first");
    let update = &nodes[1];
    assert_eq!(update["actor"], "editor@example.org");
    assert_eq!(update["actorRoles"], json!(["editor"]));
    assert_eq!((update["entityType"].as_str(), update["entityId"].as_str()), (Some("RELEASE"), Some(id.as_str())));
    assert_eq!(
        update["changes"],
        json!({
            "summary": { "before": null, "after": "New" },
            "title": { "before": "Draft audited", "after": "Audited, twice" },
        })
    );
    assert!(update["requestId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(nodes[0]["actor"], "admin@example.org");
    assert_eq!(nodes[0]["changes"]["status"], json!({ "before": "draft", "after": "published" }));
    assert_eq!(nodes[2]["changes"]["slug"], json!({ "before": null, "after": "audited" }));

    // Filters combine; deletes keep the last state.
    let by_actor =
        app.data_as(&admin, AUDIT, json!({ "filter": { "actor": "admin@example.org", "operation": "PUBLISH" } })).await;
    assert_eq!(by_actor["auditEvents"]["totalCount"], 1);
    app.data_as(&admin, "mutation($id: ID!) { deleteRelease(id: $id) { id } }", json!({ "id": id })).await;
    let deleted = app.data_as(&admin, AUDIT, json!({ "filter": { "entityId": id, "operation": "DELETE" } })).await;
    let changes = &deleted["auditEvents"]["nodes"][0]["changes"];
    assert_eq!(changes["title"], json!({ "before": "Audited, twice", "after": null }));
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let none = app.data_as(&admin, AUDIT, json!({ "filter": { "after": future } })).await;
    assert_eq!(none["auditEvents"]["totalCount"], 0);
    // Other types are audited too.
    app.data_as(
        &token("editor"),
        "mutation { createTopic(input: { slug: \"audited-topic\", name: \"A\" }) { id } }",
        json!({}),
    )
    .await;
    let topics = app.data_as(&admin, AUDIT, json!({ "filter": { "entityType": "TOPIC" } })).await;
    assert_eq!(topics["auditEvents"]["nodes"][0]["changes"]["name"], json!({ "before": null, "after": "A" }));
}

const REVISIONS: &str = "query($id: ID!) { node(id: $id) { ... on Release { version title body topics { slug }
  revisions(first: 10) { totalCount nodes { version author title changes { field before after textDiff } } } } } }";

async fn revisions_are_kept_compared_and_restored(app: TestApp) {
    let editor = token("editor");
    let id = draft(&app, "revised").await;
    let update =
        "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { version } }";
    let health = crate::mutations::id_of(&app, "topic", "health").await;
    let first = json!({ "title": "Revised", "body": "Line one\nLine two\n", "topics": [health] });
    app.data_as(&editor, update, json!({ "id": id, "input": first })).await;
    let second = json!({ "title": "Revised again", "body": "Line one\nLine 2\n", "topics": [] });
    app.data_as(&editor, update, json!({ "id": id, "input": second })).await;

    let data = app.data_as(&editor, REVISIONS, json!({ "id": id })).await;
    let revisions = &data["node"]["revisions"];
    assert_eq!(revisions["totalCount"], 3);
    let latest = &revisions["nodes"][0];
    assert_eq!((latest["version"].as_i64(), latest["title"].as_str()), (Some(3), Some("Revised again")));
    assert_eq!(latest["author"], "editor@example.org");
    let changes = latest["changes"].as_array().unwrap();
    let fields: Vec<&str> = changes.iter().map(|change| change["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["body", "title", "topics"]);
    let body_diff = changes[0]["textDiff"].as_str().unwrap();
    assert!(body_diff.contains("-Line two") && body_diff.contains("+Line 2"), "{body_diff}");
    assert_eq!(changes[2]["before"], json!(["health"]));

    // Readers may preview but not see history; editors restore.
    let body = app.graphql_as(Some(&token("reader")), REVISIONS, json!({ "id": id })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let restore =
        "mutation($id: ID!, $v: Int!) { restoreReleaseRevision(id: $id, version: $v) { version title body } }";
    let restored = app.data_as(&editor, restore, json!({ "id": id, "v": 2 })).await["restoreReleaseRevision"].clone();
    assert_eq!(restored, json!({ "version": 4, "title": "Revised", "body": "Line one\nLine two\n" }));
    let data = app.data_as(&editor, REVISIONS, json!({ "id": id })).await;
    assert_eq!(data["node"]["topics"], json!([{ "slug": "health" }]), "relations come back too");
    assert_eq!(data["node"]["revisions"]["totalCount"], 4, "a restore is a revision of its own");
    let unknown = app.graphql_as(Some(&editor), restore, json!({ "id": id, "v": 99 })).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let audit =
        app.data_as(&token("admin"), AUDIT, json!({ "filter": { "entityId": id, "operation": "RESTORE" } })).await;
    assert_eq!(audit["auditEvents"]["totalCount"], 1);
    assert_eq!(
        audit["auditEvents"]["nodes"][0]["changes"]["title"],
        json!({ "before": "Revised again", "after": "Revised" })
    );
}

/// Rows another version of newsroom wrote, with values this one does not know, read as OTHER
/// (instead of failing the whole page), and OTHER finds exactly them.
async fn unknown_audit_values_read_as_other(app: TestApp) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let id = draft(&app, "audited-elsewhere").await;
    entity::audit_event::ActiveModel {
        occurred_at: Set(chrono::Utc::now()),
        actor: Set("newer-server".into()),
        actor_roles: Set("admin".into()),
        entity_type: Set("Spaceship".into()),
        entity_id: Set(uuid::Uuid::now_v7()),
        operation: Set("launch".into()),
        changes: Set(json!({})),
        request_id: Set(None),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    let admin = token("admin");
    let all = app.data_as(&admin, AUDIT, json!({})).await;
    let nodes = all["auditEvents"]["nodes"].as_array().unwrap();
    assert_eq!((nodes[0]["entityType"].as_str(), nodes[0]["operation"].as_str()), (Some("OTHER"), Some("OTHER")));
    assert_eq!(nodes[1]["entityId"], json!(id), "the known rows read as before");
    for filter in [json!({ "operation": "OTHER" }), json!({ "entityType": "OTHER" })] {
        let other = app.data_as(&admin, AUDIT, json!({ "filter": filter })).await;
        assert_eq!(other["auditEvents"]["totalCount"], 1, "{filter}");
        assert_eq!(other["auditEvents"]["nodes"][0]["actor"], "newer-server");
    }
}

db_tests!(
    TestApp::spawn_editorial => every_write_is_in_the_audit_log,
    revisions_are_kept_compared_and_restored,
    unknown_audit_values_read_as_other
);

/// Version, revision count and audit count of the release `id`.
async fn release_trace(app: &TestApp, id: &str) -> (i64, i64, i64) {
    let query = "query($id: ID!, $filter: AuditEventFilter) { node(id: $id) { ... on Release { version revisions { totalCount } } }
      auditEvents(filter: $filter) { totalCount } }";
    let data = app.data_as(&token("admin"), query, json!({ "id": id, "filter": { "entityId": id } })).await;
    let node = &data["node"];
    let number = |value: &serde_json::Value| value.as_i64().unwrap();
    (number(&node["version"]), number(&node["revisions"]["totalCount"]), number(&data["auditEvents"]["totalCount"]))
}

async fn an_update_that_changes_nothing_changes_nothing(app: TestApp) {
    let editor = token("editor");
    let (release, _) = crate::mutations::quito(&app).await;
    let read = "query($id: ID!) { node(id: $id) { ... on Release { version title topics { id } organisations { role organisation { id } } } } }";
    let current = app.data(read, json!({ "id": release })).await["node"].clone();
    let before = release_trace(&app, &release).await;
    // The same title and relations, the lists in another order, and an expected version: the
    // write is accepted and changes nothing, so the version stays good for the next editor.
    let mut topics: Vec<serde_json::Value> =
        current["topics"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
    topics.reverse();
    let mut organisations: Vec<serde_json::Value> = current["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| json!({ "organisation": o["organisation"]["id"], "role": o["role"] }))
        .collect();
    organisations.reverse();
    assert!(organisations.len() > 1, "the demo release names several organisations");
    let update = "mutation($id: ID!, $v: Int, $input: UpdateReleaseInput!) { updateRelease(id: $id, expectedVersion: $v, input: $input) { version } }";
    let input = json!({ "title": current["title"], "topics": topics, "organisations": organisations });
    let answer = app.data_as(&editor, update, json!({ "id": release, "v": current["version"], "input": input })).await;
    assert_eq!(answer["updateRelease"]["version"], current["version"]);
    assert_eq!(release_trace(&app, &release).await, before, "no version, revision or audit event");
    // A real change still counts.
    let input = json!({ "title": "A changed title" });
    let answer = app.data_as(&editor, update, json!({ "id": release, "v": current["version"], "input": input })).await;
    assert_eq!(answer["updateRelease"]["version"], current["version"].as_i64().unwrap() + 1);
    let after = release_trace(&app, &release).await;
    assert_eq!((after.1, after.2), (before.1 + 1, before.2 + 1));

    // The same for every other type: a write of what is stored keeps the version.
    let cases = [
        ("topic", "health", "updateTopic", "UpdateTopicInput"),
        ("organisation", "iom", "updateOrganisation", "UpdateOrganisationInput"),
        ("commission", api::demo::COMMISSION_SLUG, "updateCommission", "UpdateCommissionInput"),
    ];
    for (field, slug, mutation, input_type) in cases {
        let read = format!("{{ {field}(slug: \"{slug}\") {{ id version name }} }}");
        let record = app.data(&read, json!({})).await[field].clone();
        let audited = json!({ "filter": { "entityId": record["id"] } });
        let events = app.data_as(&token("admin"), AUDIT, audited.clone()).await["auditEvents"]["totalCount"].clone();
        let write = format!(
            "mutation($id: ID!, $input: {input_type}!) {{ {mutation}(id: $id, expectedVersion: {}, input: $input) {{ version }} }}",
            record["version"]
        );
        let input = json!({ "name": record["name"], "slug": slug });
        let answer = app.data_as(&editor, &write, json!({ "id": record["id"], "input": input })).await;
        assert_eq!(answer[mutation]["version"], record["version"], "{mutation}");
        let after = app.data_as(&token("admin"), AUDIT, audited).await;
        assert_eq!(after["auditEvents"]["totalCount"], events, "{mutation} left no audit event");
    }
}

db_tests!(TestApp::spawn_editorial => an_update_that_changes_nothing_changes_nothing);
