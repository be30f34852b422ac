//! `irma server` configuration: sources, precedence, resolution and checks.
//!
//! Sources and precedence are the reference's (irmago `yivi/cli/irmacli/config.go`):
//! command-line flags > environment `IRMASERVER_<KEY>` > configuration file > defaults,
//! where production mode has stricter defaults. Keys are the reference's flag names
//! with `_` (`listen_addr`, `jwt_privkey_file`, ...). The file is `--config FILE`, or the
//! first `irmaserver.{json,toml,yaml,yml}` in `.`, `/etc/irmaserver/`, `$HOME/.irmaserver`.
//!
//! Differences from the reference, on purpose:
//! - unknown keys in the file or environment are an error, not silently ignored;
//! - list values from flags and the environment are split on commas *and* white space
//!   (the reference splits flags on commas and the environment on white space only);
//! - production mode is read from every source before defaults are chosen, so
//!   `production: true` in a file gives the production defaults too (irmago#37);
//! - resolving has no side effects: no scheme downloads, no writes.
//!
//! figment merges the layers into a [`RawConfig`]; [`ServerConfig::try_from`] resolves it
//! once into the immutable configuration the server runs on.

mod host_pattern;
mod raw;
mod secret;
mod server;

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Json, Serialized, Toml, Yaml};

pub use host_pattern::{HostPattern, HostPatternError};
pub use raw::{List, MapOrJson, RawConfig, RawRequestor};
pub use secret::Secret;
pub use server::{
    Auth, DEFAULT_PORT, HmacKey, Listener, LogConfig, Permissions, RedisConfig, Requestor,
    RequestorKey, ServerConfig, StaticFiles, StoreConfig, Tls,
};

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
    /// A source could not be read or parsed (names the key or file).
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
        Self::Source(Box::new(e))
    }
}

pub(crate) fn read_file(key: &'static str, path: &str) -> Result<String, ConfigError> {
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
/// `flags` holds only the flags given on the command line (absent flags must be
/// skipped, not serialised as defaults). `file` is the configuration file to read, if any.
pub fn merge(flags: &RawConfig, file: Option<&Path>) -> Result<RawConfig, ConfigError> {
    let mut figment = Figment::new();
    if let Some(file) = file {
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        figment = match ext {
            "json" => figment.merge(Json::file_exact(file)),
            "toml" => figment.merge(Toml::file_exact(file)),
            "yaml" | "yml" => figment.merge(Yaml::file_exact(file)),
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
        .merge(Serialized::defaults(env_layer()))
        .merge(Serialized::defaults(flags));
    Ok(figment.extract()?)
}

/// Resolves the configuration from flags, environment and file: what `irma server` and
/// `irma server check` both run.
pub fn load(flags: &RawConfig, config_file: Option<&Path>) -> Result<ServerConfig, ConfigError> {
    let file = find_config_file(config_file);
    ServerConfig::try_from(merge(flags, file.as_deref())?)
}

#[cfg(test)]
mod tests;
