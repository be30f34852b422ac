//! The requestor API's `POST /session` as the server reads it: the `Authorization` header,
//! `Content-Type` and body go through requestor authentication (token, HMAC and RSA JWT
//! requestors of the recorded configuration) and then the session request parser.
//! Input: `authorization 0xff content-type 0xff body`.
#![no_main]

use irma::jwt::auth::{AuthRequest, AuthenticatedBody};
use irma::protocol::request::RequestorRequest;
use irma_fuzz::{requestor_auth, split};
use libfuzzer_sys::fuzz_target;

/// The recorded configuration's time: JWTs of the vectors are valid then.
const NOW: i64 = 1_795_323_576;

fuzz_target!(|data: &[u8]| {
    let (authorization, rest) = split(data);
    let (content_type, body) = split(rest);
    let (Ok(authorization), Ok(content_type)) = (
        std::str::from_utf8(authorization),
        std::str::from_utf8(content_type),
    ) else {
        return;
    };
    let request = AuthRequest {
        authorization: Some(authorization),
        content_type: Some(content_type),
        body,
    };
    let Ok(authenticated) = requestor_auth().authenticate_session(&request, NOW) else {
        return;
    };
    let value = match authenticated.body {
        AuthenticatedBody::Json(bytes) => match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) => return,
        },
        AuthenticatedBody::Jwt(jwt) => jwt.body,
    };
    if let Ok(r) = RequestorRequest::from_json(value) {
        let _ = r.request.validate();
    }
});
