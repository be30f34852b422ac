//! Signing a scheme folder, issuer or requestor scheme (irmago `yivi/cli/irmacli/sign.go`):
//! write `timestamp`, hash every file that belongs in the index, write `index`, `index.sig`
//! and `pk.pem`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::Error;
use super::index::{Index, must_be_signed};
use super::keys::SchemeSigningKey;
use super::verify::{SchemeKind, scheme_identity, walk_tree};
use crate::protocol::identifiers::SchemeId;

/// The id in an issuer scheme's `description.xml`.
#[derive(Deserialize)]
struct RawXmlId {
    #[serde(rename = "Id", default)]
    id: String,
}

/// The id and type in a requestor scheme's `description.json`.
#[derive(Deserialize)]
struct RawJsonId {
    #[serde(default)]
    id: String,
    #[serde(default)]
    schemetype: String,
}

/// Signs the scheme in `dir` with `key`, stamping it with `timestamp` (unix seconds).
/// Returns the new index. The caller verifies the result (unless told not to).
///
/// Like irmago this rewrites files in place: on failure the folder may be left half-signed.
pub fn sign_scheme(key: &SchemeSigningKey, dir: &Path, timestamp: i64) -> Result<Index, Error> {
    let (kind, id) = scheme_identity(dir)?;

    let ts_path = dir.join("timestamp");
    fs::write(&ts_path, format!("{timestamp}\n")).map_err(|e| Error::io(&ts_path, e))?;

    let mut files = BTreeMap::new();
    for (rel, is_dir) in walk_tree(dir)? {
        if is_dir || !must_be_signed(kind, &rel) {
            continue;
        }
        let path = dir.join(&rel);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if !rel.ends_with(".png") && bytes.windows(2).any(|w| w == b"\r\n") {
            return Err(Error::Crlf {
                file: format!("{id}/{rel}"),
            });
        }
        files.insert(rel, Sha256::digest(&bytes).into());
    }
    let index = Index::new(id, files);
    let index_bytes = index.to_bytes();
    write(&dir.join("index"), &index_bytes)?;
    write(&dir.join("index.sig"), &key.sign(&index_bytes))?;
    let pk = key.public_key().to_pem()?;
    write(&dir.join("pk.pem"), pk.as_bytes())?;
    Ok(index)
}

/// The id a scheme description names: `<Id>` of a `description.xml`, `id` of a
/// `description.json` (whose `schemetype` must be `requestor`); `file` names it in errors.
pub fn scheme_id_of(kind: SchemeKind, description: &[u8], file: &str) -> Result<SchemeId, Error> {
    let invalid = |reason: String| Error::Invalid {
        file: file.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(description).map_err(|_| invalid("not UTF-8".to_owned()))?;
    let id = match kind {
        SchemeKind::Issuer => {
            let raw: RawXmlId = quick_xml::de::from_str(text).map_err(|e| Error::Xml {
                file: file.to_owned(),
                error: e,
            })?;
            raw.id
        }
        SchemeKind::Requestor => {
            let raw: RawJsonId =
                serde_json::from_str(text).map_err(|e| invalid(format!("invalid JSON: {e}")))?;
            if raw.schemetype != "requestor" {
                return Err(invalid(format!(
                    "schemetype is {:?}, expected \"requestor\"",
                    raw.schemetype
                )));
            }
            raw.id
        }
    };
    SchemeId::parse(id.trim()).map_err(|e| invalid(e.to_string()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
