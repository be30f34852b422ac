//! Session tokens and authorization values: 20 characters of `[a-zA-Z0-9]` from the OS
//! random source (irmago `internal/common/common.go` `NewSessionToken`).
//!
//! Each role has its own type so they cannot be mixed up. Parsing is anchored (the
//! reference's regex is not), and equality is constant-time so that comparing a
//! presented value with a stored one leaks nothing through timing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

/// Length of every token.
pub const TOKEN_LENGTH: usize = 20;

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A token string that is not 20 characters of `[a-zA-Z0-9]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid token: expected {TOKEN_LENGTH} characters of [a-zA-Z0-9]")]
pub struct TokenError;

/// Whether two presented secrets (tokens, the app's `Authorization`) are equal, compared
/// in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Draws a fresh random token from the OS random source, without modulo bias.
///
/// # Errors
/// Fails only when the OS random source fails.
fn random_token() -> Result<[u8; TOKEN_LENGTH], getrandom::Error> {
    let mut out = [0u8; TOKEN_LENGTH];
    let mut filled = 0;
    let mut buf = [0u8; 64];
    while filled < TOKEN_LENGTH {
        getrandom::fill(&mut buf)?;
        // 62 * 4 = 248: bytes below 248 map uniformly onto the alphabet.
        for b in buf.iter().filter(|b| **b < 248) {
            if filled == TOKEN_LENGTH {
                break;
            }
            out[filled] = ALPHABET[usize::from(*b % 62)];
            filled += 1;
        }
    }
    Ok(out)
}

fn valid(s: &str) -> bool {
    s.len() == TOKEN_LENGTH && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

macro_rules! token {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Held inline (20 ASCII bytes, no allocation; a clone copies them): the session store keeps several
        /// per session.
        #[derive(Clone)]
        pub struct $name([u8; TOKEN_LENGTH]);

        impl $name {
            /// A fresh random value.
            ///
            /// # Errors
            /// Fails only when the OS random source fails.
            pub fn random() -> Result<Self, getrandom::Error> {
                random_token().map(Self)
            }

            /// Parses a presented value.
            pub fn parse(s: &str) -> Result<Self, TokenError> {
                if !valid(s) {
                    return Err(TokenError);
                }
                let mut bytes = [0u8; TOKEN_LENGTH];
                bytes.copy_from_slice(s.as_bytes());
                Ok(Self(bytes))
            }

            /// The token as a string.
            pub fn as_str(&self) -> &str {
                // Only ASCII alphanumerics are ever stored (`random_token`, `valid`).
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.ct_eq(&other.0).into()
            }
        }

        impl Eq for $name {}

        // Hashing the bytes agrees with the constant-time equality above.
        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Tokens are capabilities: show only a prefix in logs and debug output.
                write!(f, "{}({}…)", stringify!($name), &self.as_str()[..4])
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

token!(
    /// The requestor's handle on a session (`/session/{token}`).
    RequestorToken
);
token!(
    /// The app's handle on a session (`/irma/session/{clientToken}`).
    AppToken
);
token!(
    /// The value the frontend sends as `Authorization` on `/frontend/*` endpoints.
    FrontendAuthorization
);
token!(
    /// The value the app picks and sends as `Authorization` on every app request of a
    /// session (protocol 2.8 session binding).
    ClientAuthorization
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_valid_and_distinct() {
        let a = RequestorToken::random().unwrap();
        let b = RequestorToken::random().unwrap();
        assert!(valid(a.as_str()) && valid(b.as_str()));
        assert_ne!(a, b);
        assert_eq!(RequestorToken::parse(a.as_str()).unwrap(), a);
    }

    #[test]
    fn parsing_is_anchored() {
        assert!(AppToken::parse("AAAAAAAAAAAAAAAAAAAA").is_ok());
        for bad in [
            "AAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAA-",
            "",
            "ÅAAAAAAAAAAAAAAAAAA",
        ] {
            assert!(AppToken::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let t = FrontendAuthorization::parse("abcdEFGHijklMNOPqrst").unwrap();
        assert!(!format!("{t:?}").contains("EFGH"));
    }
}
