//! IRMA-level verification against loaded schemes: the glue between [`crate::scheme`], the
//! gabi layer ([`crate::crypto::idemix`]) and the protocol verdict ([`crate::protocol::verify`]).
//!
//! A [`Verifier`] holds a [`Configuration`] (borrowed, or shared through an `Arc` by a
//! long-lived server) and caches every issuer public key it parses.
//! It verifies a disclosure, an attribute-based signature (with or without its request) and
//! the commitments of an issuance, as irmago's server does (`irma/verify.go`,
//! `server/irmaserver/handle.go`).
//!
//! Verifying commitments returns what was verified ([`CheckedCommitments`]): per credential,
//! the key it was checked against and the commitment `U` after the keyshare merge. The issuer
//! signs exactly that ([`VerifiedCommitment`]), never the message's own `U`: in a keyshare
//! scheme the app's `U` covers only its share of the secret key, and a signature over it
//! does not verify for the app (gabi `ProofU.MergeProofP` changes the `U` the issuer then
//! signs).

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use num_bigint::BigUint;

use crate::crypto::idemix::{
    IssueCommitmentMessage, IssuerKeyError, Proof, ProofD, ProofP, PublicKey,
    verifications_started, verify_proof_list,
};
use crate::jwt::keyshare::{KeyshareJwtError, PROOF_P_SUBJECT, verify_keyshare_jwt};
use crate::protocol::attributes::{
    AttributeInfo, CredentialTypeInfo, MetadataAttribute, MetadataError,
};
use crate::protocol::identifiers::{CredentialTypeId, PublicKeyId, SchemeId};
use crate::protocol::messages::{AttributeIndex, ProofStatus};
use crate::protocol::request::{
    DisclosureRequest, IssuanceRequest, NonRevocationParameters, SignatureRequest,
};
use crate::protocol::signature::{Checked, SignedMessage};
use crate::protocol::timestamp::{KeyTrust, TimestampProof};
use crate::protocol::verify::{self, DisclosureError, Verdict, VerifiedProof};
use crate::scheme::{Configuration, CredentialType};

/// The protocol's view of a scheme credential type.
pub fn credential_type_info(ct: &CredentialType) -> CredentialTypeInfo {
    CredentialTypeInfo {
        id: ct.id.clone(),
        singleton: ct.singleton,
        attributes: ct
            .attributes
            .iter()
            .map(|a| AttributeInfo {
                id: a.id.clone(),
                random_blind: a.random_blind,
                optional: a.optional,
            })
            .collect(),
    }
}

/// Why a message could not be judged at all (the server answers an error and cancels).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A proof lacks the metadata attribute.
    #[error("proof {0} does not disclose its metadata attribute")]
    NoMetadata(usize),
    /// The metadata attribute is malformed.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The metadata names no known credential type.
    #[error("proof {0} is of an unknown credential type")]
    UnknownCredentialType(usize),
    /// A credential type to issue is not in the scheme.
    #[error("unknown credential type {0}")]
    UnknownIssuedType(CredentialTypeId),
    /// The issuer key is not in the scheme (`UNKNOWN_PUBLIC_KEY`).
    #[error("unknown public key {0}")]
    UnknownPublicKey(PublicKeyId),
    /// The issuer has no public key at all.
    #[error("issuer of {0} has no public key")]
    NoPublicKey(CredentialTypeId),
    /// The key file does not parse.
    #[error(transparent)]
    Key(#[from] IssuerKeyError),
    /// The indices do not fit the proofs.
    #[error(transparent)]
    Verify(#[from] DisclosureError),
    /// The commitments are not the ProofDs followed by one ProofU per credential to issue.
    #[error("expected {disclosures} disclosure proofs then {issued} commitment proofs")]
    CommitmentShape {
        /// How many ProofDs the indices use.
        disclosures: usize,
        /// How many credentials are issued.
        issued: usize,
    },
    /// A keyshare scheme's ProofP is missing (the reference's message).
    #[error("no keyshare proof included for scheme {0}")]
    MissingProofP(SchemeId),
    /// A keyshare ProofP JWT is refused.
    #[error("keyshare proof of scheme {scheme}: {source}")]
    ProofPJwt {
        /// The scheme.
        scheme: SchemeId,
        /// Why.
        source: KeyshareJwtError,
    },
    /// A keyshare ProofP JWT does not hold a ProofP.
    #[error("keyshare proof of scheme {0}: no valid ProofP claim")]
    ProofPClaim(SchemeId),
}

/// What the scheme says about one proof.
struct Resolved {
    info: CredentialTypeInfo,
    metadata: Option<MetadataAttribute>,
    key_id: PublicKeyId,
    key: Arc<PublicKey>,
    scheme: SchemeId,
    group: String,
}

/// One credential's commitment as [`Verifier::verify_commitments`] verified it: the issuer
/// key it was checked against (a request's key counter 0 resolved to the issuer's latest)
/// and the commitment `U` with the keyshare server's `P` merged in. Only the verifier makes
/// one, and only for proofs that verified: the issuer signs exactly this.
#[derive(Debug, Clone)]
pub struct VerifiedCommitment {
    key_id: PublicKeyId,
    key: Arc<PublicKey>,
    u: BigUint,
}

impl VerifiedCommitment {
    /// The issuer key the commitment was verified against, and must be signed with.
    pub fn key_id(&self) -> &PublicKeyId {
        &self.key_id
    }

    /// That key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The verified commitment `U` (keyshare share merged in): what the issuer signs.
    pub fn u(&self) -> &BigUint {
        &self.u
    }
}

/// What [`Verifier::verify_commitments`] concluded.
#[derive(Debug, Clone)]
pub struct CheckedCommitments {
    /// The verdict: `INVALID` when the proofs do not verify, else the disclosure part's.
    pub verdict: Verdict,
    /// Per credential of the request, in order; empty when the proofs do not verify.
    commitments: Vec<VerifiedCommitment>,
}

impl CheckedCommitments {
    /// What to sign, per credential of the request in order: only when the verdict is
    /// `VALID`.
    pub fn to_sign(&self) -> Option<&[VerifiedCommitment]> {
        (self.verdict.status == ProofStatus::Valid).then_some(self.commitments.as_slice())
    }
}

/// What a verifier knows of a credential type's revocation state beyond the session request
/// (irmago `RevocationSetting`): the configured tolerance and when it last fetched.
pub trait RevocationKnowledge: Send + Sync {
    /// The tolerance in seconds when the request gives none.
    fn tolerance(&self, cred: &CredentialTypeId) -> u64;
    /// Up to when (unix s) this verifier knows its copy of the revocation state to be
    /// current (its last successful fetch), if ever.
    fn updated(&self, cred: &CredentialTypeId) -> Option<i64>;
}

/// A verifier without revocation state of its own (offline verification): the default
/// tolerance, nothing fetched.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRevocationState;

impl RevocationKnowledge for NoRevocationState {
    fn tolerance(&self, _: &CredentialTypeId) -> u64 {
        crate::config::DEFAULT_TOLERANCE
    }

    fn updated(&self, _: &CredentialTypeId) -> Option<i64> {
        None
    }
}

/// Verifies IRMA messages against a [`Configuration`], caching parsed issuer keys.
///
/// `C` is how the configuration is held: `&Configuration` for one command,
/// `Arc<Configuration>` for a verifier shared by a server's sessions.
pub struct Verifier<C: Deref<Target = Configuration>> {
    conf: C,
    keys: Mutex<HashMap<PublicKeyId, Arc<PublicKey>>>,
    /// Judges how recent a nonrevocation proof is.
    revocation: Arc<dyn RevocationKnowledge>,
}

impl<C: Deref<Target = Configuration>> std::fmt::Debug for Verifier<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

impl<C: Deref<Target = Configuration>> Verifier<C> {
    /// A verifier for the schemes in `conf`, without revocation state of its own.
    pub fn new(conf: C) -> Self {
        Self::with_revocation(conf, Arc::new(NoRevocationState))
    }

    /// A verifier for the schemes in `conf` that judges nonrevocation proofs with what
    /// `revocation` knows (a server's revocation component).
    pub fn with_revocation(conf: C, revocation: Arc<dyn RevocationKnowledge>) -> Self {
        Self {
            conf,
            keys: Mutex::new(HashMap::new()),
            revocation,
        }
    }

    /// The configuration.
    pub fn configuration(&self) -> &Configuration {
        &self.conf
    }

    /// The parsed public key `id` (each key file is parsed once).
    pub fn public_key(&self, id: &PublicKeyId) -> Result<Arc<PublicKey>, Error> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = keys.get(id) {
            return Ok(Arc::clone(key));
        }
        let xml = self
            .conf
            .public_key_xml(id)
            .ok_or_else(|| Error::UnknownPublicKey(id.clone()))?;
        let key = Arc::new(PublicKey::from_xml(xml)?);
        keys.insert(id.clone(), Arc::clone(&key));
        Ok(key)
    }

    /// The keyshare group of a scheme: its id when it has a keyshare server, else ".".
    fn group(&self, scheme: &SchemeId) -> String {
        if self.conf.scheme(scheme).is_some_and(|s| s.is_distributed()) {
            scheme.to_string()
        } else {
            ".".to_owned()
        }
    }

    fn resolve_type(&self, ct: &CredentialType, counter: u32) -> Result<Resolved, Error> {
        let key_id = PublicKeyId {
            issuer: ct.id.issuer(),
            counter,
        };
        let key = self.public_key(&key_id)?;
        let scheme = ct.id.scheme();
        Ok(Resolved {
            info: credential_type_info(ct),
            metadata: None,
            key_id,
            key,
            group: self.group(&scheme),
            scheme,
        })
    }

    fn resolve_disclosure(&self, i: usize, proof: &ProofD) -> Result<Resolved, Error> {
        let meta = proof.a_disclosed.get(&1).ok_or(Error::NoMetadata(i))?;
        let meta = MetadataAttribute::from_int(meta)?;
        let ct = self
            .conf
            .credential_type_by_hash(&meta.credential_type_hash())
            .ok_or(Error::UnknownCredentialType(i))?;
        let mut r = self.resolve_type(ct, u32::from(meta.key_counter()))?;
        r.metadata = Some(meta);
        Ok(r)
    }

    fn resolve_all(&self, proofs: &[ProofD]) -> Result<Vec<Resolved>, Error> {
        proofs
            .iter()
            .enumerate()
            .map(|(i, p)| self.resolve_disclosure(i, p))
            .collect()
    }

    /// Bits of the largest issuer public key that the proofs' metadata attributes point
    /// at; 0 when none is known (for metrics: a proof's cost grows with its key).
    pub fn key_bits(&self, proofs: &[ProofD]) -> u64 {
        proofs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| self.resolve_disclosure(i, p).ok())
            .map(|r| r.key.n().bits())
            .max()
            .unwrap_or(0)
    }

    /// Verifies a disclosure (`POST /proofs` of a disclosing session) at `now`.
    pub fn verify_disclosure(
        &self,
        proofs: &[ProofD],
        indices: &[Vec<AttributeIndex>],
        request: &DisclosureRequest,
        now: i64,
    ) -> Result<Verdict, Error> {
        let r = self.resolve_all(proofs)?;
        let list: Vec<Proof> = proofs.iter().cloned().map(Proof::D).collect();
        let context = request.base.context_or_default();
        let nonce = request.base.nonce_or_default();
        let (disclosed, current) = self.verified(&r, proofs, Some(&request.base.revocation), now);
        let crypto = || current && crypto_ok(&list, &r, &context, &nonce, false);
        Ok(verify::verify_disclosure(
            &disclosed,
            indices,
            Some(request),
            now,
            crypto,
        )?)
    }

    /// Verifies an attribute-based signature at `now`: against its `request` in a signing
    /// session, or offline without one (irmago `SignedMessage.Verify(conf, nil)`), asking
    /// `trust` about the timestamp server's key.
    pub async fn verify_signature<T: KeyTrust + Sync>(
        &self,
        signed: &SignedMessage<ProofD>,
        request: Option<&SignatureRequest>,
        trust: &T,
        now: i64,
    ) -> Result<Verdict, Error> {
        let proofs = &signed.signature;
        let r = self.resolve_all(proofs)?;
        let revocation = request.map(|r| &r.disclosure.base.revocation);
        let (disclosed, current) = self.verified(&r, proofs, revocation, now);
        let servers: Vec<String> = r
            .iter()
            .map(|r| {
                self.conf
                    .timestamp_server(&r.scheme)
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        let timestamp_proofs: Vec<TimestampProof<'_>> = proofs
            .iter()
            .enumerate()
            .map(|(i, p)| TimestampProof {
                a: &p.a.0,
                disclosed: &disclosed[i].disclosed,
                attribute_count: r[i].info.attributes.len(),
                modulus: r[i].key.n(),
                bases: r[i].key.bases(),
                max_message_bits: r[i].key.params().lm,
                timestamp_server: &servers[i],
            })
            .collect();
        let list: Vec<Proof> = proofs.iter().cloned().map(Proof::D).collect();
        let crypto = |c: &Checked<'_>| current && crypto_ok(&list, &r, c.context, &c.nonce, true);
        Ok(signed
            .verify(request, &disclosed, &timestamp_proofs, crypto, trust, now)
            .await?)
    }

    /// Verifies the commitments of an issuance (`POST /commitments`) at `now`: the
    /// `combinedProofs` are the ProofDs the `indices` point into, then one ProofU per
    /// credential of `request` (checked against its `keyCounter`, the issuer's latest when
    /// 0), all under one challenge; keyshare schemes' ProofPs (`proofPJwts`, checked with the
    /// scheme's `kss-N.pem`) are merged in first. The verdict covers the disclosure part;
    /// `INVALID` when the proofs do not verify. What verified is returned for the issuer to
    /// sign ([`CheckedCommitments::to_sign`]).
    pub fn verify_commitments(
        &self,
        msg: &IssueCommitmentMessage,
        indices: &[Vec<AttributeIndex>],
        request: &IssuanceRequest,
        now: i64,
    ) -> Result<CheckedCommitments, Error> {
        let issued = request.credentials.len();
        let total = msg.proofs.0.len();
        let disclosures = total.checked_sub(issued).ok_or(Error::CommitmentShape {
            disclosures: 0,
            issued,
        })?;
        let shape = Error::CommitmentShape {
            disclosures,
            issued,
        };
        let mut proof_ds = Vec::with_capacity(disclosures);
        for p in &msg.proofs.0[..disclosures] {
            match p {
                Proof::D(d) => proof_ds.push(d.clone()),
                Proof::U(_) => return Err(shape),
            }
        }
        if msg.proofs.0[disclosures..]
            .iter()
            .any(|p| matches!(p, Proof::D(_)))
        {
            return Err(shape);
        }
        let mut r = self.resolve_all(&proof_ds)?;
        for cred in &request.credentials {
            let ct = self
                .conf
                .credential_type(&cred.credential)
                .ok_or_else(|| Error::UnknownIssuedType(cred.credential.clone()))?;
            let counter = self
                .conf
                .issuing_key_counter(&ct.id.issuer(), cred.key_counter)
                .ok_or_else(|| Error::NoPublicKey(ct.id.clone()))?;
            r.push(self.resolve_type(ct, counter)?);
        }
        // From here on `list` is what is verified, and what the issuer gets to sign.
        let mut list = msg.proofs.0.clone();
        let merged = self.merge_proof_ps(msg, &mut list, &r, now)?;
        let context = request.disclosure.base.context_or_default();
        let nonce = request.disclosure.base.nonce_or_default();
        if !merged || !crypto_ok(&list, &r, &context, &nonce, false) {
            return Ok(CheckedCommitments {
                verdict: Verdict {
                    status: ProofStatus::Invalid,
                    disclosed: Vec::new(),
                },
                commitments: Vec::new(),
            });
        }
        let commitments = list[disclosures..]
            .iter()
            .zip(&r[disclosures..])
            .filter_map(|(proof, res)| match proof {
                Proof::U(u) => Some(VerifiedCommitment {
                    key_id: res.key_id.clone(),
                    key: Arc::clone(&res.key),
                    u: u.u.0.clone(),
                }),
                Proof::D(_) => None,
            })
            .collect();
        let (disclosed, current) = self.verified(
            &r[..disclosures],
            &proof_ds,
            Some(&request.disclosure.base.revocation),
            now,
        );
        let verdict = if current {
            verify::verdict(&disclosed, indices, Some(&request.disclosure), now)?
        } else {
            Verdict {
                status: ProofStatus::Invalid,
                disclosed: Vec::new(),
            }
        };
        Ok(CheckedCommitments {
            verdict,
            commitments,
        })
    }

    /// The proofs as the verdict needs them, and whether every nonrevocation proof among them
    /// is against an accumulator at least as new as the one the server sent with the request
    /// (else the proofs are `INVALID`).
    fn verified<'a>(
        &self,
        r: &'a [Resolved],
        proofs: &[ProofD],
        requested: Option<&NonRevocationParameters>,
        now: i64,
    ) -> (Vec<VerifiedProof<'a>>, bool) {
        let mut current = true;
        let list = proofs
            .iter()
            .zip(r)
            .filter_map(|(p, r)| {
                let nonrev = match self.nonrevocation(r, p, requested, now) {
                    Ok(n) => n,
                    Err(()) => {
                        current = false;
                        None
                    }
                };
                Some(VerifiedProof {
                    credential_type: &r.info,
                    metadata: r.metadata?,
                    public_key_expiry: r.key.expiry_date(),
                    disclosed: p
                        .a_disclosed
                        .iter()
                        .map(|(k, v)| (*k, v.0.clone()))
                        .collect(),
                    has_nonrevocation_proof: nonrev.is_some(),
                    not_revoked_before: nonrev.and_then(|n| n.before),
                })
            })
            .collect();
        (list, current)
    }

    /// Judges a proof's nonrevocation proof (whose cryptography the proof list's check
    /// covers) as irmago `ProofList.VerifyProofs` does: its accumulator must be signed by the
    /// issuer and not older (by index) than the last event of the update the server attached
    /// for that key; nonrevocation is then known up to the accumulator's time, or up to this
    /// verifier's last fetch when that accumulator is the newest it has; older than the
    /// tolerance, the result says since when. `Err` when the proof cannot count.
    fn nonrevocation(
        &self,
        r: &Resolved,
        proof: &ProofD,
        requested: Option<&NonRevocationParameters>,
        now: i64,
    ) -> Result<Option<NonRevocation>, ()> {
        let Some(nonrev) = &proof.nonrev_proof else {
            return Ok(None);
        };
        let id = &r.info.id;
        let counter = nonrev.sacc.pk_counter;
        let pk = self
            .public_key(&PublicKeyId {
                issuer: id.issuer(),
                counter,
            })
            .map_err(drop)?;
        let acc = nonrev.sacc.verify(&pk).map_err(drop)?;
        let request = requested.and_then(|p| p.0.get(id));
        let ours = request
            .and_then(|p| p.updates.get(&counter))
            .and_then(|u| u.events.events().last())
            .map_or(0, |e| e.index);
        if ours > acc.index {
            return Err(());
        }
        let mut known = acc.time;
        if ours == acc.index
            && let Some(updated) = self.revocation.updated(id)
        {
            known = known.max(updated);
        }
        let tolerance = match request.map_or(0, |p| p.tolerance) {
            0 => self.revocation.tolerance(id),
            t => t,
        };
        let age = u64::try_from(now.saturating_sub(known)).unwrap_or(0);
        Ok(Some(NonRevocation {
            before: (age > tolerance).then_some(known),
        }))
    }

    /// Merges each keyshare scheme's ProofP into the proofs of that scheme; false when a
    /// ProofP has an oversized number (the proofs are then invalid).
    ///
    /// Only `proofPJwts` (by scheme) is read. The legacy single `proofPJwt` is deliberately
    /// ignored, as irmago v0.18.1 does at protocol 2.8 (`getProofP` reads `ProofPjwts` only;
    /// recorded in `keyshare/proofp-legacy-field.json`: `KEYSHARE_PROOF_MISSING`): it names
    /// no scheme, so it cannot say which keyshare server vouches for which proofs, and no
    /// app that speaks 2.8 sends it.
    fn merge_proof_ps(
        &self,
        msg: &IssueCommitmentMessage,
        list: &mut [Proof],
        r: &[Resolved],
        now: i64,
    ) -> Result<bool, Error> {
        let mut proof_ps: BTreeMap<SchemeId, ProofP> = BTreeMap::new();
        for res in r.iter().filter(|res| res.group != ".") {
            if proof_ps.contains_key(&res.scheme) {
                continue;
            }
            let scheme = res.scheme.clone();
            let jwt = msg
                .proof_p_jwts
                .as_ref()
                .and_then(|m| m.get(scheme.as_str()))
                .ok_or_else(|| Error::MissingProofP(scheme.clone()))?;
            let claims = verify_keyshare_jwt(jwt, PROOF_P_SUBJECT, Some(now), |kid| {
                self.conf.kss_pem(&scheme, kid)
            })
            .map_err(|source| Error::ProofPJwt {
                scheme: scheme.clone(),
                source,
            })?;
            let proof_p: ProofP = claims
                .get("ProofP")
                .cloned()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| Error::ProofPClaim(scheme.clone()))?;
            proof_ps.insert(scheme, proof_p);
        }
        for (proof, res) in list.iter_mut().zip(r) {
            if let Some(p) = proof_ps.get(&res.scheme) {
                // Sizes first: merging multiplies and adds. Oversized numbers make the
                // proofs invalid, as they would after merging.
                if p.check_ranges(&res.key).is_err() {
                    return Ok(false);
                }
                proof.merge_proof_p(p, &res.key);
            }
        }
        Ok(true)
    }
}

/// Runs the gabi verification of `list` with the resolved keys and keyshare groups.
fn crypto_ok(
    list: &[Proof],
    r: &[Resolved],
    context: &BigUint,
    nonce: &BigUint,
    issig: bool,
) -> bool {
    let keys: Vec<&PublicKey> = r.iter().map(|r| r.key.as_ref()).collect();
    let groups: Vec<&str> = r.iter().map(|r| r.group.as_str()).collect();
    let verdict = verify_proof_list(list, &keys, &groups, context, nonce, issig);
    tracing::debug!(
        proofs = list.len(),
        outcome = ?verdict,
        verifications_started = verifications_started(),
        "proof list checked"
    );
    verdict.is_ok()
}

/// What a verified nonrevocation proof says.
struct NonRevocation {
    /// Up to when nonrevocation is known, when that is longer ago than the tolerance.
    before: Option<i64>,
}

#[cfg(test)]
mod tests;
