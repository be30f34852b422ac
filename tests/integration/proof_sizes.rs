//! Oversized numbers in the app's proofs are refused before any verification work: every
//! number of a ProofD and a ProofU has a largest size the system parameters allow, and a
//! longer one gets the reference's answer for an invalid proof at once. The server's debug
//! log reports a counter of the proof verifications that went past the size checks
//! (`verifications_started=N`); it must not move for oversized input.
//!
//! The log reaches its file through the test's copying thread, after the HTTP answer, so
//! the counter is read by waiting for the next control verification: after each oversized
//! post the recorded (well-sized) message is posted again, and the counter must have moved
//! by exactly that one verification.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::util::{Server, vector};

const APP: [(&str, &str); 3] = [
    ("X-IRMA-MinProtocolVersion", "2.8"),
    ("X-IRMA-MaxProtocolVersion", "2.8"),
    ("Authorization", "testappauthorization"),
];

/// A 1 MB number, as base64 (the probe: seconds of CPU before this check).
fn huge() -> Value {
    let mut bytes = vec![0x5au8; 1 << 20];
    bytes[0] = 0xff;
    json!(STANDARD.encode(bytes))
}

/// The last `verifications_started` value in the server's log (0 before any).
fn started(log: &std::path::Path) -> u64 {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .rev()
        .filter_map(|l| l.split("verifications_started=").nth(1))
        .find_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The `verifications_started` value once the log shows at least `expected` (or after 10 s,
/// whatever it shows then).
async fn started_once(log: &std::path::Path, expected: u64) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let now = started(log);
        if now >= expected || std::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Starts a session for `request`, connects as the app and posts `body` to `suffix`;
/// returns the status and JSON answer.
async fn post_to_fresh_session(
    server: &Server,
    request: &Value,
    suffix: &str,
    body: &Value,
) -> (u16, Value) {
    let package = server.start_session(request).await;
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let path = format!("/irma/session/{}", u.rsplit('/').next().unwrap());
    let (status, _, _) = server.call("GET", &format!("{path}/"), &APP, None).await;
    assert_eq!(status, 200);
    let (status, _, answer) = server
        .call(
            "POST",
            &format!("{path}/{suffix}"),
            &APP,
            Some(&body.to_string()),
        )
        .await;
    (status, serde_json::from_str(&answer).unwrap())
}

#[tokio::test]
async fn oversized_proof_numbers_cost_no_verification() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start_logged(&["-v"], log.reopen().unwrap()).await;

    // Disclosure: the recorded proofs were made for another session's nonce, so they are
    // verified (the counter moves) and INVALID.
    let case = vector("disclosure/single-over18.json");
    let request = &case["session_request"];
    let body = &case["client_message"]["body"];
    let (status, answer) = post_to_fresh_session(&server, request, "proofs", body).await;
    assert_eq!((status, &answer["proofStatus"]), (200, &json!("INVALID")));
    let mut verified = started_once(log.path(), 1).await;
    assert_eq!(verified, 1, "the recorded proofs were verified");
    for field in ["c", "A", "e_response", "v_response", "a_responses"] {
        let mut tampered = body.clone();
        let proof = &mut tampered["proofs"][0];
        if field == "a_responses" {
            proof[field]["0"] = huge();
        } else {
            proof[field] = huge();
        }
        let (status, answer) = post_to_fresh_session(&server, request, "proofs", &tampered).await;
        // The reference's answer to proofs that do not verify.
        assert_eq!(
            (status, &answer["proofStatus"]),
            (200, &json!("INVALID")),
            "{field}: {answer}"
        );
        post_to_fresh_session(&server, request, "proofs", body).await;
        verified += 1;
        let now = started_once(log.path(), verified).await;
        assert_eq!(now, verified, "{field} was verified");
    }

    // Issuance: the recorded commitments are verified and refused with INVALID_PROOFS.
    let case = vector("issuance/ageLower.json");
    let request = &case["session_request"];
    let body = &case["client_message"]["body"];
    let (status, answer) = post_to_fresh_session(&server, request, "commitments", body).await;
    assert_eq!((status, &answer["error"]), (400, &json!("INVALID_PROOFS")));
    verified += 1;
    let now = started_once(log.path(), verified).await;
    assert_eq!(now, verified, "the recorded commitments were verified");
    for field in [
        "U",
        "c",
        "v_prime_response",
        "s_response",
        "m_user_responses",
    ] {
        let mut tampered = body.clone();
        let proof = &mut tampered["combinedProofs"][0];
        if field == "m_user_responses" {
            proof[field] = json!({"3": huge()});
        } else {
            proof[field] = huge();
        }
        let (status, answer) =
            post_to_fresh_session(&server, request, "commitments", &tampered).await;
        assert_eq!(
            (status, &answer["error"]),
            (400, &json!("INVALID_PROOFS")),
            "{field}: {answer}"
        );
        post_to_fresh_session(&server, request, "commitments", body).await;
        verified += 1;
        let now = started_once(log.path(), verified).await;
        assert_eq!(now, verified, "{field} was verified");
    }
}
