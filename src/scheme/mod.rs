//! Credential schemes: parse, verify, sign, download and update.
//!
//! A scheme is a signed folder of XML descriptions of issuers, credential types and issuer
//! public keys (irmago `irma/descriptions.go`, `irma/schemes.go`; docs `schemes.md`):
//!
//! - [`Configuration::load`] verifies and parses an `irma_configuration` folder or one
//!   scheme folder, and answers the lookups the rest of the crate needs.
//! - [`verify`] checks `index.sig`, the index and every file hash;
//!   [`sign`] writes `timestamp`, `index`, `index.sig` and `pk.pem`;
//!   [`keys`] holds the ECDSA P-256 scheme keys.
//! - [`download`] installs and updates schemes over HTTPS, atomically.
//!
//! Requestor schemes (`description.json`) are not supported yet.

pub mod configuration;
pub mod description;
pub mod download;
mod error;
pub mod index;
pub mod keys;
pub mod sign;
pub mod verify;

use std::path::{Path, PathBuf};

pub use configuration::{Configuration, Scheme};
pub use description::{AttributeType, CredentialType, IssuerDescription, SchemeDescription};
pub use error::Error;

/// Environment variable naming the schemes folder when no `--schemes-path` is given.
pub const SCHEMES_PATH_ENV: &str = "IRMA_SCHEMES_PATH";

/// The schemes bundled with this crate (`irma-demo` and `pbdf`), so everything works offline.
pub const BUNDLED_SCHEMES_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemes");

/// The schemes folder to use: `flag` (`--schemes-path`) if given, else `$IRMA_SCHEMES_PATH`
/// if set and non-empty, else the bundled schemes ([`BUNDLED_SCHEMES_PATH`]).
pub fn default_schemes_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_owned();
    }
    match std::env::var_os(SCHEMES_PATH_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(BUNDLED_SCHEMES_PATH),
    }
}
