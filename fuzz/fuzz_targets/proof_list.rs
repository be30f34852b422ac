//! Gabi proof lists and the numbers in them, as every app message carries them: big
//! integers in base64 (or small decimals), attribute maps with decimal keys, ProofD/ProofU
//! told apart by their fields. Invariants: a parsed list written out and read again is the
//! same list; every number is refused or accepted by the size checks before any
//! exponentiation, and a list that passes them is verified (with the irma-demo key) without
//! panicking.
#![no_main]

use irma::crypto::bigint::Int;
use irma::crypto::idemix::{ProofList, PublicKey, verify_proof_list};
use irma_fuzz::demo_key;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

fuzz_target!(|data: &[u8]| {
    if let Ok(n) = serde_json::from_slice::<Int>(data) {
        let written = serde_json::to_string(&n).expect("serializes");
        assert_eq!(
            serde_json::from_str::<Int>(&written).expect("parses again"),
            n
        );
        assert_eq!(Int::from_base64(&n.to_base64()).expect("base64"), n);
    }
    let Ok(list) = serde_json::from_slice::<ProofList>(data) else {
        return;
    };
    let written = serde_json::to_vec(&list).expect("serializes");
    let again: ProofList = serde_json::from_slice(&written).expect("parses again");
    assert_eq!(again, list);
    let key = demo_key();
    // Lists of up to 8 proofs (each costs a millisecond of exponentiations) keep the
    // executions fast; longer ones add nothing the parser has not already seen.
    if list.0.is_empty() || list.0.len() > 8 || list.0.iter().any(|p| p.check_ranges(&key).is_err())
    {
        return;
    }
    let keys: Vec<&PublicKey> = list.0.iter().map(|_| key.as_ref()).collect();
    let one = BigUint::from(1u8);
    let _ = verify_proof_list(&list.0, &keys, &[], &one, &one, false);
});
