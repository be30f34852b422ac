//! Pure cryptographic math: no I/O, no HTTP.
//!
//! - [`bigint`]: big integers with gabi's JSON encoding.
//! - [`asn1`]: the DER encodings that go into the protocol's hashes.
//! - [`arith`]: fast modular arithmetic (Montgomery, multi-exponentiation, fixed-base
//!   tables, CRT, primes) under the Idemix core.
//! - [`idemix`]: the Idemix core (keys, proofs, issuer, verifier, holder).
//! - [`revocation`]: accumulators, witnesses, nonrevocation proofs and signed updates.

pub mod arith;
pub mod asn1;
pub mod bigint;
pub mod idemix;
pub mod revocation;
