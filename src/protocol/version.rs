//! The IRMA protocol version (`"2.8"`), negotiated between app and server.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A protocol version `major.minor`, on the wire as the string `"2.8"`
/// (irmago `irma/messages.go` `ProtocolVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

/// Why a string is not a protocol version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid protocol version {0:?}: expected the form x.y")]
pub struct ProtocolVersionError(pub String);

impl ProtocolVersion {
    /// A version from its parts.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }
}

impl FromStr for ProtocolVersion {
    type Err = ProtocolVersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ProtocolVersionError(s.to_owned());
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let part = |p: &str| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse::<u32>().map_err(|_| err())
        };
        Ok(Self::new(part(major)?, part(minor)?))
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for ProtocolVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProtocolVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_versions() {
        let v: ProtocolVersion = serde_json::from_str("\"2.8\"").unwrap();
        assert_eq!(v, ProtocolVersion::new(2, 8));
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"2.8\"");
        assert!(ProtocolVersion::new(2, 10) > v);
        for bad in ["2", "2.", ".8", "2.8.1", "a.b", "-2.8", "+2.8"] {
            assert!(bad.parse::<ProtocolVersion>().is_err(), "{bad:?}");
        }
    }
}
