//! Sessions: `max_session_lifetime`, `session_result_lifetime`, the result JWTs
//! (`jwt_issuer`, `jwt_privkey`, `jwt_privkey_file`), callbacks and return URLs
//! (`allow_unsigned_callbacks`, `allow_private_callbacks`, `augment_client_return_url`).

use std::time::Duration;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::invalid;
use super::raw::{lenient, lenient_bool, lenient_string};
use super::secret::Secret;
use super::{ConfigError, as_minutes, inline_or_file};

/// The keys of this section, unresolved.
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
pub struct SessionKeys {
    /// Maximum lifetime of a session, in minutes.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub max_session_lifetime: Option<u64>,
    /// Time in minutes for which a session result is kept after the session has finished.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub session_result_lifetime: Option<u64>,
    /// JWT issuer.
    #[arg(short, long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_issuer: Option<String>,
    /// JWT private key.
    #[arg(long, allow_hyphen_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_privkey: Option<String>,
    /// Path to JWT private key.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub jwt_privkey_file: Option<String>,
    /// Allow requests with callbacks or nextSession without a JWT private key.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub allow_unsigned_callbacks: Option<bool>,
    /// Whether to allow session requests to augment the client return URL.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub augment_client_return_url: Option<bool>,
    /// In production mode, allow callback and nextSession URLs that resolve to loopback,
    /// link-local or private addresses.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub allow_private_callbacks: Option<bool>,
}

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
