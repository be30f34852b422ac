//! Fast modular arithmetic on big integers for the Idemix (Camenisch–Lysyanskaya) core.
//!
//! Inputs and outputs are num-bigint [`BigUint`](num_bigint::BigUint)s; inside, elements are
//! `u64` limb vectors in Montgomery form with a hand-written multiply and square (and a
//! `mulx`/`adx` assembly multiply on x86-64 CPUs that have it).
//!
//! # Why hand-written
//! num-bigint's `modpow` is a plain sliding window whose Montgomery code is private, so it cannot
//! share squarings between bases or reuse precomputed powers. No maintained crate offers
//! multi-exponentiation or fixed-base tables over moduli chosen at run time at 1024–4096 bits
//! (crypto-bigint has a fast Montgomery multiply but neither algorithm; GMP and OpenSSL bring C
//! builds and licences). The algorithms are what matter here:
//!
//! * [`Modulus`]: Montgomery constants for one odd modulus; [`Modulus::vartime_pow`] (sliding
//!   window), [`Modulus::pow`] (regular fixed window with constant-time table reads, for secret
//!   exponents), [`Modulus::vartime_multi_pow`] (Straus: one squaring chain for all bases),
//!   [`Modulus::mul`], [`Modulus::inverse`] (Lehmer's extended Euclid, ~8× num-bigint's
//!   `modinv` at 2048 bits).
//! * [`FixedBaseTable`] and [`Modulus::vartime_multi_pow_fixed`]: precomputed powers of a key's
//!   long-lived bases (`S`, `Z`, `R_i`) combined with variable bases (`A`, `U`) in one pass;
//!   [`TableCache`] builds them lazily per (modulus, base) under a memory cap (LRU, thread-safe).
//! * [`CrtModulus`]: the issuer's `x^d mod pq` as two half-size exponentiations.
//! * [`is_probable_prime`] (Baillie–PSW), [`random_prime_in_range`] (the issuer's `e`, sieved),
//!   [`random_safe_prime`] and [`is_probable_safe_prime`] (key generation).
//! * [`pooled_prime_in_range`]: the issuer's `e` found ahead of time by a background thread
//!   ([`prime_pool`]), so the search leaves the request path.
//!
//! Functions named `vartime_*` take time depending on their exponents: use them only for public
//! values (proof verification, responses). Secret exponents go through [`Modulus::pow`] or
//! [`CrtModulus::pow`].
//!
//! # Memory of fixed-base tables
//! With the default [`TableParams`] (`w = 7`, 128-bit pieces) a table holds
//! `⌈max_bits/128⌉ · 64` elements of `limbs · 8` bytes: for a 2048-bit modulus 16 KiB per 128
//! exponent bits. A 2048-bit key with `S` (3204-bit responses, 26 pieces: 416 KiB), `Z` (256-bit
//! challenge: 32 KiB) and ten `R_i` (up to 640-bit responses: 80 KiB each) takes about 1.2 MiB;
//! a 1024-bit key about a quarter of that. The default cap of [`TableCache::global`] (64 MiB)
//! holds some fifty 2048-bit keys.
//!
//! # Folding a proof's exponentiations
//! Verifying a disclosure proof needs `A^(2^(Le−1))`, an inverse and `(…)^(−c)`; callers can
//! fold these into one [`Modulus::vartime_multi_pow_fixed`] call by raising `A` to
//! `c·2^(Le−1) + e_response`, the disclosed `R_i` to `c·a_i`, and a table for `Z⁻¹` to `c`.
//!
//! # Measurements
//! `cargo bench --bench arith` (real 2048-bit test key, 1024-bit irma-demo key; 2 shared cores
//! under load, so compare rows within one run; num-bigint's 3204-bit `modpow` took 9–12 ms there
//! against 4.4 ms for 3000 bits on a quiet machine):
//!
//! | work | num-bigint | this module |
//! |---|---|---|
//! | 3204-bit exponent mod 2048 | 9.4 ms | 8.0 ms (`vartime_pow`), 7.4 ms (`pow`) |
//! | inverse mod 2048 | 454 µs | 73 µs |
//! | ProofD verification mod 2048, 6 attributes, 1 disclosed | 25.5 ms | 3.5 ms (folded, tables) |
//! | the same mod 1024 | 5.1 ms | 0.80 ms |
//! | 2046-bit secret exponent mod 2048 | 5.8 ms | 1.07 ms (CRT) |
//! | random prime `e`, 645 / 597 bits | (Go: 16.4 ms) | 3.2 ms / 2.3 ms |
//! | issuance mod 2048 (ProofU, sign, ProofS commitment) | 37.8 ms | 8.2 ms |
//! | issuance mod 1024 | 8.3 ms | 3.3 ms |
//!
//! The table predates the `mulx`/`adcx`/`adox` kernel (`adx.rs`: x86-64 with BMI2 and ADX,
//! picked at run time per modulus, the portable kernel elsewhere), which halves the cost of
//! each multiplication (2048-bit: 1.2 µs against 2.4–2.8 µs, squarings included). With it,
//! `cargo bench --bench idemix` (same keys, load average 3 on the 2 cores) gave: ProofD
//! verification 1.91 ms (2048) / 0.64 ms (1024), ProofD creation 2.28 / 0.42 ms, issuance
//! 5.8 / 1.27 ms, against 3.90 / 0.95, 3.78 / 0.84 and 7.7 / 1.46 ms just before at the same
//! load. A dedicated squaring (cross products once, fixed-length rows) measured only 0–8 %
//! faster than the multiplication and is left out. AVX-512 IFMA, on CPUs that have it, is
//! the next lever. Tests run fast enough at the crate's dev `opt-level = 1`, so the profile is
//! unchanged.

// The only unsafe code of the crate: the BMI2/ADX kernel and its one call site, and the
// prime pool's thread priority (libc).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod adx;
mod cache;
mod crt;
mod fixed_base;
mod inverse;
#[allow(unsafe_code)]
mod montgomery;
mod pow;
mod prime;
#[allow(unsafe_code)]
pub mod prime_pool;
mod random;
#[cfg(test)]
mod test_numbers;

pub use cache::{DEFAULT_CACHE_BYTES, TableCache};
pub use crt::CrtModulus;
pub use fixed_base::{FixedBaseTable, TableParams};
pub use montgomery::Modulus;
pub use prime::{
    SIEVE_BOUND, is_probable_prime, is_probable_safe_prime, random_prime_in_range,
    random_safe_prime,
};
pub use prime_pool::{pooled_prime_in_range, prepare_primes};
pub use random::random_bits;

/// Errors of the arithmetic module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArithError {
    /// A modulus must be odd and greater than one.
    #[error("modulus must be odd and greater than one")]
    InvalidModulus,
    /// The two factors of a CRT modulus share a factor.
    #[error("crt factors are not coprime")]
    FactorsNotCoprime,
    /// A fixed-base table was used with a modulus it was not built for.
    #[error("fixed-base table belongs to another modulus")]
    ModulusMismatch,
    /// Table parameters outside `window` 1..=12, `stride` ≥ 1.
    #[error("invalid fixed-base table parameters")]
    InvalidTableParams,
    /// A prime range that cannot be searched.
    #[error("invalid prime range: start {start} bits, length {length} bits")]
    InvalidRange {
        /// Lower end `2^start`.
        start: u64,
        /// Width `2^length`.
        length: u64,
    },
    /// A size beyond what this module handles.
    #[error("size of {bits} bits is too large")]
    TooLarge {
        /// The requested size.
        bits: u64,
    },
    /// The operating system's random generator failed.
    #[error("random generator failed: {0}")]
    Random(#[from] getrandom::Error),
}
