//! The Idemix (Camenisch–Lysyanskaya) core, byte-compatible with gabi: issuer, verifier and
//! holder. Pure math: no I/O, no HTTP.
//!
//! # Map
//!
//! - [`params`]: system parameters per modulus size ([`SystemParameters`]).
//! - [`keys`]: issuer [`PublicKey`] / [`PrivateKey`] and their XML files; [`keygen`] makes new ones.
//! - [`hash`]: the Fiat–Shamir challenge ([`hash_commit`]), the signature nonce
//!   ([`signature_nonce`]) and the hashing of long attributes.
//! - [`proofs`]: the wire proofs [`ProofU`], [`ProofD`], [`ProofS`], [`ProofP`] and [`ProofList`],
//!   each with its challenge contribution.
//! - [`verify`]: [`verify_proof_list`], the verifier (and the issuer's check of commitments).
//! - [`signature`]: [`CLSignature`] and the issuance messages.
//! - [`issuer`]: [`Issuer`] signs credentials and proves the signature correct.
//! - [`holder`]: [`SecretKey`], [`CredentialBuilder`], [`Credential`] and [`build_proof_list`].
//! - [`keyshare`]: the keyshare server's share of the secret key ([`KeyshareSecret`]) and its
//!   part in the proofs.
//! - [`math`]: every modular exponentiation, random number and prime search, in one place so
//!   faster arithmetic can replace it.
//!
//! Attribute indices are base indices: 0 is the secret key, 1 the metadata attribute. In
//! [`Issuer::issue_signature`] and [`CredentialBuilder`] the attribute list starts at base 1
//! (as in gabi). Nonrevocation proofs ([`crate::crypto::revocation`]) are built and verified
//! as part of a [`ProofD`]; range proofs are parsed and kept, but refused by the verifier
//! ([`ProofError::Unsupported`]).

pub mod hash;
pub mod holder;
pub mod issuer;
pub mod keygen;
pub mod keys;
pub mod keyshare;
pub mod math;
pub mod params;
pub mod proofs;
pub mod signature;
pub mod verify;
mod xml;

pub use hash::{challenge, hash_commit, signature_nonce};
pub use holder::{
    CommittedProofs, Credential, CredentialBuilder, ProofRequest, SecretKey, build_proof_list,
};
pub use issuer::Issuer;
pub use keygen::{add_revocation_keys, generate_key_pair};
pub use keys::{IssuerKeyError, PrivateKey, PublicKey};
pub use keyshare::{KeyshareRandomizer, KeyshareSecret, ProofPCommitment};
pub use params::SystemParameters;
pub use proofs::{Proof, ProofD, ProofList, ProofP, ProofS, ProofU};
pub use signature::{CLSignature, IssueCommitmentMessage, IssueSignatureMessage};
pub use verify::{ProofError, verifications_started, verify_proof_list};
pub use xml::XmlError;

/// Why an issuer or holder operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The operating system's random source failed.
    #[error(transparent)]
    Random(#[from] math::RandomError),
    /// A key is invalid.
    #[error(transparent)]
    Key(#[from] IssuerKeyError),
    /// The private key does not belong to the public key.
    #[error("private key does not match the public key")]
    KeyMismatch,
    /// A value that must be invertible modulo `n` (or the group order) is not.
    #[error("value not invertible")]
    NotInvertible,
    /// More attributes than the key has bases.
    #[error("{attributes} attributes but the key has {bases} bases")]
    TooManyAttributes {
        /// Number of attributes, secret key included.
        attributes: usize,
        /// Number of bases of the key.
        bases: usize,
    },
    /// A random-blind attribute is not set up consistently between holder and issuer.
    #[error("inconsistent random-blind attribute at index {index}")]
    RandomBlind {
        /// The attribute index.
        index: usize,
    },
    /// The index of an attribute to disclose is 0 (the secret key) or out of range.
    #[error("cannot disclose attribute {index}")]
    DisclosedIndex {
        /// The attribute index.
        index: usize,
    },
    /// The secret key is longer than 255 bits.
    #[error("secret key too large")]
    SecretKeySize,
    /// The issuer's proof of signature correctness does not verify.
    #[error("issuer's proof of signature correctness does not verify")]
    InvalidProofS,
    /// The CL signature does not verify over the attributes.
    #[error("signature does not verify over the attributes")]
    InvalidSignature,
    /// A response came out negative (probability about 2^-79).
    #[error("negative response; retry")]
    NegativeResponse,
    /// The ECDSA revocation key could not be encoded.
    #[error("cannot encode the ECDSA key")]
    Ecdsa,
    /// The key pair already has revocation material.
    #[error("{0} key already supports revocation")]
    RevocationPresent(&'static str),
    /// A nonrevocation witness or proof could not be made or checked.
    #[error(transparent)]
    Revocation(#[from] crate::crypto::revocation::RevocationError),
}
