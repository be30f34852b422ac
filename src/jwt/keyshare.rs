//! Keyshare server JWTs (RS256, e.g. the `ProofP` of an issuance): the header's `kid` picks
//! the scheme's `kss-N.pem` (decimal, default 0). See irmago `irma/keyshare.go`.

use serde_json::{Map, Value};

use super::compact::{Decoded, FormatError};
use super::keys::{KeyError, RsaPublicKey, VerifyingKey};

/// A keyshare JWT was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyshareJwtError {
    /// The token is not a JWT.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The `kid` header is not a decimal key counter.
    #[error("the kid header is not a key counter")]
    KeyId,
    /// The scheme has no keyshare key with this counter.
    #[error("unknown keyshare server key {0}")]
    UnknownKey(u32),
    /// The keyshare key does not parse.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The algorithm is not RS256.
    #[error("keyshare jwt algorithm {0} is not RS256")]
    Algorithm(String),
    /// The signature does not match.
    #[error("keyshare jwt signature invalid")]
    Signature,
    /// The `sub` claim is not the expected one.
    #[error("keyshare jwt subject is not {expected}")]
    Subject {
        /// The expected subject.
        expected: &'static str,
    },
}

/// Checks a keyshare server JWT whose key `key_pem(kid)` returns (PEM), and that its `sub` is
/// `subject`; returns its claims.
pub fn verify_keyshare_jwt<'k>(
    token: &str,
    subject: &'static str,
    key_pem: impl FnOnce(u32) -> Option<&'k [u8]>,
) -> Result<Map<String, Value>, KeyshareJwtError> {
    let decoded = Decoded::parse(token.trim())?;
    let kid = match decoded.header.get("kid") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) => s.parse().map_err(|_| KeyshareJwtError::KeyId)?,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(KeyshareJwtError::KeyId)?,
        Some(_) => return Err(KeyshareJwtError::KeyId),
    };
    let pem = key_pem(kid).ok_or(KeyshareJwtError::UnknownKey(kid))?;
    let key = VerifyingKey::Rsa(RsaPublicKey::from_pem(pem)?);
    let alg = decoded.algorithm()?;
    if alg != "RS256" {
        return Err(KeyshareJwtError::Algorithm(alg.to_owned()));
    }
    if !decoded.signature_matches(&key) {
        return Err(KeyshareJwtError::Signature);
    }
    if decoded.string_claim("sub")? != Some(subject) {
        return Err(KeyshareJwtError::Subject { expected: subject });
    }
    Ok(decoded.claims)
}
