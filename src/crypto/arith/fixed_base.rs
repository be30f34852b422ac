//! Fixed-base exponentiation: precomputed tables for long-lived bases (an issuer key's `S`, `Z`,
//! `R_i`), usable together with variable bases in one Straus pass.
//!
//! A table for base `g` splits exponents into pieces of `stride` bits, `e = Σ e_k·2^(k·stride)`,
//! and stores the odd powers `h_k^1, h_k^3, …, h_k^(2^w − 1)` of each `h_k = g^(2^(k·stride))`.
//! Then `g^e = Π h_k^(e_k)`: every piece is one more base of the simultaneous exponentiation with a
//! `stride`-bit exponent, so an exponent of any length costs `stride` squarings (shared with all
//! other bases) plus about `bits/(w+1)` multiplications.

use num_bigint::BigUint;

use super::ArithError;
use super::montgomery::Modulus;
use super::pow::{Term, bit_len, window_for_bits};

/// Shape of a [`FixedBaseTable`]: window width and piece length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableParams {
    /// Sliding-window width `w` (1..=12): `2^(w−1)` entries per piece.
    pub window: u32,
    /// Piece length in bits: the squarings the table needs per exponentiation.
    pub stride: u64,
}

impl Default for TableParams {
    /// `w = 7`, `stride = 128`: about 1.3 MiB for a 2048-bit issuer key with eleven bases (see the
    /// module documentation of [`super`]); measured in `benches/arith.rs`.
    fn default() -> Self {
        TableParams {
            window: 7,
            stride: 128,
        }
    }
}

/// Precomputed powers of one base modulo one [`Modulus`], for exponents up to `max_bits`
/// (longer exponents still give correct results, only slower).
#[derive(Clone)]
pub struct FixedBaseTable {
    /// The modulus the entries belong to (checked on use).
    modulus: Vec<u64>,
    params: TableParams,
    /// Number of pieces.
    pieces: usize,
    /// `pieces × 2^(w−1)` Montgomery-form entries, piece by piece.
    entries: Vec<u64>,
}

impl std::fmt::Debug for FixedBaseTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixedBaseTable")
            .field("params", &self.params)
            .field("pieces", &self.pieces)
            .field("bytes", &self.memory_bytes())
            .finish()
    }
}

impl FixedBaseTable {
    /// Precomputes `base` for exponents of up to `max_bits` bits. Costs about `max_bits`
    /// squarings plus `2^(w−1)` multiplications per piece.
    pub fn new(
        modulus: &Modulus,
        base: &BigUint,
        max_bits: u64,
        params: TableParams,
    ) -> Result<Self, ArithError> {
        if !(1..=12).contains(&params.window) || params.stride == 0 {
            return Err(ArithError::InvalidTableParams);
        }
        let n = modulus.len();
        let pieces = max_bits.div_ceil(params.stride).max(1);
        let Ok(pieces) = usize::try_from(pieces) else {
            return Err(ArithError::TooLarge { bits: max_bits });
        };
        let per_piece = n << (params.window - 1);
        let mut entries = Vec::with_capacity(pieces * per_piece);
        let mut h = modulus.to_mont(base);
        let mut tmp = vec![0u64; n];
        let mut t = modulus.scratch();
        for k in 0..pieces {
            entries.extend_from_slice(&modulus.odd_powers_mont(&h, params.window));
            if k + 1 < pieces {
                for _ in 0..params.stride {
                    modulus.mont_sqr(&h, &mut tmp, &mut t);
                    std::mem::swap(&mut h, &mut tmp);
                }
            }
        }
        Ok(FixedBaseTable {
            modulus: modulus.limbs.clone(),
            params,
            pieces,
            entries,
        })
    }

    /// Heap memory held by the table.
    pub fn memory_bytes(&self) -> usize {
        8 * (self.entries.len() + self.modulus.len())
    }

    /// The pieces of `exp` as Straus terms; the top piece takes all remaining bits.
    fn terms<'a>(&'a self, exp: &'a [u64]) -> impl Iterator<Item = Term<'a>> + 'a {
        let per_piece = self.entries.len() / self.pieces;
        let stride = self.params.stride;
        let len = bit_len(exp);
        (0..self.pieces).map_while(move |k| {
            let lo = k as u64 * stride;
            if lo >= len {
                return None;
            }
            let hi = if k + 1 == self.pieces {
                len
            } else {
                (lo + stride).min(len)
            };
            Some(Term {
                table: &self.entries[k * per_piece..(k + 1) * per_piece],
                window: self.params.window,
                exp,
                lo,
                hi,
            })
        })
    }
}

impl Modulus {
    /// `Π fixed_i.base^fexp_i · Π var_j^vexp_j mod m` in one Straus pass: tables for the
    /// long-lived bases, sliding windows for the others. Variable time: public exponents only.
    /// Fails when a table was built for another modulus.
    pub fn vartime_multi_pow_fixed(
        &self,
        fixed: &[(&FixedBaseTable, &BigUint)],
        var: &[(&BigUint, &BigUint)],
    ) -> Result<BigUint, ArithError> {
        if fixed.iter().any(|(table, _)| table.modulus != self.limbs) {
            return Err(ArithError::ModulusMismatch);
        }
        let fixed_exps: Vec<Vec<u64>> = fixed.iter().map(|(_, e)| e.to_u64_digits()).collect();
        let var_prepared: Vec<(Vec<u64>, u32, Vec<u64>)> = var
            .iter()
            .map(|(base, exp)| {
                let window = window_for_bits(exp.bits());
                (self.odd_powers(base, window), window, exp.to_u64_digits())
            })
            .collect();
        let mut terms: Vec<Term<'_>> = Vec::new();
        for ((table, _), exp) in fixed.iter().zip(&fixed_exps) {
            terms.extend(table.terms(exp));
        }
        for (table, window, exp) in &var_prepared {
            terms.push(Term {
                table,
                window: *window,
                exp,
                lo: 0,
                hi: bit_len(exp),
            });
        }
        Ok(self.out_of_mont(&self.straus(&terms)))
    }
}

#[cfg(test)]
mod tests {
    use num_traits::One;
    use proptest::prelude::*;

    use super::*;
    use crate::crypto::arith::random::random_bits;
    use crate::crypto::arith::test_numbers::{big, odd};

    proptest! {
        #[test]
        fn fixed_and_variable_bases_match_product(
            m in proptest::collection::vec(any::<u8>(), 1..140),
            fixed in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..150),
                 proptest::collection::vec(any::<u8>(), 0..200),
                 0u64..600, 1u32..9, 1u64..200), 0..4),
            var in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..150),
                 proptest::collection::vec(any::<u8>(), 0..200)), 0..3),
        ) {
            let m = odd(&m);
            let md = Modulus::new(&m).unwrap();
            let mut expected = BigUint::one() % &m;
            let mut tables = Vec::new();
            for (g, e, max_bits, window, stride) in &fixed {
                let (g, e) = (big(g), big(e));
                let table = FixedBaseTable::new(&md, &g, *max_bits, TableParams { window: *window, stride: *stride }).unwrap();
                expected = expected * g.modpow(&e, &m) % &m;
                tables.push((table, e));
            }
            let var: Vec<(BigUint, BigUint)> = var.iter().map(|(g, e)| (big(g), big(e))).collect();
            for (g, e) in &var {
                expected = expected * g.modpow(e, &m) % &m;
            }
            let fixed_refs: Vec<(&FixedBaseTable, &BigUint)> = tables.iter().map(|(t, e)| (t, e)).collect();
            let var_refs: Vec<(&BigUint, &BigUint)> = var.iter().map(|(g, e)| (g, e)).collect();
            prop_assert_eq!(md.vartime_multi_pow_fixed(&fixed_refs, &var_refs).unwrap(), expected);
        }
    }

    #[test]
    fn proof_shaped_product_at_2048_bits() {
        let mut m = random_bits(2048).unwrap();
        m.set_bit(2047, true);
        m.set_bit(0, true);
        let md = Modulus::new(&m).unwrap();
        let s = random_bits(2048).unwrap();
        let r = random_bits(2048).unwrap();
        let a = random_bits(2048).unwrap();
        let ts = FixedBaseTable::new(&md, &s, 3204, TableParams::default()).unwrap();
        let tr = FixedBaseTable::new(&md, &r, 640, TableParams::default()).unwrap();
        let (es, er, ea) = (
            random_bits(3204).unwrap(),
            random_bits(700).unwrap(),
            random_bits(504).unwrap(),
        );
        let expected = s.modpow(&es, &m) * r.modpow(&er, &m) % &m * a.modpow(&ea, &m) % &m;
        let got = md
            .vartime_multi_pow_fixed(&[(&ts, &es), (&tr, &er)], &[(&a, &ea)])
            .unwrap();
        assert_eq!(got, expected);
        assert_eq!(ts.memory_bytes(), 8 * (26 * 64 * 32 + 32));
    }

    #[test]
    fn rejects_other_modulus_and_bad_params() {
        let md = Modulus::new(&BigUint::from(1_000_003u32)).unwrap();
        let other = Modulus::new(&BigUint::from(1_000_033u32)).unwrap();
        let g = BigUint::from(5u8);
        let table = FixedBaseTable::new(&md, &g, 64, TableParams::default()).unwrap();
        assert_eq!(
            other.vartime_multi_pow_fixed(&[(&table, &g)], &[]),
            Err(ArithError::ModulusMismatch)
        );
        let bad = TableParams {
            window: 0,
            stride: 8,
        };
        assert!(matches!(
            FixedBaseTable::new(&md, &g, 64, bad),
            Err(ArithError::InvalidTableParams)
        ));
    }
}
