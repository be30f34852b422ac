//! The app's attribute-based signature (`POST …/proofs` of a signing session): parsed,
//! checked against the request and verified; the timestamp's key is trusted only from a
//! fixed (empty) list, so nothing goes online. Input: one byte choosing a recorded signing
//! session, then the body. Invariants: a parsed signed message written out and read again
//! is the same; the outcome of a body is the same every time.
#![no_main]

use std::sync::Arc;

use irma::crypto::idemix::ProofD;
use irma::protocol::request::SessionRequest;
use irma::protocol::signature::SignedMessage;
use irma::protocol::timestamp::TrustedKeys;
use irma::session::outcome;
use irma::session::workers::Workers;
use irma_fuzz::{pick_session, runtime, verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(((request, now), body)) = pick_session("signature", data) else {
        return;
    };
    if let Ok(signed) = serde_json::from_slice::<SignedMessage<ProofD>>(body) {
        let written = serde_json::to_vec(&signed).expect("serializes");
        let again: SignedMessage<ProofD> = serde_json::from_slice(&written).expect("parses again");
        assert_eq!(again, signed);
    }
    let SessionRequest::Signature(request) = request else {
        return;
    };
    let trust = Arc::new(TrustedKeys::default());
    // On a core of a one-worker pool, as the server judges the app's messages; the outcome
    // without the time it took.
    let workers = Workers::new(1);
    let judge = || {
        runtime().block_on(async {
            let core = workers.place().expect("an idle pool").core().await;
            let verifier = verifier();
            let judged = outcome::signature(
                core,
                &verifier,
                &trust,
                request.clone(),
                body.to_vec(),
                *now,
            );
            judged.await.map(|(outcome, _)| outcome)
        })
    };
    let Ok(first) = judge() else {
        return;
    };
    assert_eq!(first, judge().expect("parsed once"));
});
