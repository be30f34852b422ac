//! Every recorded session of `../shared/vectors`, through the public verification path
//! (`irma::verifier` on a loaded `Configuration`), and `irma signature verify` / `irma meta`
//! on the recorded data.

use std::path::{Path, PathBuf};

use base64::Engine;
use irma::crypto::idemix::{IssueCommitmentMessage, ProofD};
use irma::protocol::messages::AttributeIndex;
use irma::protocol::request::SessionRequest;
use irma::protocol::signature::SignedMessage;
use irma::protocol::timestamp::TrustedKeys;
use irma::scheme::Configuration;
use irma::verifier::Verifier;
use serde_json::{Value, json};

use crate::util::{irma, shared, vector};

fn cases(dir: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(shared().join("vectors").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        out.push((case["case"].as_str().unwrap().to_owned(), case));
    }
    out
}

fn pristine() -> Configuration {
    Configuration::load(&shared().join("schemes")).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The "loopback-resigned" irma-demo: timestamp server on loopback, re-signed with its own
/// `sk.pem` by our `irma scheme sign`. Returns the folder holding the scheme.
fn loopback_scheme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("irma-demo");
    copy_dir(&shared().join("schemes/irma-demo"), &scheme);
    let desc = scheme.join("description.xml");
    let text = std::fs::read_to_string(&desc).unwrap();
    let start = text.find("<TimestampServer>").unwrap();
    let end = text.find("</TimestampServer>").unwrap();
    let text = format!(
        "{}<TimestampServer>http://127.0.0.1:48682/</TimestampServer>{}",
        &text[..start],
        &text[end + "</TimestampServer>".len()..]
    );
    std::fs::write(&desc, text).unwrap();
    let sk = scheme.join("sk.pem");
    irma([
        "scheme".as_ref(),
        "sign".as_ref(),
        sk.as_os_str(),
        scheme.as_os_str(),
    ])
    .success();
    dir
}

fn atum_key(case: &Value) -> Vec<u8> {
    let b64 = case["atum_server"]["ed25519_public_key_b64"]
        .as_str()
        .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn expect_verdict(name: &str, verdict: &irma::protocol::verify::Verdict, expected: &Value) {
    assert_eq!(
        serde_json::to_value(verdict.status).unwrap(),
        expected["proofStatus"],
        "{name}"
    );
    let disclosed = if verdict.disclosed.is_empty() {
        Value::Null
    } else {
        serde_json::to_value(&verdict.disclosed).unwrap()
    };
    assert_eq!(disclosed, expected["disclosed"], "{name}");
}

/// Every recorded disclosure and signature gives exactly the recorded verdict.
#[tokio::test]
async fn recorded_disclosures_and_signatures() {
    let conf = pristine();
    let verifier = Verifier::new(&conf);
    let loopback_dir = loopback_scheme();
    let loopback = Configuration::load(loopback_dir.path()).unwrap();
    let loopback_verifier = Verifier::new(&loopback);
    let mut judged = 0;
    let mut refused = 0;
    for dir in ["disclosure", "negative", "signature"] {
        for (name, case) in cases(dir) {
            let body = &case["client_message"]["body"];
            if body.is_null() {
                continue;
            }
            let request: SessionRequest =
                serde_json::from_value(case["client_session_request"]["request"].clone()).unwrap();
            let now = case["recorded_at"].as_i64().unwrap();
            let expected = &case["session_result"];
            let result = if let SessionRequest::Signature(req) = &request {
                let sm: SignedMessage<ProofD> = serde_json::from_value(body.clone()).unwrap();
                let (v, trust) = if case["scheme"]["variant"] == "loopback-resigned" {
                    (&loopback_verifier, TrustedKeys(vec![atum_key(&case)]))
                } else {
                    (&verifier, TrustedKeys(Vec::new()))
                };
                v.verify_signature(&sm, Some(req), &trust, now).await
            } else {
                let proofs: Vec<ProofD> = serde_json::from_value(body["proofs"].clone()).unwrap();
                let indices: Vec<Vec<AttributeIndex>> =
                    serde_json::from_value(body["indices"].clone()).unwrap();
                verifier.verify_disclosure(&proofs, &indices, request.disclosure(), now)
            };
            match result {
                Ok(v) => {
                    expect_verdict(&name, &v, expected);
                    judged += 1;
                }
                Err(e) => {
                    assert!(
                        name == "negative/indices-undisclosed-attribute"
                            || name == "negative/missing-proof",
                        "{name}: unexpected error {e}"
                    );
                    assert_eq!(expected["status"], "CANCELLED", "{name}: {e}");
                    refused += 1;
                }
            }
        }
    }
    assert_eq!((judged, refused), (20, 2));
}

/// The recorded issuance commitments are accepted; the tampered one is refused.
#[test]
fn recorded_issuance_commitments() {
    let conf = pristine();
    let verifier = Verifier::new(&conf);
    let mut n = 0;
    for (name, case) in cases("issuance") {
        let body = &case["client_message"]["body"];
        let request: SessionRequest =
            serde_json::from_value(case["client_session_request"]["request"].clone()).unwrap();
        let SessionRequest::Issuance(request) = request else {
            panic!("{name}: not an issuance");
        };
        let msg: IssueCommitmentMessage = serde_json::from_value(body.clone()).unwrap();
        let indices: Vec<Vec<AttributeIndex>> =
            serde_json::from_value(body.get("indices").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        let now = case["recorded_at"].as_i64().unwrap();
        let verdict = verifier
            .verify_commitments(&msg, &indices, &request, now)
            .unwrap();
        let status = serde_json::to_value(verdict.status).unwrap();
        if name.ends_with("negative-tampered-commitment") {
            assert_eq!(status, "INVALID", "{name}");
        } else {
            expect_verdict(&name, &verdict, &case["session_result"]);
        }
        n += 1;
    }
    assert_eq!(n, 6);
}

/// `irma signature verify` on the recorded SignedMessages: VALID exits 0, the tampered ones
/// exit 3 and print their status.
#[test]
fn signature_verify_binary() {
    let dir = tempfile::tempdir().unwrap();
    let schemes = shared().join("schemes");
    for (name, expected) in [
        ("signature/no-timestamp", "VALID"),
        ("signature/no-timestamp-two-attributes", "VALID"),
        ("signature/atum-timestamp", "VALID"),
        ("negative/signature-flipped-bit", "INVALID"),
        ("negative/signature-changed-message", "UNMATCHED_REQUEST"),
    ] {
        let case: Value = vector(&format!("{name}.json"));
        let file = dir.path().join("signed.json");
        let req = dir.path().join("request.json");
        // A whole session result is accepted too: wrap the message as a server would.
        let result = json!({"status": "DONE", "signature": case["client_message"]["body"]});
        std::fs::write(&file, result.to_string()).unwrap();
        std::fs::write(&req, case["client_session_request"]["request"].to_string()).unwrap();
        let mut args: Vec<std::ffi::OsString> = vec![
            "signature".into(),
            "verify".into(),
            file.clone().into(),
            "--request".into(),
            req.clone().into(),
            "--schemes-path".into(),
            schemes.clone().into(),
            "--json".into(),
            "--at".into(),
            case["recorded_at"].to_string().into(),
        ];
        if name == "signature/atum-timestamp" {
            args.push("--trust-timestamp-key".into());
            args.push(
                case["atum_server"]["ed25519_public_key_b64"]
                    .as_str()
                    .unwrap()
                    .into(),
            );
        }
        let run = irma(&args);
        let out: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!("{name}: {e}\n{}\n{}", run.stdout, run.stderr);
        });
        assert_eq!(out["proofStatus"], expected, "{name}");
        assert_eq!(
            out["message"], case["client_message"]["body"]["message"],
            "{name}"
        );
        if expected == "VALID" {
            assert_eq!(run.code, Some(0), "{name}");
            let ids: Vec<&Value> = out["disclosed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| &a["id"])
                .collect();
            assert!(!ids.is_empty(), "{name}");
        } else {
            assert_eq!(run.code, Some(3), "{name}");
        }
    }
    // Unreadable input: exit 1, not 3.
    let run = irma([
        "signature",
        "verify",
        "/nonexistent/signed.json",
        "--schemes-path",
        schemes.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(1));
}

/// `irma meta` prints the reference's header lines for every recorded metadata attribute,
/// and the credential type's identifying fields as the reference does.
#[test]
fn meta_binary() {
    let case: Value = vector("cli/irma-meta.json");
    let at = case["recorded_at"].to_string();
    let schemes = shared().join("schemes");
    let runs = case["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    for run_case in runs {
        let attribute = run_case["command"][2].as_str().unwrap();
        let run = irma([
            "meta",
            attribute,
            "--schemes-path",
            schemes.to_str().unwrap(),
            "--at",
            &at,
        ])
        .success();
        let expected = run_case["stdout"].as_str().unwrap();
        let (expected_head, expected_ct) = expected.split_once("CredentialType  : ").unwrap();
        let (head, ct) = run.stdout.split_once("CredentialType  : ").unwrap();
        assert_eq!(head, expected_head, "{attribute}");
        let expected_ct: Value = serde_json::from_str(expected_ct).unwrap();
        let ct: Value = serde_json::from_str(ct).unwrap();
        for (field, value) in ct.as_object().unwrap() {
            assert_eq!(value, &expected_ct[field], "{attribute}: {field}");
        }
    }
}
