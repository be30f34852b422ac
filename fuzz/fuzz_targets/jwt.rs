//! Any JWT text as `irma jwt verify`, the requestor client (result JWTs) and the server read
//! it: decoded, classified, and checked with the recorded HMAC and RSA keys. Invariant: a
//! token that verifies has the header and claims it decodes to.
#![no_main]

use irma::jwt::keys::{HmacKey, VerifyingKey};
use irma::jwt::verify::{Jwt, TimeCheck};
use irma_fuzz::{hmac_key, vector};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn keys() -> &'static [VerifyingKey] {
    static KEYS: OnceLock<Vec<VerifyingKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pems = vector("jwt/server-config-and-keys.json")["keys"].clone();
        let rsa = |name: &str| {
            let pem = pems[name].as_str().expect("pem");
            VerifyingKey::Rsa(irma::jwt::keys::RsaPublicKey::from_pem(pem.as_bytes()).expect("rsa"))
        };
        vec![
            VerifyingKey::Hmac(HmacKey::from_bytes(hmac_key()).expect("hmac")),
            rsa("requestor_rsa_public_pem"),
            rsa("server_jwt_public_pem"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jwt) = Jwt::decode(text) else {
        return;
    };
    let _ = jwt.kind().describe();
    for key in keys() {
        if let Ok(verified) = jwt.verify(key, &TimeCheck::at(1_795_323_576)) {
            assert_eq!(&verified.header, jwt.header());
            assert_eq!(&verified.claims, jwt.claims());
            assert_eq!(verified.kind, jwt.kind());
        }
    }
});
