//! Bearer tokens: every kind of key the server accepts, and every way a token can be wrong.

use api::{
    auth::{role::Role, token},
    config::AuthSettings,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const SECRET: &str = "newsroom-test-secret-do-not-use-elsewhere";
pub const ISSUER: &str = "https://id.example.org";
pub const AUDIENCE: &str = "newsroom";

fn key_file(name: &str) -> String {
    format!("{}/tests/http/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The test server's keys: a shared secret, PEM public keys by `kid`, a JWKS file, and a
/// required issuer and audience.
pub fn auth_settings() -> AuthSettings {
    AuthSettings {
        jwt_secret: Some(SECRET.into()),
        jwt_public_keys: vec![
            format!("rsa-1={}", key_file("rsa-public.pem")),
            format!("ec-1={}", key_file("ec-public.pem")),
            format!("ed-1={}", key_file("ed-public.pem")),
        ],
        jwt_jwks: Some(key_file("jwks.json").into()),
        jwt_issuer: Some(ISSUER.into()),
        jwt_audience: Some(AUDIENCE.into()),
        jwt_leeway_secs: 5,
        jwt_role_claim: "role".into(),
    }
}

/// A valid HS256 token for `role`, minted the way `newsroom token issue` mints one. Its subject
/// is `<role>@example.org`.
pub fn token(role: &str) -> String {
    let role: Role = role.parse().unwrap();
    token::issue(&auth_settings(), &format!("{role}@example.org"), role, std::time::Duration::from_secs(3600)).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims that pass every check, for `role`.
fn claims(role: &str) -> Value {
    json!({ "sub": "script@example.org", "role": role, "exp": now() + 600, "iss": ISSUER, "aud": AUDIENCE })
}

/// `claims` signed with `algorithm` by the private key of `kid` (or the shared secret for HS256).
fn signed(algorithm: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let pem = |name: &str| std::fs::read(key_file(name)).unwrap();
    let key = match algorithm {
        Algorithm::HS256 => EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem("rsa-private.pem")).unwrap(),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem("ec-private.pem")).unwrap(),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem("ed-private.pem")).unwrap(),
        other => panic!("no test key for {other:?}"),
    };
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

const VIEWER: &str = "{ viewer { subject roles } }";
const CREATE_TOPIC: &str =
    "mutation($slug: String!) { createTopic(input: { slug: $slug, name: \"Token test\" }) { slug } }";

async fn accepted(app: &TestApp, label: &str, token: &str, subject: &str, roles: Value) {
    let data = app.data_as(token, VIEWER, json!({})).await;
    assert_eq!(data["viewer"], json!({ "subject": subject, "roles": roles }), "{label}");
}

async fn every_kind_of_key_is_accepted(app: TestApp) {
    accepted(&app, "issued", &token("editor"), "editor@example.org", json!(["editor"])).await;
    for (label, algorithm, kid) in [
        ("HS256", Algorithm::HS256, None),
        ("RS256 PEM", Algorithm::RS256, Some("rsa-1")),
        ("ES256 PEM", Algorithm::ES256, Some("ec-1")),
        ("EdDSA PEM", Algorithm::EdDSA, Some("ed-1")),
        ("ES256 JWKS", Algorithm::ES256, Some("jwks-ec")),
        ("RS256 JWKS", Algorithm::RS256, Some("jwks-rsa")),
    ] {
        accepted(&app, label, &signed(algorithm, kid, &claims("admin")), "script@example.org", json!(["admin"])).await;
    }
    // A `roles` array, with roles of other applications among ours.
    let mut several = claims("reader");
    several["roles"] = json!(["billing-admin", "importer"]);
    let token = signed(Algorithm::RS256, Some("rsa-1"), &several);
    accepted(&app, "roles array", &token, "script@example.org", json!(["reader", "importer"])).await;
    // And a token that verifies can write what its role allows.
    let data = app
        .data_as(
            &signed(Algorithm::EdDSA, Some("ed-1"), &claims("editor")),
            CREATE_TOPIC,
            json!({ "slug": "by-eddsa" }),
        )
        .await;
    assert_eq!(data["createTopic"]["slug"], "by-eddsa");
}

async fn every_bad_token_is_refused_with_its_reason(app: TestApp) {
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = claims("admin");
        change(&mut claims);
        claims
    };
    let rsa_public = std::fs::read(key_file("rsa-public.pem")).unwrap();
    let confused = |kid: Option<&str>| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims("admin"), &EncodingKey::from_secret(&rsa_public).unwrap()).unwrap()
    };
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(claims("admin").to_string().as_bytes())
    );
    let other_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("admin"),
        &EncodingKey::from_secret(b"some-other-secret").unwrap(),
    )
    .unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("expired", signed(Algorithm::HS256, None, &with(&|c| c["exp"] = json!(now() - 120))), "expired"),
        ("not yet valid", signed(Algorithm::HS256, None, &with(&|c| c["nbf"] = json!(now() + 600))), "not valid yet"),
        ("wrong signature", other_secret, "signature"),
        (
            "wrong issuer",
            signed(Algorithm::RS256, Some("rsa-1"), &with(&|c| c["iss"] = json!("https://evil.example"))),
            "issuer",
        ),
        (
            "no issuer",
            signed(
                Algorithm::RS256,
                Some("rsa-1"),
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("iss");
                }),
            ),
            "iss",
        ),
        (
            "wrong audience",
            signed(Algorithm::ES256, Some("ec-1"), &with(&|c| c["aud"] = json!("another-api"))),
            "audience",
        ),
        (
            "no expiry",
            signed(
                Algorithm::HS256,
                None,
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
            ),
            "exp",
        ),
        ("alg none", unsigned, "malformed"),
        ("HS256 signed with the RSA public key, RSA kid", confused(Some("rsa-1")), "algorithm"),
        ("HS256 signed with the RSA public key, no kid", confused(None), "signature"),
        ("RS256 with an EC kid", signed(Algorithm::RS256, Some("ec-1"), &claims("admin")), "algorithm"),
        ("unknown kid", signed(Algorithm::RS256, Some("rsa-2"), &claims("admin")), "key id"),
        ("RS256 without kid (no such key)", signed(Algorithm::RS256, None, &claims("admin")), "algorithm"),
        ("malformed", "not.a.jwt".into(), "malformed"),
        ("garbage", "garbage".into(), "malformed"),
        ("no role", signed(Algorithm::HS256, None, &with(&|c| c["role"] = json!(null))), "no newsroom role"),
        (
            "unknown role",
            signed(Algorithm::HS256, None, &with(&|c| c["role"] = json!("superuser"))),
            "no newsroom role",
        ),
    ];
    for (label, token, reason) in cases {
        // A write says why the token was refused…
        let body = app.graphql_as(Some(&token), CREATE_TOPIC, json!({ "slug": "never" })).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{label}: {body:#}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(reason), "{label}: `{message}` should mention `{reason}`");
        assert!(!message.contains(SECRET), "{label}: the secret leaked");
        // …and a read goes on as anonymous, never upgraded, with a warning that says why.
        let body = app.graphql_as(Some(&token), VIEWER, json!({})).await;
        assert_eq!(body["data"]["viewer"], Value::Null, "{label}");
        assert_eq!(body["extensions"]["authentication"]["code"], "UNAUTHENTICATED", "{label}");
    }
    // A scheme other than Bearer.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Authorization", format!("Basic {}", base64url(b"admin:admin")))
        .json(&json!({ "query": CREATE_TOPIC, "variables": { "slug": "never" } }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // No token at all: a write needs one.
    assert_eq!(app.error_code_as(None, CREATE_TOPIC, json!({ "slug": "never" })).await, "UNAUTHENTICATED");
    // Nothing was written by any of them.
    let data = app.data("{ topic(slug: \"never\") { slug } }", json!({})).await;
    assert_eq!(data["topic"], Value::Null);
}

async fn a_server_without_keys_refuses_every_token(app: TestApp) {
    let body = app.graphql_as(Some(&token("admin")), CREATE_TOPIC, json!({ "slug": "never" })).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("no verification key"));
}

db_tests!(TestApp::spawn_editorial => every_kind_of_key_is_accepted, every_bad_token_is_refused_with_its_reason);
db_tests!(TestApp::spawn_demo => a_server_without_keys_refuses_every_token);
