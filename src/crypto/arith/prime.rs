//! Primality: Baillie–PSW testing, the issuer's random prime `e` in a range (gabi's
//! `RandomPrimeInRange`), and safe primes for issuer key generation.
//!
//! The test is Baillie–PSW: trial division, a Miller–Rabin round to base 2 and an extra strong
//! Lucas test with Baillie's parameters (`Q = 1`, the first `P = 3, 4, …` with
//! `jacobi(P² − 4, n) = −1`), as Go's `ProbablyPrime` ends with. No composite is known to pass it.
//! The random searches sieve a window of candidates with the odd primes below [`SIEVE_BOUND`] and
//! test the survivors in random order, so the prime returned is uniform among the primes of a
//! uniformly placed window.
//!
//! # Rounds with random bases for `e`
//! Baillie–PSW has no proven error bound. gabi's `RandomPrimeInRange` adds 20 Miller–Rabin
//! rounds with random bases (Go's `ProbablyPrime(20)`); [`random_prime_in_range`] adds the
//! number FIPS 186-5 requires for a random candidate of that size at an error probability of at
//! most 2^-[`MR_SECURITY_BITS`]: the smallest `t` whose bound `p_{k,t}` of FIPS 186-5
//! Appendix C.1 ("Computing the probability of acceptance of a composite", from Damgård,
//! Landrock and Pomerance, Math. Comp. 61 (1993)) is at most that, the computation behind
//! FIPS 186-5 Table B.1 ([`miller_rabin_rounds`], which reproduces that table). For the
//! issuer's `e` (597, 645 and 901 bits for 1024-, 2048- and 4096-bit keys) that is 10, 9
//! and 7 rounds.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive};

use super::ArithError;
use super::montgomery::Modulus;
use super::random::{random_bits, random_u64};

/// Small primes below this bound are sieved out before any exponentiation (2^19: 43 390 primes,
/// the fastest of 2^15, 2^17, 2^19 and 2^21 for the 645-bit `e` in `benches/arith.rs`; the
/// residues of `2^start` are cached, so a window costs only the residues of its short offset).
pub const SIEVE_BOUND: u32 = 1 << 19;

/// Odd candidates per sieve window.
const WINDOW: usize = 1 << 12;

/// Odd candidates per sieve window when searching for safe primes (they are rarer).
const SAFE_WINDOW: usize = 1 << 16;

/// The error probability a prime `e` may have of being composite: 2^-128 (FIPS 186-5 Table B.1
/// asks 2^-128 for primes of RSA keys at the 128-bit security strength).
pub(super) const MR_SECURITY_BITS: u32 = 128;

/// The number of Miller–Rabin rounds with random bases after which a random odd `bits`-bit
/// candidate that passed them all is composite with probability at most `2^-security`: the
/// smallest `t` with `p_{k,t} ≤ 2^-security` for `k = bits`, where `p_{k,t}` is the bound of
/// FIPS 186-5 Appendix C.1 (the minimum over `M` of Damgård–Landrock–Pomerance's bound, and
/// never above `4^-t`, which holds for every `k`). Evaluated in floating point, as the
/// standard's table was.
pub(super) fn miller_rabin_rounds(bits: u64, security: u32) -> u32 {
    let target = -f64::from(security);
    (1..=security.div_ceil(2))
        .find(|&t| log2_composite_bound(bits, t) <= target)
        .unwrap_or(security.div_ceil(2))
}

/// `log2 p_{k,t}` (FIPS 186-5 Appendix C.1): for each `3 ≤ M ≤ 2√(k−1) − 1`,
/// `p = 2.00743·ln 2·k·2^{−k}·(2^{k−2−Mt} + 8(π²−6)/3·2^{k−2}·Σ_{m=3}^{M} Σ_{j=2}^{m}
/// 2^{m−(m−1)t−j−(k−1)/j})`, the `2^{−k}` folded in so that nothing overflows; the smallest
/// such `p`, and `4^-t` when smaller.
fn log2_composite_bound(k: u64, t: u32) -> f64 {
    let (kf, tf) = (k as f64, f64::from(t));
    let c = 8.0 * (std::f64::consts::PI.powi(2) - 6.0) / 3.0;
    let mut best = -2.0 * tf;
    let max_m = (2.0 * (kf - 1.0).max(0.0).sqrt()) as u64;
    // The double sum for M is the one for M − 1 plus the terms of m = M.
    let mut sum = 0.0;
    for m in 3..max_m {
        let mf = m as f64;
        for j in 2..=m {
            let jf = j as f64;
            sum += (mf - (mf - 1.0) * tf - jf - (kf - 1.0) / jf).exp2();
        }
        let p = 2.00743 * std::f64::consts::LN_2 * kf * ((-2.0 - mf * tf).exp2() + c / 4.0 * sum);
        best = best.min(p.log2());
    }
    best
}

/// Whether `n` is a probable prime (Baillie–PSW). Variable time.
pub fn is_probable_prime(n: &BigUint) -> bool {
    match small_prime_verdict(n) {
        Some(verdict) => verdict,
        None => passes_bpsw(n),
    }
}

/// Whether `p` and `(p − 1)/2` are both probable primes.
pub fn is_probable_safe_prime(p: &BigUint) -> bool {
    p >= &BigUint::from(5u8) && is_probable_prime(&(p >> 1)) && is_probable_prime(p)
}

/// A random probable prime in `[2^start, 2^start + 2^length)`, as gabi's `RandomPrimeInRange`
/// draws the issuer's `e` (`start = Le − 1`, `length = LePrime − 1`). Requires
/// `16 ≤ length ≤ start ≤ 2^20`.
pub fn random_prime_in_range(start: u64, length: u64) -> Result<BigUint, ArithError> {
    check_range(start, length)?;
    let bottom = BigUint::one() << start;
    let span = BigUint::one() << length;
    loop {
        let mut offset = random_bits(length)?;
        offset.set_bit(0, true);
        // Keep the whole window inside the range.
        let room = (&span - &offset) >> 1u8;
        let count = room.to_usize().map_or(WINDOW, |r| r.min(WINDOW));
        let range = range_constants(start);
        let residues: Vec<u64> = group_residues(&offset)
            .iter()
            .zip(range.residues.iter())
            .zip(sieve_groups())
            .map(|((&o, &t), (product, _))| ((o as u128 + t as u128) % *product as u128) as u64)
            .collect();
        let base = &bottom + offset;
        let survivors = sieve(&base, &residues, count, false);
        let accept =
            |c: &BigUint| Ok(is_probable_prime(c) && passes_random_rounds(c, range.rounds)?);
        if let Some(p) = first_prime(&base, survivors, accept)? {
            return Ok(p);
        }
    }
}

/// The ranges [`random_prime_in_range`] accepts.
pub(super) fn check_range(start: u64, length: u64) -> Result<(), ArithError> {
    if !(16..=start).contains(&length) {
        return Err(ArithError::InvalidRange { start, length });
    }
    if start > 1 << 20 {
        return Err(ArithError::TooLarge { bits: start });
    }
    Ok(())
}

/// A random safe prime `p = 2p′ + 1` of exactly `bits` bits (`p` and `p′` probable primes), with
/// `p′ ≢ 1 (mod 8)` as gabi's key generation requires. Requires `bits ≥ 16`; 1024 bits take
/// seconds.
pub fn random_safe_prime(bits: u64) -> Result<BigUint, ArithError> {
    if bits < 16 {
        return Err(ArithError::InvalidRange {
            start: bits,
            length: bits,
        });
    }
    if bits > 1 << 16 {
        return Err(ArithError::TooLarge { bits });
    }
    loop {
        // p′ ∈ [2^(bits−2), 2^(bits−1)), odd; the window stays below 2^(bits−1) but for a
        // negligible chance, which `first_prime`'s size check rejects.
        let mut base = random_bits(bits - 2)?;
        base.set_bit(bits - 2, true);
        base.set_bit(0, true);
        let survivors = sieve(&base, &group_residues(&base), SAFE_WINDOW, true);
        let accept = |c: &BigUint| {
            let p: BigUint = (c << 1u8) + 1u8;
            // Base-2 rounds on both first: most candidates fail one of them.
            Ok(p.bits() == bits
                && passes_base2(c)
                && passes_base2(&p)
                && is_probable_prime(c)
                && is_probable_prime(&p))
        };
        if let Some(p_prime) = first_prime(&base, survivors, accept)? {
            return Ok((p_prime << 1u8) + 1u8);
        }
    }
}

/// Odd primes below [`SIEVE_BOUND`], grouped so that each group's product fits a `u64`.
fn sieve_groups() -> &'static [(u64, Vec<u32>)] {
    static GROUPS: OnceLock<Vec<(u64, Vec<u32>)>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let bound = SIEVE_BOUND as usize;
        let mut composite = vec![false; bound];
        let mut groups: Vec<(u64, Vec<u32>)> = Vec::new();
        for i in 3..bound {
            if composite[i] {
                continue;
            }
            for j in (i * i..bound).step_by(i) {
                composite[j] = true;
            }
            if i % 2 == 0 {
                continue;
            }
            let r = i as u32;
            match groups.last_mut() {
                Some((product, members)) if product.checked_mul(r as u64).is_some() => {
                    *product *= r as u64;
                    members.push(r);
                }
                _ => groups.push((r as u64, vec![r])),
            }
        }
        groups
    })
}

/// Indices `i < count` of the candidates `c = base + 2i` (`base` odd) with no odd prime factor
/// below [`SIEVE_BOUND`] (other than `c` itself); with `safe`, also without such a factor in
/// `2c + 1`, and with `c ≢ 1 (mod 8)`.
/// `residues` holds `base mod product` for each group of [`sieve_groups`].
fn sieve(base: &BigUint, residues: &[u64], count: usize, safe: bool) -> Vec<usize> {
    let mut dead = vec![false; count];
    let base_mod8 = (base % 8u8).to_u64().unwrap_or(0);
    if safe {
        for (i, d) in dead.iter_mut().enumerate() {
            *d = (base_mod8 + 2 * (i as u64 % 4)) % 8 == 1;
        }
    }
    let small_base = base.to_u64();
    for ((_, members), &residue) in sieve_groups().iter().zip(residues) {
        for &r in members {
            let r = r as u64;
            let b = residue % r;
            let half = r.div_ceil(2); // 2⁻¹ mod r
            // c ≡ 0 (mod r) and, for safe primes, 2c + 1 ≡ 0, i.e. c ≡ (r − 1)/2 (mod r).
            let targets: &[u64] = if safe { &[0, (r - 1) / 2] } else { &[0] };
            for &target in targets {
                let mut i = (((target + r - b) % r) * half % r) as usize;
                while i < count {
                    // Never strike r itself (c = r or 2c + 1 = r) from a window of small numbers.
                    let is_r = small_base.is_some_and(|sb| {
                        let c = sb + 2 * i as u64;
                        c == r || 2 * c + 1 == r
                    });
                    if !is_r {
                        dead[i] = true;
                    }
                    i += r as usize;
                }
            }
        }
    }
    dead.iter()
        .enumerate()
        .filter(|(_, d)| !**d)
        .map(|(i, _)| i)
        .collect()
}

/// `x mod product` for each group of [`sieve_groups`].
fn group_residues(x: &BigUint) -> Vec<u64> {
    let limbs = x.to_u64_digits();
    sieve_groups()
        .iter()
        .map(|(product, _)| {
            limbs.iter().rev().fold(0u64, |acc, &l| {
                ((((acc as u128) << 64) | l as u128) % *product as u128) as u64
            })
        })
        .collect()
}

/// What a search in `[2^start, …)` needs every time.
struct RangeConstants {
    /// [`group_residues`] of `2^start`: a window then only needs those of its short offset.
    residues: Vec<u64>,
    /// [`miller_rabin_rounds`] for candidates of `start + 1` bits.
    rounds: u32,
}

/// The [`RangeConstants`] of `start`, cached for the last few `start`s (the issuer asks for
/// the same range every time).
fn range_constants(start: u64) -> Arc<RangeConstants> {
    static CACHE: Mutex<Vec<(u64, Arc<RangeConstants>)>> = Mutex::new(Vec::new());
    let cached = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(s, _)| *s == start)
        .map(|(_, r)| Arc::clone(r));
    if let Some(constants) = cached {
        return constants;
    }
    let constants = Arc::new(RangeConstants {
        residues: group_residues(&(BigUint::one() << start)),
        rounds: miller_rabin_rounds(start + 1, MR_SECURITY_BITS),
    });
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= 4 {
        cache.remove(0);
    }
    cache.push((start, Arc::clone(&constants)));
    constants
}

/// Tests the candidates `base + 2i` for `i` in `survivors`, in random order, returning the first
/// one `accept` takes.
fn first_prime(
    base: &BigUint,
    mut survivors: Vec<usize>,
    accept: impl Fn(&BigUint) -> Result<bool, ArithError>,
) -> Result<Option<BigUint>, ArithError> {
    while !survivors.is_empty() {
        let pick = (random_u64()? % survivors.len() as u64) as usize;
        let i = survivors.swap_remove(pick);
        let candidate = base + BigUint::from(2 * i as u64);
        if accept(&candidate)? {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// The answer for `n` below 2^32 or with a factor below 64; `None` when the full test is needed.
fn small_prime_verdict(n: &BigUint) -> Option<bool> {
    if let Some(small) = n.to_u64().filter(|&v| v < 1 << 32) {
        if small < 2 {
            return Some(false);
        }
        let mut d = 2u64;
        while d * d <= small {
            if small % d == 0 {
                return Some(false);
            }
            d += 1;
        }
        return Some(true);
    }
    const PRODUCT: u64 = 3 * 5 * 7 * 11 * 13 * 17 * 19 * 23 * 29 * 31 * 37 * 41 * 43 * 47 * 53;
    if !n.bit(0) {
        return Some(false);
    }
    let residue = (n % PRODUCT).to_u64().unwrap_or(0);
    let small = [3u64, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];
    if small.iter().any(|p| residue.is_multiple_of(*p)) {
        return Some(false);
    }
    None
}

/// The cheap part of [`is_probable_prime`]: small-prime verdict or Miller–Rabin to base 2.
fn passes_base2(n: &BigUint) -> bool {
    small_prime_verdict(n)
        .unwrap_or_else(|| Modulus::new(n).is_ok_and(|md| miller_rabin_base2(&md)))
}

/// Miller–Rabin to base 2 and the extra strong Lucas test, for odd `n > 53`.
fn passes_bpsw(n: &BigUint) -> bool {
    let Ok(md) = Modulus::new(n) else {
        return false;
    };
    miller_rabin_base2(&md) && extra_strong_lucas(&md)
}

/// `rounds` Miller–Rabin rounds, each to a base drawn uniformly from `[2, n − 2]`, for odd
/// `n > 53` (FIPS 186-5 Appendix B.3.1).
fn passes_random_rounds(n: &BigUint, rounds: u32) -> Result<bool, ArithError> {
    let Ok(md) = Modulus::new(n) else {
        return Ok(false);
    };
    let top = n - 2u8;
    for _ in 0..rounds {
        let base = loop {
            let b = random_bits(n.bits())?;
            if b >= BigUint::from(2u8) && b <= top {
                break b;
            }
        };
        if !miller_rabin(&md, &base) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Strong probable-prime test to `base` (`1 < base < n − 1`). Variable time: for public
/// candidates only.
fn miller_rabin(md: &Modulus, base: &BigUint) -> bool {
    let n = md.value();
    let n_minus_1 = n - 1u8;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let mut x = md.vartime_pow(base, &d);
    if x.is_one() || x == n_minus_1 {
        return true;
    }
    for _ in 1..s {
        x = md.mul(&x, &x);
        if x == n_minus_1 {
            return true;
        }
        if x.is_one() {
            return false;
        }
    }
    false
}

/// Strong probable-prime test to base 2.
fn miller_rabin_base2(md: &Modulus) -> bool {
    let n = md.value();
    let n_minus_1 = n - 1u8;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    // 2^d by left-to-right squaring, where multiplying by the base is a doubling (an addition).
    let len = md.len();
    let mut t = md.scratch();
    let mut x = md.one.clone();
    let mut tmp = vec![0u64; len];
    for i in (0..d.bits()).rev() {
        md.mont_sqr(&x, &mut tmp, &mut t);
        if d.bit(i) {
            md.add_mod(&tmp, &tmp, &mut x, &mut t);
        } else {
            std::mem::swap(&mut x, &mut tmp);
        }
    }
    let zero = vec![0u64; len];
    let mut minus_one = vec![0u64; len];
    md.sub_mod(&zero, &md.one, &mut minus_one);
    if x == md.one || x == minus_one {
        return true;
    }
    for _ in 1..s {
        md.mont_sqr(&x, &mut tmp, &mut t);
        std::mem::swap(&mut x, &mut tmp);
        if x == minus_one {
            return true;
        }
        if x == md.one {
            return false;
        }
    }
    false
}

/// The extra strong Lucas probable-prime test with `Q = 1` and Baillie's choice of `P`.
fn extra_strong_lucas(md: &Modulus) -> bool {
    let n = md.value();
    let mut p = 3u64;
    loop {
        let d = p * p - 4;
        match jacobi(d, n) {
            -1 => break,
            0 => return n == &BigUint::from(d),
            _ => {}
        }
        if p == 40 && n.sqrt().pow(2) == *n {
            return false;
        }
        p += 1;
        if p > 10_000 {
            // Unreachable for non-squares in practice (the first P is tiny); refuse rather than loop.
            return false;
        }
    }
    // n + 1 = k·2^s with k odd.
    let n_plus_1 = n + 1u8;
    let s = n_plus_1.trailing_zeros().unwrap_or(0);
    let k = n_plus_1 >> s;
    let len = md.len();
    let mut t = md.scratch();
    let p_m = md.to_mont(&BigUint::from(p));
    let two = md.to_mont(&BigUint::from(2u8));
    // (V_j, V_{j+1}) from j = 0: V_0 = 2, V_1 = P.
    let mut v = two.clone();
    let mut v1 = p_m.clone();
    let mut tmp = vec![0u64; len];
    for i in (0..k.bits()).rev() {
        md.mont_mul(&v, &v1, &mut tmp, &mut t);
        if k.bit(i) {
            // V_{2j+1} = V_j·V_{j+1} − P, V_{2j+2} = V_{j+1}² − 2.
            md.sub_mod(&tmp, &p_m, &mut v);
            md.mont_sqr(&v1, &mut tmp, &mut t);
            md.sub_mod(&tmp, &two, &mut v1);
        } else {
            // V_{2j+1} = V_j·V_{j+1} − P, V_{2j} = V_j² − 2.
            md.sub_mod(&tmp, &p_m, &mut v1);
            md.mont_sqr(&v, &mut tmp, &mut t);
            md.sub_mod(&tmp, &two, &mut v);
        }
    }
    let zero = vec![0u64; len];
    let mut minus_two = vec![0u64; len];
    md.sub_mod(&zero, &two, &mut minus_two);
    // V_k ≡ ±2 and U_k ≡ 0, where U_k ≡ 0 ⇔ P·V_k ≡ 2·V_{k+1}.
    if v == two || v == minus_two {
        let mut pv = vec![0u64; len];
        md.mont_mul(&p_m, &v, &mut pv, &mut t);
        let mut twice = vec![0u64; len];
        md.mont_mul(&two, &v1, &mut twice, &mut t);
        // Both products carry one extra factor R⁻¹·R, so compare directly.
        if pv == twice {
            return true;
        }
    }
    // V_{k·2^r} ≡ 0 for some 0 ≤ r < s − 1.
    for _ in 0..s.saturating_sub(1) {
        if v == zero {
            return true;
        }
        md.mont_sqr(&v, &mut tmp, &mut t);
        md.sub_mod(&tmp, &two, &mut v);
    }
    false
}

/// The Jacobi symbol `(a/n)` for odd `n`.
fn jacobi(a: u64, n: &BigUint) -> i32 {
    let n_mod8 = (n % 8u8).to_u64().unwrap_or(0);
    let mut result = 1;
    let twos = a.trailing_zeros();
    if a == 0 {
        return if n.is_one() { 1 } else { 0 };
    }
    let a_odd = a >> twos;
    if twos % 2 == 1 && (n_mod8 == 3 || n_mod8 == 5) {
        result = -result;
    }
    // Reciprocity: (a/n) = (n/a)·(−1)^((a−1)/2·(n−1)/2).
    if a_odd % 4 == 3 && n_mod8 % 4 == 3 {
        result = -result;
    }
    let reduced = (n % a_odd).to_u64().unwrap_or(0);
    result * jacobi_u64(reduced, a_odd)
}

/// The Jacobi symbol `(a/n)` for odd `n`, both machine words.
fn jacobi_u64(mut a: u64, mut n: u64) -> i32 {
    let mut result = 1;
    a %= n;
    while a != 0 {
        while a.is_multiple_of(2) {
            a /= 2;
            if n % 8 == 3 || n % 8 == 5 {
                result = -result;
            }
        }
        std::mem::swap(&mut a, &mut n);
        if a % 4 == 3 && n % 4 == 3 {
            result = -result;
        }
        a %= n;
    }
    if n == 1 { result } else { 0 }
}

#[cfg(test)]
mod tests {
    use num_traits::Zero;

    use super::*;

    fn naive_is_prime(n: u64) -> bool {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    }

    #[test]
    fn bpsw_agrees_with_trial_division() {
        // Above the trial-division shortcut: odd numbers 2^32 + 1 .. 2^32 + 20000 and small ones
        // tested through the full path.
        for n in (1u64 << 32) + 1..(1u64 << 32) + 20_000 {
            assert_eq!(
                is_probable_prime(&BigUint::from(n)),
                naive_is_prime(n),
                "{n}"
            );
        }
        for n in (55u64..30_000).step_by(2) {
            assert_eq!(passes_bpsw(&BigUint::from(n)), naive_is_prime(n), "{n}");
        }
    }

    #[test]
    fn components_catch_each_others_pseudoprimes() {
        // Strong pseudoprimes to base 2 (OEIS A001262) fail the Lucas test.
        for n in [
            2047u64, 3277, 4033, 4681, 8321, 15841, 29341, 42799, 49141, 52633,
        ] {
            let md = Modulus::new(&BigUint::from(n)).unwrap();
            assert!(
                miller_rabin_base2(&md),
                "{n} is a base-2 strong pseudoprime"
            );
            assert!(!extra_strong_lucas(&md), "{n}");
        }
        // Extra strong Lucas pseudoprimes (OEIS A217719) fail Miller–Rabin.
        for n in [
            989u64, 3239, 5777, 10877, 27971, 29681, 30739, 31631, 39059, 72389,
        ] {
            let md = Modulus::new(&BigUint::from(n)).unwrap();
            assert!(
                extra_strong_lucas(&md),
                "{n} is an extra strong Lucas pseudoprime"
            );
            assert!(!miller_rabin_base2(&md), "{n}");
        }
    }

    #[test]
    fn miller_rabin_rounds_reproduce_fips_186_5_table_b1() {
        // FIPS 186-5 Table B.1: (bits, error exponent, rounds) for the auxiliary primes
        // (> 140, > 170, > 200 bits) and for p and q (1024, 1536, 2048 bits).
        for (bits, security, rounds) in [
            (141, 100, 32),
            (141, 112, 38),
            (171, 100, 27),
            (171, 128, 41),
            (201, 100, 22),
            (201, 144, 44),
            (1024, 100, 4),
            (1024, 112, 5),
            (1536, 100, 3),
            (1536, 128, 4),
            (2048, 100, 2),
            (2048, 144, 4),
        ] {
            assert_eq!(
                miller_rabin_rounds(bits, security),
                rounds,
                "{bits} bits at 2^-{security}"
            );
        }
        // The issuer's e for 1024-, 2048- and 4096-bit keys.
        assert_eq!(miller_rabin_rounds(597, MR_SECURITY_BITS), 10);
        assert_eq!(miller_rabin_rounds(645, MR_SECURITY_BITS), 9);
        assert_eq!(miller_rabin_rounds(901, MR_SECURITY_BITS), 7);
        // Tiny candidates fall back to 4^-t.
        assert_eq!(miller_rabin_rounds(16, 128), 64);
    }

    /// The first `count` primes.
    fn small_primes(count: usize) -> Vec<u64> {
        (2u64..)
            .filter(|&p| naive_is_prime(p))
            .take(count)
            .collect()
    }

    #[test]
    fn strong_pseudoprimes_to_many_bases_pass_those_bases_and_nothing_more() {
        let dec = |s: &str| BigUint::parse_bytes(s.as_bytes(), 10).unwrap();
        // The smallest strong pseudoprimes to all of the first n prime bases (OEIS A014233),
        // and Arnault's composites (Math. Comp. 64 (1995), 335–361) that are strong
        // pseudoprimes to every prime base up to 29 and (337 digits) up to 200 (46 bases).
        let cases = [
            (dec("3215031751"), 4),
            (dec("2152302898747"), 5),
            (dec("3474749660383"), 6),
            (dec("341550071728321"), 8),
            (dec("3825123056546413051"), 11),
            (dec("318665857834031151167461"), 12),
            (dec("3317044064679887385961981"), 13),
            (dec("1195068768795265792518361315725116351898245581"), 10),
            (
                dec(concat!(
                    "8038374574536394912570796143419421081388376882875581458374889175222974",
                    "2737653336521865023361639600454579150420236032087665699667609872840439",
                    "6540823292873879185086916685732826776177102938969773947016708230428687",
                    "1099974399765441448453411558724506334092790222752962294149842306881685",
                    "404326457534018329786111298960644845216191652872597534901",
                )),
                46,
            ),
        ];
        for (n, bases) in &cases {
            let md = Modulus::new(n).unwrap();
            // Our strong test is the textbook one: it is fooled by exactly these bases.
            for base in small_primes(*bases) {
                assert!(
                    miller_rabin(&md, &BigUint::from(base)),
                    "{n} to base {base}"
                );
            }
            assert!(!is_probable_prime(n), "Baillie–PSW on {n}");
            // 64 random bases: each is a liar with probability at most 1/4, so a false
            // pass has probability at most 2^-128.
            assert!(!passes_random_rounds(n, 64).unwrap(), "random bases on {n}");
        }
        // Primes pass every round.
        let m521 = (BigUint::one() << 521u16) - 1u8;
        assert!(passes_random_rounds(&m521, 10).unwrap());
        assert!(passes_random_rounds(&BigUint::from(1_000_000_007u64), 10).unwrap());
    }

    #[test]
    fn known_large_primes_and_composites() {
        let m127 = (BigUint::one() << 127u8) - 1u8;
        let m521 = (BigUint::one() << 521u16) - 1u8;
        assert!(is_probable_prime(&m127));
        assert!(is_probable_prime(&m521));
        assert!(!is_probable_prime(&(&m127 * &m521)));
        assert!(!is_probable_prime(&(&m521 * &m521)));
        // A Carmichael number.
        assert!(!is_probable_prime(&BigUint::from(41_041u32 * 101u32)));
        assert!(!is_probable_prime(&BigUint::from(8_911u32)));
    }

    #[test]
    fn jacobi_matches_euler_criterion() {
        for n in [3u64, 5, 7, 11, 13, 101, 65537] {
            for a in 0..60u64 {
                let euler = BigUint::from(a).modpow(&BigUint::from((n - 1) / 2), &BigUint::from(n));
                let expected = if euler.is_zero() {
                    0
                } else if euler.is_one() {
                    1
                } else {
                    -1
                };
                assert_eq!(jacobi(a, &BigUint::from(n)), expected, "({a}/{n})");
            }
        }
        assert_eq!(jacobi(2, &BigUint::from(15u8)), 1);
        assert_eq!(jacobi(7, &BigUint::from(15u8)), -1);
    }

    #[test]
    fn random_prime_lies_in_range() {
        for (start, length) in [(644u64, 119u64), (596, 119), (40, 16)] {
            let p = random_prime_in_range(start, length).unwrap();
            assert!(p >= BigUint::one() << start);
            assert!(p < (BigUint::one() << start) + (BigUint::one() << length));
            assert!(is_probable_prime(&p));
        }
        assert!(matches!(
            random_prime_in_range(100, 8),
            Err(ArithError::InvalidRange { .. })
        ));
        assert!(matches!(
            random_prime_in_range(20, 21),
            Err(ArithError::InvalidRange { .. })
        ));
    }

    #[test]
    fn random_safe_prime_is_safe() {
        for bits in [16u64, 64, 256] {
            let p = random_safe_prime(bits).unwrap();
            assert_eq!(p.bits(), bits);
            assert!(is_probable_safe_prime(&p));
            assert_ne!((&p >> 1u8) % 8u8, BigUint::one());
        }
        assert!(!is_probable_safe_prime(&BigUint::from(13u8)));
        assert!(is_probable_safe_prime(&BigUint::from(5u8)));
        assert!(!is_probable_safe_prime(&BigUint::from(4u8)));
        assert!(is_probable_safe_prime(&BigUint::from(23u8)));
    }

    /// Key-generation size; slow without optimisation:
    /// `cargo test --release --lib crypto::arith::prime -- --ignored`.
    #[test]
    #[ignore]
    fn random_safe_prime_at_1024_bits() {
        let start = std::time::Instant::now();
        let p = random_safe_prime(1024).unwrap();
        eprintln!("1024-bit safe prime in {:?}", start.elapsed());
        assert_eq!(p.bits(), 1024);
        assert!(is_probable_safe_prime(&p));
        assert_ne!((&p >> 1u8) % 8u8, BigUint::one());
    }
}
