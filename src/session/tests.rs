//! The engine without HTTP. Every recorded session of `tests/data/vectors` is replayed into a
//! fresh session whose nonce is set to the recorded one ([`Sessions::set_nonce_for_test`]),
//! on a clock at the recording time (the keyshare ones over the recorded keyshare scheme
//! `test`); and session lifetimes run on a paused clock.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::clock::Clock;
use super::engine::ClientHeaders;
use super::store::{Lifetimes, Store};
use super::{SessionError, Sessions, Settings};
use crate::config::Permissions;
use crate::crypto::bigint::Int;
use crate::crypto::idemix::{CLSignature, IssueSignatureMessage, Proof, ProofP, ProofS, PublicKey};
use crate::protocol::errors::ErrorKind;
use crate::protocol::identifiers::PublicKeyId;
use crate::protocol::messages::ProofStatus;
use crate::protocol::request::{CredentialRequest, RequestorRequest};
use crate::protocol::status::ServerStatus;
use crate::protocol::tokens::{AppToken, RequestorToken};
use crate::scheme::Configuration;
use crate::session::issue::credential_attributes;
use crate::session::permissions::PermissionSet;
use crate::session::validate::PrivateKeyFolder;

pub(super) fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// An engine over `schemes` that lets every requestor do everything, on `clock`.
pub(super) fn engine(schemes: Configuration, clock: Clock) -> Arc<Sessions> {
    engine_with_keys(schemes, clock, PrivateKeyFolder::default())
}

/// [`engine`], with issuer private keys also in `private_keys`.
fn engine_with_keys(
    schemes: Configuration,
    clock: Clock,
    private_keys: PrivateKeyFolder,
) -> Arc<Sessions> {
    let all = vec!["*".to_owned()];
    let settings = Settings::embedded(
        "http://127.0.0.1:1/irma/".to_owned(),
        Lifetimes {
            max_session: Duration::from_secs(15 * 60),
            result: Duration::from_secs(5 * 60),
        },
        private_keys,
        PermissionSet::resolve(
            &Permissions {
                disclose: all.clone(),
                sign: all.clone(),
                issue: all.clone(),
                revoke: Vec::new(),
                hosts: Vec::new(),
            },
            [],
            &schemes,
            &Default::default(),
            false,
        )
        .unwrap(),
        clock,
    );
    let store = Store::memory(settings.lifetimes);
    Arc::new(Sessions::new(store, settings, Arc::new(schemes)))
}

/// The session cases of the vectors with a client side (not the requestor-only ones).
fn session_cases() -> Vec<Value> {
    cases_in(&["disclosure", "issuance", "signature", "negative", "jwt"])
}

/// The session cases of these folders of the vectors.
pub(super) fn cases_in(folders: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    for folder in folders {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(test_data().join("vectors").join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if case.get("client_session_request").is_some() {
                out.push(case);
            }
        }
    }
    out
}

/// What the requestor asked: the JSON it posted, or the request inside its JWT.
fn recorded_request(case: &Value) -> RequestorRequest {
    let request = match &case["session_request"] {
        Value::String(_) => {
            let claims = &case["request_jwt_decoded"]["claims"];
            ["sprequest", "absrequest", "iprequest"]
                .iter()
                .find_map(|k| claims.get(*k))
                .unwrap()
                .clone()
        }
        posted => posted.clone(),
    };
    RequestorRequest::from_json(request).unwrap()
}

fn app_token(url: &str) -> AppToken {
    AppToken::parse(url.rsplit('/').next().unwrap()).unwrap()
}

/// The app's first request as recorded: its version headers and `Authorization`.
fn recorded_headers(case: &Value) -> (String, String, String) {
    let first = &case["exchanges"]["client"][0]["request_headers"];
    let get = |k: &str| first[k].as_str().unwrap().to_owned();
    (
        get("X-Irma-Minprotocolversion"),
        get("X-Irma-Maxprotocolversion"),
        get("Authorization"),
    )
}

/// A copy of irma-demo whose timestamp server is `url`, re-signed with its own `sk.pem`
/// (the vectors' "loopback-resigned" variant, at a port of this test's choosing).
fn loopback_scheme(url: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("irma-demo");
    copy(&test_data().join("schemes/irma-demo"), &scheme);
    let desc = scheme.join("description.xml");
    let text = std::fs::read_to_string(&desc).unwrap();
    let (start, end) = (
        text.find("<TimestampServer>").unwrap(),
        text.find("</TimestampServer>").unwrap(),
    );
    let text = format!("{}<TimestampServer>{url}{}", &text[..start], &text[end..]);
    std::fs::write(&desc, text).unwrap();
    let key = std::fs::read_to_string(scheme.join("sk.pem")).unwrap();
    let key = crate::scheme::keys::SchemeSigningKey::from_pem(&key).unwrap();
    crate::scheme::sign::sign_scheme(&key, &scheme, 1_795_000_000).unwrap();
    dir
}

/// A timestamp server that only answers go-atum's key check (`GET /checkPublicKey`),
/// trusting every key; returns its URL and the `pk` values it was asked about.
async fn atum_key_server() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::extract::{Query, State};
    type Asked = Arc<Mutex<Vec<String>>>;
    async fn check(
        State(asked): State<Asked>,
        Query(query): Query<std::collections::HashMap<String, String>>,
    ) -> axum::Json<Value> {
        asked
            .lock()
            .unwrap()
            .push(query.get("pk").cloned().unwrap_or_default());
        axum::Json(json!({"Trusted": true, "Expires": "2030-01-01T00:00:00Z"}))
    }
    let asked = Asked::default();
    let app = axum::Router::new()
        .route("/checkPublicKey", axum::routing::get(check))
        .with_state(Arc::clone(&asked));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, asked)
}

/// The reference panicked on these (HTTP 500); we answer 400 with the same outcome.
const REFERENCE_PANICS: [&str; 2] = [
    "negative/indices-undisclosed-attribute",
    "negative/missing-proof",
];

/// Replays one recorded session into `sessions` (over `schemes`): the request, the nonce,
/// the app's first GET and its message (or its cancel), and checks each answer and the
/// result against the recording. Returns the signatures issued, if any.
pub(super) async fn replay(
    sessions: &Arc<Sessions>,
    schemes: &Configuration,
    case: &Value,
) -> Vec<IssueSignatureMessage> {
    let name = case["case"].as_str().unwrap();
    let package = sessions.start(recorded_request(case), None).await.unwrap();
    let token = package.token.clone();
    let ct = app_token(&package.session_ptr.url);
    // What the server sent, where a proxy changed it before the app saw it.
    let recorded = case
        .get("client_session_request_untampered")
        .unwrap_or(&case["client_session_request"]);
    let int = |v: &Value| serde_json::from_value::<Int>(v.clone()).unwrap();
    sessions
        .set_nonce_for_test(
            &token,
            int(&recorded["request"]["nonce"]),
            int(&recorded["request"]["context"]),
        )
        .await
        .unwrap();

    let (min, max, auth) = recorded_headers(case);
    let headers = ClientHeaders {
        min: Some(&min),
        max: Some(&max),
        authorization: Some(&auth),
    };
    let got = sessions.app_get(&ct, headers).await.unwrap();
    assert_eq!(&serde_json::to_value(&got).unwrap(), recorded, "{name}");

    let message = &case["client_message"];
    let expected = &case["server_response_to_client_message"];
    let mut issued = Vec::new();
    if message.is_null() {
        // The recorded app cancelled, or stopped without a word (a blocked keyshare PIN).
        if case["session_result"]["status"] == "CANCELLED" {
            sessions.app_cancel(&ct).await.unwrap();
        }
    } else {
        if case["tamper"]["action"] == "delay" {
            // A recording proxy held the message back.
            let seconds = case["tamper"]["seconds"].as_u64().unwrap();
            tokio::time::sleep(Duration::from_secs(seconds)).await;
        }
        let body = serde_json::to_vec(&message["body"]).unwrap();
        let answer = match message["path_suffix"].as_str().unwrap() {
            "proofs" => sessions.app_proofs(&ct, Some(&auth), body).await,
            _ => sessions.app_commitments(&ct, Some(&auth), body).await,
        };
        match answer {
            Ok(answer) if answer.issue_signatures.is_empty() => {
                assert_eq!(expected["status"], 200, "{name}");
                assert_eq!(serde_json::to_value(&answer).unwrap(), expected["body"]);
            }
            Ok(answer) => {
                assert_eq!(expected["status"], 200, "{name}");
                assert_eq!(answer.proof_status, ProofStatus::Valid, "{name}");
                let recorded_sigs = expected["body"]["sigs"].as_array().unwrap();
                assert_eq!(answer.issue_signatures.len(), recorded_sigs.len(), "{name}");
                check_issued(case, &answer.issue_signatures, schemes);
                issued = answer.issue_signatures;
            }
            Err(e) if REFERENCE_PANICS.contains(&name) => {
                // The reference panics (500 INTERNAL_ERROR); ours fails the session with
                // the reference's answer for any other index it cannot resolve.
                assert_eq!(expected["status"], 500, "{name}");
                assert_eq!(e.kind(), ErrorKind::Unknown, "{name}: {e}");
            }
            Err(e) => {
                let body = &expected["body"];
                assert_eq!(e.kind().status(), expected["status"], "{name}: {e}");
                assert_eq!(e.kind().name(), body["error"], "{name}: {e}");
            }
        }
    }

    let mut result = serde_json::to_value(sessions.result(&token).await.unwrap()).unwrap();
    result["token"] = case["session_result"]["token"].clone();
    let mut expected = case["session_result"].clone();
    if REFERENCE_PANICS.contains(&name) {
        // The reference's recovered panic left no error in the result; ours names it.
        assert!(result["error"].is_object(), "{name}: {result}");
        result.as_object_mut().unwrap().remove("error");
    }
    if let Some(lists) = expected.get_mut("disclosed").and_then(Value::as_array_mut) {
        // Where the reference has `null` for an unsatisfied disjunction we send `[]`
        // (`record::disclosed_lists`).
        for list in lists.iter_mut().filter(|l| l.is_null()) {
            *list = Value::Array(Vec::new());
        }
    }
    if let (Some(ours), Some(theirs)) = (
        result.pointer("/error/message").and_then(Value::as_str),
        expected.pointer_mut("/error/message"),
    ) && theirs.as_str().is_some_and(|m| m.starts_with("crypto/rsa"))
    {
        // Go's RSA error text; ours says the same in our words.
        assert!(ours.contains("signature"), "{name}: {ours}");
        *theirs = Value::String(ours.to_owned());
    }
    if let (Some(ours), Some(theirs)) = (
        result.pointer("/disclosed/0/0/notrevokedbefore"),
        expected.pointer_mut("/disclosed/0/0/notrevokedbefore"),
    ) {
        // The verifier's last fetch: the reference's then, ours a few seconds ago.
        let now = sessions.now_secs();
        assert!(
            (now - 10..now).contains(&ours.as_i64().unwrap()),
            "{name}: {ours}"
        );
        *theirs = ours.clone();
    }
    if let Some(url) = expected.pointer_mut("/signature/timestamp/ServerUrl") {
        // The scheme's timestamp server, here on another port.
        *url = result["signature"]["timestamp"]["ServerUrl"].clone();
    }
    assert_eq!(result, expected, "{name}");
    issued
}

/// Each issued signature's proof verifies against the issuer's key and the app's `n_2`,
/// for the credential and key counter the app was told; and the signature is over the
/// verified commitment: `Z = A^e · S^v · U · Π R_i^{m_i}` holds for the app's `U` with the
/// keyshare server's `P` merged in (from the recorded `proofPJwts`), and not for the `U` the
/// app sent (the bug of signing that instead went unnoticed by the server).
fn check_issued(case: &Value, sigs: &[IssueSignatureMessage], schemes: &Configuration) {
    let name = case["case"].as_str().unwrap();
    let request = &case["client_session_request"]["request"];
    let now = case["recorded_at"].as_i64().unwrap();
    let context = serde_json::from_value::<Int>(request["context"].clone()).unwrap();
    let body = &case["client_message"]["body"];
    let nonce2 = serde_json::from_value::<Int>(body["n_2"].clone()).unwrap();
    let credentials: Vec<CredentialRequest> =
        serde_json::from_value(request["credentials"].clone()).unwrap();
    let proofs: Vec<Proof> = serde_json::from_value(body["combinedProofs"].clone()).unwrap();
    let proof_us = &proofs[proofs.len() - credentials.len()..];
    for ((sig, cred), proof) in sigs.iter().zip(&credentials).zip(proof_us) {
        let id = PublicKeyId {
            issuer: cred.credential.issuer(),
            counter: cred.key_counter,
        };
        let pk = PublicKey::from_xml(schemes.public_key_xml(&id).unwrap()).unwrap();
        let proof_s: &ProofS = &sig.proof;
        let signature: &CLSignature = &sig.signature;
        assert!(
            proof_s.verify(&pk, signature, &context.0, &nonce2.0),
            "{name}: {}",
            cred.credential
        );
        let Proof::U(proof_u) = proof else {
            panic!("{name}: not a ProofU");
        };
        let sent = proof_u.u.0.clone();
        let merged = match recorded_proof_p(body, cred.credential.scheme().as_str()) {
            Some(p) => &sent * &p.p.unwrap().0 % pk.n(),
            None => sent.clone(),
        };
        let credtype = schemes.credential_type(&cred.credential).unwrap();
        let mut ms = vec![num_bigint::BigUint::ZERO];
        let e = sig.nonrev.as_ref().map(|w| &w.e.0);
        for (i, m) in credential_attributes(cred, credtype, id.counter, now, e)
            .unwrap()
            .into_iter()
            .enumerate()
        {
            ms.push(m.unwrap_or_else(|| sig.m_issuer[&(i + 1)].0.clone()));
        }
        // `KeyshareP` is the extra factor of the relation: here the whole commitment.
        let over = |u: &num_bigint::BigUint| CLSignature {
            keyshare_p: Some(Int(u.clone())),
            ..signature.clone()
        };
        assert!(over(&merged).verify(&pk, &ms), "{name}: signed U");
        if merged != sent {
            assert!(!over(&sent).verify(&pk, &ms), "{name}: the app's bare U");
        }
    }
}

/// The ProofP in the recorded `proofPJwts` of `scheme`, unchecked.
fn recorded_proof_p(body: &Value, scheme: &str) -> Option<ProofP> {
    use base64::Engine;
    let jwt = body["proofPJwts"][scheme].as_str()?;
    let claims = jwt.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .ok()?,
    )
    .ok()?;
    serde_json::from_value(claims["ProofP"].clone()).ok()
}

/// Every recorded session through the engine gives the recorded answers and result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_sessions_replayed_into_the_engine() {
    let mut pristine: Option<(i64, Arc<Sessions>)> = None;
    let (atum_url, asked) = atum_key_server().await;
    let loopback = loopback_scheme(&atum_url);
    let mut replayed = 0;
    for case in session_cases() {
        let at_ms = u64::try_from(case["recorded_at"].as_i64().unwrap() * 1000).unwrap();
        if case["scheme"]["variant"] == "loopback-resigned" {
            if case["client_message"]["path_suffix"] == "commitments" {
                continue; // the setup of the loopback wallet: a plain issuance
            }
            let schemes = Configuration::load(loopback.path()).unwrap();
            let checks = Configuration::load(loopback.path()).unwrap();
            replay(&engine(schemes, Clock::tokio_at(at_ms)), &checks, &case).await;
        } else {
            // A fresh engine per case, on a clock at its recording time.
            let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
            let checks = Configuration::load(&test_data().join("schemes")).unwrap();
            let sessions = engine(schemes, Clock::tokio_at(at_ms));
            replay(&sessions, &checks, &case).await;
            pristine = Some((case["recorded_at"].as_i64().unwrap(), sessions));
        }
        replayed += 1;
    }
    assert!(pristine.is_some());
    assert_eq!(replayed, 35, "replayed sessions");
    let expected_pk = hex_of_b64(
        session_cases()
            .iter()
            .find_map(|c| c["atum_server"]["ed25519_public_key_b64"].as_str())
            .unwrap(),
    );
    assert_eq!(*asked.lock().unwrap(), [expected_pk], "the key check asked");
}

/// The keyshare scheme `test` of the keyshare vectors next to irma-demo (as the reference
/// server had them), and a folder with the private key of `test.test` (`setup.json`).
fn keyshare_setup() -> (tempfile::TempDir, Configuration, PrivateKeyFolder) {
    let dir = tempfile::tempdir().unwrap();
    let schemes = dir.path().join("schemes");
    std::fs::create_dir(&schemes).unwrap();
    let vectors = test_data().join("vectors/keyshare");
    std::os::unix::fs::symlink(vectors.join("scheme-test/test"), schemes.join("test")).unwrap();
    std::os::unix::fs::symlink(
        test_data().join("schemes/irma-demo"),
        schemes.join("irma-demo"),
    )
    .unwrap();
    let keys = dir.path().join("privkeys");
    std::fs::create_dir(&keys).unwrap();
    let setup: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors.join("setup.json")).unwrap())
            .unwrap();
    let key = setup["issuer_private_key_test_test_xml_test_only"]
        .as_str()
        .unwrap();
    std::fs::write(keys.join("test.test.xml"), key).unwrap();
    let conf = Configuration::load(&schemes).unwrap();
    (dir, conf, PrivateKeyFolder(Some(keys)))
}

/// Every recorded keyshare session through the engine: issuance with the keyshare server's
/// ProofP (and its negatives: a flipped JWT signature, another key, no JWT, the legacy
/// field; the scheme's other keyshare key is fine), disclosures and a signature with
/// keyshare credentials, and the session a blocked PIN left waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_keyshare_sessions_replayed_into_the_engine() {
    let (dir, checks, keys) = keyshare_setup();
    let mut replayed = 0;
    for case in cases_in(&["keyshare"]) {
        // The reference started the session a moment after `recorded_at`: an issuance's
        // default validity (6 months from then) tells when.
        let recorded_at = case["recorded_at"].as_i64().unwrap();
        let at = match case
            .pointer("/client_session_request/request/credentials/0/validity")
            .and_then(Value::as_i64)
        {
            Some(validity) if case["session_request"]["credentials"][0]["validity"].is_null() => {
                recorded_at + validity - crate::protocol::attributes::default_validity(recorded_at)
            }
            _ => recorded_at,
        };
        let at_ms = u64::try_from(at * 1000).unwrap();
        let schemes = Configuration::load(&dir.path().join("schemes")).unwrap();
        let sessions = engine_with_keys(schemes, Clock::tokio_at(at_ms), keys.clone());
        replay(&sessions, &checks, &case).await;
        replayed += 1;
    }
    assert_eq!(replayed, 12, "replayed keyshare sessions");
}

fn hex_of_b64(b64: &str) -> String {
    use base64::Engine;
    hex::encode(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
}

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

fn demo_engine() -> Arc<Sessions> {
    let schemes = Configuration::load(&test_data().join("schemes/irma-demo")).unwrap();
    engine(schemes, Clock::tokio_at(1_795_323_563_000))
}

async fn start(sessions: &Sessions, request: Value) -> (RequestorToken, AppToken) {
    let request = RequestorRequest::from_json(request).unwrap();
    let package = sessions.start(request, None).await.unwrap();
    (package.token, app_token(&package.session_ptr.url))
}

const APP: ClientHeaders<'static> = ClientHeaders {
    min: Some("2.4"),
    max: Some("2.8"),
    authorization: Some("HxjSTRZW1Tllu0pS4tok"),
};

async fn advance_and_expire(sessions: &Sessions, by: Duration) {
    tokio::time::advance(by).await;
    sessions.expire_all().await.unwrap();
}

/// The request's `timeout` while waiting for the app, the maximum session lifetime once it
/// connected (and while waiting without a `timeout`), the result lifetime once finished;
/// subscribers see TIMEOUT; removed sessions are unknown.
#[tokio::test(start_paused = true)]
async fn lifetimes_on_a_paused_clock() {
    let sessions = demo_engine();
    let (waiting, _) = start(&sessions, json!({"timeout": 60, "request": over18()})).await;
    let (connected, ct) = start(&sessions, over18()).await;
    let (idle, _) = start(&sessions, over18()).await;
    sessions.app_get(&ct, APP).await.unwrap();
    let mut events = sessions.subscribe(&waiting).await.unwrap();
    assert_eq!(*events.borrow_and_update(), ServerStatus::Initialized);

    // t = 59 s, 61 s: the request's timeout of 60 s.
    advance_and_expire(&sessions, Duration::from_secs(59)).await;
    assert_eq!(
        sessions.status(&waiting).await,
        Ok(ServerStatus::Initialized)
    );
    advance_and_expire(&sessions, Duration::from_secs(2)).await;
    events.changed().await.unwrap();
    assert_eq!(*events.borrow(), ServerStatus::Timeout);
    let result = sessions.result(&waiting).await.unwrap();
    assert_eq!(result.status, ServerStatus::Timeout);

    // t = 360 s, 362 s: its result is kept 5 minutes after it timed out.
    advance_and_expire(&sessions, Duration::from_secs(299)).await;
    assert_eq!(sessions.status(&waiting).await, Ok(ServerStatus::Timeout));
    advance_and_expire(&sessions, Duration::from_secs(2)).await;
    assert_eq!(sessions.status(&waiting).await, Err(SessionError::Unknown));

    // t = 899 s, 901 s: 15 minutes after the app connected, and after the idle one started.
    advance_and_expire(&sessions, Duration::from_secs(537)).await;
    assert_eq!(
        sessions.status(&connected).await,
        Ok(ServerStatus::Connected)
    );
    assert_eq!(sessions.status(&idle).await, Ok(ServerStatus::Initialized));
    advance_and_expire(&sessions, Duration::from_secs(2)).await;
    assert_eq!(sessions.status(&connected).await, Ok(ServerStatus::Timeout));
    assert_eq!(sessions.status(&idle).await, Ok(ServerStatus::Timeout));
    let late = sessions.app_proofs(&ct, APP.authorization, b"{}").await;
    assert!(
        matches!(late, Err(SessionError::UnexpectedRequest(_))),
        "{late:?}"
    );

    // t = 1202 s: both removed.
    advance_and_expire(&sessions, Duration::from_secs(301)).await;
    assert_eq!(
        sessions.status(&connected).await,
        Err(SessionError::Unknown)
    );
    assert_eq!(sessions.status(&idle).await, Err(SessionError::Unknown));
    assert_eq!(sessions.app_status(&ct).await, Err(SessionError::Unknown));
}

/// A message that finds the verification pool full is refused at once with
/// `TOO_MANY_REQUESTS` and leaves the session waiting for the app; with room again the
/// next message is handled. Nothing runs on the pool for a refused message.
#[tokio::test]
async fn full_verification_pools_refuse_messages_at_once() {
    let sessions = demo_engine();
    let (token, ct) = start(&sessions, over18()).await;
    sessions.app_get(&ct, APP).await.unwrap();
    let held: Vec<_> = std::iter::from_fn(|| sessions.workers().place().ok()).collect();
    assert!(!held.is_empty());
    let busy = sessions.app_proofs(&ct, APP.authorization, b"{}").await;
    assert!(matches!(busy, Err(SessionError::Busy(_))), "{busy:?}");
    assert_eq!(busy.unwrap_err().kind(), ErrorKind::TooManyRequests);
    assert_eq!(sessions.status(&token).await, Ok(ServerStatus::Connected));
    assert_eq!(sessions.workers().started(), 0);
    drop(held);
    // Room again: this body does not parse, which leaves the session waiting too.
    let malformed = sessions.app_proofs(&ct, APP.authorization, b"{").await;
    assert!(matches!(malformed, Err(SessionError::MalformedInput(_))));
    assert_eq!(sessions.workers().started(), 1);
    assert_eq!(sessions.status(&token).await, Ok(ServerStatus::Connected));
}

/// A status subscriber sees every transition of a paired session, in order, and a
/// cancelled session's result lives the result lifetime.
#[tokio::test(start_paused = true)]
async fn subscribers_see_every_transition() {
    use crate::protocol::session::{FrontendOptionsRequest, PairingMethod};
    let sessions = demo_engine();
    let request = RequestorRequest::from_json(over18()).unwrap();
    let package = sessions.start(request, None).await.unwrap();
    let (token, ct) = (package.token, app_token(&package.session_ptr.url));
    let auth = Some(package.frontend_request.authorization.as_str());
    let mut events = sessions.subscribe(&token).await.unwrap();
    let mut seen = vec![*events.borrow_and_update()];
    let pin = FrontendOptionsRequest {
        context: String::new(),
        pairing_method: Some(PairingMethod::Pin),
    };
    let options = sessions.frontend_options(&ct, auth, pin).await.unwrap();
    assert_eq!(options.pairing_code.len(), 4);
    sessions.app_get(&ct, APP).await.unwrap();
    events.changed().await.unwrap();
    seen.push(*events.borrow_and_update());
    let early = sessions.app_request(&ct, APP.authorization).await;
    assert_eq!(early, Err(SessionError::PairingRequired));
    sessions.pairing_completed(&ct, auth).await.unwrap();
    events.changed().await.unwrap();
    seen.push(*events.borrow_and_update());
    sessions.app_cancel(&ct).await.unwrap();
    events.changed().await.unwrap();
    seen.push(*events.borrow_and_update());
    assert_eq!(
        seen,
        [
            ServerStatus::Initialized,
            ServerStatus::Pairing,
            ServerStatus::Connected,
            ServerStatus::Cancelled
        ]
    );
    advance_and_expire(&sessions, Duration::from_secs(5 * 60 - 1)).await;
    assert_eq!(sessions.status(&token).await, Ok(ServerStatus::Cancelled));
    advance_and_expire(&sessions, Duration::from_secs(2)).await;
    assert_eq!(sessions.status(&token).await, Err(SessionError::Unknown));
}
