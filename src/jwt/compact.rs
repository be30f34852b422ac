//! The compact JWS form `header.claims.signature`: splitting, decoding, signing, checking.
//!
//! We build header and claims JSON ourselves (the reference's field order, `{"alg","typ"}`)
//! and use `jsonwebtoken` only for the signature primitives, so that every check is ours
//! and the clock is an explicit parameter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Serialize;
use serde_json::{Map, Value};

use super::keys::{SigningKey, VerifyingKey};

/// A token that is not a well-formed JWT.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    /// Not three dot-separated parts.
    #[error("token contains an invalid number of segments")]
    Segments,
    /// A part is not base64url.
    #[error("the {part} is not base64url")]
    Base64 {
        /// `header`, `claims` or `signature`.
        part: &'static str,
    },
    /// The header or claims part is not a JSON object.
    #[error("the {part} is not a JSON object")]
    Json {
        /// `header` or `claims`.
        part: &'static str,
    },
    /// The header has no string `alg`.
    #[error("the header has no alg")]
    NoAlgorithm,
    /// A registered claim has the wrong JSON type.
    #[error("claim {claim} must be {expected}")]
    ClaimType {
        /// The claim name.
        claim: &'static str,
        /// `a string` or `an integer`.
        expected: &'static str,
    },
}

/// A JWT split and decoded, signature not yet checked.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// `base64(header) "." base64(claims)`: the signed bytes.
    pub signing_input: &'a str,
    /// The signature part, base64url.
    pub signature: &'a str,
    /// The header object.
    pub header: Map<String, Value>,
    /// The claims object.
    pub claims: Map<String, Value>,
}

/// Base64url as Go's `jwt.DecodeSegment`: padding optional.
fn decode_segment(s: &str) -> Option<Vec<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
        .decode(s)
        .ok()
}

fn decode_object(s: &str, part: &'static str) -> Result<Map<String, Value>, FormatError> {
    let bytes = decode_segment(s).ok_or(FormatError::Base64 { part })?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(FormatError::Json { part }),
    }
}

impl<'a> Decoded<'a> {
    /// Splits and decodes a token. Surrounding whitespace must already be trimmed.
    pub fn parse(token: &'a str) -> Result<Self, FormatError> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(FormatError::Segments);
        };
        let header = decode_object(h, "header")?;
        let claims = decode_object(c, "claims")?;
        Ok(Self {
            signing_input: &token[..h.len() + 1 + c.len()],
            signature: s,
            header,
            claims,
        })
    }

    /// The header's `alg`.
    pub fn algorithm(&self) -> Result<&str, FormatError> {
        self.header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(FormatError::NoAlgorithm)
    }

    /// A string claim: `None` when absent or null.
    pub fn string_claim(&self, claim: &'static str) -> Result<Option<&str>, FormatError> {
        match self.claims.get(claim) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(FormatError::ClaimType {
                claim,
                expected: "a string",
            }),
        }
    }

    /// An integer (NumericDate) claim: `None` when absent or null.
    pub fn time_claim(&self, claim: &'static str) -> Result<Option<i64>, FormatError> {
        match self.claims.get(claim) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(FormatError::ClaimType {
                claim,
                expected: "an integer",
            }),
            Some(_) => Err(FormatError::ClaimType {
                claim,
                expected: "an integer",
            }),
        }
    }

    /// Checks the signature with `key`; `false` when it does not match. The caller has
    /// already checked that the header's `alg` is the key's algorithm.
    pub fn signature_matches(&self, key: &VerifyingKey) -> bool {
        jsonwebtoken::crypto::verify(
            self.signature,
            self.signing_input.as_bytes(),
            key.decoding_key(),
            key.algorithm(),
        )
        .unwrap_or(false)
    }
}

/// A token could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("signing the jwt failed: {reason}")]
pub struct SignError {
    reason: String,
}

/// The header the reference writes: `{"alg":"…","typ":"JWT"}`, or with a key id
/// `{"alg":"…","kid":"…","typ":"JWT"}` (Go marshals the header map in key order).
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    typ: &'static str,
}

/// Signs `claims` (serialized in their own field order) with `key`.
pub fn sign<T: Serialize>(claims: &T, key: &SigningKey) -> Result<String, SignError> {
    sign_with(key.alg_name(), None, claims, |message| key.sign(message))
}

/// Signs `claims` under the header `{"alg": alg, "kid"?: kid, "typ": "JWT"}`; `signer` returns
/// the base64url signature over the signing input.
pub(super) fn sign_with<T: Serialize>(
    alg: &'static str,
    kid: Option<&str>,
    claims: &T,
    signer: impl FnOnce(&[u8]) -> Result<String, String>,
) -> Result<String, SignError> {
    let header = Header {
        alg,
        kid,
        typ: "JWT",
    };
    let mut token = URL_SAFE_NO_PAD.encode(to_json(&header)?);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(to_json(claims)?));
    let signature = signer(token.as_bytes()).map_err(|reason| SignError { reason })?;
    token.push('.');
    token.push_str(&signature);
    Ok(token)
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, SignError> {
    serde_json::to_vec(value).map_err(|e| SignError {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_are_format_errors() {
        assert_eq!(Decoded::parse("a.b").unwrap_err(), FormatError::Segments);
        assert_eq!(
            Decoded::parse("a.b.c.d").unwrap_err(),
            FormatError::Segments
        );
        assert_eq!(
            Decoded::parse("!!.e30.").unwrap_err(),
            FormatError::Base64 { part: "header" }
        );
        // "W10" is `[]`: JSON, but not an object.
        assert_eq!(
            Decoded::parse("e30.W10.").unwrap_err(),
            FormatError::Json { part: "claims" }
        );
        let d = Decoded::parse("e30.eyJpYXQiOiJ4In0.").unwrap();
        assert_eq!(d.algorithm().unwrap_err(), FormatError::NoAlgorithm);
        assert!(d.time_claim("iat").is_err());
    }
}
