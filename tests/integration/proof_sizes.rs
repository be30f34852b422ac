//! Oversized numbers in the app's proofs are refused before any verification work: every
//! number of a ProofD and a ProofU has a largest size the system parameters allow, and a
//! longer one gets the reference's answer for an invalid proof at once. The server's debug
//! log reports a counter of the proof verifications that went past the size checks
//! (`verifications_started=N`); it must not move for oversized input.

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
    let after_control = started(log.path());
    assert_eq!(after_control, 1, "the recorded proofs were verified");
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
        assert_eq!(started(log.path()), after_control, "{field} was verified");
    }

    // Issuance: the recorded commitments are verified and refused with INVALID_PROOFS.
    let case = vector("issuance/ageLower.json");
    let request = &case["session_request"];
    let body = &case["client_message"]["body"];
    let (status, answer) = post_to_fresh_session(&server, request, "commitments", body).await;
    assert_eq!((status, &answer["error"]), (400, &json!("INVALID_PROOFS")));
    let after_control = started(log.path());
    assert_eq!(after_control, 2, "the recorded commitments were verified");
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
        assert_eq!(started(log.path()), after_control, "{field} was verified");
    }
}
