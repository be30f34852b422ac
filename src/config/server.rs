//! The resolved, immutable `irma server` configuration, assembled from the sections of a
//! [`RawConfig`], each resolved where its keys are defined: defaults (stricter in production
//! mode), normalisation and every check that needs no schemes (irmago `irma/server/conf.go`
//! `Check`, `requestorserver/conf.go` `initialize`). Checks against the schemes
//! (permissions, private keys) run when the server loads them.

use serde::Serialize;

use super::ConfigError;
use super::listeners::Listeners;
use super::mode::{LogConfig, Mode};
use super::raw::RawConfig;
use super::requestors::Requestors;
use super::revocation::RevocationConfig;
use super::schemes::Schemes;
use super::sessions::SessionConfig;
use super::store::StoreConfig;

/// The whole server configuration, resolved once; nothing changes it afterwards. Its
/// configuration dump (`irma server check -v`) is one flat map, as the keys.
#[derive(Debug, Clone, Serialize)]
pub struct ServerConfig {
    /// Production mode: stricter defaults, unsafe combinations refused.
    pub production: bool,
    /// Schemes and issuer keys.
    #[serde(flatten)]
    pub schemes: Schemes,
    /// Listeners, the app URL, TLS and static files.
    #[serde(flatten)]
    pub listeners: Listeners,
    /// Requestors: authentication, permissions, static sessions.
    #[serde(flatten)]
    pub requestors: Requestors,
    /// Session lifetimes, result JWTs, callbacks.
    #[serde(flatten)]
    pub sessions: SessionConfig,
    /// Where sessions live.
    pub store: StoreConfig,
    /// Revocation roles per credential type and the revocation database.
    pub revocation: RevocationConfig,
    /// Logging.
    pub log: LogConfig,
    /// Keys that were given and are accepted for compatibility only (`email`, `no_email`):
    /// nothing uses them, and the server says so when it starts.
    pub ignored: Vec<&'static str>,
}

impl TryFrom<RawConfig> for ServerConfig {
    type Error = ConfigError;

    /// Resolves each section (production mode first: other sections' defaults depend on it).
    fn try_from(raw: RawConfig) -> Result<Self, ConfigError> {
        let RawConfig {
            schemes,
            listeners,
            requestors,
            sessions,
            store,
            revocation,
            mode,
        } = raw;
        let Mode {
            production,
            log,
            ignored,
        } = mode.resolve()?;
        Ok(ServerConfig {
            production,
            revocation: revocation.resolve()?,
            schemes: schemes.resolve(),
            listeners: listeners.resolve(production)?,
            requestors: requestors.resolve(production)?,
            sessions: sessions.resolve()?,
            store: store.resolve()?,
            log,
            ignored,
        })
    }
}
