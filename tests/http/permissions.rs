//! The permission matrix, walked whole: every role against every operation on a release in every
//! workflow state, and the operations that have no state. The expectations are written out here,
//! not derived from the server's policy, so that a change there has to be made here too.

use serde_json::{Value, json};

use crate::{
    helpers::TestApp,
    mutations::{draft, id_of},
    tokens::token,
};

const ROLES: [Option<&str>; 5] = [None, Some("reader"), Some("editor"), Some("importer"), Some("admin")];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Draft,
    /// Scheduled for tomorrow: not public yet.
    Scheduled,
    Published,
    Archived,
}

const STATES: [State; 4] = [State::Draft, State::Scheduled, State::Published, State::Archived];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Read,
    Update,
    Delete,
    Publish,
    Schedule,
    Unpublish,
    Archive,
    Revisions,
    Restore,
}

const OPS: [Op; 9] = [
    Op::Read,
    Op::Update,
    Op::Delete,
    Op::Publish,
    Op::Schedule,
    Op::Unpublish,
    Op::Archive,
    Op::Revisions,
    Op::Restore,
];

/// Whether `role` may attempt `op` at all.
fn allowed(role: Option<&str>, op: Op) -> bool {
    match role {
        None | Some("importer") => op == Op::Read,
        Some("reader") => op == Op::Read,
        Some("editor") => op != Op::Delete,
        Some("admin") => true,
        Some(other) => panic!("{other}"),
    }
}

/// Whether `role` sees a release in `state`.
fn sees(role: Option<&str>, state: State) -> bool {
    matches!(role, Some("reader" | "editor" | "admin")) || state == State::Published
}

/// Whether the workflow allows `op` from `state` (the archived release was published first, so it
/// has been live and cannot be scheduled; it can be published again).
fn possible(op: Op, state: State) -> bool {
    use State::*;
    match op {
        Op::Publish => state != Published,
        Op::Schedule => matches!(state, Draft | Scheduled),
        Op::Unpublish => matches!(state, Scheduled | Published),
        Op::Archive => state != Archived,
        _ => true,
    }
}

/// What the server must answer: `ok`, `hidden` (a read of a release the role cannot see), or an
/// error code.
fn expected(role: Option<&str>, op: Op, state: State) -> &'static str {
    if op == Op::Read || (op == Op::Revisions && !sees(role, state)) {
        return if sees(role, state) { "ok" } else { "hidden" };
    }
    if !allowed(role, op) {
        return if role.is_none() { "UNAUTHENTICATED" } else { "FORBIDDEN" };
    }
    if possible(op, state) { "ok" } else { "CONFLICT" }
}

async fn release_in(app: &TestApp, state: State, slug: &str) -> String {
    let id = draft(app, slug).await;
    let admin = token("admin");
    let step = |name: &str| format!("mutation($id: ID!) {{ {name}(id: $id) {{ status }} }}");
    match state {
        State::Draft => {}
        State::Scheduled => {
            let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
            let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { status } }";
            app.data_as(&admin, schedule, json!({ "id": id, "at": at })).await;
        }
        State::Published => {
            app.data_as(&admin, &step("publishRelease"), json!({ "id": id })).await;
        }
        State::Archived => {
            app.data_as(&admin, &step("publishRelease"), json!({ "id": id })).await;
            app.data_as(&admin, &step("archiveRelease"), json!({ "id": id })).await;
        }
    }
    id
}

fn request(op: Op, id: &str) -> (String, Value) {
    let at = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let step = |name: &str| format!("mutation($id: ID!) {{ {name}(id: $id) {{ id }} }}");
    let query = match op {
        Op::Read => "query($id: ID!) { node(id: $id) { id } }".to_owned(),
        Op::Update => "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Changed\" }) { id } }".to_owned(),
        Op::Delete => step("deleteRelease"),
        Op::Publish => step("publishRelease"),
        Op::Schedule => "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { id } }".to_owned(),
        Op::Unpublish => step("unpublishRelease"),
        Op::Archive => step("archiveRelease"),
        Op::Revisions => {
            "query($id: ID!) { node(id: $id) { ... on Release { id revisions { totalCount } } } }".to_owned()
        }
        Op::Restore => "mutation($id: ID!) { restoreReleaseRevision(id: $id, version: 1) { id } }".to_owned(),
    };
    (query, json!({ "id": id, "at": at }))
}

fn outcome(body: &Value) -> String {
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => code.to_owned(),
        None if body["data"].as_object().is_some_and(|data| data.values().all(Value::is_null)) => "hidden".into(),
        None => "ok".into(),
    }
}

async fn every_role_operation_and_state(app: TestApp) {
    let mut mismatches = Vec::new();
    let mut cells = 0;
    for state in STATES {
        for role in ROLES {
            for op in OPS {
                let slug = format!(
                    "m-{}-{}-{}",
                    format!("{state:?}").to_lowercase(),
                    role.unwrap_or("anon"),
                    format!("{op:?}").to_lowercase()
                );
                let id = release_in(&app, state, &slug).await;
                let (query, variables) = request(op, &id);
                let bearer = role.map(token);
                let body = app.graphql_as(bearer.as_deref(), &query, variables).await;
                let (got, want) = (outcome(&body), expected(role, op, state));
                if got != want {
                    mismatches.push(format!("{role:?} {op:?} on {state:?}: got {got}, want {want}: {body}"));
                }
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 4 * 5 * 9);
    assert!(mismatches.is_empty(), "{} of {cells} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

async fn stateless_operations_and_contacts(app: TestApp) {
    let topic = id_of(&app, "topic", "health").await;
    let cases: [(&str, &str, [&str; 5]); 5] = [
        (
            "create",
            "mutation { createTopic(input: { slug: \"t-SLUG\", name: \"T\" }) { id } }",
            ["UNAUTHENTICATED", "FORBIDDEN", "ok", "FORBIDDEN", "ok"],
        ),
        (
            "update",
            "mutation($id: ID!) { updateTopic(id: $id, input: { name: \"Health\" }) { id } }",
            ["UNAUTHENTICATED", "FORBIDDEN", "ok", "FORBIDDEN", "ok"],
        ),
        ("audit", "{ auditEvents { totalCount } }", ["UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok"]),
        ("private contacts", "{ contacts(first: 100) { totalCount } }", ["ok", "ok", "ok", "ok", "ok"]),
        (
            "delete",
            "mutation($id: ID!) { deleteTopic(id: $id) { id } }",
            ["UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok"],
        ),
    ];
    let mut totals = Vec::new();
    for (label, query, expected) in cases {
        for (role, want) in ROLES.into_iter().zip(expected) {
            let query = query.replace("SLUG", role.unwrap_or("anon"));
            let bearer = role.map(token);
            let body = app.graphql_as(bearer.as_deref(), &query, json!({ "id": topic })).await;
            assert_eq!(outcome(&body), want, "{label} as {role:?}: {body}");
            if label == "private contacts" {
                totals.push(body["data"]["contacts"]["totalCount"].as_i64().unwrap());
            }
        }
    }
    // The demo has one non-public contact: anonymous callers and importers do not count it.
    assert_eq!(totals[0] + 1, totals[1]);
    assert_eq!(totals[1..].iter().filter(|total| **total == totals[1]).count(), 3);
    assert_eq!(totals[3], totals[0]);
}

db_tests!(TestApp::spawn_editorial => every_role_operation_and_state, stateless_operations_and_contacts);
