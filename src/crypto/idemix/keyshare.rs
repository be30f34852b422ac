//! The keyshare server's part of the secret key (gabi `keyshare.go`, `legacy.go`): its share
//! of every user's secret key, `P = R_0^{share}`, and its part in the Schnorr proof of the
//! secret key in the keyshare protocol the app speaks at protocol 2.8 (the "legacy" one, whose
//! response carries `P`).
//!
//! The app's secret key is then `sk_app + share`: every commitment of a proof in a keyshare
//! scheme is multiplied by the server's `Pcommit = R_0^{r}`, the challenge `c` is computed
//! over those, and the server answers `s = r + c·share`, which is added to the app's
//! secret-key response ([`super::ProofU::merge_proof_p`], [`super::ProofD::merge_proof_p`]).

use std::fmt;

use num_bigint::BigUint;

use super::Error;
use super::keys::{PublicKey, wipe};
use super::math;
use super::params::{SECRET_KEY_BITS, SystemParameters};
use super::proofs::ProofP;
use crate::crypto::bigint::Int;

/// A user's share of the secret key at the keyshare server: at most `Lm(1024) − 1` bits, so
/// that with the app's share the sum fits every key size (gabi `NewKeyshareSecret`).
///
/// `Debug` hides it; on drop its limbs are overwritten.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyshareSecret(BigUint);

impl KeyshareSecret {
    /// A fresh random share.
    pub fn generate() -> Result<Self, Error> {
        Ok(Self(math::random_bits(SECRET_KEY_BITS)?))
    }

    /// `P = R_0^{share} mod n` of `pk`: the share's part of every signature and commitment.
    pub fn p(&self, pk: &PublicKey) -> BigUint {
        // The share is long-lived: regular path (see `math`).
        math::pow_secret(pk.modulus(), &[(&pk.bases()[0], &self.0)])
    }

    /// Commits for one keyshare proof over the keys `keys` (gabi `NewKeyshareCommitments`):
    /// one randomizer `r` for all, and per key `P` and `Pcommit = R_0^r`. The randomizer is
    /// `LmCommit` bits of 2048-bit keys, or of 1024-bit keys when one of the keys is that
    /// small (a larger one would push the summed response past the verifier's range check).
    pub fn commit(
        &self,
        keys: &[&PublicKey],
    ) -> Result<(KeyshareRandomizer, Vec<ProofPCommitment>), Error> {
        let small = keys.iter().any(|k| k.n().bits() == 1024);
        let bits = if small {
            SystemParameters::L1024.lm_commit
        } else {
            SystemParameters::L2048.lm_commit
        };
        let randomizer = math::random_bits(bits)?;
        let commitments = keys
            .iter()
            .map(|pk| ProofPCommitment {
                p: Int(self.p(pk)),
                pcommit: Int(math::pow_secret(
                    pk.modulus(),
                    &[(&pk.bases()[0], &randomizer)],
                )),
            })
            .collect();
        Ok((KeyshareRandomizer(randomizer), commitments))
    }

    /// The response to challenge `c` for the commitment made with `randomizer`, in the form
    /// of the legacy protocol: `{P (of pk), c, s = r + c·share}` (gabi
    /// `KeyshareResponseLegacy`). It consumes the randomizer: answering twice would reveal
    /// the share.
    pub fn respond(&self, randomizer: KeyshareRandomizer, c: &BigUint, pk: &PublicKey) -> ProofP {
        ProofP {
            p: Some(Int(self.p(pk))),
            c: Int(c.clone()),
            s_response: Int(&randomizer.0 + c * &self.0),
        }
    }
}

impl fmt::Debug for KeyshareSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyshareSecret(..)")
    }
}

impl Drop for KeyshareSecret {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// The one-time randomizer `r` of a keyshare commitment, kept by the server until the app
/// asks for the response. Overwritten on drop.
pub struct KeyshareRandomizer(BigUint);

impl fmt::Debug for KeyshareRandomizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyshareRandomizer(..)")
    }
}

impl Drop for KeyshareRandomizer {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// The keyshare server's first message for one key (gabi `ProofPCommitment`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProofPCommitment {
    /// `R_0^{share}`.
    #[serde(rename = "P")]
    pub p: Int,
    /// `R_0^{r}`.
    #[serde(rename = "Pcommit")]
    pub pcommit: Int,
}

impl ProofP {
    /// Whether a legacy ProofP answers the commitment `pcommit` of key `pk`:
    /// `R_0^{s} == Pcommit · P^{c}` (the Schnorr relation of the keyshare server's part).
    pub fn answers(&self, pcommit: &BigUint, pk: &PublicKey) -> bool {
        let Some(p) = &self.p else {
            return false;
        };
        let n = pk.modulus();
        let left = math::vartime_multi_pow(n, &[], &[(&pk.bases()[0], &self.s_response.0)]);
        let right = n.mul(
            pcommit,
            &math::vartime_multi_pow(n, &[], &[(&p.0, &self.c.0)]),
        );
        left == right
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `test.test` key 3 of the keyshare vectors (2048 bits).
    fn key() -> PublicKey {
        read_key("keyshare/scheme-test/test/test/PublicKeys/3.xml")
    }

    fn read_key(path: &str) -> PublicKey {
        let path = format!("{}/tests/data/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
        PublicKey::from_xml(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn response_answers_the_commitment() {
        let pk = key();
        let secret = KeyshareSecret::generate().unwrap();
        assert!(secret.0.bits() <= 255);
        let (r, commitments) = secret.commit(&[&pk, &pk]).unwrap();
        assert_eq!(commitments[0], commitments[1]);
        assert_eq!(commitments[0].p.0, secret.p(&pk));
        assert!(r.0.bits() <= u64::from(SystemParameters::L2048.lm_commit));
        // With a 1024-bit key among the keys, the randomizer fits its smaller range.
        let small = read_key("issuer-keygen/1024/PublicKeys/0.xml");
        for _ in 0..8 {
            let (r, _) = secret.commit(&[&pk, &small]).unwrap();
            assert!(r.0.bits() <= u64::from(SystemParameters::L1024.lm_commit));
        }
        let c = BigUint::from(12_345_678u64);
        let proof = secret.respond(r, &c, &pk);
        assert!(proof.answers(&commitments[0].pcommit.0, &pk));
        let mut wrong = proof.clone();
        wrong.s_response = Int(&wrong.s_response.0 + 1u8);
        assert!(!wrong.answers(&commitments[0].pcommit.0, &pk));
        assert_eq!(format!("{secret:?}"), "KeyshareSecret(..)");
    }

    /// The reference keyshare server's recorded commitment and response satisfy the same
    /// relation (`keyshare/issuance-email.json`: `getCommitments`, then `getResponse`).
    #[test]
    fn the_recorded_response_answers_the_recorded_commitment() {
        use base64::Engine;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/vectors/keyshare/issuance-email.json"
        );
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let exchanges = case["keyshare_exchanges"].as_array().unwrap();
        let find = |suffix: &str| {
            exchanges
                .iter()
                .find(|e| e["path"].as_str().unwrap().ends_with(suffix))
                .unwrap()
        };
        let commitment: ProofPCommitment = serde_json::from_value(
            find("/prove/getCommitments")["response_body"]["c"]["test.test-3"].clone(),
        )
        .unwrap();
        let jwt = find("/prove/getResponse")["response_body_raw"]
            .as_str()
            .unwrap();
        let claims = jwt.split('.').nth(1).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims)
                .unwrap(),
        )
        .unwrap();
        let proof: ProofP = serde_json::from_value(claims["ProofP"].clone()).unwrap();
        let pk = key();
        assert_eq!(proof.p.as_ref(), Some(&commitment.p));
        assert!(proof.answers(&commitment.pcommit.0, &pk));
        assert!(!proof.answers(&commitment.p.0, &pk));
    }
}
