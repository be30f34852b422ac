//! The schemes and issuer private keys: `schemes_path`, `schemes_assets_path`,
//! `schemes_update`, `privkeys`, `skip_private_keys_check`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::raw::SchemeKeys;

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
