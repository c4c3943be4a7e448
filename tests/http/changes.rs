//! The change log: a partner's initial sync and resumption, tombstones, the order of commits under
//! concurrent writers, scheduled releases entering at their instant, filters, imports, expiry,
//! the GraphQL view of the same entries, and the event stream.

use std::collections::{HashMap, HashSet};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::TestApp,
    mutations::{CREATE_RELEASE, draft},
    tokens::token,
};

/// One read of `/api/changes` (`query` after `?`), as `token`: the entries and the closing line.
async fn read(app: &TestApp, token: Option<&str>, query: &str) -> (Vec<Value>, Value) {
    let mut request = app.client.get(format!("{}/api/changes?{query}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let mut lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let end = lines.pop().expect("a closing line");
    assert!(end["next"].is_string(), "{end}");
    (lines, end)
}

/// Everything after `cursor` (`None`: from the start), page by page of `limit`; and where to resume.
async fn read_all(
    app: &TestApp,
    token: Option<&str>,
    cursor: Option<&str>,
    filter: &str,
    limit: u64,
) -> (Vec<Value>, String) {
    let mut entries = Vec::new();
    let mut cursor = cursor.map(str::to_owned);
    loop {
        let after = cursor.as_ref().map(|c| format!("&after={c}")).unwrap_or_default();
        let (page, end) = read(app, token, &format!("limit={limit}{after}{filter}")).await;
        assert!(page.len() as u64 <= limit);
        entries.extend(page);
        cursor = Some(end["next"].as_str().unwrap().to_owned());
        if end["more"] == false {
            return (entries, cursor.unwrap());
        }
    }
}

fn changes_of<'a>(entries: &'a [Value], id: &str) -> Vec<&'a str> {
    entries.iter().filter(|e| e["id"] == id).map(|e| e["change"].as_str().unwrap()).collect()
}

/// The public id inside a global id.
fn uuid_of(global: &str) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(global).unwrap();
    String::from_utf8(text).unwrap().split_once(':').unwrap().1.to_owned()
}

async fn step(app: &TestApp, mutation: &str, id: &str) {
    let query = format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}");
    // Deleting is for admins; the other steps are editors' too.
    app.data_as(&token("admin"), &query, json!({ "id": id })).await;
}

async fn a_partner_syncs_from_the_start_then_follows_every_change_with_tombstones(app: TestApp) {
    // The initial sync: every published release of the demo content, in pages, with its record.
    let (initial, cursor) = read_all(&app, None, None, "", 3).await;
    let published =
        app.data("{ releases(first: 100) { totalCount } }", json!({})).await["releases"]["totalCount"].clone();
    let releases: Vec<&Value> = initial.iter().filter(|e| e["type"] == "release").collect();
    assert_eq!(json!(releases.len()), published, "one entry per public release");
    assert!(releases.iter().all(|e| e["change"] == "published" && e["record"]["type"] == "release"));
    assert!(
        initial.iter().any(|e| e["type"] == "topic" && e["change"] == "created" && e["record"]["slug"].is_string())
    );
    let positions: Vec<i64> = initial.iter().map(|e| e["cursor"].as_str().unwrap().parse().unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "in log order: {positions:?}");

    // A draft is nothing to an anonymous partner, but the cursor moves past it.
    let id = draft(&app, "changes-life").await;
    let uuid = uuid_of(&id);
    let (seen, after_draft) = read_all(&app, None, Some(&cursor), "", 10).await;
    assert!(seen.is_empty(), "{seen:?}");
    assert!(after_draft.parse::<i64>().unwrap() > cursor.parse::<i64>().unwrap());
    let (editor_view, _) = read_all(&app, Some(&token("editor")), Some(&cursor), "", 10).await;
    assert_eq!(changes_of(&editor_view, &uuid), ["created"]);

    step(&app, "publishRelease", &id).await;
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { id } }";
    app.data_as(&token("editor"), update, json!({ "id": id, "input": { "title": "Changed" } })).await;
    step(&app, "unpublishRelease", &id).await;
    app.data_as(&token("editor"), update, json!({ "id": id, "input": { "title": "Changed in draft" } })).await;
    step(&app, "publishRelease", &id).await;
    step(&app, "archiveRelease", &id).await;
    step(&app, "deleteRelease", &id).await;

    let (anonymous, _) = read_all(&app, None, Some(&cursor), "", 2).await;
    assert_eq!(changes_of(&anonymous, &uuid), ["published", "updated", "unpublished", "published", "archived"]);
    let records: Vec<&Value> = anonymous.iter().map(|e| &e["record"]).collect();
    // The record is the current one, as the caller may see it: gone, so none for any entry.
    assert!(records.iter().all(|r| r.is_null()), "{records:?}");
    let (editor, _) = read_all(&app, Some(&token("editor")), Some(&cursor), "", 100).await;
    assert_eq!(
        changes_of(&editor, &uuid),
        ["created", "published", "updated", "unpublished", "updated", "published", "archived", "deleted"]
    );
    assert!(editor.iter().filter(|e| e["id"] == uuid.as_str()).all(|e| e["key"] == "en/changes-life"));

    // A live release's entry carries its record, as anonymous callers see it.
    let live = draft(&app, "changes-live").await;
    step(&app, "publishRelease", &live).await;
    let (latest, _) = read_all(&app, None, Some(&after_draft), "", 100).await;
    let entry = latest.iter().find(|e| e["id"] == uuid_of(&live).as_str()).unwrap();
    assert_eq!((entry["change"].as_str(), entry["record"]["slug"].as_str()), (Some("published"), Some("changes-live")));
}

async fn cursors_are_checked_and_expire_with_the_retention(app: TestApp) {
    let (_, head) = read_all(&app, None, None, "", 1000).await;
    for (query, code, field) in [
        ("after=abc", "BAD_USER_INPUT", "after"),
        ("after=999999999", "BAD_USER_INPUT", "after"),
        ("limit=5000", "PAGE_SIZE_EXCEEDED", "limit"),
        ("type=spaceship", "BAD_USER_INPUT", "type"),
        ("colour=red", "BAD_USER_INPUT", "colour"),
    ] {
        let response = app.client.get(format!("{}/api/changes?{query}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some(code), Some(field)), "{query}: {body}");
    }
    // Entries older than a zero retention go, but for each record's latest: a cursor from before
    // the purge has expired, one from after it has not.
    let id = draft(&app, "changes-purged").await;
    step(&app, "publishRelease", &id).await;
    let (_, before_archive) = read_all(&app, Some(&token("editor")), None, "", 1000).await;
    step(&app, "archiveRelease", &id).await;
    let purged = api::service::changes::purge(app.db(), chrono::Duration::zero(), 100_000).await.unwrap();
    assert_eq!(purged, 2, "the draft's creation and its publication, superseded by the archiving");
    let response = app.client.get(format!("{}/api/changes?after=1", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("CURSOR_EXPIRED"), Some("after")), "{body}");
    let query = "query($after: String) { changes(after: $after) { endCursor } }";
    assert_eq!(app.error_code(query, json!({ "after": "1" })).await, "CURSOR_EXPIRED");
    let (entries, _) = read_all(&app, Some(&token("editor")), Some(&before_archive), "", 10).await;
    assert_eq!(changes_of(&entries, &uuid_of(&id)), ["archived"]);
    assert!(head.parse::<i64>().unwrap() < before_archive.parse::<i64>().unwrap());
    // A fresh sync still finds every public release, by its latest entry; and a record whose
    // entries are old is still seen going.
    let (entries, _) = read_all(&app, None, None, "", 100).await;
    let published =
        app.data("{ releases(first: 100) { totalCount } }", json!({})).await["releases"]["totalCount"].clone();
    let live = entries.iter().filter(|e| e["type"] == "release" && e["record"].is_object()).count();
    assert_eq!(json!(live), published);
    // The archived release is there too, as its tombstone.
    assert_eq!(changes_of(&entries, &uuid_of(&id)), ["archived"]);
    let (_, end) = read_all(&app, None, None, "", 1000).await;
    let quito = app.data("{ releases(first: 1) { nodes { id } } }", json!({})).await["releases"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&app, "deleteRelease", &quito).await;
    let (gone, _) = read_all(&app, None, Some(&end), "", 10).await;
    assert_eq!(changes_of(&gone, &uuid_of(&quito)), ["deleted"]);
}

async fn a_scheduled_release_enters_the_log_at_its_instant(app: TestApp) {
    let (_, cursor) = read_all(&app, None, None, "", 1000).await;
    let id = draft(&app, "changes-scheduled").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { publishedAt } }";
    let data = app.data_as(&token("editor"), schedule, json!({ "id": id, "at": at.to_rfc3339() })).await;
    let instant: chrono::DateTime<chrono::Utc> =
        data["scheduleRelease"]["publishedAt"].as_str().unwrap().parse().unwrap();
    let (before, _) = read_all(&app, None, Some(&cursor), "", 100).await;
    assert!(before.is_empty(), "not before its time: {before:?}");
    // No write happens at the instant: the servers' clock logs it (every second by default).
    let mut found = None;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (entries, _) = read_all(&app, None, Some(&cursor), "", 100).await;
        if let Some(entry) = entries.into_iter().find(|e| e["id"] == uuid_of(&id).as_str()) {
            found = Some(entry);
            break;
        }
    }
    let entry = found.expect("the release entered the log after its instant");
    assert_eq!(entry["change"], "published");
    assert_eq!(entry["record"]["slug"], "changes-scheduled");
    let logged: chrono::DateTime<chrono::Utc> = entry["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(logged, instant, "at its instant, not when the clock saw it");
    // Once only, however many times the clock looks again.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (entries, _) = read_all(&app, None, Some(&cursor), "", 100).await;
    assert_eq!(changes_of(&entries, &uuid_of(&id)), ["published"]);
}

async fn filters_keep_the_tombstones_of_records_that_matched(app: TestApp) {
    let (_, cursor) = read_all(&app, None, None, "", 1000).await;
    let topic = |slug: &str| format!("{{ topic(slug: \"{slug}\") {{ id }} }}");
    let health = app.data(&topic("health"), json!({})).await["topic"]["id"].as_str().unwrap().to_owned();
    let counter = app.data(&topic("counter-trafficking"), json!({})).await["topic"]["id"].as_str().unwrap().to_owned();
    let input = json!({ "language": "fr", "slug": "changes-filtered", "title": "Filtré", "topics": [health] });
    let id = app.data_as(&token("editor"), CREATE_RELEASE, json!({ "input": input })).await["createRelease"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&app, "publishRelease", &id).await;
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { id } }";
    app.data_as(&token("editor"), update, json!({ "id": id, "input": { "topics": [counter] } })).await;
    step(&app, "deleteRelease", &id).await;
    let uuid = uuid_of(&id);
    let (health_follow, _) = read_all(&app, None, Some(&cursor), "&topic=health", 100).await;
    // It left the topic (an update, still seen) and was then deleted: the tombstone is seen too,
    // although the release no longer had the topic.
    assert_eq!(changes_of(&health_follow, &uuid), ["published", "updated"]);
    let (counter_follow, _) = read_all(&app, None, Some(&cursor), "&topic=counter-trafficking", 100).await;
    assert_eq!(changes_of(&counter_follow, &uuid), ["updated", "deleted"]);
    let (french, _) = read_all(&app, None, Some(&cursor), "&language=fr", 100).await;
    assert_eq!(changes_of(&french, &uuid), ["published", "updated", "deleted"]);
    let (english, _) = read_all(&app, None, Some(&cursor), "&language=en", 100).await;
    assert!(changes_of(&english, &uuid).is_empty());
    let (topics_only, _) = read_all(&app, Some(&token("editor")), Some(&cursor), "&type=topic", 100).await;
    assert!(topics_only.is_empty(), "{topics_only:?}");
}

/// Every kind of facet a release has is followed: its organisations, commissions and countries as
/// well as its topics and language (the log reads them in one statement per chunk of records).
async fn filters_follow_organisations_commissions_and_countries(app: TestApp) {
    let (_, cursor) = read_all(&app, None, None, "", 1000).await;
    let iom = crate::mutations::id_of(&app, "organisation", "iom").await;
    let commission = crate::mutations::id_of(&app, "commission", api::demo::COMMISSION_SLUG).await;
    let input = json!({
        "language": "en", "slug": "changes-facets", "title": "Facets",
        "organisations": [{ "organisation": iom, "role": "FUNDER" }], "commissions": [commission], "countries": ["pe"],
    });
    let id = app.data_as(&token("editor"), CREATE_RELEASE, json!({ "input": input })).await["createRelease"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&app, "publishRelease", &id).await;
    let uuid = uuid_of(&id);
    for filter in [
        "&organisation=iom".to_owned(),
        format!("&commission={}", api::demo::COMMISSION_SLUG),
        "&country=PE".to_owned(),
    ] {
        let (entries, _) = read_all(&app, None, Some(&cursor), &filter, 100).await;
        assert_eq!(changes_of(&entries, &uuid), ["published"], "{filter}");
    }
    for filter in ["&organisation=ilo", "&country=EC", "&commission=none"] {
        let (entries, _) = read_all(&app, None, Some(&cursor), filter, 100).await;
        assert!(changes_of(&entries, &uuid).is_empty(), "{filter}: {entries:?}");
    }
}

async fn graphql_pages_the_same_entries(app: TestApp) {
    let id = draft(&app, "changes-graphql").await;
    step(&app, "publishRelease", &id).await;
    let (rest, _) = read_all(&app, None, None, "", 1000).await;
    let query = "query($after: String, $first: Int) { changes(after: $after, first: $first) {
      entries { cursor type id key change at record { id ... on Release { slug } ... on Topic { slug } } }
      endCursor hasNextPage } }";
    let mut after = Value::Null;
    let mut entries = Vec::new();
    loop {
        let page = app.data(query, json!({ "after": after, "first": 4 })).await["changes"].clone();
        entries.extend(page["entries"].as_array().unwrap().iter().cloned());
        after = page["endCursor"].clone();
        if page["hasNextPage"] == false {
            break;
        }
    }
    let pairs = |entries: &[Value], change: &str| -> Vec<(String, String)> {
        entries
            .iter()
            .map(|e| (e["cursor"].as_str().unwrap().to_owned(), e[change].as_str().unwrap().to_lowercase()))
            .collect()
    };
    assert_eq!(pairs(&entries, "change"), pairs(&rest, "change"));
    let entry = entries.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!((entry["type"].as_str(), entry["record"]["slug"].as_str()), (Some("RELEASE"), Some("changes-graphql")));
    assert_eq!(entry["record"]["id"], id.as_str());
    let code = app.error_code("{ changes(first: 5000) { endCursor } }", json!({})).await;
    assert_eq!(code, "PAGE_SIZE_EXCEEDED");
}

async fn imports_are_logged_per_record_and_a_same_import_logs_nothing(app: TestApp) {
    let (_, cursor) = read_all(&app, None, None, "", 1000).await;
    let record = |title: &str| {
        format!(
            "{}\n{}\n",
            json!({ "type": "topic", "slug": "changes-import", "name": "Imported" }),
            json!({ "type": "release", "language": "en", "slug": "changes-import", "title": title,
                    "status": "published", "published_at": "2026-01-05T10:00:00Z", "topics": ["changes-import"] })
        )
    };
    let import = |body: String| async {
        let response = app
            .client
            .post(format!("{}/api/import", app.address))
            .bearer_auth(token("importer"))
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    };
    import(record("First")).await;
    let (first, after_first) = read_all(&app, None, Some(&cursor), "", 100).await;
    let kinds: Vec<(&str, &str)> =
        first.iter().map(|e| (e["type"].as_str().unwrap(), e["change"].as_str().unwrap())).collect();
    assert_eq!(kinds, [("topic", "created"), ("release", "published")]);
    import(record("First")).await;
    assert!(read_all(&app, None, Some(&after_first), "", 100).await.0.is_empty(), "unchanged records log nothing");
    import(record("Second")).await;
    let (second, _) = read_all(&app, None, Some(&after_first), "", 100).await;
    let kinds: Vec<(&str, &str)> =
        second.iter().map(|e| (e["type"].as_str().unwrap(), e["change"].as_str().unwrap())).collect();
    assert_eq!(kinds, [("release", "updated")]);
    assert_eq!(second[0]["record"]["title"], "Second");
    assert_eq!(second[0]["key"], "en/changes-import");
}

/// Writers commit concurrently while a partner reads: however the commits interleave, the
/// partner, resuming from each page's cursor, sees every change exactly once.
async fn a_reader_never_passes_a_change_that_commits_later(app: TestApp) {
    let (_, start) = read_all(&app, Some(&token("editor")), None, "", 1000).await;
    let writers = (0..4).map(|writer| {
        let app = &app;
        async move {
            let mut ids = Vec::new();
            for n in 0..12 {
                ids.push(uuid_of(&draft(app, &format!("concurrent-{writer}-{n}")).await));
            }
            ids
        }
    });
    let done = std::sync::atomic::AtomicBool::new(false);
    let reader = async {
        let mut cursor = start.clone();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let finished = done.load(std::sync::atomic::Ordering::SeqCst);
            let (entries, next) = read_all(&app, Some(&token("editor")), Some(&cursor), "", 5).await;
            seen.extend(entries.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
            cursor = next;
            if finished {
                return seen;
            }
        }
    };
    let written = async {
        let ids: Vec<String> = futures_util::future::join_all(writers).await.into_iter().flatten().collect();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        ids
    };
    let (written, seen) = tokio::join!(written, reader);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &seen {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let written: HashSet<&str> = written.iter().map(String::as_str).collect();
    assert_eq!(written.len(), 48);
    assert_eq!(counts.keys().copied().collect::<HashSet<_>>(), written, "every change seen");
    assert!(counts.values().all(|count| *count == 1), "each once: {counts:?}");
}

async fn the_event_stream_sends_changes_as_they_happen_and_resumes(app: TestApp) {
    let response = app.client.get(format!("{}/api/changes/stream", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response;
    let id = draft(&app, "changes-stream").await;
    step(&app, "publishRelease", &id).await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !text.contains("changes-stream") {
        let chunk = tokio::time::timeout_at(deadline, body.chunk()).await.expect("an event within 10 s");
        text.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
    }
    drop(body);
    let event = text.split("\n\n").find(|event| event.contains("changes-stream")).unwrap();
    let field = |name: &str| event.lines().find_map(|line| line.strip_prefix(name)).unwrap().trim().to_owned();
    assert_eq!(field("event:"), "change");
    let data: Value = serde_json::from_str(&field("data:")).unwrap();
    assert_eq!((data["change"].as_str(), data["cursor"].as_str()), (Some("published"), Some(field("id:").as_str())));
    // A browser that reconnects sends the last id it saw, and gets what came after it.
    step(&app, "archiveRelease", &id).await;
    let response = app
        .client
        .get(format!("{}/api/changes/stream", app.address))
        .header("last-event-id", field("id:"))
        .send()
        .await
        .unwrap();
    let mut body = response;
    let mut text = String::new();
    while !text.contains("\"archived\"") {
        let chunk = tokio::time::timeout_at(deadline, body.chunk()).await.expect("the missed event");
        text.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
    }
    assert!(!text.contains("\"published\""), "nothing before the id: {text}");
    let expired = app.client.get(format!("{}/api/changes/stream?after=x", app.address)).send().await.unwrap();
    assert_eq!(expired.status(), StatusCode::BAD_REQUEST);
}

db_tests!(TestApp::spawn_editorial =>
    a_partner_syncs_from_the_start_then_follows_every_change_with_tombstones,
    cursors_are_checked_and_expire_with_the_retention,
    a_scheduled_release_enters_the_log_at_its_instant,
    filters_keep_the_tombstones_of_records_that_matched,
    filters_follow_organisations_commissions_and_countries,
    graphql_pages_the_same_entries,
    imports_are_logged_per_record_and_a_same_import_logs_nothing,
    a_reader_never_passes_a_change_that_commits_later,
    the_event_stream_sends_changes_as_they_happen_and_resumes,
);
