//! Every recorded session of `tests/data/vectors`, through the public verification path
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

use crate::util::{data_dir, irma, vector};

fn cases(dir: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir().join("vectors").join(dir))
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
    Configuration::load(&data_dir().join("schemes")).unwrap()
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
    copy_dir(&data_dir().join("schemes/irma-demo"), &scheme);
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
        let checked = verifier
            .verify_commitments(&msg, &indices, &request, now)
            .unwrap();
        let verdict = &checked.verdict;
        let status = serde_json::to_value(verdict.status).unwrap();
        if name.ends_with("negative-tampered-commitment") {
            assert_eq!(status, "INVALID", "{name}");
            assert!(checked.to_sign().is_none(), "{name}");
        } else {
            expect_verdict(&name, verdict, &case["session_result"]);
            // What is signed is the app's own U (no keyshare scheme here), under the key of
            // the request.
            let to_sign = checked.to_sign().unwrap();
            assert_eq!(to_sign.len(), request.credentials.len(), "{name}");
            for (commitment, proof) in to_sign
                .iter()
                .zip(&msg.proofs.0[msg.proofs.0.len() - to_sign.len()..])
            {
                let irma::crypto::idemix::Proof::U(u) = proof else {
                    panic!("{name}: not a ProofU");
                };
                assert_eq!(commitment.u(), &u.u.0, "{name}");
                assert_eq!(commitment.key_id().counter, 2, "{name}");
            }
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
    let schemes = data_dir().join("schemes");
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
    let schemes = data_dir().join("schemes");
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

/// irma-demo turned into a keyshare scheme: a `<KeyshareServer>` in its description and
/// `kss-0.pem` holding `kss_public_pem`, re-signed with its own `sk.pem`.
fn keyshare_scheme(kss_public_pem: &str) -> (tempfile::TempDir, Configuration) {
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("irma-demo");
    copy_dir(&data_dir().join("schemes/irma-demo"), &scheme);
    let desc = scheme.join("description.xml");
    let text = std::fs::read_to_string(&desc).unwrap();
    let text = text.replacen(
        "</SchemeManager>",
        "\t<KeyshareServer>https://keyshare.invalid/</KeyshareServer>\n</SchemeManager>",
        1,
    );
    assert!(text.contains("<KeyshareServer>"));
    std::fs::write(&desc, text).unwrap();
    std::fs::write(scheme.join("kss-0.pem"), kss_public_pem).unwrap();
    let key = irma::scheme::keys::SchemeSigningKey::from_pem(
        &std::fs::read_to_string(scheme.join("sk.pem")).unwrap(),
    )
    .unwrap();
    let timestamp: i64 = std::fs::read_to_string(scheme.join("timestamp"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let index = irma::scheme::sign::sign_scheme(&key, &scheme, timestamp + 1).unwrap();
    assert!(index.hash("kss-0.pem").is_some());
    let conf = Configuration::load(dir.path()).unwrap();
    (dir, conf)
}

/// An RS256 keyshare JWT with subject "ProofP" and the given ProofP claim.
fn proof_p_jwt(private_pem: &str, proof_p: &irma::crypto::idemix::ProofP) -> String {
    let claims = json!({
        "iss": "keyshare_server",
        "sub": "ProofP",
        "iat": 1_700_000_000,
        "ProofP": proof_p,
    });
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// The verifier merges a keyshare scheme's ProofP from an RS256 JWT checked with the scheme's
/// `kss-0.pem`, in the legacy form (with `P`) and the new one (without): the recorded
/// `ageLower` commitments, with the secret-key part moved into a ProofP, verify again; a JWT
/// of another key, a wrong `P`, a wrong response or a missing JWT do not.
#[test]
fn keyshare_proof_p_jwts_are_checked_and_merged() {
    use irma::crypto::bigint::Int;
    use irma::crypto::idemix::{Proof, ProofP};
    use irma::verifier::Error;
    use num_bigint::BigUint;

    let jwt_keys: Value = serde_json::from_str(
        &std::fs::read_to_string(data_dir().join("vectors/jwt/server-config-and-keys.json"))
            .unwrap(),
    )
    .unwrap();
    let pem = |name: &str| jwt_keys["keys"][name].as_str().unwrap().to_owned();
    let (kss_private, other_private) = (
        pem("requestor_rsa_private_pem"),
        pem("server_jwt_private_pem"),
    );
    let (_dir, conf) = keyshare_scheme(&pem("requestor_rsa_public_pem"));
    let verifier = Verifier::new(&conf);
    let (_, case) = cases("issuance")
        .into_iter()
        .find(|(name, _)| name.ends_with("ageLower"))
        .unwrap();
    let body = &case["client_message"]["body"];
    let Ok(SessionRequest::Issuance(request)) =
        serde_json::from_value(case["client_session_request"]["request"].clone())
    else {
        panic!("not an issuance");
    };
    let now = case["recorded_at"].as_i64().unwrap();
    let recorded: IssueCommitmentMessage = serde_json::from_value(body.clone()).unwrap();
    let Proof::U(proof_u) = &recorded.proofs.0[0] else {
        panic!("expected a ProofU");
    };
    let pk = verifier
        .public_key(&irma::protocol::identifiers::PublicKeyId {
            issuer: "irma-demo.MijnOverheid".parse().unwrap(),
            counter: 2,
        })
        .unwrap();
    let n = pk.n();
    let verify = |msg: &IssueCommitmentMessage| {
        verifier
            .verify_commitments(msg, &[], &request, now)
            .map(|v| serde_json::to_value(v.verdict.status).unwrap())
    };
    let with_jwt = |mut msg: IssueCommitmentMessage, jwt: String| {
        msg.proof_p_jwts = Some([("irma-demo".to_owned(), jwt)].into());
        msg
    };

    // Without a ProofP the keyshare scheme's commitments are refused.
    assert!(matches!(verify(&recorded), Err(Error::MissingProofP(_))));

    // Legacy form: the app's U lacks the keyshare server's P = R_0^x and its response part.
    let p = pk.bases()[0].modpow(&BigUint::from(987_654_321u64), n);
    let kss_response = &proof_u.s_response.0 >> 16u32;
    let mut legacy = recorded.clone();
    let Proof::U(u) = &mut legacy.proofs.0[0] else {
        unreachable!()
    };
    u.u = Int(&u.u.0 * p.modinv(n).unwrap() % n);
    u.s_response = Int(&u.s_response.0 - &kss_response);
    let proof_p = ProofP {
        p: Some(Int(p.clone())),
        c: proof_u.c.clone(),
        s_response: Int(kss_response.clone()),
    };
    let good = with_jwt(legacy.clone(), proof_p_jwt(&kss_private, &proof_p));
    assert_eq!(verify(&good).unwrap(), "VALID");
    // What is signed is the merged U (U·P), not the U the app sent.
    let checked = verifier
        .verify_commitments(&good, &[], &request, now)
        .unwrap();
    let to_sign = checked.to_sign().unwrap();
    assert_eq!(to_sign[0].u(), &proof_u.u.0);
    let Proof::U(sent) = &legacy.proofs.0[0] else {
        unreachable!()
    };
    assert_ne!(to_sign[0].u(), &sent.u.0);
    // The single legacy `proofPJwt` is not read (as the reference at protocol 2.8).
    let mut single = legacy.clone();
    single.proof_p_jwt = Some(proof_p_jwt(&kss_private, &proof_p));
    assert!(matches!(verify(&single), Err(Error::MissingProofP(_))));
    // The same claim signed by another key, or with its signature altered: refused.
    let foreign = with_jwt(legacy.clone(), proof_p_jwt(&other_private, &proof_p));
    assert!(matches!(verify(&foreign), Err(Error::ProofPJwt { .. })));
    let mut altered = proof_p_jwt(&kss_private, &proof_p);
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        verify(&with_jwt(legacy.clone(), altered)),
        Err(Error::ProofPJwt { .. })
    ));
    // A correctly signed but wrong P or response: the proofs do not verify.
    for wrong in [
        ProofP {
            p: Some(Int(&p * &pk.bases()[0] % n)),
            ..proof_p.clone()
        },
        ProofP {
            s_response: Int(&kss_response + 1u8),
            ..proof_p.clone()
        },
    ] {
        let msg = with_jwt(legacy.clone(), proof_p_jwt(&kss_private, &wrong));
        assert_eq!(verify(&msg).unwrap(), "INVALID");
    }

    // New form: no P; the keyshare server's challenge and whole response replace the app's.
    let mut new = recorded.clone();
    let Proof::U(u) = &mut new.proofs.0[0] else {
        unreachable!()
    };
    u.c = Int(BigUint::from(5u8));
    u.s_response = Int(BigUint::from(6u8));
    let proof_p = ProofP {
        p: None,
        c: proof_u.c.clone(),
        s_response: proof_u.s_response.clone(),
    };
    let good = with_jwt(new.clone(), proof_p_jwt(&kss_private, &proof_p));
    assert_eq!(verify(&good).unwrap(), "VALID");
    let wrong = ProofP {
        s_response: Int(&proof_u.s_response.0 + 1u8),
        ..proof_p
    };
    let msg = with_jwt(new, proof_p_jwt(&kss_private, &wrong));
    assert_eq!(verify(&msg).unwrap(), "INVALID");
}
