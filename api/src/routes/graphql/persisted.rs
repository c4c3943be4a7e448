//! Persisted documents: a request may name its document instead of sending it.
//!
//! - **Trusted documents** (the GraphQL-over-HTTP spec's persisted-documents appendix):
//!   `documentId=sha256:<hex>` (or a manifest's own id) over GET and POST, for the documents
//!   registered from a frontend's manifest with `newsroom documents add`.
//! - **Automatic persisted queries** (Apollo's protocol): `extensions.persistedQuery.sha256Hash`.
//!   A hash this server does not hold answers `PERSISTED_QUERY_NOT_FOUND`, and the client sends
//!   the text with the hash, which registers it in this server's memory (bounded; a server that
//!   restarts simply asks again).
//!
//! With `NEWSROOM_ANONYMOUS_DOCUMENTS=trusted` anonymous callers get answers to trusted documents
//! only (by id, by hash, or as text that is one of them): a public endpoint then answers what its
//! frontends ship and nothing else, while editors and scripts with a token still send any query.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Request, Value, Variables};
use quick_cache::sync::Cache;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::{
    config::AnonymousDocuments,
    error::ApiError,
    service::document::{self, is_sha256_hex, sha256_hex},
};

/// One operation as a request carries it: the spec's fields, and the id of a trusted document.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wire {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub operation_name: Option<String>,
    #[serde(default)]
    pub variables: Option<Variables>,
    #[serde(default)]
    pub extensions: Option<HashMap<String, Value>>,
    #[serde(default)]
    pub document_id: Option<String>,
}

/// A request body: one operation, or a batch.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WireBatch {
    Single(Wire),
    Batch(Vec<Wire>),
}

impl Wire {
    /// The operation a GET's query string carries (`query`, `operationName`, `variables` and
    /// `extensions` as JSON, `documentId`).
    pub fn from_query_string(query: &str) -> Result<Self, ApiError> {
        let mut wire = Self::default();
        fn json<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, ApiError> {
            serde_json::from_str(text).map_err(|error| ApiError::BadRequest(format!("`{name}` is not JSON: {error}")))
        }
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "query" => wire.query = Some(value.into_owned()),
                "operationName" => wire.operation_name = Some(value.into_owned()),
                "documentId" => wire.document_id = Some(value.into_owned()),
                "variables" if !value.is_empty() => wire.variables = json("variables", &value)?,
                "extensions" if !value.is_empty() => wire.extensions = json("extensions", &value)?,
                _ => {}
            }
        }
        Ok(wire)
    }

    /// The hash of an automatic persisted query, if the request carries one.
    fn persisted_hash(&self) -> Result<Option<String>, ApiError> {
        let Some(persisted) = self.extensions.as_ref().and_then(|extensions| extensions.get("persistedQuery")) else {
            return Ok(None);
        };
        let bad = || ApiError::BadRequest("`extensions.persistedQuery` needs `version: 1` and a `sha256Hash`".into());
        let Value::Object(fields) = persisted else { return Err(bad()) };
        match (fields.get("version"), fields.get("sha256Hash")) {
            (Some(Value::Number(version)), Some(Value::String(hash))) if version.as_i64() == Some(1) => {
                Ok(Some(hash.to_ascii_lowercase()))
            }
            _ => Err(bad()),
        }
    }
}

/// Documents known to this server: trusted ones read from the database (kept for good, since an
/// id names one text), and automatic persisted queries registered by clients.
pub struct Documents {
    anonymous: AnonymousDocuments,
    /// Trusted documents by id, and by `#` + SHA-256.
    trusted: Cache<String, Arc<str>>,
    /// Automatic persisted queries by SHA-256.
    automatic: Cache<String, Arc<str>>,
}

/// Documents kept in memory, of each kind.
const KEPT: usize = 10_000;

impl Documents {
    pub fn new(anonymous: AnonymousDocuments) -> Self {
        Self { anonymous, trusted: Cache::new(KEPT), automatic: Cache::new(KEPT) }
    }

    /// The request `wire` names or carries, its document resolved; refused when the caller is
    /// `anonymous` and only trusted documents are answered to anonymous callers.
    pub async fn resolve(&self, db: &DatabaseConnection, wire: Wire, anonymous: bool) -> Result<Request, ApiError> {
        let only_trusted = anonymous && self.anonymous == AnonymousDocuments::Trusted;
        let hash = wire.persisted_hash()?;
        let query = wire.query.filter(|query| !query.trim().is_empty());
        let text: Arc<str> = match (&wire.document_id, query, hash) {
            (Some(_), Some(_), _) => {
                return Err(ApiError::BadRequest("send `documentId` or `query`, not both".into()));
            }
            (Some(id), None, _) => {
                self.trusted_by_id(db, id).await?.ok_or_else(|| ApiError::DocumentNotFound { id: id.clone() })?
            }
            (None, Some(query), Some(hash)) => {
                if sha256_hex(&query) != hash {
                    return Err(ApiError::PersistedQueryMismatch);
                }
                if only_trusted && self.trusted_by_hash(db, &hash).await?.is_none() {
                    return Err(ApiError::DocumentNotTrusted);
                }
                let text: Arc<str> = query.into();
                self.automatic.insert(hash, text.clone());
                text
            }
            (None, None, Some(hash)) => match self.trusted_by_hash(db, &hash).await? {
                Some(text) => text,
                None if only_trusted => return Err(ApiError::DocumentNotTrusted),
                None => self.automatic.get(&hash).ok_or(ApiError::PersistedQueryNotFound)?,
            },
            (None, Some(query), None) => {
                if only_trusted && self.trusted_by_hash(db, &sha256_hex(&query)).await?.is_none() {
                    return Err(ApiError::DocumentNotTrusted);
                }
                query.into()
            }
            (None, None, None) => return Err(ApiError::BadRequest("the request has no `query`".into())),
        };
        let mut request = Request::new(text.as_ref());
        request.operation_name = wire.operation_name;
        request.variables = wire.variables.unwrap_or_default();
        if let Some(mut extensions) = wire.extensions {
            extensions.remove("persistedQuery");
            request.extensions = async_graphql::Extensions(extensions);
        }
        Ok(request)
    }

    async fn trusted_by_id(&self, db: &DatabaseConnection, id: &str) -> Result<Option<Arc<str>>, ApiError> {
        if let Some(text) = self.trusted.get(id) {
            return Ok(Some(text));
        }
        // `sha256:<hex>` ids are found by the hash as well, whichever id the manifest gave.
        let found = match id.strip_prefix("sha256:") {
            Some(hash) if is_sha256_hex(hash) => match document::find(db, id).await? {
                Some(found) => Some(found),
                None => document::find_by_hash(db, hash).await?,
            },
            _ => document::find(db, id).await?,
        };
        Ok(found.map(|found| {
            let text: Arc<str> = found.body.into();
            self.trusted.insert(id.to_owned(), text.clone());
            text
        }))
    }

    async fn trusted_by_hash(&self, db: &DatabaseConnection, hash: &str) -> Result<Option<Arc<str>>, ApiError> {
        let key = format!("#{hash}");
        if let Some(text) = self.trusted.get(&key) {
            return Ok(Some(text));
        }
        Ok(document::find_by_hash(db, hash).await?.map(|found| {
            let text: Arc<str> = found.body.into();
            self.trusted.insert(key, text.clone());
            text
        }))
    }
}
