//! Request JWTs with any claims: the input is the claims JSON, signed here with requestor
//! `vg_hmac`'s key, so that what follows the signature check is reached: the times, `sub`,
//! the body claim and the session request in it. Invariant: a JWT the server authenticates
//! carries the claim its `sub` names.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use irma::jwt::auth::{AuthRequest, AuthenticatedBody};
use irma::protocol::request::RequestorRequest;
use irma_fuzz::{hmac_key, requestor_auth};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_795_323_576;

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(hmac_key()),
    )
    .expect("signs any JSON");
    let request = AuthRequest {
        authorization: None,
        content_type: Some("text/plain"),
        body: token.as_bytes(),
    };
    let Ok(authenticated) = requestor_auth().authenticate_session(&request, NOW) else {
        return;
    };
    assert_eq!(authenticated.requestor, "vg_hmac");
    let AuthenticatedBody::Jwt(jwt) = authenticated.body else {
        panic!("a JWT body authenticated as JSON");
    };
    // The claims as the server read them from the token (serde_json reads a float of the
    // input and of its re-serialization a last bit apart, so compare with the token's text).
    let payload = token.split('.').nth(1).expect("three parts");
    let signed: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
            .expect("JSON claims");
    assert_eq!(signed[jwt.kind.body_claim()], jwt.body);
    if let Ok(r) = RequestorRequest::from_json(jwt.body) {
        let _ = r.request.validate();
    }
});
