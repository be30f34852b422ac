//! Where schemes live, and what happens to a schemes folder before it is loaded (irmago
//! `irma/irmaconfig.go` `DefaultDataPath`, `DefaultSchemesPath`, `DefaultSchemesAssetsPath`,
//! `ParseFolder`; `irma/schemes.go` `isUpToDate`, `copyFromAssets`):
//!
//! - the default folder is `<data>/irma/irma_configuration`, `<data>` being the first of
//!   `$XDG_DATA_HOME` (else `~/.local/share`), `$XDG_DATA_DIRS` (else `/usr/local/share`,
//!   `/usr/share`) and the temporary folder where `irma/` can be created; the assets folder
//!   is `<data>/irma/irma_configuration_assets`, used when it exists;
//! - schemes in the assets folder are installed into the schemes folder when missing there
//!   or older (by `timestamp`); this is how container images ship schemes;
//! - a folder holding no schemes gets the default schemes embedded in the binary
//!   ([`super::embedded`]), as the reference downloads them, but offline.
//!
//! Every scheme is verified before it is moved into the schemes folder, and each move is a
//! `rename`, so a reader never sees half a scheme. From then on these are ordinary scheme
//! folders, updated from their `<Url>` like any other.

use std::fs;
use std::path::{Path, PathBuf};

use super::configuration::Configuration;
use super::embedded;
use super::error::Error;
use super::verify::{SchemeKind, parse_timestamp, verify_scheme_dir, walk_tree};

/// Environment variable naming the schemes folder when no `--schemes-path` is given.
pub const SCHEMES_PATH_ENV: &str = "IRMA_SCHEMES_PATH";

/// irmago `DefaultDataPath`: the first of the candidate data folders in which `irma/` exists
/// or can be created (mode 0700), as `<candidate>/irma`.
pub fn data_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let mut candidates = Vec::new();
    if cfg!(windows)
        && let Some(appdata) = var("LOCALAPPDATA")
    {
        candidates.push(PathBuf::from(appdata));
    }
    match (var("XDG_DATA_HOME"), var("HOME")) {
        (Some(xdg), _) => candidates.push(PathBuf::from(xdg)),
        (None, Some(home)) => candidates.push(PathBuf::from(home).join(".local/share")),
        (None, None) => {}
    }
    match var("XDG_DATA_DIRS") {
        Some(dirs) => candidates.extend(std::env::split_paths(&dirs).filter(|d| d.is_absolute())),
        None => candidates.extend(["/usr/local/share", "/usr/share"].map(PathBuf::from)),
    }
    candidates.push(std::env::temp_dir());
    candidates
        .into_iter()
        .map(|c| c.join("irma"))
        .find(|p| ensure_dir(p).is_ok())
}

/// Creates `path` (and its parents) with mode 0700 unless it is a folder already.
fn ensure_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// The schemes folder to use: `flag` (`--schemes-path`) if given, else `$IRMA_SCHEMES_PATH`
/// if set and non-empty, else the reference's default `<data>/irma/irma_configuration`
/// (created if missing, as irmago `DefaultSchemesPath`).
pub fn default_schemes_path(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_owned();
    }
    if let Some(p) = std::env::var_os(SCHEMES_PATH_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let data = data_path().unwrap_or_else(|| std::env::temp_dir().join("irma"));
    let path = data.join("irma_configuration");
    // A folder that cannot be created is reported when it is used.
    let _ = ensure_dir(&path);
    path
}

/// The default assets folder `<data>/irma/irma_configuration_assets`, if it exists
/// (irmago `DefaultSchemesAssetsPath`).
pub fn default_assets_path() -> Option<PathBuf> {
    data_path()
        .map(|d| d.join("irma_configuration_assets"))
        .filter(|p| p.is_dir())
}

/// The default assets folder, created if missing (irmago
/// `EnsureDefaultSchemesAssetsPathExists`, for `irma scheme download
/// --use-schemes-assets-path`).
pub fn ensure_default_assets_path() -> Result<PathBuf, Error> {
    let data = data_path().ok_or(Error::NoDataFolder)?;
    let path = data.join("irma_configuration_assets");
    ensure_dir(&path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Prepares the schemes folder `path` for loading: installs the schemes of `assets` that are
/// missing from it or older there, then, if it holds no schemes, the embedded default schemes.
/// Returns what was done, one line each, for the log. A folder that is itself one scheme is
/// left alone.
pub fn prepare_folder(path: &Path, assets: Option<&Path>) -> Result<Vec<String>, Error> {
    if !path.is_dir() {
        return Err(Error::MissingFolder {
            path: path.to_owned(),
        });
    }
    if SchemeKind::of_dir(path).is_ok() {
        return Ok(Vec::new());
    }
    let mut done = Vec::new();
    if let Some(assets) = assets {
        install_from_assets(path, assets, &mut done)?;
    }
    if !holds_schemes(path)? {
        install_embedded(path, &mut done)?;
    }
    Ok(done)
}

/// [`prepare_folder`], then loads the folder (`flag` resolved by [`default_schemes_path`],
/// `assets` defaulting to [`default_assets_path`]). Returns the folder, the schemes and what
/// was done to the folder.
pub fn open(
    flag: Option<&Path>,
    assets: Option<&Path>,
) -> Result<(PathBuf, Configuration, Vec<String>), Error> {
    let path = default_schemes_path(flag);
    let assets = assets.map(Path::to_owned).or_else(default_assets_path);
    let done = prepare_folder(&path, assets.as_deref())?;
    let conf = Configuration::load(&path)?;
    Ok((path, conf, done))
}

/// Whether some non-hidden subfolder of `path` is a scheme.
fn holds_schemes(path: &Path) -> Result<bool, Error> {
    for entry in fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let hidden = entry
            .file_name()
            .to_str()
            .is_none_or(|n| n.starts_with('.'));
        if !hidden && SchemeKind::of_dir(&entry.path()).is_ok() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Installs every scheme of `assets` that `path` lacks or has with an older `timestamp`
/// (irmago `isUpToDate`, `copyFromAssets`): an exact copy, verified before it replaces the
/// old folder.
fn install_from_assets(path: &Path, assets: &Path, done: &mut Vec<String>) -> Result<(), Error> {
    if !assets.is_dir() {
        return Err(Error::MissingFolder {
            path: assets.to_owned(),
        });
    }
    for src in super::configuration::scheme_subfolders(assets)? {
        let Some(name) = src.file_name() else {
            continue;
        };
        let target = path.join(name);
        let newer = read_timestamp(&src)?.ok_or_else(|| Error::MissingFile {
            path: src.join("timestamp"),
        })?;
        if read_timestamp(&target)?.is_some_and(|old| old >= newer) {
            continue;
        }
        let tmp = TempDir::new(path, ".tempscheme")?;
        let new = tmp.0.join(name);
        copy_dir(&src, &new)?;
        verify_scheme_dir(&new)?;
        replace_dir(path, &new, &target)?;
        done.push(format!(
            "installed scheme {} from {} (timestamp {newer})",
            target.display(),
            src.display()
        ));
    }
    Ok(())
}

/// The `timestamp` of the scheme folder `dir`, or `None` when it has none.
fn read_timestamp(dir: &Path) -> Result<Option<i64>, Error> {
    let path = dir.join("timestamp");
    match fs::read(&path) {
        Ok(bytes) => parse_timestamp(&bytes)
            .map(Some)
            .ok_or_else(|| Error::Invalid {
                file: path.display().to_string(),
                reason: "not a unix timestamp".to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Writes the embedded default schemes into `path`, verified against their pinned keys.
/// A scheme that appeared meanwhile (another process filling the same folder) is kept.
fn install_embedded(path: &Path, done: &mut Vec<String>) -> Result<(), Error> {
    let tmp = TempDir::new(path, ".tempscheme")?;
    embedded::write_all(&tmp.0)?;
    let conf = embedded::verify_written(&tmp.0)?;
    for scheme in conf.schemes() {
        let Some(name) = scheme.path.file_name() else {
            continue;
        };
        let target = path.join(name);
        if let Err(e) = fs::rename(&scheme.path, &target)
            && SchemeKind::of_dir(&target).is_err()
        {
            return Err(Error::io(&target, e));
        }
        done.push(format!(
            "installed the built-in scheme {} (timestamp {}) at {}",
            scheme.id(),
            scheme.timestamp,
            target.display()
        ));
    }
    Ok(())
}

/// A hidden temporary folder inside `parent`, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    /// Creates `<parent>/<prefix>-<random hex>`.
    pub(crate) fn new(parent: &Path, prefix: &str) -> Result<Self, Error> {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd)
            .map_err(|e| Error::io(parent, std::io::Error::other(e.to_string())))?;
        let path = parent.join(format!("{prefix}-{}", hex::encode(rnd)));
        fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies a folder recursively (following symlinks, keeping `.git` out).
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for (rel, is_dir) in walk_tree(from)? {
        let dst = to.join(&rel);
        if is_dir {
            fs::create_dir_all(&dst).map_err(|e| Error::io(&dst, e))?;
        } else {
            let src = from.join(&rel);
            fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

/// Moves the folder `new` to `target` (in `parent`), replacing what is there: the old folder
/// is moved aside first and put back if the move fails, then deleted.
pub(crate) fn replace_dir(parent: &Path, new: &Path, target: &Path) -> Result<(), Error> {
    let old = TempDir::new(parent, ".oldscheme")?;
    let aside = old.0.join("scheme");
    let had_old = match fs::rename(target, &aside) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io(target, e)),
    };
    if let Err(e) = fs::rename(new, target) {
        if had_old {
            let _ = fs::rename(&aside, target);
        }
        return Err(Error::io(target, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_an_empty_folder_once_and_takes_newer_assets() {
        let root = std::env::temp_dir().join(format!("irma-storage-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let (schemes, assets) = (root.join("schemes"), root.join("assets"));
        fs::create_dir_all(&schemes).unwrap();
        let done = prepare_folder(&schemes, None).unwrap();
        assert_eq!(done.len(), 2, "{done:?}");
        assert_eq!(Configuration::load(&schemes).unwrap().schemes().count(), 2);
        // Filled once: a second run does nothing.
        assert!(prepare_folder(&schemes, None).unwrap().is_empty());

        // An assets copy of pbdf with an older timestamp is ignored; with a newer one, it
        // replaces the folder (verified first: a broken copy is refused).
        fs::create_dir_all(&assets).unwrap();
        copy_dir(&schemes.join("pbdf"), &assets.join("pbdf")).unwrap();
        assert!(prepare_folder(&schemes, Some(&assets)).unwrap().is_empty());
        fs::write(schemes.join("pbdf/timestamp"), "1\n").unwrap();
        assert_eq!(prepare_folder(&schemes, Some(&assets)).unwrap().len(), 1);
        Configuration::load(&schemes).unwrap();
        fs::write(schemes.join("pbdf/timestamp"), "1\n").unwrap();
        fs::write(assets.join("pbdf/pbdf/description.xml"), "<Issuer/>").unwrap();
        let err = prepare_folder(&schemes, Some(&assets)).unwrap_err();
        assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
        assert_eq!(fs::read(schemes.join("pbdf/timestamp")).unwrap(), b"1\n");
        fs::remove_dir_all(&root).unwrap();
    }
}
