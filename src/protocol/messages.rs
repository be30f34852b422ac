//! Verification results and the small wire types around disclosures.
//!
//! Field names and omission rules follow irmago `irma/verify.go:22-44` and
//! `irma/messages.go:286-301`; they are checked against the recorded `session_result`s.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::protocol::identifiers::{AttributeTypeId, CredentialTypeId, IdentifierError};
use crate::protocol::translated::TranslatedString;

/// The verdict on a disclosure or attribute-based signature (`proofStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProofStatus {
    /// The proofs are valid and satisfy the request.
    Valid,
    /// The proofs do not verify.
    Invalid,
    /// The atum timestamp of a signature does not verify.
    InvalidTimestamp,
    /// A signature's nonce, context or message is not the request's.
    UnmatchedRequest,
    /// Some requested attribute is not disclosed (or does not have the requested value).
    MissingAttributes,
    /// A credential had expired at the time of the proof.
    Expired,
}

impl ProofStatus {
    /// The name on the wire, e.g. `VALID`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
            Self::InvalidTimestamp => "INVALID_TIMESTAMP",
            Self::UnmatchedRequest => "UNMATCHED_REQUEST",
            Self::MissingAttributes => "MISSING_ATTRIBUTES",
            Self::Expired => "EXPIRED",
        }
    }
}

/// The status of one disclosed attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeStatus {
    /// Disclosed and matching the request.
    Present,
    /// Disclosed without being requested.
    Extra,
    /// Disclosed, and absent (null) in the credential.
    Null,
}

/// An identifier in a request or result that names either an attribute (4 parts) or a
/// whole credential (3 parts: "disclose that I have this credential").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeOrCredential {
    /// One attribute of a credential type.
    Attribute(AttributeTypeId),
    /// The credential type itself; disclosed as its metadata attribute.
    Credential(CredentialTypeId),
}

impl AttributeOrCredential {
    /// Parses a 4-part attribute id or a 3-part credential type id.
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        if value.split('.').count() == 3 {
            CredentialTypeId::parse(value).map(Self::Credential)
        } else {
            AttributeTypeId::parse(value).map(Self::Attribute)
        }
    }

    /// The identifier as a string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Attribute(id) => id.as_str(),
            Self::Credential(id) => id.as_str(),
        }
    }

    /// The credential type the identifier belongs to.
    pub fn credential_type(&self) -> CredentialTypeId {
        match self {
            Self::Attribute(id) => id.credential_type(),
            Self::Credential(id) => id.clone(),
        }
    }
}

impl FromStr for AttributeOrCredential {
    type Err = IdentifierError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for AttributeOrCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AttributeOrCredential {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AttributeOrCredential {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Where a disclosed attribute is: `proofs[cred].a_disclosed[attr]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AttributeIndex {
    /// Index of the proof (credential) in the proof list.
    pub cred: usize,
    /// Index of the attribute in that credential: 1 = metadata, 2.. = attributes.
    pub attr: usize,
}

/// For each outer conjunction of the request, where the chosen attributes are
/// (`indices` of a `Disclosure` or `SignedMessage`).
pub type Indices = Vec<Vec<AttributeIndex>>;

/// The `disclosed` field of a session result: per disjunction of the request the
/// disclosed attributes (`null` when unsatisfied), then possibly one list of `EXTRA` ones.
pub type Disclosed = Vec<Option<Vec<DisclosedAttribute>>>;

/// One disclosed attribute as reported to the requestor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedAttribute {
    /// The decoded value; `null` for an absent optional attribute.
    #[serde(rename = "rawvalue")]
    pub raw_value: Option<String>,
    /// The value per language (see [`TranslatedString::untranslated`]); `null` with the raw
    /// value.
    pub value: Option<TranslatedString>,
    /// The attribute, or the credential type for a whole-credential disclosure.
    pub id: AttributeOrCredential,
    /// Requested, extra or null.
    pub status: AttributeStatus,
    /// The credential's signing date (Unix seconds, on an epoch boundary).
    #[serde(rename = "issuancetime")]
    pub issuance_time: i64,
    /// Whether a nonrevocation proof accompanied the credential.
    #[serde(rename = "notrevoked", default, skip_serializing_if = "is_false")]
    pub not_revoked: bool,
    /// The time up to which non-revocation is known, when older than the tolerance.
    #[serde(rename = "notrevokedbefore", default, skip_serializing_if = "Option::is_none")]
    pub not_revoked_before: Option<i64>,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disclosed_attribute_json_matches_the_reference() {
        let json = r#"{"rawvalue":"yes","value":{"":"yes","en":"yes","nl":"yes"},"id":"irma-demo.MijnOverheid.ageLower.over18","status":"PRESENT","issuancetime":1795046400}"#;
        let attr: DisclosedAttribute = serde_json::from_str(json).unwrap();
        assert_eq!(attr.value, Some(TranslatedString::untranslated("yes")));
        assert_eq!(serde_json::to_string(&attr).unwrap(), json);

        let null = r#"{"rawvalue":null,"value":null,"id":"irma-demo.MijnOverheid.fullName","status":"NULL","issuancetime":0,"notrevoked":true,"notrevokedbefore":5}"#;
        let attr: DisclosedAttribute = serde_json::from_str(null).unwrap();
        assert!(matches!(attr.id, AttributeOrCredential::Credential(_)));
        assert_eq!(serde_json::to_string(&attr).unwrap(), null);
    }

    #[test]
    fn statuses_use_reference_spelling() {
        for (status, text) in [
            (ProofStatus::Valid, "\"VALID\""),
            (ProofStatus::InvalidTimestamp, "\"INVALID_TIMESTAMP\""),
            (ProofStatus::UnmatchedRequest, "\"UNMATCHED_REQUEST\""),
            (ProofStatus::MissingAttributes, "\"MISSING_ATTRIBUTES\""),
            (ProofStatus::Expired, "\"EXPIRED\""),
            (ProofStatus::Invalid, "\"INVALID\""),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), text);
            assert_eq!(serde_json::from_str::<ProofStatus>(text).unwrap(), status);
        }
        assert_eq!(
            serde_json::to_string(&AttributeStatus::Extra).unwrap(),
            "\"EXTRA\""
        );
    }

    #[test]
    fn attribute_or_credential_parses_by_part_count() {
        assert!(matches!(
            AttributeOrCredential::parse("a.b.c.d"),
            Ok(AttributeOrCredential::Attribute(_))
        ));
        assert!(matches!(
            AttributeOrCredential::parse("a.b.c"),
            Ok(AttributeOrCredential::Credential(_))
        ));
        for bad in ["a.b", "a", "a.b.c.d.e", "a..c", ""] {
            assert!(AttributeOrCredential::parse(bad).is_err(), "{bad:?}");
        }
        let index: AttributeIndex = serde_json::from_str(r#"{"cred":0,"attr":4}"#).unwrap();
        assert_eq!(index, AttributeIndex { cred: 0, attr: 4 });
        assert!(serde_json::from_str::<AttributeIndex>(r#"{"cred":-1,"attr":4}"#).is_err());
    }
}
