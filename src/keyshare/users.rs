//! The keyshare server's users, in memory: per user the share of the secret key, the hashed
//! PIN, the app's public key, the id its access tokens carry, and the PIN attempts.
//!
//! PIN attempts follow the reference (`keyshareserver/postgresdb.go` `reservePinTry`): every
//! check is reserved first; after [`MAX_PIN_TRIES`] misses the user is blocked for
//! [`BACKOFF_START`] seconds, and each further miss doubles that; a right PIN resets both.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::idemix::KeyshareSecret;
use crate::protocol::keyshare::MAX_PIN_LENGTH;

/// PIN checks allowed before the first block.
pub const MAX_PIN_TRIES: u32 = 3;
/// Seconds of the first block; each further miss doubles it.
pub const BACKOFF_START: i64 = 60;

/// One keyshare user.
pub struct User {
    /// The user's share of the secret key.
    pub secret: KeyshareSecret,
    /// The app's key, which signs the PIN challenge-response JWTs.
    pub public_key: p256::ecdsa::VerifyingKey,
    /// What the user's access tokens carry (`token_id`).
    pub token_id: [u8; 32],
    /// The hashed PIN, zero-padded to [`MAX_PIN_LENGTH`] bytes.
    pin: Zeroizing<[u8; MAX_PIN_LENGTH]>,
    /// PIN checks since the last right one.
    pin_counter: u32,
    /// Unix time before which no PIN check is allowed.
    blocked_until: i64,
}

crate::debug_fields!(User {
    pin_counter,
    blocked_until
});

/// A hashed PIN longer than [`MAX_PIN_LENGTH`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("pin too long")]
pub struct PinTooLong;

fn padded(pin: &str) -> Result<Zeroizing<[u8; MAX_PIN_LENGTH]>, PinTooLong> {
    let bytes = pin.as_bytes();
    if bytes.len() > MAX_PIN_LENGTH {
        return Err(PinTooLong);
    }
    let mut out = Zeroizing::new([0u8; MAX_PIN_LENGTH]);
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(out)
}

/// Whether a PIN check may go ahead ([`User::reserve_pin_check`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinReservation {
    /// Go ahead; `tries_left` after this one, and the block (seconds) a miss would cause.
    Allowed {
        /// Checks left after this one.
        tries_left: u32,
        /// Seconds blocked should this check fail.
        wait: u64,
    },
    /// Blocked for this many more seconds.
    Blocked(u64),
}

impl User {
    /// A new user with a fresh share.
    pub fn new(
        secret: KeyshareSecret,
        hashed_pin: &str,
        public_key: p256::ecdsa::VerifyingKey,
        token_id: [u8; 32],
    ) -> Result<Self, PinTooLong> {
        Ok(Self {
            secret,
            public_key,
            token_id,
            pin: padded(hashed_pin)?,
            pin_counter: 0,
            blocked_until: 0,
        })
    }

    /// Reserves a PIN check at `now`, counting it whatever its outcome.
    pub fn reserve_pin_check(&mut self, now: i64) -> PinReservation {
        if self.blocked_until > now {
            return PinReservation::Blocked(seconds(self.blocked_until - now));
        }
        let before = self.pin_counter;
        self.pin_counter = before.saturating_add(1);
        // Negative (no block yet) until the last allowed miss, then 0, 1, 2, …
        let block = match u32::try_from(i64::from(before) - i64::from(MAX_PIN_TRIES - 1)) {
            Err(_) => 0,
            Ok(over) => BACKOFF_START.saturating_mul(1i64 << over.min(40)),
        };
        self.blocked_until = now.saturating_add(block);
        PinReservation::Allowed {
            tries_left: MAX_PIN_TRIES.saturating_sub(self.pin_counter),
            wait: seconds(block),
        }
    }

    /// Whether `hashed_pin` is the user's, compared in constant time.
    pub fn pin_matches(&self, hashed_pin: &str) -> bool {
        padded(hashed_pin).is_ok_and(|p| bool::from(p.ct_eq(&*self.pin)))
    }

    /// After a right PIN: no attempts counted, not blocked.
    pub fn reset_pin_tries(&mut self) {
        self.pin_counter = 0;
        self.blocked_until = 0;
    }
}

fn seconds(s: i64) -> u64 {
    u64::try_from(s).unwrap_or(0)
}

/// The users by username.
#[derive(Debug, Default)]
pub struct Users(Mutex<HashMap<String, User>>);

impl Users {
    /// The user table, locked; never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<String, User>> {
        // Each change to a user is one assignment; a panic cannot leave one half-changed.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        let key = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        User::new(
            KeyshareSecret::generate().unwrap(),
            "hashed\n",
            *key.verifying_key(),
            [1u8; 32],
        )
        .unwrap()
    }

    /// As recorded in `keyshare/negative-wrong-pin.json`: 2 left, 1 left, then blocked 60 s;
    /// after the block one more miss blocks for 120 s; a right PIN resets.
    #[test]
    fn pin_attempts_follow_the_reference() {
        let mut u = user();
        let allowed = |left, wait| PinReservation::Allowed {
            tries_left: left,
            wait,
        };
        assert_eq!(u.reserve_pin_check(1000), allowed(2, 0));
        assert_eq!(u.reserve_pin_check(1001), allowed(1, 0));
        assert_eq!(u.reserve_pin_check(1002), allowed(0, 60));
        assert_eq!(u.reserve_pin_check(1003), PinReservation::Blocked(59));
        assert_eq!(u.reserve_pin_check(1062), allowed(0, 120));
        assert_eq!(u.reserve_pin_check(1100), PinReservation::Blocked(82));
        u.reset_pin_tries();
        assert_eq!(u.reserve_pin_check(1100), allowed(2, 0));
    }

    #[test]
    fn pins_compare_padded() {
        let u = user();
        assert!(u.pin_matches("hashed\n"));
        assert!(!u.pin_matches("hashed"));
        assert!(!u.pin_matches(&"x".repeat(65)));
        assert!(
            User::new(
                KeyshareSecret::generate().unwrap(),
                &"x".repeat(65),
                u.public_key,
                [0; 32]
            )
            .is_err()
        );
        assert!(!format!("{u:?}").contains("hashed"));
    }
}
