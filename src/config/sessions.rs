//! Sessions: `max_session_lifetime`, `session_result_lifetime`, the result JWTs
//! (`jwt_issuer`, `jwt_privkey`, `jwt_privkey_file`), callbacks and return URLs
//! (`allow_unsigned_callbacks`, `allow_private_callbacks`, `augment_client_return_url`).

use std::time::Duration;

use serde::Serialize;

use super::invalid;
use super::raw::SessionKeys;
use super::secret::Secret;
use super::{ConfigError, as_minutes, inline_or_file};

/// The session settings, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct SessionConfig {
    /// How long a session may live.
    #[serde(serialize_with = "as_minutes")]
    pub max_session_lifetime: Duration,
    /// How long a result is kept after the session ends.
    #[serde(serialize_with = "as_minutes")]
    pub session_result_lifetime: Duration,
    /// `iss` of result JWTs.
    pub jwt_issuer: String,
    /// RSA private key (PEM) that signs result JWTs.
    pub jwt_private_key: Option<Secret>,
    /// Allow callbacks and chained sessions without a JWT key.
    pub allow_unsigned_callbacks: bool,
    /// Allow `augmentReturnUrl` in requests.
    pub augment_client_return_url: bool,
    /// In production mode, allow callback and `nextSession` URLs on loopback, link-local
    /// and private addresses.
    pub allow_private_callbacks: bool,
}

impl SessionKeys {
    /// Resolves this section (reads `jwt_privkey_file`).
    pub(super) fn resolve(self) -> Result<SessionConfig, ConfigError> {
        let Self {
            max_session_lifetime,
            session_result_lifetime,
            jwt_issuer,
            jwt_privkey,
            jwt_privkey_file,
            allow_unsigned_callbacks,
            augment_client_return_url,
            allow_private_callbacks,
        } = self;
        Ok(SessionConfig {
            max_session_lifetime: minutes(
                "max_session_lifetime",
                max_session_lifetime.unwrap_or(15),
            )?,
            session_result_lifetime: minutes(
                "session_result_lifetime",
                session_result_lifetime.unwrap_or(5),
            )?,
            jwt_issuer: jwt_issuer.unwrap_or_else(|| "irmaserver".to_owned()),
            jwt_private_key: inline_or_file("jwt_privkey", jwt_privkey, jwt_privkey_file)?
                .map(Secret::new),
            allow_unsigned_callbacks: allow_unsigned_callbacks.unwrap_or(false),
            augment_client_return_url: augment_client_return_url.unwrap_or(false),
            allow_private_callbacks: allow_private_callbacks.unwrap_or(false),
        })
    }
}

fn minutes(key: &'static str, value: u64) -> Result<Duration, ConfigError> {
    if value == 0 {
        return Err(invalid(key, "must be at least 1 minute"));
    }
    Ok(Duration::from_secs(value.saturating_mul(60)))
}
