//! The scheme `index`: one line `<sha256 hex> <scheme id>/<path>` per signed file, sorted by
//! path (irmago `SchemeManagerIndex`, `irma/schemes.go`), and the rules for which files
//! belong in it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::error::Error;
use super::verify::SchemeKind;
use crate::protocol::identifiers::SchemeId;

/// The SHA-256 of a file.
pub type FileHash = [u8; 32];

/// A parsed `index`: paths relative to the scheme folder (without the `<scheme id>/`
/// prefix, `/`-separated) mapped to their SHA-256, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    scheme: SchemeId,
    files: BTreeMap<String, FileHash>,
}

impl Index {
    /// An index of `scheme` over the given files.
    pub fn new(scheme: SchemeId, files: BTreeMap<String, FileHash>) -> Self {
        Self { scheme, files }
    }

    /// Parses the bytes of an `index` file of `scheme`. `path` is only used in errors.
    ///
    /// Stricter than irmago, which takes the scheme from an arbitrary line: every line must
    /// name a file of `scheme`, hold a 32-byte hash, and occur once.
    pub fn parse(scheme: &SchemeId, bytes: &[u8], path: &Path) -> Result<Self, Error> {
        let err = |line: usize, reason: String| Error::IndexSyntax {
            path: path.to_owned(),
            line,
            reason,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| err(0, "not UTF-8".to_owned()))?;
        let prefix = format!("{scheme}/");
        let mut files = BTreeMap::new();
        for (i, line) in text.split('\n').enumerate() {
            let n = i + 1;
            if line.is_empty() {
                continue;
            }
            let Some((hash, file)) = line.split_once(' ') else {
                return Err(err(n, "expected `<sha256 hex> <path>`".to_owned()));
            };
            let mut h = [0u8; 32];
            hex::decode_to_slice(hash, &mut h)
                .map_err(|_| err(n, format!("invalid SHA-256 hex {hash:?}")))?;
            let Some(rel) = file.strip_prefix(&prefix) else {
                return Err(err(n, format!("{file} is not in scheme {scheme}")));
            };
            if !is_safe_relative_path(rel) {
                return Err(err(n, format!("unsafe path {file}")));
            }
            if files.insert(rel.to_owned(), h).is_some() {
                return Err(err(n, format!("{file} listed twice")));
            }
        }
        Ok(Self {
            scheme: scheme.clone(),
            files,
        })
    }

    /// The scheme this index belongs to.
    pub fn scheme(&self) -> &SchemeId {
        &self.scheme
    }

    /// The signed hash of a file (path relative to the scheme folder).
    pub fn hash(&self, rel: &str) -> Option<&FileHash> {
        self.files.get(rel)
    }

    /// All `(relative path, hash)` pairs, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &FileHash)> {
        self.files.iter().map(|(p, h)| (p.as_str(), h))
    }

    /// Number of files listed.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no files are listed.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether some indexed file lies in folder `rel_dir` (irmago `dirInScheme`).
    pub fn has_dir(&self, rel_dir: &str) -> bool {
        let prefix = format!("{rel_dir}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }

    /// The `<scheme>/<path>` form used in the index and in messages.
    pub fn display_path(&self, rel: &str) -> String {
        format!("{}/{rel}", self.scheme)
    }

    /// The index file's bytes, exactly as irmago writes them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(self.files.len() * 120);
        for (path, hash) in &self.files {
            // Writing into a String cannot fail.
            let _ = writeln!(out, "{} {}/{path}", hex::encode(hash), self.scheme);
        }
        out.into_bytes()
    }
}

/// Whether a relative index path stays inside the scheme folder: `/`-separated, no empty,
/// `.` or `..` components, no backslashes. Downloads write to these paths, so this matters.
pub fn is_safe_relative_path(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Whether `irma scheme sign` puts this file (path relative to the scheme's folder) into the
/// index (irmago `skipSigning`): in issuer schemes `*.xml`, `*.png`, `kss-N.pem` and
/// `timestamp`, except under `PrivateKeys/` and `Proofs/`; in requestor schemes `*.json` and
/// `timestamp`; never files named `*index` nor anything under `.git/`.
pub fn must_be_signed(kind: SchemeKind, rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let in_dir = |d: &str| rel.split('/').rev().skip(1).any(|c| c == d);
    if name.ends_with("index") || in_dir(".git") {
        return false;
    }
    match kind {
        SchemeKind::Issuer => {
            !in_dir("PrivateKeys")
                && !in_dir("Proofs")
                && (name.ends_with(".xml")
                    || name.ends_with(".png")
                    || is_kss_key_name(name)
                    || name == "timestamp")
        }
        SchemeKind::Requestor => name.ends_with(".json") || name == "timestamp",
    }
}

/// `kss-<digits>.pem` (irmago matches `kss-\d+\.pem$` on the file name).
fn is_kss_key_name(name: &str) -> bool {
    name.strip_suffix(".pem")
        .and_then(|s| s.rsplit_once("kss-"))
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The counter `N` of a file name `kss-N.pem` at the top of a scheme.
pub(crate) fn kss_counter(name: &str) -> Option<u32> {
    name.strip_prefix("kss-")?
        .strip_suffix(".pem")?
        .parse()
        .ok()
}

/// Files that never occur in an index and produce no "ignored" warning
/// (irmago `sigExceptions`, matched on `<scheme>/<rel>`).
pub fn is_signature_exception(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = parts.last().copied().unwrap_or(rel);
    if parts.contains(&".git") || name == ".DS_Store" {
        return true;
    }
    if parts.len() == 1
        && matches!(
            name,
            "pk.pem" | "sk.pem" | "AUTHORS" | "LICENSE" | "README.md"
        )
    {
        return true;
    }
    if name.starts_with("index") {
        return true;
    }
    // Requestor scheme logos `assets/<sha256>.png`: named after their hash, not indexed.
    let word = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if name == "assets"
        || (parts.len() >= 2
            && parts[parts.len() - 2] == "assets"
            && word(name.strip_suffix(".png").unwrap_or(name)))
    {
        return true;
    }
    // `<issuer>/PrivateKeys` and `<issuer>/PrivateKeys/N.xml`.
    if parts.len() >= 2 && parts[parts.len() - 1] == "PrivateKeys" {
        return true;
    }
    if parts.len() >= 3
        && parts[parts.len() - 2] == "PrivateKeys"
        && let Some(n) = name.strip_suffix(".xml")
    {
        return !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts() {
        let id = SchemeId::parse("s").unwrap();
        let text = format!(
            "{} s/b.xml\n{} s/a/c.png\n",
            "11".repeat(32),
            "22".repeat(32)
        );
        let idx = Index::parse(&id, text.as_bytes(), Path::new("index")).unwrap();
        assert_eq!(idx.len(), 2);
        assert!(idx.has_dir("a") && !idx.has_dir("b"));
        let out = String::from_utf8(idx.to_bytes()).unwrap();
        assert!(out.starts_with(&format!("{} s/a/c.png\n", "22".repeat(32))));
    }

    #[test]
    fn rejects_bad_lines() {
        let id = SchemeId::parse("s").unwrap();
        for bad in [
            "zz s/a.xml".to_owned(),
            format!("{} t/a.xml", "11".repeat(32)),
            format!("{} s/../a.xml", "11".repeat(32)),
            format!("{} s/a.xml", "11".repeat(31)),
            format!("{0} s/a.xml\n{0} s/a.xml", "11".repeat(32)),
            format!("{}  s/a.xml", "11".repeat(32)),
        ] {
            assert!(
                Index::parse(&id, bad.as_bytes(), Path::new("index")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn signing_rules_match_the_reference() {
        for yes in [
            "description.xml",
            "I/logo.png",
            "kss-0.pem",
            "timestamp",
            "I/PublicKeys/1.xml",
        ] {
            assert!(must_be_signed(SchemeKind::Issuer, yes), "{yes}");
        }
        for no in [
            "index",
            "index.sig",
            "pk.pem",
            "sk.pem",
            "README.md",
            "I/PrivateKeys/1.xml",
            "I/Proofs/1.xml",
            ".git/x.xml",
            "kss-x.pem",
        ] {
            assert!(!must_be_signed(SchemeKind::Issuer, no), "{no}");
        }
        assert!(must_be_signed(SchemeKind::Requestor, "requestors.json"));
        assert!(must_be_signed(SchemeKind::Requestor, "timestamp"));
        assert!(!must_be_signed(SchemeKind::Requestor, "assets/ab.png"));
        assert!(!must_be_signed(SchemeKind::Requestor, "notes.xml"));
        assert!(is_signature_exception("assets/ab12.png"));
        assert!(is_signature_exception("assets"));
        assert!(is_signature_exception("I/PrivateKeys/0.xml"));
        assert!(!is_signature_exception("I/notes.txt"));
        assert_eq!(kss_counter("kss-12.pem"), Some(12));
    }
}
