//! [`Configuration`]: every verified scheme of an `irma_configuration` folder (or one scheme
//! folder), with the lookups the rest of the crate needs (irmago `irma.Configuration`).
//!
//! Loading is all-or-nothing: any scheme that fails verification fails the load, with an
//! error naming the file. Requestor schemes (`description.json`) are not supported yet:
//! inside a configuration folder they are skipped with a warning; given directly they are
//! an error.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use super::description::{
    CredentialType, IssuerDescription, SchemeDescription, Source, is_reserved_scheme_name,
};
use super::error::Error;
use super::index::{Index, kss_counter};
use super::keys::SchemePublicKey;
use super::verify::{
    DESCRIPTION_JSON, DESCRIPTION_XML, VerifiedScheme, is_scheme_dir, par_map, verify_scheme_dir,
};
use crate::protocol::attributes::credential_type_hash;
use crate::protocol::calendar::format_go_utc;
use crate::protocol::identifiers::{
    AttributeTypeId, CredentialTypeId, IssuerId, PublicKeyId, SchemeId,
};
use crate::protocol::translated::TranslatedString;

/// Public keys expiring within this many seconds get a warning (irmago: one month).
const EXPIRY_WARNING_WINDOW: i64 = 31 * 24 * 3600;
/// Longest dependency chain irmago accepts.
const MAX_DEPENDENCY_DEPTH: usize = 25;

/// All verified schemes, issuers, credential types and issuer public keys.
#[derive(Debug, Default)]
pub struct Configuration {
    schemes: BTreeMap<SchemeId, Scheme>,
    issuers: BTreeMap<IssuerId, IssuerDescription>,
    credential_types: BTreeMap<CredentialTypeId, CredentialType>,
    metadata_hashes: HashMap<[u8; 16], CredentialTypeId>,
    public_keys: BTreeMap<PublicKeyId, PublicKeyFile>,
    warnings: Vec<String>,
}

/// One verified issuer scheme.
#[derive(Debug)]
pub struct Scheme {
    /// The parsed `description.xml`.
    pub description: SchemeDescription,
    /// The scheme folder.
    pub path: PathBuf,
    /// The signed `timestamp` (unix seconds).
    pub timestamp: i64,
    /// The signed index.
    pub index: Index,
    /// The key that verified the index (`pk.pem`).
    pub public_key: SchemePublicKey,
    /// Keyshare server public keys `kss-N.pem` (PEM bytes, verified), by `N`.
    kss: BTreeMap<u32, Vec<u8>>,
}

impl Scheme {
    /// The scheme id.
    pub fn id(&self) -> &SchemeId {
        &self.description.id
    }

    /// Bytes of the verified keyshare server key `kss-<counter>.pem`.
    pub fn kss_pem(&self, counter: u32) -> Option<&[u8]> {
        self.kss.get(&counter).map(Vec::as_slice)
    }

    /// Whether credentials of this scheme are distributed over a keyshare server.
    pub fn is_distributed(&self) -> bool {
        self.description.keyshare_server.is_some()
    }
}

/// One parsed file of a scheme.
enum Parsed {
    Credential(Box<CredentialType>),
    Key(PublicKeyId, PublicKeyFile),
    Nothing,
}

/// A verified `PublicKeys/N.xml`: its text and the header fields verification reads.
#[derive(Debug)]
struct PublicKeyFile {
    xml: String,
    expiry: i64,
    bases: usize,
    revocation: bool,
    path: PathBuf,
}

impl Configuration {
    /// Loads and fully verifies `path`: either an `irma_configuration` folder (each
    /// non-hidden subfolder a scheme) or a single scheme folder.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let mut conf = Self::default();
        if is_scheme_dir(path) {
            conf.add_scheme_dir(path)?;
        } else {
            let mut dirs = Vec::new();
            for entry in fs::read_dir(path).map_err(|e| Error::io(path, e))? {
                let entry = entry.map_err(|e| Error::io(path, e))?;
                let p = entry.path();
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if name.starts_with('.') || !p.is_dir() {
                    continue;
                }
                if !is_scheme_dir(&p) {
                    return Err(Error::NotAScheme { path: p });
                }
                dirs.push(p);
            }
            dirs.sort();
            for dir in dirs {
                if !dir.join(DESCRIPTION_XML).is_file() && dir.join(DESCRIPTION_JSON).is_file() {
                    conf.warnings.push(format!(
                        "Skipped requestor scheme {}: requestor schemes are not supported yet",
                        dir.display()
                    ));
                    continue;
                }
                conf.add_scheme_dir(&dir)?;
            }
            if conf.schemes.is_empty() {
                return Err(Error::NoSchemes {
                    path: path.to_owned(),
                });
            }
        }
        conf.check_keys(now())?;
        Ok(conf)
    }

    /// Verifies one scheme folder and adds its contents.
    fn add_scheme_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let verified = verify_scheme_dir(dir)?;
        self.add_verified(verified)
    }

    /// Parses the descriptions of a verified scheme and adds them.
    pub(crate) fn add_verified(&mut self, v: VerifiedScheme) -> Result<(), Error> {
        let VerifiedScheme {
            path,
            id,
            index,
            public_key,
            timestamp,
            files,
            warnings,
        } = v;
        if is_reserved_scheme_name(id.as_str()) {
            return Err(Error::Invalid {
                file: path.display().to_string(),
                reason: format!("scheme id {id} uses a forbidden prefix"),
            });
        }
        let file = |rel: &str| -> Result<&[u8], Error> {
            files
                .get(rel)
                .map(Vec::as_slice)
                .ok_or_else(|| Error::MissingFile {
                    path: path.join(rel),
                })
        };
        self.warnings.extend(warnings);
        let desc_name = index.display_path(DESCRIPTION_XML);
        let description = SchemeDescription::parse(
            &Source {
                file: &desc_name,
                folder: id.as_str(),
            },
            file(DESCRIPTION_XML)?,
            &mut self.warnings,
        )?;

        let mut kss = BTreeMap::new();
        for (rel, _) in index.files() {
            if let Some(n) = kss_counter(rel) {
                kss.insert(n, file(rel)?.to_vec());
            }
        }
        if description.keyshare_server.is_some() && !kss.contains_key(&0) {
            return Err(Error::Invalid {
                file: desc_name,
                reason: format!(
                    "scheme {id} has keyshare URL but no keyshare public key kss-0.pem"
                ),
            });
        }

        // Issuers: `<issuer>/description.xml`; credential types:
        // `<issuer>/Issues/<cred>/description.xml`; keys: `<issuer>/PublicKeys/<N>.xml`.
        let mut issuers = BTreeMap::new();
        for (rel, _) in index.files() {
            let parts: Vec<&str> = rel.split('/').collect();
            if let [folder, DESCRIPTION_XML] = parts[..] {
                let name = index.display_path(rel);
                let issuer = IssuerDescription::parse(
                    &Source {
                        file: &name,
                        folder,
                    },
                    file(rel)?,
                    &description,
                    &mut self.warnings,
                )?;
                if index.hash(&format!("{folder}/logo.png")).is_none() {
                    self.warnings
                        .push(format!("Issuer {} has no logo.png", issuer.id));
                }
                issuers.insert(folder.to_owned(), issuer);
            }
        }
        // Credential types and public keys parse independently: spread them over the cores,
        // then merge results and warnings in index order.
        let items: Vec<&str> = index
            .files()
            .map(|(rel, _)| rel)
            .filter(|rel| {
                let parts: Vec<&str> = rel.split('/').collect();
                matches!(parts[..], [_, "Issues", _, DESCRIPTION_XML])
                    || matches!(parts[..], [_, "PublicKeys", k] if k.ends_with(".xml"))
            })
            .collect();
        let parsed = par_map(&items, |rel| -> Result<(Parsed, Vec<String>), Error> {
            let mut warnings = Vec::new();
            let name = index.display_path(rel);
            let parts: Vec<&str> = rel.split('/').collect();
            let Some(issuer) = issuers.get(parts[0]) else {
                warnings.push(format!("Ignored file: {name} (no issuer description)"));
                return Ok((Parsed::Nothing, warnings));
            };
            if let [iss, "Issues", cred, _] = parts[..] {
                let ct = CredentialType::parse(
                    &Source {
                        file: &name,
                        folder: cred,
                    },
                    file(rel)?,
                    &description,
                    issuer,
                    &mut warnings,
                )?;
                if index
                    .hash(&format!("{iss}/Issues/{cred}/logo.png"))
                    .is_none()
                {
                    warnings.push(format!("Credential type {} has no logo.png", ct.id));
                }
                return Ok((Parsed::Credential(Box::new(ct)), warnings));
            }
            let counter = parts[2]
                .strip_suffix(".xml")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| Error::Invalid {
                    file: name.clone(),
                    reason: "public key file name is not <counter>.xml".to_owned(),
                })?;
            let pk = parse_public_key(&name, file(rel)?, counter, path.join(rel))?;
            let id = PublicKeyId {
                issuer: issuer.id.clone(),
                counter,
            };
            Ok((Parsed::Key(id, pk), warnings))
        });
        let mut creds = BTreeMap::new();
        let mut keys = BTreeMap::new();
        for r in parsed {
            let (item, warnings) = r?;
            self.warnings.extend(warnings);
            match item {
                Parsed::Credential(ct) => {
                    creds.insert(ct.id.clone(), *ct);
                }
                Parsed::Key(id, pk) => {
                    keys.insert(id, pk);
                }
                Parsed::Nothing => {}
            }
        }
        for issuer in issuers.values() {
            if !creds.keys().any(|c| c.issuer() == issuer.id) {
                self.warnings
                    .push(format!("Issuer {} has no credential types", issuer.id));
            }
            if !keys.keys().any(|k| k.issuer == issuer.id) {
                self.warnings
                    .push(format!("Issuer {} has no public keys", issuer.id));
            }
        }
        check_dependencies(&creds)?;

        for (cid, ct) in creds {
            self.metadata_hashes
                .insert(credential_type_hash(&cid), cid.clone());
            self.credential_types.insert(cid, ct);
        }
        for issuer in issuers.into_values() {
            self.issuers.insert(issuer.id.clone(), issuer);
        }
        self.public_keys.extend(keys);
        self.schemes.insert(
            id,
            Scheme {
                description,
                path,
                timestamp,
                index,
                public_key,
                kss,
            },
        );
        Ok(())
    }

    /// irmago `ValidateKeys`: expiry warnings for the latest key of every non-deprecated
    /// issuer, and errors when that key has too few bases or lacks revocation support that a
    /// credential type needs.
    fn check_keys(&mut self, now: i64) -> Result<(), Error> {
        let mut warnings = Vec::new();
        for (iid, issuer) in &self.issuers {
            let Some((kid, latest)) = self.latest_key(iid) else {
                continue;
            };
            if issuer.deprecated_since.is_none_or(|t| t > now) {
                if latest.expiry < now {
                    warnings.push(format!("Issuer {iid} has no nonexpired public keys"));
                } else if latest.expiry < now + EXPIRY_WARNING_WINDOW {
                    warnings.push(format!(
                        "Latest public key of issuer {iid} expires soon (at {})",
                        format_go_utc(latest.expiry)
                    ));
                }
            }
            for (cid, ct) in &self.credential_types {
                if cid.issuer() != *iid {
                    continue;
                }
                let needed = ct.attributes.len() + 2;
                if needed > latest.bases {
                    return Err(Error::Invalid {
                        file: latest.path.display().to_string(),
                        reason: format!(
                            "latest public key {kid} of issuer {iid} does not support the amount of attributes that credential type {cid} requires ({}, required: {needed})",
                            latest.bases
                        ),
                    });
                }
                if ct.revocation_supported() && !latest.revocation {
                    return Err(Error::Invalid {
                        file: latest.path.display().to_string(),
                        reason: format!(
                            "credential type {cid} supports revocation but latest public key {kid} of issuer {iid} does not"
                        ),
                    });
                }
            }
        }
        self.warnings.extend(warnings);
        Ok(())
    }

    fn latest_key(&self, issuer: &IssuerId) -> Option<(&PublicKeyId, &PublicKeyFile)> {
        self.public_keys
            .iter()
            .filter(|(k, _)| k.issuer == *issuer)
            .max_by_key(|(k, _)| k.counter)
    }

    /// Warnings collected while loading, in irmago's wording ("Issuer X has no nonexpired
    /// public keys", "Ignored file: ...", missing translations, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// All schemes, by id.
    pub fn schemes(&self) -> impl Iterator<Item = &Scheme> {
        self.schemes.values()
    }

    /// A scheme by id.
    pub fn scheme(&self, id: &SchemeId) -> Option<&Scheme> {
        self.schemes.get(id)
    }

    /// An issuer by id.
    pub fn issuer(&self, id: &IssuerId) -> Option<&IssuerDescription> {
        self.issuers.get(id)
    }

    /// All issuers, sorted by id.
    pub fn issuers(&self) -> impl Iterator<Item = &IssuerDescription> {
        self.issuers.values()
    }

    /// A credential type by id.
    pub fn credential_type(&self, id: &CredentialTypeId) -> Option<&CredentialType> {
        self.credential_types.get(id)
    }

    /// All credential types, sorted by id.
    pub fn credential_types(&self) -> impl Iterator<Item = &CredentialType> {
        self.credential_types.values()
    }

    /// The credential type whose metadata hash (first 16 bytes of SHA-256 of its id, as
    /// stored in a credential's metadata attribute) is `hash`.
    pub fn credential_type_by_hash(&self, hash: &[u8]) -> Option<&CredentialType> {
        let key: [u8; 16] = hash.try_into().ok()?;
        self.metadata_hashes
            .get(&key)
            .and_then(|id| self.credential_types.get(id))
    }

    /// An attribute type with its position in its credential type's scheme order.
    pub fn attribute_type(
        &self,
        id: &AttributeTypeId,
    ) -> Option<(usize, &super::description::AttributeType)> {
        self.credential_types
            .get(&id.credential_type())?
            .attribute(id.name())
    }

    /// The display name of an attribute type.
    pub fn attribute_name(&self, id: &AttributeTypeId) -> Option<&TranslatedString> {
        self.attribute_type(id).map(|(_, a)| &a.name)
    }

    /// The counters of an issuer's public keys, ascending.
    pub fn public_key_counters(&self, issuer: &IssuerId) -> Vec<u32> {
        self.public_keys
            .keys()
            .filter(|k| k.issuer == *issuer)
            .map(|k| k.counter)
            .collect()
    }

    /// The verified text of `PublicKeys/<counter>.xml`, for `crate::crypto` to parse.
    pub fn public_key_xml(&self, id: &PublicKeyId) -> Option<&str> {
        self.public_keys.get(id).map(|k| k.xml.as_str())
    }

    /// The expiry date (unix seconds) of a public key.
    pub fn public_key_expiry(&self, id: &PublicKeyId) -> Option<i64> {
        self.public_keys.get(id).map(|k| k.expiry)
    }

    /// The path of `<scheme>/<issuer>/PrivateKeys/<counter>.xml` if that file exists.
    /// Private keys are never signed: whoever uses them must check them against the public key.
    pub fn private_key_path(&self, id: &PublicKeyId) -> Option<PathBuf> {
        let scheme = self.schemes.get(&id.issuer.scheme())?;
        let p = scheme
            .path
            .join(id.issuer.name())
            .join("PrivateKeys")
            .join(format!("{}.xml", id.counter));
        p.is_file().then_some(p)
    }

    /// The verified PEM bytes of a scheme's keyshare server key `kss-<counter>.pem`.
    pub fn kss_pem(&self, scheme: &SchemeId, counter: u32) -> Option<&[u8]> {
        self.schemes.get(scheme)?.kss_pem(counter)
    }

    /// The atum timestamp server of a scheme, if it has one.
    pub fn timestamp_server(&self, scheme: &SchemeId) -> Option<&str> {
        self.schemes
            .get(scheme)?
            .description
            .timestamp_server
            .as_deref()
    }
}

fn parse_public_key(
    name: &str,
    bytes: &[u8],
    counter: u32,
    path: PathBuf,
) -> Result<PublicKeyFile, Error> {
    let invalid = |reason: &str| Error::Invalid {
        file: name.to_owned(),
        reason: reason.to_owned(),
    };
    let xml = String::from_utf8(bytes.to_vec()).map_err(|_| invalid("not UTF-8"))?;
    let header = KeyHeader::scan(&xml).ok_or_else(|| {
        invalid("not an Idemix public key (needs <Counter>, <ExpiryDate> and <Bases num=\"..\">)")
    })?;
    if header.counter != counter {
        return Err(invalid(&format!(
            "public key has wrong <Counter> {}",
            header.counter
        )));
    }
    Ok(PublicKeyFile {
        xml,
        expiry: header.expiry,
        bases: header.bases,
        revocation: header.revocation,
        path,
    })
}

/// The few header fields of an Idemix public key that scheme verification needs (irmago
/// `ValidateKeys`). Found by a cheap scan of the signed text: the full key, with its big
/// numbers, is parsed by `crate::crypto` from [`Configuration::public_key_xml`].
struct KeyHeader {
    counter: u32,
    expiry: i64,
    bases: usize,
    /// `<G>` and `<H>` are present: the key supports revocation.
    revocation: bool,
}

impl KeyHeader {
    fn scan(xml: &str) -> Option<Self> {
        let elem = |tag: &str| -> Option<&str> {
            let open = format!("<{tag}>");
            let start = xml.find(&open)? + open.len();
            let len = xml[start..].find(&format!("</{tag}>"))?;
            Some(xml[start..start + len].trim())
        };
        let bases = {
            let start = xml.find("<Bases")? + "<Bases".len();
            let tag = &xml[start..start + xml[start..].find('>')?];
            let num = tag.split("num=\"").nth(1)?.split('"').next()?;
            num.trim().parse().ok()?
        };
        Some(Self {
            counter: elem("Counter")?.parse().ok()?,
            expiry: elem("ExpiryDate")?.parse().ok()?,
            bases,
            revocation: elem("G").is_some() && elem("H").is_some(),
        })
    }
}

/// irmago `validateDependencies`: dependencies stay inside the scheme, exist, and for every
/// disjunction some option does not lead back to the credential type itself.
fn check_dependencies(creds: &BTreeMap<CredentialTypeId, CredentialType>) -> Result<(), Error> {
    fn satisfiable(
        creds: &BTreeMap<CredentialTypeId, CredentialType>,
        of: &CredentialTypeId,
        target: &CredentialTypeId,
        depth: usize,
    ) -> Result<bool, Error> {
        if depth >= MAX_DEPENDENCY_DEPTH {
            return Err(Error::Invalid {
                file: target.to_string(),
                reason: "dependency tree too complex".to_owned(),
            });
        }
        let Some(ct) = creds.get(of) else {
            return Ok(true);
        };
        for discon in &ct.dependencies {
            let mut ok = false;
            for con in discon {
                let mut con_ok = true;
                for item in con {
                    if item == target || !satisfiable(creds, item, target, depth + 1)? {
                        con_ok = false;
                        break;
                    }
                }
                if con_ok {
                    ok = true;
                    break;
                }
            }
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
    for (id, ct) in creds {
        for item in ct.dependencies.iter().flatten().flatten() {
            if item.scheme() != id.scheme() || !creds.contains_key(item) {
                return Err(Error::Invalid {
                    file: id.to_string(),
                    reason: format!(
                        "credential type {id} has a dependency outside its scheme or unknown: {item}"
                    ),
                });
            }
        }
        if !satisfiable(creds, id, id, 0)? {
            return Err(Error::Invalid {
                file: id.to_string(),
                reason: "no valid dependency branch could be built; there might be a circular dependency".to_owned(),
            });
        }
    }
    Ok(())
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_key_headers() {
        let xml = "<IssuerPublicKey><Counter> 2 </Counter><ExpiryDate>1919746800</ExpiryDate>\
                   <Elements><n>1</n><G>5</G><H>6</H><Bases num=\"20\"><Base_0>1</Base_0></Bases></Elements></IssuerPublicKey>";
        let h = KeyHeader::scan(xml).unwrap();
        assert_eq!(
            (h.counter, h.expiry, h.bases, h.revocation),
            (2, 1_919_746_800, 20, true)
        );
        assert!(
            KeyHeader::scan("<IssuerPublicKey><Counter>x</Counter></IssuerPublicKey>").is_none()
        );
        let no_rev = xml.replace("<G>5</G>", "");
        assert!(!KeyHeader::scan(&no_rev).unwrap().revocation);
    }
}
