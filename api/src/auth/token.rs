//! JWT verification (and minting, for scripts). Keys and accepted algorithms come from
//! configuration only: a token's header chooses among configured keys by `kid`, never how to verify.

use std::{fs, path::Path};

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, EllipticCurve, JwkSet},
};
use serde_json::Value;

use super::role::{Principal, Role, Roles};
use crate::config::AuthSettings;

/// Why a token was refused. The text is sent to the client: it names what failed, never a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's issuer is not accepted")]
    Issuer,
    #[error("the token's audience is not accepted")]
    Audience,
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(String),
    #[error("the token carries no newsroom role (reader, editor, importer or admin) in `{0}` or `roles`")]
    NoRole(String),
    #[error("tokens are not accepted: no verification key is configured")]
    NotConfigured,
}

/// Why the configured keys could not be loaded; start-up stops on it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} holds no RSA, EC (P-256) or Ed25519 public key in PEM form")]
    Pem { path: String },
    #[error("cannot read the JWKS in {path}: {reason}")]
    Jwks { path: String, reason: String },
    #[error("the JWT secret is unusable: {0}")]
    Secret(String),
}

/// A configured public key.
struct PublicKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Verifies bearer tokens against the configured keys and claims. Built once at start-up.
pub struct Verifier {
    secret: Option<DecodingKey>,
    keys: Vec<PublicKey>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
    /// The role claim's path in the payload (`role`, or e.g. `realm_access.roles`).
    role_claim: Vec<String>,
    role_claim_name: String,
}

impl Verifier {
    /// Loads the keys `settings` names.
    pub fn from_settings(settings: &AuthSettings) -> Result<Self, KeyError> {
        let secret = match settings.jwt_secret.as_deref() {
            Some(secret) => {
                Some(DecodingKey::from_secret(secret.as_bytes()).map_err(|error| KeyError::Secret(error.to_string()))?)
            }
            None => None,
        };
        let mut keys = Vec::new();
        for entry in &settings.jwt_public_keys {
            let (kid, path) = match entry.split_once('=') {
                Some((kid, path)) => (Some(kid.to_owned()), path),
                None => (None, entry.as_str()),
            };
            let pem = read(path)?;
            let (algorithm, key) = pem_key(&pem).ok_or_else(|| KeyError::Pem { path: path.to_owned() })?;
            keys.push(PublicKey { kid, algorithm, key });
        }
        if let Some(path) = &settings.jwt_jwks {
            keys.extend(jwks_keys(path)?);
        }
        Ok(Self {
            secret,
            keys,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            leeway: settings.jwt_leeway_secs,
            role_claim: settings.jwt_role_claim.split('.').map(str::to_owned).collect(),
            role_claim_name: settings.jwt_role_claim.clone(),
        })
    }

    /// Whether any key is configured (without one, every token is refused).
    pub fn is_configured(&self) -> bool {
        self.secret.is_some() || !self.keys.is_empty()
    }

    /// The caller a token proves, or why it proves nothing.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        if !self.is_configured() {
            return Err(TokenError::NotConfigured);
        }
        // An `alg` outside jsonwebtoken's list (such as `none`) fails here, as malformed.
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        let (algorithm, key) = self.key_for(header.kid.as_deref(), header.alg)?;
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        let claims = decode::<Value>(token, key, &validation).map_err(|error| refusal(error.kind()))?.claims;
        let subject = claims.get("sub").and_then(Value::as_str).ok_or(TokenError::MissingClaim("sub".into()))?;
        let roles = self.roles(&claims);
        if roles.is_empty() {
            return Err(TokenError::NoRole(self.role_claim_name.clone()));
        }
        Ok(Principal { subject: subject.to_owned(), roles })
    }

    /// The key a token names: its `kid` among the public keys, or without one, the shared secret
    /// for HS256 and a key configured without a `kid` for the rest. The algorithm is the key's own.
    fn key_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<(Algorithm, &DecodingKey), TokenError> {
        if let Some(kid) = kid {
            let key = self.keys.iter().find(|key| key.kid.as_deref() == Some(kid)).ok_or(TokenError::UnknownKey)?;
            return if key.algorithm == algorithm { Ok((key.algorithm, &key.key)) } else { Err(TokenError::Algorithm) };
        }
        if algorithm == Algorithm::HS256 {
            return self.secret.as_ref().map(|secret| (Algorithm::HS256, secret)).ok_or(TokenError::Algorithm);
        }
        self.keys
            .iter()
            .find(|key| key.kid.is_none() && key.algorithm == algorithm)
            .map(|key| (key.algorithm, &key.key))
            .ok_or(TokenError::Algorithm)
    }

    /// The newsroom roles in the configured claim and in `roles`; other values are ignored, so
    /// that an identity provider's other roles do not get in the way.
    fn roles(&self, claims: &Value) -> Roles {
        let configured = self.role_claim.iter().try_fold(claims, |value, key| value.get(key));
        [configured, claims.get("roles")]
            .into_iter()
            .flatten()
            .flat_map(|value| match value {
                Value::String(name) => vec![name.as_str()],
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            })
            .filter_map(|name| name.parse::<Role>().ok())
            .collect()
    }
}

fn refusal(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidSignature => TokenError::Signature,
        ErrorKind::InvalidIssuer => TokenError::Issuer,
        ErrorKind::InvalidAudience => TokenError::Audience,
        ErrorKind::MissingRequiredClaim(claim) => TokenError::MissingClaim(claim.clone()),
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::InvalidAlgorithmName => {
            TokenError::Algorithm
        }
        _ => TokenError::Malformed,
    }
}

fn read(path: &str) -> Result<Vec<u8>, KeyError> {
    fs::read(path).map_err(|source| KeyError::Read { path: path.to_owned(), source })
}

/// A PEM public key and the one algorithm it verifies.
fn pem_key(pem: &[u8]) -> Option<(Algorithm, DecodingKey)> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Some((Algorithm::RS256, key));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        return Some((Algorithm::ES256, key));
    }
    DecodingKey::from_ed_pem(pem).ok().map(|key| (Algorithm::EdDSA, key))
}

/// The keys of a JWKS file; each key's algorithm is its `alg`, or follows from its type.
fn jwks_keys(path: &Path) -> Result<Vec<PublicKey>, KeyError> {
    let shown = path.display().to_string();
    let text = fs::read(path).map_err(|source| KeyError::Read { path: shown.clone(), source })?;
    let set: JwkSet = serde_json::from_slice(&text)
        .map_err(|error| KeyError::Jwks { path: shown.clone(), reason: error.to_string() })?;
    set.keys
        .iter()
        .map(|jwk| {
            let algorithm = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                (Some(algorithm), _) => algorithm.to_string().parse::<Algorithm>().ok(),
                (None, AlgorithmParameters::RSA(_)) => Some(Algorithm::RS256),
                (None, AlgorithmParameters::EllipticCurve(ec)) if ec.curve == EllipticCurve::P256 => {
                    Some(Algorithm::ES256)
                }
                (None, AlgorithmParameters::OctetKeyPair(_)) => Some(Algorithm::EdDSA),
                _ => None,
            };
            let reason = |why: &str| KeyError::Jwks { path: shown.clone(), reason: why.to_owned() };
            let algorithm = algorithm.ok_or_else(|| reason("a key has no usable algorithm"))?;
            if matches!(algorithm, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                return Err(reason("symmetric keys do not belong in a JWKS; use NEWSROOM_JWT_SECRET"));
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|error| reason(&error.to_string()))?;
            Ok(PublicKey { kid: jwk.common.key_id.clone(), algorithm, key })
        })
        .collect()
}

/// Claims of a token newsroom mints.
#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: &'a str,
    role: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
}

/// An HS256 token for `subject` with `role`, valid for `ttl` from now (what `newsroom token issue`
/// prints). It carries the configured issuer and audience, so that it verifies here.
pub fn issue(settings: &AuthSettings, subject: &str, role: Role, ttl: std::time::Duration) -> Result<String, KeyError> {
    let secret =
        settings.jwt_secret.as_deref().ok_or_else(|| KeyError::Secret("NEWSROOM_JWT_SECRET is not set".into()))?;
    let key = EncodingKey::from_secret(secret.as_bytes()).map_err(|error| KeyError::Secret(error.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let claims = Claims {
        sub: subject,
        role: role.as_str(),
        iat: now,
        exp: now.saturating_add(ttl),
        iss: settings.jwt_issuer.as_deref(),
        aud: settings.jwt_audience.as_deref(),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|error| KeyError::Secret(error.to_string()))
}
