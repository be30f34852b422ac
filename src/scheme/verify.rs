//! Verifying a scheme folder on disk: `index.sig` over `index` with `pk.pem`, every indexed
//! file present with the indexed SHA-256, no file that must be signed left out of the
//! index, and a signed `timestamp` (irmago `parseIndex`, `verifyFiles`, `checkUnsignedFiles`).
//! Issuer schemes (`description.xml`) and requestor schemes (`description.json`) alike; the
//! scheme id is the one its description names, whatever the folder is called (as irmago:
//! maintainers verify their clone `irma-demo-schememanager/`).
//!
//! Stricter than irmago in one way: a file that `irma scheme sign` would have indexed
//! (issuer schemes: `*.xml`, `*.png`, `kss-N.pem`, `timestamp`; requestor schemes: `*.json`,
//! `timestamp`) but that is missing from the index is an error, where irmago only warns
//! ("Ignored file"). Other unknown files still only warn.
//!
//! Files are hashed on all cores; the verified contents of every non-PNG file are kept so
//! that parsing never reads a file twice (and never reads an unverified one).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use super::error::Error;
use super::index::{Index, is_signature_exception, must_be_signed};
use super::keys::SchemePublicKey;
use super::sign::scheme_id_of;
use crate::protocol::identifiers::SchemeId;

/// Name of the scheme description of an issuer scheme.
pub const DESCRIPTION_XML: &str = "description.xml";
/// Name of the scheme description of a requestor scheme.
pub const DESCRIPTION_JSON: &str = "description.json";

/// The two kinds of scheme (irmago `SchemeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// Issuers, credential types and their keys (`description.xml`).
    Issuer,
    /// Verified requestors and issue wizards (`description.json`).
    Requestor,
}

impl SchemeKind {
    /// The scheme's description file.
    pub fn description_file(self) -> &'static str {
        match self {
            Self::Issuer => DESCRIPTION_XML,
            Self::Requestor => DESCRIPTION_JSON,
        }
    }

    /// The kind of the scheme in `dir`, by the description file it holds.
    pub fn of_dir(dir: &Path) -> Result<Self, Error> {
        if dir.join(DESCRIPTION_XML).is_file() {
            Ok(Self::Issuer)
        } else if dir.join(DESCRIPTION_JSON).is_file() {
            Ok(Self::Requestor)
        } else {
            Err(Error::NotAScheme {
                path: dir.to_owned(),
            })
        }
    }
}

/// A scheme folder whose signature and file hashes check out.
#[derive(Debug)]
pub struct VerifiedScheme {
    /// The scheme folder.
    pub path: PathBuf,
    /// Issuer or requestor scheme.
    pub kind: SchemeKind,
    /// The scheme id, as its description and every line of the index name it.
    pub id: SchemeId,
    /// The signed index.
    pub index: Index,
    /// The public key that verified `index.sig` (`pk.pem`).
    pub public_key: SchemePublicKey,
    /// The signed `timestamp`: unix seconds of signing.
    pub timestamp: i64,
    /// Verified contents of every indexed file except PNG images, by relative path.
    pub files: HashMap<String, Vec<u8>>,
    /// "Ignored file"/"Ignored dir" warnings for unknown unsigned files.
    pub warnings: Vec<String>,
}

/// Whether `dir` looks like a scheme: it has a `description.xml` or `description.json`.
pub fn is_scheme_dir(dir: &Path) -> bool {
    dir.join(DESCRIPTION_XML).is_file() || dir.join(DESCRIPTION_JSON).is_file()
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingFile {
            path: path.to_owned(),
        },
        _ => Error::io(path, e),
    })
}

/// Verifies the scheme in `dir` against its own `pk.pem`.
pub fn verify_scheme_dir(dir: &Path) -> Result<VerifiedScheme, Error> {
    SchemeKind::of_dir(dir)?;
    let pk_path = dir.join("pk.pem");
    let pk_pem = read(&pk_path)?;
    let public_key = std::str::from_utf8(&pk_pem)
        .ok()
        .map(SchemePublicKey::from_pem)
        .unwrap_or_else(|| {
            Err(super::keys::SchemeKeyError::PublicKey(
                "not UTF-8".to_owned(),
            ))
        })
        .map_err(|e| Error::PublicKey {
            path: pk_path,
            reason: e.to_string(),
        })?;
    verify_scheme_dir_with_key(dir, &public_key)
}

/// Verifies the scheme in `dir` against `public_key` (a pinned or previously trusted key).
pub fn verify_scheme_dir_with_key(
    dir: &Path,
    public_key: &SchemePublicKey,
) -> Result<VerifiedScheme, Error> {
    // The id is read from the description before anything is verified; the signed index
    // must then list every file under that id, and the description's hash is checked below.
    let (kind, id) = scheme_identity(dir)?;

    let index_path = dir.join("index");
    let sig_path = dir.join("index.sig");
    let index_bytes = read(&index_path)?;
    let sig = read(&sig_path)?;
    if !public_key.verify(&index_bytes, &sig) {
        return Err(Error::Signature { path: sig_path });
    }
    let index = Index::parse(&id, &index_bytes, &index_path)?;

    let mut warnings = Vec::new();
    let on_disk = walk(dir, kind, &index, &mut warnings)?;
    for (rel, _) in index.files() {
        if on_disk.binary_search_by(|p| p.as_str().cmp(rel)).is_err() {
            return Err(Error::MissingIndexedFile {
                file: index.display_path(rel),
            });
        }
    }
    let files = hash_all(dir, &index)?;

    let ts_bytes = files.get("timestamp").ok_or_else(|| Error::MissingFile {
        path: dir.join("timestamp"),
    })?;
    let timestamp = parse_timestamp(ts_bytes).ok_or_else(|| Error::Invalid {
        file: index.display_path("timestamp"),
        reason: "not a unix timestamp".to_owned(),
    })?;

    Ok(VerifiedScheme {
        path: dir.to_owned(),
        kind,
        id,
        index,
        public_key: public_key.clone(),
        timestamp,
        files,
        warnings,
    })
}

/// The kind and id of the scheme in `dir`, read from its (not yet verified) description
/// (irmago `common.SchemeInfo`).
pub fn scheme_identity(dir: &Path) -> Result<(SchemeKind, SchemeId), Error> {
    let kind = SchemeKind::of_dir(dir)?;
    let path = dir.join(kind.description_file());
    let bytes = read(&path)?;
    let id = scheme_id_of(kind, &bytes, &path.display().to_string())?;
    Ok((kind, id))
}

/// Parses a `timestamp` file: decimal unix seconds, optionally followed by one `\n`.
pub fn parse_timestamp(bytes: &[u8]) -> Option<i64> {
    let b = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Every file and folder under `dir` as `(relative path, is_dir)`, following symlinks and
/// skipping `.git`, sorted by path. Names that are not UTF-8 are reported as errors.
pub(crate) fn walk_tree(dir: &Path) -> Result<Vec<(String, bool)>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((abs, rel)) = stack.pop() {
        for entry in fs::read_dir(&abs).map_err(|e| Error::io(&abs, e))? {
            let entry = entry.map_err(|e| Error::io(&abs, e))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(Error::Invalid {
                    file: path.display().to_string(),
                    reason: "file name is not UTF-8".to_owned(),
                });
            };
            if name == ".git" {
                continue;
            }
            let child_rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let is_dir = fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .is_dir();
            if is_dir {
                stack.push((path, child_rel.clone()));
            }
            out.push((child_rel, is_dir));
        }
    }
    out.sort();
    Ok(out)
}

/// Refuses files that must be signed but are not indexed, and warns about other unknown
/// files and folders. Returns every file's relative path, sorted.
fn walk(
    dir: &Path,
    kind: SchemeKind,
    index: &Index,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, Error> {
    let mut files = Vec::new();
    for (rel, is_dir) in walk_tree(dir)? {
        let exception = is_signature_exception(&rel);
        if is_dir {
            if !exception && !index.has_dir(&rel) {
                warnings.push(format!("Ignored dir: {}", index.display_path(&rel)));
            }
            continue;
        }
        if index.hash(&rel).is_none() {
            if must_be_signed(kind, &rel) {
                return Err(Error::Unsigned {
                    file: index.display_path(&rel),
                });
            }
            if !exception {
                warnings.push(format!("Ignored file: {}", index.display_path(&rel)));
            }
        }
        files.push(rel);
    }
    Ok(files)
}

/// Reads and hashes every indexed file on all cores; the first failure in path order wins.
fn hash_all(dir: &Path, index: &Index) -> Result<HashMap<String, Vec<u8>>, Error> {
    let entries: Vec<(&str, &[u8; 32])> = index.files().collect();
    let results = par_map(&entries, |&(rel, want)| check_file(dir, index, rel, want));
    let mut files = HashMap::with_capacity(results.len());
    for ((rel, _), r) in entries.iter().zip(results) {
        if let Some(bytes) = r? {
            files.insert((*rel).to_owned(), bytes);
        }
    }
    Ok(files)
}

/// `items.iter().map(f).collect()`, spread over the available cores (at most 8 threads).
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads == 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else {
                        break;
                    };
                    local.push((i, f(item)));
                }
                // A poisoned lock means another worker panicked; its panic propagates from
                // `scope`, so the data here no longer matters.
                if let Ok(mut r) = results.lock() {
                    r.extend(local);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Reads one indexed file and checks its hash; returns its bytes unless it is a PNG.
fn check_file(
    dir: &Path,
    index: &Index,
    rel: &str,
    want: &[u8; 32],
) -> Result<Option<Vec<u8>>, Error> {
    let path = dir.join(rel);
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::MissingIndexedFile {
            file: index.display_path(rel),
        },
        _ => Error::io(&path, e),
    })?;
    if Sha256::digest(&bytes).as_slice() != want {
        return Err(Error::HashMismatch {
            file: index.display_path(rel),
        });
    }
    Ok((!rel.ends_with(".png")).then_some(bytes))
}
