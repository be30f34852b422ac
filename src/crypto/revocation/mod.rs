//! Revocation: the RSA-B accumulator, witnesses, nonrevocation proofs and signed update
//! messages, byte-compatible with gabi's `revocation` and `signed` packages. Pure math and
//! encodings: no I/O, no clock (times are passed in).
//!
//! # Map
//!
//! - [`signed`]: messages signed with the issuer's ECDSA P-256 revocation key.
//! - [`event`]: revocation events and their hash chain ([`EventHash`], [`Event`],
//!   [`EventList`]).
//! - [`accumulator`]: [`Accumulator`], [`SignedAccumulator`], [`Update`]; the issuer's
//!   initial accumulator and revocation ([`Accumulator::remove`]).
//! - [`witness`]: [`Witness`]: issued with a credential, updated by the holder.
//! - [`proof`]: [`NonRevocationProof`] (verifier side, used by
//!   [`crate::crypto::idemix::ProofD`]) and [`NonRevocationCommit`] (prover side).
//!
//! The scheme follows Camenisch–Lysyanskaya (CRYPTO 2002) as gabi implements it: the issuer
//! is the revocation authority; revoking `e` replaces `ν` by `ν^{1/e}`, which every holder of
//! another `e` can follow and the revoked one cannot.

pub mod accumulator;
mod encoding;
pub mod event;
pub mod proof;
pub mod signed;
pub mod witness;

pub use accumulator::{Accumulator, SignedAccumulator, Update, Updates};
pub use encoding::{CborError, from_cbor, to_cbor};
pub use event::{Event, EventHash, EventList};
pub use proof::{
    NonRevocationCommit, NonRevocationProof, alpha_randomizer, revocation_attribute_index,
};
pub use signed::{SignedError, SignedMessage};
pub use witness::{Witness, WitnessUpdate};

use crate::crypto::idemix::math::RandomError;

/// Bits of the revocation attribute `e` (gabi `Parameters.AttributeSize`).
pub const ATTRIBUTE_SIZE: u32 = 195;
/// `k' + k''`: challenge bits (256) plus statistical zero-knowledge bits (128).
const ZK_BITS: u32 = 256 + 128;
/// Bits of the randomizer of `α` (gabi `NewProofRandomizer`: below `2^{195+384}`).
const ALPHA_RANDOMIZER_BITS: u32 = ATTRIBUTE_SIZE + ZK_BITS;
/// The response of `α` is below `2^{580}` (gabi `revocationAttrIndex`, `bTwoZk`).
const ALPHA_BOUND_BITS: u32 = ALPHA_RANDOMIZER_BITS + 1;
/// Bits over the modulus a nonrevocation response may have: honest ones stay below
/// `n·2^{579}`; longer ones are refused before exponentiating with them.
pub(crate) const RESPONSE_EXTRA_BITS: u64 = 600;

/// Why a revocation operation or check failed. Verifiers map every variant to an invalid
/// proof or a refused update; the variants say where, for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// A signed message is malformed or its signature does not verify.
    #[error(transparent)]
    Signed(#[from] SignedError),
    /// A message is not the expected CBOR.
    #[error(transparent)]
    Cbor(#[from] CborError),
    /// The signed accumulator names another key counter than the key it is checked with.
    #[error("wrong public key: expected counter {expected}, found {found}")]
    WrongKey {
        /// The key's counter.
        expected: u32,
        /// The counter in the message.
        found: u32,
    },
    /// An event chain is broken.
    #[error("{0}")]
    EventChain(&'static str),
    /// The issuer key has no revocation material (`G`, `H`, ECDSA key).
    #[error("key does not support revocation")]
    NotSupported,
    /// A value that must be invertible is not.
    #[error("value not invertible")]
    NotInvertible,
    /// `u^e ≠ ν`.
    #[error("invalid witness")]
    InvalidWitness,
    /// The witness's `e` was revoked.
    #[error("revoked")]
    Revoked,
    /// The update starts after the event the witness needs next.
    #[error("update too new")]
    UpdateTooNew,
    /// A nonrevocation proof lacks a response.
    #[error("nonrevocation proof has no response {0:?}")]
    MissingResponse(&'static str),
    /// A nonrevocation proof's response is out of range.
    #[error("nonrevocation response out of range")]
    ResponseRange,
    /// A disclosure proof has no response that can be the revocation attribute's.
    #[error("no revocation attribute response found")]
    NoRevocationAttribute,
    /// A time outside the representable range.
    #[error("time out of range")]
    Time,
    /// The operating system's random source failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}
