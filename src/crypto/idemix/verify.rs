//! Verifying a list of proofs bound by one challenge (`gabi:prooflist.go` `ProofList.Verify`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use num_bigint::BigUint;

use super::hash::challenge;
use super::keys::PublicKey;
use super::proofs::Proof;
use crate::crypto::revocation::RevocationError;

/// Why a proof list does not verify. The irma layer maps every variant to `INVALID`; the
/// variants say where it failed, for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The list is empty.
    #[error("empty proof list")]
    Empty,
    /// The number of keys or keyshare groups differs from the number of proofs.
    #[error("expected {proofs} public keys and keyshare groups, got {keys} and {groups}")]
    Mismatch {
        /// Number of proofs.
        proofs: usize,
        /// Number of public keys.
        keys: usize,
        /// Number of keyshare group labels.
        groups: usize,
    },
    /// An attribute index has no base in the public key, is both hidden and disclosed, or
    /// the secret key (index 0) has no response.
    #[error("invalid attribute index {index}")]
    AttributeIndex {
        /// The offending index.
        index: usize,
    },
    /// A value that must be invertible modulo `n` is not.
    #[error("value not invertible modulo n")]
    NotInvertible,
    /// A feature the verifier does not implement.
    #[error("{0} are not supported")]
    Unsupported(&'static str),
    /// A response is outside its allowed range.
    #[error("response out of range")]
    ResponseRange,
    /// The challenge does not match the reconstructed one.
    #[error("challenge mismatch")]
    Challenge,
    /// Secret-key responses differ within a keyshare group: the credentials belong to
    /// different holders.
    #[error("secret key responses differ")]
    SecretKey,
    /// A nonrevocation proof is malformed or its accumulator's signature does not verify.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
}

/// Proof lists whose numbers all had an acceptable size, so that their verification went on
/// to the exponentiations, since the process started.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// How many proof lists this process has verified past the size checks
/// ([`super::Proof::check_ranges`]), that is, how many verifications did the expensive part.
/// Lets a server show (in its debug log) that oversized input cost no verification work.
pub fn verifications_started() -> u64 {
    STARTED.load(Ordering::Relaxed)
}

/// Verifies `proofs` against one challenge `H([context, contributions…, nonce], issig)`.
///
/// `keys[i]` is the public key of `proofs[i]`. `keyshare_groups[i]` labels the group whose
/// secret-key responses must be equal: each scheme with a keyshare server is its own group,
/// all other schemes share one (irmago `irma/verify.go`). An empty `keyshare_groups` puts
/// every proof in one group. `issig` is true only for attribute-based signatures; their
/// nonce is [`super::signature_nonce`].
pub fn verify_proof_list(
    proofs: &[Proof],
    keys: &[&PublicKey],
    keyshare_groups: &[&str],
    context: &BigUint,
    nonce: &BigUint,
    issig: bool,
) -> Result<(), ProofError> {
    if proofs.is_empty() {
        return Err(ProofError::Empty);
    }
    if keys.len() != proofs.len()
        || !(keyshare_groups.is_empty() || keyshare_groups.len() == proofs.len())
    {
        return Err(ProofError::Mismatch {
            proofs: proofs.len(),
            keys: keys.len(),
            groups: keyshare_groups.len(),
        });
    }
    // gabi checks (fewer) ranges after the challenge; the verdict is the same, and checking
    // first refuses oversized numbers before exponentiating with them.
    for (proof, pk) in proofs.iter().zip(keys) {
        proof.check_ranges(pk)?;
    }
    STARTED.fetch_add(1, Ordering::Relaxed);
    let mut contributions = Vec::with_capacity(proofs.len() * 2);
    for (proof, pk) in proofs.iter().zip(keys) {
        contributions.extend(proof.challenge_contribution(pk)?);
    }
    let expected = challenge(context, &contributions, nonce, issig);

    let mut secret_key_responses = HashMap::new();
    for (i, proof) in proofs.iter().enumerate() {
        if proof.challenge().0 != expected {
            return Err(ProofError::Challenge);
        }
        let group = keyshare_groups.get(i).copied().unwrap_or("");
        let response = proof
            .secret_key_response()
            .ok_or(ProofError::AttributeIndex { index: 0 })?;
        if *secret_key_responses.entry(group).or_insert(response) != response {
            return Err(ProofError::SecretKey);
        }
    }
    Ok(())
}
