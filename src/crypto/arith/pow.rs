//! Exponentiation on a [`Modulus`]: sliding-window and multi-exponentiation (Straus) for public
//! exponents, a regular fixed-window ladder for secret exponents.

use num_bigint::BigUint;

use super::montgomery::Modulus;

/// One base of a simultaneous exponentiation as the Straus engine sees it: a table of odd powers
/// `g, g³, g⁵, …, g^(2^w − 1)` (Montgomery form, flat, `2^(w−1)` entries) and the bit range
/// `[lo, hi)` of `exp` that is this base's exponent.
pub(super) struct Term<'a> {
    pub table: &'a [u64],
    pub window: u32,
    pub exp: &'a [u64],
    pub lo: u64,
    pub hi: u64,
}

/// A window of a term: multiply by `table[entry]` after squaring down to bit `pos`.
#[derive(Clone, Copy)]
struct Event {
    pos: u64,
    term: u32,
    entry: u32,
}

impl Modulus {
    /// `base^exp mod m` with a sliding window. Variable time: use only for public exponents.
    pub fn vartime_pow(&self, base: &BigUint, exp: &BigUint) -> BigUint {
        self.vartime_multi_pow(&[(base, exp)])
    }

    /// `Π base_i^exp_i mod m` in one pass of shared squarings (Straus' method with an
    /// independent sliding window per base). Variable time: use only for public exponents.
    pub fn vartime_multi_pow(&self, terms: &[(&BigUint, &BigUint)]) -> BigUint {
        let prepared: Vec<(Vec<u64>, u32, Vec<u64>)> = terms
            .iter()
            .map(|(base, exp)| {
                let window = window_for_bits(exp.bits());
                (self.odd_powers(base, window), window, exp.to_u64_digits())
            })
            .collect();
        let terms: Vec<Term<'_>> = prepared
            .iter()
            .map(|(table, window, exp)| Term {
                table,
                window: *window,
                exp,
                lo: 0,
                hi: bit_len(exp),
            })
            .collect();
        self.out_of_mont(&self.straus(&terms))
    }

    /// `base^exp mod m` for a secret exponent: a fixed 4- or 5-bit window over a bit length that
    /// depends only on the limb counts of `exp` and `m`, and table lookups that read every entry.
    /// The sequence of operations does not depend on the exponent's value (the conversion of the
    /// result back out of Montgomery form and num-bigint's reduction of `base ≥ m` are outside
    /// that guarantee and only see the base and the result).
    pub fn pow(&self, base: &BigUint, exp: &BigUint) -> BigUint {
        let n = self.len();
        let exp_limbs = exp.to_u64_digits();
        let bits = 64 * exp_limbs.len().max(n) as u64;
        let window: u32 = if bits >= 512 { 5 } else { 4 };
        let entries = 1usize << window;
        // table[k] = base^k, k = 0 .. 2^w − 1.
        let mut table = vec![0u64; entries * n];
        let mut t = self.scratch();
        table[..n].copy_from_slice(&self.one);
        table[n..2 * n].copy_from_slice(&self.to_mont(base));
        for k in 2..entries {
            let (done, rest) = table.split_at_mut(k * n);
            self.mont_mul(
                &done[(k - 1) * n..k * n],
                &done[n..2 * n],
                &mut rest[..n],
                &mut t,
            );
        }
        let mut acc = self.one.clone();
        let mut tmp = vec![0u64; n];
        let mut selected = vec![0u64; n];
        let windows = bits.div_ceil(window as u64);
        for i in (0..windows).rev() {
            for _ in 0..window {
                self.mont_sqr(&acc, &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
            }
            let digit = bits_at(&exp_limbs, i * window as u64, window);
            select(&table, n, digit, &mut selected);
            self.mont_mul(&acc, &selected, &mut tmp, &mut t);
            std::mem::swap(&mut acc, &mut tmp);
        }
        self.out_of_mont(&acc)
    }

    /// `g, g³, …, g^(2^window − 1)` in Montgomery form, flat.
    pub(super) fn odd_powers(&self, base: &BigUint, window: u32) -> Vec<u64> {
        let g = self.to_mont(base);
        self.odd_powers_mont(&g, window)
    }

    /// [`Self::odd_powers`] for a base already in Montgomery form.
    pub(super) fn odd_powers_mont(&self, g: &[u64], window: u32) -> Vec<u64> {
        let n = self.len();
        let entries = 1usize << (window - 1);
        let mut table = vec![0u64; entries * n];
        table[..n].copy_from_slice(g);
        if entries > 1 {
            let mut t = self.scratch();
            let mut g2 = vec![0u64; n];
            self.mont_sqr(g, &mut g2, &mut t);
            for k in 1..entries {
                let (done, rest) = table.split_at_mut(k * n);
                self.mont_mul(&done[(k - 1) * n..], &g2, &mut rest[..n], &mut t);
            }
        }
        table
    }

    /// The Straus engine: `Π term_i` in Montgomery form, with one squaring per bit of the
    /// longest exponent range and one multiplication per window.
    pub(super) fn straus(&self, terms: &[Term<'_>]) -> Vec<u64> {
        let n = self.len();
        let mut events = Vec::new();
        for (index, term) in terms.iter().enumerate() {
            recode(term, index as u32, &mut events);
        }
        events.sort_unstable_by_key(|e| std::cmp::Reverse(e.pos));
        let Some(first) = events.first() else {
            return self.one.clone();
        };
        let mut acc = vec![0u64; n];
        let mut tmp = vec![0u64; n];
        let mut t = self.scratch();
        let entry = |e: &Event| {
            let start = e.entry as usize * n;
            &terms[e.term as usize].table[start..start + n]
        };
        acc.copy_from_slice(entry(first));
        let mut pos = first.pos;
        for e in &events[1..] {
            while pos > e.pos {
                self.mont_sqr(&acc, &mut tmp, &mut t);
                std::mem::swap(&mut acc, &mut tmp);
                pos -= 1;
            }
            self.mont_mul(&acc, entry(e), &mut tmp, &mut t);
            std::mem::swap(&mut acc, &mut tmp);
        }
        for _ in 0..pos {
            self.mont_sqr(&acc, &mut tmp, &mut t);
            std::mem::swap(&mut acc, &mut tmp);
        }
        acc
    }
}

/// Sliding-window recoding of `term`'s bit range, most significant window first.
fn recode(term: &Term<'_>, index: u32, events: &mut Vec<Event>) {
    let w = term.window as u64;
    let hi = term.hi.min(64 * term.exp.len() as u64);
    let mut i = hi;
    while i > term.lo {
        let top = i - 1;
        if !bit(term.exp, top) {
            i -= 1;
            continue;
        }
        let mut low = (top + 1).saturating_sub(w).max(term.lo);
        while !bit(term.exp, low) {
            low += 1;
        }
        let value = bits_at(term.exp, low, (top - low + 1) as u32);
        events.push(Event {
            pos: low - term.lo,
            term: index,
            entry: (value >> 1) as u32,
        });
        i = low;
    }
}

/// Bit `i` of a limb vector (zero past its end).
fn bit(x: &[u64], i: u64) -> bool {
    let limb = (i / 64) as usize;
    limb < x.len() && (x[limb] >> (i % 64)) & 1 == 1
}

/// `count ≤ 32` bits of `x` starting at bit `lo` (zero past its end).
fn bits_at(x: &[u64], lo: u64, count: u32) -> u64 {
    let limb = (lo / 64) as usize;
    let shift = lo % 64;
    let mut v = x.get(limb).copied().unwrap_or(0) >> shift;
    if shift + count as u64 > 64 {
        v |= x.get(limb + 1).copied().unwrap_or(0) << (64 - shift);
    }
    v & ((1u64 << count) - 1)
}

/// Number of significant bits of a limb vector.
pub(super) fn bit_len(x: &[u64]) -> u64 {
    match x.iter().rposition(|&l| l != 0) {
        Some(top) => 64 * top as u64 + 64 - x[top].leading_zeros() as u64,
        None => 0,
    }
}

/// The sliding window that minimises table cost plus multiplications for a `bits`-bit exponent.
pub(super) fn window_for_bits(bits: u64) -> u32 {
    (1u32..=8)
        .min_by_key(|&w| (1u64 << (w - 1)) + bits / (w as u64 + 1))
        .unwrap_or(1)
}

/// Copies `table[index]` into `out` reading every entry, with masks instead of branches.
fn select(table: &[u64], n: usize, index: u64, out: &mut [u64]) {
    out.fill(0);
    for (k, entry) in table.chunks_exact(n).enumerate() {
        let diff = k as u64 ^ index;
        // All ones when diff == 0.
        let mask = ((diff | diff.wrapping_neg()) >> 63).wrapping_sub(1);
        for (o, &e) in out.iter_mut().zip(entry) {
            *o |= e & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use num_traits::{One, Zero};
    use proptest::prelude::*;

    use super::*;
    use crate::crypto::arith::random::random_bits;
    use crate::crypto::arith::test_numbers::{big, odd};

    proptest! {
        #[test]
        fn pow_functions_match_modpow(
            m in proptest::collection::vec(any::<u8>(), 1..260),
            g in proptest::collection::vec(any::<u8>(), 0..300),
            e in proptest::collection::vec(any::<u8>(), 0..420),
        ) {
            let (m, g, e) = (odd(&m), big(&g), big(&e));
            let md = Modulus::new(&m).unwrap();
            let expected = g.modpow(&e, &m);
            prop_assert_eq!(md.vartime_pow(&g, &e), expected.clone());
            prop_assert_eq!(md.pow(&g, &e), expected);
        }

        #[test]
        fn multi_pow_matches_product(
            m in proptest::collection::vec(any::<u8>(), 1..260),
            terms in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..300),
                 proptest::collection::vec(any::<u8>(), 0..420)), 0..6),
        ) {
            let m = odd(&m);
            let md = Modulus::new(&m).unwrap();
            let terms: Vec<(BigUint, BigUint)> = terms.iter().map(|(g, e)| (big(g), big(e))).collect();
            let refs: Vec<(&BigUint, &BigUint)> = terms.iter().map(|(g, e)| (g, e)).collect();
            let expected = terms.iter().fold(BigUint::one() % &m, |acc, (g, e)| acc * g.modpow(e, &m) % &m);
            prop_assert_eq!(md.vartime_multi_pow(&refs), expected);
        }
    }

    #[test]
    fn edge_cases_at_real_sizes() {
        for bits in [1024u64, 2048, 4096] {
            let mut m = random_bits(bits).unwrap();
            m.set_bit(bits - 1, true);
            m.set_bit(0, true);
            let md = Modulus::new(&m).unwrap();
            let bases = [
                BigUint::zero(),
                BigUint::one(),
                &m - 1u8,
                m.clone(),
                &m + 2u8,
                random_bits(bits + 100).unwrap(),
            ];
            let exps = [
                BigUint::zero(),
                BigUint::one(),
                BigUint::from(2u8),
                random_bits(256).unwrap(),
                random_bits(3204).unwrap(),
            ];
            for g in &bases {
                for e in &exps {
                    let expected = g.modpow(e, &m);
                    assert_eq!(md.vartime_pow(g, e), expected);
                    assert_eq!(md.pow(g, e), expected);
                }
            }
            let refs: Vec<(&BigUint, &BigUint)> = bases.iter().zip(&exps).collect();
            let expected = bases
                .iter()
                .zip(&exps)
                .fold(BigUint::one(), |acc, (g, e)| acc * g.modpow(e, &m) % &m);
            assert_eq!(md.vartime_multi_pow(&refs), expected);
        }
    }

    #[test]
    fn empty_product_is_one() {
        let md = Modulus::new(&BigUint::from(35u8)).unwrap();
        assert_eq!(md.vartime_multi_pow(&[]), BigUint::one());
    }

    #[test]
    fn select_picks_each_entry() {
        let table: Vec<u64> = (0..32).collect();
        let mut out = vec![0; 2];
        for k in 0..16 {
            select(&table, 2, k, &mut out);
            assert_eq!(out, vec![2 * k, 2 * k + 1]);
        }
    }

    #[test]
    fn window_grows_with_exponent() {
        assert_eq!(window_for_bits(0), 1);
        assert!(window_for_bits(256) < window_for_bits(3204));
    }
}
