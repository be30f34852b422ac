//! The holder's side: secret key, issuance ([`CredentialBuilder`]), credentials and proof lists
//! (`gabi:credential.go`, `builder.go`, `prooflist.go`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use num_bigint::{BigInt, BigUint};
use num_traits::One;

use super::Error;
use super::hash::{attribute_exponent, challenge};
use super::keys::{PublicKey, wipe};
use super::math;
use super::params::{SECRET_KEY_BITS, SECRET_KEY_RANDOMIZER_BITS};
use super::proofs::{Proof, ProofD, ProofList, ProofU};
use super::signature::{CLSignature, IssueSignatureMessage, RandomizedSignature};
use crate::crypto::bigint::Int;
use crate::crypto::revocation::{
    NonRevocationCommit, RevocationError, Update, Witness, WitnessUpdate, alpha_randomizer,
};

/// The holder's secret key: attribute 0 of every credential, at most 255 bits.
///
/// `Debug` hides it; on drop its limbs are overwritten (copies made while computing with it
/// are not, see [`super::PrivateKey`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(BigUint);

impl SecretKey {
    /// A fresh random secret key of at most [`SECRET_KEY_BITS`] bits.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self(math::random_bits(SECRET_KEY_BITS)?))
    }

    /// Wraps an existing secret key; refuses one longer than [`SECRET_KEY_BITS`] bits.
    pub fn from_value(value: BigUint) -> Result<Self, Error> {
        if value.bits() > u64::from(SECRET_KEY_BITS) {
            return Err(Error::SecretKeySize);
        }
        Ok(Self(value))
    }

    /// The secret value.
    pub fn value(&self) -> &BigUint {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Holds the holder's state between its commitment and the issuer's signature
/// (gabi `CredentialBuilder`).
#[derive(Clone)]
pub struct CredentialBuilder {
    pk: PublicKey,
    context: BigUint,
    secret: BigUint,
    nonce2: BigUint,
    keyshare_p: Option<BigUint>,
    u: BigUint,
    v_prime: BigUint,
    /// The holder's shares of random-blind attributes, by attribute index (≥ 2).
    m_user: BTreeMap<usize, BigUint>,
}

impl fmt::Debug for CredentialBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialBuilder")
            .field("pk", &self.pk)
            .field("random_blind", &self.m_user.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Drop for CredentialBuilder {
    fn drop(&mut self) {
        wipe(&mut self.secret);
        wipe(&mut self.v_prime);
        self.m_user.values_mut().for_each(wipe);
    }
}

impl CredentialBuilder {
    /// Commits to the secret key: `U = S^{v'} · R_0^{sk} · Π R_i^{m_i} [· P]` with `v'` of
    /// `LvPrime` bits and holder shares `m_i` of `Lm − 1` bits for the random-blind
    /// attributes (`blind` holds attribute positions as the issuer numbers them: base
    /// `R_{i+1}`). `keyshare_p` is the keyshare server's `R_0^{secret}`, when there is one.
    pub fn new(
        pk: &PublicKey,
        context: &BigUint,
        secret: &SecretKey,
        nonce2: &BigUint,
        keyshare_p: Option<&BigUint>,
        blind: &[usize],
    ) -> Result<Self, Error> {
        let params = pk.params();
        let n = pk.modulus();
        let v_prime = math::random_bits(params.lv_prime)?;
        let mut m_user = BTreeMap::new();
        for &i in blind {
            if i + 1 >= pk.bases().len() {
                return Err(Error::TooManyAttributes {
                    attributes: i + 2,
                    bases: pk.bases().len(),
                });
            }
            m_user.insert(i + 1, math::random_bits(params.lm - 1)?);
        }
        // `sk` is long-lived, `v'` and the shares hide it: regular path (see `math`).
        let mut terms = vec![(pk.s(), &v_prime), (&pk.bases()[0], &secret.0)];
        terms.extend(m_user.iter().map(|(&i, m)| (&pk.bases()[i], m)));
        let mut u = math::pow_secret(n, &terms);
        if let Some(p) = keyshare_p {
            u = n.mul(&u, p);
        }
        Ok(Self {
            pk: pk.clone(),
            context: context.clone(),
            secret: secret.0.clone(),
            nonce2: nonce2.clone(),
            keyshare_p: keyshare_p.cloned(),
            u,
            v_prime,
            m_user,
        })
    }

    /// The commitment `U`.
    pub fn commitment(&self) -> &BigUint {
        &self.u
    }

    /// The nonce `n_2` the issuer's ProofS must use.
    pub fn nonce2(&self) -> &BigUint {
        &self.nonce2
    }

    /// The keyshare server's `P = R_0^{secret}` this builder's `U` includes, if any.
    pub fn keyshare_p(&self) -> Option<&BigUint> {
        self.keyshare_p.as_ref()
    }

    /// The public key the credential will verify against.
    pub fn public_key(&self) -> &PublicKey {
        &self.pk
    }

    /// Turns the issuer's answer into a credential (gabi `ConstructCredential`): verifies the
    /// ProofS against `n_2`, adds `v'`, combines random-blind shares and verifies the CL
    /// signature, and the nonrevocation witness when there is one. `attributes` are as given
    /// to the issuer (`None` at random-blind positions).
    pub fn construct_credential(
        &self,
        msg: &IssueSignatureMessage,
        attributes: &[Option<BigUint>],
    ) -> Result<Credential, Error> {
        // The issuer's random-blind shares have `Lm − 1` bits (gabi `issuer.go`); longer
        // ones are refused before they enter a signature check.
        let lm = u64::from(self.pk.params().lm);
        if msg.m_issuer.values().any(|m| m.0.bits() > lm)
            || !msg
                .proof
                .verify(&self.pk, &msg.signature, &self.context, &self.nonce2)
        {
            return Err(Error::InvalidProofS);
        }
        let signature = CLSignature {
            a: msg.signature.a.clone(),
            e: msg.signature.e.clone(),
            v: Int(&msg.signature.v.0 + &self.v_prime),
            keyshare_p: self.keyshare_p.clone().map(Int),
        };
        let mut ms = Vec::with_capacity(attributes.len() + 1);
        ms.push(self.secret.clone());
        for (i, attribute) in attributes.iter().enumerate() {
            let index = i + 1;
            match (attribute, self.m_user.get(&index), msg.m_issuer.get(&index)) {
                (Some(value), None, None) => ms.push(value.clone()),
                (None, Some(user), Some(issuer)) => ms.push(user + &issuer.0),
                _ => return Err(Error::RandomBlind { index }),
            }
        }
        if self.m_user.keys().any(|&i| i >= ms.len()) {
            return Err(Error::RandomBlind { index: ms.len() });
        }
        let credential = Credential::new(self.pk.clone(), signature, ms)?;
        match &msg.nonrev {
            Some(witness) => credential.with_witness(witness.clone()),
            None => Ok(credential),
        }
    }

    fn commit(&self, sk_randomizer: &BigUint) -> Result<(Vec<BigUint>, Committed<'_>), Error> {
        let params = self.pk.params();
        let v_prime_commit = math::random_bits(params.lv_prime_commit)?;
        let mut m_user_commit = BTreeMap::new();
        for &i in self.m_user.keys() {
            m_user_commit.insert(i, math::random_bits(params.lm_commit)?);
        }
        // `new` checked every random-blind index against the bases. One-time randomizers:
        // variable-time path (see `math`).
        let pk = &self.pk;
        let mut fixed = vec![pk.s_term(&v_prime_commit)];
        fixed.extend(pk.r_term(0, sk_randomizer));
        fixed.extend(m_user_commit.iter().filter_map(|(&i, r)| pk.r_term(i, r)));
        let u_commit = math::vartime_multi_pow(pk.modulus(), &fixed, &[]);
        let contributions = vec![self.u.clone(), u_commit];
        Ok((
            contributions,
            Committed::U {
                builder: self,
                v_prime_commit,
                m_user_commit,
            },
        ))
    }
}

/// A credential: a CL signature over `[secret key, metadata, attributes…]`, with a
/// nonrevocation witness when it is revocable.
#[derive(Clone)]
pub struct Credential {
    pk: PublicKey,
    signature: CLSignature,
    attributes: Vec<BigUint>,
    witness: Option<Witness>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("pk", &self.pk)
            .field("attributes", &self.attributes.len())
            .finish_non_exhaustive()
    }
}

impl Drop for Credential {
    fn drop(&mut self) {
        if let Some(secret) = self.attributes.first_mut() {
            wipe(secret);
        }
    }
}

impl Credential {
    /// A credential from its parts; `attributes[0]` is the secret key. Fails unless the
    /// signature verifies.
    pub fn new(
        pk: PublicKey,
        signature: CLSignature,
        attributes: Vec<BigUint>,
    ) -> Result<Self, Error> {
        if !signature.verify(&pk, &attributes) {
            return Err(Error::InvalidSignature);
        }
        Ok(Self {
            pk,
            signature,
            attributes,
            witness: None,
        })
    }

    /// The credential with its nonrevocation witness, which must verify and whose `e` must be
    /// one of the attributes (the revocation attribute).
    pub fn with_witness(mut self, witness: Witness) -> Result<Self, Error> {
        witness.verify(&self.pk)?;
        if self.revocation_index_of(&witness).is_none() {
            return Err(RevocationError::NoRevocationAttribute.into());
        }
        self.witness = Some(witness);
        Ok(self)
    }

    /// The nonrevocation witness, if the credential has one.
    pub fn witness(&self) -> Option<&Witness> {
        self.witness.as_ref()
    }

    /// Brings the witness up to date with `update` (see [`Witness::update`]); on failure
    /// (revoked, or an update that does not fit) the witness is left as it was.
    pub fn update_witness(&mut self, update: &Update) -> Result<WitnessUpdate, Error> {
        let witness = self
            .witness
            .as_mut()
            .ok_or(RevocationError::NoRevocationAttribute)?;
        let mut updated = witness.clone();
        let outcome = updated.update(&self.pk, update)?;
        *witness = updated;
        Ok(outcome)
    }

    /// The index of the attribute equal to the witness's `e` (gabi `NonrevIndex`), never the
    /// secret key.
    fn revocation_index_of(&self, witness: &Witness) -> Option<usize> {
        self.attributes
            .iter()
            .skip(1)
            .position(|a| *a == witness.e.0)
            .map(|i| i + 1)
    }

    /// The issuer's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.pk
    }

    /// The signature.
    pub fn signature(&self) -> &CLSignature {
        &self.signature
    }

    /// All attributes, the secret key at index 0.
    pub fn attributes(&self) -> &[BigUint] {
        &self.attributes
    }

    fn commit(
        &self,
        disclosed: &[usize],
        nonrev: bool,
        sk_randomizer: &BigUint,
    ) -> Result<(Vec<BigUint>, Committed<'_>), Error> {
        let disclosed: BTreeSet<usize> = disclosed.iter().copied().collect();
        if let Some(&index) = disclosed
            .iter()
            .find(|&&i| i == 0 || i >= self.attributes.len())
        {
            return Err(Error::DisclosedIndex { index });
        }
        let params = self.pk.params();
        let randomized = self.signature.randomize(&self.pk)?;
        let e_commit = math::random_bits(params.le_commit)?;
        let v_commit = math::random_bits(params.lv_commit)?;
        let mut randomizers = BTreeMap::new();
        randomizers.insert(0, sk_randomizer.clone());
        for i in 1..self.attributes.len() {
            if !disclosed.contains(&i) {
                randomizers.insert(i, math::random_bits(params.lm_commit)?);
            }
        }
        // The revocation attribute gets the (shorter) randomizer of the nonrevocation proof's
        // α, which ties the two proofs to one e (gabi `CreateDisclosureProofBuilder`).
        let nonrev_witness = match (nonrev, &self.witness) {
            (false, _) => None,
            (true, None) => return Err(RevocationError::NoRevocationAttribute.into()),
            (true, Some(witness)) => {
                let index = self
                    .revocation_index_of(witness)
                    .ok_or(RevocationError::NoRevocationAttribute)?;
                if disclosed.contains(&index) {
                    return Err(Error::DisclosedIndex { index });
                }
                randomizers.insert(index, alpha_randomizer()?);
                Some((witness, index))
            }
        };
        // Indices are below `attributes.len()`, which a verified signature keeps within the
        // number of bases.
        // One-time randomizers: variable-time path (see `math`).
        let pk = &self.pk;
        let mut fixed = vec![pk.s_term(&v_commit)];
        fixed.extend(randomizers.iter().filter_map(|(&i, r)| pk.r_term(i, r)));
        let z = math::vartime_multi_pow(pk.modulus(), &fixed, &[(&randomized.a, &e_commit)]);
        let mut contributions = vec![randomized.a.clone(), z];
        let nonrev = match nonrev_witness {
            Some((witness, index)) => {
                let (list, commit) =
                    NonRevocationCommit::commit(pk, witness, &randomizers[&index])?;
                contributions.extend(list);
                Some(Box::new(commit))
            }
            None => None,
        };
        Ok((
            contributions,
            Committed::D(DisclosureCommit {
                credential: self,
                disclosed,
                randomized,
                e_commit,
                v_commit,
                randomizers,
                nonrev,
            }),
        ))
    }
}

/// One proof to build in a proof list.
#[derive(Debug, Clone, Copy)]
pub enum ProofRequest<'a> {
    /// A ProofU for an issuance commitment.
    Issuance(&'a CredentialBuilder),
    /// A ProofD disclosing the given attribute indices (≥ 1; 1 is the metadata attribute).
    Disclosure {
        /// The credential to prove.
        credential: &'a Credential,
        /// Indices of the attributes to disclose.
        disclosed: &'a [usize],
        /// Whether to prove nonrevocation with the credential's witness (which must not be
        /// disclosed).
        nonrev: bool,
    },
}

/// Randomizers of one proof between commitment and response.
enum Committed<'a> {
    U {
        builder: &'a CredentialBuilder,
        v_prime_commit: BigUint,
        m_user_commit: BTreeMap<usize, BigUint>,
    },
    D(DisclosureCommit<'a>),
}

/// Randomizers of one disclosure proof between commitment and response.
struct DisclosureCommit<'a> {
    credential: &'a Credential,
    disclosed: BTreeSet<usize>,
    randomized: RandomizedSignature,
    e_commit: BigUint,
    v_commit: BigUint,
    randomizers: BTreeMap<usize, BigUint>,
    nonrev: Option<Box<NonRevocationCommit>>,
}

impl Committed<'_> {
    fn respond(self, c: &BigUint, sk_randomizer: &BigUint) -> Result<Proof, Error> {
        match self {
            Committed::U {
                builder,
                v_prime_commit,
                m_user_commit,
            } => {
                // Both maps have the same keys (see `CredentialBuilder::commit`).
                let m_user_responses = builder
                    .m_user
                    .iter()
                    .zip(m_user_commit.values())
                    .map(|((&i, m), r)| (i, Int(r + c * m)))
                    .collect();
                Ok(Proof::U(ProofU {
                    u: Int(builder.u.clone()),
                    c: Int(c.clone()),
                    v_prime_response: Int(v_prime_commit + c * &builder.v_prime),
                    s_response: Int(sk_randomizer + c * &builder.secret),
                    m_user_responses,
                }))
            }
            Committed::D(d) => d.respond(c),
        }
    }
}

impl DisclosureCommit<'_> {
    fn respond(self, c: &BigUint) -> Result<Proof, Error> {
        let params = self.credential.pk.params();
        let e_prime = &self.randomized.e - (BigUint::one() << (params.le - 1));
        let v_response = BigInt::from(self.v_commit) + BigInt::from(c.clone()) * &self.randomized.v;
        let v_response = v_response.to_biguint().ok_or(Error::NegativeResponse)?;
        let a_responses = self
            .randomizers
            .iter()
            .map(|(&i, r)| {
                let m = attribute_exponent(&self.credential.attributes[i], params.lm);
                (i, Int(r + c * m.as_ref()))
            })
            .collect();
        let a_disclosed = self
            .disclosed
            .iter()
            .map(|&i| (i, Int(self.credential.attributes[i].clone())))
            .collect();
        Ok(Proof::D(ProofD {
            c: Int(c.clone()),
            a: Int(self.randomized.a),
            e_response: Int(self.e_commit + c * e_prime),
            v_response: Int(v_response),
            a_responses,
            a_disclosed,
            nonrev_proof: self.nonrev.map(|commit| commit.respond(c)),
            rangeproofs: None,
        }))
    }
}

/// Builds proofs bound by one challenge `H([context, contributions…, nonce], issig)`, all
/// sharing one secret-key randomizer so their secret-key responses are equal (gabi
/// `ProofBuilderList.BuildProofList`): [`CommittedProofs::commit`] then
/// [`CommittedProofs::finish`].
pub fn build_proof_list(
    requests: &[ProofRequest<'_>],
    context: &BigUint,
    nonce: &BigUint,
    issig: bool,
) -> Result<ProofList, Error> {
    CommittedProofs::commit(requests)?.finish(context, nonce, issig)
}

/// A proof list between its two phases: every proof has committed to its randomizers (and
/// disclosure proofs have randomized their signatures), the challenge is not computed yet.
///
/// The split lets a signing holder first ask a timestamp server to sign the randomized
/// signatures ([`CommittedProofs::timestamp_contributions`]) and then answer a challenge
/// over a nonce that includes that timestamp (irmago `ProofBuilders` + `BuildProofList`).
pub struct CommittedProofs<'a> {
    sk_randomizer: BigUint,
    contributions: Vec<BigUint>,
    committed: Vec<Committed<'a>>,
}

impl fmt::Debug for CommittedProofs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommittedProofs")
            .field("proofs", &self.committed.len())
            .finish_non_exhaustive()
    }
}

impl Drop for CommittedProofs<'_> {
    fn drop(&mut self) {
        wipe(&mut self.sk_randomizer);
    }
}

impl ProofU {
    /// Takes the keyshare server's `P` out of `U` again (`U ← U · P⁻¹`, gabi
    /// `ProofU.RemoveKeyshareP`): at protocol 2.8 the issuer expects a proof of the app's own
    /// share only, and merges the keyshare server's ProofP (`U · P`) itself.
    pub fn remove_keyshare_p(&mut self, builder: &CredentialBuilder) -> Result<(), Error> {
        let Some(p) = &builder.keyshare_p else {
            return Ok(());
        };
        let n = builder.pk.modulus();
        let p_inv = math::inverse(p, n).ok_or(Error::NotInvertible)?;
        self.u = Int(n.mul(&self.u.0, &p_inv));
        Ok(())
    }
}

impl<'a> CommittedProofs<'a> {
    /// Commits every requested proof with one shared secret-key randomizer.
    pub fn commit(requests: &[ProofRequest<'a>]) -> Result<Self, Error> {
        let sk_randomizer = math::random_bits(SECRET_KEY_RANDOMIZER_BITS)?;
        let mut contributions = Vec::with_capacity(requests.len() * 2);
        let mut committed = Vec::with_capacity(requests.len());
        for request in requests {
            let (contribution, state) = match *request {
                ProofRequest::Issuance(builder) => builder.commit(&sk_randomizer)?,
                ProofRequest::Disclosure {
                    credential,
                    disclosed,
                    nonrev,
                } => credential.commit(disclosed, nonrev, &sk_randomizer)?,
            };
            contributions.extend(contribution);
            committed.push(state);
        }
        Ok(Self {
            sk_randomizer,
            contributions,
            committed,
        })
    }

    /// For each disclosure proof, in order, what a timestamp binds (gabi
    /// `TimestampRequestContributions`): the randomized signature `A'` and the disclosed
    /// attribute values by index.
    pub fn timestamp_contributions(&self) -> Vec<(&BigUint, BTreeMap<usize, BigUint>)> {
        self.committed
            .iter()
            .filter_map(|c| match c {
                Committed::U { .. } => None,
                Committed::D(DisclosureCommit {
                    credential,
                    disclosed,
                    randomized,
                    ..
                }) => Some((
                    &randomized.a,
                    disclosed
                        .iter()
                        .map(|&i| (i, credential.attributes[i].clone()))
                        .collect(),
                )),
            })
            .collect()
    }

    /// Multiplies a keyshare server's commitment `R_0^{randomizer}` (its `Pcommit`) into the
    /// commitment of proof `index` (gabi `SetProofPCommitment`): the challenge then covers
    /// the secret key as the sum of both shares, and the keyshare server's response is added
    /// to the proof's secret-key response afterwards.
    pub fn add_keyshare_commitment(
        &mut self,
        index: usize,
        pcommit: &BigUint,
    ) -> Result<(), Error> {
        let pk = match self.committed.get(index) {
            Some(Committed::U { builder, .. }) => &builder.pk,
            Some(Committed::D(d)) => &d.credential.pk,
            None => return Err(Error::DisclosedIndex { index }),
        };
        let n = pk.modulus();
        // Each proof contributes `[value, commitment]`, in order.
        let commitment = &mut self.contributions[2 * index + 1];
        *commitment = n.mul(commitment, pcommit);
        Ok(())
    }

    /// The challenge `H([context, contributions…, nonce], issig)`.
    pub fn challenge(&self, context: &BigUint, nonce: &BigUint, issig: bool) -> BigUint {
        challenge(context, &self.contributions, nonce, issig)
    }

    /// Computes the challenge over `nonce` and answers it in every proof.
    pub fn finish(
        self,
        context: &BigUint,
        nonce: &BigUint,
        issig: bool,
    ) -> Result<ProofList, Error> {
        let c = self.challenge(context, nonce, issig);
        self.respond(&c)
    }

    /// Answers the challenge `c` in every proof (when the challenge was computed with a
    /// keyshare server, [`CommittedProofs::challenge`]).
    pub fn respond(mut self, c: &BigUint) -> Result<ProofList, Error> {
        let committed = std::mem::take(&mut self.committed);
        let proofs = committed
            .into_iter()
            .map(|state| state.respond(c, &self.sk_randomizer))
            .collect::<Result<_, _>>()?;
        Ok(ProofList(proofs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::idemix::{Issuer, PrivateKey, verify_proof_list};

    fn key_pair() -> (PrivateKey, PublicKey) {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/vectors/issuer-keygen/1024"
        );
        let read = |kind: &str| std::fs::read_to_string(format!("{dir}/{kind}/0.xml")).unwrap();
        (
            PrivateKey::from_xml(&read("PrivateKeys")).unwrap(),
            PublicKey::from_xml(&read("PublicKeys")).unwrap(),
        )
    }

    #[test]
    fn random_blind_attributes_combine_both_shares() {
        let (sk, pk) = key_pair();
        let (context, nonce2) = (BigUint::one(), BigUint::from(5u8));
        let secret = SecretKey::generate().unwrap();
        let attributes = [Some(BigUint::from(3u8)), None, Some(BigUint::from(9u8))];
        let builder = CredentialBuilder::new(&pk, &context, &secret, &nonce2, None, &[1]).unwrap();
        let proofs = build_proof_list(
            &[ProofRequest::Issuance(&builder)],
            &context,
            &nonce2,
            false,
        )
        .unwrap();
        verify_proof_list(&proofs.0, &[&pk], &[], &context, &nonce2, false).unwrap();
        let Proof::U(u) = &proofs.0[0] else {
            panic!("expected a ProofU")
        };
        assert_eq!(u.m_user_responses.keys().copied().collect::<Vec<_>>(), [2]);

        let issuer = Issuer::new(&sk, &pk, &context).unwrap();
        let message = issuer.issue_signature(&u.u, &attributes, &nonce2).unwrap();
        let credential = builder.construct_credential(&message, &attributes).unwrap();
        let combined = &builder.m_user[&2] + &message.m_issuer[&2].0;
        assert_eq!(credential.attributes()[2], combined);
        assert_eq!(credential.attributes()[0], *secret.value());

        // A value where the random blind belongs, or a missing issuer share: refused.
        let wrong = [
            Some(BigUint::from(3u8)),
            Some(BigUint::from(1u8)),
            Some(BigUint::from(9u8)),
        ];
        assert_eq!(
            builder.construct_credential(&message, &wrong).unwrap_err(),
            Error::RandomBlind { index: 2 }
        );
        let mut no_share = message.clone();
        no_share.m_issuer.clear();
        assert!(
            builder
                .construct_credential(&no_share, &attributes)
                .is_err()
        );
    }

    #[test]
    fn refuses_bad_inputs() {
        let (_, pk) = key_pair();
        let too_big = BigUint::one() << SECRET_KEY_BITS;
        assert_eq!(SecretKey::from_value(too_big), Err(Error::SecretKeySize));
        let secret = SecretKey::generate().unwrap();
        let one = BigUint::one();
        assert!(CredentialBuilder::new(&pk, &one, &secret, &one, None, &[5]).is_err());
        assert_eq!(format!("{secret:?}"), "SecretKey(..)");
    }
}
