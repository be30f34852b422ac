//! Scheme signing keys: ECDSA P-256 with SHA-256, as irmago's `gabi/signed` package uses.
//!
//! The private key is a SEC1 PEM (`EC PRIVATE KEY`, `sk.pem`), the public key a PKIX PEM
//! (`PUBLIC KEY`, `pk.pem`), and `index.sig` a DER `SEQUENCE { r, s }` over the SHA-256 of
//! the index. Passphrase-protected private keys (irmago's `ENCRYPTED IRMA SCHEME PRIVATE
//! KEY`) are read and written by [`super::encrypted_key`].

use std::fmt;

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};

/// Why a scheme key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum SchemeKeyError {
    /// The private key is passphrase-protected: read it with a passphrase.
    #[error("the scheme key is passphrase-protected; a passphrase is needed to read it")]
    Encrypted,
    /// The passphrase is wrong or unusable.
    #[error("{0}")]
    Passphrase(String),
    /// The private key PEM is not a SEC1 P-256 key.
    #[error("not a SEC1 PEM P-256 private key (\"EC PRIVATE KEY\"): {0}")]
    PrivateKey(String),
    /// The public key PEM is not a PKIX P-256 key.
    #[error("not a PKIX PEM P-256 public key (\"PUBLIC KEY\"): {0}")]
    PublicKey(String),
    /// The operating system's random generator failed.
    #[error("random generator failed: {0}")]
    Random(String),
    /// Encoding a key failed.
    #[error("encoding key failed: {0}")]
    Encode(String),
}

/// A scheme's private signing key. Zeroized on drop; `Debug` does not show it.
pub struct SchemeSigningKey(SigningKey);

/// A scheme's public key, as in `pk.pem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemePublicKey(VerifyingKey);

impl SchemeSigningKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self, SchemeKeyError> {
        // Retry on the (negligible) chance the 32 random bytes are zero or ≥ the group order.
        loop {
            let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(&mut bytes[..]).map_err(|e| SchemeKeyError::Random(e.to_string()))?;
            if let Ok(key) = SigningKey::from_slice(&bytes[..]) {
                return Ok(Self(key));
            }
        }
    }

    /// The key with secret scalar `bytes` (big-endian).
    pub(crate) fn from_scalar_bytes(bytes: &[u8; 32]) -> Result<Self, SchemeKeyError> {
        SigningKey::from_slice(bytes).map(Self).map_err(|_| {
            SchemeKeyError::PrivateKey("the private scalar is out of range".to_owned())
        })
    }

    /// The secret scalar, big-endian.
    pub(crate) fn scalar_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_bytes().into())
    }

    /// Parses `sk.pem` (SEC1 `EC PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, SchemeKeyError> {
        if pem.contains("ENCRYPTED") {
            return Err(SchemeKeyError::Encrypted);
        }
        let secret = p256::SecretKey::from_sec1_pem(pem.trim())
            .map_err(|e| SchemeKeyError::PrivateKey(e.to_string()))?;
        Ok(Self(SigningKey::from(secret)))
    }

    /// `sk.pem` contents: SEC1 `EC PRIVATE KEY` PEM with LF line endings.
    pub fn to_pem(&self) -> Result<zeroize::Zeroizing<String>, SchemeKeyError> {
        p256::SecretKey::from(&self.0)
            .to_sec1_pem(LineEnding::LF)
            .map_err(|e| SchemeKeyError::Encode(e.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> SchemePublicKey {
        SchemePublicKey(*self.0.verifying_key())
    }

    /// Signs `message` (the index bytes): DER ECDSA over its SHA-256.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: DerSignature = self.0.sign(message);
        sig.as_bytes().to_vec()
    }
}

impl fmt::Debug for SchemeSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemeSigningKey")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl SchemePublicKey {
    /// Parses `pk.pem` (PKIX `PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, SchemeKeyError> {
        VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|e| SchemeKeyError::PublicKey(e.to_string()))
    }

    /// `pk.pem` contents: PKIX `PUBLIC KEY` PEM with LF line endings, as irmago writes it.
    pub fn to_pem(&self) -> Result<String, SchemeKeyError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| SchemeKeyError::Encode(e.to_string()))
    }

    /// The uncompressed SEC1 point (`04 || x || y`), as OpenSSH key files hold it.
    pub(crate) fn to_sec1_uncompressed(&self) -> Vec<u8> {
        self.0.to_sec1_point(false).as_bytes().to_vec()
    }

    /// Whether `signature` (DER) is a valid signature over `message` by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match DerSignature::from_bytes(signature) {
            Ok(sig) => self.0.verify(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_pem_round_trip() {
        let sk = SchemeSigningKey::generate().unwrap();
        let pk = sk.public_key();
        let sig = sk.sign(b"index bytes");
        assert!(pk.verify(b"index bytes", &sig));
        assert!(!pk.verify(b"index byteS", &sig));
        let sk2 = SchemeSigningKey::from_pem(&sk.to_pem().unwrap()).unwrap();
        assert_eq!(sk2.public_key(), pk);
        let pem = pk.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(SchemePublicKey::from_pem(&pem).unwrap(), pk);
        assert!(!format!("{sk:?}").contains(&sk.to_pem().unwrap()[30..60]));
    }

    #[test]
    fn rejects_garbage_and_encrypted_keys() {
        assert!(matches!(
            SchemeSigningKey::from_pem("-----BEGIN ENCRYPTED IRMA SCHEME PRIVATE KEY-----"),
            Err(SchemeKeyError::Encrypted)
        ));
        assert!(SchemeSigningKey::from_pem("nonsense").is_err());
        assert!(SchemePublicKey::from_pem("nonsense").is_err());
        let pk = SchemeSigningKey::generate().unwrap().public_key();
        assert!(!pk.verify(b"x", b"\x30\x00"));
    }
}
