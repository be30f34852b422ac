//! The keyshare protocol's wire types, app ↔ keyshare server (irmago `messages.go`, "Keyshare
//! messages"; `irmaclient/keyshare.go`), as the app speaks it at protocol 2.8:
//!
//! - enrollment: `POST /client/register` [`Enrollment`] (an ES256 JWT with
//!   [`EnrollmentClaims`]) → a session pointer to the issuance of the keyshare attribute;
//! - PIN: `POST /users/verify_start` [`AuthRequest`] → [`AuthChallenge`];
//!   `POST /users/verify/pin_challengeresponse` [`AuthResponse`] → [`PinStatus`] (on success
//!   an access token, sent as `Authorization` from then on, with `X-IRMA-Keyshare-Username`);
//! - proofs: `POST /api/v2/prove/getPs` (issuance; key ids) → [`PMap`];
//!   `POST /prove/getCommitments` (key ids) → [`CommitmentMap`]; `POST /prove/getResponse`
//!   (the challenge, a JSON string) → the `ProofP` JWT as plain text.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::identifiers::{IssuerId, PublicKeyId};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::ProofPCommitment;

/// The header naming the keyshare user.
pub const USERNAME_HEADER: &str = "X-IRMA-Keyshare-Username";
/// The one PIN method the reference offers (and the app requires).
pub const CHALLENGE_RESPONSE: &str = "pin_challengeresponse";
/// Longest hashed PIN the keyshare server stores (irmago `ErrPinTooLong`).
pub const MAX_PIN_LENGTH: usize = 64;

/// An issuer key on the keyshare wire: `"<issuer>-<counter>"` (irmago
/// `PublicKeyIdentifier.MarshalText`), e.g. `"test.test-3"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub PublicKeyId);

impl KeyId {
    /// Parses `"<issuer>-<counter>"`.
    pub fn parse(text: &str) -> Option<Self> {
        let (issuer, counter) = text.rsplit_once('-')?;
        Some(Self(PublicKeyId {
            issuer: IssuerId::parse(issuer).ok()?,
            counter: counter.parse().ok()?,
        }))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a public key id: {text:?}")))
    }
}

/// Bytes as Go's JSON writes `[]byte`: standard base64 with padding.
mod bytes_b64 {
    use super::*;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// `POST /client/register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    /// ES256 JWT with [`EnrollmentClaims`], signed with the key it carries.
    pub enrollment_jwt: String,
}

/// The claims of an enrollment JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentClaims {
    /// The hashed PIN ([`hashed_pin`]).
    pub pin: String,
    /// An e-mail address to register (not supported by our server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's language.
    pub language: String,
    /// The app's P-256 public key, PKIX DER, base64.
    pub publickey: String,
}

/// `POST /users/verify_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    /// ES256 JWT with [`AuthRequestClaims`].
    pub auth_request_jwt: String,
}

/// The claims of an auth request JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequestClaims {
    /// Expiry (the server refuses more than 6 minutes ahead).
    pub exp: i64,
    /// The username.
    pub id: String,
}

/// The answer to `verify_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthChallenge {
    /// The PIN methods on offer: [`CHALLENGE_RESPONSE`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// 32 random bytes to sign together with the PIN.
    #[serde(with = "bytes_b64")]
    pub challenge: Vec<u8>,
}

/// `POST /users/verify/pin_challengeresponse` (the plain fields stay empty; everything is in
/// the JWT).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuthResponse {
    /// Legacy username field (empty).
    #[serde(default)]
    pub id: String,
    /// Legacy PIN field (empty).
    #[serde(default)]
    pub pin: String,
    /// ES256 JWT with [`AuthResponseClaims`].
    #[serde(default)]
    pub auth_response_jwt: String,
}

/// The claims of an auth response JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthResponseClaims {
    /// The username.
    pub id: String,
    /// The hashed PIN.
    pub pin: String,
    /// The challenge of `verify_start`.
    #[serde(with = "bytes_b64", default)]
    pub challenge: Vec<u8>,
}

/// The outcome of a PIN check (`{"status","message"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPinStatus", into = "RawPinStatus")]
pub enum PinStatus {
    /// Right PIN: an access token (RS256 JWT of the keyshare server).
    Success(String),
    /// Wrong PIN: attempts left before blocking.
    Failure(u32),
    /// Blocked: seconds until the next attempt is allowed.
    Blocked(u64),
}

#[derive(Serialize, Deserialize)]
struct RawPinStatus {
    status: String,
    message: String,
}

impl TryFrom<RawPinStatus> for PinStatus {
    type Error = String;

    fn try_from(raw: RawPinStatus) -> Result<Self, String> {
        let number = |m: &str| format!("PIN status {}: message {m:?} is not a number", raw.status);
        Ok(match raw.status.as_str() {
            "success" => Self::Success(raw.message),
            "failure" => Self::Failure(raw.message.parse().map_err(|_| number(&raw.message))?),
            "error" => Self::Blocked(raw.message.parse().map_err(|_| number(&raw.message))?),
            other => return Err(format!("unknown PIN status {other:?}")),
        })
    }
}

impl From<PinStatus> for RawPinStatus {
    fn from(status: PinStatus) -> Self {
        let (status, message) = match status {
            PinStatus::Success(token) => ("success", token),
            PinStatus::Failure(left) => ("failure", left.to_string()),
            PinStatus::Blocked(seconds) => ("error", seconds.to_string()),
        };
        Self {
            status: status.to_owned(),
            message,
        }
    }
}

/// The answer to `getPs`: `P = R_0^{share}` per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PMap {
    /// `P` by key.
    pub ps: BTreeMap<KeyId, Int>,
}

/// The answer to `getCommitments`: `P` and `Pcommit` per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentMap {
    /// The commitments by key.
    #[serde(rename = "c")]
    pub commitments: BTreeMap<KeyId, ProofPCommitment>,
}

/// The PIN as the app sends it, never the PIN itself: base64 of SHA-256 over the 32-byte
/// nonce the app keeps per keyshare server and the PIN, plus `"\n"` (irmaclient
/// `keyshareServer.HashedPin`, compatible with the old Android app).
pub fn hashed_pin(nonce: &[u8], pin: &str) -> zeroize::Zeroizing<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(nonce);
    hasher.update(pin.as_bytes());
    zeroize::Zeroizing::new(format!("{}\n", STANDARD.encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(case: &str) -> serde_json::Value {
        let path = format!(
            "{}/tests/data/vectors/keyshare/{case}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Every recorded keyshare message parses and writes back to the recorded bytes.
    #[test]
    fn recorded_messages_round_trip() {
        fn same<T: Serialize + for<'de> Deserialize<'de>>(raw: &str) {
            let parsed: T = serde_json::from_str(raw).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), raw);
        }
        let mut seen = BTreeMap::new();
        for case in ["enrollment", "issuance-email", "negative-wrong-pin"] {
            for e in recorded(case)["keyshare_exchanges"].as_array().unwrap() {
                let path = e["path"].as_str().unwrap();
                let request = e["request_body_raw"].as_str().unwrap_or_default();
                let response = e["response_body_raw"].as_str().unwrap_or_default();
                match path {
                    "/client/register" => same::<Enrollment>(request),
                    "/users/verify_start" => {
                        same::<AuthRequest>(request);
                        same::<AuthChallenge>(response);
                    }
                    "/users/verify/pin_challengeresponse" => {
                        same::<AuthResponse>(request);
                        same::<PinStatus>(response);
                    }
                    "/api/v2/prove/getPs" => {
                        same::<Vec<KeyId>>(request);
                        same::<PMap>(response);
                    }
                    "/prove/getCommitments" => {
                        same::<Vec<KeyId>>(request);
                        same::<CommitmentMap>(response);
                    }
                    "/prove/getResponse" => same::<Int>(request),
                    _ => continue,
                }
                *seen.entry(path.to_owned()).or_insert(0) += 1;
            }
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
    }

    #[test]
    fn pin_statuses_and_hashed_pins() {
        let s: PinStatus = serde_json::from_str(r#"{"status":"failure","message":"2"}"#).unwrap();
        assert_eq!(s, PinStatus::Failure(2));
        let s: PinStatus = serde_json::from_str(r#"{"status":"error","message":"60"}"#).unwrap();
        assert_eq!(s, PinStatus::Blocked(60));
        assert!(serde_json::from_str::<PinStatus>(r#"{"status":"odd","message":""}"#).is_err());
        assert!(serde_json::from_str::<PinStatus>(r#"{"status":"error","message":"x"}"#).is_err());

        assert_eq!(hashed_pin(&[0u8; 32], "12345").len(), 45);
        assert_ne!(
            hashed_pin(&[0u8; 32], "12345"),
            hashed_pin(&[1u8; 32], "12345")
        );
        assert!(KeyId::parse("test.test-3").is_some());
        assert!(KeyId::parse("test.test").is_none());
        assert!(KeyId::parse("test-3").is_none());
    }
}
