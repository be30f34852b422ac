//! Issuer key generation (`gabi:gabikeys/keys.go` `GenerateKeyPair`).

use num_bigint::BigUint;
use num_traits::One;
use p256::elliptic_curve::Generate;
use p256::pkcs8::EncodePublicKey;
use zeroize::Zeroizing;

use super::Error;
use super::keys::{DEFAULT_EPOCH_LENGTH, IssuerKeyError, PrivateKey, PublicKey, PublicKeyParts};
use super::math;
use super::params::SystemParameters;
use crate::crypto::arith::Modulus;

/// Generates an issuer key pair with `num_attributes` bases `R_0…` (the secret key and the
/// metadata attribute included), always with revocation material (G, H, a P-256 key), like
/// `irma scheme issuer keygen`.
///
/// `p` and `q` are safe primes of `Ln/2` bits with `pq` of exactly `Ln` bits,
/// `p ≢ q (mod 8)` and `p', q' ≢ 1 (mod 8)`; `S` is a random quadratic residue; `Z` and each
/// `R_i` are `S^x` for random `x`.
pub fn generate_key_pair(
    params: &SystemParameters,
    num_attributes: usize,
    counter: u32,
    expiry_date: i64,
) -> Result<(PrivateKey, PublicKey), Error> {
    let (p, q) = safe_prime_pair(params)?;
    let n = &p * &q;
    let modulus = Modulus::new(&n).map_err(|_| IssuerKeyError::EvenModulus)?;

    let s = loop {
        let s = math::random_bits(params.ln)?;
        if s <= n && math::jacobi(&s, &p) == 1 && math::jacobi(&s, &q) == 1 {
            break s;
        }
    };
    let power_of_s = || -> Result<BigUint, Error> {
        let two = BigUint::from(2u8);
        loop {
            let x = math::random_bits(params.ln / 2)?;
            if x > two && x < n {
                return Ok(math::pow_secret(&modulus, &[(&s, &x)]));
            }
        }
    };
    let z = power_of_s()?;
    let r = (0..num_attributes)
        .map(|_| power_of_s())
        .collect::<Result<Vec<_>, _>>()?;

    let (ecdsa_private, ecdsa_public) = ecdsa_key_pair()?;
    let g = math::random_qr(&n)?;
    let h = math::random_qr(&n)?;

    let sk = PrivateKey::new(p, q, Some(ecdsa_private), counter, expiry_date)?;
    let pk = PublicKey::new(PublicKeyParts {
        counter,
        expiry_date,
        n,
        z,
        s,
        g: Some(g),
        h: Some(h),
        r,
        epoch_length: DEFAULT_EPOCH_LENGTH,
        ecdsa: Some(ecdsa_public),
    })?;
    Ok((sk, pk))
}

/// Adds fresh revocation material to a key pair that has none: random quadratic residues
/// `G`, `H` in the public key and a new P-256 key in both (gabi `GenerateRevocationKeypair`).
/// Everything else, the counter included, stays.
pub fn add_revocation_keys(
    sk: &PrivateKey,
    pk: &PublicKey,
) -> Result<(PrivateKey, PublicKey), Error> {
    if sk.revocation_supported() {
        return Err(Error::RevocationPresent("private"));
    }
    if pk.revocation_supported() {
        return Err(Error::RevocationPresent("public"));
    }
    if sk.n() != pk.n() {
        return Err(Error::KeyMismatch);
    }
    let (ecdsa_private, ecdsa_public) = ecdsa_key_pair()?;
    let g = math::random_qr(pk.n())?;
    let h = math::random_qr(pk.n())?;
    Ok((
        sk.with_ecdsa(ecdsa_private)?,
        pk.with_revocation(g, h, ecdsa_public)?,
    ))
}

fn safe_prime_pair(params: &SystemParameters) -> Result<(BigUint, BigUint), Error> {
    let bits = params.ln / 2;
    let eight = BigUint::from(8u8);
    let mut found: Vec<BigUint> = Vec::new();
    loop {
        let p = math::random_safe_prime(bits)?;
        if ((&p >> 1u32) % &eight).is_one() {
            continue;
        }
        let matching = found
            .iter()
            .position(|q| (&p * q).bits() == u64::from(params.ln) && (&p % &eight) != (q % &eight));
        match matching {
            Some(i) => return Ok((p, found.swap_remove(i))),
            None => found.push(p),
        }
    }
}

/// A P-256 key pair: SEC1 DER of the private key and PKIX DER of the public key, as Go's
/// `x509.MarshalECPrivateKey` and `MarshalPKIXPublicKey` write them.
fn ecdsa_key_pair() -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error> {
    let secret = p256::SecretKey::try_generate_from_rng(&mut getrandom::SysRng)
        .map_err(|_| math::RandomError)?;
    let private = secret.to_sec1_der().map_err(|_| Error::Ecdsa)?;
    let public = secret
        .public_key()
        .to_public_key_der()
        .map_err(|_| Error::Ecdsa)?
        .into_vec();
    Ok((Zeroizing::new(private.to_vec()), public))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_valid_1024_bit_key_pair() {
        let (sk, pk) = generate_key_pair(&SystemParameters::L1024, 6, 3, 1_900_000_000).unwrap();
        assert_eq!(pk.n().bits(), 1024);
        assert_eq!(sk.n(), pk.n());
        assert_eq!(pk.bases().len(), 6);
        assert!(pk.revocation_supported());
        sk.validate().unwrap();
        let eight = BigUint::from(8u8);
        assert_ne!(sk.p() % &eight, sk.q() % &eight);
        // S is a quadratic residue, and so are Z and the bases.
        for x in [pk.s(), pk.z(), &pk.bases()[0]] {
            assert_eq!(math::jacobi(x, sk.p()), 1);
            assert_eq!(math::jacobi(x, sk.q()), 1);
        }
        // The files read back into the same keys.
        assert_eq!(PublicKey::from_xml(&pk.to_xml()).unwrap(), pk);
        assert_eq!(PrivateKey::from_xml(&sk.to_xml()).unwrap(), sk);
        assert_eq!(pk.counter(), 3);
        assert_eq!(sk.expiry_date(), 1_900_000_000);
    }

    #[test]
    fn adds_revocation_keys_once() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/vectors/revocation/revocation-keypair/before"
        );
        let read = |kind: &str| std::fs::read_to_string(format!("{dir}/{kind}/3.xml")).unwrap();
        let sk = PrivateKey::from_xml(&read("PrivateKeys")).unwrap();
        let pk = PublicKey::from_xml(&read("PublicKeys")).unwrap();
        assert!(!sk.revocation_supported() && !pk.revocation_supported());
        let (sk2, pk2) = add_revocation_keys(&sk, &pk).unwrap();
        assert!(sk2.revocation_supported() && pk2.revocation_supported());
        assert_eq!((sk2.n(), pk2.counter()), (sk.n(), pk.counter()));
        let (g, h) = pk2.revocation_bases().unwrap();
        for x in [g, h] {
            assert_eq!(math::jacobi(x, sk.p()), 1);
            assert_eq!(math::jacobi(x, sk.q()), 1);
        }
        assert_eq!(
            add_revocation_keys(&sk2, &pk),
            Err(Error::RevocationPresent("private"))
        );
        assert_eq!(
            add_revocation_keys(&sk, &pk2),
            Err(Error::RevocationPresent("public"))
        );
    }
}
