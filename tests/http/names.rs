//! Content model v2: names in several languages, topics in vocabularies, and external
//! identifiers — written over GraphQL, imported and exported (NDJSON and CSV), looked up, and
//! shown in feeds.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

async fn import(app: &TestApp, body: &str, content_type: &str, query: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(format!("{}/api/import{query}", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn ndjson(app: &TestApp, lines: &[Value]) -> (StatusCode, Value) {
    let body: String = lines.iter().map(|line| format!("{line}\n")).collect();
    import(app, &body, "application/x-ndjson", "").await
}

async fn export(app: &TestApp, query: &str) -> String {
    let response = app
        .client
        .get(format!("{}/api/export{query}", app.address))
        .bearer_auth(token("importer"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

fn counts(report: &Value, kind: &str) -> (u64, u64, u64, u64) {
    let c = &report["counts"][kind];
    let n = |field: &str| c[field].as_u64().unwrap_or(0);
    (n("created"), n("updated"), n("unchanged"), n("failed"))
}

fn failures(report: &Value) -> Vec<(String, String, String)> {
    report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |name: &str| f[name].as_str().unwrap_or_default().to_owned();
            (text("code"), text("key"), text("field"))
        })
        .collect()
}

async fn spawn_empty(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |settings| settings.auth = crate::tokens::auth_settings()).await
}

/// The records the import tests share: an organisation with names and identifiers, a small
/// vocabulary, a commission named in French, and a release with identifiers that names the
/// organisation by its IATI code.
fn records() -> Vec<Value> {
    vec![
        json!({"type": "organisation", "slug": "wfp", "name": "World Food Programme", "kind": "un_agency",
            "names": {"fr": "Programme alimentaire mondial", "es": "Programa Mundial de Alimentos"},
            "external_ids": [{"scheme": "iati", "value": "XM-DAC-41140"}, {"scheme": "reliefweb", "value": "1741"}]}),
        json!({"type": "organisation", "slug": "wfp-ecuador", "name": "WFP Ecuador", "kind": "un_agency",
            "parent": "iati=XM-DAC-41140"}),
        json!({"type": "topic", "slug": "food-security", "name": "Food security", "scheme": "theme",
            "names": {"fr": "Sécurité alimentaire"}}),
        json!({"type": "topic", "slug": "drought", "name": "Drought", "scheme": "disaster_type",
            "parent": "food-security"}),
        json!({"type": "contact", "key": "wfp-desk", "name": "WFP desk", "organisation": "iati=XM-DAC-41140"}),
        json!({"type": "commission", "slug": "hunger", "name": "Hunger commission", "names": {"fr": "Commission faim"},
            "head_organisation": "iati=XM-DAC-41140",
            "members": [{"organisation": "reliefweb=1741", "role": "chair"}]}),
        json!({"type": "release", "language": "fr", "slug": "secheresse", "title": "Sécheresse",
            "status": "published", "published_at": "2026-01-05T10:00:00Z", "topics": ["drought", "food-security"],
            "organisations": [{"organisation": "iati=XM-DAC-41140", "role": "partner"}],
            "external_ids": [{"scheme": "press", "value": "PR-2026-001"}, {"scheme": "reliefweb", "value": "r-42"}]}),
    ]
}

async fn names_are_written_and_read_in_a_language_with_a_fallback(app: TestApp) {
    let editor = token("editor");
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }";
    let input = json!({ "slug": "unhcr", "name": "UNHCR", "kind": "UN_AGENCY",
        "names": [{ "language": "fr", "name": "HCR" }, { "language": "es", "name": "ACNUR" }] });
    app.data_as(&editor, create, json!({ "input": input })).await;
    let query = "{ organisation(slug: \"unhcr\") { name fr: name(language: \"fr\") frCa: name(language: \"fr-CA\")
        de: name(language: \"de\") names { language name } } }";
    let data = app.data(query, json!({})).await;
    assert_eq!(
        data["organisation"],
        json!({ "name": "UNHCR", "fr": "HCR", "frCa": "HCR", "de": "UNHCR",
            "names": [{ "language": "es", "name": "ACNUR" }, { "language": "fr", "name": "HCR" }] })
    );
    // Names are replaced whole; a malformed tag is refused.
    let id = app.data("{ organisation(slug: \"unhcr\") { id } }", json!({})).await["organisation"]["id"].clone();
    let update = "mutation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) {
        names { language name } } }";
    let names = json!([{ "language": "pt-BR", "name": "ACNUR (pt)" }]);
    let data = app.data_as(&editor, update, json!({ "id": id, "input": { "names": names } })).await;
    assert_eq!(data["updateOrganisation"]["names"], names);
    let bad = json!({ "id": id, "input": { "names": [{ "language": "not a tag", "name": "x" }] } });
    assert_eq!(app.error_code_as(Some(&editor), update, bad).await, "BAD_USER_INPUT");
    // Topics and commissions too.
    let topic = "mutation { createTopic(input: { slug: \"water\", name: \"Water\", scheme: \"theme\",
        names: [{ language: \"fr\", name: \"Eau\" }] }) { name(language: \"fr\") scheme } }";
    assert_eq!(
        app.data_as(&editor, topic, json!({})).await["createTopic"],
        json!({ "name": "Eau", "scheme": "theme" })
    );
    let commissions = "{ commissions(first: 1) { nodes { id name } } }";
    let commission = app.data(commissions, json!({})).await["commissions"]["nodes"][0].clone();
    let update =
        "mutation($id: ID!) { updateCommission(id: $id, input: { names: [{ language: \"es\", name: \"Comisión\" }] }) {
        es: name(language: \"es\") en: name(language: \"en\") } }";
    let data = app.data_as(&editor, update, json!({ "id": commission["id"] })).await;
    assert_eq!(data["updateCommission"], json!({ "es": "Comisión", "en": commission["name"] }));
}

async fn topics_form_vocabularies_with_parents_and_no_loops(app: TestApp) {
    let (status, report) = ndjson(&app, &records()[2..4]).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let query = "{ topic(slug: \"drought\") { scheme parent { slug scheme children { slug } } children { slug } } }";
    assert_eq!(
        app.data(query, json!({})).await["topic"],
        json!({ "scheme": "disaster_type", "parent": { "slug": "food-security", "scheme": "theme",
            "children": [{ "slug": "drought" }] }, "children": [] })
    );
    let filtered = "{ topics(filter: { scheme: \"disaster_type\" }) { nodes { slug } } }";
    assert_eq!(app.data(filtered, json!({})).await["topics"]["nodes"], json!([{ "slug": "drought" }]));
    // A loop inside the file, and one the file would close with a stored topic, are refused.
    let looping = [
        json!({"type": "topic", "slug": "a", "name": "A", "parent": "b"}),
        json!({"type": "topic", "slug": "b", "name": "B", "parent": "a"}),
    ];
    let (status, report) = ndjson(&app, &looping).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report:#}");
    assert!(failures(&report).iter().all(|(code, _, field)| code == "REFERENCE_CYCLE" && field == "parent"));
    let closing = [json!({"type": "topic", "slug": "food-security", "name": "Food security", "scheme": "theme",
        "names": {"fr": "Sécurité alimentaire"}, "parent": "drought"})];
    let (_, report) = ndjson(&app, &closing).await;
    assert_eq!(failures(&report), vec![("REFERENCE_CYCLE".into(), "food-security".into(), "parent".into())]);
    let unknown = [json!({"type": "topic", "slug": "c", "name": "C", "parent": "nowhere"})];
    let (_, report) = ndjson(&app, &unknown).await;
    assert_eq!(failures(&report), vec![("UNKNOWN_REFERENCE".into(), "c".into(), "parent".into())]);
    assert_eq!(
        app.data("{ topic(slug: \"food-security\") { parent { slug } } }", json!({})).await["topic"]["parent"],
        Value::Null
    );
}

async fn new_fields_round_trip_through_ndjson_and_csv(app: TestApp) {
    let (status, report) = ndjson(&app, &records()).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert_eq!(counts(&report, "organisation"), (2, 0, 0, 0));
    let exported = export(&app, "").await;
    let line = |slug: &str| {
        exported.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|r| r["slug"] == slug).unwrap()
    };
    assert_eq!(
        line("wfp")["names"],
        json!({"es": "Programa Mundial de Alimentos", "fr": "Programme alimentaire mondial"})
    );
    assert_eq!(line("wfp-ecuador")["parent"], "wfp", "a reference by external id is stored as the organisation");
    assert_eq!(line("drought")["parent"], "food-security");
    assert_eq!(line("hunger")["head_organisation"], "wfp");
    assert_eq!(
        line("secheresse")["external_ids"],
        json!([{"scheme": "press", "value": "PR-2026-001"}, {"scheme": "reliefweb", "value": "r-42"}])
    );
    // Reimported with the identifiers in another order, nothing changes.
    let reordered: Vec<Value> = exported
        .lines()
        .map(|l| {
            let mut record: Value = serde_json::from_str(l).unwrap();
            if let Some(ids) = record.get_mut("external_ids").and_then(Value::as_array_mut) {
                ids.reverse();
            }
            record
        })
        .collect();
    let (status, again) = ndjson(&app, &reordered).await;
    assert_eq!(status, StatusCode::OK, "{again:#}");
    for kind in ["organisation", "topic", "contact", "commission", "release"] {
        let (created, updated, _, failed) = counts(&again, kind);
        assert_eq!((created, updated, failed), (0, 0, 0), "{kind}: {again:#}");
    }
    // NDJSON into an empty database reproduces the export byte for byte; so does CSV, type by type.
    let copy = spawn_empty(app.backend()).await.unwrap();
    let (status, report) = import(&copy, &exported, "application/x-ndjson", "").await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    assert!(export(&copy, "").await == exported);
    let organisations = export(&app, "?type=organisation&format=csv").await;
    assert!(
        organisations.contains("es=Programa Mundial de Alimentos|fr=Programme alimentaire mondial"),
        "{organisations}"
    );
    assert!(organisations.contains("iati=XM-DAC-41140|reliefweb=1741"), "{organisations}");
    let from_csv = spawn_empty(app.backend()).await.unwrap();
    for kind in ["organisation", "topic", "contact", "commission", "release"] {
        let csv = export(&app, &format!("?type={kind}&format=csv")).await;
        let (status, report) = import(&from_csv, &csv, "text/csv", &format!("?type={kind}")).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {report:#}");
    }
    assert!(export(&from_csv, "").await == exported, "the CSV round trip lost or changed something");
}

async fn external_ids_are_unique_looked_up_and_hidden_with_drafts(app: TestApp) {
    let (status, report) = ndjson(&app, &records()).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let lookup = "{ organisation(externalId: { scheme: \"iati\", value: \"XM-DAC-41140\" }) { slug externalIds { scheme value } } }";
    assert_eq!(
        app.data(lookup, json!({})).await["organisation"],
        json!({ "slug": "wfp", "externalIds": [{ "scheme": "iati", "value": "XM-DAC-41140" },
            { "scheme": "reliefweb", "value": "1741" }] })
    );
    let missing = "{ organisation(externalId: { scheme: \"iati\", value: \"xm-dac-41140\" }) { slug } }";
    assert_eq!(app.data(missing, json!({})).await["organisation"], Value::Null, "identifiers are verbatim");
    let release =
        "{ release(externalId: { scheme: \"press\", value: \"PR-2026-001\" }) { slug externalIds { value } } }";
    assert_eq!(app.data(release, json!({})).await["release"]["slug"], "secheresse");
    // Another record of the same type cannot take an identifier: in the import (naming the
    // record), or over GraphQL (CONFLICT).
    let taken = [json!({"type": "organisation", "slug": "other", "name": "Other", "kind": "other",
        "external_ids": [{"scheme": "iati", "value": "XM-DAC-41140"}]})];
    let (status, report) = ndjson(&app, &taken).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report:#}");
    assert_eq!(failures(&report), vec![("CONFLICT".into(), "other".into(), "external_ids[0]".into())]);
    let twice = [json!({"type": "release", "language": "en", "slug": "one", "title": "One",
            "external_ids": [{"scheme": "press", "value": "PR-2026-001"}]})];
    let (_, report) = ndjson(&app, &twice).await;
    assert_eq!(failures(&report), vec![("CONFLICT".into(), "en/one".into(), "external_ids[0]".into())]);
    let editor = token("editor");
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }";
    let input = json!({ "slug": "other", "name": "Other", "kind": "OTHER",
        "externalIds": [{ "scheme": "iati", "value": "XM-DAC-41140" }] });
    assert_eq!(app.error_code_as(Some(&editor), create, json!({ "input": input })).await, "CONFLICT");
    assert_eq!(app.data("{ organisation(slug: \"other\") { id } }", json!({})).await["organisation"], Value::Null);
    // A draft with an identifier: editors find it by that identifier, anonymous callers do not.
    let draft = "mutation($input: CreateReleaseInput!) { createRelease(input: $input) { status externalIds { scheme value } } }";
    let input = json!({ "language": "en", "slug": "draft", "title": "Draft",
        "externalIds": [{ "scheme": "press", "value": "PR-2026-002" }] });
    let created = app.data_as(&editor, draft, json!({ "input": input })).await;
    assert_eq!(created["createRelease"]["externalIds"], json!([{ "scheme": "press", "value": "PR-2026-002" }]));
    let find = "{ release(externalId: { scheme: \"press\", value: \"PR-2026-002\" }) { slug } }";
    assert_eq!(app.data_as(&editor, find, json!({})).await["release"]["slug"], "draft");
    assert_eq!(app.data(find, json!({})).await["release"], Value::Null);
    let input = json!({ "language": "en", "slug": "draft-2", "title": "Draft 2",
        "externalIds": [{ "scheme": "press", "value": "PR-2026-002" }] });
    assert_eq!(app.error_code_as(Some(&editor), draft, json!({ "input": input })).await, "CONFLICT");
    // Refused in the write's own transaction: no release is left without its identifiers.
    let other = "{ release(language: \"en\", slug: \"draft-2\") { id } }";
    assert_eq!(app.data_as(&editor, other, json!({})).await["release"], Value::Null);
    // An update that takes another release's identifier changes nothing of it either.
    let take = json!({ "language": "en", "slug": "draft-4", "title": "Draft 4" });
    let taker = app
        .data_as(
            &editor,
            "mutation($input: CreateReleaseInput!) { createRelease(input: $input) { id version } }",
            json!({ "input": take }),
        )
        .await;
    let update =
        "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { version } }";
    let input = json!({ "title": "Taken", "externalIds": [{ "scheme": "press", "value": "PR-2026-002" }] });
    assert_eq!(
        app.error_code_as(Some(&editor), update, json!({ "id": taker["createRelease"]["id"], "input": input })).await,
        "CONFLICT"
    );
    let after = app
        .data_as(
            &editor,
            "query($id: ID!) { node(id: $id) { ... on Release { title version } } }",
            json!({ "id": taker["createRelease"]["id"] }),
        )
        .await;
    assert_eq!(after["node"], json!({ "title": "Draft 4", "version": taker["createRelease"]["version"] }));
    // Deleting a record deletes its identifiers: another may then take them.
    let id = app.data_as(&editor, &find.replace("slug", "id"), json!({})).await["release"]["id"].clone();
    let delete = "mutation($id: ID!) { deleteRelease(id: $id) { slug } }";
    app.data_as(&token("admin"), delete, json!({ "id": id })).await;
    assert_eq!(app.data_as(&editor, find, json!({})).await["release"], Value::Null);
    let input = json!({ "language": "en", "slug": "draft-3", "title": "Draft 3",
        "externalIds": [{ "scheme": "press", "value": "PR-2026-002" }] });
    app.data_as(&editor, draft, json!({ "input": input })).await;
    // A reference by an identifier nobody holds names no organisation.
    let unknown = [json!({"type": "contact", "key": "x", "name": "X", "organisation": "iati=XM-DAC-0"})];
    let (_, report) = ndjson(&app, &unknown).await;
    assert_eq!(failures(&report), vec![("UNKNOWN_REFERENCE".into(), "x".into(), "organisation".into())]);
}

async fn a_feed_in_french_shows_french_names_and_schemes(app: TestApp) {
    let (status, report) = ndjson(&app, &records()).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
    let get = |path: &str| {
        let url = format!("{}{path}", app.address);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let atom = get("/feeds/releases.atom?language=fr").await;
    assert!(atom.contains("label=\"Sécurité alimentaire\""), "{atom}");
    assert!(atom.contains("scheme=\"theme\""), "{atom}");
    assert!(atom.contains("scheme=\"disaster_type\""), "{atom}");
    let rss = get("/feeds/releases.rss?language=fr").await;
    assert!(rss.contains("<category domain=\"theme\">Sécurité alimentaire</category>"), "{rss}");
    let named = get("/feeds/organisations/wfp.atom?language=fr").await;
    assert!(named.contains("Programme alimentaire mondial"), "{named}");
    let english = get("/feeds/organisations/wfp.atom").await;
    assert!(english.contains("World Food Programme"), "{english}");
}

/// A database of the schema before names and external identifiers (migration 6 rolled back) is
/// carried forward: every record reads back as it was, with no other names, no scheme, no parent
/// and no identifiers, and takes them afterwards.
async fn a_database_before_names_and_external_ids_is_carried_forward(app: TestApp) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let before = export(&app, "").await;
    let db = app.db();
    crate::helpers::roll_back_before(db, "000007").await;
    assert!(db.execute_unprepared("SELECT names FROM topic").await.is_err(), "the old schema");
    Migrator::up(db, None).await.unwrap();
    assert_eq!(export(&app, "").await, before);
    assert!(before.contains(r#""names":{},"scheme":null,"parent":null}"#), "topics have no names, scheme or parent");
    let query =
        "{ organisation(slug: \"iom\") { names { language } externalIds { value } fr: name(language: \"fr\") name } }";
    let data = app.data(query, json!({})).await;
    assert_eq!(data["organisation"]["names"], json!([]));
    assert_eq!(data["organisation"]["externalIds"], json!([]));
    assert_eq!(data["organisation"]["fr"], data["organisation"]["name"]);
    let (status, report) = ndjson(&app, &records()).await;
    assert_eq!(status, StatusCode::OK, "{report:#}");
}

db_tests!(TestApp::spawn_editorial =>
    a_database_before_names_and_external_ids_is_carried_forward,
    names_are_written_and_read_in_a_language_with_a_fallback,
    topics_form_vocabularies_with_parents_and_no_loops,
    new_fields_round_trip_through_ndjson_and_csv,
    external_ids_are_unique_looked_up_and_hidden_with_drafts,
    a_feed_in_french_shows_french_names_and_schemes,
);
