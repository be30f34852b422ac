//! The wallet's contents: the secret key and credentials checked against their scheme, and
//! the reference's wallet dump format for import and export.

use std::collections::BTreeMap;
use std::path::Path;

use num_bigint::BigUint;
use num_traits::Zero;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Error;
use super::keyshare::{KeyshareAccount, StoredAccount};
use super::storage::{Storage, StoredCredential, Unreadable, parse_decimal};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{self, CLSignature, Credential, SecretKey};
use crate::crypto::revocation::{RevocationError, Updates, WitnessUpdate};
use crate::protocol::attributes::{MetadataAttribute, decode_random_blind, decode_value};
use crate::protocol::identifiers::{
    AttributeTypeId, CredentialTypeId, IssuerId, PublicKeyId, SchemeId,
};
use crate::protocol::request::NonRevocationParameters;
use crate::scheme::Configuration;
use crate::verifier::Verifier;

/// One credential of the wallet: its CL signature verified over the wallet's secret key,
/// its metadata read and its values decoded with the scheme.
#[derive(Debug, Clone)]
pub struct WalletCredential {
    hash: String,
    credential_type: CredentialTypeId,
    key_counter: u32,
    metadata: MetadataAttribute,
    idemix: Credential,
    /// Per attribute in scheme order: its id (`None` for the revocation attribute) and
    /// decoded value (`None` when absent).
    values: Vec<(Option<AttributeTypeId>, Option<String>)>,
    /// A revocation update showed that the credential was revoked.
    revoked: bool,
}

/// What `irma wallet list` shows of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSummary {
    /// The credential type.
    pub credential: CredentialTypeId,
    /// The credential's hash (irmago `AttributeList.Hash`): its name in the wallet.
    pub hash: String,
    /// The issuer.
    pub issuer: IssuerId,
    /// The issuer key counter.
    pub key_counter: u32,
    /// Signing date (Unix seconds, on a week boundary).
    pub signed_on: i64,
    /// Expiry (Unix seconds).
    pub expires: i64,
    /// Attribute id → decoded value (`null` when absent).
    pub attributes: BTreeMap<String, Option<String>>,
}

impl WalletCredential {
    /// Checks a stored credential against the schemes and the secret key: known type,
    /// metadata of that type, attribute count, issuer key, and the CL signature over
    /// `[secret, attributes…]`.
    pub fn new(
        stored: &StoredCredential,
        secret: &SecretKey,
        conf: &Configuration,
        keys: &Verifier<&Configuration>,
    ) -> Result<Self, Error> {
        let id = &stored.credential_type;
        let invalid = |reason: String| Error::InvalidCredential {
            credential_type: id.clone(),
            reason,
        };
        let ct = conf
            .credential_type(id)
            .ok_or_else(|| Error::UnknownCredentialType(id.clone()))?;
        let distributed = conf
            .scheme(&id.scheme())
            .is_some_and(|s| s.is_distributed());
        // In a keyshare scheme the signature covers the keyshare server's `P` too.
        match (distributed, &stored.keyshare_p) {
            (true, None) => return Err(invalid("no KeyshareP in a keyshare scheme".to_owned())),
            (false, Some(_)) => {
                return Err(invalid(
                    "KeyshareP in a scheme without keyshare server".to_owned(),
                ));
            }
            _ => {}
        }
        let meta_int = stored
            .attributes
            .first()
            .ok_or_else(|| invalid("no metadata attribute".to_owned()))?;
        let metadata = MetadataAttribute::from_int(meta_int).map_err(|e| invalid(e.to_string()))?;
        if conf
            .credential_type_by_hash(&metadata.credential_type_hash())
            .map(|c| &c.id)
            != Some(id)
        {
            return Err(invalid("metadata names another credential type".to_owned()));
        }
        if u32::from(metadata.key_counter()) != stored.public_key_counter {
            return Err(invalid("metadata names another key counter".to_owned()));
        }
        if stored.attributes.len() != ct.attributes.len() + 1 {
            return Err(invalid(format!(
                "{} attributes, the credential type has {}",
                stored.attributes.len() - 1,
                ct.attributes.len()
            )));
        }
        let pk = keys
            .public_key(&PublicKeyId {
                issuer: id.issuer(),
                counter: stored.public_key_counter,
            })
            .map_err(|e| Error::PublicKey {
                credential_type: id.clone(),
                counter: stored.public_key_counter,
                reason: e.to_string(),
            })?;
        let signature = CLSignature {
            a: Int(stored.a.clone()),
            e: Int(stored.e.clone()),
            v: Int(stored.v.clone()),
            keyshare_p: stored.keyshare_p.clone().map(Int),
        };
        let mut attributes = Vec::with_capacity(stored.attributes.len() + 1);
        attributes.push(secret.value().clone());
        attributes.extend(stored.attributes.iter().cloned());
        let idemix = Credential::new(pk.as_ref().clone(), signature, attributes)
            .map_err(|e| invalid(e.to_string()))?;
        // A revocable credential carries its witness, over its revocation attribute.
        let idemix = match (&stored.witness, ct.revocation_index()) {
            (Some(witness), Some(index)) => {
                if stored.attributes.get(index + 1) != Some(&witness.e.0) {
                    return Err(invalid(
                        "the witness is not over the revocation attribute".to_owned(),
                    ));
                }
                idemix
                    .with_witness(witness.clone())
                    .map_err(|e| invalid(format!("witness: {e}")))?
            }
            (Some(_), None) => {
                return Err(invalid(
                    "a witness for a credential type without revocation".to_owned(),
                ));
            }
            (None, _) => idemix,
        };
        let values = ct
            .attributes
            .iter()
            .zip(&stored.attributes[1..])
            .map(|(at, v)| {
                let value = if at.random_blind {
                    Some(decode_random_blind(v))
                } else {
                    decode_value(v, metadata.version())
                };
                (at.id.clone(), value)
            })
            .collect();
        Ok(Self {
            hash: attributes_hash(&stored.attributes),
            credential_type: id.clone(),
            key_counter: stored.public_key_counter,
            metadata,
            idemix,
            values,
            revoked: stored.revoked,
        })
    }

    /// The hash naming the credential (irmago `AttributeList.Hash`: SHA-256 of the
    /// big-endian bytes of every attribute from the metadata on, in hex).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The credential type.
    pub fn credential_type(&self) -> &CredentialTypeId {
        &self.credential_type
    }

    /// The counter of the issuer key that signed it.
    pub fn key_counter(&self) -> u32 {
        self.key_counter
    }

    /// The metadata attribute.
    pub fn metadata(&self) -> &MetadataAttribute {
        &self.metadata
    }

    /// The Idemix credential (secret key at index 0).
    pub fn idemix(&self) -> &Credential {
        &self.idemix
    }

    /// The position in scheme order and decoded value of an attribute of this credential;
    /// `None` when the credential type has no such attribute.
    pub fn attribute(&self, id: &AttributeTypeId) -> Option<(usize, Option<&str>)> {
        self.values
            .iter()
            .position(|(a, _)| a.as_ref() == Some(id))
            .map(|i| (i, self.values[i].1.as_deref()))
    }

    /// Whether the credential has not expired at `now`.
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.metadata.is_valid_at(now)
    }

    /// Whether a revocation update showed the credential revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// Whether the credential has a nonrevocation witness (and so can prove nonrevocation).
    pub fn has_witness(&self) -> bool {
        self.idemix.witness().is_some()
    }

    /// Brings the witness up to date with the update of its key in `updates`, if there is
    /// one (irmaclient `NonrevUpdate`); a revoked credential is marked so. Returns whether
    /// anything changed. An update that does not fit (too new for the witness) is an error
    /// and changes nothing.
    fn update_witness(&mut self, updates: &Updates) -> Result<bool, idemix::Error> {
        let Some(update) = updates.get(&self.key_counter) else {
            return Ok(false);
        };
        if self.revoked || !self.has_witness() {
            return Ok(false);
        }
        match self.idemix.update_witness(update) {
            Ok(WitnessUpdate::Updated) => Ok(true),
            Ok(WitnessUpdate::Unchanged) => Ok(false),
            Err(idemix::Error::Revocation(RevocationError::Revoked)) => {
                self.revoked = true;
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// The stored form (without the secret key).
    pub fn to_stored(&self) -> StoredCredential {
        let attrs = self.idemix.attributes();
        let sig = self.idemix.signature();
        StoredCredential {
            credential_type: self.credential_type.clone(),
            public_key_counter: self.key_counter,
            attributes: attrs[1..].to_vec(),
            a: sig.a.0.clone(),
            e: sig.e.0.clone(),
            v: sig.v.0.clone(),
            keyshare_p: sig.keyshare_p.as_ref().map(|p| p.0.clone()),
            witness: self.idemix.witness().cloned(),
            revoked: self.revoked,
        }
    }

    /// What `irma wallet list` shows.
    pub fn summary(&self) -> CredentialSummary {
        CredentialSummary {
            credential: self.credential_type.clone(),
            hash: self.hash.clone(),
            issuer: self.credential_type.issuer(),
            key_counter: self.key_counter,
            signed_on: self.metadata.signing_date(),
            expires: self.metadata.expiry(),
            attributes: self
                .values
                .iter()
                .filter_map(|(id, v)| Some((id.as_ref()?.to_string(), v.clone())))
                .collect(),
        }
    }
}

/// SHA-256 over the big-endian bytes (none for zero) of each attribute, in hex.
fn attributes_hash(attributes: &[BigUint]) -> String {
    let mut hasher = Sha256::new();
    for a in attributes {
        if !a.is_zero() {
            hasher.update(a.to_bytes_be());
        }
    }
    hex::encode(hasher.finalize())
}

/// The reference's wallet dump (`credentials/wallet-P.json`, its `dump` object; the whole
/// file is accepted too): the secret key and every credential. `irma wallet export` writes
/// it and `irma wallet import` reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletDump {
    /// The secret key, decimal.
    pub secret_key: String,
    /// The credentials.
    pub credentials: Vec<StoredCredential>,
}

impl WalletDump {
    /// Parses a dump, or a file holding one under `dump`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        #[derive(Deserialize)]
        struct Wrapped {
            dump: WalletDump,
        }
        let corrupt = |e: serde_json::Error| Error::Corrupt {
            path: "wallet dump".into(),
            reason: e.to_string(),
        };
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(corrupt)?;
        if value.get("dump").is_some() {
            Ok(serde_json::from_value::<Wrapped>(value)
                .map_err(corrupt)?
                .dump)
        } else {
            serde_json::from_value(value).map_err(corrupt)
        }
    }
}

/// An opened wallet: its storage, secret key (once it has one), readable credentials and
/// keyshare enrollments.
pub struct Wallet {
    storage: Storage,
    secret: Option<SecretKey>,
    credentials: Vec<WalletCredential>,
    unreadable: Vec<Unreadable>,
    keyshare: BTreeMap<SchemeId, KeyshareAccount>,
    /// An enrollment under way: used by its session, stored once that succeeded.
    enrolling: Option<KeyshareAccount>,
}

impl Wallet {
    /// Opens (or creates) the wallet in `dir` and checks every credential against `conf`.
    /// Credentials that cannot be read or checked are kept on disk and reported by
    /// [`Wallet::unreadable`].
    pub fn open(dir: &Path, conf: &Configuration) -> Result<Self, Error> {
        let storage = Storage::open(dir)?;
        let secret = storage.secret_key()?;
        let loaded = storage.load_credentials()?;
        let (stored, mut unreadable) = (loaded.credentials, loaded.unreadable);
        let keys = Verifier::new(conf);
        let mut credentials = Vec::with_capacity(stored.len());
        for (name, s) in stored {
            let path = storage
                .dir()
                .join("credentials")
                .join(format!("{name}.json"));
            let Some(secret) = &secret else {
                unreadable.push(Unreadable {
                    file: path,
                    error: "the wallet has no secret key".to_owned(),
                });
                continue;
            };
            match WalletCredential::new(&s, secret, conf, &keys) {
                Ok(c) if c.hash == name => credentials.push(c),
                Ok(_) => unreadable.push(Unreadable {
                    file: path,
                    error: "file name is not the credential's hash".to_owned(),
                }),
                Err(e) => unreadable.push(Unreadable {
                    file: path,
                    error: e.to_string(),
                }),
            }
        }
        sort(&mut credentials);
        let mut keyshare = BTreeMap::new();
        for stored in storage.keyshare_accounts::<StoredAccount>()? {
            let account =
                KeyshareAccount::from_stored(&stored).map_err(|reason| Error::Corrupt {
                    path: storage.dir().join("keyshare"),
                    reason,
                })?;
            keyshare.insert(account.scheme().clone(), account);
        }
        Ok(Self {
            storage,
            secret,
            credentials,
            unreadable,
            keyshare,
            enrolling: None,
        })
    }

    /// The enrollment at the keyshare server of `scheme` (or the one under way).
    pub fn keyshare_account(&self, scheme: &SchemeId) -> Option<&KeyshareAccount> {
        self.keyshare
            .get(scheme)
            .or(self.enrolling.as_ref().filter(|a| a.scheme() == scheme))
    }

    /// The keyshare enrollments, by scheme.
    pub fn keyshare_accounts(&self) -> impl Iterator<Item = &KeyshareAccount> {
        self.keyshare.values()
    }

    /// Starts an enrollment at the keyshare server of `scheme`: a new key and PIN nonce.
    pub(super) fn start_enrollment(
        &mut self,
        scheme: &SchemeId,
        conf: &Configuration,
    ) -> Result<&KeyshareAccount, Error> {
        if !conf.scheme(scheme).is_some_and(|s| s.is_distributed()) {
            return Err(Error::NotKeyshareScheme(scheme.clone()));
        }
        if self.keyshare.contains_key(scheme) {
            return Err(Error::AlreadyEnrolled(scheme.clone()));
        }
        Ok(self
            .enrolling
            .insert(KeyshareAccount::generate(scheme.clone())?))
    }

    /// The enrollment under way learns its username (from the keyshare attribute it is
    /// being issued), once.
    pub(super) fn name_enrollment(&mut self, scheme: &SchemeId, username: &str) {
        if let Some(account) = self.enrolling.as_mut()
            && account.scheme() == scheme
            && account.username().is_empty()
        {
            account.set_username(username);
        }
    }

    /// Ends the enrollment under way: stored when `success`, else forgotten.
    pub(super) fn finish_enrollment(
        &mut self,
        success: bool,
    ) -> Result<Option<KeyshareAccount>, Error> {
        let Some(account) = self.enrolling.take() else {
            return Ok(None);
        };
        if !success || account.username().is_empty() {
            return Ok(None);
        }
        self.storage
            .store_keyshare_account(account.scheme().as_str(), &account.to_stored())?;
        self.keyshare
            .insert(account.scheme().clone(), account.clone());
        Ok(Some(account))
    }

    /// The readable credentials, by type and then newest first.
    pub fn credentials(&self) -> &[WalletCredential] {
        &self.credentials
    }

    /// Credential files that could not be read or checked.
    pub fn unreadable(&self) -> &[Unreadable] {
        &self.unreadable
    }

    /// The secret key, creating and storing one if the wallet has none yet.
    pub fn secret_key_or_create(&mut self) -> Result<&SecretKey, Error> {
        let key = match self.secret.take() {
            Some(key) => key,
            None => {
                let key = SecretKey::generate()?;
                self.storage.store_secret_key(&key)?;
                key
            }
        };
        Ok(self.secret.insert(key))
    }

    /// Stores a new credential. A credential of a singleton type replaces the ones of its
    /// type (as the app does).
    pub fn add(&mut self, credential: WalletCredential, conf: &Configuration) -> Result<(), Error> {
        self.storage
            .store_credential(&credential.hash, &credential.to_stored())?;
        let singleton = conf
            .credential_type(&credential.credential_type)
            .is_some_and(|ct| ct.singleton);
        if singleton {
            let old: Vec<String> = self
                .credentials
                .iter()
                .filter(|c| {
                    c.credential_type == credential.credential_type && c.hash != credential.hash
                })
                .map(|c| c.hash.clone())
                .collect();
            for hash in old {
                self.remove_hash(&hash)?;
            }
        }
        self.credentials.retain(|c| c.hash != credential.hash);
        self.credentials.push(credential);
        sort(&mut self.credentials);
        Ok(())
    }

    /// Applies the revocation updates a session request carries to the witnesses of the
    /// credentials of their types, and stores what changed: a newer witness, or that the
    /// credential was revoked (irmaclient `NonrevUpdate`). An update that does not fit a
    /// witness leaves it as it was (its nonrevocation proof will then be refused), logged.
    pub fn apply_revocation_updates(
        &mut self,
        params: &NonRevocationParameters,
    ) -> Result<(), Error> {
        for (typ, request) in &params.0 {
            for credential in self
                .credentials
                .iter_mut()
                .filter(|c| c.credential_type == *typ)
            {
                match credential.update_witness(&request.updates) {
                    Ok(true) => self
                        .storage
                        .store_credential(&credential.hash, &credential.to_stored())?,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(credential = %credential.hash, error = %e, "revocation update not applied");
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes the credential named by `selector`: its hash, a unique prefix of at least 6
    /// characters of its hash, or its credential type when the wallet has exactly one.
    /// Returns the removed credential's summary.
    pub fn remove(&mut self, selector: &str) -> Result<CredentialSummary, Error> {
        let matches: Vec<&WalletCredential> = self
            .credentials
            .iter()
            .filter(|c| {
                c.hash == selector
                    || (selector.len() >= 6 && c.hash.starts_with(selector))
                    || c.credential_type.as_str() == selector
            })
            .collect();
        let found = match matches.as_slice() {
            [] => return Err(Error::NoSuchCredential(selector.to_owned())),
            [one] => one.summary(),
            _ => return Err(Error::AmbiguousCredential(selector.to_owned())),
        };
        self.remove_hash(&found.hash)?;
        Ok(found)
    }

    fn remove_hash(&mut self, hash: &str) -> Result<(), Error> {
        self.storage.remove_credential(hash)?;
        self.credentials.retain(|c| c.hash != hash);
        Ok(())
    }

    /// Imports a dump: every credential must verify over the dump's secret key. A wallet
    /// without credentials takes the dump's key; one with credentials must already have it.
    /// Returns the imported credentials' summaries.
    pub fn import(
        &mut self,
        dump: &WalletDump,
        conf: &Configuration,
    ) -> Result<Vec<CredentialSummary>, Error> {
        let secret = SecretKey::from_value(parse_decimal(&dump.secret_key).map_err(|reason| {
            Error::Corrupt {
                path: "wallet dump".into(),
                reason: format!("secretKey: {reason}"),
            }
        })?)?;
        if let Some(own) = &self.secret
            && *own != secret
            && (!self.credentials.is_empty() || !self.unreadable.is_empty())
        {
            return Err(Error::OtherSecretKey);
        }
        let keys = Verifier::new(conf);
        let imported = dump
            .credentials
            .iter()
            .map(|s| WalletCredential::new(s, &secret, conf, &keys))
            .collect::<Result<Vec<_>, _>>()?;
        if self.secret.as_ref() != Some(&secret) {
            self.storage.store_secret_key(&secret)?;
            self.secret = Some(secret);
        }
        let summaries = imported.iter().map(WalletCredential::summary).collect();
        for c in imported {
            self.storage.store_credential(&c.hash, &c.to_stored())?;
            self.credentials.retain(|o| o.hash != c.hash);
            self.credentials.push(c);
        }
        sort(&mut self.credentials);
        Ok(summaries)
    }

    /// The dump of this wallet (secret key included), for `irma wallet export`.
    pub fn export(&self) -> Option<WalletDump> {
        Some(WalletDump {
            secret_key: self.secret.as_ref()?.value().to_string(),
            credentials: self
                .credentials
                .iter()
                .map(WalletCredential::to_stored)
                .collect(),
        })
    }
}

/// By credential type, then newest signing date first, then hash.
fn sort(credentials: &mut [WalletCredential]) {
    credentials.sort_by(|a, b| {
        a.credential_type
            .cmp(&b.credential_type)
            .then(b.metadata.signing_date().cmp(&a.metadata.signing_date()))
            .then(a.hash.cmp(&b.hash))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_data() -> std::path::PathBuf {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data"))
    }

    #[test]
    fn reference_dump_imports_with_the_reference_hashes() {
        let conf = Configuration::load(&test_data().join("schemes/irma-demo")).unwrap();
        let bytes = std::fs::read(test_data().join("vectors/credentials/wallet-P.json")).unwrap();
        let file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let dump = WalletDump::from_json(&bytes).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let mut wallet = Wallet::open(tmp.path(), &conf).unwrap();
        let imported = wallet.import(&dump, &conf).unwrap();
        let want: Vec<&str> = file["dump"]["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["hash"].as_str().unwrap())
            .collect();
        let got: Vec<&str> = imported.iter().map(|s| s.hash.as_str()).collect();
        assert_eq!(got, want);
        // The listed values are the reference's wallet_list.
        for (summary, listed) in imported.iter().zip(file["wallet_list"].as_array().unwrap()) {
            assert_eq!(summary.signed_on, listed["signedOn"].as_i64().unwrap());
            assert_eq!(summary.expires, listed["expires"].as_i64().unwrap());
            for (id, value) in listed["attributes"].as_object().unwrap() {
                assert_eq!(summary.attributes[id].as_deref(), value.as_str(), "{id}");
            }
        }
        // Reopened from disk: the same credentials; export gives the dump back.
        let reopened = Wallet::open(tmp.path(), &conf).unwrap();
        assert_eq!(reopened.credentials().len(), want.len());
        assert!(reopened.unreadable().is_empty());
        let export = reopened.export().unwrap();
        assert_eq!(export.secret_key, dump.secret_key);
        let mut a = export.credentials.clone();
        let mut b = dump.credentials.clone();
        a.sort_by_key(|c| c.credential_type.clone());
        b.sort_by_key(|c| c.credential_type.clone());
        assert_eq!(a, b);

        // Another secret key is refused once the wallet has credentials.
        let mut other = dump.clone();
        other.secret_key = "12345".to_owned();
        assert!(matches!(
            wallet.import(&other, &conf),
            Err(Error::OtherSecretKey)
        ));
        // A credential whose signature does not verify is refused.
        let tmp2 = tempfile::tempdir().unwrap();
        let mut fresh = Wallet::open(tmp2.path(), &conf).unwrap();
        let mut bad = dump.clone();
        bad.credentials[0].attributes[1] += 1u8;
        assert!(fresh.import(&bad, &conf).is_err());
        assert!(fresh.credentials().is_empty());
    }
}
