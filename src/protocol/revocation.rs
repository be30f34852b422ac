//! The revocation request a requestor POSTs to `/revocation` (irmago `irma/requests.go`
//! `RevocationRequest`): revoke the credentials of a credential type issued with a
//! revocation key, all of them or only the one issued at a given time.

use serde::{Deserialize, Serialize};

use super::identifiers::CredentialTypeId;

/// The `@context` of a revocation request (irmago `LDContextRevocationRequest`).
pub const LD_CONTEXT_REVOCATION_REQUEST: &str = "https://irma.app/ld/request/revocation/v1";

/// A request to revoke (irmago `RevocationRequest`); fields in the reference's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationRequest {
    /// Must be [`LD_CONTEXT_REVOCATION_REQUEST`] (see [`RevocationRequest::parse`]).
    #[serde(rename = "@context", default, skip_serializing_if = "String::is_empty")]
    pub context: String,
    /// The credential type to revoke.
    #[serde(rename = "type")]
    pub credential_type: CredentialTypeId,
    /// The `revocationKey` the credentials were issued with.
    #[serde(rename = "revocationKey", default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// When given (unix nanoseconds, non-zero): revoke only the credential issued then.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub issued: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Why a revocation request is refused before anything is revoked. `Display` is the
/// reference's message.
#[derive(Debug, thiserror::Error)]
pub enum RevocationRequestError {
    /// Not JSON of the right shape.
    #[error("{0}")]
    Json(String),
    /// Another `@context` (irmago `RevocationRequest.Validate`).
    #[error("not a revocation request")]
    NotRevocation,
}

impl RevocationRequest {
    /// A request to revoke every credential of `credential_type` issued with `key`.
    pub fn new(credential_type: CredentialTypeId, key: impl Into<String>) -> Self {
        Self {
            context: LD_CONTEXT_REVOCATION_REQUEST.to_owned(),
            credential_type,
            key: key.into(),
            issued: 0,
        }
    }

    /// Parses and validates a request as the reference does (`UnmarshalValidate`).
    pub fn parse(value: serde_json::Value) -> Result<Self, RevocationRequestError> {
        let request: Self = serde_json::from_value(value)
            .map_err(|e| RevocationRequestError::Json(e.to_string()))?;
        if request.context != LD_CONTEXT_REVOCATION_REQUEST {
            return Err(RevocationRequestError::NotRevocation);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_and_validation() {
        let cred = CredentialTypeId::parse("irma-demo.MijnOverheid.root").unwrap();
        let r = RevocationRequest::new(cred, "k");
        // The bytes `irma issuer revoke` of the reference sends (revocation/revoke.json).
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"@context":"https://irma.app/ld/request/revocation/v1","type":"irma-demo.MijnOverheid.root","revocationKey":"k"}"#
        );
        let parsed = RevocationRequest::parse(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(parsed, r);
        let other = serde_json::json!({"@context": "https://irma.app/ld/request/disclosure/v2",
            "type": "irma-demo.MijnOverheid.root", "revocationKey": "k"});
        assert_eq!(
            RevocationRequest::parse(other).unwrap_err().to_string(),
            "not a revocation request"
        );
        let issued = serde_json::json!({"@context": LD_CONTEXT_REVOCATION_REQUEST,
            "type": "irma-demo.MijnOverheid.root", "revocationKey": "k", "issued": 5});
        assert_eq!(RevocationRequest::parse(issued).unwrap().issued, 5);
        assert!(RevocationRequest::parse(serde_json::json!({"type": 3})).is_err());
    }
}
