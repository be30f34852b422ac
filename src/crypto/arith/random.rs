//! Random numbers from the operating system's generator (`getrandom`).

use num_bigint::BigUint;

use super::ArithError;

/// A uniformly random integer in `[0, 2^bits)`.
pub fn random_bits(bits: u64) -> Result<BigUint, ArithError> {
    let Ok(len) = usize::try_from(bits.div_ceil(8)) else {
        return Err(ArithError::TooLarge { bits });
    };
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)?;
    let extra = (len as u64) * 8 - bits;
    if let Some(top) = bytes.last_mut() {
        *top &= 0xff >> extra;
    }
    Ok(BigUint::from_bytes_le(&bytes))
}

/// A uniformly random `u64`.
pub(super) fn random_u64() -> Result<u64, ArithError> {
    Ok(getrandom::u64()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bits_stays_in_range_and_varies() {
        for bits in [0u64, 1, 7, 8, 9, 645, 2048] {
            let a = random_bits(bits).unwrap();
            assert!(a.bits() <= bits);
        }
        // 2^-256 chance of a false failure.
        assert_ne!(random_bits(256).unwrap(), random_bits(256).unwrap());
    }
}
