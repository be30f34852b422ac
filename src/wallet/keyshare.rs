//! The app's side of the keyshare protocol (irmaclient `keyshare.go`, protocol 2.8):
//! enrollment at a scheme's keyshare server, the PIN check, and the keyshare server's part in
//! the proofs of a session.
//!
//! An enrollment ([`KeyshareAccount`]) is stored per scheme: the username, the app's P-256
//! key (it signs the PIN challenge-responses) and the nonce the PIN is hashed with; the PIN
//! itself is never stored or sent (see [`hashed_pin`]). Each session that involves a keyshare
//! scheme checks the PIN first (`KeyshareClient::login`), then asks the keyshare server for
//! its `P` (issuance), its commitments and its response.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use p256::pkcs8::EncodePublicKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Error;
use super::session::read_answer;
use crate::crypto::idemix::ProofP;
use crate::jwt::keyshare::{PROOF_P_SUBJECT, sign_es256, verify_keyshare_jwt};
use crate::protocol::identifiers::SchemeId;
use crate::protocol::keyshare::{
    AuthChallenge, AuthRequest, AuthRequestClaims, AuthResponse, AuthResponseClaims,
    CHALLENGE_RESPONSE, CommitmentMap, Enrollment, EnrollmentClaims, KeyId, PMap, PinStatus,
    USERNAME_HEADER, hashed_pin,
};
use crate::protocol::session::SessionPointer;
use crate::scheme::Configuration;

/// Shortest PIN accepted at enrollment (irmaclient's rule).
pub const MIN_PIN_LENGTH: usize = 5;
/// Lifetime of the auth request JWT: half the keyshare server's maximum (irmaclient).
const AUTH_REQUEST_EXPIRY: i64 = 3 * 60;

/// The keyshare PIN, as given by the user; `Debug` hides it, and it is wiped on drop.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Wraps a PIN (surrounding whitespace, such as a file's final newline, removed).
    pub fn new(pin: &str) -> Self {
        Self(Zeroizing::new(pin.trim().to_owned()))
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(..)")
    }
}

/// An enrollment at one scheme's keyshare server.
#[derive(Clone)]
pub struct KeyshareAccount {
    scheme: SchemeId,
    username: String,
    key: p256::ecdsa::SigningKey,
    nonce: [u8; 32],
}

/// How an account is stored (`DIR/keyshare/<scheme>.json`, mode 0600).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredAccount {
    scheme: SchemeId,
    username: String,
    /// The P-256 private key, 32 bytes, base64 (wiped on drop).
    private_key: String,
    /// The PIN hashing nonce, 32 bytes, base64.
    nonce: String,
}

impl Drop for StoredAccount {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.private_key);
    }
}

crate::debug_fields!(KeyshareAccount { scheme, username });

fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>, Error> {
    let mut out = Zeroizing::new([0u8; N]);
    getrandom::fill(&mut out[..]).map_err(|e| Error::Transport(format!("random source: {e}")))?;
    Ok(out)
}

impl KeyshareAccount {
    /// A new account for `scheme`: a fresh key and nonce; the username comes with the
    /// issuance of the keyshare attribute.
    pub(super) fn generate(scheme: SchemeId) -> Result<Self, Error> {
        let key = loop {
            // Retry on the (negligible) chance the bytes are not a valid scalar.
            if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&random_bytes::<32>()?[..]) {
                break key;
            }
        };
        Ok(Self {
            scheme,
            username: String::new(),
            key,
            nonce: *random_bytes::<32>()?,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> &SchemeId {
        &self.scheme
    }

    /// The username at the keyshare server (empty until the enrollment's issuance names it).
    pub fn username(&self) -> &str {
        &self.username
    }

    pub(super) fn set_username(&mut self, username: &str) {
        username.clone_into(&mut self.username);
    }

    pub(super) fn to_stored(&self) -> StoredAccount {
        StoredAccount {
            scheme: self.scheme.clone(),
            username: self.username.clone(),
            private_key: STANDARD.encode(self.key.to_bytes()),
            nonce: STANDARD.encode(self.nonce),
        }
    }

    pub(super) fn from_stored(stored: &StoredAccount) -> Result<Self, String> {
        let key = Zeroizing::new(
            STANDARD
                .decode(stored.private_key.as_bytes())
                .map_err(|_| "privateKey is not base64".to_owned())?,
        );
        let key = p256::ecdsa::SigningKey::from_slice(&key)
            .map_err(|_| "privateKey is not a P-256 key".to_owned())?;
        let nonce = STANDARD
            .decode(&stored.nonce)
            .ok()
            .and_then(|n| <[u8; 32]>::try_from(n).ok())
            .ok_or_else(|| "nonce is not 32 bytes of base64".to_owned())?;
        Ok(Self {
            scheme: stored.scheme.clone(),
            username: stored.username.clone(),
            key,
            nonce,
        })
    }

    fn hashed_pin(&self, pin: &Pin) -> Zeroizing<String> {
        hashed_pin(&self.nonce, pin.as_str())
    }

    /// An ES256 JWT over `claims` with the account's key.
    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, Error> {
        sign_es256(claims, &self.key).map_err(|e| Error::Keyshare(e.to_string()))
    }
}

/// The keyshare server of `scheme`, without a trailing slash.
fn server_url(conf: &Configuration, scheme: &SchemeId) -> Result<String, Error> {
    conf.scheme(scheme)
        .and_then(|s| s.description.keyshare_server.as_deref())
        .map(|url| url.trim_end_matches('/').to_owned())
        .ok_or_else(|| Error::NotKeyshareScheme(scheme.clone()))
}

/// `POST /client/register`: enrolls `account` with `pin`; returns the pointer of the session
/// that issues the keyshare attribute (the username), which the caller performs.
pub(super) async fn register(
    http: &reqwest::Client,
    conf: &Configuration,
    account: &KeyshareAccount,
    pin: &Pin,
) -> Result<SessionPointer, Error> {
    if pin.as_str().chars().count() < MIN_PIN_LENGTH {
        return Err(Error::PinTooShort(MIN_PIN_LENGTH));
    }
    let public = account
        .key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| Error::Keyshare(format!("encoding the public key: {e}")))?;
    let claims = EnrollmentClaims {
        pin: account.hashed_pin(pin).to_string(),
        email: None,
        language: "en".to_owned(),
        publickey: STANDARD.encode(public.as_bytes()),
    };
    let jwt = account.sign(&claims)?;
    let url = format!("{}/client/register", server_url(conf, &account.scheme)?);
    let response = http
        .post(url)
        .json(&Enrollment {
            enrollment_jwt: jwt,
        })
        .send()
        .await;
    json(response).await
}

async fn json<T: DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, Error> {
    let bytes = read_answer(response).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Keyshare(format!("unexpected answer of the keyshare server: {e}")))
}

/// A session with one keyshare server, after a right PIN: its access token.
pub(super) struct KeyshareClient<'a> {
    http: &'a reqwest::Client,
    base: String,
    scheme: SchemeId,
    username: String,
    token: Zeroizing<String>,
}

impl<'a> KeyshareClient<'a> {
    /// Checks the PIN at the keyshare server of `account` (`verify_start`, then
    /// `verify/pin_challengeresponse`), once: a wrong PIN is reported with the attempts left
    /// rather than tried again.
    pub(super) async fn login(
        http: &'a reqwest::Client,
        conf: &Configuration,
        account: &KeyshareAccount,
        pin: &Pin,
        now: i64,
    ) -> Result<Self, Error> {
        let mut client = Self {
            http,
            base: server_url(conf, &account.scheme)?,
            scheme: account.scheme.clone(),
            username: account.username.clone(),
            token: Zeroizing::new(String::new()),
        };
        let request = AuthRequest {
            auth_request_jwt: account.sign(&AuthRequestClaims {
                exp: now + AUTH_REQUEST_EXPIRY,
                id: account.username.clone(),
            })?,
        };
        let challenge: AuthChallenge = client.post("users/verify_start", &request).await?;
        if !challenge.candidates.iter().any(|c| c == CHALLENGE_RESPONSE) {
            return Err(Error::Keyshare(
                "challenge-response authentication method not supported".to_owned(),
            ));
        }
        let response = AuthResponse {
            auth_response_jwt: account.sign(&AuthResponseClaims {
                id: account.username.clone(),
                pin: account.hashed_pin(pin).to_string(),
                challenge: challenge.challenge,
            })?,
            ..AuthResponse::default()
        };
        let status: PinStatus = client
            .post("users/verify/pin_challengeresponse", &response)
            .await?;
        match status {
            PinStatus::Success(token) => {
                client.token = Zeroizing::new(token);
                Ok(client)
            }
            PinStatus::Failure(attempts_left) => Err(Error::WrongPin {
                scheme: account.scheme.clone(),
                attempts_left,
            }),
            PinStatus::Blocked(seconds) => Err(Error::KeyshareBlocked {
                scheme: account.scheme.clone(),
                seconds,
            }),
        }
    }

    fn request(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/{path}", self.base))
            .header(USERNAME_HEADER, &self.username)
            .header("Authorization", self.token.as_str())
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        json(self.request(path).json(body).send().await).await
    }

    /// `getPs`: the keyshare server's `P` for each key.
    pub(super) async fn ps(&self, keys: &[KeyId]) -> Result<PMap, Error> {
        self.post("api/v2/prove/getPs", &keys).await
    }

    /// `getCommitments`: the keyshare server's commitment for each key.
    pub(super) async fn commitments(&self, keys: &[KeyId]) -> Result<CommitmentMap, Error> {
        self.post("prove/getCommitments", &keys).await
    }

    /// `getResponse`: the keyshare server's response to the challenge `c`, an RS256 JWT
    /// (text), and the ProofP in it, checked with the scheme's `kss-N.pem`. Its times are
    /// not checked (as irmaclient: the phone's clock must not fail the session; the issuer
    /// checks them).
    pub(super) async fn response(
        &self,
        conf: &Configuration,
        c: &BigUint,
    ) -> Result<(String, ProofP), Error> {
        let body = serde_json::to_vec(&crate::crypto::bigint::Int(c.clone()))
            .map_err(|e| Error::Keyshare(e.to_string()))?;
        let bytes = read_answer(
            self.request("prove/getResponse")
                .header("Content-Type", "application/json; charset=UTF-8")
                .body(body)
                .send()
                .await,
        )
        .await?;
        let jwt = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::Keyshare("the keyshare response is not text".to_owned()))?;
        let claims = verify_keyshare_jwt(&jwt, PROOF_P_SUBJECT, None, |kid| {
            conf.kss_pem(&self.scheme, kid)
        })
        .map_err(|e| Error::Keyshare(format!("keyshare response of {}: {e}", self.scheme)))?;
        let proof_p = claims
            .get("ProofP")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| {
                Error::Keyshare(format!("keyshare response of {}: no ProofP", self.scheme))
            })?;
        Ok((jwt.trim().to_owned(), proof_p))
    }
}
