//! Exponentiation modulo `N = p·q` with the factors known (the issuer's signing exponent), by the
//! Chinese remainder theorem: two half-size exponentiations with half-size exponents.

use num_bigint::BigUint;

use super::ArithError;
use super::montgomery::Modulus;

/// `N = p·q` for distinct odd primes `p`, `q`, with what CRT exponentiation needs. Secret: its
/// `Debug` shows only sizes and the Montgomery limbs are zeroized on drop; the num-bigint copies
/// (`p − 1`, `q − 1`, `q⁻¹ mod p`, and those inside [`Modulus`]) cannot be, num-bigint has no
/// zeroizing API.
#[derive(Clone)]
pub struct CrtModulus {
    p: Modulus,
    q: Modulus,
    /// `q⁻¹ mod p`.
    q_inv: BigUint,
    p_minus_1: BigUint,
    q_minus_1: BigUint,
}

crate::debug_fields!(CrtModulus { p, q });

impl CrtModulus {
    /// Prepares CRT exponentiation for `N = p·q`. `p` and `q` must be odd, greater than one and
    /// coprime (the caller vouches for primality: exponents are reduced modulo `p−1`, `q−1`).
    pub fn new(p: &BigUint, q: &BigUint) -> Result<Self, ArithError> {
        let pm = Modulus::new(p)?;
        let qm = Modulus::new(q)?;
        let q_inv = pm.inverse(q).ok_or(ArithError::FactorsNotCoprime)?;
        Ok(CrtModulus {
            p: pm,
            q: qm,
            q_inv,
            p_minus_1: p - 1u8,
            q_minus_1: q - 1u8,
        })
    }

    /// `N = p·q`.
    pub fn value(&self) -> BigUint {
        self.p.value() * self.q.value()
    }

    /// `x^d mod N` for a secret `d`, with [`Modulus::pow`] (regular) modulo each factor.
    /// Requires `gcd(x, N) = 1` or `x ≡ 0 (mod N)`, as any input of a CL signature has.
    pub fn pow(&self, x: &BigUint, d: &BigUint) -> BigUint {
        let dp = d % &self.p_minus_1;
        let dq = d % &self.q_minus_1;
        let xp = self.p.pow(x, &dp);
        let xq = self.q.pow(x, &dq);
        self.combine(xp, xq)
    }

    /// The `y mod N` with `y ≡ yp (mod p)` and `y ≡ yq (mod q)` (Garner): `yq + h·q` with
    /// `h = (yp − yq)·q⁻¹ mod p`.
    fn combine(&self, yp: BigUint, yq: BigUint) -> BigUint {
        let p = self.p.value();
        let diff = (yp + p - (&yq % p)) % p;
        let h = self.p.mul(&diff, &self.q_inv);
        yq + h * self.q.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::arith::random_bits;

    #[test]
    fn matches_modpow_with_small_primes() {
        let (p, q) = (BigUint::from(1_000_003u32), BigUint::from(999_983u32));
        let crt = CrtModulus::new(&p, &q).unwrap();
        let n = crt.value();
        for x in [0u64, 1, 2, 12345, 999_999_999_000] {
            for d in [0u64, 1, 65537, u64::MAX] {
                let (x, d) = (BigUint::from(x), BigUint::from(d));
                assert_eq!(crt.pow(&x, &d), x.modpow(&d, &n), "{x}^{d}");
            }
        }
        assert_eq!(
            format!("{crt:?}"),
            "CrtModulus { p: Modulus { bits: 20, .. }, q: Modulus { bits: 20, .. }, .. }"
        );
    }

    #[test]
    fn matches_modpow_with_the_real_2048_bit_key() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = dir.join("tests/data/vectors/issuer-keygen/2048/PrivateKeys/0.xml");
        let xml = std::fs::read_to_string(path).unwrap();
        let element = |tag: &str| -> BigUint {
            let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
            let end = start + xml[start..].find('<').unwrap();
            xml[start..end].trim().parse().unwrap()
        };
        let (p, q) = (element("p"), element("q"));
        assert!(crate::crypto::arith::is_probable_safe_prime(&p));
        assert!(crate::crypto::arith::is_probable_safe_prime(&q));
        let crt = CrtModulus::new(&p, &q).unwrap();
        let n = &p * &q;
        let x = random_bits(2047).unwrap();
        for d in [
            random_bits(2046).unwrap(),
            random_bits(3000).unwrap(),
            BigUint::from(3u8),
        ] {
            assert_eq!(crt.pow(&x, &d), x.modpow(&d, &n));
        }
    }

    #[test]
    fn rejects_shared_factor() {
        let p = BigUint::from(1_000_003u32);
        assert!(matches!(
            CrtModulus::new(&p, &p),
            Err(ArithError::FactorsNotCoprime)
        ));
    }
}
