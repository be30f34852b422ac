//! The wallet's stored credentials: a wallet dump (`irma wallet import`, the reference's
//! format) and each credential in it checked against irma-demo as `irma wallet` loads
//! stored credentials. Invariant: a stored credential written out and read again is the
//! same.
#![no_main]

use irma::crypto::idemix::SecretKey;
use irma::verifier::Verifier;
use irma::wallet::credential::{WalletCredential, WalletDump};
use irma::wallet::storage::StoredCredential;
use irma_fuzz::schemes;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigUint;

fuzz_target!(|data: &[u8]| {
    if let Ok(stored) = serde_json::from_slice::<StoredCredential>(data) {
        let written = serde_json::to_vec(&stored).expect("serializes");
        let again: StoredCredential = serde_json::from_slice(&written).expect("parses again");
        assert_eq!(again, stored);
    }
    let Ok(dump) = WalletDump::from_json(data) else {
        return;
    };
    let Some(secret) = BigUint::parse_bytes(dump.secret_key.as_bytes(), 10)
        .and_then(|s| SecretKey::from_value(s).ok())
    else {
        return;
    };
    let conf = schemes();
    let keys = Verifier::new(conf.as_ref());
    for stored in &dump.credentials {
        let _ = WalletCredential::new(stored, &secret, &conf, &keys);
    }
});
