//! A headless IRMA app: the holder's side of every session, and its credential storage.
//!
//! `irma wallet` plays the Yivi app from the command line (irmago `irma/irmaclient`): it
//! keeps a secret key and credentials in one directory ([`storage`]), picks which
//! credentials satisfy a disclosure request ([`candidates`]), and performs sessions against
//! any IRMA server over the app protocol 2.8 ([`session`]), with atum timestamps on
//! attribute-based signatures ([`timestamp`]) and the keyshare server of keyshare schemes
//! (pbdf) taking part in the proofs ([`keyshare`]).
//!
//! - [`storage`]: the wallet directory: format version, secret key (mode 0600), one file
//!   per credential, every write atomic.
//! - [`credential`]: a stored credential checked against its scheme ([`WalletCredential`])
//!   and the reference's wallet dump format (import and export).
//! - [`candidates`]: the documented choice of credentials for a disclosure request.
//!   Revocable credentials keep their nonrevocation witness, follow the revocation updates
//!   a request carries, and are never chosen once those show them revoked.
//! - [`session`]: the app protocol: session pointer → request → (pairing) → proofs or
//!   commitments → new credentials, chained sessions.
//! - [`timestamp`]: asking the scheme's atum server to timestamp a signature.
//! - [`keyshare`]: enrollment at a keyshare server with a PIN, the PIN check and the keyshare
//!   server's commitments and responses during sessions.

pub mod candidates;
pub mod credential;
pub mod keyshare;
pub mod session;
pub mod storage;
pub mod timestamp;

#[cfg(test)]
mod revocation_tests;

use std::path::PathBuf;

pub use candidates::{Chosen, DisclosurePlan, choose};
pub use credential::{Wallet, WalletCredential, WalletDump};
pub use keyshare::{KeyshareAccount, Pin};
pub use session::{
    Report, RunOptions, RunOutcome, enroll, parse_pointer, run_session, run_session_on,
};
pub use storage::{FORMAT_VERSION, LoadedCredentials, Storage, StoredCredential, Unreadable};

use crate::protocol::errors::RemoteError;
use crate::protocol::identifiers::{CredentialTypeId, SchemeId};

/// Why a wallet operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- storage -------------------------------------------------------------------------
    /// A file of the wallet could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A wallet file does not parse.
    #[error("{path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The storage was written by a newer version of this program.
    #[error(
        "wallet storage {path} has format version {found}; this program reads version {supported} and older: upgrade irma"
    )]
    NewerFormat {
        /// The wallet directory.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The newest version this program reads.
        supported: u32,
    },
    /// Credentials made with another secret key cannot join this wallet.
    #[error("the imported credentials belong to another secret key than this wallet's")]
    OtherSecretKey,
    /// No credential matches what was asked for.
    #[error("no credential {0} in the wallet")]
    NoSuchCredential(String),
    /// More than one credential matches.
    #[error("{0} matches several credentials; give its hash")]
    AmbiguousCredential(String),

    // ---- credentials and schemes ---------------------------------------------------------
    /// A credential type is not in the loaded schemes.
    #[error("unknown credential type {0}")]
    UnknownCredentialType(CredentialTypeId),
    /// A credential's issuer key is not in the loaded schemes, or does not parse.
    #[error("issuer public key of {credential_type} (counter {counter}): {reason}")]
    PublicKey {
        /// The credential type.
        credential_type: CredentialTypeId,
        /// The key counter.
        counter: u32,
        /// What is wrong.
        reason: String,
    },
    /// A credential does not fit its type or its signature does not verify.
    #[error("credential {credential_type}: {reason}")]
    InvalidCredential {
        /// The credential type.
        credential_type: CredentialTypeId,
        /// What is wrong.
        reason: String,
    },
    /// The session needs a keyshare scheme the wallet is not enrolled in.
    #[error(
        "scheme {0} uses a keyshare server and this wallet is not enrolled there: run `irma wallet enroll {0}`"
    )]
    NotEnrolled(SchemeId),
    /// Enrollment at a scheme without keyshare server.
    #[error("scheme {0} has no keyshare server")]
    NotKeyshareScheme(SchemeId),
    /// Enrollment at a keyshare server the wallet is enrolled in already.
    #[error("this wallet is enrolled at the keyshare server of scheme {0} already")]
    AlreadyEnrolled(SchemeId),
    /// A keyshare scheme's proofs need the PIN, and none was given.
    #[error(
        "scheme {0} uses a keyshare server: give the keyshare PIN (--pin-file, or IRMA_WALLET_PIN)"
    )]
    PinRequired(SchemeId),
    /// The PIN chosen at enrollment is too short.
    #[error("the keyshare PIN must be at least {0} characters")]
    PinTooShort(usize),
    /// The keyshare server refused the PIN.
    #[error("wrong PIN for the keyshare server of scheme {scheme}: {attempts_left} attempts left")]
    WrongPin {
        /// The scheme.
        scheme: SchemeId,
        /// Attempts left before the keyshare server blocks the PIN.
        attempts_left: u32,
    },
    /// The keyshare server blocks PIN attempts for a while.
    #[error("the keyshare server of scheme {scheme} is blocked for {seconds} s after wrong PINs")]
    KeyshareBlocked {
        /// The scheme.
        scheme: SchemeId,
        /// Seconds until the next attempt.
        seconds: u64,
    },
    /// The keyshare server's answers do not follow the protocol.
    #[error("keyshare: {0}")]
    Keyshare(String),
    /// The Idemix layer refused.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::idemix::Error),

    // ---- sessions ------------------------------------------------------------------------
    /// The session input is not a session pointer or package.
    #[error("not a session pointer or session package: {0}")]
    BadPointer(String),
    /// The request cannot be satisfied with the wallet's credentials.
    #[error(
        "request not satisfiable by this wallet (disjunctions {missing:?} have no usable option)"
    )]
    Unsatisfiable {
        /// Indices of the disjunctions no credential satisfies.
        missing: Vec<usize>,
    },
    /// A `--choose` index does not fit the request or the wallet.
    #[error("choice: {0}")]
    BadChoice(String),
    /// The pairing code shown by the server is not the expected one.
    #[error("pairing code mismatch: the server shows {shown:?}, expected {expected:?}")]
    PairingMismatch {
        /// The server's code.
        shown: String,
        /// The code given with `--pairing-code`.
        expected: String,
    },
    /// The server ended the session (cancelled, timed out, pairing rejected).
    #[error("the session ended on the server with status {0}")]
    Ended(String),
    /// The server's message does not follow the protocol.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The server answered with an IRMA error.
    #[error("server error: {0}")]
    Remote(RemoteError),
    /// The server's answer had an unexpected HTTP status and no IRMA error body.
    #[error("server answered HTTP {status}: {body}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The server could not be reached.
    #[error("transport: {0}")]
    Transport(String),
    /// The server did not accept the proofs.
    #[error("the server rejected the proofs: {0}")]
    Rejected(String),
}

impl Error {
    fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
