//! Every modular exponentiation, inversion, random number and prime search of the Idemix code,
//! on top of [`crate::crypto::arith`].
//!
//! Keys carry their precomputation: a [`PublicKey`](super::PublicKey) holds the Montgomery
//! [`Modulus`] of `n` and `Z⁻¹`, and its long-lived bases (`S`, `Z⁻¹`, `R_i`) are raised with
//! fixed-base tables from [`TableCache::global`] (built on first use, per key and base); a
//! [`PrivateKey`](super::PrivateKey) holds a [`arith::CrtModulus`] for `p·q` and a [`Modulus`] for
//! `p'q'`. Negative exponents never reach this module: the protocol code raises an inverse to
//! the positive power, or folds `x^{−c}` into the exponents of one [`vartime_multi_pow`].
//!
//! # Which exponents take the regular (constant-pattern) path
//! The reference (Go `math/big`) is not constant-time anywhere. Here:
//!
//! * **Regular** ([`arith::CrtModulus::pow`], [`Modulus::pow`] via [`pow_secret`]): the issuer's
//!   `A = Q^d` (`d = e⁻¹ mod p'q'`) and its ProofS commitment `Q^{ẽ}` (the response
//!   `ẽ − c·d` would give away `d` from a partly leaked `ẽ`); the holder's long-term secret key
//!   wherever it is an exponent outside a proof (`U = R_0^{sk}·…` and `R_0^{sk}` when checking a
//!   new credential), together with the rest of `U` (`v'`, random-blind shares); key
//!   generation's `S^x`.
//! * **Variable time** ([`vartime_multi_pow`]): everything public (verification, the issuer's
//!   `S^v`, attributes) and the holder's one-time proof randomizers (`r` of the randomized `A'`,
//!   `ẽ`, `ṽ`, the attribute and secret-key randomizers, `ṽ'`). These are fresh per proof and
//!   hidden by `lstatzk` extra bits; on a regular path they would cost about five times as
//!   much (a regular ladder cannot use fixed-base tables), far over the 5 ms budget of a
//!   2048-bit disclosure proof. A local attacker measuring cache timing of many proofs could in
//!   principle learn bits of these randomizers, as with the reference.

use std::sync::Arc;

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};

use crate::crypto::arith::{self, FixedBaseTable, Modulus, TableCache};

pub use crate::crypto::arith::{pooled_prime_in_range, prepare_primes};

/// The operating system's random source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomError;

/// A term with a long-lived base of a key: `base^exp`, with a fixed-base table built for
/// exponents of up to `max_bits` bits (longer ones are still correct, only slower).
#[derive(Debug, Clone, Copy)]
pub struct FixedTerm<'a> {
    /// The base (one of a public key's `S`, `Z⁻¹`, `R_i`).
    pub base: &'a BigUint,
    /// The exponent length the table is built for; keep it the same for one base.
    pub max_bits: u64,
    /// The (public or one-time) exponent.
    pub exp: &'a BigUint,
}

/// `Π fixed_i.base^fixed_i.exp · Π var_j.0^var_j.1 mod n` in one pass, with the cached tables
/// of the fixed bases. Variable time: public or one-time exponents only (module docs).
pub fn vartime_multi_pow(
    n: &Modulus,
    fixed: &[FixedTerm<'_>],
    var: &[(&BigUint, &BigUint)],
) -> BigUint {
    let cache = TableCache::global();
    let tables: Result<Vec<Arc<FixedBaseTable>>, _> = fixed
        .iter()
        .map(|t| cache.get(n, t.base, t.max_bits))
        .collect();
    if let Ok(tables) = tables {
        let pairs: Vec<(&FixedBaseTable, &BigUint)> = tables
            .iter()
            .zip(fixed)
            .map(|(table, term)| (table.as_ref(), term.exp))
            .collect();
        if let Ok(result) = n.vartime_multi_pow_fixed(&pairs, var) {
            return result;
        }
    }
    // Tables with the default parameters for this very modulus cannot fail; if they did,
    // plain Straus gives the same result.
    let all: Vec<(&BigUint, &BigUint)> = fixed
        .iter()
        .map(|t| (t.base, t.exp))
        .chain(var.iter().copied())
        .collect();
    n.vartime_multi_pow(&all)
}

/// `Π base_i^exp_i mod n` for secret exponents: one regular exponentiation per term
/// ([`Modulus::pow`]).
pub fn pow_secret(n: &Modulus, terms: &[(&BigUint, &BigUint)]) -> BigUint {
    terms
        .iter()
        .fold(BigUint::one() % n.value(), |acc, (b, e)| {
            n.mul(&acc, &n.pow(b, e))
        })
}

/// The inverse of `a` modulo the odd modulus `n`, if it exists (Lehmer; variable time).
pub fn inverse(a: &BigUint, n: &Modulus) -> Option<BigUint> {
    n.inverse(a)
}

/// A uniformly random integer in `[0, 2^bits)`.
pub fn random_bits(bits: u32) -> Result<BigUint, RandomError> {
    arith::random_bits(u64::from(bits)).map_err(|_| RandomError)
}

/// A uniformly random integer in `[0, n)`; `n` must be positive.
pub fn random_below(n: &BigUint) -> Result<BigUint, RandomError> {
    let bits = u32::try_from(n.bits()).map_err(|_| RandomError)?;
    loop {
        let r = random_bits(bits)?;
        if &r < n {
            return Ok(r);
        }
    }
}

/// A random element of `Z*_n` (non-zero and coprime to `n`).
pub fn random_unit(n: &Modulus) -> Result<BigUint, RandomError> {
    loop {
        let r = random_below(n.value())?;
        if n.inverse(&r).is_some() {
            return Ok(r);
        }
    }
}

/// A random quadratic residue modulo `n`: the square of a random unit (gabi `RandomQR`).
pub fn random_qr(n: &BigUint) -> Result<BigUint, RandomError> {
    loop {
        let r = random_below(n)?;
        if r.gcd(n).is_one() {
            return Ok(&r * &r % n);
        }
    }
}

/// Whether `n` is (very probably) prime (Baillie–PSW, as gabi's `ProbablyPrime` ends with).
pub fn is_prime(n: &BigUint) -> bool {
    arith::is_probable_prime(n)
}

/// Whether `n` is (very probably) a safe prime: `n` and `(n − 1)/2` both prime.
pub fn is_safe_prime(n: &BigUint) -> bool {
    arith::is_probable_safe_prime(n)
}

/// A random safe prime `p` of exactly `bits` bits, with `(p − 1)/2 ≢ 1 (mod 8)`.
pub fn random_safe_prime(bits: u32) -> Result<BigUint, RandomError> {
    arith::random_safe_prime(u64::from(bits)).map_err(|_| RandomError)
}

/// Jacobi symbol `(a/n)` for odd `n`, in `{-1, 0, 1}`; equals the Legendre symbol for prime `n`.
pub fn jacobi(a: &BigUint, n: &BigUint) -> i8 {
    let mut a = a % n;
    let mut n = n.clone();
    let mut result = 1i8;
    while !a.is_zero() {
        let twos = a.trailing_zeros().unwrap_or(0);
        a >>= twos;
        let n_mod_8 = n.iter_u32_digits().next().unwrap_or(0) & 7;
        if twos % 2 == 1 && (n_mod_8 == 3 || n_mod_8 == 5) {
            result = -result;
        }
        let a_mod_4 = a.iter_u32_digits().next().unwrap_or(0) & 3;
        if a_mod_4 == 3 && n_mod_8 & 3 == 3 {
            result = -result;
        }
        std::mem::swap(&mut a, &mut n);
        a %= &n;
    }
    if n.is_one() { result } else { 0 }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn primes() {
        assert!(is_prime(&BigUint::from(1_000_000_007u64)));
        assert!(!is_prime(&BigUint::from(1_000_000_008u64)));
        assert!(is_safe_prime(&BigUint::from(23u32)));
        assert!(!is_safe_prime(&BigUint::from(13u32)));
        let r = random_bits(13).unwrap();
        assert!(r.bits() <= 13);
    }

    #[test]
    fn jacobi_matches_euler() {
        let p = BigUint::from(1_000_003u64);
        for a in [2u32, 3, 5, 10, 999, 123_456] {
            let a = BigUint::from(a);
            let euler = a.modpow(&((&p - 1u32) >> 1u32), &p);
            let expected = if euler.is_one() { 1 } else { -1 };
            assert_eq!(jacobi(&a, &p), expected);
        }
    }

    fn odd(bytes: &[u8]) -> BigUint {
        let mut m = BigUint::from_bytes_le(bytes) | (BigUint::one() << (8 * bytes.len()));
        m.set_bit(0, true);
        m
    }

    fn naive(terms: &[(&BigUint, &BigUint)], n: &BigUint) -> BigUint {
        terms
            .iter()
            .fold(BigUint::one() % n, |acc, (b, e)| acc * b.modpow(e, n) % n)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Fixed (cached tables, including exponents longer than the table) and variable bases
        /// together, and the regular path, agree with num-bigint.
        #[test]
        fn fast_paths_match_modpow(
            m in proptest::collection::vec(any::<u8>(), 8..80),
            bases in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..90), 4),
            exps in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..70), 4),
            max_bits in 1u64..300,
        ) {
            let n = odd(&m);
            let modulus = Modulus::new(&n).unwrap();
            let b: Vec<BigUint> = bases.iter().map(|x| BigUint::from_bytes_le(x)).collect();
            let e: Vec<BigUint> = exps.iter().map(|x| BigUint::from_bytes_le(x)).collect();
            let fixed = [
                FixedTerm { base: &b[0], max_bits, exp: &e[0] },
                FixedTerm { base: &b[1], max_bits, exp: &e[1] },
            ];
            let var = [(&b[2], &e[2]), (&b[3], &e[3])];
            let all: Vec<_> = b.iter().zip(&e).collect();
            let expected = naive(&all, &n);
            prop_assert_eq!(vartime_multi_pow(&modulus, &fixed, &var), expected.clone());
            prop_assert_eq!(pow_secret(&modulus, &all), expected);
        }
    }
}
