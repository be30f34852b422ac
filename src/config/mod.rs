//! `irma server` configuration: sources, precedence, resolution and checks.
//!
//! Sources and precedence are the reference's (irmago `yivi/cli/irmacli/config.go`):
//! command-line flags > environment `IRMASERVER_<KEY>` > configuration file > defaults,
//! where production mode has stricter defaults. Keys are the reference's flag names
//! with `_` (`listen_addr`, `jwt_privkey_file`, ...). The file is `--config FILE`, or the
//! first `irmaserver.{json,toml,yaml,yml}` in `.`, `/etc/irmaserver/`, `$HOME/.irmaserver`.
//!
//! Differences from the reference, on purpose:
//! - unknown keys in the file or environment are an error naming the key, its source and
//!   the nearest known key, not silently ignored;
//! - list values from flags and the environment are split on commas *and* white space
//!   (the reference splits flags on commas and the environment on white space only);
//! - production mode is read from every source before defaults are chosen, so
//!   `production: true` in a file gives the production defaults too (irmago#37);
//! - resolving has no side effects: no scheme downloads, no writes.
//!
//! figment merges the layers into a [`RawConfig`]; the flags are one more serialisable
//! source, named by their keys. [`ServerConfig::try_from`] resolves it once, section by
//! section, into the immutable configuration the server runs on: requestor keys become
//! the JWT layer's credentials, `host_perms` parsed patterns.
//!
//! A new key takes two places: a field of its section's `…Keys` struct in `raw.rs`, which
//! is at once the flag of `irma server` (its doc the help), the key of files and the
//! environment, and a known key; and its resolution in the section's `resolve` (in
//! `schemes.rs`, `listeners.rs`, `requestors.rs`, `sessions.rs`, `store.rs`,
//! `revocation.rs` or `mode.rs`), whose destructuring does not compile until the key is
//! named there.

mod host_pattern;
mod listeners;
mod mode;
mod raw;
mod requestors;
mod revocation;
mod schemes;
mod secret;
mod server;
mod sessions;
mod store;

use std::path::{Path, PathBuf};

use figment::providers::{Format, Json, Serialized, Toml, Yaml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};
use serde::Serialize;

pub use host_pattern::{HostPattern, HostPatternError};
pub use listeners::{DEFAULT_PORT, Listener, Listeners, StaticFiles, Tls};
pub use mode::LogConfig;
pub use raw::{
    List, ListenerKeys, MapOrJson, ModeKeys, RawConfig, RawRequestor, RequestorKeys,
    RevocationKeys, SchemeKeys, SessionKeys, StoreKeys,
};
pub use requestors::{Auth, Permissions, Requestor, Requestors};
pub use revocation::{
    DEFAULT_TOLERANCE, Database, MIN_TOLERANCE, RevocationConfig,
    TypeSettings as RevocationSettings,
};
pub use schemes::Schemes;
pub use secret::Secret;
pub use server::ServerConfig;
pub use sessions::SessionConfig;
pub use store::{RedisConfig, StoreConfig};

/// Environment variable prefix of the server's configuration keys.
pub const ENV_PREFIX: &str = "IRMASERVER_";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A setting has a bad value or conflicts with another.
    #[error("invalid setting {key}: {reason}")]
    Invalid {
        /// The configuration key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A key that no setting has, with the closest known key if one is near.
    #[error("unknown setting '{key}' in {place}{}", .suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownKey {
        /// The key, with its parents (`requestors.app.auth_metod`).
        key: String,
        /// The file, the environment or the command line.
        place: String,
        /// The closest known key.
        suggestion: Option<&'static str>,
    },
    /// A key whose value does not fit its setting.
    #[error("invalid setting {key} in {place}: {reason}")]
    Value {
        /// The key, with its parents.
        key: String,
        /// The file, the environment or the command line.
        place: String,
        /// What is wrong.
        reason: String,
    },
    /// A source could not be read or parsed (names the file).
    #[error("{0}")]
    Source(Box<figment::Error>),
    /// A file named by a setting could not be read.
    #[error("reading {path} (setting {key}): {source}")]
    Io {
        /// The configuration key naming the file.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl From<figment::Error> for ConfigError {
    fn from(e: figment::Error) -> Self {
        let place = e
            .metadata
            .as_ref()
            .map_or_else(|| "the configuration".to_owned(), |m| m.name.to_string());
        // The path ends with the key itself.
        let key = e.path.join(".");
        match &e.kind {
            figment::error::Kind::UnknownField(found, expected) => Self::UnknownKey {
                key: if key.is_empty() { found.clone() } else { key },
                place,
                suggestion: closest(found, expected),
            },
            kind if !key.is_empty() => Self::Value {
                key,
                place,
                reason: value_problem(kind),
            },
            _ => Self::Source(Box::new(e)),
        }
    }
}

/// What is wrong with a value, without repeating a string it held (it may be a key or a
/// password).
fn value_problem(kind: &figment::error::Kind) -> String {
    use figment::error::{Actual, Kind};
    match kind {
        Kind::InvalidType(Actual::Str(_), expected) => {
            format!("invalid type: found a string, expected {expected}")
        }
        Kind::InvalidValue(Actual::Str(_), expected) => {
            format!("invalid value: a string, expected {expected}")
        }
        other => other.to_string(),
    }
}

/// The known key nearest to `key` by edit distance (with transpositions), when it is near
/// enough to be a typo.
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let near = (key.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (strsim::osa_distance(key, k), *k))
        .filter(|(d, _)| *d <= near)
        .min()
        .map(|(_, k)| k)
}

/// A provider under the name that messages give its values (a file name, "the
/// environment", "the command line").
struct Named<P> {
    provider: P,
    name: String,
}

impl<P: Provider> Provider for Named<P> {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.provider.data()
    }
}

/// `provider` under `name`.
fn named<P: Provider>(name: impl Into<String>, provider: P) -> Named<P> {
    Named {
        provider,
        name: name.into(),
    }
}

/// The error of a setting with a bad value.
fn invalid(key: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        reason: reason.into(),
    }
}

/// One of an inline value and a file, as the reference's "either-or" rule.
fn inline_or_file(
    key: &'static str,
    inline: Option<String>,
    file: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match (
        inline.filter(|s| !s.is_empty()),
        file.filter(|s| !s.is_empty()),
    ) {
        (Some(_), Some(_)) => Err(invalid(key, "give the value or the file, not both")),
        (Some(v), None) => Ok(Some(v)),
        (None, Some(path)) => read_file(key, &path).map(Some),
        (None, None) => Ok(None),
    }
}

/// Durations appear in configuration dumps in the unit of their setting.
fn as_minutes<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs() / 60)
}

/// A duration in seconds, in configuration dumps.
fn as_seconds<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

fn read_file(key: &'static str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        key,
        path: PathBuf::from(path),
        source,
    })
}

/// Where the configuration file was found, if anywhere.
pub fn find_config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_owned());
    }
    let mut dirs = vec![PathBuf::from("."), PathBuf::from("/etc/irmaserver")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".irmaserver"));
    }
    dirs.iter()
        .flat_map(|d| {
            ["json", "toml", "yaml", "yml"].map(|ext| d.join(format!("irmaserver.{ext}")))
        })
        .find(|p| p.is_file())
}

/// The `IRMASERVER_*` variables as raw strings, keys lower-cased (`IRMASERVER_LISTEN_ADDR`
/// gives `listen_addr`). figment's own `Env` provider guesses types (`0123` would become
/// the number 123, losing a password's leading zero); here every value stays text and
/// each key's type parses it. `IRMASERVER_CONFIG` names the file and is no key.
fn env_layer() -> std::collections::BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter_map(|(k, v)| Some((k.strip_prefix(ENV_PREFIX)?.to_ascii_lowercase(), v)))
        .filter(|(k, _)| k != "config")
        .collect()
}

/// Merges file < environment < flags into a [`RawConfig`].
///
/// `flags` serialises to a map of configuration keys: the flags given on the command
/// line, absent ones as `null` or left out (so they do not override the other sources).
/// `file` is the configuration file to read, if any.
pub fn merge(flags: &impl Serialize, file: Option<&Path>) -> Result<RawConfig, ConfigError> {
    let mut figment = Figment::new();
    if let Some(file) = file {
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        let name = file.strip_prefix(".").unwrap_or(file).display().to_string();
        figment = match ext {
            "json" => figment.merge(named(name, Json::file_exact(file))),
            "toml" => figment.merge(named(name, Toml::file_exact(file))),
            "yaml" | "yml" => figment.merge(named(name, Yaml::file_exact(file))),
            _ => {
                return Err(ConfigError::Invalid {
                    key: "config",
                    reason: format!(
                        "{}: unknown configuration file format (use .json, .toml, .yaml or .yml)",
                        file.display()
                    ),
                });
            }
        };
    }
    figment = figment
        .merge(named(
            format!("the environment ({ENV_PREFIX}*)"),
            Serialized::defaults(env_layer()),
        ))
        .merge(named(
            "the command line",
            Serialized::defaults(given(flags)?),
        ));
    RawConfig::extract(&figment)
}

/// The keys of `flags` that are set (not `null`).
fn given(
    flags: &impl Serialize,
) -> Result<serde_json::Map<String, serde_json::Value>, ConfigError> {
    let value = serde_json::to_value(flags).map_err(|e| ConfigError::Invalid {
        key: "flags",
        reason: e.to_string(),
    })?;
    let serde_json::Value::Object(mut map) = value else {
        return Err(ConfigError::Invalid {
            key: "flags",
            reason: "not a map of settings".to_owned(),
        });
    };
    map.retain(|_, v| !v.is_null());
    Ok(map)
}

/// Resolves the configuration from flags, environment and file: what `irma server` and
/// `irma server check` both run.
pub fn load(
    flags: &impl Serialize,
    config_file: Option<&Path>,
) -> Result<ServerConfig, ConfigError> {
    let file = find_config_file(config_file);
    ServerConfig::try_from(merge(flags, file.as_deref())?)
}

#[cfg(test)]
mod tests;
