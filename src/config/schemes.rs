//! The schemes and issuer private keys: `schemes_path`, `schemes_assets_path`,
//! `schemes_update`, `privkeys`, `skip_private_keys_check`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::raw::{lenient, lenient_bool, lenient_string};

/// The keys of this section, unresolved.
#[derive(Debug, Default, Clone, Args, Serialize, Deserialize)]
pub struct SchemeKeys {
    /// Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else
    /// ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf].
    #[arg(short, long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub schemes_path: Option<String>,
    /// If specified, copy schemes from here into --schemes-path when missing there or newer
    /// [default: ~/.local/share/irma/irma_configuration_assets if it exists].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub schemes_assets_path: Option<String>,
    /// Update schemes every x minutes (0 to disable).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient")]
    pub schemes_update: Option<u64>,
    /// Path to IRMA private keys.
    #[arg(short = 'k', long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_string")]
    pub privkeys: Option<String>,
    /// Whether to skip checking if the private keys that are required for issuing are present.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "lenient_bool")]
    pub skip_private_keys_check: Option<bool>,
}

/// The schemes and issuer keys, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Schemes {
    /// Schemes folder; `None` means the default resolution of the scheme module.
    pub schemes_path: Option<PathBuf>,
    /// Read-only schemes copied in when newer.
    pub schemes_assets_path: Option<PathBuf>,
    /// How often schemes are updated; `None` disables updates.
    #[serde(serialize_with = "opt_minutes")]
    pub schemes_update: Option<Duration>,
    /// Folder with issuer private keys (`scheme.issuer[.counter].xml`).
    pub privkeys: Option<PathBuf>,
    /// Skip checking that issue permissions have private keys.
    pub skip_private_keys_check: bool,
}

impl SchemeKeys {
    /// Resolves this section (it cannot fail: the folders are checked when the server
    /// prepares).
    pub(super) fn resolve(self) -> Schemes {
        let Self {
            schemes_path,
            schemes_assets_path,
            schemes_update,
            privkeys,
            skip_private_keys_check,
        } = self;
        Schemes {
            schemes_path: path(schemes_path),
            schemes_assets_path: path(schemes_assets_path),
            schemes_update: match schemes_update.unwrap_or(60) {
                0 => None,
                m => Some(Duration::from_secs(m.saturating_mul(60))),
            },
            privkeys: path(privkeys),
            skip_private_keys_check: skip_private_keys_check.unwrap_or(false),
        }
    }
}

/// A folder setting; empty means not set.
fn path(value: Option<String>) -> Option<PathBuf> {
    value.filter(|s| !s.is_empty()).map(PathBuf::from)
}

fn opt_minutes<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    // 0 disables scheme updates, as the setting.
    s.serialize_u64(d.map_or(0, |d| d.as_secs() / 60))
}
