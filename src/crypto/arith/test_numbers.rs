//! Numbers from proptest's bytes, shared by the arithmetic tests.

use num_bigint::BigUint;
use num_traits::One;

/// An odd modulus above 1 from little-endian bytes.
pub(super) fn odd(bytes: &[u8]) -> BigUint {
    let mut m = BigUint::from_bytes_le(bytes);
    m.set_bit(0, true);
    if m.is_one() {
        m = BigUint::from(3u8);
    }
    m
}

/// Any number from little-endian bytes.
pub(super) fn big(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_le(bytes)
}
