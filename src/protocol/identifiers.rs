//! Validated identifiers: `scheme`, `scheme.issuer`, `scheme.issuer.credential`,
//! `scheme.issuer.credential.attribute`, and issuer public keys `scheme.issuer-counter`.
//!
//! An identifier that exists is well formed: every part is non-empty and consists of
//! `[A-Za-z0-9_-]`, and it has exactly the right number of parts. The reference
//! (irmago `irma/identifiers.go`) accepts any string and fails later; parsing up front
//! gives a clear error at the edge instead.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// The string has the wrong number of dot-separated parts.
    #[error("invalid {kind} identifier {value:?}: expected {expected} dot-separated parts")]
    PartCount {
        /// What kind of identifier was expected.
        kind: &'static str,
        /// The offending input.
        value: String,
        /// How many parts that kind has.
        expected: usize,
    },
    /// A part is empty or contains a character outside `[A-Za-z0-9_-]`.
    #[error(
        "invalid {kind} identifier {value:?}: parts must be non-empty and use only A-Z, a-z, 0-9, '_' and '-'"
    )]
    BadPart {
        /// What kind of identifier was expected.
        kind: &'static str,
        /// The offending input.
        value: String,
    },
}

fn valid_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check(kind: &'static str, value: &str, expected: usize) -> Result<(), IdentifierError> {
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() != expected {
        return Err(IdentifierError::PartCount {
            kind,
            value: value.to_owned(),
            expected,
        });
    }
    if !parts.iter().all(|p| valid_part(p)) {
        return Err(IdentifierError::BadPart {
            kind,
            value: value.to_owned(),
        });
    }
    Ok(())
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $parts:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates an identifier.
            pub fn parse(value: &str) -> Result<Self, IdentifierError> {
                check($kind, value, $parts)?;
                Ok(Self(value.to_owned()))
            }

            /// The identifier as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The dot-separated parts.
            pub fn parts(&self) -> impl Iterator<Item = &str> {
                self.0.split('.')
            }

            /// The last part: the name of this item within its parent.
            pub fn name(&self) -> &str {
                self.0.rsplit('.').next().unwrap_or(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier!(
    /// A scheme (scheme manager) identifier, e.g. `irma-demo`.
    SchemeId, "scheme", 1
);
identifier!(
    /// An issuer identifier, e.g. `irma-demo.MijnOverheid`.
    IssuerId, "issuer", 2
);
identifier!(
    /// A credential type identifier, e.g. `irma-demo.MijnOverheid.ageLower`.
    CredentialTypeId, "credential type", 3
);
identifier!(
    /// An attribute type identifier, e.g. `irma-demo.MijnOverheid.ageLower.over18`.
    AttributeTypeId, "attribute type", 4
);

impl SchemeId {
    /// The identifier of an issuer in this scheme.
    pub fn issuer(&self, name: &str) -> Result<IssuerId, IdentifierError> {
        IssuerId::parse(&format!("{}.{name}", self.0))
    }
}

impl IssuerId {
    /// The scheme this issuer belongs to.
    pub fn scheme(&self) -> SchemeId {
        SchemeId(prefix(&self.0, 1))
    }

    /// The identifier of a credential type of this issuer.
    pub fn credential_type(&self, name: &str) -> Result<CredentialTypeId, IdentifierError> {
        CredentialTypeId::parse(&format!("{}.{name}", self.0))
    }
}

impl CredentialTypeId {
    /// The scheme this credential type belongs to.
    pub fn scheme(&self) -> SchemeId {
        SchemeId(prefix(&self.0, 1))
    }

    /// The issuer of this credential type.
    pub fn issuer(&self) -> IssuerId {
        IssuerId(prefix(&self.0, 2))
    }

    /// The identifier of an attribute of this credential type.
    pub fn attribute(&self, name: &str) -> Result<AttributeTypeId, IdentifierError> {
        AttributeTypeId::parse(&format!("{}.{name}", self.0))
    }
}

impl AttributeTypeId {
    /// The scheme this attribute belongs to.
    pub fn scheme(&self) -> SchemeId {
        SchemeId(prefix(&self.0, 1))
    }

    /// The issuer of this attribute.
    pub fn issuer(&self) -> IssuerId {
        IssuerId(prefix(&self.0, 2))
    }

    /// The credential type this attribute belongs to.
    pub fn credential_type(&self) -> CredentialTypeId {
        CredentialTypeId(prefix(&self.0, 3))
    }
}

/// The first `n` dot-separated parts of an identifier already known to have more.
fn prefix(id: &str, n: usize) -> String {
    id.split('.').take(n).collect::<Vec<_>>().join(".")
}

/// An issuer public key: the issuer and the key counter (`PublicKeys/<counter>.xml`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKeyId {
    /// The issuer owning the key.
    pub issuer: IssuerId,
    /// The key counter.
    pub counter: u32,
}

impl fmt::Display for PublicKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.issuer, self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_identifiers() {
        let a = AttributeTypeId::parse("irma-demo.MijnOverheid.ageLower.over18").unwrap();
        assert_eq!(a.scheme().as_str(), "irma-demo");
        assert_eq!(a.issuer().as_str(), "irma-demo.MijnOverheid");
        assert_eq!(
            a.credential_type().as_str(),
            "irma-demo.MijnOverheid.ageLower"
        );
        assert_eq!(a.name(), "over18");
    }

    #[test]
    fn rejects_malformed_identifiers() {
        for bad in ["", "a..b.c", "a.b.c", "a.b.c.d.e", "a.b c.d.e", "a.b.c.d/"] {
            assert!(AttributeTypeId::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(SchemeId::parse("irma.demo").is_err());
        assert!(serde_json::from_str::<CredentialTypeId>("\"x.y\"").is_err());
    }
}
