//! Idemix system parameters: bit lengths chosen by the modulus size (`gabi:gabikeys/sysparams.go`).

/// The bit lengths of every quantity in the protocol, for one modulus size.
///
/// The base values come from gabi's table; the others are derived exactly as gabi does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemParameters {
    /// Bits of the prime part of `e`'s interval.
    pub le_prime: u32,
    /// Bits of a hash (the challenge).
    pub lh: u32,
    /// Bits of an attribute; longer attributes are hashed.
    pub lm: u32,
    /// Bits of the modulus.
    pub ln: u32,
    /// Statistical zero-knowledge security parameter.
    pub lstatzk: u32,
    /// Bits of `e`.
    pub le: u32,
    /// Bits of the randomizer of `e'`.
    pub le_commit: u32,
    /// Bits of an attribute randomizer.
    pub lm_commit: u32,
    /// Bits of the randomizer of `A`.
    pub lra: u32,
    /// Bits of the secret-key randomizer in a ProofU.
    pub ls_commit: u32,
    /// Bits of `v`.
    pub lv: u32,
    /// Bits of the randomizer of `v`.
    pub lv_commit: u32,
    /// Bits of the holder's share `v'`.
    pub lv_prime: u32,
    /// Bits of the randomizer of `v'`.
    pub lv_prime_commit: u32,
}

impl SystemParameters {
    const fn derive(lm: u32, ln: u32, lstatzk: u32) -> Self {
        let (le_prime, lh) = (120, 256);
        let lv = ln + 2 * lstatzk + lh + lm + 4;
        Self {
            le_prime,
            lh,
            lm,
            ln,
            lstatzk,
            le: lstatzk + lh + lm + 5,
            le_commit: le_prime + lstatzk + lh,
            lm_commit: lm + lstatzk + lh,
            lra: ln + lstatzk,
            ls_commit: lm + lstatzk + lh + 1,
            lv,
            lv_commit: lv + lstatzk + lh,
            lv_prime: ln + lstatzk,
            lv_prime_commit: ln + 2 * lstatzk + lh,
        }
    }

    /// Parameters for 1024-bit moduli.
    pub const L1024: Self = Self::derive(256, 1024, 80);
    /// Parameters for 2048-bit moduli.
    pub const L2048: Self = Self::derive(256, 2048, 128);
    /// Parameters for 4096-bit moduli.
    pub const L4096: Self = Self::derive(512, 4096, 128);

    /// The parameters for a modulus of exactly `bits` bits: 1024, 2048 or 4096.
    pub fn for_modulus_bits(bits: u64) -> Option<&'static Self> {
        match bits {
            1024 => Some(&Self::L1024),
            2048 => Some(&Self::L2048),
            4096 => Some(&Self::L4096),
            _ => None,
        }
    }
}

/// Bits of the holder's secret key and of the keyshare secret: `Lm(1024) − 1`, so one secret
/// fits every key size (`gabi:credential.go` `GenerateSecretAttribute`).
pub const SECRET_KEY_BITS: u32 = SystemParameters::L1024.lm - 1;

/// Bits of the secret-key randomizer shared by all proofs of one list: `LmCommit(1024)`
/// (`gabi:prooflist.go` `NewProofRandomizers`).
pub const SECRET_KEY_RANDOMIZER_BITS: u32 = SystemParameters::L1024.lm_commit;

/// Bits of the session nonce and of `n_2`: `Lstatzk(2048)` (`gabi:proofs.go` `GenerateNonce`).
pub const NONCE_BITS: u32 = SystemParameters::L2048.lstatzk;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_table() {
        let rows = [
            (1024, [597, 456, 592, 1104, 593, 1700, 2036, 1104, 1440]),
            (2048, [645, 504, 640, 2176, 641, 2820, 3204, 2176, 2560]),
            (4096, [901, 504, 896, 4224, 897, 5124, 5508, 4224, 4608]),
        ];
        for (bits, expected) in rows {
            let p = SystemParameters::for_modulus_bits(bits).unwrap();
            let got = [
                p.le,
                p.le_commit,
                p.lm_commit,
                p.lra,
                p.ls_commit,
                p.lv,
                p.lv_commit,
                p.lv_prime,
                p.lv_prime_commit,
            ];
            assert_eq!(got, expected, "{bits}");
        }
        assert!(SystemParameters::for_modulus_bits(3072).is_none());
        assert_eq!(SECRET_KEY_BITS, 255);
    }
}
