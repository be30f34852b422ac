//! Big integers as gabi puts them on the wire.
//!
//! [`Int`] wraps a non-negative [`BigUint`]. In JSON it is a string holding the standard
//! (padded) base64 of the big-endian magnitude (zero is `""`); on input an unquoted JSON
//! number in decimal is accepted too, like gabi's `big.Int` (`gabi:big/int.go`).
//! In XML key files integers are decimal; see [`Int::from_decimal`]. In CBOR (revocation
//! messages; any format that is not human-readable) it is a byte string of the big-endian
//! magnitude, as gabi's `big.Int` marshals through `encoding.BinaryMarshaler`.

use std::fmt;
use std::ops::Deref;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative big integer with gabi's JSON encoding.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Int(pub BigUint);

/// Why a string is not a valid big integer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntError {
    /// Not a base64 string.
    #[error("big integer is not valid base64")]
    Base64,
    /// Not a decimal number.
    #[error("big integer is not a non-negative decimal number")]
    Decimal,
}

impl Int {
    /// Decodes the base64 of a big-endian magnitude.
    pub fn from_base64(s: &str) -> Result<Self, IntError> {
        let bytes = STANDARD.decode(s).map_err(|_| IntError::Base64)?;
        Ok(Self(BigUint::from_bytes_be(&bytes)))
    }

    /// Encodes as base64 of the big-endian magnitude, without leading zero bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_bytes())
    }

    /// The big-endian magnitude without leading zero bytes; empty for zero (Go's
    /// `big.Int.Bytes`).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.0.bits() == 0 {
            return Vec::new();
        }
        self.0.to_bytes_be()
    }

    /// Parses a non-negative decimal number (no sign, no spaces).
    pub fn from_decimal(s: &str) -> Result<Self, IntError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IntError::Decimal);
        }
        BigUint::parse_bytes(s.as_bytes(), 10)
            .map(Self)
            .ok_or(IntError::Decimal)
    }

    /// The wrapped integer.
    pub fn into_inner(self) -> BigUint {
        self.0
    }
}

impl Deref for Int {
    type Target = BigUint;
    fn deref(&self) -> &BigUint {
        &self.0
    }
}

impl From<BigUint> for Int {
    fn from(v: BigUint) -> Self {
        Self(v)
    }
}

impl From<Int> for BigUint {
    fn from(v: Int) -> Self {
        v.0
    }
}

impl fmt::Debug for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_base64())
        } else {
            s.serialize_bytes(&self.to_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(IntVisitor)
        } else {
            d.deserialize_bytes(IntVisitor)
        }
    }
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = Int;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a base64 string, a non-negative decimal number or a byte string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
        Int::from_base64(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Int, E> {
        Ok(Int(BigUint::from_bytes_be(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        Ok(Int(BigUint::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        u64::try_from(v)
            .map(|v| Int(BigUint::from(v)))
            .map_err(|_| E::custom("unexpected negative integer"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Int, E> {
        Err(E::custom("big integer must be a whole number"))
    }

    // Without serde_json's `arbitrary_precision`, JSON numbers beyond u64 are refused as
    // floats above; gabi only ever writes base64 strings, so only small decimals matter.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_matches_gabi() {
        // "Aw" is how the metadata attribute of version 3 starts on the wire.
        let x = Int::from_base64("AwAAAAAA").unwrap();
        assert_eq!(x.to_base64(), "AwAAAAAA");
        let json = serde_json::to_string(&x).unwrap();
        assert_eq!(json, "\"AwAAAAAA\"");
        assert_eq!(serde_json::from_str::<Int>(&json).unwrap(), x);
        // Leading zero bytes are dropped on output.
        assert_eq!(Int::from_base64("AAE=").unwrap().to_base64(), "AQ==");
        assert_eq!(Int::default().to_base64(), "");
    }

    #[test]
    fn accepts_decimal_numbers_and_rejects_junk() {
        assert_eq!(
            serde_json::from_str::<Int>("12").unwrap().0,
            BigUint::from(12u8)
        );
        assert!(serde_json::from_str::<Int>("-1").is_err());
        assert!(serde_json::from_str::<Int>("1.5").is_err());
        assert!(serde_json::from_str::<Int>("\"not base64!\"").is_err());
        assert!(Int::from_decimal("12a").is_err());
        assert!(Int::from_decimal("").is_err());
        assert_eq!(Int::from_decimal("007").unwrap().0, BigUint::from(7u8));
    }

    #[test]
    fn cbor_is_a_byte_string_of_the_magnitude() {
        let mut out = Vec::new();
        ciborium::into_writer(&Int(BigUint::from(0x0102u16)), &mut out).unwrap();
        assert_eq!(out, [0x42, 0x01, 0x02]);
        let back: Int = ciborium::from_reader(&out[..]).unwrap();
        assert_eq!(back.0, BigUint::from(0x0102u16));
        out.clear();
        ciborium::into_writer(&Int::default(), &mut out).unwrap();
        assert_eq!(out, [0x40]);
        // A text string is not a big integer in CBOR.
        assert!(ciborium::from_reader::<Int, _>(&[0x61, 0x41][..]).is_err());
    }
}
