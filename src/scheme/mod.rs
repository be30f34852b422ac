//! Credential schemes: parse, verify, sign, download and update.
//!
//! A scheme is a signed folder of XML descriptions of issuers, credential types and issuer
//! public keys (irmago `irma/descriptions.go`, `irma/schemes.go`; docs `schemes.md`):
//!
//! - [`Configuration::load`] verifies and parses an `irma_configuration` folder or one
//!   scheme folder, and answers the lookups the rest of the crate needs.
//! - [`verify`] checks `index.sig`, the index and every file hash;
//!   [`sign`] writes `timestamp`, `index`, `index.sig` and `pk.pem`;
//!   [`keys`] holds the ECDSA P-256 scheme keys, [`encrypted_key`] their passphrase-protected
//!   form.
//! - [`download`] installs and updates schemes over HTTPS, atomically.
//! - [`requestor`] parses and checks requestor schemes (`description.json`).
//! - [`storage`] resolves the schemes folder (the reference's default paths) and prepares it:
//!   schemes from an assets folder, and the default schemes [`embedded`] in the binary.

pub mod configuration;
pub mod description;
pub mod download;
pub mod embedded;
pub mod encrypted_key;
mod error;
pub mod index;
pub mod keys;
pub mod requestor;
pub mod sign;
pub mod storage;
pub mod verify;

pub use configuration::{Configuration, Scheme};
pub use description::{AttributeType, CredentialType, IssuerDescription, SchemeDescription};
pub use error::Error;
pub use storage::{SCHEMES_PATH_ENV, default_schemes_path};
