//! Attribute values as the Idemix signature sees them, and the metadata attribute.
//!
//! Every credential signs a list of big integers: index 0 is the holder's secret key,
//! index 1 the 24-byte [`MetadataAttribute`], and index 2.. the attributes in the order of
//! the scheme's credential description. How strings become integers, and how the metadata
//! is laid out, follows irmago `irma/attributes.go` (REFERENCE.md §5.5).

use num_bigint::BigUint;
use num_traits::Zero;
use sha2::{Digest, Sha256};

use crate::protocol::calendar;
use crate::protocol::identifiers::{AttributeTypeId, CredentialTypeId};

/// One epoch of signing dates and validities: a week, aligned to the Unix epoch.
pub const EPOCH_SECONDS: i64 = 60 * 60 * 24 * 7;

/// The metadata version written by current servers: attributes may be absent (null).
pub const METADATA_VERSION: u8 = 0x03;

/// The default validity of an issued credential when the request names none, in months
/// (irmago `irmaserver/helpers.go` `defaultCredentialValidityInMonths`).
pub const DEFAULT_VALIDITY_MONTHS: i64 = 6;

const METADATA_LENGTH: usize = 24;
const BASE62: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Why a metadata attribute cannot be read or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// The integer is longer than the 24 bytes of a metadata attribute.
    #[error("metadata attribute is {len} bytes long, at most 24 expected")]
    TooLong {
        /// The length in bytes of the integer.
        len: usize,
    },
    /// The expiry lies before the (epoch-floored) signing date.
    #[error("credential expiry {expiry} lies before its signing date {signing}")]
    ExpiresBeforeSigning {
        /// Requested expiry (Unix seconds).
        expiry: i64,
        /// Signing date, floored to an epoch (Unix seconds).
        signing: i64,
    },
    /// A date or validity does not fit the two bytes the format gives it.
    #[error("{field} does not fit in the metadata attribute")]
    OutOfRange {
        /// Which field overflowed.
        field: &'static str,
    },
}

/// Encodes an attribute value for metadata version 3: present strings become
/// `(UTF-8 bytes as a big-endian integer) << 1 | 1`, an absent optional attribute is 0.
/// As in the reference, leading NUL characters do not survive the trip through an integer.
pub fn encode_value(value: Option<&str>) -> BigUint {
    match value {
        None => BigUint::zero(),
        Some(s) => (BigUint::from_bytes_be(s.as_bytes()) << 1u8) | BigUint::from(1u8),
    }
}

/// Decodes a disclosed attribute value written under metadata `version`.
///
/// From version 3 on, bit 0 set means present (the rest is the UTF-8 string) and bit 0
/// clear means null. Invalid UTF-8 is replaced by U+FFFD, which is what the reference's
/// JSON output shows for the same bytes.
pub fn decode_value(value: &BigUint, version: u8) -> Option<String> {
    let bytes = if version >= 3 {
        if !value.bit(0) {
            return None;
        }
        magnitude_bytes(&(value >> 1u8))
    } else {
        magnitude_bytes(value)
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Shows a random-blind attribute: base62 (`0-9a-zA-Z`) of its big-endian bytes.
pub fn decode_random_blind(value: &BigUint) -> String {
    if value.is_zero() {
        return String::new();
    }
    value
        .to_radix_be(62)
        .into_iter()
        .map(|digit| char::from(BASE62[usize::from(digit)]))
        .collect()
}

/// Big-endian bytes without leading zeros; empty for zero (Go's `big.Int.Bytes`).
fn magnitude_bytes(value: &BigUint) -> Vec<u8> {
    if value.is_zero() {
        Vec::new()
    } else {
        value.to_bytes_be()
    }
}

/// The first 16 bytes of SHA-256 of a credential type id: how metadata names its type.
pub fn credential_type_hash(id: &CredentialTypeId) -> [u8; 16] {
    let digest = Sha256::digest(id.as_str().as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Floors a Unix time to the start of its epoch (week).
pub fn floor_to_epoch(unix: i64) -> i64 {
    unix.div_euclid(EPOCH_SECONDS) * EPOCH_SECONDS
}

/// The validity the server gives a credential whose request names none: six calendar
/// months after `now` (UTC), before flooring to epochs in [`MetadataAttribute::new`].
pub fn default_validity(now: i64) -> i64 {
    // Overflow would need a date past the year 9999.
    calendar::add_date(now, 0, DEFAULT_VALIDITY_MONTHS, 0).unwrap_or(i64::MAX)
}

/// What the protocol needs to know about a credential type from its scheme: the
/// attribute layout, for verifying disclosures and building credentials to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialTypeInfo {
    /// The credential type.
    pub id: CredentialTypeId,
    /// Its attributes in scheme order: attribute `i` is disclosed at index `i + 2`.
    pub attributes: Vec<AttributeInfo>,
    /// Whether a holder has at most one such credential (`ShouldBeSingleton`).
    pub singleton: bool,
}

impl CredentialTypeInfo {
    /// A type `a.b.c` with attributes `(name, random_blind, optional)` in this order,
    /// then a revocation attribute: the fixture of unit tests.
    #[cfg(test)]
    pub(crate) fn test_fixture(attributes: &[(&str, bool, bool)]) -> Self {
        let id = CredentialTypeId::parse("a.b.c").expect("a valid id");
        let mut list: Vec<AttributeInfo> = attributes
            .iter()
            .map(|&(name, random_blind, optional)| AttributeInfo {
                id: Some(id.attribute(name).expect("a valid attribute name")),
                random_blind,
                optional,
            })
            .collect();
        list.push(AttributeInfo {
            id: None,
            random_blind: false,
            optional: false,
        });
        Self {
            id,
            attributes: list,
            singleton: false,
        }
    }
}

/// One attribute of a credential type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeInfo {
    /// The attribute; `None` for the revocation attribute, which has no id in the scheme
    /// and is never reported as disclosed (an index pointing at it is an error).
    pub id: Option<AttributeTypeId>,
    /// Whether the value is random (chosen jointly at issuance) and shown in base62.
    pub random_blind: bool,
    /// Whether it may be left out at issuance (then it is null).
    pub optional: bool,
}

/// The metadata attribute (index 1 of every credential): 24 bytes, big-endian.
///
/// | offset | length | field |
/// |---|---|---|
/// | 0 | 1 | version |
/// | 1 | 3 | signing date in epochs (only the low 2 bytes are read) |
/// | 4 | 2 | validity in epochs |
/// | 6 | 2 | public key counter |
/// | 8 | 16 | [`credential_type_hash`] |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MetadataAttribute {
    bytes: [u8; METADATA_LENGTH],
}

impl MetadataAttribute {
    /// Builds the metadata of a credential signed at `signing` (floored to an epoch)
    /// that expires at `expiry` (the validity is rounded down to whole epochs).
    pub fn new(
        credential_type: &CredentialTypeId,
        key_counter: u16,
        signing: i64,
        expiry: i64,
    ) -> Result<Self, MetadataError> {
        let signing_epoch = u16::try_from(signing.div_euclid(EPOCH_SECONDS)).map_err(|_| {
            MetadataError::OutOfRange {
                field: "signing date",
            }
        })?;
        let signing_floor = i64::from(signing_epoch) * EPOCH_SECONDS;
        if expiry < signing_floor {
            return Err(MetadataError::ExpiresBeforeSigning {
                expiry,
                signing: signing_floor,
            });
        }
        let weeks = u16::try_from((expiry - signing_floor) / EPOCH_SECONDS)
            .map_err(|_| MetadataError::OutOfRange { field: "validity" })?;
        let mut bytes = [0u8; METADATA_LENGTH];
        bytes[0] = METADATA_VERSION;
        bytes[2..4].copy_from_slice(&signing_epoch.to_be_bytes());
        bytes[4..6].copy_from_slice(&weeks.to_be_bytes());
        bytes[6..8].copy_from_slice(&key_counter.to_be_bytes());
        bytes[8..24].copy_from_slice(&credential_type_hash(credential_type));
        Ok(Self { bytes })
    }

    /// Reads a metadata attribute from its integer (shorter integers are left-padded).
    pub fn from_int(value: &BigUint) -> Result<Self, MetadataError> {
        let raw = magnitude_bytes(value);
        if raw.len() > METADATA_LENGTH {
            return Err(MetadataError::TooLong { len: raw.len() });
        }
        let mut bytes = [0u8; METADATA_LENGTH];
        bytes[METADATA_LENGTH - raw.len()..].copy_from_slice(&raw);
        Ok(Self { bytes })
    }

    /// The attribute as the integer that is signed.
    pub fn to_int(&self) -> BigUint {
        BigUint::from_bytes_be(&self.bytes)
    }

    /// The 24 bytes.
    pub fn as_bytes(&self) -> &[u8; 24] {
        &self.bytes
    }

    /// The metadata version (3 for current credentials).
    pub fn version(&self) -> u8 {
        self.bytes[0]
    }

    /// The signing date (Unix seconds, on an epoch boundary).
    pub fn signing_date(&self) -> i64 {
        i64::from(u16::from_be_bytes([self.bytes[2], self.bytes[3]])) * EPOCH_SECONDS
    }

    /// The validity in epochs (weeks) after the signing date.
    pub fn validity_epochs(&self) -> u16 {
        u16::from_be_bytes([self.bytes[4], self.bytes[5]])
    }

    /// The expiry (Unix seconds): signing date plus validity.
    pub fn expiry(&self) -> i64 {
        self.signing_date() + i64::from(self.validity_epochs()) * EPOCH_SECONDS
    }

    /// The counter of the issuer public key that signed the credential.
    pub fn key_counter(&self) -> u16 {
        u16::from_be_bytes([self.bytes[6], self.bytes[7]])
    }

    /// The credential type, as the first 16 bytes of SHA-256 of its id.
    pub fn credential_type_hash(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out.copy_from_slice(&self.bytes[8..24]);
        out
    }

    /// Whether the credential is still valid at `unix`: its expiry lies strictly after it.
    pub fn is_valid_at(&self, unix: i64) -> bool {
        self.expiry() > unix
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::crypto::bigint::Int;

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors")
    }

    fn read_json(path: &str) -> Value {
        let text = std::fs::read_to_string(vectors().join(path)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// "2026-11-19 00:00:00 +0000 UTC" → Unix seconds (only dates at midnight occur).
    fn go_date(text: &str) -> i64 {
        let date = &text[..10];
        calendar::parse_rfc3339(&format!("{date}T{}Z", &text[11..19])).unwrap()
    }

    #[test]
    fn values_encode_like_the_reference() {
        // "yes" is 0x796573; (0x796573 << 1) | 1 = 15911655 (vectors/credentials/wallet-P.json).
        assert_eq!(encode_value(Some("yes")), BigUint::from(15_911_655u32));
        assert_eq!(encode_value(None), BigUint::zero());
        assert_eq!(encode_value(Some("")), BigUint::from(1u8));
        assert_eq!(
            decode_value(&BigUint::from(15_911_655u32), 3).as_deref(),
            Some("yes")
        );
        assert_eq!(decode_value(&BigUint::from(1u8), 3).as_deref(), Some(""));
        assert_eq!(decode_value(&BigUint::zero(), 3), None);
        // Version 2 has no null and no shift.
        assert_eq!(
            decode_value(&BigUint::from(0x796573u32), 2).as_deref(),
            Some("yes")
        );
        // Invalid UTF-8 does not panic.
        let bad = (BigUint::from(0xffu8) << 1u8) | BigUint::from(1u8);
        assert_eq!(decode_value(&bad, 3).as_deref(), Some("\u{fffd}"));
    }

    #[test]
    fn wallet_attributes_decode_to_recorded_values() {
        let wallet = read_json("credentials/wallet-P.json");
        let creds = wallet["dump"]["credentials"].as_array().unwrap();
        assert!(!creds.is_empty());
        for cred in creds {
            let ints: Vec<BigUint> = cred["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| Int::from_decimal(v.as_str().unwrap()).unwrap().0)
                .collect();
            let meta = MetadataAttribute::from_int(&ints[0]).unwrap();
            assert_eq!(meta.to_int(), ints[0]);
            assert_eq!(meta.signing_date(), cred["signingDate"].as_i64().unwrap());
            assert_eq!(meta.expiry(), cred["expiry"].as_i64().unwrap());
            assert_eq!(
                i64::from(meta.key_counter()),
                cred["publicKeyCounter"].as_i64().unwrap()
            );
            let id = CredentialTypeId::parse(cred["credentialType"].as_str().unwrap()).unwrap();
            assert_eq!(meta.credential_type_hash(), credential_type_hash(&id));
            // Rebuilding from the decoded fields gives the same integer.
            let rebuilt =
                MetadataAttribute::new(&id, meta.key_counter(), meta.signing_date(), meta.expiry())
                    .unwrap();
            assert_eq!(rebuilt, meta);
            for (int, decoded) in ints
                .iter()
                .zip(cred["decodedValues"].as_array().unwrap())
                .skip(1)
            {
                let expected = decoded.as_str();
                assert_eq!(decode_value(int, meta.version()).as_deref(), expected);
                assert_eq!(&encode_value(expected), int);
            }
        }
    }

    #[test]
    fn irma_meta_vectors() {
        let meta_runs = read_json("cli/irma-meta.json");
        let runs = meta_runs["runs"].as_array().unwrap();
        assert!(runs.len() >= 10);
        for run in runs {
            let arg = run["command"][2].as_str().unwrap();
            let int = match run["form"].as_str().unwrap() {
                "decimal" => Int::from_decimal(arg).unwrap(),
                _ => Int::from_base64(arg).unwrap(),
            };
            let meta = MetadataAttribute::from_int(&int).unwrap();
            let stdout = run["stdout"].as_str().unwrap();
            let field = |name: &str| {
                stdout
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix(name)
                            .and_then(|r| r.trim_start().strip_prefix(": "))
                    })
                    .unwrap()
                    .to_owned()
            };
            let id = CredentialTypeId::parse(&field("Identifier")).unwrap();
            assert_eq!(meta.credential_type_hash(), credential_type_hash(&id));
            assert_eq!(meta.signing_date(), go_date(&field("Signed")));
            assert_eq!(meta.expiry(), go_date(&field("Expires")));
            assert_eq!(meta.version().to_string(), field("Version"));
            assert_eq!(meta.key_counter().to_string(), field("KeyCounter"));
            let recorded_at = meta_runs["recorded_at"].as_i64().unwrap();
            assert_eq!(meta.is_valid_at(recorded_at).to_string(), field("IsValid"));
        }
    }

    #[test]
    fn default_validity_matches_the_recorded_issuance() {
        // The reference server filled in validity = now + 6 months; the wallet's credential
        // carries it floored to 26 weeks after the floored signing date.
        let case = read_json("issuance/ageLower.json");
        let now = case["recorded_at"].as_i64().unwrap();
        let validity = default_validity(now);
        assert_eq!(
            case["client_session_request"]["request"]["credentials"][0]["validity"].as_i64(),
            Some(validity)
        );
        let id = CredentialTypeId::parse("irma-demo.MijnOverheid.ageLower").unwrap();
        let meta = MetadataAttribute::new(&id, 2, now, validity).unwrap();
        assert_eq!(meta.signing_date(), 1_795_046_400);
        assert_eq!(meta.expiry(), 1_810_771_200);
        assert_eq!(meta.version(), METADATA_VERSION);
    }

    #[test]
    fn metadata_rejects_bad_input() {
        let id = CredentialTypeId::parse("a.b.c").unwrap();
        assert!(matches!(
            MetadataAttribute::new(&id, 0, EPOCH_SECONDS * 10, EPOCH_SECONDS * 9),
            Err(MetadataError::ExpiresBeforeSigning { .. })
        ));
        assert!(
            MetadataAttribute::new(&id, 0, EPOCH_SECONDS * 70_000, EPOCH_SECONDS * 70_001).is_err()
        );
        assert!(MetadataAttribute::new(&id, 0, 0, EPOCH_SECONDS * 70_000).is_err());
        assert!(MetadataAttribute::from_int(&(BigUint::from(1u8) << 200u8)).is_err());
        let zero = MetadataAttribute::from_int(&BigUint::zero()).unwrap();
        assert_eq!(zero.version(), 0);
        assert_eq!(zero.expiry(), 0);
    }

    #[test]
    fn random_blind_is_base62() {
        assert_eq!(decode_random_blind(&BigUint::zero()), "");
        assert_eq!(decode_random_blind(&BigUint::from(61u8)), "Z");
        assert_eq!(decode_random_blind(&BigUint::from(62u8)), "10");
        assert_eq!(decode_random_blind(&BigUint::from(62u32 * 62 + 10)), "10a");
    }

    proptest! {
        #[test]
        fn values_round_trip(s in ".*") {
            // Leading NUL bytes vanish in the integer, in the reference too.
            prop_assume!(!s.starts_with('\0'));
            prop_assert_eq!(decode_value(&encode_value(Some(&s)), 3), Some(s));
        }

        #[test]
        fn decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40), version in any::<u8>()) {
            let int = BigUint::from_bytes_be(&bytes);
            let _ = decode_value(&int, version);
            let _ = decode_random_blind(&int);
            if let Ok(meta) = MetadataAttribute::from_int(&int) {
                prop_assert_eq!(meta.to_int(), int);
                let _ = (meta.expiry(), meta.signing_date(), meta.is_valid_at(0));
            }
        }
    }
}
