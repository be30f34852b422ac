//! Signing a scheme folder (irmago `yivi/cli/irmacli/sign.go`): write `timestamp`, hash every
//! file that belongs in the index, write `index`, `index.sig` and `pk.pem`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::Error;
use super::index::{Index, must_be_signed};
use super::keys::SchemeSigningKey;
use super::verify::{DESCRIPTION_XML, check_issuer_scheme, walk_tree};
use crate::protocol::identifiers::SchemeId;

#[derive(Deserialize)]
struct RawId {
    #[serde(rename = "Id", default)]
    id: String,
}

/// Signs the issuer scheme in `dir` with `key`, stamping it with `timestamp` (unix seconds).
/// Returns the new index. The caller verifies the result (unless told not to).
///
/// Like irmago this rewrites files in place: on failure the folder may be left half-signed.
pub fn sign_scheme(key: &SchemeSigningKey, dir: &Path, timestamp: i64) -> Result<Index, Error> {
    check_issuer_scheme(dir)?;
    let desc_path = dir.join(DESCRIPTION_XML);
    let desc = fs::read(&desc_path).map_err(|e| Error::io(&desc_path, e))?;
    let id = scheme_id_of(&desc, &desc_path.display().to_string())?;

    let ts_path = dir.join("timestamp");
    fs::write(&ts_path, format!("{timestamp}\n")).map_err(|e| Error::io(&ts_path, e))?;

    let mut files = BTreeMap::new();
    for (rel, is_dir) in walk_tree(dir)? {
        if is_dir || !must_be_signed(&rel) {
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

/// The `<Id>` of a scheme `description.xml`; `file` names it in errors.
pub fn scheme_id_of(description: &[u8], file: &str) -> Result<SchemeId, Error> {
    let text = std::str::from_utf8(description).map_err(|_| Error::Invalid {
        file: file.to_owned(),
        reason: "not UTF-8".to_owned(),
    })?;
    let raw: RawId = quick_xml::de::from_str(text).map_err(|e| Error::Xml {
        file: file.to_owned(),
        error: e,
    })?;
    SchemeId::parse(raw.id.trim()).map_err(|e| Error::Invalid {
        file: file.to_owned(),
        reason: e.to_string(),
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
