//! Montgomery arithmetic over an odd runtime modulus: the [`Modulus`] type and its limb kernels.
//!
//! Elements live as little-endian `u64` limb vectors of exactly the modulus' length, in Montgomery
//! form `x·R mod m` with `R = 2^(64·limbs)`, always fully reduced (`< m`). Every kernel ends with a
//! branch-free conditional subtraction, so one multiplication takes the same instruction sequence for
//! every input of a given modulus size; that is what the regular [`Modulus::pow`] builds on.

use num_bigint::BigUint;
use num_traits::One;
use zeroize::Zeroize;

use super::ArithError;

/// An odd modulus `m > 1` with its Montgomery constants, ready for repeated arithmetic.
///
/// Building one costs a division (for `R² mod m`); keep it alongside the key it belongs to.
/// Two `Modulus` values are equal when their moduli are.
#[derive(Clone, PartialEq, Eq)]
pub struct Modulus {
    /// The modulus, little-endian limbs, top limb non-zero.
    pub(super) limbs: Vec<u64>,
    /// `-m⁻¹ mod 2^64`.
    m0inv: u64,
    /// `R mod m`: one in Montgomery form.
    pub(super) one: Vec<u64>,
    /// `R² mod m`: converts into Montgomery form with one multiplication.
    r2: Vec<u64>,
    /// The modulus as a `BigUint`, for the few operations done with num-bigint.
    value: BigUint,
    /// Whether the `mulx`/`adx` kernel (`super::adx`) runs this modulus: the CPU has the
    /// instructions and the limb count has an unrolled kernel.
    adx: bool,
}

impl std::fmt::Debug for Modulus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A modulus may be a secret prime factor (see `CrtModulus`): print only its size.
        f.debug_struct("Modulus")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl Drop for Modulus {
    fn drop(&mut self) {
        self.limbs.zeroize();
        self.one.zeroize();
        self.r2.zeroize();
    }
}

impl Modulus {
    /// Prepares `m` for Montgomery arithmetic; `m` must be odd and greater than one.
    pub fn new(m: &BigUint) -> Result<Self, ArithError> {
        if !m.bit(0) || m.is_one() {
            return Err(ArithError::InvalidModulus);
        }
        let limbs = m.to_u64_digits();
        let n = limbs.len();
        let m0inv = neg_inverse_u64(limbs[0]);
        let r_mod = (BigUint::one() << (64 * n)) % m;
        let r2_mod = (BigUint::one() << (128 * n)) % m;
        Ok(Modulus {
            one: to_limbs(&r_mod, n),
            r2: to_limbs(&r2_mod, n),
            limbs,
            m0inv,
            value: m.clone(),
            adx: adx_kernel(n),
        })
    }

    /// The modulus.
    pub fn value(&self) -> &BigUint {
        &self.value
    }

    /// Size of the modulus in bits.
    pub fn bits(&self) -> u64 {
        self.value.bits()
    }

    /// Number of 64-bit limbs of one element.
    pub(super) fn len(&self) -> usize {
        self.limbs.len()
    }

    /// `a·b mod m`.
    pub fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        let a = self.to_mont(a);
        let b = self.to_mont(b);
        let mut t = self.scratch();
        let mut out = vec![0; self.len()];
        self.mont_mul(&a, &b, &mut out, &mut t);
        self.out_of_mont(&out)
    }

    /// `a⁻¹ mod m`, or `None` when `gcd(a, m) ≠ 1`. Variable time (Lehmer's extended Euclid).
    pub fn inverse(&self, a: &BigUint) -> Option<BigUint> {
        super::inverse::mod_inverse(a, &self.value)
    }

    /// Scratch space for the kernels: `2·limbs + 2` words.
    pub(super) fn scratch(&self) -> Vec<u64> {
        vec![0; 2 * self.len() + 2]
    }

    /// Converts `x` (any size) into Montgomery form.
    pub(super) fn to_mont(&self, x: &BigUint) -> Vec<u64> {
        let reduced;
        let x = if x < &self.value {
            x
        } else {
            reduced = x % &self.value;
            &reduced
        };
        let x = to_limbs(x, self.len());
        let mut out = vec![0; self.len()];
        let mut t = self.scratch();
        self.mont_mul(&x, &self.r2, &mut out, &mut t);
        out
    }

    /// Converts a Montgomery-form element back to a `BigUint`.
    pub(super) fn out_of_mont(&self, x: &[u64]) -> BigUint {
        let mut unit = vec![0; self.len()];
        unit[0] = 1;
        let mut out = vec![0; self.len()];
        let mut t = self.scratch();
        self.mont_mul(x, &unit, &mut out, &mut t);
        from_limbs(&out)
    }

    /// `out = a·b·R⁻¹ mod m`. `a`, `b` must be `< m`; `t` is scratch from [`Self::scratch`];
    /// `out` must not alias `a` or `b`.
    pub(super) fn mont_mul(&self, a: &[u64], b: &[u64], out: &mut [u64], t: &mut [u64]) {
        #[cfg(target_arch = "x86_64")]
        if self.adx {
            // SAFETY: `adx` is set only when the CPU has BMI2 and ADX and the size is supported.
            unsafe { super::adx::mont_mul(&self.limbs, self.m0inv, a, b, out, t) };
            return;
        }
        // Common sizes get a copy of the kernel with a constant length (unrolled, no bounds checks).
        match self.len() {
            16 => mul_kernel::<16>(&self.limbs, self.m0inv, a, b, out, t),
            32 => mul_kernel::<32>(&self.limbs, self.m0inv, a, b, out, t),
            10 => mul_kernel::<10>(&self.limbs, self.m0inv, a, b, out, t),
            11 => mul_kernel::<11>(&self.limbs, self.m0inv, a, b, out, t),
            64 => mul_kernel::<64>(&self.limbs, self.m0inv, a, b, out, t),
            _ => mul_kernel::<0>(&self.limbs, self.m0inv, a, b, out, t),
        }
    }

    /// `out = a²·R⁻¹ mod m`. The portable kernel computes each cross product once; with the
    /// `mulx`/`adx` kernel a plain multiplication is faster than that.
    pub(super) fn mont_sqr(&self, a: &[u64], out: &mut [u64], t: &mut [u64]) {
        if self.adx {
            self.mont_mul(a, a, out, t);
            return;
        }
        match self.len() {
            16 => sqr_kernel::<16>(&self.limbs, self.m0inv, a, out, t),
            32 => sqr_kernel::<32>(&self.limbs, self.m0inv, a, out, t),
            10 => sqr_kernel::<10>(&self.limbs, self.m0inv, a, out, t),
            11 => sqr_kernel::<11>(&self.limbs, self.m0inv, a, out, t),
            64 => sqr_kernel::<64>(&self.limbs, self.m0inv, a, out, t),
            _ => sqr_kernel::<0>(&self.limbs, self.m0inv, a, out, t),
        }
    }

    /// `out = a + b mod m` for `a, b < m`; `t` is scratch from [`Self::scratch`].
    pub(super) fn add_mod(&self, a: &[u64], b: &[u64], out: &mut [u64], t: &mut [u64]) {
        let n = self.len();
        let mut carry = 0u64;
        for ((w, &x), &y) in t[..n].iter_mut().zip(a).zip(b) {
            let s = x as u128 + y as u128 + carry as u128;
            *w = s as u64;
            carry = (s >> 64) as u64;
        }
        t[n] = carry;
        final_sub(&self.limbs, &t[..n + 1], out);
    }

    /// `out = a − b mod m` for `a, b < m` (in or out of Montgomery form alike).
    pub(super) fn sub_mod(&self, a: &[u64], b: &[u64], out: &mut [u64]) {
        let mut borrow = 0u64;
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            let (d, b1) = x.overflowing_sub(y);
            let (d, b2) = d.overflowing_sub(borrow);
            *o = d;
            borrow = (b1 | b2) as u64;
        }
        let mask = borrow.wrapping_neg();
        let mut carry = 0u64;
        for (o, &m) in out.iter_mut().zip(&self.limbs) {
            let s = *o as u128 + (m & mask) as u128 + carry as u128;
            *o = s as u64;
            carry = (s >> 64) as u64;
        }
    }
}

/// Whether moduli of `limbs` limbs run on the `mulx`/`adx` kernel on this CPU.
fn adx_kernel(limbs: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::adx::supports(limbs) && super::adx::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = limbs;
        false
    }
}

/// The Montgomery multiplication kernel (coarsely integrated operand scanning) for modulus `m`
/// of `N` limbs (`N = 0`: the length of `m`, not known at compile time).
#[inline(always)]
fn mul_kernel<const N: usize>(
    m: &[u64],
    m0inv: u64,
    a: &[u64],
    b: &[u64],
    out: &mut [u64],
    t: &mut [u64],
) {
    let n = if N == 0 { m.len() } else { N };
    let (m, a, b, out) = (&m[..n], &a[..n], &b[..n], &mut out[..n]);
    let t = &mut t[..n + 1];
    t.fill(0);
    for &ai in a {
        let (lo, mut c1) = mac(t[0], ai, b[0], 0);
        let u = lo.wrapping_mul(m0inv);
        let (_, mut c2) = mac(lo, u, m[0], 0);
        for j in 1..n {
            let (x, c1n) = mac(t[j], ai, b[j], c1);
            let (y, c2n) = mac(x, u, m[j], c2);
            t[j - 1] = y;
            c1 = c1n;
            c2 = c2n;
        }
        let s = t[n] as u128 + c1 as u128 + c2 as u128;
        t[n - 1] = s as u64;
        t[n] = (s >> 64) as u64;
    }
    final_sub(m, t, out);
}

/// The Montgomery squaring kernel: the square with each cross product computed once, then a
/// separate reduction. `N` as in [`mul_kernel`].
#[inline(always)]
fn sqr_kernel<const N: usize>(m: &[u64], m0inv: u64, a: &[u64], out: &mut [u64], t: &mut [u64]) {
    let n = if N == 0 { m.len() } else { N };
    let (m, a, out) = (&m[..n], &a[..n], &mut out[..n]);
    let t = &mut t[..2 * n + 1];
    t.fill(0);
    // Cross products a_i·a_j, i < j.
    for i in 0..n {
        let ai = a[i];
        let mut c = 0;
        for j in i + 1..n {
            let (x, cn) = mac(t[i + j], ai, a[j], c);
            t[i + j] = x;
            c = cn;
        }
        t[i + n] = c;
    }
    // Double them and add the squares a_i².
    let mut top = 0u64;
    for word in t[..2 * n].iter_mut() {
        let x = *word;
        *word = (x << 1) | top;
        top = x >> 63;
    }
    let mut c = 0u64;
    for i in 0..n {
        let sq = a[i] as u128 * a[i] as u128;
        let lo = t[2 * i] as u128 + (sq as u64) as u128 + c as u128;
        t[2 * i] = lo as u64;
        let hi = t[2 * i + 1] as u128 + (sq >> 64) + (lo >> 64);
        t[2 * i + 1] = hi as u64;
        c = (hi >> 64) as u64;
    }
    // Montgomery reduction of the 2n-limb square, one limb at a time; the result (< 2m) is
    // t[n..=2n].
    let mut carry_top = 0u64;
    for i in 0..n {
        let u = t[i].wrapping_mul(m0inv);
        let mut c = 0u64;
        for j in 0..n {
            let (x, cn) = mac(t[i + j], u, m[j], c);
            t[i + j] = x;
            c = cn;
        }
        let s = t[i + n] as u128 + c as u128 + carry_top as u128;
        t[i + n] = s as u64;
        carry_top = (s >> 64) as u64;
    }
    t[2 * n] = carry_top;
    final_sub(m, &t[n..], out);
}

/// `out = t mod m` for `t < 2m` given as `limbs + 1` words, without a data-dependent branch.
#[inline(always)]
pub(super) fn final_sub(m: &[u64], t: &[u64], out: &mut [u64]) {
    let n = m.len();
    let mut borrow = 0u64;
    for ((o, &x), &mj) in out.iter_mut().zip(&t[..n]).zip(m) {
        let (d, b1) = x.overflowing_sub(mj);
        let (d, b2) = d.overflowing_sub(borrow);
        *o = d;
        borrow = (b1 | b2) as u64;
    }
    // Keep t when it is below m: the subtraction borrowed past the top word.
    let (_, under) = t[n].overflowing_sub(borrow);
    let keep = (under as u64).wrapping_neg();
    for (o, &x) in out.iter_mut().zip(&t[..n]) {
        *o = (x & keep) | (*o & !keep);
    }
}

/// `a + b·c + carry` as (low word, high word); cannot overflow 128 bits.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let r = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (r as u64, (r >> 64) as u64)
}

/// `-x⁻¹ mod 2^64` for odd `x`, by Newton iteration.
fn neg_inverse_u64(x: u64) -> u64 {
    let mut inv = 1u64;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// `x` as exactly `n` little-endian limbs; `x` must fit.
pub(super) fn to_limbs(x: &BigUint, n: usize) -> Vec<u64> {
    let mut v = x.to_u64_digits();
    v.resize(n, 0);
    v
}

/// A `BigUint` from little-endian limbs.
pub(super) fn from_limbs(limbs: &[u64]) -> BigUint {
    let mut words = Vec::with_capacity(2 * limbs.len());
    for &l in limbs {
        words.push(l as u32);
        words.push((l >> 32) as u32);
    }
    BigUint::new(words)
}

#[cfg(test)]
mod tests {
    use num_traits::Zero;

    use super::*;
    use proptest::prelude::*;

    use crate::crypto::arith::random::random_bits;
    use crate::crypto::arith::test_numbers::odd;

    /// The `mulx`/`adx` kernel runs every key-sized modulus exactly when the CPU has BMI2 and
    /// ADX, read from `/proc/cpuinfo` independently of the run-time detection: a build or a
    /// detection change that silently falls back to the portable kernel (half the speed)
    /// fails here.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn adx_kernel_selected_when_the_cpu_has_it() {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        let flags: Vec<&str> = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("flags"))
            .expect("a flags line")
            .split_whitespace()
            .collect();
        let expected = flags.contains(&"bmi2") && flags.contains(&"adx");
        for bits in [512, 640, 704, 1024, 2048, 4096] {
            let m = (BigUint::from(1u8) << (bits - 1)) + 1u8;
            assert_eq!(Modulus::new(&m).unwrap().adx, expected, "{bits} bits");
        }
        let unsupported = (BigUint::from(1u8) << 3000) + 1u8;
        assert!(!Modulus::new(&unsupported).unwrap().adx);
    }

    proptest! {
        #[test]
        fn mul_matches_num_bigint(
            m in proptest::collection::vec(any::<u8>(), 1..300),
            a in proptest::collection::vec(any::<u8>(), 0..320),
            b in proptest::collection::vec(any::<u8>(), 0..320),
        ) {
            let m = odd(&m);
            let md = Modulus::new(&m).unwrap();
            let a = BigUint::from_bytes_le(&a);
            let b = BigUint::from_bytes_le(&b);
            prop_assert_eq!(md.mul(&a, &b), (&a * &b) % &m);
        }

        #[test]
        fn square_matches_multiply(
            m in proptest::collection::vec(any::<u8>(), 1..300),
            a in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let m = odd(&m);
            let md = Modulus::new(&m).unwrap();
            let a = md.to_mont(&BigUint::from_bytes_le(&a));
            let mut t = md.scratch();
            let mut s1 = vec![0; md.len()];
            let mut s2 = vec![0; md.len()];
            md.mont_sqr(&a, &mut s1, &mut t);
            md.mont_mul(&a, &a, &mut s2, &mut t);
            prop_assert_eq!(s1, s2);
        }

        #[test]
        fn inverse_matches_num_bigint(
            m in proptest::collection::vec(any::<u8>(), 1..300),
            a in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let m = odd(&m);
            let md = Modulus::new(&m).unwrap();
            let a = BigUint::from_bytes_le(&a);
            let inv = md.inverse(&a);
            prop_assert_eq!(&inv, &(&a % &m).modinv(&m));
            if let Some(inv) = inv {
                prop_assert_eq!(md.mul(&a, &inv), BigUint::one() % &m);
            }
        }
    }

    #[test]
    fn edge_values_multiply() {
        for bits in [64u64, 1024, 2048, 4096] {
            let mut m = random_bits(bits).unwrap();
            m.set_bit(bits - 1, true);
            m.set_bit(0, true);
            let md = Modulus::new(&m).unwrap();
            let top = &m - 1u8;
            for a in [
                BigUint::zero(),
                BigUint::one(),
                top.clone(),
                m.clone(),
                &m + 5u8,
            ] {
                for b in [BigUint::zero(), top.clone(), &m * 3u8 + 1u8] {
                    assert_eq!(md.mul(&a, &b), (&a * &b) % &m);
                }
            }
        }
    }

    #[test]
    fn rejects_even_and_one() {
        assert_eq!(
            Modulus::new(&BigUint::from(10u8)),
            Err(ArithError::InvalidModulus)
        );
        assert_eq!(
            Modulus::new(&BigUint::one()),
            Err(ArithError::InvalidModulus)
        );
        assert_eq!(
            Modulus::new(&BigUint::zero()),
            Err(ArithError::InvalidModulus)
        );
    }

    #[test]
    fn debug_hides_value() {
        let md = Modulus::new(&BigUint::from(1_000_003u32)).unwrap();
        assert_eq!(format!("{md:?}"), "Modulus { bits: 20, .. }");
    }
}
