//! One set of rules per record type, whichever face writes it: the same bad record sent through
//! the import and through the GraphQL mutations is refused at the same fields (named as each face
//! names them: `job_title` in a file, `input.jobTitle` in GraphQL), for the same reasons.

use serde_json::{Value, json};

use crate::{helpers::TestApp, tokens::token};

db_tests!(TestApp::spawn_editorial => the_import_and_the_mutations_refuse_a_bad_record_at_the_same_fields);

/// The fields an import refuses `record` at, as GraphQL paths (`input.` and camelCase).
async fn import_fields(app: &TestApp, record: Value) -> Vec<(String, String)> {
    let response = app
        .client
        .post(format!("{}/api/import", app.address))
        .bearer_auth(token("importer"))
        .header("Content-Type", "application/x-ndjson")
        .body(record.to_string())
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    let camel = |path: &str| {
        let mut out = String::from("input.");
        let mut upper = false;
        for character in path.chars() {
            if character == '_' {
                upper = true;
            } else if upper {
                out.push(character.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(character);
            }
        }
        out
    };
    let mut fields: Vec<(String, String)> = report["failures"]
        .as_array()
        .unwrap_or_else(|| panic!("{report:#}"))
        .iter()
        .map(|failure| (camel(failure["field"].as_str().unwrap()), failure["message"].as_str().unwrap().to_owned()))
        .collect();
    fields.sort();
    fields
}

/// The fields a mutation refuses `input` at.
async fn mutation_fields(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> Vec<(String, String)> {
    let query = format!("mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ id }} }}");
    let body = app.graphql_as(Some(&token("editor")), &query, json!({ "input": input })).await;
    let mut fields: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body:#}"))
        .iter()
        .map(|error| {
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body:#}");
            (error["extensions"]["field"].as_str().unwrap().to_owned(), error["message"].as_str().unwrap().to_owned())
        })
        .collect();
    fields.sort();
    fields
}

async fn the_import_and_the_mutations_refuse_a_bad_record_at_the_same_fields(app: TestApp) {
    let long = "x".repeat(256);
    let phones: Vec<String> = (0..21).map(|n| format!("+41 22 717 91 {n:02}")).collect();
    let iom = app.data("{ organisation(slug: \"iom\") { id } }", json!({})).await["organisation"]["id"].clone();
    let cases = [
        (
            json!({ "type": "contact", "key": "desk", "name": "Desk", "job_title": long, "email": "not an email", "phones": phones, "country": "XX" }),
            "createContact",
            "CreateContactInput",
            json!({ "key": "desk", "name": "Desk", "jobTitle": long, "email": "not an email", "phones": phones, "country": "XX" }),
        ),
        (
            json!({ "type": "organisation", "slug": "Bad Slug", "name": " ", "kind": "government", "acronym": long, "website": "ftp://x", "country": "ECU" }),
            "createOrganisation",
            "CreateOrganisationInput",
            json!({ "slug": "Bad Slug", "name": " ", "kind": "GOVERNMENT", "acronym": long, "website": "ftp://x", "country": "ECU" }),
        ),
        (
            json!({ "type": "topic", "slug": "ok", "name": "y".repeat(201) }),
            "createTopic",
            "CreateTopicInput",
            json!({ "slug": "ok", "name": "y".repeat(201) }),
        ),
        (
            json!({ "type": "commission", "slug": "c", "name": "C", "legal_basis": long, "members": [{ "organisation": "iom", "role": "member", "since": "2020-01-01", "until": "2019-01-01" }] }),
            "createCommission",
            "CreateCommissionInput",
            json!({ "slug": "c", "name": "C", "legalBasis": long, "members": [{ "organisation": iom, "role": "MEMBER", "since": "2020-01-01", "until": "2019-01-01" }] }),
        ),
        (
            json!({ "type": "release", "language": "en", "slug": "r", "title": "R", "dateline_city": " ", "canonical_url": "nope", "countries": ["EC", "ec"], "attachments": [{ "url": "https://example.org/a", "media_type": "pdf" }] }),
            "createRelease",
            "CreateReleaseInput",
            json!({ "language": "en", "slug": "r", "title": "R", "datelineCity": " ", "canonicalUrl": "nope", "countries": ["EC", "ec"], "attachments": [{ "url": "https://example.org/a", "mediaType": "pdf" }] }),
        ),
    ];
    for (record, mutation, input_type, input) in cases {
        let imported = import_fields(&app, record).await;
        assert!(!imported.is_empty(), "{mutation}");
        assert_eq!(imported, mutation_fields(&app, mutation, input_type, input).await, "{mutation}");
    }
}
