//! Every modular exponentiation, inversion, random number and prime search of the Idemix code.
//!
//! Kept in one place on purpose: the implementations here use plain `num-bigint`
//! (`modpow`) and `crypto-primes`, and can be swapped for faster ones (Montgomery
//! multi-exponentiation, fixed-base tables, CRT) without touching the protocol code.
//! Negative exponents never reach this module: the protocol code raises the inverse
//! ([`inverse`]) to the positive power instead, inside one [`multi_pow`].

use crypto_bigint::BoxedUint;
use crypto_primes::Flavor;
use getrandom::SysRng;
use num_bigint::BigUint;
use num_traits::{One, Zero};
use rand_core::UnwrapErr;

/// The operating system's random source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomError;

/// `base^exp mod n` for a non-negative exponent.
pub fn pow(base: &BigUint, exp: &BigUint, n: &BigUint) -> BigUint {
    base.modpow(exp, n)
}

/// `Π base_i^exp_i mod n` for non-negative exponents.
pub fn multi_pow(terms: &[(&BigUint, &BigUint)], n: &BigUint) -> BigUint {
    terms.iter().fold(BigUint::one() % n, |acc, (base, exp)| {
        acc * base.modpow(exp, n) % n
    })
}

/// The inverse of `a` mod `n`, if it exists.
pub fn inverse(a: &BigUint, n: &BigUint) -> Option<BigUint> {
    if n.is_zero() {
        return None;
    }
    a.modinv(n)
}

/// A uniformly random integer in `[0, 2^bits)`.
pub fn random_bits(bits: u32) -> Result<BigUint, RandomError> {
    if bits == 0 {
        return Ok(BigUint::zero());
    }
    let len = bits.div_ceil(8) as usize;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|_| RandomError)?;
    let excess = len as u32 * 8 - bits;
    bytes[0] &= 0xff >> excess;
    Ok(BigUint::from_bytes_be(&bytes))
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
pub fn random_unit(n: &BigUint) -> Result<BigUint, RandomError> {
    loop {
        let r = random_below(n)?;
        if !r.is_zero() && num_integer::Integer::gcd(&r, n).is_one() {
            return Ok(r);
        }
    }
}

/// Whether `n` is (very probably) prime: Miller–Rabin base 2 plus a strong Lucas test
/// (BPSW, as gabi's `ProbablyPrime` ends with).
pub fn is_prime(n: &BigUint) -> bool {
    crypto_primes::is_prime(Flavor::Any, &to_boxed(n))
}

/// Whether `n` is (very probably) a safe prime: `n` and `(n − 1)/2` both prime.
pub fn is_safe_prime(n: &BigUint) -> bool {
    crypto_primes::is_prime(Flavor::Safe, &to_boxed(n))
}

/// Odd primes below 54: a candidate divisible by one of them is discarded before the
/// expensive test (their product fits a `u64`).
const SMALL_PRIMES: [u64; 15] = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];

/// A random prime in `[2^start, 2^start + 2^length]` (gabi `RandomPrimeInRange`): a random
/// odd offset of at most `length` bits above `2^start`, sieved by small primes.
pub fn random_prime_in_range(start: u32, length: u32) -> Result<BigUint, RandomError> {
    let base = BigUint::one() << start;
    let product: u64 = SMALL_PRIMES.iter().product();
    loop {
        let offset = random_bits(length)? | BigUint::one();
        let candidate = &base + offset;
        let residue = (&candidate % product).iter_u64_digits().next().unwrap_or(0);
        if SMALL_PRIMES
            .iter()
            .any(|p| residue.is_multiple_of(*p) && (start > 6 || residue != *p))
        {
            continue;
        }
        if is_prime(&candidate) {
            return Ok(candidate);
        }
    }
}

/// A random safe prime of exactly `bits` bits.
pub fn random_safe_prime(bits: u32) -> Result<BigUint, RandomError> {
    // Probe the OS source once: the adapter below cannot report a failure, and the OS
    // source does not start failing once it has worked.
    random_bits(8)?;
    let mut rng = UnwrapErr(SysRng);
    let p: BoxedUint = crypto_primes::random_prime(&mut rng, Flavor::Safe, bits);
    Ok(BigUint::from_bytes_be(&p.to_be_bytes()))
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

fn to_boxed(n: &BigUint) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(&n.to_bytes_be())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_and_ranges() {
        assert!(is_prime(&BigUint::from(1_000_000_007u64)));
        assert!(!is_prime(&BigUint::from(1_000_000_008u64)));
        assert!(is_safe_prime(&BigUint::from(23u32)));
        assert!(!is_safe_prime(&BigUint::from(13u32)));
        let p = random_prime_in_range(100, 40).unwrap();
        assert!(p >= BigUint::one() << 100u32);
        assert!(p <= (BigUint::one() << 100u32) + (BigUint::one() << 40u32));
        assert!(is_prime(&p));
        let r = random_bits(13).unwrap();
        assert!(r.bits() <= 13);
    }

    #[test]
    fn jacobi_matches_euler() {
        let p = BigUint::from(1_000_003u64);
        for a in [2u32, 3, 5, 10, 999, 123_456] {
            let a = BigUint::from(a);
            let euler = pow(&a, &((&p - 1u32) >> 1u32), &p);
            let expected = if euler.is_one() { 1 } else { -1 };
            assert_eq!(jacobi(&a, &p), expected);
        }
    }
}
