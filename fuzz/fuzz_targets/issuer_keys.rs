//! Issuer key files (`PublicKeys/N.xml`, `PrivateKeys/N.xml`) as schemes, `irma server` and
//! `irma scheme issuer` read them. Input: one byte choosing public or private, then the XML.
//! Invariant: a parsed key written out as XML and read again is the same key.
#![no_main]

use irma::crypto::idemix::{PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, xml)) = data.split_first() else {
        return;
    };
    let Ok(xml) = std::str::from_utf8(xml) else {
        return;
    };
    if pick % 2 == 0 {
        if let Ok(key) = PublicKey::from_xml(xml) {
            let again = PublicKey::from_xml(&key.to_xml()).expect("written key parses");
            assert_eq!(again.to_xml(), key.to_xml());
        }
    } else if let Ok(key) = PrivateKey::from_xml(xml) {
        let again = PrivateKey::from_xml(&key.to_xml()).expect("written key parses");
        assert_eq!(*again.to_xml(), *key.to_xml());
    }
});
