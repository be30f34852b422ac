//! Camenisch–Lysyanskaya signatures (`gabi:clsignature.go`) and the issuance messages.

use std::collections::BTreeMap;

use num_bigint::{BigInt, BigUint};
use num_traits::One;
use serde::{Deserialize, Serialize};

use super::Error;
use super::hash::attribute_exponent;
use super::keys::{PrivateKey, PublicKey, wipe};
use super::math::{self, FixedTerm};
use super::proofs::{ProofList, ProofS};
use crate::crypto::bigint::Int;
use crate::crypto::revocation::Witness;

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
    /// The nonrevocation witness of a revocable credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonrev: Option<Witness>,
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
    /// The nonce the issuer's ProofS must use (absent reads as 0, as Go reads it, so that a
    /// message without it fails on its proofs rather than on its form).
    #[serde(rename = "n_2", default)]
    pub nonce2: Int,
    /// ProofDs for disclosed credentials, then one ProofU per credential to issue (absent
    /// reads as none).
    #[serde(rename = "combinedProofs", default)]
    pub proofs: ProofList,
    /// Legacy single keyshare ProofP JWT.
    #[serde(rename = "proofPJwt", default, skip_serializing_if = "Option::is_none")]
    pub proof_p_jwt: Option<String>,
    /// Keyshare ProofP JWTs by scheme.
    #[serde(rename = "proofPJwts", default, skip_serializing_if = "Option::is_none")]
    pub proof_p_jwts: Option<BTreeMap<String, String>>,
}

/// The exponents `h(m_i)` of `ms` (`m_0` for `R_0`), checked against the key's bases.
fn attribute_exponents(pk: &PublicKey, ms: &[BigUint]) -> Result<Vec<BigUint>, Error> {
    let bases = pk.bases();
    if ms.len() > bases.len() {
        return Err(Error::TooManyAttributes {
            attributes: ms.len(),
            bases: bases.len(),
        });
    }
    let lm = pk.params().lm;
    Ok(ms
        .iter()
        .map(|m| attribute_exponent(m, lm).into_owned())
        .collect())
}

/// Fixed-base terms `R_i^{exponents_i}` for `i ≥ 1` (`R_0` holds the secret key and is left
/// to the caller). `attribute_exponents` checked the indices.
fn public_terms<'a>(pk: &'a PublicKey, exponents: &'a [BigUint]) -> Vec<FixedTerm<'a>> {
    exponents
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, e)| pk.r_term(i, e))
        .collect()
}

/// A signature with what its issuer's ProofS needs again: `d = e⁻¹ mod p'q'`.
pub(super) struct Signed {
    pub signature: CLSignature,
    /// `Q = Z · (S^v · R · U)^{−1}`, which equals `A^e`.
    pub q: BigUint,
    /// `e^{−1} mod p'q'`, odd.
    pub d: BigUint,
}

impl Drop for Signed {
    fn drop(&mut self) {
        wipe(&mut self.d);
    }
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
        Ok(Self::sign_parts(sk, pk, u, ms)?.signature.clone())
    }

    /// [`CLSignature::sign`], keeping `d` for the ProofS.
    pub(super) fn sign_parts(
        sk: &PrivateKey,
        pk: &PublicKey,
        u: &BigUint,
        ms: &[BigUint],
    ) -> Result<Signed, Error> {
        let params = pk.params();
        let n = pk.modulus();
        let exponents = attribute_exponents(pk, ms)?;
        let v = (BigUint::one() << (params.lv - 1)) + math::random_bits(params.lv - 1)?;
        // Everything here is known to the holder (`m_0` is the issuer's 0 or public).
        let mut fixed = public_terms(pk, &exponents);
        fixed.push(pk.s_term(&v));
        if let Some(m0) = exponents.first() {
            fixed.extend(pk.r_term(0, m0));
        }
        let denominator = n.mul(&math::vartime_multi_pow(n, &fixed, &[]), u);
        let q = n.mul(
            pk.z(),
            &math::inverse(&denominator, n).ok_or(Error::NotInvertible)?,
        );
        let e =
            math::pooled_prime_in_range(u64::from(params.le - 1), u64::from(params.le_prime - 1))
                .map_err(|_| math::RandomError)?;
        // gabi takes `d = e⁻¹ mod p'q'`; of `d` and `d + p'q'` we take the odd one, so that
        // `d·e ≡ 1` modulo `2p'q' = λ(n)` too. Then `A^e = Q` for every `Q` (for a quadratic
        // residue `A` is gabi's), and the ProofS can use `Q` instead of computing `A^e`.
        let mut d = math::inverse(&e, sk.order_modulus()).ok_or(Error::NotInvertible)?;
        if !d.bit(0) {
            d += sk.order();
        }
        let a = sk.pow_secret(&q, &d);
        Ok(Signed {
            signature: Self {
                a: Int(a),
                e: Int(e),
                v: Int(v),
                keyshare_p: None,
            },
            q,
            d,
        })
    }

    /// Whether every number has a size an issuer produces for `pk`: `A` and `KeyshareP`
    /// below `n`, `e` of at most `Le` bits, `v` of at most `Lv + 1` bits (the issuer's `v''`
    /// of `Lv` bits plus the holder's `v'` of `LvPrime < Lv` bits). Cheap; checked before
    /// any exponentiation with them.
    pub fn sizes_fit(&self, pk: &PublicKey) -> bool {
        let params = pk.params();
        let n = pk.n();
        &self.a.0 < n
            && self.keyshare_p.as_ref().is_none_or(|p| &p.0 < n)
            && self.e.0.bits() <= u64::from(params.le)
            && self.v.0.bits() <= u64::from(params.lv + 1)
    }

    /// Checks the sizes ([`CLSignature::sizes_fit`]), `e` (in range and prime) and
    /// `Z == A^e · S^v · Π R_i^{h(m_i)} [· KeyshareP]` (gabi `CLSignature.Verify`). `m_0` is
    /// the holder's secret key: its power is computed on the regular path.
    pub fn verify(&self, pk: &PublicKey, ms: &[BigUint]) -> bool {
        if !self.sizes_fit(pk) {
            return false;
        }
        let params = pk.params();
        let start = BigUint::one() << (params.le - 1);
        let end = &start + (BigUint::one() << (params.le_prime - 1));
        if self.e.0 < start || self.e.0 > end || !math::is_prime(&self.e) {
            return false;
        }
        let n = pk.modulus();
        let Ok(exponents) = attribute_exponents(pk, ms) else {
            return false;
        };
        let mut fixed = public_terms(pk, &exponents);
        fixed.push(pk.s_term(&self.v.0));
        let mut q = math::vartime_multi_pow(n, &fixed, &[(&self.a.0, &self.e.0)]);
        if let Some(p) = &self.keyshare_p {
            q = n.mul(&q, &p.0);
        }
        if let (Some(m0), Some(r0)) = (exponents.first(), pk.bases().first()) {
            q = n.mul(&q, &math::pow_secret(n, &[(r0, m0)]));
        }
        &q == pk.z()
    }

    /// A randomized copy `(A·S^r, e, v − e·r)` with `r` of `LRA` bits; `v` may become negative.
    pub(super) fn randomize(&self, pk: &PublicKey) -> Result<RandomizedSignature, Error> {
        let r = math::random_bits(pk.params().lra)?;
        let n = pk.modulus();
        let a = n.mul(
            &self.a.0,
            &math::vartime_multi_pow(n, &[pk.s_term(&r)], &[]),
        );
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
