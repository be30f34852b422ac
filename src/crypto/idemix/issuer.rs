//! The issuer's side of issuance (`gabi:issuer.go`).
//!
//! First verify the holder's `combinedProofs` with [`super::verify_proof_list`] (ProofDs and
//! ProofUs together, one challenge, `issig = false`); then sign each credential with
//! [`Issuer::issue_signature`].

use std::collections::BTreeMap;

use num_bigint::{BigInt, BigUint};

use super::Error;
use super::hash::hash_commit;
use super::keys::{PrivateKey, PublicKey};
use super::math;
use super::proofs::ProofS;
use super::signature::{CLSignature, IssueSignatureMessage, Signed};
use crate::crypto::bigint::Int;

/// An issuer key pair with the session context (always 1 in IRMA).
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    sk: &'a PrivateKey,
    pk: &'a PublicKey,
    context: &'a BigUint,
}

impl<'a> Issuer<'a> {
    /// An issuer for a matching key pair.
    pub fn new(sk: &'a PrivateKey, pk: &'a PublicKey, context: &'a BigUint) -> Result<Self, Error> {
        if sk.n() != pk.n() {
            return Err(Error::KeyMismatch);
        }
        Ok(Self { sk, pk, context })
    }

    /// Starts finding primes `e` for keys of `pk`'s size in the background, so that even the
    /// first issuance with it finds one ready (call it when loading an issuer key).
    pub fn prepare(pk: &PublicKey) {
        let params = pk.params();
        // The ranges of the system parameters are always valid ones.
        let _ = math::prepare_primes(u64::from(params.le - 1), u64::from(params.le_prime - 1));
    }

    /// Signs the holder's commitment `u` and the attributes (attribute `i` goes on base
    /// `R_{i+1}`; `None` marks a random-blind attribute, filled with a fresh issuer share of
    /// `Lm − 1` bits returned in `m_issuer`), and proves the signature correct with `n_2`.
    pub fn issue_signature(
        &self,
        u: &BigUint,
        attributes: &[Option<BigUint>],
        nonce2: &BigUint,
    ) -> Result<IssueSignatureMessage, Error> {
        let mut m_issuer = BTreeMap::new();
        let mut ms = Vec::with_capacity(attributes.len() + 1);
        ms.push(BigUint::default());
        for (i, attribute) in attributes.iter().enumerate() {
            match attribute {
                Some(value) => ms.push(value.clone()),
                None => {
                    let share = math::random_bits(self.pk.params().lm - 1)?;
                    m_issuer.insert(i + 1, Int(share.clone()));
                    ms.push(share);
                }
            }
        }
        let signed = CLSignature::sign_parts(self.sk, self.pk, u, &ms)?;
        let proof = self.prove_signature(&signed, nonce2)?;
        Ok(IssueSignatureMessage {
            proof,
            signature: signed.signature.clone(),
            nonrev: None,
            m_issuer,
        })
    }

    /// Proof of knowledge of `d = e^{−1} mod p'q'` with `Q = A^e` (gabi `proveSignature`, which
    /// computes `A^e`; here it is the signer's `Q`, equal by the choice of `d`).
    /// The commitment's exponent is secret (it hides `d` in the response): CRT, regular path.
    fn prove_signature(&self, signed: &Signed, nonce2: &BigUint) -> Result<ProofS, Error> {
        let order = self.sk.order();
        let (signature, d, q) = (&signed.signature, &signed.d, &signed.q);
        let e_commit = math::random_unit(self.sk.order_modulus())?;
        let a_commit = self.sk.pow_secret(q, &e_commit);
        let c = hash_commit(&[self.context, q, &signature.a, nonce2, &a_commit], false);
        let order_int = BigInt::from(order.clone());
        let response = (BigInt::from(e_commit) - BigInt::from(&c * d)) % &order_int;
        let response = if response.sign() == num_bigint::Sign::Minus {
            response + &order_int
        } else {
            response
        };
        Ok(ProofS {
            c: Int(c),
            e_response: Int(response.magnitude().clone()),
        })
    }
}
