//! Writes over GraphQL: every type's create, update and delete, relations, translations, the
//! workflow, validation (all field errors at once), conflicts, and nothing half-written.

use api::demo::{COMMISSION_SLUG, QUITO_LANGUAGE, QUITO_SLUG};
use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

/// The global id a root field returns for `slug`.
pub async fn id_of(app: &TestApp, field: &str, slug: &str) -> String {
    let data = app.data(&format!("{{ {field}(slug: \"{slug}\") {{ id }} }}"), json!({})).await;
    data[field]["id"].as_str().unwrap_or_else(|| panic!("no {field} {slug}")).to_owned()
}

/// The Quito release's id and its (public) contact ids.
pub async fn quito(app: &TestApp) -> (String, Vec<String>) {
    let query = "query($l: String!, $s: String!) { release(language: $l, slug: $s) { id contacts { id } } }";
    let data = app.data(query, json!({ "l": QUITO_LANGUAGE, "s": QUITO_SLUG })).await;
    let contacts = data["release"]["contacts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned());
    (data["release"]["id"].as_str().unwrap().to_owned(), contacts.collect())
}

pub const CREATE_RELEASE: &str = "mutation($input: CreateReleaseInput!) {
  createRelease(input: $input) { id version status publishedAt updatedAt title } }";

/// Creates a bare draft release as an editor; its id.
pub async fn draft(app: &TestApp, slug: &str) -> String {
    let input = json!({ "language": "en", "slug": slug, "title": format!("Draft {slug}") });
    let data = app.data_as(&token("editor"), CREATE_RELEASE, json!({ "input": input })).await;
    data["createRelease"]["id"].as_str().unwrap().to_owned()
}

const RELEASE_AS_PREVIEW: &str = "query($id: ID!) { node(id: $id) { ... on Release {
  id version status title summary publishedAt updatedAt
  dateline { city country }
  topics { slug } commissions { slug }
  organisations { role organisation { slug } }
  contacts { id }
  translations { language slug } } } }";

async fn a_release_is_written_with_its_relations_and_published(app: TestApp) {
    let editor = token("editor");
    let counter = id_of(&app, "topic", "counter-trafficking").await;
    let health = id_of(&app, "topic", "health").await;
    let commission = id_of(&app, "commission", COMMISSION_SLUG).await;
    let iom = id_of(&app, "organisation", "iom").await;
    let usaid = id_of(&app, "organisation", "usaid").await;
    let (quito, contacts) = quito(&app).await;
    let input = json!({
        "language": "es", "slug": "oim-apoya-plan-nacional", "title": "La OIM apoya el Plan Nacional",
        "summary": "Resumen", "body": "**Quito** — texto", "datelineCity": "Quito", "datelineCountry": "ec",
        "translationOf": quito, "topics": [counter, health], "commissions": [commission],
        "organisations": [{ "organisation": iom, "role": "PARTNER" }, { "organisation": usaid, "role": "FUNDER" }],
        "contacts": contacts,
    });
    let created = app.data_as(&editor, CREATE_RELEASE, json!({ "input": input })).await["createRelease"].clone();
    assert_eq!((created["status"].as_str(), created["version"].as_i64()), (Some("DRAFT"), Some(1)));
    assert_eq!(created["publishedAt"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();

    // Anonymous readers do not see a draft; a reader does, with every relation.
    assert_eq!(app.data(RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"], Value::Null);
    let release = app.data_as(&token("reader"), RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"].clone();
    assert_eq!(release["dateline"], json!({ "city": "Quito", "country": "EC" }));
    assert_eq!(release["topics"], json!([{ "slug": "counter-trafficking" }, { "slug": "health" }]));
    assert_eq!(release["commissions"], json!([{ "slug": COMMISSION_SLUG }]));
    let roles: Vec<(&str, &str)> = release["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["organisation"]["slug"].as_str().unwrap(), o["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("iom", "PARTNER"), ("usaid", "FUNDER")]);
    let listed: Vec<&str> = release["contacts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, contacts);
    assert_eq!(release["translations"], json!([{ "language": "en", "slug": QUITO_SLUG }]));

    // Publishing makes it public and sets publishedAt once.
    let publish = "mutation($id: ID!) { publishRelease(id: $id) { status version publishedAt updatedAt } }";
    let published = app.data_as(&editor, publish, json!({ "id": id })).await["publishRelease"].clone();
    assert_eq!((published["status"].as_str(), published["version"].as_i64()), (Some("PUBLISHED"), Some(2)));
    let first = published["publishedAt"].as_str().unwrap().to_owned();
    assert_eq!(
        app.data(RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"]["title"],
        "La OIM apoya el Plan Nacional"
    );
    let quito_translations =
        "query($l: String!, $s: String!) { release(language: $l, slug: $s) { translations { slug } } }";
    let data = app.data(quito_translations, json!({ "l": QUITO_LANGUAGE, "s": QUITO_SLUG })).await;
    assert_eq!(data["release"]["translations"], json!([{ "slug": "oim-apoya-plan-nacional" }]));

    // Unpublish and publish again: publishedAt stays, updatedAt moves.
    let unpublish = "mutation($id: ID!) { unpublishRelease(id: $id) { status publishedAt } }";
    let draft = app.data_as(&editor, unpublish, json!({ "id": id })).await["unpublishRelease"].clone();
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(app.data(RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"], Value::Null);
    let again = app.data_as(&editor, publish, json!({ "id": id })).await["publishRelease"].clone();
    assert_eq!(again["publishedAt"].as_str(), Some(first.as_str()));
    assert!(again["updatedAt"].as_str().unwrap() > published["updatedAt"].as_str().unwrap());

    // A partial update changes what it names and nothing else; a list replaces the relation.
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { version title summary topics { slug } contacts { id } } }";
    let input = json!({ "title": "Nuevo título", "summary": null, "topics": [health], "contacts": [] });
    let updated = app.data_as(&editor, update, json!({ "id": id, "input": input })).await["updateRelease"].clone();
    assert_eq!(
        updated,
        json!({ "version": 5, "title": "Nuevo título", "summary": null, "topics": [{ "slug": "health" }], "contacts": [] })
    );

    // Archiving hides it; an admin deletes it.
    let archive = "mutation($id: ID!) { archiveRelease(id: $id) { status } }";
    assert_eq!(app.data_as(&editor, archive, json!({ "id": id })).await["archiveRelease"]["status"], "ARCHIVED");
    assert_eq!(app.data(RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"], Value::Null);
    let delete = "mutation($id: ID!) { deleteRelease(id: $id) { slug } }";
    assert_eq!(app.error_code_as(Some(&editor), delete, json!({ "id": id })).await, "FORBIDDEN");
    let deleted = app.data_as(&token("admin"), delete, json!({ "id": id })).await;
    assert_eq!(deleted["deleteRelease"]["slug"], "oim-apoya-plan-nacional");
    assert_eq!(app.data_as(&token("admin"), RELEASE_AS_PREVIEW, json!({ "id": id })).await["node"], Value::Null);
}

async fn a_schedule_makes_a_release_public_at_its_instant(app: TestApp) {
    let id = draft(&app, "scheduled-soon").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { status publishedAt } }";
    let data = app.data_as(&token("editor"), schedule, json!({ "id": id, "at": at.to_rfc3339() })).await;
    assert_eq!(data["scheduleRelease"]["status"], "SCHEDULED");
    let public = "query($id: ID!) { node(id: $id) { id } }";
    assert_eq!(app.data(public, json!({ "id": id })).await["node"], Value::Null, "not before its time");
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    assert_eq!(app.data(public, json!({ "id": id })).await["node"]["id"], id, "public from its time on, with no job");
    // A schedule far ahead keeps its instant, to the millisecond, on every engine; past what an
    // engine can store, it is refused rather than silently lost.
    let far = draft(&app, "scheduled-far").await;
    let data = app.data_as(&token("editor"), schedule, json!({ "id": far, "at": "2037-06-01T08:30:00.250Z" })).await;
    assert_eq!(data["scheduleRelease"]["publishedAt"], "2037-06-01T08:30:00.250+00:00");
    let body =
        app.graphql_as(Some(&token("editor")), schedule, json!({ "id": far, "at": "2099-06-01T08:30:00Z" })).await;
    if app.db().get_database_backend() == sea_orm::DbBackend::MySql {
        assert_eq!(body["errors"][0]["extensions"]["field"], "at", "{body:#}");
    } else {
        assert_eq!(body["data"]["scheduleRelease"]["publishedAt"], "2099-06-01T08:30:00+00:00", "{body:#}");
    }
    // A schedule in the past is refused, on the argument.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let other = draft(&app, "scheduled-past").await;
    let body = app.graphql_as(Some(&token("editor")), schedule, json!({ "id": other, "at": past })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "at");
}

/// How many releases, audit events and topics there are, as an admin sees them.
async fn totals(app: &TestApp) -> Value {
    let query =
        "{ releases { totalCount } auditEvents { totalCount } topics { totalCount } organisations { totalCount } }";
    app.data_as(&token("admin"), query, json!({})).await
}

async fn every_invalid_field_is_reported_at_once_and_nothing_is_written(app: TestApp) {
    let before = totals(&app).await;
    let health = id_of(&app, "topic", "health").await;
    let iom = id_of(&app, "organisation", "iom").await;
    let input = json!({
        "language": "not a tag", "slug": "Bad Slug", "title": "   ", "datelineCountry": "XX",
        "topics": [health, health, iom, "garbage"],
        "contacts": [crate::helpers::global_id("Contact", uuid::Uuid::new_v4())],
    });
    let body = app.graphql_as(Some(&token("editor")), CREATE_RELEASE, json!({ "input": input })).await;
    assert_eq!(body["data"], Value::Null);
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
            assert_eq!(error["path"], json!(["createRelease"]), "{error}");
            error["extensions"]["field"].as_str().unwrap()
        })
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "input.contacts[0]",
            "input.datelineCountry",
            "input.language",
            "input.slug",
            "input.title",
            "input.topics[1]",
            "input.topics[2]",
            "input.topics[3]",
        ],
        "{body:#}"
    );
    // Organisations: a bad website and email-less checks; a parent cycle.
    let create_org = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }";
    let input =
        json!({ "slug": "x-org", "name": "X", "kind": "DONOR", "website": "javascript:alert(1)", "country": "ZZ" });
    let body = app.graphql_as(Some(&token("editor")), create_org, json!({ "input": input })).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "{body:#}");
    let contact = "mutation { createContact(input: { name: \"N\", email: \"not-an-email\", phones: [\"\"] }) { id } }";
    let body = app.graphql_as(Some(&token("editor")), contact, json!({})).await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["extensions"]["field"].as_str().unwrap()).collect();
    assert_eq!(fields.len(), 2);
    assert!(fields.contains(&"input.email") && fields.contains(&"input.phones[0]"), "{fields:?}");
    assert_eq!(totals(&app).await, before, "nothing was written");
}

async fn clashes_and_stale_versions_are_conflicts_that_change_nothing(app: TestApp) {
    let editor = token("editor");
    let before = totals(&app).await;
    // The Quito release's language and slug are taken.
    let input = json!({ "language": QUITO_LANGUAGE, "slug": QUITO_SLUG, "title": "Copy" });
    assert_eq!(app.error_code_as(Some(&editor), CREATE_RELEASE, json!({ "input": input })).await, "CONFLICT");
    assert_eq!(totals(&app).await, before, "the failed create left nothing behind, not even an audit event");

    let id = draft(&app, "versioned").await;
    let update = "mutation($id: ID!, $v: Int, $title: String!) { updateRelease(id: $id, expectedVersion: $v, input: { title: $title }) { version title } }";
    let data = app.data_as(&editor, update, json!({ "id": id, "v": 1, "title": "Second" })).await;
    assert_eq!(data["updateRelease"], json!({ "version": 2, "title": "Second" }));
    let body = app.graphql_as(Some(&editor), update, json!({ "id": id, "v": 1, "title": "Stale" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "CONFLICT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("version 2"), "{body:#}");
    let now = app.data_as(&editor, RELEASE_AS_PREVIEW, json!({ "id": id })).await;
    assert_eq!((now["node"]["title"].as_str(), now["node"]["version"].as_i64()), (Some("Second"), Some(2)));
    // Workflow steps that make no sense from the current state are conflicts too.
    let archive = "mutation($id: ID!) { unpublishRelease(id: $id) { status } }";
    assert_eq!(app.error_code_as(Some(&editor), archive, json!({ "id": id })).await, "CONFLICT");
    // An organisation that heads a commission cannot be deleted.
    let ministry = id_of(&app, "organisation", "ec-ministry-of-government").await;
    let delete = "mutation($id: ID!) { deleteOrganisation(id: $id) { id } }";
    assert_eq!(app.error_code_as(Some(&token("admin")), delete, json!({ "id": ministry })).await, "CONFLICT");
    assert!(
        app.data("{ organisation(slug: \"ec-ministry-of-government\") { id } }", json!({})).await["organisation"]
            .is_object()
    );
}

async fn organisations_contacts_and_topics_are_written(app: TestApp) {
    let editor = token("editor");
    let iom = id_of(&app, "organisation", "iom").await;
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id slug kind parent { slug } version } }";
    let input = json!({ "slug": "iom-ecuador", "name": "IOM Ecuador", "kind": "UN_AGENCY", "country": "ec", "parent": iom, "website": "https://ecuador.iom.int" });
    let office = app.data_as(&editor, create, json!({ "input": input })).await["createOrganisation"].clone();
    assert_eq!(office["parent"]["slug"], "iom");
    let office_id = office["id"].as_str().unwrap();
    // IOM cannot become a department of its own department.
    let update = "mutation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) { parent { slug } version } }";
    let body = app.graphql_as(Some(&editor), update, json!({ "id": iom, "input": { "parent": office_id } })).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.parent", "{body:#}");
    let cleared = app.data_as(&editor, update, json!({ "id": office_id, "input": { "parent": null } })).await;
    assert_eq!(cleared["updateOrganisation"], json!({ "parent": null, "version": 2 }));

    let contact = "mutation($input: CreateContactInput!) { createContact(input: $input) { id name phones email organisation { slug } } }";
    let input = json!({ "name": "Press desk", "email": "press@iom.int", "phones": ["+593 2-22-53-948/49/50"], "organisation": office_id, "public": false });
    let created = app.data_as(&editor, contact, json!({ "input": input })).await["createContact"].clone();
    assert_eq!(created["phones"], json!(["+593 2-22-53-948/49/50"]));
    assert_eq!(created["organisation"]["slug"], "iom-ecuador");
    let lookup = "query($id: ID!) { contact(id: $id) { name } }";
    assert_eq!(
        app.data(lookup, json!({ "id": created["id"] })).await["contact"],
        Value::Null,
        "non-public stays hidden"
    );

    let topic = app
        .data_as(
            &editor,
            "mutation { createTopic(input: { slug: \"refugees\", name: \"Refugees\" }) { id } }",
            json!({}),
        )
        .await;
    let id = topic["createTopic"]["id"].clone();
    let renamed = app
        .data_as(
            &editor,
            "mutation($id: ID!) { updateTopic(id: $id, input: { name: \"Refugees and asylum\" }) { name version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(renamed["updateTopic"], json!({ "name": "Refugees and asylum", "version": 2 }));
    let deleted =
        app.data_as(&token("admin"), "mutation($id: ID!) { deleteTopic(id: $id) { slug } }", json!({ "id": id })).await;
    assert_eq!(deleted["deleteTopic"]["slug"], "refugees");
    assert_eq!(app.data("{ topic(slug: \"refugees\") { id } }", json!({})).await["topic"], Value::Null);
}

async fn commissions_and_their_members_are_written(app: TestApp) {
    let editor = token("editor");
    let (iom, ilo, usaid) = (
        id_of(&app, "organisation", "iom").await,
        id_of(&app, "organisation", "ilo").await,
        id_of(&app, "organisation", "usaid").await,
    );
    let create = "mutation($input: CreateCommissionInput!) { createCommission(input: $input) { id status version headOrganisation { slug } members { role since until organisation { slug } } } }";
    let input = json!({
        "slug": "regional-working-group", "name": "Regional working group", "mandate": "Coordinate.",
        "establishedOn": "2005-03-01", "legalBasis": "Memorandum of understanding", "headOrganisation": iom,
        "members": [{ "organisation": iom, "role": "CHAIR", "since": "2005-03-01" }, { "organisation": ilo, "role": "MEMBER" }],
    });
    let created = app.data_as(&editor, create, json!({ "input": input })).await["createCommission"].clone();
    assert_eq!(
        (created["status"].as_str(), created["headOrganisation"]["slug"].as_str()),
        (Some("ACTIVE"), Some("iom"))
    );
    assert_eq!(created["members"].as_array().unwrap().len(), 2);
    let id = created["id"].as_str().unwrap();

    let add = "mutation($id: ID!, $input: CommissionMemberInput!) { addCommissionMember(id: $id, input: $input) { version members { role organisation { slug } } } }";
    let added =
        app.data_as(&editor, add, json!({ "id": id, "input": { "organisation": usaid, "role": "OBSERVER" } })).await;
    assert_eq!(added["addCommissionMember"]["version"], 2);
    let again = app
        .graphql_as(Some(&editor), add, json!({ "id": id, "input": { "organisation": usaid, "role": "MEMBER" } }))
        .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "CONFLICT");
    let term = app
        .graphql_as(Some(&editor), add, json!({ "id": id, "input": { "organisation": ilo, "role": "MEMBER", "since": "2006-01-01", "until": "2005-01-01" } }))
        .await;
    assert_eq!(term["errors"][0]["extensions"]["field"], "input.until", "{term:#}");

    let update = "mutation($id: ID!, $org: ID!) { updateCommissionMember(id: $id, organisation: $org, input: { role: TECHNICAL_ADVISOR, until: \"2010-12-31\" }) { members { role until organisation { slug } } } }";
    let updated = app.data_as(&editor, update, json!({ "id": id, "org": ilo })).await;
    let ilo_seat = updated["updateCommissionMember"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organisation"]["slug"] == "ilo")
        .unwrap()
        .clone();
    assert_eq!(
        (ilo_seat["role"].as_str(), ilo_seat["until"].as_str()),
        (Some("TECHNICAL_ADVISOR"), Some("2010-12-31"))
    );

    let remove = "mutation($id: ID!, $org: ID!) { removeCommissionMember(id: $id, organisation: $org) { version members { organisation { slug } } } }";
    let removed =
        app.data_as(&editor, remove, json!({ "id": id, "org": usaid })).await["removeCommissionMember"].clone();
    assert_eq!(removed["version"], 4);
    let slugs: Vec<&str> =
        removed["members"].as_array().unwrap().iter().map(|m| m["organisation"]["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs.len(), 2);
    assert!(!slugs.contains(&"usaid"));
    assert_eq!(app.error_code_as(Some(&editor), remove, json!({ "id": id, "org": usaid })).await, "NOT_FOUND");

    let dissolve = "mutation($id: ID!) { updateCommission(id: $id, input: { status: DISSOLVED, members: [] }) { status members { role } } }";
    let dissolved = app.data_as(&editor, dissolve, json!({ "id": id })).await;
    assert_eq!(dissolved["updateCommission"], json!({ "status": "DISSOLVED", "members": [] }));
}

async fn mutations_are_refused_over_get(app: TestApp) {
    let query = "mutation { createTopic(input: { slug: \"via-get\", name: \"GET\" }) { id } }";
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", query)])
        .bearer_auth(token("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED");
}

db_tests!(TestApp::spawn_editorial =>
    a_release_is_written_with_its_relations_and_published,
    a_schedule_makes_a_release_public_at_its_instant,
    every_invalid_field_is_reported_at_once_and_nothing_is_written,
    clashes_and_stale_versions_are_conflicts_that_change_nothing,
    organisations_contacts_and_topics_are_written,
    commissions_and_their_members_are_written,
    mutations_are_refused_over_get,
);

async fn a_missing_required_field_is_bad_user_input_naming_it(app: TestApp) {
    let input = json!({ "language": "en", "slug": "no-title" });
    let body = app.graphql_as(Some(&token("editor")), CREATE_RELEASE, json!({ "input": input })).await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
    assert_eq!(error["extensions"]["field"], "input.title", "{body:#}");
}

db_tests!(TestApp::spawn_editorial => a_missing_required_field_is_bad_user_input_naming_it);
