//! Issuance records (irmago `IssuanceRecord`): per issued revocable credential, its revocation
//! key, the revocation attribute `e` and the validity, so that the authority can revoke it by
//! key later.

use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use crate::crypto::bigint::Int;
use crate::protocol::identifiers::CredentialTypeId;

/// One issued revocable credential. Times are Unix nanoseconds, as irmago stores them.
///
/// CBOR (what an issuer that is not the authority signs and posts to
/// `/revocation/{credtype}/issuancerecord/{counter}`) has the Go field names, `RevokedAt`
/// only when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuanceRecord {
    /// The revocation key the requestor chose at issuance.
    #[serde(rename = "Key")]
    pub key: String,
    /// The credential type.
    #[serde(rename = "CredType")]
    pub cred_type: CredentialTypeId,
    /// When it was issued (ns); with `key` and `cred_type` it identifies the record.
    #[serde(rename = "Issued")]
    pub issued: i64,
    /// The counter of the issuer key that signed it.
    #[serde(rename = "PKCounter")]
    pub pk_counter: u32,
    /// The revocation attribute `e`.
    #[serde(rename = "Attr")]
    pub attr: Int,
    /// Expiry of the credential (ns); the record may be deleted after it.
    #[serde(rename = "ValidUntil")]
    pub valid_until: i64,
    /// When it was revoked (ns), 0 while not revoked.
    #[serde(rename = "RevokedAt", default, skip_serializing_if = "is_zero")]
    pub revoked_at: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl IssuanceRecord {
    /// The revocation attribute.
    pub fn e(&self) -> &BigUint {
        &self.attr.0
    }
}
