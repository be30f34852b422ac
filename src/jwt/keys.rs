//! Keys for IRMA JWTs: HMAC secrets (HS256) and RSA key pairs (RS256).
//!
//! The reference accepts an HMAC key in any of four base64 dialects (standard or URL-safe
//! alphabet, with or without padding; irmago `internal/common/common.go` `Base64Decode`) and
//! RSA keys as PEM, PKCS#1 or PKCS#8 (`jwt.ParseRSAPrivateKeyFromPEM`,
//! `jwt.ParseRSAPublicKeyFromPEM`). The server's public key is published as a PKIX
//! `PUBLIC KEY` PEM (`GET /publickey`, `requestorserver/server.go` `handlePublicKey`).

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::KeyPair;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use zeroize::Zeroizing;

/// A key that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JwtKeyError {
    /// The key text is empty.
    #[error("empty key provided")]
    Empty,
    /// An HMAC key that is not base64 in any of the accepted dialects.
    #[error("hmac key is not base64 (standard or url-safe alphabet, padded or not)")]
    Base64,
    /// Not a PEM RSA private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    #[error("not an RSA private key in PEM (PKCS#1 or PKCS#8): {reason}")]
    RsaPrivate {
        /// What the parser said.
        reason: String,
    },
    /// Not a PEM RSA public key (PKIX `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).
    #[error("not an RSA public key in PEM (PKIX or PKCS#1): {reason}")]
    RsaPublic {
        /// What the parser said.
        reason: String,
    },
}

/// Decodes base64 the way the reference does for HMAC keys: standard or URL-safe alphabet,
/// with or without padding, line breaks ignored, non-zero trailing bits tolerated (Go's
/// decoders are not strict).
fn decode_base64_any(text: &[u8]) -> Result<Zeroizing<Vec<u8>>, JwtKeyError> {
    let cleaned: Zeroizing<Vec<u8>> = Zeroizing::new(
        text.iter()
            .copied()
            .filter(|b| *b != b'\n' && *b != b'\r')
            .collect(),
    );
    if cleaned.is_empty() {
        return Err(JwtKeyError::Empty);
    }
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    [alphabet::STANDARD, alphabet::URL_SAFE]
        .iter()
        .find_map(|a| GeneralPurpose::new(a, config).decode(&*cleaned).ok())
        .map(Zeroizing::new)
        .ok_or(JwtKeyError::Base64)
}

/// An HMAC-SHA256 secret (HS256). Zeroized on drop; `Debug` hides it.
#[derive(Clone)]
pub struct HmacKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl HmacKey {
    /// The key from its base64 text (any of the four dialects the reference accepts).
    pub fn from_base64(text: &[u8]) -> Result<Self, JwtKeyError> {
        let bytes = decode_base64_any(text)?;
        Self::from_bytes(&bytes)
    }

    /// The key from raw secret bytes.
    pub fn from_bytes(secret: &[u8]) -> Result<Self, JwtKeyError> {
        if secret.is_empty() {
            return Err(JwtKeyError::Empty);
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

/// An RSA public key (RS256 verification).
#[derive(Clone)]
pub struct RsaPublicKey {
    decoding: DecodingKey,
    /// SubjectPublicKeyInfo DER, for [`RsaPublicKey::to_pem`].
    spki_der: Vec<u8>,
}

impl RsaPublicKey {
    /// Parses a PEM public key: PKIX `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, JwtKeyError> {
        let reason = |e: &dyn fmt::Display| JwtKeyError::RsaPublic {
            reason: e.to_string(),
        };
        let decoding = DecodingKey::from_rsa_pem(pem).map_err(|e| reason(&e))?;
        let der = decoding.try_get_as_bytes().map_err(|e| reason(&e))?;
        Self::from_der(der)
    }

    /// Parses DER: PKCS#1 `RSAPublicKey` or SubjectPublicKeyInfo.
    fn from_der(der: &[u8]) -> Result<Self, JwtKeyError> {
        let reason = |e: &dyn fmt::Display| JwtKeyError::RsaPublic {
            reason: e.to_string(),
        };
        let key = aws_lc_rs::rsa::PublicKey::from_der(der).map_err(|e| reason(&e))?;
        let spki = key.as_der().map_err(|e| reason(&e))?;
        // jsonwebtoken verifies with the PKCS#1 form it extracted; aws-lc accepts both forms.
        Ok(Self {
            decoding: DecodingKey::from_rsa_der(key.as_ref()),
            spki_der: spki.as_ref().to_vec(),
        })
    }

    /// The key as PKIX `PUBLIC KEY` PEM with 64-column lines, byte for byte what the reference's
    /// `GET /publickey` returns.
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.spki_der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            // base64 output is ASCII, so every chunk is valid UTF-8.
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey").finish_non_exhaustive()
    }
}

/// An RSA private key (RS256 signing) with its public half; `Debug` hides it.
///
/// Kept parsed: `jsonwebtoken`'s RS256 signer parses and checks the key on every signature,
/// which costs about three times the signature itself (`benches/jwt.rs`). aws-lc clears the
/// private components when the key is freed.
#[derive(Clone)]
pub struct RsaPrivateKey {
    pair: aws_lc_rs::rsa::KeyPair,
    public: RsaPublicKey,
}

impl RsaPrivateKey {
    /// Parses a PEM private key: PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`.
    pub fn from_pem(pem: &[u8]) -> Result<Self, JwtKeyError> {
        let reason = |e: &dyn fmt::Display| JwtKeyError::RsaPrivate {
            reason: e.to_string(),
        };
        let encoding = EncodingKey::from_rsa_pem(pem).map_err(|e| reason(&e))?;
        // `from_rsa_pem` unwraps PKCS#8 and leaves the PKCS#1 RSAPrivateKey DER.
        let pair =
            aws_lc_rs::rsa::KeyPair::from_der(encoding.as_bytes()).map_err(|e| reason(&e))?;
        let public = RsaPublicKey::from_der(pair.public_key().as_ref()).map_err(|e| reason(&e))?;
        Ok(Self { pair, public })
    }

    /// The public half.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateKey([redacted])")
    }
}

/// A key to sign a JWT with; it fixes the algorithm.
#[derive(Debug, Clone)]
pub enum SigningKey {
    /// HS256.
    Hmac(HmacKey),
    /// RS256.
    Rsa(RsaPrivateKey),
}

impl SigningKey {
    /// The header's `alg` name: `HS256` or `RS256`.
    pub fn alg_name(&self) -> &'static str {
        match self {
            Self::Hmac(_) => "HS256",
            Self::Rsa(_) => "RS256",
        }
    }

    /// The signature over `message`, base64url without padding.
    pub(super) fn sign(&self, message: &[u8]) -> Result<String, String> {
        match self {
            Self::Hmac(k) => jsonwebtoken::crypto::sign(message, &k.encoding, Algorithm::HS256)
                .map_err(|e| e.to_string()),
            Self::Rsa(k) => {
                let mut signature = vec![0; k.pair.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                k.pair
                    .sign(
                        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                        &rng,
                        message,
                        &mut signature,
                    )
                    .map_err(|e| e.to_string())?;
                Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature))
            }
        }
    }
}

/// A key to verify a JWT with; it fixes the only algorithm accepted.
#[derive(Debug, Clone)]
pub enum VerifyingKey {
    /// HS256 only.
    Hmac(HmacKey),
    /// RS256 only.
    Rsa(RsaPublicKey),
}

impl VerifyingKey {
    /// The one JWT `alg` this key accepts.
    pub(super) fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hmac(_) => Algorithm::HS256,
            Self::Rsa(_) => Algorithm::RS256,
        }
    }

    /// The header's `alg` name: `HS256` or `RS256`.
    pub fn alg_name(&self) -> &'static str {
        match self {
            Self::Hmac(_) => "HS256",
            Self::Rsa(_) => "RS256",
        }
    }

    pub(super) fn decoding_key(&self) -> &DecodingKey {
        match self {
            Self::Hmac(k) => &k.decoding,
            Self::Rsa(k) => &k.decoding,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_dialects_all_decode_to_the_same_bytes() {
        let bytes: Vec<u8> = (0u8..=255).step_by(7).collect();
        let texts = [
            base64::engine::general_purpose::STANDARD.encode(&bytes),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes),
            base64::engine::general_purpose::URL_SAFE.encode(&bytes),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes),
            format!(
                "{}\n",
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            ),
        ];
        for t in texts {
            assert_eq!(*decode_base64_any(t.as_bytes()).unwrap(), bytes, "{t}");
        }
        assert!(matches!(
            decode_base64_any(b"not base64!"),
            Err(JwtKeyError::Base64)
        ));
        assert!(matches!(decode_base64_any(b"\n"), Err(JwtKeyError::Empty)));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let k = HmacKey::from_bytes(b"supersecret").unwrap();
        assert!(!format!("{k:?}").contains("supersecret"));
        assert!(!format!("{:?}", SigningKey::Hmac(k)).contains("115"));
    }

    fn vector_key(name: &str) -> String {
        let path = format!(
            "{}/tests/data/vectors/jwt/server-config-and-keys.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["keys"][name].as_str().unwrap().to_owned()
    }

    /// Re-wraps the DER inside a PKCS#8 / PKIX PEM (2048-bit RSA: fixed-size headers) as
    /// the PKCS#1 PEM `label`.
    fn pkcs1_pem(pem: &str, header_len: usize, label: &str) -> String {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let inner = base64::engine::general_purpose::STANDARD.encode(&der[header_len..]);
        format!("-----BEGIN {label}-----\n{inner}\n-----END {label}-----\n")
    }

    #[test]
    fn pkcs1_and_pkcs8_keys_are_the_same_key() {
        let pkcs8 = vector_key("requestor_rsa_private_pem");
        let pkix = vector_key("requestor_rsa_public_pem");
        let from8 = RsaPrivateKey::from_pem(pkcs8.as_bytes()).unwrap();
        assert_eq!(from8.public_key().to_pem(), pkix);
        let pkcs1 = pkcs1_pem(&pkcs8, 26, "RSA PRIVATE KEY");
        let from1 = RsaPrivateKey::from_pem(pkcs1.as_bytes()).unwrap();
        assert_eq!(from1.public_key().to_pem(), pkix);
        let public1 = pkcs1_pem(&pkix, 24, "RSA PUBLIC KEY");
        assert_eq!(
            RsaPublicKey::from_pem(public1.as_bytes()).unwrap().to_pem(),
            pkix
        );
        // A public key is not a private key, and the reverse.
        assert!(RsaPrivateKey::from_pem(pkix.as_bytes()).is_err());
        assert!(RsaPublicKey::from_pem(pkcs8.as_bytes()).is_err());
    }

    #[test]
    fn bad_pem_is_an_error_not_a_panic() {
        assert!(
            RsaPrivateKey::from_pem(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .is_err()
        );
        assert!(RsaPublicKey::from_pem(b"garbage").is_err());
        assert!(RsaPublicKey::from_pem(b"").is_err());
    }
}
