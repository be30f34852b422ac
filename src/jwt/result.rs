//! Session result JWTs, server → requestor, signed RS256 with the server's `jwt_privkey`.
//!
//! Two formats:
//! - the result JWT (`GET /session/{token}/result-jwt`, callback and nextSession POSTs;
//!   irmago `irma/server/api.go` `ResultJwt`): `exp`, `iat`, `iss`, `sub` =
//!   `"<type>_result"`, then every session result field at the top level;
//! - the getproof JWT (`GET /session/{token}/getproof`, the old irma_api_server format;
//!   `requestorserver/server.go` `handleJwtProofs`): `attributes` (attribute id → value),
//!   `exp` (only when the validity is not 0), `iat`, `iss`, `signature` (signature sessions),
//!   `status` (the proof status), `sub` = `disclosure_result` | `abs_result` | `issue_result`.
//!
//! The session result is taken as any `Serialize` value with the reference's JSON shape
//! (`token`, `status`, `type`, `proofStatus`, `disclosed`, `signature`, …), so the server can
//! pass its own `SessionResult`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::compact::{self, SignError};
use super::keys::{RsaPrivateKey, SigningKey};

/// `iss` of result JWTs unless configured (`jwt_issuer`).
pub const DEFAULT_ISSUER: &str = "irmaserver";

/// Seconds a result JWT is valid unless the request says otherwise (`validity`).
pub const DEFAULT_VALIDITY: u64 = 120;

/// The session type of a result (irmago `irma.Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionType {
    /// `disclosing`.
    Disclosing,
    /// `signing`.
    Signing,
    /// `issuing`.
    Issuing,
}

impl SessionType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disclosing => "disclosing",
            Self::Signing => "signing",
            Self::Issuing => "issuing",
        }
    }

    /// Parses the wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Disclosing, Self::Signing, Self::Issuing]
            .into_iter()
            .find(|t| t.as_str() == name)
    }

    /// `sub` of the result JWT: `disclosing_result`, `signing_result`, `issuing_result`.
    pub fn result_subject(self) -> &'static str {
        match self {
            Self::Disclosing => "disclosing_result",
            Self::Signing => "signing_result",
            Self::Issuing => "issuing_result",
        }
    }

    /// `sub` of the getproof JWT: `disclosure_result`, `abs_result`, `issue_result`.
    pub fn getproof_subject(self) -> &'static str {
        match self {
            Self::Disclosing => "disclosure_result",
            Self::Signing => "abs_result",
            Self::Issuing => "issue_result",
        }
    }
}

/// A result JWT could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ResultJwtError {
    /// The result does not serialize to a JSON object.
    #[error("the session result is not a JSON object")]
    NotAnObject,
    /// The result's `type` is not `disclosing`, `signing` or `issuing`.
    #[error("the session result has no known type")]
    UnknownType,
    /// Serializing or signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// Signs result and getproof JWTs with the server's RSA key.
#[derive(Debug, Clone)]
pub struct ResultSigner {
    key: SigningKey,
    issuer: String,
    /// `GET /publickey`'s body, computed once.
    public_key_pem: String,
}

/// Result JWT claims: standard claims first (the order of Go's `jwt.StandardClaims`), then
/// the result's own fields.
#[derive(Serialize)]
struct ResultClaims<'a, T> {
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    iss: &'a str,
    sub: &'static str,
    #[serde(flatten)]
    result: &'a T,
}

/// Getproof claims, in the alphabetical order of the reference's `jwt.MapClaims`.
#[derive(Serialize)]
struct GetproofClaims<'a> {
    attributes: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    iat: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a Value>,
    status: &'a Value,
    sub: &'static str,
}

impl ResultSigner {
    /// A signer with the server's key and `jwt_issuer` (use [`DEFAULT_ISSUER`] when unset;
    /// an empty issuer leaves `iss` out, as the reference does).
    pub fn new(key: RsaPrivateKey, issuer: impl Into<String>) -> Self {
        Self {
            public_key_pem: key.public_key().to_pem(),
            key: SigningKey::Rsa(key),
            issuer: issuer.into(),
        }
    }

    /// The public key as PKIX PEM, the body of `GET /publickey`.
    pub fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    /// The result JWT for `result` at unix time `now`, valid for `validity` seconds
    /// (the request's `validity`, [`DEFAULT_VALIDITY`] by default).
    pub fn result_jwt<T: Serialize>(
        &self,
        result: &T,
        validity: u64,
        now: i64,
    ) -> Result<String, ResultJwtError> {
        let value = serde_json::to_value(result).map_err(|_| ResultJwtError::NotAnObject)?;
        let session_type = session_type(&value)?;
        let claims = ResultClaims {
            exp: now.saturating_add_unsigned(validity),
            iat: now,
            iss: &self.issuer,
            sub: session_type.result_subject(),
            result,
        };
        Ok(compact::sign(&claims, &self.key)?)
    }

    /// The getproof (irma_api_server) JWT for `result` at unix time `now`; `exp` only when
    /// `validity` is not 0. Attribute values are the disclosed values' `""` translation, null
    /// ones become `""`, and an attribute disclosed twice appears once (the last one wins).
    pub fn getproof_jwt<T: Serialize>(
        &self,
        result: &T,
        validity: u64,
        now: i64,
    ) -> Result<String, ResultJwtError> {
        let value = serde_json::to_value(result).map_err(|_| ResultJwtError::NotAnObject)?;
        let session_type = session_type(&value)?;
        let mut attributes = BTreeMap::new();
        let sets = value.get("disclosed").and_then(Value::as_array);
        for attr in sets
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            let Some(id) = attr.get("id").and_then(Value::as_str) else {
                continue;
            };
            let raw = attr
                .get("value")
                .and_then(|v| v.get(""))
                .and_then(Value::as_str)
                .unwrap_or("");
            attributes.insert(id, raw);
        }
        static EMPTY: Value = Value::String(String::new());
        let claims = GetproofClaims {
            attributes,
            exp: (validity != 0).then(|| now.saturating_add_unsigned(validity)),
            iat: now,
            iss: &self.issuer,
            signature: value.get("signature").filter(|s| !s.is_null()),
            status: value.get("proofStatus").unwrap_or(&EMPTY),
            sub: session_type.getproof_subject(),
        };
        Ok(compact::sign(&claims, &self.key)?)
    }
}

fn session_type(result: &Value) -> Result<SessionType, ResultJwtError> {
    if !result.is_object() {
        return Err(ResultJwtError::NotAnObject);
    }
    result
        .get("type")
        .and_then(Value::as_str)
        .and_then(SessionType::from_name)
        .ok_or(ResultJwtError::UnknownType)
}
