//! Why loading, verifying or signing a scheme failed.
//!
//! Every variant names the file (in index form, `scheme/path`, or as a filesystem path)
//! and the reason, so `irma scheme verify` can say exactly what is wrong.

use std::path::PathBuf;

/// An error loading, verifying or signing a scheme.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// The folder is neither a scheme nor a folder of schemes.
    #[error(
        "{path} is not a scheme (no description.xml or description.json) nor a folder of schemes"
    )]
    NotAScheme {
        /// The folder.
        path: PathBuf,
    },
    /// A schemes or assets folder that was named does not exist.
    #[error("folder {path} does not exist")]
    MissingFolder {
        /// The folder.
        path: PathBuf,
    },
    /// None of the data folders irmago would use could be created.
    #[error(
        "no folder for irma data could be created ($XDG_DATA_HOME or ~/.local/share, $XDG_DATA_DIRS, the temporary folder)"
    )]
    NoDataFolder,
    /// The folder holds no schemes at all.
    #[error("{path} contains no schemes")]
    NoSchemes {
        /// The folder.
        path: PathBuf,
    },
    /// A file the scheme needs is missing (`index`, `index.sig`, `pk.pem`, `timestamp`, `description.xml`).
    #[error("missing file {path}")]
    MissingFile {
        /// The missing file.
        path: PathBuf,
    },
    /// `pk.pem` is not a PEM-encoded P-256 public key.
    #[error("{path}: not a PEM P-256 public key: {reason}")]
    PublicKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `index.sig` does not verify against `index` with `pk.pem`.
    #[error("{path}: ecdsa signature over the index is invalid")]
    Signature {
        /// The signature file.
        path: PathBuf,
    },
    /// A line of `index` is malformed.
    #[error("{path} line {line}: {reason}")]
    IndexSyntax {
        /// The index file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The index lists a file that does not exist.
    #[error("file {file} in index is not found on disk")]
    MissingIndexedFile {
        /// The file, in index form.
        file: String,
    },
    /// A file's SHA-256 differs from the index.
    #[error("hash of {file} does not match scheme index")]
    HashMismatch {
        /// The file, in index form.
        file: String,
    },
    /// A file that must be signed (what `irma scheme sign` would index) is not in the index.
    #[error("file {file} must be signed but is not in the index")]
    Unsigned {
        /// The file, in index form.
        file: String,
    },
    /// An XML description could not be parsed.
    #[error("{file}: invalid XML: {error}")]
    Xml {
        /// The file, in index form.
        file: String,
        /// The parser's error.
        error: quick_xml::DeError,
    },
    /// A description or key breaks a scheme rule.
    #[error("{file}: {reason}")]
    Invalid {
        /// The file, in index form.
        file: String,
        /// The rule broken.
        reason: String,
    },
    /// A file to be signed has Windows line endings (irmago refuses these too).
    #[error("{file} contains CRLF (Windows) line endings, please convert to LF")]
    Crlf {
        /// The file, in index form.
        file: String,
    },
    /// The scheme signing key could not be read.
    #[error(transparent)]
    Key(#[from] super::keys::SchemeKeyError),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            error,
        }
    }
}
