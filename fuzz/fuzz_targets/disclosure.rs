//! The app's disclosure (`POST …/proofs` of a disclosing session) as the server judges it:
//! parsed, verified against the irma-demo keys, matched with the request. Input: one byte
//! choosing a recorded disclosure session (its request and time), then the body. The
//! recorded bodies verify, so mutations of their indices reach the verdict. Invariant: the
//! verdict of a body is the same every time.
#![no_main]

use irma::protocol::request::SessionRequest;
use irma::session::outcome;
use irma::session::workers::Workers;
use irma_fuzz::{pick_session, runtime, verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(((request, now), body)) = pick_session("disclosure", data) else {
        return;
    };
    let SessionRequest::Disclosure(request) = request else {
        return;
    };
    // On a core of a one-worker pool, as the server judges the app's messages; the outcome
    // without the time it took.
    let workers = Workers::new(1);
    let judge = || {
        runtime().block_on(async {
            let core = workers.place().expect("an idle pool").core().await;
            let verifier = verifier();
            let judged = outcome::disclosure(core, &verifier, request.clone(), body.to_vec(), *now);
            judged.await.map(|(outcome, _)| outcome)
        })
    };
    let Ok(first) = judge() else {
        return;
    };
    assert_eq!(first, judge().expect("parsed once"));
});
