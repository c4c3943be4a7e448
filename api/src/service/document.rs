//! Trusted documents: the GraphQL documents frontends ship, registered from their persisted-query
//! manifests, found by the id clients send or by the SHA-256 of their text.

use chrono::Utc;
use entity::trusted_document;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// A document as a manifest gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The id its clients send: `sha256:<hex>` of `body`, or the manifest's own id.
    pub id: String,
    pub body: String,
    pub operation_name: Option<String>,
}

/// What registering a manifest did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Registered {
    pub added: usize,
    pub unchanged: usize,
}

/// SHA-256 of `text`, in lower-case hex: how Apollo's persisted queries and the GraphQL-over-HTTP
/// appendix name a document.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        use std::fmt::Write;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Whether `hash` is a SHA-256 in lower-case hex.
pub fn is_sha256_hex(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The documents of a persisted-query manifest: Apollo's
/// (`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body", "name"}]}`) or
/// Relay's (`{"<id>": "<text>"}`, as `relay-compiler` writes with `persistConfig`). An id that is
/// the SHA-256 of its text becomes `sha256:<hex>`; Apollo's ids must be. Other ids (Relay's MD5,
/// say) are kept as they are, and every document is also found by its SHA-256.
pub fn read_manifest(text: &str) -> Result<Vec<Document>, ApiError> {
    let bad = |message: String| ApiError::bad_input("manifest", message);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|error| bad(format!("not JSON: {error}")))?;
    let object = value.as_object().ok_or_else(|| bad("a manifest is a JSON object".into()))?;
    let mut documents = Vec::new();
    if object.get("format").and_then(|f| f.as_str()) == Some("apollo-persisted-query-manifest") {
        let operations =
            object.get("operations").and_then(|o| o.as_array()).ok_or_else(|| bad("no `operations` list".into()))?;
        for (index, operation) in operations.iter().enumerate() {
            let field = |name: &str| operation.get(name).and_then(|v| v.as_str());
            let (Some(id), Some(body)) = (field("id"), field("body")) else {
                return Err(bad(format!("operations[{index}] needs an `id` and a `body`")));
            };
            if sha256_hex(body) != id {
                return Err(bad(format!("operations[{index}]: `{id}` is not the SHA-256 of its body")));
            }
            documents.push(Document {
                id: format!("sha256:{id}"),
                body: body.to_owned(),
                operation_name: field("name").map(str::to_owned),
            });
        }
    } else {
        for (id, body) in object {
            let body = body.as_str().ok_or_else(|| bad(format!("`{id}`: a document is a string")))?;
            let id = if is_sha256_hex(id) && sha256_hex(body) == *id { format!("sha256:{id}") } else { id.clone() };
            documents.push(Document { id, body: body.to_owned(), operation_name: None });
        }
    }
    for document in &documents {
        if document.id.is_empty() || document.id.len() > 200 {
            return Err(bad(format!("`{}`: an id has 1 to 200 characters", document.id)));
        }
        if let Err(errors) = async_graphql::parser::parse_query(&document.body) {
            return Err(bad(format!("`{}` is not a GraphQL document: {errors}", document.id)));
        }
    }
    Ok(documents)
}

/// Registers `documents` (from the manifest of `client`), all or none: an id already registered
/// with the same text is left as it is; with another text it is refused (CONFLICT), since clients
/// in the field may still send it for the old one.
pub async fn register(
    db: &DatabaseConnection,
    client: Option<&str>,
    documents: &[Document],
) -> Result<Registered, ApiError> {
    let txn = db.begin().await?;
    let mut registered = Registered::default();
    for document in documents {
        match find(&txn, &document.id).await? {
            Some(stored) if stored.body == document.body => registered.unchanged += 1,
            Some(_) => {
                return Err(ApiError::Conflict(format!(
                    "the document `{}` is registered with another text; an id names one document for good",
                    document.id
                )));
            }
            None => {
                let row = trusted_document::ActiveModel {
                    document_id: Set(document.id.clone()),
                    sha256: Set(sha256_hex(&document.body)),
                    body: Set(document.body.clone()),
                    operation_name: Set(document.operation_name.clone()),
                    client: Set(client.map(str::to_owned)),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                };
                trusted_document::Entity::insert(row).exec_without_returning(&txn).await?;
                registered.added += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(registered)
}

/// The document clients name `id`.
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<trusted_document::Model>, ApiError> {
    Ok(trusted_document::Entity::find().filter(trusted_document::Column::DocumentId.eq(id)).one(db).await?)
}

/// A document whose text has the SHA-256 `hash` (hex).
pub async fn find_by_hash(db: &impl ConnectionTrait, hash: &str) -> Result<Option<trusted_document::Model>, ApiError> {
    Ok(trusted_document::Entity::find().filter(trusted_document::Column::Sha256.eq(hash)).one(db).await?)
}

/// Every registered document, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<trusted_document::Model>, ApiError> {
    Ok(trusted_document::Entity::find().order_by_asc(trusted_document::Column::Id).all(db).await?)
}

/// Removes the document `id`; whether there was one. Servers that have already read it may go on
/// answering it until they restart (documents are cached for good: an id names one text).
pub async fn remove(db: &impl ConnectionTrait, id: &str) -> Result<bool, ApiError> {
    let result =
        trusted_document::Entity::delete_many().filter(trusted_document::Column::DocumentId.eq(id)).exec(db).await?;
    Ok(result.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_of_apollo_and_relay_are_read() {
        let body = "query Latest { releases(first: 3) { edges { node { title } } } }";
        let hash = sha256_hex(body);
        let apollo = serde_json::json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": hash, "name": "Latest", "type": "query", "body": body }]
        });
        let documents = read_manifest(&apollo.to_string()).unwrap();
        assert_eq!(documents[0].id, format!("sha256:{hash}"));
        assert_eq!(documents[0].operation_name.as_deref(), Some("Latest"));

        let relay = serde_json::json!({ "3b5c7e0e4bcf4e1c6ba4ec4e5a4f5f07": body, hash.clone(): body });
        let mut ids: Vec<String> = read_manifest(&relay.to_string()).unwrap().into_iter().map(|d| d.id).collect();
        ids.sort();
        assert_eq!(ids, vec!["3b5c7e0e4bcf4e1c6ba4ec4e5a4f5f07".to_owned(), format!("sha256:{hash}")]);

        let lying = serde_json::json!({
            "format": "apollo-persisted-query-manifest",
            "operations": [{ "id": sha256_hex("{ x }"), "body": body }]
        });
        assert!(read_manifest(&lying.to_string()).is_err(), "an Apollo id must be its body's hash");
        assert!(read_manifest(r#"{"a": "query {"}"#).is_err(), "a document must parse");
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(is_sha256_hex(&sha256_hex("{ __typename }")));
        assert!(!is_sha256_hex("E3B0"));
    }
}
