//! Checking any IRMA JWT with a known key: which kind it is, its signature and its times.
//!
//! Used for result and getproof JWTs (with the server's public key) and by `irma jwt verify`.
//! Requestor authentication on the server has its own rules and reference error messages:
//! see [`super::auth`].

use serde_json::{Map, Value};

use super::compact::{Decoded, FormatError};
use super::keys::VerifyingKey;
use super::request::RequestKind;
use super::result::SessionType;

/// Clock-skew tolerance in seconds unless configured otherwise (the reference has none).
pub const DEFAULT_LEEWAY: u64 = 5;

/// What an IRMA JWT is, by its claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwtKind {
    /// A requestor's session or revocation request.
    Request(RequestKind),
    /// A session result JWT (`sub` `<type>_result`).
    SessionResult(SessionType),
    /// A getproof (irma_api_server) result JWT.
    Getproof(SessionType),
    /// None of the above.
    Unknown,
}

impl JwtKind {
    /// Classifies claims by `sub` (and the `revrequest` claim for revocations).
    pub fn of(claims: &Map<String, Value>) -> Self {
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        if let Some(kind) = RequestKind::from_subject(sub) {
            return Self::Request(kind);
        }
        let by_subject = |f: fn(SessionType) -> &'static str| {
            [
                SessionType::Disclosing,
                SessionType::Signing,
                SessionType::Issuing,
            ]
            .into_iter()
            .find(|t| f(*t) == sub)
        };
        if let Some(t) = by_subject(SessionType::result_subject) {
            return Self::SessionResult(t);
        }
        if let Some(t) = by_subject(SessionType::getproof_subject) {
            return Self::Getproof(t);
        }
        if claims.contains_key(RequestKind::Revocation.body_claim()) {
            return Self::Request(RequestKind::Revocation);
        }
        Self::Unknown
    }

    /// A description for people, e.g. `session request (disclosure)`.
    pub fn describe(self) -> String {
        match self {
            Self::Request(RequestKind::Revocation) => "revocation request".to_owned(),
            Self::Request(k) => format!("session request ({})", k.name()),
            Self::SessionResult(t) => format!("session result ({})", t.as_str()),
            Self::Getproof(t) => format!("getproof result ({})", t.as_str()),
            Self::Unknown => "unknown".to_owned(),
        }
    }
}

/// When to check a token, and how strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCheck {
    /// "Now" as unix seconds: the caller's clock, or a time to audit an old token at.
    pub now: i64,
    /// Clock-skew tolerance in seconds for `exp`, `nbf` and a future `iat`.
    pub leeway: u64,
    /// When set, `iat` is required and may be at most this many seconds old.
    pub max_age: Option<u64>,
}

impl TimeCheck {
    /// Checks at `now` with [`DEFAULT_LEEWAY`] and no maximum age.
    pub fn at(now: i64) -> Self {
        Self {
            now,
            leeway: DEFAULT_LEEWAY,
            max_age: None,
        }
    }
}

/// Why a token is not valid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not a well-formed JWT.
    #[error("malformed jwt: {0}")]
    Format(#[from] FormatError),
    /// The header's `alg` is not the key's algorithm (this includes `none` and HS256 with an
    /// RSA key).
    #[error("algorithm {found:?} is not accepted: this key verifies {expected} only")]
    Algorithm {
        /// The header's `alg`.
        found: String,
        /// The key's algorithm.
        expected: &'static str,
    },
    /// The signature does not match the key.
    #[error("signature is invalid")]
    Signature,
    /// `exp` has passed.
    #[error("token expired at {exp} (checked at {now}, leeway {leeway} s)")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The time checked at.
        now: i64,
        /// The leeway applied.
        leeway: u64,
    },
    /// `nbf` is still in the future.
    #[error("token is not valid before {nbf} (checked at {now}, leeway {leeway} s)")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: i64,
        /// The time checked at.
        now: i64,
        /// The leeway applied.
        leeway: u64,
    },
    /// `iat` is in the future.
    #[error("token is issued in the future at {iat} (checked at {now}, leeway {leeway} s)")]
    IssuedInFuture {
        /// The `iat` claim.
        iat: i64,
        /// The time checked at.
        now: i64,
        /// The leeway applied.
        leeway: u64,
    },
    /// A maximum age was asked for but the token has no `iat`.
    #[error("token has no iat, so its age cannot be checked")]
    MissingIssuedAt,
    /// `iat` is older than the maximum age.
    #[error("token too old: issued at {iat}, more than {max_age} s before {now}")]
    TooOld {
        /// The `iat` claim.
        iat: i64,
        /// The maximum age.
        max_age: u64,
        /// The time checked at.
        now: i64,
    },
}

/// A decoded JWT whose signature has not been checked yet.
#[derive(Debug, Clone)]
pub struct Jwt<'a> {
    decoded: Decoded<'a>,
}

/// A JWT whose signature and times were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJwt {
    /// The header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
    /// What it is.
    pub kind: JwtKind,
}

impl<'a> Jwt<'a> {
    /// Decodes a token (surrounding whitespace ignored) without checking it.
    pub fn decode(token: &'a str) -> Result<Self, FormatError> {
        Decoded::parse(token.trim()).map(|decoded| Self { decoded })
    }

    /// The header, unverified.
    pub fn header(&self) -> &Map<String, Value> {
        &self.decoded.header
    }

    /// The claims, unverified.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.decoded.claims
    }

    /// What the claims say it is, unverified.
    pub fn kind(&self) -> JwtKind {
        JwtKind::of(&self.decoded.claims)
    }

    /// Checks the signature with `key` (whose algorithm must be the header's `alg`), then
    /// `exp`, `nbf`, `iat` against `time`.
    pub fn verify(&self, key: &VerifyingKey, time: &TimeCheck) -> Result<VerifiedJwt, JwtError> {
        let d = &self.decoded;
        let alg = d.algorithm()?;
        let expected = key.alg_name();
        if alg != expected {
            return Err(JwtError::Algorithm {
                found: alg.to_owned(),
                expected,
            });
        }
        if !d.signature_matches(key) {
            return Err(JwtError::Signature);
        }
        check_times(d, time)?;
        Ok(VerifiedJwt {
            header: d.header.clone(),
            claims: d.claims.clone(),
            kind: self.kind(),
        })
    }
}

pub(super) fn check_times(d: &Decoded<'_>, t: &TimeCheck) -> Result<(), JwtError> {
    let (now, leeway) = (t.now, t.leeway);
    if let Some(exp) = d.time_claim("exp")?
        && now > exp.saturating_add_unsigned(leeway)
    {
        return Err(JwtError::Expired { exp, now, leeway });
    }
    if let Some(nbf) = d.time_claim("nbf")?
        && nbf > now.saturating_add_unsigned(leeway)
    {
        return Err(JwtError::NotYetValid { nbf, now, leeway });
    }
    let iat = d.time_claim("iat")?;
    if let Some(iat) = iat
        && iat > now.saturating_add_unsigned(leeway)
    {
        return Err(JwtError::IssuedInFuture { iat, now, leeway });
    }
    if let Some(max_age) = t.max_age {
        let iat = iat.ok_or(JwtError::MissingIssuedAt)?;
        if iat.saturating_add_unsigned(max_age) < now {
            return Err(JwtError::TooOld { iat, max_age, now });
        }
    }
    Ok(())
}
