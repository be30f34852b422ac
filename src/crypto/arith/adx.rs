//! The Montgomery multiplication kernel with the x86-64 `mulx`, `adcx` and `adox` instructions
//! (BMI2 and ADX), about twice the speed of the portable kernel in `montgomery.rs`.
//!
//! Each row `t[i..] += k·b` runs two independent carry chains (`adcx` on the carry flag for the
//! product halves, `adox` on the overflow flag for the accumulator), fully unrolled for the limb
//! counts of real keys and of their CRT factors. The instruction sequence depends only on the
//! limb count: like the portable kernel it is regular, so [`super::Modulus::pow`] stays so.

use std::arch::asm;

use super::montgomery::final_sub;

/// Whether this CPU has the instructions (checked once by the standard library, then cached).
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
}

/// Whether [`mont_mul`] has an unrolled kernel for moduli of `limbs` limbs: 512, 640, 704,
/// 1024, 2048 and 4096 bits (key moduli, their CRT factors and the issuer's prime `e`).
pub(super) fn supports(limbs: usize) -> bool {
    matches!(limbs, 8 | 10 | 11 | 16 | 32 | 64)
}

/// `out = a·b·R⁻¹ mod m` for `a, b < m`; `t` holds at least `2·limbs + 2` words; `out` must not
/// alias `a` or `b`.
///
/// # Safety
/// The CPU must have BMI2 and ADX ([`available`]), and `m.len()` must be [`supports`]ed.
pub(super) unsafe fn mont_mul(
    m: &[u64],
    m0inv: u64,
    a: &[u64],
    b: &[u64],
    out: &mut [u64],
    t: &mut [u64],
) {
    // SAFETY: the caller guarantees the CPU features; each arm's length is the kernel's `N`.
    unsafe {
        match m.len() {
            8 => mul::<8>(m, m0inv, a, b, out, t),
            10 => mul::<10>(m, m0inv, a, b, out, t),
            11 => mul::<11>(m, m0inv, a, b, out, t),
            16 => mul::<16>(m, m0inv, a, b, out, t),
            32 => mul::<32>(m, m0inv, a, b, out, t),
            64 => mul::<64>(m, m0inv, a, b, out, t),
            _ => unreachable!("unsupported limb count: the caller checks `supports`"),
        }
    }
}

/// Interleaved (row by row) Montgomery multiplication: for each limb `a_i`, `t[i..] += a_i·b`,
/// then `t[i..] += u·m` with `u = t[i]·(−m⁻¹) mod 2^64`, which clears `t[i]`. The result
/// (`< 2m`) is `t[N..=2N]`.
#[target_feature(enable = "bmi2,adx")]
unsafe fn mul<const N: usize>(
    m: &[u64],
    m0inv: u64,
    a: &[u64],
    b: &[u64],
    out: &mut [u64],
    t: &mut [u64],
) {
    let (m, a, b, out) = (&m[..N], &a[..N], &b[..N], &mut out[..N]);
    let t = &mut t[..2 * N + 2];
    t.fill(0);
    let tp = t.as_mut_ptr();
    for (i, &ai) in a.iter().enumerate() {
        // SAFETY: row `i` touches `t[i..i + N + 2]`, inside `t` for `i < N`; `b` and `m` hold
        // `N` words; the features are enabled on this function.
        unsafe {
            add_mul_row::<N>(tp.add(i), b.as_ptr(), ai);
            let u = (*tp.add(i)).wrapping_mul(m0inv);
            add_mul_row::<N>(tp.add(i), m.as_ptr(), u);
        }
    }
    final_sub(m, &t[N..=2 * N], out);
}

/// `t[0..N+2] += k·b[0..N]` where `t[N+1]` is small enough to take the final carry (it is at
/// most 2 in [`mul`]).
///
/// # Safety
/// BMI2 and ADX present; `t` valid for `N + 2` words, `b` for `N` words.
#[inline(always)]
unsafe fn add_mul_row<const N: usize>(t: *mut u64, b: *const u64, k: u64) {
    // SAFETY: the caller guarantees the features and the extent of both buffers.
    unsafe {
        asm!(
            // Clears both the carry and the overflow flag.
            "xor {c:e}, {c:e}",
            ".set irma_adx_off, 0",
            ".rept {n}",
            "mulx {hi}, {lo}, qword ptr [{b} + irma_adx_off]",
            "adcx {lo}, {c}",
            "adox {lo}, qword ptr [{t} + irma_adx_off]",
            "mov qword ptr [{t} + irma_adx_off], {lo}",
            "mov {c}, {hi}",
            ".set irma_adx_off, irma_adx_off + 8",
            ".endr",
            // The last high word plus both pending carries cannot overflow.
            "mov {lo:e}, 0",
            "adcx {c}, {lo}",
            "adox {c}, {lo}",
            "add qword ptr [{t} + 8*{n}], {c}",
            "adc qword ptr [{t} + 8*{n} + 8], 0",
            n = const N,
            b = in(reg) b,
            t = in(reg) t,
            in("rdx") k,
            c = out(reg) _,
            hi = out(reg) _,
            lo = out(reg) _,
            options(nostack),
        );
    }
}

#[cfg(test)]
mod tests {
    use num_bigint::BigUint;
    use num_traits::One;
    use proptest::prelude::*;

    use super::super::montgomery::Modulus;
    use crate::crypto::arith::test_numbers::odd;

    const SIZES: [usize; 6] = [8, 10, 11, 16, 32, 64];

    proptest! {
        /// The unrolled kernels for every supported size agree with num-bigint (through
        /// `Modulus::mul`, which picks this kernel on a CPU with BMI2 and ADX).
        #[test]
        fn every_size_matches_num_bigint(
            size in prop::sample::select(SIZES.to_vec()),
            m in proptest::collection::vec(any::<u8>(), 512),
            a in proptest::collection::vec(any::<u8>(), 520),
            b in proptest::collection::vec(any::<u8>(), 520),
        ) {
            let mut m = odd(&m[..8 * size]);
            m.set_bit(64 * size as u64 - 1, true);
            let md = Modulus::new(&m).unwrap();
            prop_assert_eq!(md.len(), size);
            let a = BigUint::from_bytes_le(&a[..8 * size + 8]);
            let b = BigUint::from_bytes_le(&b[..8 * size]);
            prop_assert_eq!(md.mul(&a, &b), (&a * &b) % &m);
        }
    }

    /// All-ones moduli and operands `m − 1`: every carry chain runs full length.
    #[test]
    fn longest_carries() {
        for size in SIZES {
            let m = (BigUint::one() << (64 * size)) - 1u8;
            let md = Modulus::new(&m).unwrap();
            let top = &m - 1u8;
            for (a, b) in [(&top, &top), (&top, &m), (&BigUint::one(), &top)] {
                assert_eq!(md.mul(a, b), (a * b) % &m);
            }
        }
    }
}
