//! The protocol's hashes: the Fiat–Shamir challenge (`gabi:internal/common/hashtool.go`), the
//! attribute-based-signature nonce (`irma/irma_signature.go`) and the hashing of long attributes.

use std::borrow::Cow;

use num_bigint::BigUint;
use sha2::{Digest, Sha256};

use crate::crypto::asn1::Sequence;

/// gabi `HashCommit`: `uint(SHA-256(DER SEQUENCE{[BOOLEAN TRUE if issig], INTEGER len, INTEGER v_0, …}))`.
pub fn hash_commit(values: &[&BigUint], issig: bool) -> BigUint {
    let mut seq = Sequence::new();
    if issig {
        seq = seq.boolean(true);
    }
    seq = seq.small_integer(values.len() as u64);
    for v in values {
        seq = seq.integer(v);
    }
    sha256_int(&seq.to_der())
}

/// The challenge of a proof list: [`hash_commit`] over `[context, contributions…, nonce]`.
pub fn challenge(
    context: &BigUint,
    contributions: &[BigUint],
    nonce: &BigUint,
    issig: bool,
) -> BigUint {
    let mut values = Vec::with_capacity(contributions.len() + 2);
    values.push(context);
    values.extend(contributions);
    values.push(nonce);
    hash_commit(&values, issig)
}

/// The nonce an attribute-based signature is made with (irmago `ASN1ConvertSignatureNonce`):
/// `uint(SHA-256(DER SEQUENCE{INTEGER nonce, INTEGER uint(SHA-256(message)), [OCTET STRING timestamp_sig]}))`.
///
/// `timestamp_sig` is the atum timestamp's `Sig.Data`, when the signature has a timestamp.
pub fn signature_nonce(nonce: &BigUint, message: &str, timestamp_sig: Option<&[u8]>) -> BigUint {
    let message_hash = BigUint::from_bytes_be(&Sha256::digest(message.as_bytes()));
    let mut seq = Sequence::new().integer(nonce).integer(&message_hash);
    if let Some(sig) = timestamp_sig {
        seq = seq.octet_string(sig);
    }
    sha256_int(&seq.to_der())
}

/// The exponent an attribute enters the proofs with: the value itself when it has at most
/// `lm` bits, else `uint(SHA-256(big-endian bytes))`.
pub fn attribute_exponent(value: &BigUint, lm: u32) -> Cow<'_, BigUint> {
    if value.bits() > u64::from(lm) {
        Cow::Owned(sha256_int(&value.to_bytes_be()))
    } else {
        Cow::Borrowed(value)
    }
}

fn sha256_int(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_commit_hashes_the_der_sequence() {
        // DER of SEQUENCE{INTEGER 2, INTEGER 1, INTEGER 5}, hashed by hand.
        let der = [
            0x30, 0x09, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x05,
        ];
        let expected = BigUint::from_bytes_be(&Sha256::digest(der));
        let got = hash_commit(&[&BigUint::from(1u8), &BigUint::from(5u8)], false);
        assert_eq!(got, expected);
        let got = challenge(&BigUint::from(1u8), &[], &BigUint::from(5u8), false);
        assert_eq!(got, expected);
        let der_sig = [
            0x30, 0x0c, 0x01, 0x01, 0xff, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x05,
        ];
        let got = challenge(&BigUint::from(1u8), &[], &BigUint::from(5u8), true);
        assert_eq!(got, BigUint::from_bytes_be(&Sha256::digest(der_sig)));
    }

    #[test]
    fn long_attributes_are_hashed() {
        let short = BigUint::from(12345u32);
        assert_eq!(*attribute_exponent(&short, 256), short);
        let long = BigUint::from(1u8) << 256u32;
        let hashed = attribute_exponent(&long, 256);
        assert_eq!(
            *hashed,
            BigUint::from_bytes_be(&Sha256::digest(long.to_bytes_be()))
        );
    }
}
