//! A keyshare server (irmago `server/keyshare/keyshareserver`, `internal/keysharecore`),
//! without HTTP: users enroll with a PIN; the server keeps a share of each user's secret key
//! and takes part in every proof of a keyshare scheme's credentials, after a PIN check.
//!
//! The first step towards serving `irma keyshare server` ourselves: the protocol the app
//! speaks at 2.8 (enrollment, PIN challenge-response, `getPs`, `getCommitments`,
//! `getResponse` with the legacy `ProofP`), users in memory (no database, no e-mail, no PIN
//! change, no MyIRMA). The HTTP endpoints are in [`crate::server::keyshare`]; the wire types
//! in [`crate::protocol::keyshare`]; the math in [`crate::crypto::idemix::keyshare`].
//!
//! - [`users`]: the users and their PIN attempts.

pub mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use p256::pkcs8::DecodePublicKey;
use subtle::ConstantTimeEq;

use crate::crypto::bigint::Int;
use crate::crypto::idemix::{KeyshareRandomizer, KeyshareSecret, PublicKey};
use crate::jwt::keyshare::{KeyshareJwtError, KeyshareSigner, unverified_claims, verify_es256};
use crate::protocol::identifiers::{AttributeTypeId, PublicKeyId};
use crate::protocol::keyshare::{
    AuthChallenge, AuthRequestClaims, AuthResponse, AuthResponseClaims, CHALLENGE_RESPONSE,
    CommitmentMap, EnrollmentClaims, KeyId, PMap, PinStatus,
};
use crate::protocol::request::RequestorRequest;
use crate::scheme::Configuration;
use crate::session::clock::Clock;
use crate::verifier::Verifier;
use users::{PinReservation, User, Users};

/// Default lifetime of an access token, seconds (the reference's `jwt_pin_expiry`).
pub const TOKEN_LIFETIME: i64 = 300;
/// Latest `exp` an auth request JWT may have, seconds ahead (irmago `ChallengeJWTMaxExpiry`).
const AUTH_REQUEST_MAX_EXPIRY: i64 = 6 * 60;
/// How long a commitment waits for its response (the reference's session store).
const COMMITMENT_LIFETIME: Duration = Duration::from_secs(10);
/// Length of a generated username, alphanumeric (the reference's).
const USERNAME_LENGTH: usize = 12;
/// Validity of the keyshare attribute issued at enrollment: one year.
const KEYSHARE_ATTRIBUTE_VALIDITY: i64 = 365 * 24 * 3600;

/// Why a keyshare request failed; each maps to one of the reference's error answers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The username is unknown (`USER_NOT_REGISTERED`).
    #[error("could not find specified user")]
    UnknownUser,
    /// A malformed or refused request (`INVALID_REQUEST`).
    #[error("{0}")]
    Invalid(String),
    /// A JWT of the app or an access token does not verify (`INVALID_REQUEST`).
    #[error("invalid jwt token: {0}")]
    Jwt(#[from] KeyshareJwtError),
    /// `getResponse` without `getCommitments` (`MISSING_COMMITMENT`).
    #[error("missing previous call to getCommitments")]
    MissingCommitment,
    /// A PIN response without `verify_start` (`MISSING_CHALLENGE`).
    #[error("missing challenge")]
    MissingChallenge,
    /// A PIN response for another challenge (`UNEXPECTED_REQUEST`).
    #[error("wrong challenge")]
    WrongChallenge,
    /// Randomness or signing failed (`INTERNAL_ERROR`).
    #[error("{0}")]
    Internal(String),
}

/// The settings of a keyshare server.
#[derive(Debug)]
pub struct Settings {
    /// Signs the `ProofP` and access tokens; its key counter must be one of the schemes'
    /// `kss-N.pem`.
    pub signer: KeyshareSigner,
    /// The attribute issued at enrollment, holding the username (`--keyshare-attribute`).
    pub keyshare_attribute: AttributeTypeId,
    /// Lifetime of an access token, seconds.
    pub token_lifetime: i64,
    /// Where the time is read (PIN blocks, tokens).
    pub clock: Clock,
}

/// A commitment waiting for its challenge.
struct Pending {
    /// The key whose `P` the response carries: the last one committed to (the issued
    /// credential's, in an issuance: the app lists ProofUs after ProofDs).
    key: PublicKeyId,
    randomizer: KeyshareRandomizer,
    at: Instant,
}

/// The keyshare server: users, pending challenges and commitments, and the keys.
pub struct KeyshareServer {
    settings: Settings,
    keys: Verifier<Arc<Configuration>>,
    users: Users,
    /// PIN challenges by username, consumed by the response.
    challenges: Mutex<HashMap<String, [u8; 32]>>,
    /// Commitments by username, consumed by the response.
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for KeyshareServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyshareServer")
            .field("keyshare_attribute", &self.settings.keyshare_attribute)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Entries are inserted and removed whole; a panic cannot leave one half-written.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Error::Internal(format!("random: {e}")))?;
    Ok(out)
}

/// A random alphanumeric username (rejection sampling, so every character is uniform).
fn new_username() -> Result<String, Error> {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut name = String::with_capacity(USERNAME_LENGTH);
    while name.len() < USERNAME_LENGTH {
        for b in random_bytes::<16>()? {
            // 248 = 4 × 62: bytes above it would favour the first characters.
            if b < 248 && name.len() < USERNAME_LENGTH {
                name.push(char::from(CHARS[usize::from(b) % CHARS.len()]));
            }
        }
    }
    Ok(name)
}

fn claim<T: serde::de::DeserializeOwned>(
    claims: serde_json::Map<String, serde_json::Value>,
) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::Object(claims))
        .map_err(|e| Error::Invalid(format!("invalid jwt token: {e}")))
}

/// The `id` claim of a JWT, read before its signature can be checked (the key is the user's).
fn claimed_username(token: &str) -> Result<String, Error> {
    unverified_claims(token)
        .map_err(|e| Error::Invalid(format!("invalid jwt token: {e}")))?
        .get("id")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::Invalid("invalid jwt token: no id".to_owned()))
}

impl KeyshareServer {
    /// A keyshare server for the keys of `schemes`.
    pub fn new(settings: Settings, schemes: Arc<Configuration>) -> Self {
        Self {
            settings,
            keys: Verifier::new(schemes),
            users: Users::default(),
            challenges: Mutex::default(),
            pending: Mutex::default(),
        }
    }

    fn now(&self) -> i64 {
        self.settings.clock.now_secs()
    }

    fn key(&self, id: &KeyId) -> Result<Arc<PublicKey>, Error> {
        self.keys
            .public_key(&id.0)
            .map_err(|_| Error::Invalid(format!("public key not found: {id}")))
    }

    /// `POST /client/register`: checks the enrollment JWT (signed by the key it carries) and
    /// creates a user with a fresh share; returns the username. The caller then starts the
    /// issuance of [`KeyshareServer::enrollment_request`].
    pub fn register(&self, enrollment_jwt: &str) -> Result<String, Error> {
        let unverified: EnrollmentClaims = claim(
            unverified_claims(enrollment_jwt)
                .map_err(|e| Error::Invalid(format!("invalid jwt token: {e}")))?,
        )?;
        let der = STANDARD
            .decode(&unverified.publickey)
            .map_err(|_| Error::Invalid("publickey is not base64".to_owned()))?;
        let public_key = p256::ecdsa::VerifyingKey::from_public_key_der(&der)
            .map_err(|e| Error::Invalid(format!("publickey: {e}")))?;
        let claims: EnrollmentClaims =
            claim(verify_es256(enrollment_jwt, &public_key, self.now())?)?;
        let secret = KeyshareSecret::generate().map_err(|e| Error::Internal(e.to_string()))?;
        let user = User::new(secret, &claims.pin, public_key, random_bytes()?)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let mut users = self.users.lock();
        let username = loop {
            let name = new_username()?;
            if !users.contains_key(&name) {
                break name;
            }
        };
        users.insert(username.clone(), user);
        Ok(username)
    }

    /// The issuance of the keyshare attribute (the username) to a new user, valid one year.
    pub fn enrollment_request(&self, username: &str) -> Result<RequestorRequest, Error> {
        let attribute = &self.settings.keyshare_attribute;
        let validity = self.now() + KEYSHARE_ATTRIBUTE_VALIDITY;
        RequestorRequest::from_json(serde_json::json!({
            "@context": "https://irma.app/ld/request/issuance/v2",
            "credentials": [{
                "credential": attribute.credential_type().as_str(),
                "validity": validity,
                "attributes": { attribute.name(): username },
            }],
        }))
        .map_err(|e| Error::Internal(e.to_string()))
    }

    /// `POST /users/verify_start`: checks the app's auth request JWT (at most 6 minutes
    /// valid) and returns a fresh challenge for the PIN.
    pub fn start_auth(&self, auth_request_jwt: &str) -> Result<AuthChallenge, Error> {
        let username = claimed_username(auth_request_jwt)?;
        let now = self.now();
        let public_key = self.public_key_of(&username)?;
        let claims: AuthRequestClaims = claim(verify_es256(auth_request_jwt, &public_key, now)?)?;
        if claims.exp > now + AUTH_REQUEST_MAX_EXPIRY {
            return Err(Error::Invalid(format!(
                "JWT expiry may not be more than {AUTH_REQUEST_MAX_EXPIRY} s from now"
            )));
        }
        let challenge = random_bytes::<32>()?;
        lock(&self.challenges).insert(username, challenge);
        Ok(AuthChallenge {
            candidates: vec![CHALLENGE_RESPONSE.to_owned()],
            challenge: challenge.to_vec(),
        })
    }

    fn public_key_of(&self, username: &str) -> Result<p256::ecdsa::VerifyingKey, Error> {
        self.users
            .lock()
            .get(username)
            .map(|u| u.public_key)
            .ok_or(Error::UnknownUser)
    }

    /// `POST /users/verify/pin_challengeresponse`: the PIN check. Every check is counted
    /// (before anything else, as the reference); a right PIN gives an access token.
    pub fn verify_pin(&self, msg: &AuthResponse) -> Result<PinStatus, Error> {
        if msg.auth_response_jwt.is_empty() {
            // The legacy plain-PIN check (`/users/verify/pin`) is not offered.
            return Err(Error::Invalid("wrong endpoint".to_owned()));
        }
        let username = claimed_username(&msg.auth_response_jwt)?;
        let now = self.now();
        let (public_key, reservation) = {
            let mut users = self.users.lock();
            let user = users.get_mut(&username).ok_or(Error::UnknownUser)?;
            (user.public_key, user.reserve_pin_check(now))
        };
        let (tries_left, wait) = match reservation {
            PinReservation::Blocked(wait) => return Ok(PinStatus::Blocked(wait)),
            PinReservation::Allowed { tries_left, wait } => (tries_left, wait),
        };
        let challenge = lock(&self.challenges)
            .remove(&username)
            .ok_or(Error::MissingChallenge)?;
        let claims: AuthResponseClaims =
            claim(verify_es256(&msg.auth_response_jwt, &public_key, now)?)?;
        if !bool::from(claims.challenge.ct_eq(&challenge[..])) {
            return Err(Error::WrongChallenge);
        }
        let mut users = self.users.lock();
        let user = users.get_mut(&username).ok_or(Error::UnknownUser)?;
        if !user.pin_matches(&claims.pin) {
            return Ok(if tries_left == 0 {
                PinStatus::Blocked(wait)
            } else {
                PinStatus::Failure(tries_left)
            });
        }
        user.reset_pin_tries();
        let token = self
            .settings
            .signer
            .auth_token(
                &STANDARD.encode(user.token_id),
                now,
                self.settings.token_lifetime,
            )
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(PinStatus::Success(token))
    }

    /// Checks an access token (`Authorization`) for `username`.
    pub fn authorize(&self, username: &str, authorization: &str) -> Result<(), Error> {
        let expected = self.with_user(username, |u| u.token_id)?;
        let token = authorization
            .strip_prefix("Bearer ")
            .unwrap_or(authorization);
        let token_id = self.settings.signer.check_auth_token(token, self.now())?;
        let ok = STANDARD
            .decode(token_id)
            .is_ok_and(|id| bool::from(id.ct_eq(&expected[..])));
        if !ok {
            return Err(Error::Invalid("invalid jwt token".to_owned()));
        }
        Ok(())
    }

    fn with_user<T>(&self, username: &str, f: impl FnOnce(&User) -> T) -> Result<T, Error> {
        self.users
            .lock()
            .get(username)
            .map(f)
            .ok_or(Error::UnknownUser)
    }

    fn keys_of(&self, keys: &[KeyId]) -> Result<Vec<Arc<PublicKey>>, Error> {
        if keys.is_empty() {
            return Err(Error::Invalid("no key specified".to_owned()));
        }
        keys.iter().map(|k| self.key(k)).collect()
    }

    /// `POST /api/v2/prove/getPs`: `P = R_0^{share}` for each key (an authorized user).
    pub fn ps(&self, username: &str, keys: &[KeyId]) -> Result<PMap, Error> {
        let pks = self.keys_of(keys)?;
        let ps = self.with_user(username, |u| {
            keys.iter()
                .zip(&pks)
                .map(|(k, pk)| (k.clone(), Int(u.secret.p(pk))))
                .collect()
        })?;
        Ok(PMap { ps })
    }

    /// `POST /prove/getCommitments`: commitments for each key (an authorized user), kept
    /// until the response.
    pub fn commitments(&self, username: &str, keys: &[KeyId]) -> Result<CommitmentMap, Error> {
        let pks = self.keys_of(keys)?;
        let refs: Vec<&PublicKey> = pks.iter().map(AsRef::as_ref).collect();
        let (randomizer, commitments) = self
            .with_user(username, |u| u.secret.commit(&refs))?
            .map_err(|e| Error::Internal(e.to_string()))?;
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| p.at.elapsed() <= COMMITMENT_LIFETIME);
        // `keys_of` refused an empty list.
        let key = keys[keys.len() - 1].0.clone();
        pending.insert(
            username.to_owned(),
            Pending {
                key,
                randomizer,
                at: Instant::now(),
            },
        );
        Ok(CommitmentMap {
            commitments: keys.iter().cloned().zip(commitments).collect(),
        })
    }

    /// `POST /prove/getResponse`: the response to challenge `c` for the user's pending
    /// commitment, as an RS256 `ProofP` JWT.
    pub fn response(&self, username: &str, c: &BigUint) -> Result<String, Error> {
        let pending = {
            let mut pending = lock(&self.pending);
            if pending
                .get(username)
                .is_none_or(|p| p.at.elapsed() > COMMITMENT_LIFETIME)
            {
                return Err(Error::MissingCommitment);
            }
            // A challenge is a hash: `Lh` bits (gabi's check). A bad one leaves the
            // commitment for a good one, as the reference.
            if c.bits() > u64::from(crate::crypto::idemix::SystemParameters::L1024.lh) {
                return Err(Error::Invalid("challenge out of bounds".to_owned()));
            }
            pending.remove(username).ok_or(Error::MissingCommitment)?
        };
        let pk = self.key(&KeyId(pending.key.clone()))?;
        let proof_p = self.with_user(username, |u| u.secret.respond(pending.randomizer, c, &pk))?;
        self.settings
            .signer
            .proof_p(&proof_p, self.now())
            .map_err(|e| Error::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
