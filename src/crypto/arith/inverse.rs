//! Modular inversion by Lehmer's extended Euclid: most quotient steps run on the leading 64 bits
//! of the operands in machine words, and the big numbers are updated once per batch (num-bigint's
//! `modinv` divides the big numbers at every step, some twenty times slower at 2048 bits).

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// `x⁻¹ mod m` for `m > 1`, or `None` when `gcd(x, m) ≠ 1`. Variable time.
pub(super) fn mod_inverse(x: &BigUint, m: &BigUint) -> Option<BigUint> {
    if m <= &BigUint::one() {
        return None;
    }
    // Invariants: a ≡ ua·x and b ≡ ub·x (mod m), a ≥ b ≥ 0.
    let mut a = BigInt::from(m.clone());
    let mut b = BigInt::from(x % m);
    let mut ua = BigInt::zero();
    let mut ub = BigInt::one();
    while !b.is_zero() {
        if a.bits() <= 64 || !lehmer_step(&mut a, &mut b, &mut ua, &mut ub) {
            // One full division step.
            let (q, r) = a.div_rem(&b);
            let next_u = &ua - &q * &ub;
            a = std::mem::replace(&mut b, r);
            ua = std::mem::replace(&mut ub, next_u);
        }
    }
    if !a.is_one() {
        return None;
    }
    // `mod_floor` by a positive modulus is never negative, so this is always `Some`.
    ua.mod_floor(&BigInt::from(m.clone())).to_biguint()
}

/// One batch of Euclid steps computed on the leading 64 bits; returns `false` (changing nothing)
/// when it cannot make progress, so the caller does a full division instead.
fn lehmer_step(a: &mut BigInt, b: &mut BigInt, ua: &mut BigInt, ub: &mut BigInt) -> bool {
    let shift = a.bits() - 64;
    let top = |v: &BigInt| -> i128 {
        let digits = (v >> shift).to_u64_digits().1;
        digits.first().copied().unwrap_or(0) as i128
    };
    let (mut ah, mut bh) = (top(a), top(b));
    // Cofactors of the leading digits (Knuth, TAOCP 4.5.2 Algorithm L).
    let (mut ca, mut cb, mut cc, mut cd) = (1i128, 0i128, 0i128, 1i128);
    loop {
        if bh + cc == 0 || bh + cd == 0 {
            break;
        }
        let q = (ah + ca) / (bh + cc);
        if q != (ah + cb) / (bh + cd) {
            break;
        }
        (ca, cc) = (cc, ca - q * cc);
        (cb, cd) = (cd, cb - q * cd);
        (ah, bh) = (bh, ah - q * bh);
    }
    if cb == 0 {
        return false;
    }
    let (ca, cb, cc, cd) = (
        BigInt::from(ca),
        BigInt::from(cb),
        BigInt::from(cc),
        BigInt::from(cd),
    );
    let na = &ca * &*a + &cb * &*b;
    let nb = &cc * &*a + &cd * &*b;
    // The leading-digit test guarantees this; checking keeps a mistake from costing correctness.
    if na.sign() == Sign::Minus || nb.is_negative() || nb > na {
        return false;
    }
    let nua = &ca * &*ua + &cb * &*ub;
    let nub = &cc * &*ua + &cd * &*ub;
    (*a, *b, *ua, *ub) = (na, nb, nua, nub);
    true
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::crypto::arith::random::random_bits;

    proptest! {
        #[test]
        fn matches_num_bigint(
            m in proptest::collection::vec(any::<u8>(), 1..300),
            x in proptest::collection::vec(any::<u8>(), 0..320),
        ) {
            let m = BigUint::from_bytes_le(&m);
            let x = BigUint::from_bytes_le(&x);
            let expected = if m > BigUint::one() { (&x % &m).modinv(&m) } else { None };
            prop_assert_eq!(mod_inverse(&x, &m), expected);
        }
    }

    #[test]
    fn inverts_at_real_sizes() {
        for bits in [1024u64, 2048, 4096] {
            let mut m = random_bits(bits).unwrap();
            m.set_bit(0, true);
            for x in [
                random_bits(bits).unwrap(),
                random_bits(bits + 64).unwrap(),
                &m - 1u8,
            ] {
                assert_eq!(mod_inverse(&x, &m), (&x % &m).modinv(&m));
            }
            assert_eq!(mod_inverse(&BigUint::zero(), &m), None);
            assert_eq!(mod_inverse(&(&m * 3u8), &m), None);
        }
    }
}
