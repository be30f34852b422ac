//! Messages signed with an issuer's ECDSA revocation key (gabi `signed` package).
//!
//! A [`SignedMessage`] is the CBOR map `{"Msg": bstr, "Sig": bstr}` where `Msg` is the CBOR
//! encoding of the payload and `Sig` the DER `SEQUENCE { r, s }` of an ECDSA P-256 signature
//! over `SHA-256(Msg)` (gabi `signed.MarshalSign` / `UnmarshalVerify`). The signature covers the
//! payload bytes as received, so the payload's encoding need not be canonical.

use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::encoding::{self, CborError};
use crate::crypto::idemix::{PrivateKey, PublicKey};

/// Why a signed message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    /// The envelope or the payload is not the expected CBOR.
    #[error(transparent)]
    Cbor(#[from] CborError),
    /// The signature does not verify.
    #[error("ecdsa signature was invalid")]
    InvalidSignature,
    /// The issuer key has no (valid) ECDSA revocation key.
    #[error("issuer key has no ECDSA revocation key")]
    NoKey,
}

/// A signed message's bytes, as stored and sent (JSON: base64; CBOR: byte string).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SignedMessage(Vec<u8>);

/// The envelope inside a [`SignedMessage`].
#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "Msg", with = "plain_bytes")]
    msg: Vec<u8>,
    #[serde(rename = "Sig", with = "plain_bytes")]
    sig: Vec<u8>,
}

impl SignedMessage {
    /// Wraps received bytes (checked only when verified).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Encodes `payload` as CBOR and signs it with `key`.
    pub fn sign<T: Serialize>(key: &SigningKey, payload: &T) -> Self {
        let msg = encoding::to_cbor(payload);
        let sig: DerSignature = key.sign(&msg);
        Self(encoding::to_cbor(&Envelope {
            msg,
            sig: sig.as_bytes().to_vec(),
        }))
    }

    /// Verifies the signature with `key` and decodes the payload.
    pub fn verify<T: DeserializeOwned>(&self, key: &VerifyingKey) -> Result<T, SignedError> {
        let envelope: Envelope = encoding::from_cbor(&self.0)?;
        let sig =
            DerSignature::from_bytes(&envelope.sig).map_err(|_| SignedError::InvalidSignature)?;
        key.verify(&envelope.msg, &sig)
            .map_err(|_| SignedError::InvalidSignature)?;
        Ok(encoding::from_cbor(&envelope.msg)?)
    }

    /// The payload bytes without verifying the signature (for inspection only).
    pub fn dangerous_payload_bytes(&self) -> Result<Vec<u8>, SignedError> {
        let envelope: Envelope = encoding::from_cbor(&self.0)?;
        Ok(envelope.msg)
    }
}

impl std::fmt::Debug for SignedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignedMessage({} bytes)", self.0.len())
    }
}

impl Serialize for SignedMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encoding::serialize(&self.0, &STANDARD, s)
    }
}

impl<'de> Deserialize<'de> for SignedMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        encoding::deserialize(d, &STANDARD).map(Self)
    }
}

/// The issuer's ECDSA revocation key for verifying (PKIX DER in the public key file).
pub fn verifying_key(pk: &PublicKey) -> Result<VerifyingKey, SignedError> {
    let der = pk.ecdsa_der().ok_or(SignedError::NoKey)?;
    VerifyingKey::from_public_key_der(der).map_err(|_| SignedError::NoKey)
}

/// The issuer's ECDSA revocation key for signing (SEC1 DER in the private key file).
pub fn signing_key(sk: &PrivateKey) -> Result<SigningKey, SignedError> {
    let der = sk.ecdsa_der().ok_or(SignedError::NoKey)?;
    let secret = p256::SecretKey::from_sec1_der(der).map_err(|_| SignedError::NoKey)?;
    Ok(SigningKey::from(secret))
}

/// `Vec<u8>` fields that are byte strings in CBOR and base64 in JSON.
mod plain_bytes {
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        super::encoding::serialize(bytes, &STANDARD, s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        super::encoding::deserialize(d, &STANDARD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    #[test]
    fn signs_and_verifies_like_gabi() {
        let key = key();
        let message = SignedMessage::sign(&key, &("payload", 42u64));
        // The envelope is the CBOR map {"Msg": bstr, "Sig": bstr}.
        assert_eq!(&message.as_bytes()[..5], [0xa2, 0x63, b'M', b's', b'g']);
        let (text, n): (String, u64) = message.verify(key.verifying_key()).unwrap();
        assert_eq!((text.as_str(), n), ("payload", 42));
        assert_eq!(
            message.dangerous_payload_bytes().unwrap(),
            encoding::to_cbor(&("payload", 42u64))
        );
        // JSON: standard base64 of the bytes.
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(
            serde_json::from_value::<SignedMessage>(json).unwrap(),
            message
        );
    }

    #[test]
    fn refuses_other_keys_and_changed_bytes() {
        let message = SignedMessage::sign(&key(), &"payload");
        let other = SigningKey::from_slice(&[8u8; 32]).unwrap();
        assert_eq!(
            message.verify::<String>(other.verifying_key()),
            Err(SignedError::InvalidSignature)
        );
        for i in 0..message.as_bytes().len() {
            let mut bytes = message.as_bytes().to_vec();
            bytes[i] ^= 0x10;
            assert!(
                SignedMessage::from_bytes(bytes)
                    .verify::<String>(key().verifying_key())
                    .is_err(),
                "byte {i}"
            );
        }
        let mut trailing = message.as_bytes().to_vec();
        trailing.push(0);
        assert!(matches!(
            SignedMessage::from_bytes(trailing).verify::<String>(key().verifying_key()),
            Err(SignedError::Cbor(_))
        ));
    }
}
