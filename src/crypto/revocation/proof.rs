//! The nonrevocation proof (gabi `revocation/proof.go`): knowledge of a witness `(u, e)` with
//! `u^e = ν`, where `e` is the revocation attribute of the credential in the same disclosure
//! proof.
//!
//! With `C_r = G^{r2} H^{r3}` and `C_u = u H^{r2}` the prover shows three representations
//! (gabi's `proofstructure`), secrets `α = e`, `β = e·r2`, `δ = e·r3`, `ε = r2`, `ζ = r3`:
//!
//! ```text
//! C_r = G^ε · H^ζ          ν = C_u^α · H^{−β}          1 = C_r^α · G^{−β} · H^{−δ}
//! ```
//!
//! The proof adds `[C_r, C_u, ν, Ĉ_r, ν̂, 1̂]` to the disclosure proof's challenge. It carries
//! no response for `α`: the verifier takes the revocation attribute's response from the
//! disclosure proof, which binds `e` to the credential.

use std::collections::BTreeMap;

use num_bigint::BigUint;
use serde::{Deserialize, Deserializer, Serialize};

use super::accumulator::SignedAccumulator;
use super::witness::Witness;
use super::{
    ALPHA_BOUND_BITS, ALPHA_RANDOMIZER_BITS, RESPONSE_EXTRA_BITS, RevocationError, ZK_BITS,
};
use crate::crypto::bigint::Int;
use crate::crypto::idemix::keys::wipe;
use crate::crypto::idemix::{PublicKey, math};

/// A nonrevocation proof as the disclosure proof carries it (`nonrev_proof`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonRevocationProof {
    /// `C_r = G^{r2} H^{r3}`.
    #[serde(rename = "C_r")]
    pub c_r: Int,
    /// `C_u = u H^{r2}`.
    #[serde(rename = "C_u")]
    pub c_u: Int,
    /// Responses `beta`, `delta`, `epsilon`, `zeta` (gabi writes no `alpha`; one sent is
    /// ignored, as gabi overwrites it).
    #[serde(default, deserialize_with = "map_or_null")]
    pub responses: BTreeMap<String, Int>,
    /// The accumulator the witness was proven against.
    pub sacc: SignedAccumulator,
}

fn map_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Int>, D::Error> {
    Ok(Option::<BTreeMap<String, Int>>::deserialize(d)?.unwrap_or_default())
}

impl NonRevocationProof {
    /// The proof's challenge contributions `[C_r, C_u, ν, Ĉ_r, ν̂, 1̂]` for the disclosure
    /// proof's challenge `c` and the revocation attribute's response `alpha` (gabi
    /// `SetExpected` + `ChallengeContributions`); verifies the signed accumulator on the way.
    /// The disclosure proof's challenge check then completes the verification.
    pub fn challenge_contribution(
        &self,
        pk: &PublicKey,
        c: &BigUint,
        alpha: &BigUint,
    ) -> Result<Vec<BigUint>, RevocationError> {
        if alpha.bits() > u64::from(ALPHA_BOUND_BITS) {
            return Err(RevocationError::ResponseRange);
        }
        let limit = pk.n().bits() + RESPONSE_EXTRA_BITS;
        let response = |name: &'static str| -> Result<&BigUint, RevocationError> {
            let value = self
                .responses
                .get(name)
                .ok_or(RevocationError::MissingResponse(name))?;
            if value.bits() > limit {
                return Err(RevocationError::ResponseRange);
            }
            Ok(&value.0)
        };
        let (beta, delta, epsilon, zeta) = (
            response("beta")?,
            response("delta")?,
            response("epsilon")?,
            response("zeta")?,
        );
        let bases = pk.revocation_terms().ok_or(RevocationError::NotSupported)?;
        let verified = self.sacc.verified(pk)?;
        let n = pk.modulus();
        let nu = &verified.accumulator.nu.0;
        let c_r_inv = math::inverse(&self.c_r, n).ok_or(RevocationError::NotInvertible)?;
        let nu_inv = verified
            .nu_inverse
            .as_ref()
            .ok_or(RevocationError::NotInvertible)?;
        // Ĉ_r = C_r^{−c} G^ε H^ζ;  ν̂ = ν^{−c} C_u^α H^{−β};  1̂ = C_r^α G^{−β} H^{−δ}.
        let com_cr =
            math::vartime_multi_pow(n, &[bases.g(epsilon), bases.h(zeta)], &[(&c_r_inv, c)]);
        let com_nu = math::vartime_multi_pow(
            n,
            &[bases.h_inv(beta)],
            &[(nu_inv, c), (&self.c_u.0, alpha)],
        );
        let com_one = math::vartime_multi_pow(
            n,
            &[bases.g_inv(beta), bases.h_inv(delta)],
            &[(&self.c_r.0, alpha)],
        );
        Ok(vec![
            self.c_r.0.clone(),
            self.c_u.0.clone(),
            nu.clone(),
            com_cr,
            com_nu,
            com_one,
        ])
    }
}

/// The prover's state between commitment and response (gabi `ProofCommit`).
pub struct NonRevocationCommit {
    c_r: BigUint,
    c_u: BigUint,
    sacc: SignedAccumulator,
    /// Secrets `α, β, δ, ε, ζ` and their randomizers, in [`SECRETS`] order.
    secrets: [BigUint; 5],
    randomizers: [BigUint; 5],
}

/// The order of [`NonRevocationCommit`]'s secrets.
const SECRETS: [&str; 5] = ["alpha", "beta", "delta", "epsilon", "zeta"];

impl std::fmt::Debug for NonRevocationCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonRevocationCommit")
            .finish_non_exhaustive()
    }
}

impl Drop for NonRevocationCommit {
    fn drop(&mut self) {
        self.secrets.iter_mut().for_each(wipe);
        self.randomizers.iter_mut().for_each(wipe);
    }
}

/// A randomizer for `α`, to be used as the revocation attribute's randomizer in the
/// disclosure proof too: uniform below `2^{195+256+128}` (gabi `NewProofRandomizer`), so that
/// the attribute's response stays below `2^{580}` and the verifier can find it.
pub fn alpha_randomizer() -> Result<BigUint, RevocationError> {
    Ok(math::random_bits(ALPHA_RANDOMIZER_BITS)?)
}

impl NonRevocationCommit {
    /// Commits to a proof of `witness` (gabi `NewProofCommit`) with `alpha_randomizer` (the
    /// disclosure proof's randomizer of the revocation attribute); returns the challenge
    /// contributions `[C_r, C_u, ν, Ĉ_r, ν̂, 1̂]` and the state to respond with.
    ///
    /// The randomizers are one-time values: variable-time path (see `idemix::math`).
    pub fn commit(
        pk: &PublicKey,
        witness: &Witness,
        alpha_randomizer: &BigUint,
    ) -> Result<(Vec<BigUint>, Self), RevocationError> {
        let acc = witness.verify(pk)?;
        let bases = pk.revocation_terms().ok_or(RevocationError::NotSupported)?;
        let n = pk.modulus();
        let quarter = pk.n() >> 2u8;
        let r2 = math::random_below(&quarter)?;
        let r3 = math::random_below(&quarter)?;
        let small = &quarter << ZK_BITS;
        let large = &quarter << ALPHA_RANDOMIZER_BITS;
        let e = &witness.e.0;
        let secrets = [e.clone(), e * &r2, e * &r3, r2, r3];
        let randomizers = [
            alpha_randomizer.clone(),
            math::random_below(&large)?,
            math::random_below(&large)?,
            math::random_below(&small)?,
            math::random_below(&small)?,
        ];
        let [_, _, _, r2, r3] = &secrets;
        let [alpha_r, beta_r, delta_r, epsilon_r, zeta_r] = &randomizers;
        let c_r = math::vartime_multi_pow(n, &[bases.g(r2), bases.h(r3)], &[]);
        let c_u = n.mul(&witness.u, &math::vartime_multi_pow(n, &[bases.h(r2)], &[]));
        let com_cr = math::vartime_multi_pow(n, &[bases.g(epsilon_r), bases.h(zeta_r)], &[]);
        let com_nu = math::vartime_multi_pow(n, &[bases.h_inv(beta_r)], &[(&c_u, alpha_r)]);
        let com_one = math::vartime_multi_pow(
            n,
            &[bases.g_inv(beta_r), bases.h_inv(delta_r)],
            &[(&c_r, alpha_r)],
        );
        let contributions = vec![c_r.clone(), c_u.clone(), acc.nu.0, com_cr, com_nu, com_one];
        Ok((
            contributions,
            Self {
                c_r,
                c_u,
                sacc: witness.signed_accumulator.clone(),
                secrets,
                randomizers,
            },
        ))
    }

    /// Answers the challenge `c`: `response = randomizer + c · secret`, without `alpha`
    /// (gabi `BuildProof`, then `ProofD` drops `alpha`).
    pub fn respond(self, c: &BigUint) -> NonRevocationProof {
        let responses = SECRETS
            .iter()
            .zip(self.secrets.iter().zip(&self.randomizers))
            .skip(1)
            .map(|(name, (secret, randomizer))| (name.to_string(), Int(randomizer + c * secret)))
            .collect();
        NonRevocationProof {
            c_r: Int(self.c_r.clone()),
            c_u: Int(self.c_u.clone()),
            responses,
            sacc: self.sacc.clone(),
        }
    }
}

/// The one attribute response of a disclosure proof that can be the revocation attribute's:
/// below `2^{580}` (gabi `revocationAttrIndex`). Other responses are `lm_commit`-bit
/// randomizers plus `c·m`, normally far larger; should several qualify (gabi then picks one
/// in map order), the highest index is taken, which is where irma puts the revocation
/// attribute.
pub fn revocation_attribute_index<'a>(
    responses: impl DoubleEndedIterator<Item = (&'a usize, &'a Int)>,
) -> Option<usize> {
    responses
        .rev()
        .find(|(_, r)| r.bits() <= u64::from(ALPHA_BOUND_BITS))
        .map(|(&i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revocation_attribute_is_the_short_response() {
        let long = Int(BigUint::from(1u8) << 591u32);
        let short = Int(BigUint::from(1u8) << 579u32);
        let responses = BTreeMap::from([(0, long.clone()), (3, short.clone()), (4, long.clone())]);
        assert_eq!(revocation_attribute_index(responses.iter()), Some(3));
        // Two candidates (gabi picks either): the last one, where irma puts it.
        let responses = BTreeMap::from([(2, short.clone()), (5, short), (6, long.clone())]);
        assert_eq!(revocation_attribute_index(responses.iter()), Some(5));
        let responses = BTreeMap::from([(0, long)]);
        assert_eq!(revocation_attribute_index(responses.iter()), None);
        // Exactly 2^580 is too long.
        let bound = Int(BigUint::from(1u8) << 580u32);
        assert_eq!(
            revocation_attribute_index(BTreeMap::from([(1, bound)]).iter()),
            None
        );
    }
}
