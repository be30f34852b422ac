//! The app's issuance commitments (`POST …/commitments`): parsed, the ProofDs and ProofUs
//! verified against the irma-demo keys, then (with no private key for the recorded key
//! counter) refused or signed. Input: one byte choosing a recorded issuance session, then
//! the body. Invariants: a parsed commitment message written out and read again is the
//! same; its verdict is the same every time.
#![no_main]

use std::sync::{Arc, OnceLock};

use irma::crypto::idemix::IssueCommitmentMessage;
use irma::protocol::request::SessionRequest;
use irma::session::issue::IssuerKeys;
use irma::session::outcome::{self, Outcome};
use irma::session::validate::PrivateKeyFolder;
use irma::session::workers::Workers;
use irma_fuzz::{pick_session, runtime, schemes, verifier};
use libfuzzer_sys::fuzz_target;

fn keys() -> Arc<IssuerKeys> {
    static KEYS: OnceLock<Arc<IssuerKeys>> = OnceLock::new();
    Arc::clone(
        KEYS.get_or_init(|| Arc::new(IssuerKeys::new(schemes(), PrivateKeyFolder::default()))),
    )
}

fuzz_target!(|data: &[u8]| {
    let Some(((request, now), body)) = pick_session("issuance", data) else {
        return;
    };
    if let Ok(msg) = serde_json::from_slice::<IssueCommitmentMessage>(body) {
        let written = serde_json::to_vec(&msg).expect("serializes");
        let again: IssueCommitmentMessage = serde_json::from_slice(&written).expect("parses again");
        assert_eq!(again, msg);
    }
    let SessionRequest::Issuance(request) = request else {
        return;
    };
    // On a core of a one-worker pool, as the server judges the app's messages; the outcome
    // without the time it took.
    let workers = Workers::new(1);
    let judge = || {
        runtime().block_on(async {
            let core = workers.place().expect("an idle pool").core().await;
            let (verifier, keys) = (verifier(), keys());
            // No revocation component: the recorded credentials are not revocable.
            let now_ms = u64::try_from(*now).unwrap_or(0) * 1000;
            let judged =
                outcome::issuance(core, &verifier, &keys, None, request.clone(), body.to_vec(), now_ms);
            judged.await.map(|(outcome, _)| outcome)
        })
    };
    let Ok(first) = judge() else {
        return;
    };
    // Signatures are random; the verdict is not.
    let verdict = |o: Outcome| match o {
        Outcome::Done { verdict, .. } => Ok(verdict),
        Outcome::Failed { kind, .. } => Err(kind),
    };
    assert_eq!(verdict(first), verdict(judge().expect("parsed once")));
});
