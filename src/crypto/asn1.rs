//! The few DER encodings the protocol hashes: BOOLEAN, INTEGER, OCTET STRING, SEQUENCE.
//!
//! gabi and irmago feed Go's `encoding/asn1` output into SHA-256 for the Fiat–Shamir
//! challenge, the attribute-based-signature nonce and the timestamp nonce. Hashes only
//! match when the bytes match exactly, so this writes the same minimal DER: definite
//! lengths in the shortest form and INTEGERs in minimal two's complement (a leading
//! `0x00` when the top bit of a non-negative value is set). Hand-written because the
//! encoder is a few dozen lines and no ASN.1 crate is needed for anything else.

use num_bigint::BigUint;

const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_SEQUENCE: u8 = 0x30;

/// Builds the DER encoding of one SEQUENCE, element by element.
#[derive(Debug, Default, Clone)]
pub struct Sequence {
    body: Vec<u8>,
}

impl Sequence {
    /// An empty SEQUENCE.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a BOOLEAN.
    pub fn boolean(mut self, value: bool) -> Self {
        push_tlv(
            &mut self.body,
            TAG_BOOLEAN,
            &[if value { 0xff } else { 0x00 }],
        );
        self
    }

    /// Appends a non-negative INTEGER.
    pub fn integer(mut self, value: &BigUint) -> Self {
        push_integer(&mut self.body, value);
        self
    }

    /// Appends a small non-negative INTEGER (a count).
    pub fn small_integer(self, value: u64) -> Self {
        self.integer(&BigUint::from(value))
    }

    /// Appends an OCTET STRING.
    pub fn octet_string(mut self, value: &[u8]) -> Self {
        push_tlv(&mut self.body, TAG_OCTET_STRING, value);
        self
    }

    /// Appends a nested SEQUENCE.
    pub fn sequence(mut self, inner: Sequence) -> Self {
        push_tlv(&mut self.body, TAG_SEQUENCE, &inner.body);
        self
    }

    /// The complete DER bytes of this SEQUENCE.
    pub fn to_der(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 6);
        push_tlv(&mut out, TAG_SEQUENCE, &self.body);
        out
    }
}

fn push_integer(out: &mut Vec<u8>, value: &BigUint) {
    let mut bytes = value.to_bytes_be(); // zero gives [0]
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    push_tlv(out, TAG_INTEGER, &bytes);
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let len_bytes = len.to_be_bytes();
        let skip = len_bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (len_bytes.len() - skip) as u8);
        out.extend_from_slice(&len_bytes[skip..]);
    }
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go_encoding_asn1() {
        // asn1.Marshal([]any{true, big.NewInt(2), big.NewInt(0), big.NewInt(128)})
        let der = Sequence::new()
            .boolean(true)
            .small_integer(2)
            .small_integer(0)
            .small_integer(128)
            .to_der();
        assert_eq!(
            der,
            [
                0x30, 0x0d, 0x01, 0x01, 0xff, 0x02, 0x01, 0x02, 0x02, 0x01, 0x00, 0x02, 0x02, 0x00,
                0x80
            ]
        );
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let big = BigUint::from_bytes_be(&[0x7f; 200]);
        let der = Sequence::new().integer(&big).octet_string(&[1, 2]).to_der();
        // SEQUENCE, long form with one length byte: 2 + 1 + 200 (INTEGER) + 4 (OCTET STRING) = 207.
        assert_eq!(&der[..3], &[0x30, 0x81, 207]);
        assert_eq!(&der[3..6], &[0x02, 0x81, 200]);
        assert_eq!(der.len(), 3 + 207);
    }
}
