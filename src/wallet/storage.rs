//! The wallet directory.
//!
//! ```text
//! DIR/wallet.json             {"version": 1}: the format version
//! DIR/secret-key.json         {"secretKey": "<decimal>"}, mode 0600
//! DIR/credentials/<hash>.json one credential (see StoredCredential), named by its hash
//! DIR/keyshare/<scheme>.json  an enrollment at a keyshare server, mode 0600
//! ```
//!
//! Every file is written to a temporary file in the same directory, synced, renamed over
//! the old one, and the directory synced: a crash leaves the old or the new file, never a
//! torn one. Credentials live in separate files so one damaged file costs only itself:
//! [`Storage::load_credentials`] reports it ([`Unreadable`]) and returns the others.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::Error;
use crate::crypto::idemix::SecretKey;
use crate::crypto::revocation::Witness;
use crate::protocol::identifiers::CredentialTypeId;

/// The storage format this program writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

const META_FILE: &str = "wallet.json";
const SECRET_KEY_FILE: &str = "secret-key.json";
const CREDENTIALS_DIR: &str = "credentials";
const KEYSHARE_DIR: &str = "keyshare";
/// Largest wallet file read (credentials are a few kilobytes).
const MAX_FILE: u64 = 1 << 20;

#[derive(Serialize, Deserialize)]
struct Meta {
    version: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretKeyFile {
    #[serde(serialize_with = "ser_decimal", deserialize_with = "de_decimal")]
    secret_key: BigUint,
}

/// A credential as stored, in the field names of the reference's wallet dump
/// (`credentials/wallet-P.json`): the credential without the secret key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCredential {
    /// The credential type.
    pub credential_type: CredentialTypeId,
    /// The counter of the issuer public key that signed it.
    pub public_key_counter: u32,
    /// Attribute values as decimal integers, index 0 the metadata attribute.
    #[serde(serialize_with = "ser_decimals", deserialize_with = "de_decimals")]
    pub attributes: Vec<BigUint>,
    /// CL signature `A`.
    #[serde(rename = "A", serialize_with = "ser_decimal", deserialize_with = "de_decimal")]
    pub a: BigUint,
    /// CL signature `e`.
    #[serde(serialize_with = "ser_decimal", deserialize_with = "de_decimal")]
    pub e: BigUint,
    /// CL signature `v`.
    #[serde(serialize_with = "ser_decimal", deserialize_with = "de_decimal")]
    pub v: BigUint,
    /// The keyshare server's `P = R_0^{share}` (credentials of keyshare schemes), else null.
    #[serde(
        rename = "KeyshareP",
        default,
        serialize_with = "ser_opt_decimal",
        deserialize_with = "de_opt_decimal"
    )]
    pub keyshare_p: Option<BigUint>,
    /// The nonrevocation witness of a revocable credential (JSON as gabi's, under irmaclient's
    /// name).
    #[serde(rename = "Witness", default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// The wallet learnt from a revocation update that the credential was revoked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub revoked: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A credential file that could not be read; the others are still loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub error: String,
}

/// What [`Storage::load_credentials`] found.
#[derive(Debug, Clone, Default)]
pub struct LoadedCredentials {
    /// Readable credentials with their hash (the file name), sorted by hash.
    pub credentials: Vec<(String, StoredCredential)>,
    /// Files that could not be read.
    pub unreadable: Vec<Unreadable>,
}

/// A wallet directory, opened and version-checked.
#[derive(Debug, Clone)]
pub struct Storage {
    dir: PathBuf,
}

impl Storage {
    /// Opens `dir`, creating it (mode 0700) and its format file when absent. Fails with
    /// [`Error::NewerFormat`] for a storage written by a newer version.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        let storage = Self {
            dir: dir.to_owned(),
        };
        let meta_path = dir.join(META_FILE);
        if meta_path.exists() {
            let meta: Meta = read_json(&meta_path)?;
            if meta.version > FORMAT_VERSION {
                return Err(Error::NewerFormat {
                    path: dir.to_owned(),
                    found: meta.version,
                    supported: FORMAT_VERSION,
                });
            }
        } else {
            create_private_dir(dir)?;
            storage.write(
                &meta_path,
                &json_bytes(&Meta {
                    version: FORMAT_VERSION,
                })?,
                0o644,
            )?;
        }
        create_private_dir(&dir.join(CREDENTIALS_DIR))?;
        Ok(storage)
    }

    /// The wallet directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The secret key, if the wallet has one yet.
    pub fn secret_key(&self) -> Result<Option<SecretKey>, Error> {
        let path = self.dir.join(SECRET_KEY_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let file: SecretKeyFile = read_json(&path)?;
        SecretKey::from_value(file.secret_key)
            .map(Some)
            .map_err(|e| Error::Corrupt {
                path,
                reason: e.to_string(),
            })
    }

    /// Writes the secret key (mode 0600).
    pub fn store_secret_key(&self, key: &SecretKey) -> Result<(), Error> {
        let text = Zeroizing::new(format!("{{\"secretKey\":\"{}\"}}\n", key.value()));
        self.write(&self.dir.join(SECRET_KEY_FILE), text.as_bytes(), 0o600)
    }

    /// Every readable credential file, and the files that could not be read.
    pub fn load_credentials(&self) -> Result<LoadedCredentials, Error> {
        let dir = self.dir.join(CREDENTIALS_DIR);
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(hash) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue; // temporary files and strays
            };
            if hash.starts_with('.') {
                continue;
            }
            match read_json::<StoredCredential>(&path) {
                Ok(c) => good.push((hash.to_owned(), c)),
                Err(e) => bad.push(Unreadable {
                    file: path,
                    error: e.to_string(),
                }),
            }
        }
        good.sort_by(|a, b| a.0.cmp(&b.0));
        bad.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(LoadedCredentials {
            credentials: good,
            unreadable: bad,
        })
    }

    /// Writes one credential under its hash.
    pub fn store_credential(&self, hash: &str, credential: &StoredCredential) -> Result<(), Error> {
        let path = self.credential_path(hash);
        self.write(&path, &json_bytes(credential)?, 0o600)
    }

    /// Deletes one credential file.
    pub fn remove_credential(&self, hash: &str) -> Result<(), Error> {
        let path = self.credential_path(hash);
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        sync_dir(&self.dir.join(CREDENTIALS_DIR))
    }

    /// Every stored keyshare enrollment (`T` is the account's stored form).
    pub(super) fn keyshare_accounts<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Vec<T>, Error> {
        let dir = self.dir.join(KEYSHARE_DIR);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut paths = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let path = entry.map_err(|e| Error::io(&dir, e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(".");
            if name.ends_with(".json") && !name.starts_with('.') {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(|p| read_json(p)).collect()
    }

    /// Writes a keyshare enrollment (mode 0600) under its scheme's name.
    pub(super) fn store_keyshare_account<T: Serialize>(
        &self,
        scheme: &str,
        account: &T,
    ) -> Result<(), Error> {
        let dir = self.dir.join(KEYSHARE_DIR);
        create_private_dir(&dir)?;
        let bytes = Zeroizing::new(json_bytes(account)?);
        self.write(&dir.join(format!("{scheme}.json")), &bytes, 0o600)
    }

    fn credential_path(&self, hash: &str) -> PathBuf {
        self.dir.join(CREDENTIALS_DIR).join(format!("{hash}.json"))
    }

    /// Atomic write: temporary file (created with `mode`), fsync, rename, fsync directory.
    fn write(&self, path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
        let parent = path.parent().unwrap_or(&self.dir);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let suffix: u64 = rand_suffix()?;
        let tmp = parent.join(format!(".{name}.{suffix:016x}.tmp"));
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io(path, e));
        }
        sync_dir(parent)
    }
}

fn rand_suffix() -> Result<u64, Error> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| Error::Io {
        path: PathBuf::from("<random>"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(u64::from_le_bytes(b))
}

fn create_private_dir(dir: &Path) -> Result<(), Error> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| Error::io(dir, e))
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Corrupt {
        path: PathBuf::new(),
        reason: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Reads a JSON file of at most [`MAX_FILE`] bytes.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    use std::io::Read;
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(Error::Corrupt {
            path: path.to_owned(),
            reason: format!("larger than {MAX_FILE} bytes"),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn ser_decimal<S: Serializer>(v: &BigUint, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn de_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<BigUint, D::Error> {
    let s = String::deserialize(d)?;
    parse_decimal(&s).map_err(serde::de::Error::custom)
}

fn ser_opt_decimal<S: Serializer>(v: &Option<BigUint>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

fn de_opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BigUint>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_decimal(&s).map_err(serde::de::Error::custom))
        .transpose()
}

fn ser_decimals<S: Serializer>(v: &[BigUint], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(ToString::to_string))
}

fn de_decimals<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<BigUint>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| parse_decimal(s).map_err(serde::de::Error::custom))
        .collect()
}

/// A non-negative decimal integer of at most 4096 digits.
pub(super) fn parse_decimal(s: &str) -> Result<BigUint, String> {
    if s.is_empty() || s.len() > 4096 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("not a decimal integer: {:?}", truncate(s)));
    }
    BigUint::parse_bytes(s.as_bytes(), 10).ok_or_else(|| "not a decimal integer".to_owned())
}

fn truncate(s: &str) -> &str {
    let end = s.char_indices().nth(40).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential() -> StoredCredential {
        StoredCredential {
            credential_type: CredentialTypeId::parse("irma-demo.MijnOverheid.ageLower").unwrap(),
            public_key_counter: 2,
            attributes: vec![BigUint::from(7u8), BigUint::from(9u8)],
            a: BigUint::from(1u8),
            e: BigUint::from(2u8),
            v: BigUint::from(3u8),
            keyshare_p: None,
            witness: None,
            revoked: false,
        }
    }

    #[test]
    fn round_trip_modes_and_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let storage = Storage::open(&dir).unwrap();
        assert!(storage.secret_key().unwrap().is_none());
        let key = SecretKey::generate().unwrap();
        storage.store_secret_key(&key).unwrap();
        assert_eq!(storage.secret_key().unwrap().unwrap(), key);
        let mode = fs::metadata(dir.join(SECRET_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        storage.store_credential("aa", &credential()).unwrap();
        storage.store_credential("bb", &credential()).unwrap();
        fs::write(
            dir.join(CREDENTIALS_DIR).join("bb.json"),
            b"{\"credentialType\":",
        )
        .unwrap();
        let loaded = storage.load_credentials().unwrap();
        let (good, bad) = (loaded.credentials, loaded.unreadable);
        assert_eq!(good, vec![("aa".to_owned(), credential())]);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].file.ends_with("bb.json"));
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.join(CREDENTIALS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        storage.remove_credential("aa").unwrap();
        assert!(storage.load_credentials().unwrap().credentials.is_empty());
    }

    #[test]
    fn newer_format_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        Storage::open(tmp.path()).unwrap();
        fs::write(tmp.path().join(META_FILE), b"{\"version\":2}").unwrap();
        let err = Storage::open(tmp.path()).unwrap_err();
        assert!(matches!(err, Error::NewerFormat { found: 2, .. }), "{err}");
        assert!(err.to_string().contains("upgrade"));
    }

    #[test]
    fn decimals_are_strict() {
        assert!(parse_decimal("12").is_ok());
        for bad in ["", "-1", "1e3", " 1", "0x10"] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
    }
}
