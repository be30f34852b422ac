//! Byte fields as gabi puts them on the wire: in JSON a base64 string (Go's `[]byte`: the
//! standard alphabet; a multihash: the URL alphabet), in CBOR a byte string.
//!
//! The choice follows [`serde::Serializer::is_human_readable`]: JSON is, CBOR (ciborium) is
//! not, as for [`crate::crypto::bigint::Int`].

use std::fmt;

use base64::Engine;
use base64::engine::GeneralPurpose;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Writes `bytes` as a base64 string (`engine`) or a byte string.
pub(super) fn serialize<S: Serializer>(
    bytes: &[u8],
    engine: &GeneralPurpose,
    s: S,
) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.serialize_str(&engine.encode(bytes))
    } else {
        s.serialize_bytes(bytes)
    }
}

/// Reads a base64 string (`engine`) or a byte string; `null` reads as empty, as Go reads it
/// into a `[]byte`.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(
    d: D,
    engine: &'static GeneralPurpose,
) -> Result<Vec<u8>, D::Error> {
    let visitor = BytesVisitor(engine);
    if d.is_human_readable() {
        d.deserialize_any(visitor)
    } else {
        d.deserialize_bytes(visitor)
    }
}

struct BytesVisitor(&'static GeneralPurpose);

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64 string or a byte string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        self.0
            .decode(v)
            .map_err(|_| E::custom("bytes are not valid base64"))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<u8>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<u8>, E> {
        Ok(Vec::new())
    }
}

/// CBOR encoding of a value (ciborium: definite lengths, shortest integer forms, struct fields
/// in declaration order, which is what gabi's fxamacker/cbor v1 writes too).
pub fn to_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and our types serialize without errors.
    ciborium::into_writer(value, &mut out).expect("CBOR encoding into memory");
    out
}

/// Decodes one CBOR item that must fill `bytes` entirely, and whose map keys are all text or
/// integers, as gabi writes them (`check_keys`).
pub fn from_cbor<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CborError> {
    let mut rest = bytes;
    let value: ciborium::Value =
        ciborium::from_reader(&mut rest).map_err(|e| CborError(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CborError("trailing bytes after the CBOR item".into()));
    }
    check_keys(&value)?;
    ciborium::from_reader(bytes).map_err(|e| CborError(e.to_string()))
}

/// Refuses map keys other than text and integers. serde takes a byte string where it
/// expects a field name, so without this a message whose key `"Sig"` was re-encoded as
/// bytes (one bit flipped, outside what the signature covers) would decode as the original:
/// a second encoding of a signed message, which gabi's decoder does not accept.
fn check_keys(value: &ciborium::Value) -> Result<(), CborError> {
    use ciborium::Value;
    match value {
        Value::Map(entries) => entries.iter().try_for_each(|(key, value)| {
            if !matches!(key, Value::Text(_) | Value::Integer(_)) {
                return Err(CborError("a map key that is not text or an integer".into()));
            }
            check_keys(value)
        }),
        Value::Array(items) => items.iter().try_for_each(check_keys),
        Value::Tag(_, inner) => check_keys(inner),
        _ => Ok(()),
    }
}

/// A CBOR message that does not decode into the expected structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CBOR: {0}")]
pub struct CborError(pub String);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// `{"Sig": 1}` decodes; the same map with the key written as a byte string does not,
    /// though serde would read it as the same field.
    #[test]
    fn byte_string_keys_are_refused() {
        #[derive(Debug, serde::Deserialize)]
        struct Envelope {
            #[serde(rename = "Sig")]
            _sig: u8,
        }
        let text = [0xa1, 0x63, b'S', b'i', b'g', 0x01];
        assert!(from_cbor::<Envelope>(&text).is_ok());
        let bytes = [0xa1, 0x43, b'S', b'i', b'g', 0x01];
        assert!(from_cbor::<Envelope>(&bytes).is_err());
        let nested = [0x81, 0xa1, 0x43, b'S', b'i', b'g', 0x01];
        assert!(from_cbor::<Vec<BTreeMap<Vec<u8>, u8>>>(&nested).is_err());
        let counters = [0xa1, 0x02, 0x01];
        assert_eq!(
            from_cbor::<BTreeMap<u32, u8>>(&counters).unwrap(),
            BTreeMap::from([(2, 1)])
        );
    }
}
