//! Keyshare JWTs (irmago `internal/keysharecore/operations.go`, `irmaclient/keyshare.go`):
//!
//! - the keyshare server's RS256 JWTs, the `ProofP` of a keyshare response and the
//!   `auth_tok` access token, whose header's `kid` names the key: the scheme's `kss-N.pem`
//!   (decimal `N`, default 0) for whoever checks them ([`verify_keyshare_jwt`]), the server's
//!   private key for the server ([`KeyshareSigner`]);
//! - the app's ES256 JWTs (enrollment, PIN challenge and response), signed with the app's
//!   P-256 key ([`sign_es256`], [`verify_es256`]).
//!
//! Where times are checked, it is as every other JWT here ([`TimeCheck::at`], with its small
//! leeway; the reference has none, which fails issuance whenever the keyshare server's clock
//! runs a second ahead of the issuer's).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::compact::{Decoded, FormatError, SignError, sign_with};
use super::keys::{JwtKeyError, RsaPrivateKey, RsaPublicKey, SigningKey, VerifyingKey};
use super::verify::{Jwt, JwtError, TimeCheck, check_times};

/// The `sub` of a keyshare response JWT.
pub const PROOF_P_SUBJECT: &str = "ProofP";
/// The `sub` of a keyshare access token.
pub const AUTH_TOKEN_SUBJECT: &str = "auth_tok";

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
    Key(#[from] JwtKeyError),
    /// Algorithm, signature or times are wrong.
    #[error(transparent)]
    Verify(#[from] JwtError),
    /// The `sub` claim is not the expected one.
    #[error("keyshare jwt subject is not {expected}")]
    Subject {
        /// The expected subject.
        expected: &'static str,
    },
    /// A claim the token must have is absent or malformed.
    #[error("keyshare jwt claim {0} is missing or malformed")]
    Claim(&'static str),
}

/// The key counter a keyshare server JWT names in its `kid` header (absent: 0).
pub fn key_id(header: &Map<String, Value>) -> Result<u32, KeyshareJwtError> {
    Ok(match header.get("kid") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) => s.parse().map_err(|_| KeyshareJwtError::KeyId)?,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(KeyshareJwtError::KeyId)?,
        Some(_) => return Err(KeyshareJwtError::KeyId),
    })
}

/// Checks a keyshare server JWT (RS256) with the key `key_pem(kid)` returns (PEM), and that
/// its `sub` is `subject`; returns its claims. Its times are checked at `now` when given (an
/// issuer does; the app does not, as irmaclient: a phone's clock must not fail a session).
pub fn verify_keyshare_jwt<'k>(
    token: &str,
    subject: &'static str,
    now: Option<i64>,
    key_pem: impl FnOnce(u32) -> Option<&'k [u8]>,
) -> Result<Map<String, Value>, KeyshareJwtError> {
    let decoded = Decoded::parse(token.trim())?;
    let kid = key_id(&decoded.header)?;
    let pem = key_pem(kid).ok_or(KeyshareJwtError::UnknownKey(kid))?;
    let key = VerifyingKey::Rsa(RsaPublicKey::from_pem(pem)?);
    let alg = decoded.algorithm()?;
    if alg != key.alg_name() {
        return Err(JwtError::Algorithm {
            found: alg.to_owned(),
            expected: key.alg_name(),
        }
        .into());
    }
    if !decoded.signature_matches(&key) {
        return Err(JwtError::Signature.into());
    }
    if let Some(now) = now {
        check_times(&decoded, &TimeCheck::at(now))?;
    }
    if decoded.claims.get("sub").and_then(Value::as_str) != Some(subject) {
        return Err(KeyshareJwtError::Subject { expected: subject });
    }
    Ok(decoded.claims)
}

/// The claims of a keyshare response JWT, in the reference's order.
#[derive(Serialize)]
struct ProofPClaims<'a, T> {
    #[serde(rename = "ProofP")]
    proof_p: &'a T,
    iat: i64,
    iss: &'a str,
    sub: &'static str,
}

/// The claims of a keyshare access token, in the reference's order.
#[derive(Serialize, Deserialize)]
struct AuthClaims {
    exp: i64,
    iat: i64,
    iss: String,
    sub: String,
    token_id: String,
}

/// The keyshare server's JWT signer: its RSA key, the key's counter (the `kid`, which the
/// scheme publishes as `kss-<kid>.pem`) and its `iss` (the reference's `keyshare_server`).
#[derive(Debug, Clone)]
pub struct KeyshareSigner {
    key: SigningKey,
    public: VerifyingKey,
    kid: String,
    issuer: String,
}

impl KeyshareSigner {
    /// A signer with `key`, published as `kss-<key_id>.pem`.
    pub fn new(key: RsaPrivateKey, key_id: u32, issuer: impl Into<String>) -> Self {
        Self {
            public: VerifyingKey::Rsa(key.public_key().clone()),
            key: SigningKey::Rsa(key),
            kid: key_id.to_string(),
            issuer: issuer.into(),
        }
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SignError> {
        sign_with(self.key.alg_name(), Some(&self.kid), claims, |message| {
            self.key.sign(message)
        })
    }

    /// A keyshare response JWT (`sub` `ProofP`) issued at `now`.
    pub fn proof_p<T: Serialize>(&self, proof_p: &T, now: i64) -> Result<String, SignError> {
        self.sign(&ProofPClaims {
            proof_p,
            iat: now,
            iss: &self.issuer,
            sub: PROOF_P_SUBJECT,
        })
    }

    /// An access token (`sub` `auth_tok`) for the user whose current token id is `token_id`,
    /// valid `lifetime` seconds from `now`.
    pub fn auth_token(&self, token_id: &str, now: i64, lifetime: i64) -> Result<String, SignError> {
        self.sign(&AuthClaims {
            exp: now.saturating_add(lifetime),
            iat: now,
            iss: self.issuer.clone(),
            sub: AUTH_TOKEN_SUBJECT.to_owned(),
            token_id: token_id.to_owned(),
        })
    }

    /// Checks an access token of this signer at `now` (signature, `exp`, `sub`); returns its
    /// `token_id`.
    pub fn check_auth_token(&self, token: &str, now: i64) -> Result<String, KeyshareJwtError> {
        let jwt = Jwt::decode(token)?;
        let verified = jwt.verify(&self.public, &TimeCheck::at(now))?;
        let claims: AuthClaims = serde_json::from_value(Value::Object(verified.claims))
            .map_err(|_| KeyshareJwtError::Claim("token_id"))?;
        if claims.sub != AUTH_TOKEN_SUBJECT {
            return Err(KeyshareJwtError::Subject {
                expected: AUTH_TOKEN_SUBJECT,
            });
        }
        Ok(claims.token_id)
    }
}

/// Signs `claims` as an ES256 JWT with the app's P-256 key (header `{"alg":"ES256","typ":"JWT"}`,
/// signature `r || s`).
pub fn sign_es256<T: Serialize>(
    claims: &T,
    key: &p256::ecdsa::SigningKey,
) -> Result<String, SignError> {
    sign_with("ES256", None, claims, |message| {
        let signature: p256::ecdsa::Signature = key.sign(message);
        Ok(URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    })
}

/// The claims of a JWT, unverified: the keyshare server reads the username in a token before
/// it knows whose key checks it (as the reference does).
pub fn unverified_claims(token: &str) -> Result<Map<String, Value>, FormatError> {
    Ok(Decoded::parse(token.trim())?.claims)
}

/// Checks an ES256 JWT of the app at `now` with its public key; returns its claims.
pub fn verify_es256(
    token: &str,
    key: &p256::ecdsa::VerifyingKey,
    now: i64,
) -> Result<Map<String, Value>, KeyshareJwtError> {
    let decoded = Decoded::parse(token.trim())?;
    let alg = decoded.algorithm()?;
    if alg != "ES256" {
        return Err(JwtError::Algorithm {
            found: alg.to_owned(),
            expected: "ES256",
        }
        .into());
    }
    let signature = URL_SAFE_NO_PAD
        .decode(decoded.signature)
        .ok()
        .and_then(|bytes| p256::ecdsa::Signature::from_slice(&bytes).ok())
        .ok_or(JwtError::Signature)?;
    key.verify(decoded.signing_input.as_bytes(), &signature)
        .map_err(|_| JwtError::Signature)?;
    check_times(&decoded, &TimeCheck::at(now))?;
    Ok(decoded.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> KeyshareSigner {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/vectors/keyshare/setup.json"
        );
        let setup: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let pem = setup["keyshare_server"]["jwt_private_key_pem_test_only"]
            .as_str()
            .unwrap();
        KeyshareSigner::new(
            RsaPrivateKey::from_pem(pem.as_bytes()).unwrap(),
            0,
            "keyshare_server",
        )
    }

    fn kss_pem(n: u32) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/data/vectors/keyshare/kss-{n}.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn keyshare_jwts_have_the_reference_header_and_verify_with_the_scheme_key() {
        let signer = signer();
        let token = signer
            .proof_p(
                &serde_json::json!({"P": "AQ==", "c": "Ag==", "s_response": "Aw=="}),
                100,
            )
            .unwrap();
        let jwt = Jwt::decode(&token).unwrap();
        assert_eq!(
            Value::Object(jwt.header().clone()),
            serde_json::json!({"alg": "RS256", "kid": "0", "typ": "JWT"})
        );
        let header = token.split('.').next().unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header).unwrap(),
            br#"{"alg":"RS256","kid":"0","typ":"JWT"}"#
        );
        let (kss0, kss1) = (kss_pem(0), kss_pem(1));
        let claims = verify_keyshare_jwt(&token, PROOF_P_SUBJECT, Some(100), |k| {
            (k == 0).then_some(&kss0[..])
        })
        .unwrap();
        assert_eq!(claims["ProofP"]["c"], "Ag==");
        assert_eq!(claims["iss"], "keyshare_server");
        // The other scheme key does not verify it; a wrong subject or a future iat is refused.
        let other = verify_keyshare_jwt(&token, PROOF_P_SUBJECT, Some(100), |_| Some(&kss1[..]));
        assert!(matches!(
            other,
            Err(KeyshareJwtError::Verify(JwtError::Signature))
        ));
        let wrong = verify_keyshare_jwt(&token, AUTH_TOKEN_SUBJECT, Some(100), |_| Some(&kss0[..]));
        assert!(matches!(wrong, Err(KeyshareJwtError::Subject { .. })));
        let early = verify_keyshare_jwt(&token, PROOF_P_SUBJECT, Some(50), |_| Some(&kss0[..]));
        assert!(matches!(
            early,
            Err(KeyshareJwtError::Verify(JwtError::IssuedInFuture { .. }))
        ));
        // Without a time (the app), the same token is accepted.
        assert!(verify_keyshare_jwt(&token, PROOF_P_SUBJECT, None, |_| Some(&kss0[..])).is_ok());
        let unknown = verify_keyshare_jwt(&token, PROOF_P_SUBJECT, Some(100), |_| None);
        assert!(matches!(unknown, Err(KeyshareJwtError::UnknownKey(0))));
    }

    #[test]
    fn access_tokens_expire_and_name_their_user() {
        let signer = signer();
        let token = signer.auth_token("dG9rZW4=", 1000, 300).unwrap();
        assert_eq!(signer.check_auth_token(&token, 1200).unwrap(), "dG9rZW4=");
        assert!(matches!(
            signer.check_auth_token(&token, 1400),
            Err(KeyshareJwtError::Verify(JwtError::Expired { .. }))
        ));
        // A ProofP JWT is not an access token.
        let proof = signer.proof_p(&1, 1000).unwrap();
        assert!(signer.check_auth_token(&proof, 1000).is_err());
        // The recorded access token of the reference verifies with kss-0.pem.
        let recorded = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjAiLCJ0eXAiOiJKV1QifQ.eyJleHAiOjE3OTY1OTA1NTUsImlhdCI6MTc5NjU5MDI1NSwiaXNzIjoia2V5c2hhcmVfc2VydmVyIiwic3ViIjoiYXV0aF90b2siLCJ0b2tlbl9pZCI6IkRNNTVxTzgvM1B6bjZqcFdnaEJJSVEremVMZEdOaDN3Q2ExUDFnSU1IYTA9In0.B4GmwvPv2MrDybA5MH7JUQh_zQmLWyAs3sJsXQSQSSWy8kA2P8TzmQXnd2USkJqdb7uv4F_Mhst0poTlBqeqkVNAAefh6iBFehTGT1zWArMlqbgoAf5NfPT2QUOcnYbGd33sirMZsYS1uzo8ajJDXl2YDj49A8xWx6ExxsyiK-QEFsUxpwzqWAcqLrS1dmKyu45WTOVKTmcnc8OvLIwnVcDiPVkHwQVFGHewMX4Z6ieJL4IGFEHPf48ieixCd4-hPQv3_RD7RgmK4pkCcMrEbpzOmb_iyRnZdxHsvXaQzCKduzyOi2ZF571pd9cw6py1CGTTlhd4M5ysy_ArXmHuRw";
        assert_eq!(
            signer.check_auth_token(recorded, 1_796_590_300).unwrap(),
            "DM55qO8/3Pzn6jpWghBIIQ+zeLdGNh3wCa1P1gIMHa0="
        );
    }

    #[test]
    fn es256_round_trip_and_the_recorded_app_jwt() {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let claims = serde_json::json!({"exp": 200, "id": "alice"});
        let token = sign_es256(&claims, &key).unwrap();
        assert_eq!(
            verify_es256(&token, key.verifying_key(), 100).unwrap()["id"],
            "alice"
        );
        assert!(verify_es256(&token, key.verifying_key(), 300).is_err());
        let other = p256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
        assert!(verify_es256(&token, other.verifying_key(), 100).is_err());
        assert_eq!(unverified_claims(&token).unwrap()["id"], "alice");

        // The reference app's enrollment JWT verifies with the public key it carries.
        use p256::pkcs8::DecodePublicKey;
        let recorded = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJwaW4iOiJFNm1nd05uaG5TWVEzM1FCR2VPUjZ2bU9vRTBjUmFRaE40ZUFZcXBPMmtnPVxuIiwibGFuZ3VhZ2UiOiJlbiIsInB1YmxpY2tleSI6Ik1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRU0yOFhraFI5cXFXaEZBOXByS0tNL0F4NzIyWG9MbjZoZXBTc3o1d3NaMzhDNGdTcmRjNHRSSWtUSkFVR2FoWXJuNi9ySnU5ZFpKT0hQM3pmemdtQ0tRPT0ifQ.kXVPd6IADFbrkdC43YoEIkRyX7O1qxHVNm0nWgoyECj3lYKI5NAvYysm2TzAyHdSeHsg9Px55d-O--yczzbJZA";
        let claims = unverified_claims(recorded).unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(claims["publickey"].as_str().unwrap())
            .unwrap();
        let pk = p256::ecdsa::VerifyingKey::from_public_key_der(&der).unwrap();
        assert_eq!(
            verify_es256(recorded, &pk, 1_796_590_252).unwrap()["language"],
            "en"
        );
    }
}
