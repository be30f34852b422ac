//! The zero-knowledge proofs on the wire (`gabi:proofs.go`) and what each contributes to the
//! challenge.
//!
//! JSON field names are gabi's; big integers use [`Int`]'s base64 encoding. Attribute maps
//! have decimal string keys (`{"0": …}`), as Go writes `map[int]`.
//!
//! # Sizes
//! Every number of a proof has a largest value an honest prover produces, from the system
//! parameters of the key (`gabi:gabikeys/sysparams.go`); the `check_ranges` methods refuse
//! anything longer before a single exponentiation, so the verification work a message can
//! ask for is bounded by the key size, not by the message size. gabi itself checks only the
//! `e` and attribute responses of a ProofD and `v'` of a ProofU (`correctResponseSizes`) and
//! only after the exponentiations; the other bounds are derived from how gabi computes each
//! value (`gabi:credential.go`, `builder.go`, `keyshare.go`, `issuer.go`):
//!
//! | value | bound | why |
//! |---|---|---|
//! | every challenge `c` | `Lh` bits | a SHA-256 output (`HashCommit`) |
//! | `A` (ProofD), `U` (ProofU), `P` (ProofP) | `< n` | reduced modulo `n` |
//! | ProofD `e_response` | `LeCommit + 1` bits | gabi's check |
//! | ProofD `v_response` | `LvCommit + 1` bits | `ṽ` (`LvCommit` bits) `+ c·v'` with `c·v' < 2^{Lh+Le+LRA+1} ≤ 2^{LvCommit}` |
//! | ProofD `a_responses` | `LmCommit + 1` bits | gabi's check |
//! | ProofU `v_prime_response` | `LvPrimeCommit + 1` bits | gabi's check |
//! | ProofU `m_user_responses` | `LmCommit + 1` bits | `m̃` (`LmCommit` bits) `+ c·m` (`Lh + Lm − 1` bits) |
//! | ProofU and ProofP `s_response` | `LmCommit + 2` bits | the holder's and the keyshare server's responses (each within `LmCommit + 1` bits) added |
//! | ProofS `e_response` | `Ln` bits | reduced modulo `p'q' < n` |
//!
//! Disclosed attribute values are not bounded: long values are hashed before use (as gabi
//! does), so their cost is linear in their length.

use std::collections::BTreeMap;

use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize};

use super::hash::attribute_exponent;
use super::keys::PublicKey;
use super::math::{self, FixedTerm};
use super::verify::ProofError;
use crate::crypto::bigint::Int;
use crate::crypto::revocation::{NonRevocationProof, RevocationError, revocation_attribute_index};

/// Proof of correctness of the holder's commitment `U` during issuance (gabi `ProofU`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofU {
    /// The commitment `U = S^{v'} · R_0^{sk} · Π R_i^{m_i}` (random-blind shares).
    #[serde(rename = "U")]
    pub u: Int,
    /// The challenge.
    pub c: Int,
    /// Response for `v'`.
    pub v_prime_response: Int,
    /// Response for the secret key.
    pub s_response: Int,
    /// Responses for the holder's shares of random-blind attributes, by attribute index.
    #[serde(default, deserialize_with = "map_or_null", skip_serializing_if = "BTreeMap::is_empty")]
    pub m_user_responses: BTreeMap<usize, Int>,
}

/// Disclosure proof: knowledge of a CL signature over hidden and disclosed attributes
/// (gabi `ProofD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofD {
    /// The challenge.
    pub c: Int,
    /// The randomized signature value `A'`.
    #[serde(rename = "A")]
    pub a: Int,
    /// Response for `e − 2^{Le−1}`.
    pub e_response: Int,
    /// Response for the randomized `v`.
    pub v_response: Int,
    /// Responses for hidden attributes (index 0 is the secret key).
    #[serde(deserialize_with = "map_or_null")]
    pub a_responses: BTreeMap<usize, Int>,
    /// Disclosed attribute values (index 1 is the metadata attribute).
    #[serde(deserialize_with = "map_or_null")]
    pub a_disclosed: BTreeMap<usize, Int>,
    /// A nonrevocation proof for the credential's revocation attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonrev_proof: Option<NonRevocationProof>,
    /// Range proofs, kept as received: verifying them is not supported yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rangeproofs: Option<serde_json::Value>,
}

/// The issuer's proof that its signature is correct (knowledge of `e^{−1}`; gabi `ProofS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofS {
    /// The challenge.
    pub c: Int,
    /// The response.
    pub e_response: Int,
}

/// The keyshare server's proof of knowledge of its part of the secret key (gabi `ProofP`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofP {
    /// `R_0^{kss secret}`; present in the legacy protocol, absent in the new one.
    #[serde(rename = "P", default, skip_serializing_if = "Option::is_none")]
    pub p: Option<Int>,
    /// The challenge.
    pub c: Int,
    /// The keyshare server's secret-key response.
    pub s_response: Int,
}

/// One proof of a proof list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Proof {
    /// A disclosure proof.
    D(ProofD),
    /// An issuance commitment proof.
    U(ProofU),
}

/// Proofs bound by one challenge (gabi `ProofList`).
///
/// On input a proof is a [`ProofD`] when it has a non-null `"A"`, else a [`ProofU`] when it has
/// a non-null `"U"` (gabi `ProofList.UnmarshalJSON`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProofList(pub Vec<Proof>);

impl<'de> Deserialize<'de> for Proof {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        let present = |key: &str| value.get(key).is_some_and(|v| !v.is_null());
        if present("A") {
            ProofD::deserialize(value)
                .map(Proof::D)
                .map_err(D::Error::custom)
        } else if present("U") {
            ProofU::deserialize(value)
                .map(Proof::U)
                .map_err(D::Error::custom)
        } else {
            Err(D::Error::custom("unknown proof type in proof list"))
        }
    }
}

/// Go decodes `null` into an empty map; so do we.
fn map_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<usize, Int>, D::Error> {
    Ok(Option::<BTreeMap<usize, Int>>::deserialize(d)?.unwrap_or_default())
}

/// Whether `x` has at most `bits` bits, i.e. `x ≤ 2^bits − 1`.
fn fits(x: &Int, bits: u32) -> bool {
    x.0.bits() <= u64::from(bits)
}

/// `Ok` when every value `fits` its bound, else [`ProofError::ResponseRange`].
fn all_fit<'a>(values: impl IntoIterator<Item = (&'a Int, u32)>) -> Result<(), ProofError> {
    if values.into_iter().all(|(x, bits)| fits(x, bits)) {
        Ok(())
    } else {
        Err(ProofError::ResponseRange)
    }
}

/// `Ok` when `x` is below the modulus of `pk` (a group element as gabi sends it).
fn below_modulus(x: &Int, pk: &PublicKey) -> Result<(), ProofError> {
    if &x.0 < pk.n() {
        Ok(())
    } else {
        Err(ProofError::ResponseRange)
    }
}

/// `R_index^exp` as a fixed-base term of `pk`, if the key has that base.
fn r_term<'a>(
    pk: &'a PublicKey,
    index: usize,
    exp: &'a BigUint,
) -> Result<FixedTerm<'a>, ProofError> {
    pk.r_term(index, exp)
        .ok_or(ProofError::AttributeIndex { index })
}

impl ProofU {
    /// Merges the keyshare server's ProofP: legacy (`P` present) `U ← U·P`, `s ← s + s_kss`;
    /// new (`P` absent) `c ← c_kss`, `s ← s_kss` (gabi `ProofU.MergeProofP`).
    pub fn merge_proof_p(&mut self, proof_p: &ProofP, pk: &PublicKey) {
        match &proof_p.p {
            None => {
                self.c = proof_p.c.clone();
                self.s_response = proof_p.s_response.clone();
            }
            Some(p) => {
                self.u = Int(&self.u.0 * &p.0 % pk.n());
                self.s_response = Int(&self.s_response.0 + &proof_p.s_response.0);
            }
        }
    }

    /// `[U, Û]` with `Û = U^{−c} · S^{v'_resp} · R_0^{s_resp} · Π R_i^{m_resp_i}`.
    pub fn challenge_contribution(&self, pk: &PublicKey) -> Result<Vec<BigUint>, ProofError> {
        let n = pk.modulus();
        let u_inv = math::inverse(&self.u, n).ok_or(ProofError::NotInvertible)?;
        let mut fixed = vec![
            pk.s_term(&self.v_prime_response.0),
            r_term(pk, 0, &self.s_response.0)?,
        ];
        for (&i, response) in &self.m_user_responses {
            fixed.push(r_term(pk, i, &response.0)?);
        }
        let commitment = math::vartime_multi_pow(n, &fixed, &[(&u_inv, &self.c.0)]);
        Ok(vec![self.u.0.clone(), commitment])
    }

    /// Checks the size of every number (module docs; gabi `ProofU.correctResponseSizes`
    /// checks `v'_resp`).
    fn check_ranges(&self, pk: &PublicKey) -> Result<(), ProofError> {
        let params = pk.params();
        below_modulus(&self.u, pk)?;
        all_fit(
            [
                (&self.c, params.lh),
                (&self.v_prime_response, params.lv_prime_commit + 1),
                (&self.s_response, params.lm_commit + 2),
            ]
            .into_iter()
            .chain(
                self.m_user_responses
                    .values()
                    .map(|r| (r, params.lm_commit + 1)),
            ),
        )
    }
}

impl ProofD {
    /// Merges the keyshare server's ProofP: legacy (`P` present) `a_resp[0] ← a_resp[0] + s_kss`;
    /// new (`P` absent) `c ← c_kss`, `a_resp[0] ← s_kss` (gabi `ProofD.MergeProofP`).
    pub fn merge_proof_p(&mut self, proof_p: &ProofP) {
        let response = self.a_responses.entry(0).or_default();
        match &proof_p.p {
            None => {
                self.c = proof_p.c.clone();
                *response = proof_p.s_response.clone();
            }
            Some(_) => *response = Int(&response.0 + &proof_p.s_response.0),
        }
    }

    /// `[A, Ẑ]` with `Ẑ = (Z · (A^{2^{Le−1}} Π_{disclosed} R_i^{h(a_i)})^{−1})^{−c} · A^{e_resp} ·
    /// S^{v_resp} · Π_{hidden} R_i^{a_resp_i}`, then the nonrevocation proof's contributions
    /// (gabi `ProofD.ChallengeContribution`).
    pub fn challenge_contribution(&self, pk: &PublicKey) -> Result<Vec<BigUint>, ProofError> {
        let mut contributions = self.signature_contribution(pk)?;
        if let Some(nonrev) = &self.nonrev_proof {
            let alpha = revocation_attribute_index(self.a_responses.iter())
                .and_then(|i| self.a_responses.get(&i))
                .ok_or(RevocationError::NoRevocationAttribute)?;
            contributions.extend(nonrev.challenge_contribution(pk, &self.c.0, &alpha.0)?);
        }
        Ok(contributions)
    }

    /// `[A, Ẑ]`, the CL signature part of [`ProofD::challenge_contribution`].
    fn signature_contribution(&self, pk: &PublicKey) -> Result<Vec<BigUint>, ProofError> {
        if self
            .rangeproofs
            .as_ref()
            .is_some_and(|r| !(r.is_null() || r.as_object().is_some_and(|o| o.is_empty())))
        {
            return Err(ProofError::Unsupported("range proofs"));
        }
        // An index both hidden and disclosed would let the prover split a signed value
        // into a claimed part and a hidden rest; gabi never produces this.
        if let Some(&index) = self
            .a_disclosed
            .keys()
            .find(|i| self.a_responses.contains_key(i))
        {
            return Err(ProofError::AttributeIndex { index });
        }
        if !self.a_responses.contains_key(&0) {
            return Err(ProofError::AttributeIndex { index: 0 });
        }
        let n = pk.modulus();
        let params = pk.params();
        // A must be a unit: with A = 0 every Ẑ is 0 and any challenge would "verify".
        if math::inverse(&self.a.0, n).is_none() {
            return Err(ProofError::NotInvertible);
        }
        // Folded into one multi-exponentiation with positive exponents:
        // Ẑ = (Z⁻¹)^c · A^{c·2^{Le−1} + e_resp} · Π_{disclosed} R_i^{c·h(a_i)} · S^{v_resp} ·
        //     Π_{hidden} R_i^{a_resp_i}.
        let c = &self.c.0;
        let disclosed_exponents: Vec<(usize, BigUint)> = self
            .a_disclosed
            .iter()
            .map(|(&i, value)| (i, c * attribute_exponent(&value.0, params.lm).as_ref()))
            .collect();
        let mut fixed = Vec::with_capacity(2 + self.a_disclosed.len() + self.a_responses.len());
        for (i, exp) in &disclosed_exponents {
            fixed.push(r_term(pk, *i, exp)?);
        }
        fixed.push(pk.z_inv_term(c).ok_or(ProofError::NotInvertible)?);
        fixed.push(pk.s_term(&self.v_response.0));
        for (&i, response) in &self.a_responses {
            fixed.push(r_term(pk, i, &response.0)?);
        }
        let a_exponent = (c << (params.le - 1)) + &self.e_response.0;
        let commitment = math::vartime_multi_pow(n, &fixed, &[(&self.a.0, &a_exponent)]);
        Ok(vec![self.a.0.clone(), commitment])
    }

    /// Checks the size of every number but the disclosed values (module docs; gabi
    /// `ProofD.correctResponseSizes` checks the attribute and `e` responses).
    fn check_ranges(&self, pk: &PublicKey) -> Result<(), ProofError> {
        let params = pk.params();
        below_modulus(&self.a, pk)?;
        all_fit(
            [
                (&self.c, params.lh),
                (&self.e_response, params.le_commit + 1),
                (&self.v_response, params.lv_commit + 1),
            ]
            .into_iter()
            .chain(self.a_responses.values().map(|r| (r, params.lm_commit + 1))),
        )
    }
}

impl Proof {
    /// This proof's contribution to the challenge.
    pub fn challenge_contribution(&self, pk: &PublicKey) -> Result<Vec<BigUint>, ProofError> {
        match self {
            Proof::D(p) => p.challenge_contribution(pk),
            Proof::U(p) => p.challenge_contribution(pk),
        }
    }

    /// The secret-key response: `a_responses[0]` or `s_response`.
    pub fn secret_key_response(&self) -> Option<&Int> {
        match self {
            Proof::D(p) => p.a_responses.get(&0),
            Proof::U(p) => Some(&p.s_response),
        }
    }

    /// The challenge this proof claims.
    pub fn challenge(&self) -> &Int {
        match self {
            Proof::D(p) => &p.c,
            Proof::U(p) => &p.c,
        }
    }

    /// Merges a keyshare server's ProofP (see [`ProofU::merge_proof_p`], [`ProofD::merge_proof_p`]).
    pub fn merge_proof_p(&mut self, proof_p: &ProofP, pk: &PublicKey) {
        match self {
            Proof::D(p) => p.merge_proof_p(proof_p),
            Proof::U(p) => p.merge_proof_p(proof_p, pk),
        }
    }

    /// Checks the size of every number against the bounds of `pk`'s parameters (module
    /// docs): cheap, and done before any exponentiation.
    pub fn check_ranges(&self, pk: &PublicKey) -> Result<(), ProofError> {
        match self {
            Proof::D(p) => p.check_ranges(pk),
            Proof::U(p) => p.check_ranges(pk),
        }
    }
}

impl ProofP {
    /// Checks the size of every number against the bounds of `pk`, a key of a proof it is
    /// merged into (module docs): call before [`Proof::merge_proof_p`].
    pub fn check_ranges(&self, pk: &PublicKey) -> Result<(), ProofError> {
        let params = pk.params();
        if let Some(p) = &self.p {
            below_modulus(p, pk)?;
        }
        all_fit([
            (&self.c, params.lh),
            (&self.s_response, params.lm_commit + 2),
        ])
    }
}

impl ProofS {
    /// Checks the size of the challenge and the response (module docs).
    pub fn check_ranges(&self, pk: &PublicKey) -> Result<(), ProofError> {
        let params = pk.params();
        all_fit([(&self.c, params.lh), (&self.e_response, params.ln)])
    }

    /// Verifies the issuer's proof for `signature` (before the holder adds `v'`):
    /// `c == H([context, A^e, A, n_2, A^{c + e_resp·e}])` (gabi `ProofS.Verify`). Oversized
    /// numbers (here or in the signature) fail before any exponentiation.
    pub fn verify(
        &self,
        pk: &PublicKey,
        signature: &super::CLSignature,
        context: &BigUint,
        nonce2: &BigUint,
    ) -> bool {
        if self.check_ranges(pk).is_err() || !signature.sizes_fit(pk) {
            return false;
        }
        let n = pk.modulus();
        let exponent = &self.c.0 + &self.e_response.0 * &signature.e.0;
        let a_commit = math::vartime_multi_pow(n, &[], &[(&signature.a, &exponent)]);
        let q = math::vartime_multi_pow(n, &[], &[(&signature.a, &signature.e)]);
        let c = super::hash::hash_commit(&[context, &q, &signature.a, nonce2, &a_commit], false);
        c == self.c.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::CLSignature;
    use super::*;

    #[test]
    fn proof_list_picks_the_type_like_gabi() {
        let json = r#"[
            {"c": "AQ==", "A": "Ag==", "e_response": "Aw==", "v_response": "BA==",
             "a_responses": {"0": "BQ=="}, "a_disclosed": {"1": "Bg=="}},
            {"U": "Bw==", "c": "AQ==", "v_prime_response": "CA==", "s_response": "CQ==",
             "A": null},
            {"U": "Bw==", "c": "AQ==", "v_prime_response": "CA==", "s_response": "CQ==",
             "m_user_responses": {"3": "Cg=="}}
        ]"#;
        let list: ProofList = serde_json::from_str(json).unwrap();
        let Proof::D(d) = &list.0[0] else {
            panic!("expected a ProofD")
        };
        assert_eq!(d.a_responses[&0].0, BigUint::from(5u8));
        assert_eq!(d.a_disclosed[&1].0, BigUint::from(6u8));
        assert!(matches!(&list.0[1], Proof::U(u) if u.m_user_responses.is_empty()));
        let Proof::U(u) = &list.0[2] else {
            panic!("expected a ProofU")
        };
        assert_eq!(u.m_user_responses[&3].0, BigUint::from(10u8));
        // Written back: map keys as strings, empty m_user_responses left out.
        let out = serde_json::to_value(&list).unwrap();
        assert_eq!(out[0]["a_responses"]["0"], "BQ==");
        assert!(out[1].get("m_user_responses").is_none());
        assert!(out[0].get("nonrev_proof").is_none());
        // Neither A nor U, or a bad field: refused.
        assert!(serde_json::from_str::<ProofList>(r#"[{"c": "AQ==", "U": null}]"#).is_err());
        assert!(serde_json::from_str::<ProofList>(r#"[{"c": "AQ==", "A": "!"}]"#).is_err());
    }

    fn vector(path: &str) -> serde_json::Value {
        let file = format!("{}/tests/data/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    }

    /// The irma-demo key (1024 bits) every recorded proof uses.
    fn demo_key() -> PublicKey {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/schemes/irma-demo/MijnOverheid/PublicKeys/2.xml"
        ))
        .unwrap();
        PublicKey::from_xml(&xml).unwrap()
    }

    /// `2^bits − 1` (the largest allowed) and `2^bits` (one bit too long).
    fn edges(bits: u32) -> [Int; 2] {
        let top = BigUint::from(1u8) << bits;
        [Int(&top - 1u8), Int(top)]
    }

    /// A field of a proof: its name, its bound in bits, and where it is.
    type Field<P> = (&'static str, u32, fn(&mut P) -> &mut Int);

    /// Sets each field to the largest value its bound allows (accepted) and to one bit more
    /// (refused), starting from `proof` (accepted as recorded).
    fn assert_bounds<P: Clone>(
        proof: &P,
        check: impl Fn(&P) -> Result<(), ProofError>,
        fields: &[Field<P>],
    ) {
        check(proof).unwrap();
        for (name, bits, field) in fields {
            let [max, over] = edges(*bits);
            let mut p = proof.clone();
            *field(&mut p) = max;
            assert_eq!(check(&p), Ok(()), "{name} at its bound");
            *field(&mut p) = over;
            assert_eq!(check(&p), Err(ProofError::ResponseRange), "{name}");
        }
    }

    #[test]
    fn every_number_of_a_proof_is_bounded_by_the_key_parameters() {
        let pk = demo_key();
        let p = pk.params();
        let n = Int(pk.n().clone());
        let below_n = Int(pk.n() - 1u8);

        let case = vector("disclosure/single-over18.json");
        let d: ProofD =
            serde_json::from_value(case["client_message"]["body"]["proofs"][0].clone()).unwrap();
        assert_bounds(
            &d,
            |d: &ProofD| d.check_ranges(&pk),
            &[
                ("c", p.lh, |d| &mut d.c),
                ("e_response", p.le_commit + 1, |d| &mut d.e_response),
                ("v_response", p.lv_commit + 1, |d| &mut d.v_response),
                ("a_responses", p.lm_commit + 1, |d| {
                    d.a_responses.get_mut(&0).unwrap()
                }),
            ],
        );
        let mut big_a = d.clone();
        big_a.a = below_n.clone();
        assert_eq!(big_a.check_ranges(&pk), Ok(()));
        big_a.a = n.clone();
        assert_eq!(big_a.check_ranges(&pk), Err(ProofError::ResponseRange));
        // Disclosed values are hashed when long, so they are not bounded.
        let mut long_value = d.clone();
        long_value.a_disclosed.insert(2, edges(4096)[1].clone());
        assert_eq!(long_value.check_ranges(&pk), Ok(()));

        let case = vector("issuance/ageLower.json");
        let body = &case["client_message"]["body"];
        let mut u: ProofU = serde_json::from_value(body["combinedProofs"][0].clone()).unwrap();
        u.m_user_responses.insert(3, Int(BigUint::from(1u8)));
        assert_bounds(
            &u,
            |u: &ProofU| u.check_ranges(&pk),
            &[
                ("c", p.lh, |u| &mut u.c),
                ("v_prime_response", p.lv_prime_commit + 1, |u| {
                    &mut u.v_prime_response
                }),
                ("s_response", p.lm_commit + 2, |u| &mut u.s_response),
                ("m_user_responses", p.lm_commit + 1, |u| {
                    u.m_user_responses.get_mut(&3).unwrap()
                }),
            ],
        );
        let mut big_u = u.clone();
        big_u.u = n.clone();
        assert_eq!(big_u.check_ranges(&pk), Err(ProofError::ResponseRange));

        let proof_p = ProofP {
            p: Some(below_n),
            c: u.c.clone(),
            s_response: u.s_response.clone(),
        };
        assert_bounds(
            &proof_p,
            |q: &ProofP| q.check_ranges(&pk),
            &[
                ("c", p.lh, |q| &mut q.c),
                ("s_response", p.lm_commit + 2, |q| &mut q.s_response),
            ],
        );
        let mut big_p = proof_p.clone();
        big_p.p = Some(n.clone());
        assert_eq!(big_p.check_ranges(&pk), Err(ProofError::ResponseRange));

        let sig = &case["server_response_to_client_message"]["body"]["sigs"][0];
        let proof_s: ProofS = serde_json::from_value(sig["proof"].clone()).unwrap();
        assert_bounds(
            &proof_s,
            |s: &ProofS| s.check_ranges(&pk),
            &[
                ("c", p.lh, |s| &mut s.c),
                ("e_response", p.ln, |s| &mut s.e_response),
            ],
        );
        let signature: CLSignature = serde_json::from_value(sig["signature"].clone()).unwrap();
        assert!(signature.sizes_fit(&pk));
        let tampers: [fn(&mut CLSignature, &Int); 4] = [
            |s, n| s.a = n.clone(),
            |s, _| s.e = edges(597)[1].clone(),
            |s, _| s.v = edges(1701)[1].clone(),
            |s, n| s.keyshare_p = Some(n.clone()),
        ];
        for tamper in tampers {
            let mut s = signature.clone();
            tamper(&mut s, &n);
            assert!(!s.sizes_fit(&pk), "{s:?}");
            // The issuer's proof refuses it before any exponentiation.
            assert!(!proof_s.verify(&pk, &s, &BigUint::from(1u8), &BigUint::from(1u8)));
        }
    }

    #[test]
    fn proof_p_merge_follows_the_protocol_version() {
        let key = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/vectors/issuer-keygen/1024/PublicKeys/0.xml"
        ))
        .unwrap();
        let pk = PublicKey::from_xml(&key).unwrap();
        let int = |v: u32| Int(BigUint::from(v));
        let proof = ProofU {
            u: int(3),
            c: int(4),
            v_prime_response: int(5),
            s_response: int(6),
            m_user_responses: BTreeMap::new(),
        };
        let mut legacy = proof.clone();
        legacy.merge_proof_p(
            &ProofP {
                p: Some(int(7)),
                c: int(99),
                s_response: int(8),
            },
            &pk,
        );
        assert_eq!(
            (legacy.u, legacy.c, legacy.s_response),
            (int(21), int(4), int(14))
        );
        let mut new = proof;
        new.merge_proof_p(
            &ProofP {
                p: None,
                c: int(99),
                s_response: int(8),
            },
            &pk,
        );
        assert_eq!((new.u, new.c, new.s_response), (int(3), int(99), int(8)));
    }
}
