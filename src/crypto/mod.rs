//! Pure cryptographic math: no I/O, no HTTP.
//!
//! - [`bigint`]: big integers with gabi's JSON encoding.
//! - [`asn1`]: the DER encodings that go into the protocol's hashes.

pub mod asn1;
pub mod bigint;
