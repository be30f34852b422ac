//! The default schemes irma-demo and pbdf, embedded in the binary byte for byte (by
//! `build.rs`, from `schemes/`), so that an empty schemes folder is filled without a network.
//! What is written out is verified against the pinned keys of [`super::download`] before use,
//! and from then on updated from the schemes' `<Url>` like any other scheme.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use super::configuration::{Configuration, scheme_subfolders};
use super::download::default_schemes;
use super::error::Error;
use super::keys::SchemePublicKey;

include!(concat!(env!("OUT_DIR"), "/embedded_schemes.rs"));

/// The folder names of the embedded schemes (`irma-demo`, `pbdf`).
pub fn names() -> BTreeSet<&'static str> {
    FILES
        .iter()
        .filter_map(|(rel, _)| rel.split('/').next())
        .collect()
}

/// Writes every embedded scheme below `dest` (as `dest/<scheme>/...`).
pub(crate) fn write_all(dest: &Path) -> Result<(), Error> {
    for (rel, blob) in FILES {
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::write(&path, BLOBS[blob]).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Loads the schemes written by [`write_all`] into `dir` and checks that each was signed with
/// its pinned key (irmago `DefaultSchemes`), as a download of it would be checked.
pub(crate) fn verify_written(dir: &Path) -> Result<Configuration, Error> {
    let conf = Configuration::load(dir)?;
    let found = scheme_subfolders(dir)?.len();
    if found != names().len() || conf.schemes().count() != found {
        return Err(Error::Invalid {
            file: dir.display().to_string(),
            reason: "the embedded schemes did not all load".to_owned(),
        });
    }
    for scheme in conf.schemes() {
        let pinned = default_schemes().into_iter().find_map(|p| {
            let id = p.url.rsplit('/').next()?.to_owned();
            (id == scheme.id().as_str()).then_some(p.public_key?)
        });
        let pinned = pinned
            .as_deref()
            .map(SchemePublicKey::from_pem)
            .transpose()?;
        if pinned.as_ref() != Some(&scheme.public_key) {
            return Err(Error::Signature {
                path: scheme.path.join("index.sig"),
            });
        }
    }
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_the_default_schemes_which_verify_with_their_pinned_keys() {
        assert_eq!(names(), BTreeSet::from(["irma-demo", "pbdf"]));
        let tmp = std::env::temp_dir().join(format!("irma-embedded-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        write_all(&tmp).unwrap();
        let conf = verify_written(&tmp).unwrap();
        assert_eq!(conf.schemes().count(), 2);
        // The issuer private keys of irma-demo come along, so it can issue offline.
        assert!(tmp.join("irma-demo/MijnOverheid/PrivateKeys").is_dir());
        fs::remove_dir_all(&tmp).unwrap();
    }
}
