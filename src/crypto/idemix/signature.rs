//! Camenisch–Lysyanskaya signatures (`gabi:clsignature.go`) and the issuance messages.

use std::collections::BTreeMap;

use num_bigint::{BigInt, BigUint};
use num_traits::One;
use serde::{Deserialize, Serialize};

use super::Error;
use super::hash::attribute_exponent;
use super::keys::{PrivateKey, PublicKey};
use super::math;
use super::proofs::{ProofList, ProofS};
use crate::crypto::bigint::Int;

/// A CL signature `(A, e, v)` with `Z = A^e · S^v · Π R_i^{m_i}` (times `KeyshareP` when a
/// keyshare server holds part of the secret key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CLSignature {
    /// `A`.
    #[serde(rename = "A")]
    pub a: Int,
    /// The prime `e`.
    pub e: Int,
    /// `v`.
    pub v: Int,
    /// `R_0^{keyshare secret}`; written as `null` when absent, as gabi does.
    #[serde(rename = "KeyshareP", default)]
    pub keyshare_p: Option<Int>,
}

/// The issuer's answer to one credential's commitment (gabi `IssueSignatureMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSignatureMessage {
    /// Proof that the signature is correct.
    pub proof: ProofS,
    /// The signature, still without the holder's `v'`.
    pub signature: CLSignature,
    /// A non-revocation witness, kept as received (revocation is not supported yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonrev: Option<serde_json::Value>,
    /// The issuer's shares of random-blind attributes, by attribute index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub m_issuer: BTreeMap<usize, Int>,
}

/// The holder's issuance message (gabi `IssueCommitmentMessage`); the keyshare JWTs are
/// checked by the irma layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueCommitmentMessage {
    /// Legacy top-level commitment (unused: each ProofU carries its `U`).
    #[serde(rename = "U", default, skip_serializing_if = "Option::is_none")]
    pub u: Option<Int>,
    /// The nonce the issuer's ProofS must use.
    #[serde(rename = "n_2")]
    pub nonce2: Int,
    /// ProofDs for disclosed credentials, then one ProofU per credential to issue.
    #[serde(rename = "combinedProofs")]
    pub proofs: ProofList,
    /// Legacy single keyshare ProofP JWT.
    #[serde(rename = "proofPJwt", default, skip_serializing_if = "Option::is_none")]
    pub proof_p_jwt: Option<String>,
    /// Keyshare ProofP JWTs by scheme.
    #[serde(
        rename = "proofPJwts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub proof_p_jwts: Option<BTreeMap<String, String>>,
}

/// `Π R_i^{h(m_i)}` over the given messages, `m_0` on `R_0`.
fn represent(pk: &PublicKey, ms: &[BigUint]) -> Result<BigUint, Error> {
    let bases = pk.bases();
    if ms.len() > bases.len() {
        return Err(Error::TooManyAttributes {
            attributes: ms.len(),
            bases: bases.len(),
        });
    }
    let lm = pk.params().lm;
    let exponents: Vec<_> = ms.iter().map(|m| attribute_exponent(m, lm)).collect();
    let terms: Vec<_> = bases
        .iter()
        .zip(&exponents)
        .map(|(b, e)| (b, e.as_ref()))
        .collect();
    Ok(math::multi_pow(&terms, pk.n()))
}

impl CLSignature {
    /// Signs `ms` (index 0 the secret-key slot) together with the holder's commitment `U`
    /// (gabi `signMessageBlockAndCommitment`): `v = 2^{Lv−1} + random(Lv−1 bits)`,
    /// `Q = Z · (S^v · R · U)^{−1}`, random prime `e`, `A = Q^{e^{−1} mod p'q'}`.
    pub fn sign(
        sk: &PrivateKey,
        pk: &PublicKey,
        u: &BigUint,
        ms: &[BigUint],
    ) -> Result<Self, Error> {
        let params = pk.params();
        let n = pk.n();
        let r = represent(pk, ms)?;
        let v = (BigUint::one() << (params.lv - 1)) + math::random_bits(params.lv - 1)?;
        let denominator = math::pow(pk.s(), &v, n) * r % n * u % n;
        let q = pk.z() * math::inverse(&denominator, n).ok_or(Error::NotInvertible)? % n;
        let e = math::random_prime_in_range(params.le - 1, params.le_prime - 1)?;
        let d = math::inverse(&e, sk.order()).ok_or(Error::NotInvertible)?;
        let a = math::pow(&q, &d, n);
        Ok(Self {
            a: Int(a),
            e: Int(e),
            v: Int(v),
            keyshare_p: None,
        })
    }

    /// Checks `e` (in range and prime) and `Z == A^e · S^v · Π R_i^{h(m_i)} [· KeyshareP]`
    /// (gabi `CLSignature.Verify`).
    pub fn verify(&self, pk: &PublicKey, ms: &[BigUint]) -> bool {
        let params = pk.params();
        let start = BigUint::one() << (params.le - 1);
        let end = &start + (BigUint::one() << (params.le_prime - 1));
        if self.e.0 < start || self.e.0 > end || !math::is_prime(&self.e) {
            return false;
        }
        let n = pk.n();
        let Ok(mut r) = represent(pk, ms) else {
            return false;
        };
        if let Some(p) = &self.keyshare_p {
            r = r * &p.0 % n;
        }
        let q = math::multi_pow(&[(&self.a.0, &self.e.0), (pk.s(), &self.v.0)], n) * r % n;
        &q == pk.z()
    }

    /// A randomized copy `(A·S^r, e, v − e·r)` with `r` of `LRA` bits; `v` may become negative.
    pub(super) fn randomize(&self, pk: &PublicKey) -> Result<RandomizedSignature, Error> {
        let r = math::random_bits(pk.params().lra)?;
        let n = pk.n();
        let a = &self.a.0 * math::pow(pk.s(), &r, n) % n;
        let v = BigInt::from(self.v.0.clone()) - BigInt::from(&self.e.0 * &r);
        Ok(RandomizedSignature {
            a,
            e: self.e.0.clone(),
            v,
        })
    }
}

/// A randomized signature inside a disclosure proof.
pub(super) struct RandomizedSignature {
    pub a: BigUint,
    pub e: BigUint,
    pub v: BigInt,
}
