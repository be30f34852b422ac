//! [`Configuration`]: every verified scheme of an `irma_configuration` folder (or one scheme
//! folder), with the lookups the rest of the crate needs (irmago `irma.Configuration`).
//!
//! Loading is all-or-nothing: any scheme that fails verification fails the load, with an
//! error naming the file. Issuer schemes are loaded first, then requestor schemes
//! (`description.json`, [`super::requestor`]), whose issue wizards may name credential types.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use super::description::{
    CredentialType, IssuerDescription, SchemeDescription, Source, is_reserved_scheme_name,
};
use super::error::Error;
use super::index::{Index, kss_counter};
use super::keys::SchemePublicKey;
use super::requestor::{self, RequestorScheme};
use super::verify::{
    DESCRIPTION_JSON, DESCRIPTION_XML, SchemeKind, VerifiedScheme, par_map, verify_scheme_dir,
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
    requestor_schemes: BTreeMap<SchemeId, LoadedRequestorScheme>,
    /// Hostname → requestor id, unique over all requestor schemes.
    hostnames: HashMap<String, String>,
    /// Issue wizard id → requestor id, unique over all requestor schemes.
    wizards: HashMap<String, String>,
    warnings: Vec<String>,
}

/// One verified requestor scheme.
#[derive(Debug)]
pub struct LoadedRequestorScheme {
    /// Its description and requestors.
    pub scheme: RequestorScheme,
    /// The scheme folder.
    pub path: PathBuf,
    /// The signed `timestamp` (unix seconds).
    pub timestamp: i64,
    /// The signed index.
    pub index: Index,
    /// The key that verified the index (`pk.pem`).
    pub public_key: SchemePublicKey,
}

/// What every scheme has, issuer or requestor scheme: for listing and updating them.
#[derive(Debug, Clone, Copy)]
pub struct SchemeRef<'a> {
    /// Issuer or requestor scheme.
    pub kind: SchemeKind,
    /// The scheme id.
    pub id: &'a SchemeId,
    /// Where it is published (`<Url>`, `url`), without trailing `/`.
    pub url: &'a str,
    /// The scheme folder.
    pub path: &'a Path,
    /// The signed `timestamp` (unix seconds).
    pub timestamp: i64,
    /// The signed index.
    pub index: &'a Index,
    /// The key that verified the index.
    pub public_key: &'a SchemePublicKey,
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
    /// non-hidden subfolder a scheme) or a single scheme folder. Scheme folders may be named
    /// anything; their description names the scheme.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let mut conf = Self::default();
        if SchemeKind::of_dir(path).is_ok() {
            conf.add_scheme_dir(path)?;
        } else {
            let mut dirs = Vec::new();
            for p in scheme_subfolders(path)? {
                dirs.push((SchemeKind::of_dir(&p)?, p));
            }
            // Issuer schemes first: requestor schemes' wizards name their credential types.
            dirs.sort_by_key(|(kind, p)| (*kind == SchemeKind::Requestor, p.clone()));
            for (_, dir) in dirs {
                conf.add_scheme_dir(&dir)?;
            }
            if conf.schemes.is_empty() && conf.requestor_schemes.is_empty() {
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
        let id = verified.id.clone();
        if let Some(other) = self.scheme_path(&id) {
            return Err(Error::Invalid {
                file: dir.display().to_string(),
                reason: format!("scheme {id} is already loaded from {}", other.display()),
            });
        }
        match verified.kind {
            SchemeKind::Issuer => self.add_verified(verified),
            SchemeKind::Requestor => self.add_requestor_scheme(verified),
        }
    }

    /// The folder a scheme of either kind was loaded from.
    fn scheme_path(&self, id: &SchemeId) -> Option<&Path> {
        self.all_schemes().find(|s| s.id == id).map(|s| s.path)
    }

    /// Parses and checks a verified requestor scheme and adds it.
    fn add_requestor_scheme(&mut self, v: VerifiedScheme) -> Result<(), Error> {
        self.warnings.extend(v.warnings);
        let desc_name = v.index.display_path(DESCRIPTION_JSON);
        let desc_bytes = v
            .files
            .get(DESCRIPTION_JSON)
            .ok_or_else(|| Error::Unsigned {
                file: desc_name.clone(),
            })?;
        let description = requestor::parse_description(&desc_name, desc_bytes)?;
        let chunks = v
            .index
            .files()
            .filter(|(rel, _)| *rel != DESCRIPTION_JSON && *rel != "timestamp")
            .map(|(rel, _)| {
                let bytes = v.files.get(rel).map(Vec::as_slice).ok_or_else(|| {
                    Error::MissingIndexedFile {
                        file: v.index.display_path(rel),
                    }
                })?;
                Ok((rel.to_owned(), bytes))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let display = |rel: &str| v.index.display_path(rel);
        let assets = v.path.join("assets");
        let asset = |name: &str| fs::read(assets.join(name)).ok();
        let known = |cred: &CredentialTypeId| {
            self.schemes
                .contains_key(&cred.scheme())
                .then(|| self.credential_types.contains_key(cred))
        };
        let scheme = requestor::check(
            requestor::Sources {
                description,
                chunks,
                display: &display,
                asset: &asset,
            },
            &known,
        )?;
        requestor::register(&scheme, &mut self.hostnames, &mut self.wizards).map_err(|reason| {
            Error::Invalid {
                file: v.path.display().to_string(),
                reason,
            }
        })?;
        self.requestor_schemes.insert(
            v.id,
            LoadedRequestorScheme {
                scheme,
                path: v.path,
                timestamp: v.timestamp,
                index: v.index,
                public_key: v.public_key,
            },
        );
        Ok(())
    }

    /// Parses the descriptions of a verified issuer scheme and adds them.
    pub(crate) fn add_verified(&mut self, v: VerifiedScheme) -> Result<(), Error> {
        let VerifiedScheme {
            path,
            id,
            index,
            public_key,
            timestamp,
            files,
            warnings,
            ..
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

    /// All issuer schemes, by id.
    pub fn schemes(&self) -> impl Iterator<Item = &Scheme> {
        self.schemes.values()
    }

    /// Every scheme, issuer schemes first, each by id.
    pub fn all_schemes(&self) -> impl Iterator<Item = SchemeRef<'_>> {
        let issuers = self.schemes.values().map(|s| SchemeRef {
            kind: SchemeKind::Issuer,
            id: &s.description.id,
            url: &s.description.url,
            path: &s.path,
            timestamp: s.timestamp,
            index: &s.index,
            public_key: &s.public_key,
        });
        let requestors = self.requestor_schemes.values().map(|s| SchemeRef {
            kind: SchemeKind::Requestor,
            id: &s.scheme.description.id,
            url: &s.scheme.description.url,
            path: &s.path,
            timestamp: s.timestamp,
            index: &s.index,
            public_key: &s.public_key,
        });
        issuers.chain(requestors)
    }

    /// The verified requestor that the app shows for `hostname`, if any.
    pub fn requestor_for_host(&self, hostname: &str) -> Option<&requestor::RequestorInfo> {
        let id = self.hostnames.get(hostname)?;
        self.requestor_schemes
            .values()
            .flat_map(|s| &s.scheme.requestors)
            .find(|r| r.id == *id)
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

    /// The key counter an issuance request's `keyCounter` names: itself, or the issuer's
    /// latest key for 0 (the reference's "0 means the latest"); `None` when the issuer has
    /// no key.
    pub fn issuing_key_counter(&self, issuer: &IssuerId, requested: u32) -> Option<u32> {
        if requested != 0 {
            return Some(requested);
        }
        self.latest_key(issuer).map(|(id, _)| id.counter)
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

/// The scheme folders of an `irma_configuration` folder: every subfolder whose name does
/// not start with `.` (hidden folders include the `.tempscheme`/`.oldscheme` leftovers of
/// interrupted updates), sorted; a subfolder that holds no scheme is an error.
pub fn scheme_subfolders(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let p = entry.path();
        let hidden = entry
            .file_name()
            .to_str()
            .is_none_or(|n| n.starts_with('.'));
        if hidden || !p.is_dir() {
            continue;
        }
        SchemeKind::of_dir(&p)?;
        dirs.push(p);
    }
    dirs.sort();
    Ok(dirs)
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
