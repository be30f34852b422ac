//! Session requests as `POST /session`, static sessions, chained sessions and `irma session
//! -r` read them: plain or extended JSON, current or legacy (pre-condiscon) form.
//! Invariants: a parsed request validates without panicking, and written out and read again
//! it is the same request (the legacy form comes back in the current form).
#![no_main]

use irma::jwt::request::RequestBody;
use irma::protocol::request::RequestorRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    // What a requestor's tool makes a JWT of.
    let _ = RequestBody::from_json(value.clone());
    let Ok(request) = RequestorRequest::from_json(value) else {
        return;
    };
    let _ = request.request.validate();
    let written = serde_json::to_value(&request).expect("a parsed request serializes");
    let again = RequestorRequest::from_json(written.clone())
        .unwrap_or_else(|e| panic!("{written} does not parse again: {e}"));
    assert_eq!(again.request, request.request, "{written}");
    assert_eq!(
        (
            again.validity,
            again.timeout,
            &again.callback_url,
            &again.next_session
        ),
        (
            request.validity,
            request.timeout,
            &request.callback_url,
            &request.next_session
        )
    );
    assert!(!again.legacy);
});
