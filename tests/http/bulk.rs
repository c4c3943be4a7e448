//! Bulk import and export over HTTP: the round trip, idempotency, modes, dry runs, every kind of
//! bad input, CSV and JSON arrays, roles, and real published data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

async fn import(app: &TestApp, body: impl Into<reqwest::Body>, content_type: &str, query: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/api/import{query}", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn ndjson(app: &TestApp, body: &str) -> (StatusCode, Value) {
    import(app, body.to_owned(), "application/x-ndjson", "").await
}

async fn export(app: &TestApp) -> String {
    let response =
        app.client.get(format!("{}/api/export", app.address)).bearer_auth(token("importer")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson; charset=utf-8");
    response.text().await.unwrap()
}

fn counts(report: &Value, kind: &str) -> (u64, u64, u64, u64) {
    let c = &report["counts"][kind];
    let n = |field: &str| c[field].as_u64().unwrap_or(0);
    (n("created"), n("updated"), n("unchanged"), n("failed"))
}

async fn spawn_empty(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.auth = crate::tokens::auth_settings()).await
}

async fn export_then_import_reproduces_the_content_byte_for_byte(app: TestApp) {
    let first = export(&app).await;
    assert_eq!(
        first.lines().count(),
        60,
        "the demo: 14 organisations, 6 topics, 3 contacts, 1 commission, 36 releases"
    );
    let backend = app.backend();
    let empty = spawn_empty(backend).await.unwrap();
    let (status, report) = ndjson(&empty, &first).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(report["committed"], true);
    assert_eq!(counts(&report, "release"), (36, 0, 0, 0));
    assert_eq!(counts(&report, "organisation"), (14, 0, 0, 0));
    let second = export(&empty).await;
    assert!(first == second, "the second export differs from the first");
    // Importing the same file again changes nothing, and says so.
    let (status, again) = ndjson(&empty, &first).await;
    assert_eq!(status, StatusCode::OK);
    for kind in ["organisation", "topic", "contact", "commission", "release"] {
        let (created, updated, unchanged, failed) = counts(&again, kind);
        assert_eq!((created, updated, failed), (0, 0, 0), "{kind}: {again:#}");
        assert!(unchanged > 0, "{kind}");
    }
    assert!(export(&empty).await == first);
    // What the API serves from the imported copy is what it served from the original.
    let query = "{ releases(first: 100) { totalCount nodes { id title topics { slug } contacts { name } translations { slug } } } }";
    assert_eq!(app.data(query, json!({})).await, empty.data(query, json!({})).await);
}

async fn a_changed_record_is_updated_and_the_rest_unchanged(app: TestApp) {
    let original = export(&app).await;
    let changed = original.replacen("\"name\":\"Health\"", "\"name\":\"Health and well-being\"", 1);
    assert_ne!(changed, original);
    let (status, report) = ndjson(&app, &changed).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(counts(&report, "topic"), (0, 1, 5, 0));
    assert_eq!(counts(&report, "release"), (0, 0, 36, 0));
    let data = app.data("{ topic(slug: \"health\") { name version } }", json!({})).await;
    assert_eq!(data["topic"], json!({ "name": "Health and well-being", "version": 2 }));
    // The import is in the audit log, once.
    let audit = "{ auditEvents(filter: { entityType: IMPORT }) { totalCount nodes { actor operation } } }";
    let events = app.data_as(&token("admin"), audit, json!({})).await;
    assert_eq!(events["auditEvents"]["totalCount"], 1);
    assert_eq!(events["auditEvents"]["nodes"][0]["actor"], "importer@example.org");
}

/// Versions of every release, the audit log's length, and the Atom feed's `<updated>`: what an
/// import that changes nothing must leave as it found them.
async fn traces(app: &TestApp) -> (Value, Value, String) {
    let versions = app
        .data_as(
            &token("admin"),
            "{ releases(first: 100) { edges { node { slug language version revisions { totalCount } } } } }",
            json!({}),
        )
        .await;
    let audit = app.data_as(&token("admin"), "{ auditEvents { totalCount } }", json!({})).await;
    let feed =
        app.client.get(format!("{}/feeds/releases.atom", app.address)).send().await.unwrap().text().await.unwrap();
    let updated = feed.split("<updated>").nth(1).and_then(|rest| rest.split('<').next()).unwrap_or_default().to_owned();
    (versions, audit, updated)
}

/// `text` with every record's unordered lists reversed, and the records in reverse order.
fn reordered(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).unwrap();
            for list in ["topics", "commissions", "organisations", "members", "countries"] {
                if let Some(items) = record.get_mut(list).and_then(Value::as_array_mut) {
                    items.reverse();
                }
            }
            record.to_string()
        })
        .collect();
    lines.reverse();
    lines.join("\n")
}

async fn reimporting_in_another_order_changes_nothing(app: TestApp) {
    let original = export(&app).await;
    let shuffled = reordered(&original);
    assert_ne!(shuffled, original);
    let before = traces(&app).await;
    let (status, report) = ndjson(&app, &shuffled).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    for kind in ["organisation", "topic", "contact", "commission", "release"] {
        let (created, updated, _, failed) = counts(&report, kind);
        assert_eq!((created, updated, failed), (0, 0, 0), "{kind}: {report:#}");
    }
    assert_eq!(traces(&app).await, before, "no version, revision, audit event or feed date moved");
    assert_eq!(export(&app).await, original);
}

async fn real_releases_reimport_unchanged_whatever_the_order(app: TestApp) {
    let (body, releases) = doj_records();
    let (status, _) = ndjson(&app, &body).await;
    assert_eq!(status, StatusCode::OK);
    let before = traces(&app).await;
    let (status, again) = ndjson(&app, &reordered(&body)).await;
    assert_eq!(status, StatusCode::OK, "{again:#}");
    assert_eq!(counts(&again, "release"), (0, 0, releases as u64, 0));
    assert_eq!(traces(&app).await, before);
}

const TOPIC: &str = r#"{"type":"topic","slug":"fresh-topic","name":"Fresh"}"#;

/// One bad input: `body` must fail with `code` (at `line` and `field`, when given), and in atomic
/// mode nothing of it may land.
struct BadInput<'a> {
    label: &'a str,
    body: Vec<u8>,
    content_type: &'a str,
    query: &'a str,
    code: &'a str,
    line: Option<u64>,
    field: Option<&'a str>,
}

/// An NDJSON bad input.
fn bad<'a>(label: &'a str, body: Vec<u8>, code: &'a str, line: Option<u64>, field: Option<&'a str>) -> BadInput<'a> {
    BadInput { label, body, content_type: "application/x-ndjson", query: "", code, line, field }
}

async fn refused(app: &TestApp, case: BadInput<'_>) {
    let BadInput { label, body, content_type, query, code, line, field } = case;
    let before = export(app).await;
    let (status, report) = import(app, body, content_type, query).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {report:#}");
    assert_eq!(report["committed"], false, "{label}");
    let failure = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|failure| failure["code"] == code)
        .unwrap_or_else(|| panic!("{label}: no {code} in {report:#}"));
    assert!(!failure["message"].as_str().unwrap().is_empty());
    if let Some(line) = line {
        assert_eq!(failure["line"], line, "{label}: {failure}");
    }
    if let Some(field) = field {
        assert_eq!(failure["field"], field, "{label}: {failure}");
    }
    assert!(export(app).await == before, "{label}: something was written");
}

async fn every_bad_input_is_reported_and_nothing_is_written(app: TestApp) {
    let cases = vec![
        bad("malformed JSON", format!("{TOPIC}\n{{\"type\":\"topic\",\n").into_bytes(), "MALFORMED_JSON", Some(2), None),
        bad("wrong field type", format!("{TOPIC}\n{{\"type\":\"topic\",\"slug\":\"x\",\"name\":5}}\n").into_bytes(), "WRONG_TYPE", Some(2), Some("name")),
        bad("unknown field", format!("{TOPIC}\n{{\"type\":\"topic\",\"slug\":\"x\",\"name\":\"X\",\"colour\":\"red\"}}\n").into_bytes(), "UNKNOWN_FIELD", Some(2), Some("colour")),
        bad("unknown type", format!("{TOPIC}\n{{\"type\":\"planet\",\"slug\":\"mars\"}}\n").into_bytes(), "UNKNOWN_TYPE", Some(2), Some("type")),
        bad("missing field", b"{\"type\":\"topic\",\"slug\":\"x\"}\n".to_vec(), "MISSING_FIELD", Some(1), Some("name")),
        bad("unknown reference", format!("{TOPIC}\n{{\"type\":\"release\",\"language\":\"en\",\"slug\":\"r\",\"title\":\"R\",\"topics\":[\"fresh-topic\",\"no-such-topic\"]}}\n").into_bytes(), "UNKNOWN_REFERENCE", Some(2), Some("topics[1]")),
        bad("unknown reference (organisation's parent)", b"{\"type\":\"organisation\",\"slug\":\"child\",\"name\":\"C\",\"kind\":\"other\",\"parent\":\"nobody\"}\n".to_vec(), "UNKNOWN_REFERENCE", Some(1), Some("parent")),
        bad("reference cycle", b"{\"type\":\"organisation\",\"slug\":\"a-org\",\"name\":\"A\",\"kind\":\"other\",\"parent\":\"b-org\"}\n{\"type\":\"organisation\",\"slug\":\"b-org\",\"name\":\"B\",\"kind\":\"other\",\"parent\":\"a-org\"}\n".to_vec(), "REFERENCE_CYCLE", None, Some("parent")),
        bad("cycle through stored data", b"{\"type\":\"organisation\",\"slug\":\"iom\",\"name\":\"International Organization for Migration\",\"kind\":\"un_agency\",\"parent\":\"iom-child\"}\n{\"type\":\"organisation\",\"slug\":\"iom-child\",\"name\":\"C\",\"kind\":\"other\",\"parent\":\"iom\"}\n".to_vec(), "REFERENCE_CYCLE", None, Some("parent")),
        bad("same key twice", format!("{TOPIC}\n{TOPIC}\n").into_bytes(), "DUPLICATE_KEY", Some(2), None),
        bad("invalid enum", b"{\"type\":\"organisation\",\"slug\":\"o\",\"name\":\"O\",\"kind\":\"planet\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("kind")),
        bad("invalid date", b"{\"type\":\"commission\",\"slug\":\"c\",\"name\":\"C\",\"mandate\":\"M\",\"established_on\":\"2004-13-45\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("established_on")),
        bad("invalid instant", b"{\"type\":\"release\",\"language\":\"en\",\"slug\":\"r\",\"title\":\"R\",\"status\":\"published\",\"published_at\":\"yesterday\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("published_at")),
        bad("invalid email", b"{\"type\":\"contact\",\"key\":\"k\",\"name\":\"N\",\"email\":\"not-an-email\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("email")),
        bad("invalid country", b"{\"type\":\"organisation\",\"slug\":\"o\",\"name\":\"O\",\"kind\":\"other\",\"country\":\"XX\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("country")),
        bad("invalid language", b"{\"type\":\"release\",\"language\":\"not a tag\",\"slug\":\"r\",\"title\":\"R\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("language")),
        bad("oversized field", format!("{{\"type\":\"release\",\"language\":\"en\",\"slug\":\"r\",\"title\":\"{}\"}}\n", "t".repeat(501)).into_bytes(), "INVALID_VALUE", Some(1), Some("title")),
        bad("invalid UTF-8", [TOPIC.as_bytes(), b"\n{\"type\":\"topic\",\"slug\":\"x\",\"name\":\"\xff\xfe\"}\n"].concat(), "INVALID_UTF8", Some(2), None),
        bad("empty file", Vec::new(), "EMPTY_FILE", None, None),
        bad("blank lines only", b"\n  \n\r\n".to_vec(), "EMPTY_FILE", None, None),
        bad("truncated last line", format!("{TOPIC}\n{{\"type\":\"topic\",\"slug\":\"x\",\"na").into_bytes(), "TRUNCATED_LINE", Some(2), None),
        bad("missing type", b"{\"slug\":\"x\",\"name\":\"X\"}\n".to_vec(), "MISSING_FIELD", Some(1), Some("type")),
        bad("not an object", b"[1,2]\n".to_vec(), "WRONG_TYPE", Some(1), None),
        bad("published without a date", b"{\"type\":\"release\",\"language\":\"en\",\"slug\":\"r\",\"title\":\"R\",\"status\":\"published\"}\n".to_vec(), "INVALID_VALUE", Some(1), Some("published_at")),
    ];
    for case in cases {
        refused(&app, case).await;
    }
    // A CSV row with the wrong number of cells.
    let csv = "slug,name\nfresh-topic,Fresh\nsecond,Second,extra\n";
    let body = csv.as_bytes().to_vec();
    let case = bad("CSV row length", body, "CSV_ROW_LENGTH", Some(3), None);
    refused(&app, BadInput { content_type: "text/csv", query: "?type=topic", ..case }).await;
    // JSON arrays, cut short or malformed: each failure at the line of the file where it is, as in
    // NDJSON, not at the record's position in the array.
    let arrays = [
        bad("truncated array", format!("[{TOPIC},{{\"type\"").into_bytes(), "TRUNCATED_FILE", Some(1), None),
        bad(
            "truncated array over lines",
            format!("[\n{TOPIC},\n{{\"type\"").into_bytes(),
            "TRUNCATED_FILE",
            Some(3),
            None,
        ),
        bad(
            "malformed array",
            format!("[\n{TOPIC},\n\n{{\"type\":\"topic\" \"slug\":\"x\"}}\n]").into_bytes(),
            "MALFORMED_JSON",
            Some(4),
            None,
        ),
        bad(
            "wrong field type in an array",
            format!("[\n{TOPIC},\n\n  {{\"type\":\"topic\",\n\"slug\":\"x\",\"name\":5}}\n]").into_bytes(),
            "WRONG_TYPE",
            Some(4),
            Some("name"),
        ),
    ];
    for case in arrays {
        refused(&app, BadInput { content_type: "application/json", ..case }).await;
    }
}

async fn a_byte_order_mark_and_windows_line_endings_are_accepted(app: TestApp) {
    let body = format!("\u{feff}{TOPIC}\r\n{{\"type\":\"topic\",\"slug\":\"second\",\"name\":\"Second\"}}\r\n");
    let (status, report) = ndjson(&app, &body).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(counts(&report, "topic"), (2, 0, 0, 0));
    // The same in a JSON array, and in CSV with a BOM and CRLF.
    let array = format!("\u{feff}[{TOPIC}]");
    let (status, report) = import(&app, array, "application/json", "").await;
    assert_eq!((status, counts(&report, "topic")), (StatusCode::OK, (0, 0, 1, 0)), "{report:#}");
    let csv = "\u{feff}slug,name\r\nthird,Third\r\n";
    let (status, report) = import(&app, csv, "text/csv", "?type=topic").await;
    assert_eq!((status, counts(&report, "topic")), (StatusCode::OK, (1, 0, 0, 0)), "{report:#}");
}

async fn best_effort_lands_the_valid_records_whole(app: TestApp) {
    let body = [
        TOPIC,
        r#"{"type":"release","language":"en","slug":"good","title":"Good","topics":["fresh-topic"]}"#,
        r#"{"type":"release","language":"en","slug":"half","title":"Half","topics":["fresh-topic","no-such-topic"]}"#,
        r#"{"type":"topic","slug":"Bad Slug","name":"Bad"}"#,
    ]
    .join("\n");
    let (status, report) = import(&app, body.clone(), "application/x-ndjson", "?mode=best-effort").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "failures are reported: {report:#}");
    assert_eq!(report["committed"], true);
    assert_eq!(counts(&report, "release"), (1, 0, 0, 1));
    assert_eq!(counts(&report, "topic"), (1, 0, 0, 1));
    let preview = token("reader");
    let good =
        app.data_as(&preview, "{ release(language: \"en\", slug: \"good\") { topics { slug } } }", json!({})).await;
    assert_eq!(good["release"]["topics"], json!([{ "slug": "fresh-topic" }]));
    let half = app.data_as(&preview, "{ release(language: \"en\", slug: \"half\") { id } }", json!({})).await;
    assert_eq!(half["release"], Value::Null, "a record that fails never lands half-written");
    // The same file, atomically: nothing more lands, and the report says what would have.
    let (_, atomic) = ndjson(&app, &body).await;
    assert_eq!(atomic["committed"], false);
}

async fn a_dry_run_reports_the_same_and_writes_nothing(app: TestApp) {
    let before = export(&app).await;
    let body = format!("{TOPIC}\n{}", before.replacen("\"name\":\"Health\"", "\"name\":\"Health!\"", 1));
    let (status, dry) = import(&app, body.clone(), "application/x-ndjson", "?dryRun=true").await;
    assert_eq!(status, StatusCode::OK, "{dry:#}");
    assert_eq!((dry["dry_run"].as_bool(), dry["committed"].as_bool()), (Some(true), Some(false)));
    assert!(export(&app).await == before, "a dry run writes nothing");
    let (_, real) = ndjson(&app, &body).await;
    assert_eq!(dry["counts"], real["counts"], "the dry run predicted the real run");
    assert_eq!(counts(&real, "topic"), (1, 1, 5, 0));
}

async fn csv_files_carry_lists_and_relations(app: TestApp) {
    let organisations =
        "slug,name,kind,country,parent,website\nregional-office,Regional office,un_agency,,iom,https://example.org\n";
    let (status, report) = import(&app, organisations, "text/csv", "?type=organisations").await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let commissions = "slug,name,mandate,head_organisation,members\nworking-group,Working group,\"Coordinate, report\",iom,iom:chair:2005-01-01:|ilo:member::\n";
    let (status, report) = import(&app, commissions, "text/csv", "?type=commission").await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let releases = "language,slug,title,status,published_at,topics,organisations,contacts\nen,csv-release,From CSV,published,2026-01-01T09:00:00Z,health|counter-trafficking,iom:partner|usaid:funder,maria-isabel-moncayo\n";
    let (status, report) = import(&app, releases, "text/csv", "?type=release").await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let query = "{ release(language: \"en\", slug: \"csv-release\") { topics { slug } organisations { role organisation { slug } } contacts { name } }
      commission(slug: \"working-group\") { members { role since organisation { slug } } } organisation(slug: \"regional-office\") { parent { slug } } }";
    let data = app.data(query, json!({})).await;
    assert_eq!(data["release"]["topics"].as_array().unwrap().len(), 2);
    assert_eq!(data["release"]["organisations"].as_array().unwrap().len(), 2);
    assert_eq!(data["release"]["contacts"], json!([{ "name": "Maria Isabel Moncayo" }]));
    assert_eq!(data["commission"]["members"].as_array().unwrap().len(), 2);
    assert_eq!(data["organisation"]["parent"]["slug"], "iom");
}

async fn get_export(app: &TestApp, query: &str) -> reqwest::Response {
    app.client.get(format!("{}/api/export{query}", app.address)).bearer_auth(token("importer")).send().await.unwrap()
}

async fn a_csv_export_per_type_imports_back_to_the_same_content(app: TestApp) {
    let empty = spawn_empty(app.backend()).await.unwrap();
    for kind in ["organisation", "topic", "contact", "commission", "release"] {
        let response = get_export(&app, &format!("?type={kind}&format=csv")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = response.text().await.unwrap();
        assert!(csv.starts_with("id,"), "{kind}: a header row first");
        let (status, report) = import(&empty, csv, "text/csv", &format!("?type={kind}")).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {report:#}");
        let (created, _, _, _) = counts(&report, kind);
        assert!(created > 0, "{kind}: {report:#}");
    }
    assert!(export(&empty).await == export(&app).await, "the CSV round trip lost or changed something");
    // A CSV file is one type; a separator inside a list item cannot be written, and the export
    // says so (cutting the response short) rather than writing a cell that reads back otherwise.
    let response = get_export(&app, "?format=csv").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("BAD_USER_INPUT"), Some("type")));
    assert_eq!(get_export(&app, "?type=topic&format=xml").await.status(), StatusCode::BAD_REQUEST);
    let contact =
        "mutation { createContact(input: { name: \"Desk\", key: \"desk\", phones: [\"+1 555|556\"] }) { id } }";
    app.data_as(&token("editor"), contact, json!({})).await;
    assert!(get_export(&app, "?type=contact&format=csv").await.text().await.is_err());
}

/// Real commissions often come without a mandate: one exports as an empty cell, which reads back
/// as none, so the CSV round trip holds. A column the type does not have is reported even when its
/// cells are empty (an unknown field is never dropped silently).
async fn a_commission_without_a_mandate_round_trips_through_csv(app: TestApp) {
    let create =
        "mutation { createCommission(input: { slug: \"no-mandate\", name: \"Without a mandate\" }) { mandate } }";
    let created = app.data_as(&token("editor"), create, json!({})).await;
    assert_eq!(created["createCommission"]["mandate"], Value::Null);
    let csv = get_export(&app, "?type=commission&format=csv").await.text().await.unwrap();
    let (status, report) = import(&app, csv.clone(), "text/csv", "?type=commission").await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(counts(&report, "commission"), (0, 0, 2, 0), "{report:#}");
    let empty = spawn_empty(app.backend()).await.unwrap();
    for kind in ["organisation", "commission"] {
        let file = get_export(&app, &format!("?type={kind}&format=csv")).await.text().await.unwrap();
        let (status, report) = import(&empty, file, "text/csv", &format!("?type={kind}")).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {report:#}");
    }
    let data = empty.data("{ commission(slug: \"no-mandate\") { name mandate } }", json!({})).await;
    assert_eq!(data["commission"], json!({ "name": "Without a mandate", "mandate": null }));

    let mut lines = csv.lines();
    let header = format!("{},notes", lines.next().unwrap());
    let rows: Vec<String> = lines.map(|line| format!("{line},")).collect();
    let unknown = format!("{header}\n{}\n", rows.join("\n"));
    let (status, report) = import(&app, unknown, "text/csv", "?type=commission").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report:#}");
    let failure = &report["failures"][0];
    assert_eq!(
        (failure["code"].as_str(), failure["field"].as_str()),
        (Some("UNKNOWN_FIELD"), Some("notes")),
        "{report:#}"
    );
}

/// Runs the `newsroom` command line with `args`: (success, standard output, standard error).
fn newsroom(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_newsroom")).args(args).output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

/// Lists cache the records their releases name (see `graphql::preload`); a write by another process
/// on the same database (here the command line, as another server would be) shows in the next list.
async fn a_write_by_another_process_shows_in_the_next_list(app: TestApp) {
    const NAMED: &str = "{ releases(first: 20) { edges { node {
        organisations { organisation { slug name } }
        commissions { headOrganisation { slug name } members { organisation { slug name } } } } } } }";
    let names = |data: &Value, slug: &str| -> Vec<String> {
        let mut found = Vec::new();
        let mut walk = vec![data];
        while let Some(value) = walk.pop() {
            match value {
                Value::Object(object) if object.get("slug").and_then(Value::as_str) == Some(slug) => {
                    found.push(object["name"].as_str().unwrap().to_owned());
                }
                Value::Object(object) => walk.extend(object.values()),
                Value::Array(items) => walk.extend(items),
                _ => {}
            }
        }
        found
    };
    let before = app.data(NAMED, json!({})).await;
    assert_eq!(before, app.data(NAMED, json!({})).await, "the cached answer is the same");
    let slug = before["releases"]["edges"][0]["node"]["organisations"][0]["organisation"]["slug"]
        .as_str()
        .expect("the first release names an organisation")
        .to_owned();
    assert!(!names(&before, &slug).is_empty());

    let exported = export(&app).await;
    let mut record: Value = exported
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|record| record["type"] == "organisation" && record["slug"] == slug.as_str())
        .unwrap();
    record["name"] = json!("Renamed by another process");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rename.ndjson");
    std::fs::write(&file, format!("{record}\n")).unwrap();
    let (ok, _, stderr) = newsroom(&["import", file.to_str().unwrap(), "--database-url", app.database_url()]);
    assert!(ok, "{stderr}");

    let after = app.data(NAMED, json!({})).await;
    let renamed = names(&after, &slug);
    assert_eq!(renamed.len(), names(&before, &slug).len());
    assert!(renamed.iter().all(|name| name == "Renamed by another process"), "{renamed:?}");
}

async fn the_command_line_imports_with_progress_and_exports_files_whole(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.ndjson");
    std::fs::write(&file, export(&app).await).unwrap();
    let empty = spawn_empty(app.backend()).await.unwrap();
    let url = empty.database_url();
    let (ok, stdout, stderr) = newsroom(&["import", file.to_str().unwrap(), "--json", "--database-url", url]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((report["committed"].as_bool(), report["records"].as_u64()), (Some(true), Some(60)));
    // Not on a terminal, with --json: progress as JSON lines on standard error, each phase ending
    // with a line that says it is done.
    let progress: Vec<Value> = stderr
        .lines()
        .filter(|line| line.starts_with("{\"phase\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = |phase: &str| progress.iter().rfind(|p| p["phase"] == phase).cloned().unwrap_or_default();
    assert_eq!((last("reading")["records"].as_u64(), last("reading")["done"].as_bool()), (Some(60), Some(true)));
    let writing = last("writing");
    assert_eq!((writing["records"].as_u64(), writing["total_records"].as_u64()), (Some(60), Some(60)), "{stderr}");
    assert_eq!(writing["done"], true);
    // Without --json the same progress reads as plain lines.
    let (ok, _, stderr) = newsroom(&["import", file.to_str().unwrap(), "--dry-run", "--database-url", url]);
    assert!(ok && stderr.contains("wrote 60 of 60 records"), "{stderr}");
    // A CSV export of one type lands whole; one that cannot be made leaves no file behind.
    let topics = dir.path().join("topics.csv");
    let (ok, _, stderr) = newsroom(&[
        "export",
        "--format",
        "csv",
        "--type",
        "topic",
        "--output",
        topics.to_str().unwrap(),
        "--database-url",
        url,
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::read_to_string(&topics).unwrap().lines().count(), 7, "a header and 6 topics");
    let all = dir.path().join("all.csv");
    let (ok, _, stderr) =
        newsroom(&["export", "--format", "csv", "--output", all.to_str().unwrap(), "--database-url", url]);
    assert!(!ok && stderr.contains("one type"), "{stderr}");
    assert!(!all.exists(), "a failed export leaves no file");
}

async fn imported_versions_are_revisions_that_can_be_compared_and_restored(app: TestApp) {
    let release = |title: &str, topics: &str| {
        format!(
            r#"{{"type":"release","language":"en","slug":"imported","title":"{title}","body":"Line one\n","topics":[{topics}]}}"#
        )
    };
    let (status, report) = ndjson(&app, &release("As imported", r#""health""#)).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let (_, again) = ndjson(&app, &release("As imported", r#""health""#)).await;
    assert_eq!(counts(&again, "release"), (0, 0, 1, 0), "an unchanged record writes no revision");
    let (_, changed) = ndjson(&app, &release("Changed by the import", "")).await;
    assert_eq!(counts(&changed, "release"), (0, 1, 0, 0));
    let editor = token("editor");
    let query = "{ release(language: \"en\", slug: \"imported\") { id version revisions(first: 5) { totalCount
      nodes { version author title changes { field before after } } } } }";
    let data = app.data_as(&editor, query, json!({})).await;
    let revisions = &data["release"]["revisions"];
    assert_eq!(revisions["totalCount"], 2, "{data:#}");
    let latest = &revisions["nodes"][0];
    assert_eq!((latest["version"].as_i64(), latest["author"].as_str()), (Some(2), Some("importer@example.org")));
    let fields: Vec<&str> =
        latest["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "topics"]);
    let restore =
        "mutation($id: ID!) { restoreReleaseRevision(id: $id, version: 1) { version title topics { slug } } }";
    let restored = app.data_as(&editor, restore, json!({ "id": data["release"]["id"] })).await;
    assert_eq!(
        restored["restoreReleaseRevision"],
        json!({ "version": 3, "title": "As imported", "topics": [{ "slug": "health" }] })
    );
}

/// An import writes the revision of a new release from the record itself when no translation group
/// is involved, and reads it back from the database otherwise: either way it must hold the release
/// exactly as stored, so the next editorial revision differs from it in the edited field alone.
async fn an_imported_revision_holds_the_release_as_stored(app: TestApp) {
    let commission = "ecuador-inter-institutional-commission-against-human-trafficking";
    let release = |language: &str, slug: &str, translations: &str| {
        format!(
            r#"{{"type":"release","language":"{language}","slug":"{slug}","title":"Stored as written","summary":"Short","body":"**Bold** body\n","dateline_city":"Quito","dateline_country":"EC","status":"published","published_at":"2026-03-01T10:00:00.123456Z","topics":["health","counter-trafficking"],"commissions":["{commission}"],"organisations":[{{"organisation":"ec-ministry-of-public-health","role":"partner"}},{{"organisation":"ec-ministry-of-government","role":"mentioned"}}],"contacts":["sample-press-desk","maria-isabel-moncayo"],"translations":[{translations}]}}"#
        )
    };
    let file = [release("en", "plain", ""), release("en", "paired", r#""es/paired""#), release("es", "paired", "")];
    let (status, report) = ndjson(&app, &file.join("\n")).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(counts(&report, "release"), (3, 0, 0, 0), "{report:#}");
    let editor = token("editor");
    for (language, slug, grouped) in [("en", "plain", false), ("en", "paired", true), ("es", "paired", true)] {
        let find = format!(r#"{{ release(language: "{language}", slug: "{slug}") {{ id }} }}"#);
        let id = app.data_as(&editor, &find, json!({})).await["release"]["id"].clone();
        let update = "mutation($id: ID!) { updateRelease(id: $id, input: { title: \"Edited\" }) { version } }";
        let updated = app.data_as(&editor, update, json!({ "id": id })).await;
        assert_eq!(updated["updateRelease"]["version"], 2, "{language}/{slug}: {updated:#}");
        let query = format!(
            r#"{{ release(language: "{language}", slug: "{slug}") {{ revisions(first: 5) {{ totalCount
              nodes {{ version snapshot changes {{ field }} }} }} }} }}"#
        );
        let data = app.data_as(&editor, &query, json!({})).await;
        let revisions = &data["release"]["revisions"];
        assert_eq!(revisions["totalCount"], 2, "{language}/{slug}: {data:#}");
        assert_eq!(revisions["nodes"][0]["changes"], json!([{ "field": "title" }]), "{language}/{slug}: {data:#}");
        let imported = &revisions["nodes"][1]["snapshot"];
        assert_eq!(imported["translationGroup"].is_string(), grouped, "{imported:#}");
        assert_eq!(imported["topics"], json!(["counter-trafficking", "health"]), "{imported:#}");
        assert_eq!(imported["contacts"].as_array().map(Vec::len), Some(2), "{imported:#}");
    }
}

async fn only_importers_and_admins_may_import_or_export(app: TestApp) {
    for (role, status) in
        [(None, 401), (Some("reader"), 403), (Some("editor"), 403), (Some("admin"), 200), (Some("importer"), 200)]
    {
        let mut request = app.client.get(format!("{}/api/export?type=topic", app.address));
        if let Some(role) = role {
            request = request.bearer_auth(token(role));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "export as {role:?}");
        let mut request = app
            .client
            .post(format!("{}/api/import?dryRun=true", app.address))
            .header("Content-Type", "application/x-ndjson")
            .body(TOPIC);
        if let Some(role) = role {
            request = request.bearer_auth(token(role));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "import as {role:?}");
        if status != 200 {
            let body: Value = response.json().await.unwrap();
            let code = if status == 401 { "UNAUTHENTICATED" } else { "FORBIDDEN" };
            assert_eq!(body["code"], code);
        }
    }
    let response = app
        .client
        .get(format!("{}/api/export?type=planet", app.address))
        .bearer_auth(token("importer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let topics = app
        .client
        .get(format!("{}/api/export?type=topic", app.address))
        .bearer_auth(token("importer"))
        .send()
        .await
        .unwrap();
    assert!(topics.text().await.unwrap().lines().all(|line| line.starts_with("{\"type\":\"topic\"")));
}

/// `text` as a slug: lower-case ASCII letters and digits, single hyphens.
fn slugify(text: &str) -> String {
    let lowered: String =
        text.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    lowered.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-")
}

/// The US Department of Justice releases in tests/data, mapped to newsroom's format as the
/// README documents: the URL's last segment is the slug, `date` is `published_at`, the HTML body is
/// the body (`body_format: html`), topics become topics and components organisations (mentioned).
pub(crate) fn doj_records() -> (String, usize) {
    let path = format!("{}/tests/data/doj_press_releases_sample.ndjson", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let mut topics = std::collections::BTreeMap::new();
    let mut components = std::collections::BTreeMap::new();
    let mut releases = Vec::new();
    for row in &rows {
        let names = |field: &str| {
            row[field]
                .as_array()
                .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let topic_names = names("topics");
        let component_names = names("components");
        for name in &topic_names {
            topics.insert(slugify(name), name.clone());
        }
        for name in &component_names {
            components.insert(slugify(name), name.clone());
        }
        let mut topic_slugs: Vec<String> = topic_names.iter().map(|name| slugify(name)).collect();
        topic_slugs.sort();
        topic_slugs.dedup();
        let mut organisation_slugs: Vec<String> = component_names.iter().map(|name| slugify(name)).collect();
        organisation_slugs.sort();
        organisation_slugs.dedup();
        releases.push(json!({
            "type": "release",
            "language": "en",
            "slug": slugify(row["url"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap()),
            "title": row["title"],
            "body": row["body_html"],
            "body_format": "html",
            "dateline_country": "US",
            "status": "published",
            "published_at": row["date"],
            "topics": topic_slugs,
            "organisations": organisation_slugs.iter().map(|slug| json!({ "organisation": slug, "role": "mentioned" })).collect::<Vec<_>>(),
        }));
    }
    let mut lines: Vec<String> =
        topics.iter().map(|(slug, name)| json!({ "type": "topic", "slug": slug, "name": name }).to_string()).collect();
    lines.extend(components.iter().map(|(slug, name)| {
        json!({ "type": "organisation", "slug": slug, "name": name, "kind": "government", "country": "US" }).to_string()
    }));
    lines.extend(releases.iter().map(Value::to_string));
    (lines.join("\n"), rows.len())
}

async fn real_published_releases_import_whole(app: TestApp) {
    let (body, releases) = doj_records();
    let (status, report) = ndjson(&app, &body).await;
    assert_eq!(status, StatusCode::OK, "{}", serde_json::to_string_pretty(&report["failures"]).unwrap());
    assert_eq!(counts(&report, "release").0, releases as u64);
    // Text arrives unmangled: a title and a body checked against the source file.
    let path = format!("{}/tests/data/doj_press_releases_sample.ndjson", env!("CARGO_MANIFEST_DIR"));
    let first: Value = serde_json::from_str(std::fs::read_to_string(path).unwrap().lines().next().unwrap()).unwrap();
    let slug = first["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let data = app
        .data(
            "query($slug: String!) { release(language: \"en\", slug: $slug) { title body publishedAt } }",
            json!({ "slug": slug }),
        )
        .await;
    assert_eq!(data["release"]["title"], first["title"]);
    assert_eq!(data["release"]["body"], first["body_html"]);
    assert_eq!(data["release"]["publishedAt"], "2018-04-13T04:00:00+00:00");
    if app.backend() == crate::helpers::Backend::Sqlite {
        // A large import refreshes SQLite's planner statistics, which start out empty.
        use sea_orm::ConnectionTrait;
        let statement = sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            // A whole-table index: a partial one (the scheduled releases) counts only its rows.
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'release' AND idx = 'idx-release-language-slug'",
        );
        let row = app.db().query_one_raw(statement).await.unwrap().expect("release statistics");
        let stat: String = row.try_get("", "stat").unwrap();
        assert_eq!(stat.split(' ').next(), Some(releases.to_string().as_str()), "rows counted by ANALYZE");
        // Each search table gathers an import's terms in memory before writing a segment.
        for table in ["release_fts", "release_fts_title", "release_fts_names", "release_fts_summary"] {
            let sql = format!("SELECT v FROM {table}_config WHERE k = 'hashsize'");
            let row = app.db().query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, sql));
            let bytes: i64 = row.await.unwrap().expect("a hashsize").try_get("", "v").unwrap();
            assert_eq!(bytes, 16 * 1024 * 1024, "{table}");
        }
    }
    let (_, again) = ndjson(&app, &body).await;
    assert_eq!(counts(&again, "release"), (0, 0, releases as u64, 0), "idempotent on real data too");
}

db_tests!(TestApp::spawn_editorial =>
    export_then_import_reproduces_the_content_byte_for_byte,
    a_changed_record_is_updated_and_the_rest_unchanged,
    reimporting_in_another_order_changes_nothing,
    every_bad_input_is_reported_and_nothing_is_written,
    a_byte_order_mark_and_windows_line_endings_are_accepted,
    best_effort_lands_the_valid_records_whole,
    a_dry_run_reports_the_same_and_writes_nothing,
    csv_files_carry_lists_and_relations,
    a_csv_export_per_type_imports_back_to_the_same_content,
    a_commission_without_a_mandate_round_trips_through_csv,
    the_command_line_imports_with_progress_and_exports_files_whole,
    a_write_by_another_process_shows_in_the_next_list,
    imported_versions_are_revisions_that_can_be_compared_and_restored,
    an_imported_revision_holds_the_release_as_stored,
    only_importers_and_admins_may_import_or_export,
);
db_tests!(
    spawn_empty => real_published_releases_import_whole,
    real_releases_reimport_unchanged_whatever_the_order,
    real_html_bodies_come_out_intact,
    bodies_of_up_to_4_mib_are_stored_on_every_engine,
);
db_tests!(spawn_with_small_bodies => the_release_body_limit_is_a_setting_both_faces_keep);

/// A server whose release bodies may hold 1,000 bytes (`NEWSROOM_MAX_RELEASE_BODY_BYTES`).
async fn spawn_with_small_bodies(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| {
        settings.auth = crate::tokens::auth_settings();
        settings.limits.max_release_body_bytes = 1000;
    })
    .await
}

/// The release body limit is the server's setting, and the import and the mutations both keep
/// it: a body of the limit is written, a byte more is refused at `body` with a message that
/// names the limit and its setting, and nothing is written.
async fn the_release_body_limit_is_a_setting_both_faces_keep(app: TestApp) {
    let fits = "é".repeat(500);
    let record = |slug: &str, body: &str| {
        json!({ "type": "release", "language": "en", "slug": slug, "title": "Short", "body": body }).to_string()
    };
    let (status, report) = ndjson(&app, &record("fits", &fits)).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let over = format!("{fits}x");
    let (status, report) = ndjson(&app, &record("over", &over)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report:#}");
    let failure = &report["failures"][0];
    assert_eq!(failure["field"], "body");
    let message = failure["message"].as_str().unwrap();
    assert!(message.contains("1000 bytes") && message.contains("NEWSROOM_MAX_RELEASE_BODY_BYTES"), "{message}");

    let editor = token("editor");
    let create = "mutation($slug: String!, $body: String!) { createRelease(input: { language: \"en\", slug: $slug, title: \"Short\", body: $body }) { slug } }";
    let created = app.data_as(&editor, create, json!({ "slug": "fits-too", "body": fits })).await;
    assert_eq!(created["createRelease"]["slug"], "fits-too");
    let refused = app.graphql_as(Some(&editor), create, json!({ "slug": "over-too", "body": over })).await;
    let error = &refused["errors"][0];
    assert_eq!(error["extensions"]["field"], "input.body", "{refused}");
    assert_eq!(error["message"].as_str().unwrap().split(": ").last(), message.split(": ").last(), "{refused}");
    let count = app.data_as(&editor, "{ releases { totalCount } }", json!({})).await;
    assert_eq!(count["releases"]["totalCount"], 2, "only the bodies that fit were written");
}

/// Every DOJ release's HTML body comes out as HTML: no tag escaped that the source did not escape
/// (Markdown would have turned indented HTML into `<pre><code>&lt;ul …`), and a text form.
async fn real_html_bodies_come_out_intact(app: TestApp) {
    let (body, releases) = doj_records();
    let (status, _) = ndjson(&app, &body).await;
    assert_eq!(status, StatusCode::OK);
    let source =
        std::fs::read_to_string(format!("{}/tests/data/doj_press_releases_sample.ndjson", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let bodies: std::collections::HashMap<String, String> = source
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            let slug = slugify(row["url"].as_str().unwrap().trim_end_matches('/').rsplit('/').next().unwrap());
            (slug, row["body_html"].as_str().unwrap().to_owned())
        })
        .collect();
    let query = "query($after: String) { releases(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
      edges { node { slug bodyFormat body bodyHtml bodyText } } } }";
    let (mut after, mut seen) = (Value::Null, 0);
    loop {
        let data = app.data(query, json!({ "after": after })).await;
        for edge in data["releases"]["edges"].as_array().unwrap() {
            let node = &edge["node"];
            let slug = node["slug"].as_str().unwrap();
            let source = &bodies[slug];
            assert_eq!(node["bodyFormat"], "HTML");
            assert_eq!(node["body"].as_str(), Some(source.as_str()), "{slug}: stored as given");
            let html = node["bodyHtml"].as_str().unwrap();
            for escaped in ["&lt;", "<pre><code>"] {
                assert!(!html.contains(escaped) || source.contains(escaped), "{slug}: {escaped} in {html}");
            }
            let text = node["bodyText"].as_str().unwrap();
            assert!(!text.contains("<p>") && !text.contains("</"), "{slug}: markup in its text");
            seen += 1;
        }
        if data["releases"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = data["releases"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, releases);
}

/// A body of 4 MiB is stored and read back whole on every engine, through the import and the
/// mutations alike; a byte more is refused, naming the field and the limit.
async fn bodies_of_up_to_4_mib_are_stored_on_every_engine(app: TestApp) {
    let limit = 4 * 1024 * 1024;
    // Multi-byte text, as real bodies are, right up to the limit.
    let paragraph = "<p>Déclaration — «texte intégral» 📄</p>\n";
    let mut big = paragraph.repeat(limit / paragraph.len());
    big.push_str(&"x".repeat(limit - big.len()));
    assert_eq!(big.len(), limit);
    let record = |slug: &str, body: &str| {
        json!({ "type": "release", "language": "fr", "slug": slug, "title": "Long", "body": body, "body_format": "html" })
            .to_string()
    };
    let (status, report) = ndjson(&app, &record("long", &big)).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let editor = token("editor");
    let stored = app.data_as(&editor, "{ release(language: \"fr\", slug: \"long\") { body } }", json!({})).await;
    assert!(stored["release"]["body"].as_str() == Some(big.as_str()), "the import's body came back whole");

    let too_big = format!("{big}y");
    let (status, report) = ndjson(&app, &record("longer", &too_big)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let failure = &report["failures"][0];
    assert_eq!(failure["field"], "body");
    assert!(failure["message"].as_str().unwrap().contains("4194304 bytes"), "{failure}");

    let create = "mutation($body: String!) { createRelease(input: { language: \"es\", slug: \"largo\", title: \"Largo\", body: $body, bodyFormat: HTML }) { body bodyFormat } }";
    let created = app.data_as(&editor, create, json!({ "body": big })).await;
    assert!(created["createRelease"]["body"].as_str() == Some(big.as_str()), "the mutation's body came back whole");
    let body = app.graphql_as(Some(&editor), create, json!({ "body": too_big })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.body", "{}", &body.to_string()[..300]);
}

/// A SQLite database URL for `file`, created on first use as the default one is.
fn sqlite_url(file: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// The names in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// With `--json`, a command that fails prints one JSON object on standard output, in the shape
/// of an import report's failures, and still exits with an error.
#[test]
fn with_json_a_failed_command_prints_one_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("newsroom.db"));
    let missing = dir.path().join("missing.ndjson");
    let unnamed = dir.path().join("sheet.csv");
    std::fs::write(&unnamed, "slug,name\nx,X\n").unwrap();
    let all = dir.path().join("all.csv");
    // Arguments, then the code, field and file the error names.
    type Case<'a> = (Vec<&'a str>, &'a str, Option<&'a str>, Option<&'a std::path::Path>);
    let cases: Vec<Case> = vec![
        (vec!["import", missing.to_str().unwrap()], "READ_FAILED", None, Some(&missing)),
        (vec!["import", unnamed.to_str().unwrap()], "BAD_USER_INPUT", Some("type"), Some(&unnamed)),
        (vec!["export", "--type", "planet"], "BAD_USER_INPUT", Some("type"), None),
        (vec!["export", "--format", "csv", "--output", all.to_str().unwrap()], "BAD_USER_INPUT", Some("type"), None),
    ];
    for (args, code, field, file) in cases {
        let args = [args.as_slice(), &["--json", "--database-url", &url]].concat();
        let (ok, stdout, stderr) = newsroom(&args);
        assert!(!ok, "{args:?} fails");
        let error: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not one JSON object ({e}): {stdout:?}"));
        assert_eq!(error["code"], code, "{args:?}: {error:#}");
        assert!(!error["message"].as_str().unwrap().is_empty(), "{args:?}");
        assert_eq!(error["field"].as_str(), field, "{args:?}: {error:#}");
        assert_eq!(error["file"].as_str(), file.map(|file| file.to_str().unwrap()), "{args:?}: {error:#}");
        assert!(!stderr.is_empty(), "{args:?}: the error is told on standard error too");
    }
    // A database that cannot be reached.
    let (ok, stdout, _) = newsroom(&["export", "--json", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    let error: Value = serde_json::from_str(&stdout).unwrap();
    assert!(!ok);
    assert_eq!(error["code"], "CONNECT_FAILED", "{error:#}");
    // Without --json, standard output stays empty.
    let (ok, stdout, _) = newsroom(&["import", missing.to_str().unwrap(), "--database-url", &url]);
    assert!(!ok && stdout.is_empty(), "{stdout:?}");
}

/// A dry run never creates the SQLite file it is pointed at, nor changes one that exists.
#[test]
fn a_dry_run_neither_creates_nor_changes_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newsroom.db");
    let url = sqlite_url(&database);
    let content = dir.path().join("content.ndjson");
    std::fs::write(&content, format!("{TOPIC}\n{{\"type\":\"topic\",\"slug\":\"second\",\"name\":\"Second\"}}\n"))
        .unwrap();
    let dry_run = || newsroom(&["import", content.to_str().unwrap(), "--dry-run", "--json", "--database-url", &url]);

    // Against a file that does not exist: checked against an empty database, which it says.
    let (ok, stdout, stderr) = dry_run();
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((report["dry_run"].as_bool(), report["committed"].as_bool()), (Some(true), Some(false)));
    assert_eq!(counts(&report, "topic"), (2, 0, 0, 0), "{report:#}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert_eq!(listing(dir.path()), ["content.ndjson"], "no database file appears");

    // Against one that exists: opened, and left as it was to the byte.
    let (ok, _, stderr) = newsroom(&["import", content.to_str().unwrap(), "--database-url", &url]);
    assert!(ok, "{stderr}");
    let files = listing(dir.path());
    let bytes = std::fs::read(&database).unwrap();
    let modified = std::fs::metadata(&database).unwrap().modified().unwrap();
    std::fs::write(&content, format!("{TOPIC}\n{{\"type\":\"topic\",\"slug\":\"second\",\"name\":\"Renamed\"}}\n"))
        .unwrap();
    let (ok, stdout, stderr) = dry_run();
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(counts(&report, "topic"), (0, 1, 1, 0), "checked against the file's content: {report:#}");
    assert!(!stderr.contains("does not exist"), "{stderr}");
    assert!(std::fs::read(&database).unwrap() == bytes, "the dry run changed the database");
    assert_eq!(std::fs::metadata(&database).unwrap().modified().unwrap(), modified);
    assert_eq!(listing(dir.path()), files, "nothing is left beside it");
}

/// A large import empties SQLite's write-ahead log once it commits, even while a server keeps the
/// file open (which stops SQLite from removing the log when the importer closes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_import_leaves_sqlite_s_write_ahead_log_empty() {
    let app = spawn_empty(crate::helpers::Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("topics.ndjson");
    let topics: Vec<String> = (0..2000)
        .map(|n| {
            json!({ "type": "topic", "slug": format!("topic-{n}"), "name": format!("Topic number {n}") }).to_string()
        })
        .collect();
    std::fs::write(&file, topics.join("\n")).unwrap();
    let (ok, _, stderr) = newsroom(&["import", file.to_str().unwrap(), "--database-url", app.database_url()]);
    assert!(ok, "{stderr}");
    let database = app.database_url().trim_start_matches("sqlite://").split('?').next().unwrap().to_owned();
    let log = std::fs::metadata(format!("{database}-wal")).map_or(0, |metadata| metadata.len());
    assert!(log < 4096, "the write-ahead log is {log} bytes after the import");
    let data = app.data("{ topics(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(data["topics"]["totalCount"], 2000, "{data:#}");
}
