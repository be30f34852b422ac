//! Issuing credentials in a session (irmago `handlePostCommitments` and
//! `computeAttributes`): the issuer private keys, the attribute list of each credential
//! (metadata attribute first, then the attributes in scheme order, random-blind ones left to
//! the issuer's share), and the CL signature over the commitment the verifier verified
//! ([`crate::verifier::VerifiedCommitment`]: in a keyshare scheme the app's `U` with the
//! keyshare server's `P` merged in, never the `U` the app sent). A revocable credential
//! also gets a nonrevocation witness against the current accumulator, its `e` as the
//! revocation attribute, and an issuance record (irmago `computeWitness`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use num_bigint::BigUint;
use num_traits::One;

use super::validate::PrivateKeyFolder;
use crate::crypto::idemix::{self, IssueSignatureMessage, Issuer, IssuerKeyError, PrivateKey};
use crate::crypto::revocation::{RevocationError, Witness};
use crate::protocol::attributes::{MetadataAttribute, MetadataError, encode_value};
use crate::protocol::identifiers::{CredentialTypeId, PublicKeyId};
use crate::protocol::request::{CredentialRequest, IssuanceRequest};
use crate::revocation::{Keys, Service, ServiceError, service::issuance_record};
use crate::scheme::{Configuration, CredentialType};
use crate::verifier::VerifiedCommitment;

/// Why a credential could not be issued (the reference's `ISSUANCE_FAILED`).
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// No private key file for this issuer key.
    #[error("no private key for {0}")]
    MissingPrivateKey(PublicKeyId),
    /// The private key file could not be read.
    #[error("cannot read private key {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The private key file does not parse.
    #[error("private key {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: IssuerKeyError,
    },
    /// The private key file holds the key of another counter.
    #[error("private key {path} has counter {found}, expected {expected}")]
    Counter {
        /// The file.
        path: PathBuf,
        /// The counter in the file.
        found: u32,
        /// The counter asked for.
        expected: u32,
    },
    /// The credential type is not in the schemes.
    #[error("unknown credential type {0}")]
    UnknownCredentialType(CredentialTypeId),
    /// The key counter does not fit the metadata attribute.
    #[error("key counter {0} does not fit in the metadata attribute")]
    KeyCounter(u32),
    /// The metadata attribute cannot be built (dates out of range).
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Signing failed (key mismatch, randomness, malformed commitment).
    #[error(transparent)]
    Sign(#[from] idemix::Error),
    /// No accumulator to issue a witness against, or the issuance record could not be kept.
    #[error(transparent)]
    Revocation(#[from] ServiceError),
    /// The witness could not be made.
    #[error(transparent)]
    Witness(#[from] RevocationError),
    /// A revocable credential, and no revocation component to issue it with.
    #[error("{0} is revocable and this issuer has no revocation component")]
    NoRevocation(CredentialTypeId),
}

/// What issuing revocable credentials takes: the server's revocation component with the keys
/// it checks accumulators with, and the runtime to drive its I/O from the signing thread.
#[derive(Clone)]
pub struct Revocable {
    /// The revocation component (the authority's store, or the client of the authority).
    pub service: Arc<Service>,
    /// The schemes and keys of the session.
    pub keys: Arc<dyn Keys>,
    /// Where the fetches and posts run.
    pub runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for Revocable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocable").finish_non_exhaustive()
    }
}

impl Revocable {
    /// A fresh witness for a credential of `cred` under key `counter`, against the current
    /// accumulator of that key (fetched from the authority first, unless this is it).
    fn witness(
        &self,
        cred: &CredentialTypeId,
        counter: u32,
        sk: &PrivateKey,
    ) -> Result<Witness, IssueError> {
        let (acc, signed) = self.runtime.block_on(self.service.issuance_accumulator(
            self.keys.as_ref(),
            cred,
            counter,
        ))?;
        Ok(Witness::random(sk, &acc, &signed)?)
    }

    /// Keeps the issuance record of a credential issued at `issued_ns` with `e`, expiring at
    /// `expiry` (unix s): here when this server is the authority, else signed and posted to
    /// it.
    fn keep_record(
        &self,
        cred: &CredentialRequest,
        counter: u32,
        e: &BigUint,
        (issued_ns, expiry): (i64, i64),
        sk: &PrivateKey,
    ) -> Result<(), IssueError> {
        let record = issuance_record(
            &cred.credential,
            &cred.revocation_key,
            counter,
            e,
            issued_ns,
            expiry,
        );
        self.runtime.block_on(self.service.save_issuance_record(
            self.keys.as_ref(),
            &record,
            sk,
        ))?;
        Ok(())
    }
}

/// The issuer private keys a server may use: `<scheme>/<issuer>/PrivateKeys/<counter>.xml`
/// and the `--privkeys` folder (`scheme.issuer.counter.xml` or `scheme.issuer.xml`), each
/// parsed once.
pub struct IssuerKeys {
    schemes: Arc<Configuration>,
    folder: PrivateKeyFolder,
    cache: Mutex<HashMap<PublicKeyId, Arc<PrivateKey>>>,
}

impl std::fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys themselves.
        f.debug_struct("IssuerKeys")
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

impl IssuerKeys {
    /// The keys of `schemes` and of `folder`.
    pub fn new(schemes: Arc<Configuration>, folder: PrivateKeyFolder) -> Self {
        Self {
            schemes,
            folder,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The private key `id`, read and parsed on first use.
    pub fn private_key(&self, id: &PublicKeyId) -> Result<Arc<PrivateKey>, IssueError> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        if let Some(key) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            return Ok(Arc::clone(key));
        }
        let key = Arc::new(self.load(id)?);
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Arc::clone(&key));
        Ok(key)
    }

    fn load(&self, id: &PublicKeyId) -> Result<PrivateKey, IssueError> {
        let mut candidates: Vec<PathBuf> = self.schemes.private_key_path(id).into_iter().collect();
        if let Some(dir) = &self.folder.0 {
            candidates.push(dir.join(format!("{}.{}.xml", id.issuer, id.counter)));
            candidates.push(dir.join(format!("{}.xml", id.issuer)));
        }
        let path = candidates
            .into_iter()
            .find(|p| p.is_file())
            .ok_or_else(|| IssueError::MissingPrivateKey(id.clone()))?;
        let key = read_private_key(&path)?;
        if key.counter() != id.counter {
            return Err(IssueError::Counter {
                path,
                found: key.counter(),
                expected: id.counter,
            });
        }
        Ok(key)
    }
}

fn read_private_key(path: &Path) -> Result<PrivateKey, IssueError> {
    let xml = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
        IssueError::Read {
            path: path.to_owned(),
            source,
        }
    })?);
    PrivateKey::from_xml(&xml).map_err(|source| IssueError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// The attributes to sign for `cred` with the issuer key of counter `key_counter`, from
/// base 1 on: the metadata attribute (signed at `now`, expiring at the request's validity,
/// with that key counter and the credential type), then each attribute of `credtype` in
/// scheme order: present values encoded, absent ones 0, random-blind ones `None` (the issuer
/// adds its share), the revocation attribute `revocation` (the witness's `e`; 0 without).
pub fn credential_attributes(
    cred: &CredentialRequest,
    credtype: &CredentialType,
    key_counter: u32,
    now: i64,
    revocation: Option<&BigUint>,
) -> Result<Vec<Option<BigUint>>, IssueError> {
    let metadata = metadata_attribute(cred, key_counter, now)?;
    let mut attributes = Vec::with_capacity(credtype.attributes.len() + 1);
    attributes.push(Some(metadata.to_int()));
    for attribute in &credtype.attributes {
        if attribute.random_blind {
            attributes.push(None);
            continue;
        }
        if attribute.revocation {
            attributes.push(Some(revocation.cloned().unwrap_or_default()));
            continue;
        }
        let value = attribute
            .id
            .as_ref()
            .and_then(|id| cred.attributes.get(id.name()));
        attributes.push(Some(encode_value(value.map(String::as_str))));
    }
    Ok(attributes)
}

/// The metadata attribute of `cred` signed at `now` with key `key_counter`, expiring at the
/// request's validity.
fn metadata_attribute(
    cred: &CredentialRequest,
    key_counter: u32,
    now: i64,
) -> Result<MetadataAttribute, IssueError> {
    let counter = u16::try_from(key_counter).map_err(|_| IssueError::KeyCounter(key_counter))?;
    // `complete_request` set the validity; the default is only a fallback for requests
    // built without it.
    let expiry = cred
        .validity
        .unwrap_or_else(|| crate::protocol::attributes::default_validity(now));
    Ok(MetadataAttribute::new(
        &cred.credential,
        counter,
        now,
        expiry,
    )?)
}

/// Starts the background search for the primes `e` of the keys `request` will be signed with
/// (one prime range per key size, [`Issuer::prepare`]), so that the commitments, seconds
/// later, find them ready. Only keys of this request are looked at; a key that does not load
/// is left to the issuance to report.
pub fn prepare_issuance<C: std::ops::Deref<Target = Configuration>>(
    verifier: &crate::verifier::Verifier<C>,
    request: &IssuanceRequest,
) {
    for cred in &request.credentials {
        let id = PublicKeyId {
            issuer: cred.credential.issuer(),
            counter: cred.key_counter,
        };
        if let Ok(pk) = verifier.public_key(&id) {
            Issuer::prepare(&pk);
        }
    }
}

/// Signs credential `cred` over the commitment the verifier checked (`commitment`: its `U`,
/// keyshare share included, with the private key of the key it was checked against),
/// proving the signature with `nonce2`, at `now_ms` (unix ms). A credential of a revocable
/// type gets its witness in the answer (`nonrev`) and its issuance record kept through
/// `revocation` (which the server always has).
pub fn issue_credential(
    conf: &Configuration,
    keys: &IssuerKeys,
    revocation: Option<&Revocable>,
    cred: &CredentialRequest,
    commitment: &VerifiedCommitment,
    nonce2: &BigUint,
    now_ms: u64,
) -> Result<IssueSignatureMessage, IssueError> {
    let credtype = conf
        .credential_type(&cred.credential)
        .ok_or_else(|| IssueError::UnknownCredentialType(cred.credential.clone()))?;
    let id = commitment.key_id();
    let sk = keys.private_key(id)?;
    let now = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
    let revocation = match revocation {
        Some(r) if credtype.revocation_supported() => Some(r),
        None if credtype.revocation_supported() => {
            return Err(IssueError::NoRevocation(cred.credential.clone()));
        }
        _ => None,
    };
    let witness = match revocation {
        Some(r) => Some(r.witness(&cred.credential, id.counter, &sk)?),
        None => None,
    };
    let e = witness.as_ref().map(|w| &w.e.0);
    let attributes = credential_attributes(cred, credtype, id.counter, now, e)?;
    let context = BigUint::one();
    let issuer = Issuer::new(&sk, commitment.public_key(), &context)?;
    let mut signature = issuer.issue_signature(commitment.u(), &attributes, nonce2)?;
    if let (Some(revocation), Some(witness)) = (revocation, witness) {
        let expiry = metadata_attribute(cred, id.counter, now)?.expiry();
        let issued_ns = i64::try_from(now_ms)
            .unwrap_or(i64::MAX / 1_000_000)
            .saturating_mul(1_000_000);
        let times = (issued_ns, expiry);
        revocation.keep_record(cred, id.counter, &witness.e.0, times, &sk)?;
        signature.nonrev = Some(witness);
    }
    Ok(signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::attributes::EPOCH_SECONDS;

    fn demo() -> Arc<Configuration> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/schemes");
        Arc::new(Configuration::load(std::path::Path::new(dir)).unwrap())
    }

    #[test]
    fn attributes_in_scheme_order_with_metadata_first() {
        let conf = demo();
        let id: CredentialTypeId = "irma-demo.MijnOverheid.fullName".parse().unwrap();
        let credtype = conf.credential_type(&id).unwrap();
        let mut cred: CredentialRequest = serde_json::from_value(serde_json::json!({
            "credential": "irma-demo.MijnOverheid.fullName",
            "keyCounter": 2,
            "validity": 1_810_961_963,
            "attributes": {"firstnames": "Johan Pieter", "firstname": "Johan",
                           "familyname": "Stuivezand"}
        }))
        .unwrap();
        let now = 1_795_323_563;
        let attrs = credential_attributes(&cred, credtype, cred.key_counter, now, None).unwrap();
        assert_eq!(attrs.len(), credtype.attributes.len() + 1);
        let meta = MetadataAttribute::from_int(attrs[0].as_ref().unwrap()).unwrap();
        assert_eq!(meta.key_counter(), 2);
        assert_eq!(meta.signing_date(), now - now.rem_euclid(EPOCH_SECONDS));
        assert_eq!(
            meta.credential_type_hash(),
            crate::protocol::attributes::credential_type_hash(&id)
        );
        for (a, value) in credtype.attributes.iter().zip(&attrs[1..]) {
            let name = a.id.as_ref().unwrap().name();
            let expected = encode_value(cred.attributes.get(name).map(String::as_str));
            assert_eq!(value.as_ref(), Some(&expected), "{name}");
        }
        // The optional `prefix` is absent: 0.
        assert!(
            attrs
                .iter()
                .any(|a| a.as_ref().is_some_and(|v| v == &BigUint::ZERO))
        );
        cred.key_counter = 70_000;
        assert!(matches!(
            credential_attributes(&cred, credtype, cred.key_counter, now, None),
            Err(IssueError::KeyCounter(70_000))
        ));
    }

    #[test]
    fn private_keys_from_the_scheme_and_the_folder() {
        let conf = demo();
        let issuer = "irma-demo.MijnOverheid".parse().unwrap();
        let id = PublicKeyId { issuer, counter: 2 };
        let keys = IssuerKeys::new(Arc::clone(&conf), PrivateKeyFolder::default());
        let a = keys.private_key(&id).unwrap();
        let b = keys.private_key(&id).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "parsed once");
        assert!(!format!("{keys:?}").contains(&a.p().to_string()));

        let dir = tempfile::tempdir().unwrap();
        let src = conf.private_key_path(&id).unwrap();
        std::fs::copy(&src, dir.path().join("irma-demo.MijnOverheid.xml")).unwrap();
        let other = PublicKeyId {
            counter: 9,
            ..id.clone()
        };
        let folder = IssuerKeys::new(conf, PrivateKeyFolder(Some(dir.path().to_owned())));
        // The folder's file holds counter 2, not 9.
        assert!(matches!(
            folder.private_key(&other),
            Err(IssueError::Counter { found: 2, .. })
        ));
        assert_eq!(*folder.private_key(&id).unwrap(), *a);
    }
}
