//! The recorded verifier sessions of `tests/data/vectors/revocation` replayed into the engine
//! (as `session::tests` does for the others), with the reference authority's recorded
//! answers served over HTTP on loopback: each verifier instance of the recording (B1, B2)
//! is one engine that goes through its cases in order, so that what it fetched for one case
//! is what it attaches for the next; the authority must be asked exactly what the reference
//! verifier asked, no more, no less.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::Sessions;
use super::clock::Clock;
use super::engine::ClientHeaders;
use super::tests::{cases_in, engine, replay, test_data};
use crate::config::RevocationSettings;
use crate::protocol::errors::ErrorKind;
use crate::protocol::identifiers::CredentialTypeId;
use crate::protocol::request::RequestorRequest;
use crate::protocol::tokens::AppToken;
use crate::revocation::Service;
use crate::scheme::Configuration;

/// The authority as recorded: serves the queued recorded answers in order, and notes every
/// path it was asked and every body posted to it.
#[derive(Default)]
struct Authority {
    answers: Mutex<VecDeque<Value>>,
    asked: Mutex<Vec<String>>,
    posted: Mutex<Vec<Vec<u8>>>,
}

async fn answer(
    State(authority): State<Arc<Authority>>,
    uri: Uri,
    body: axum::body::Bytes,
) -> Response {
    authority.asked.lock().unwrap().push(uri.path().to_owned());
    if !body.is_empty() {
        authority.posted.lock().unwrap().push(body.to_vec());
    }
    let Some(exchange) = authority.answers.lock().unwrap().pop_front() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    // A recorded empty answer has no base64 form.
    let body = exchange["response_body_raw_b64"]
        .as_str()
        .map_or_else(Vec::new, |b64| STANDARD.decode(b64).unwrap());
    let status = u16::try_from(exchange["status"].as_u64().unwrap()).unwrap();
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (name, value) in exchange["response_headers"].as_object().unwrap() {
        response.headers_mut().insert(
            HeaderName::try_from(name.as_str()).unwrap(),
            HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
        );
    }
    response
}

/// Starts the recorded authority; returns it and its URL (as a `revocation_server_url`).
async fn authority() -> (Arc<Authority>, String) {
    let authority = Arc::new(Authority::default());
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&authority));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/irma", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (authority, url)
}

fn root() -> CredentialTypeId {
    CredentialTypeId::parse("irma-demo.MijnOverheid.root").unwrap()
}

/// A verifier like the recording's B: the demo schemes, updates of the root credential from
/// `url`, on a clock that starts at `at` (unix s).
fn verifier(url: &str, at: i64) -> Arc<Sessions> {
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    let clock = Clock::tokio_at(u64::try_from(at).unwrap() * 1000);
    let mut sessions = engine(schemes, clock);
    let settings = RevocationSettings {
        url: Some(url.to_owned()),
        ..Default::default()
    };
    let types = BTreeMap::from([(root(), settings)]);
    Arc::get_mut(&mut sessions)
        .expect("a new engine")
        .set_revocation(Arc::new(Service::new(types, None, clock)));
    sessions
}

fn case(name: &str) -> Value {
    let name = format!("revocation/{name}");
    cases_in(&["revocation"])
        .into_iter()
        .find(|c| c["case"] == name.as_str())
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// Replays `names` in order into one verifier, checking the authority traffic of each.
async fn replay_instance(names: &[&str]) {
    let (authority, url) = authority().await;
    let first = case(names[0]);
    let sessions = verifier(&url, first["recorded_at"].as_i64().unwrap());
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    for name in names {
        let case = case(name);
        let recorded: Vec<Value> = case["exchanges"]["revocation"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        authority.asked.lock().unwrap().clear();
        *authority.answers.lock().unwrap() = recorded.iter().cloned().collect();
        replay(&sessions, &schemes, &case).await;
        let paths: Vec<&str> = recorded
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(*authority.asked.lock().unwrap(), paths, "{name}");
    }
}

/// B1: fetches for its first session, then again only when the request's tolerance asks
/// for it; a flipped bit or a missing nonrevocation proof is INVALID; after the revocation
/// its cached update still lets the revoked credential pass (the reference's cache, which
/// tolerance/2 bounds), and a request without `revocation` does not look.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_verifier_b1_sessions() {
    replay_instance(&[
        "disclosure-nonrevoked",
        "disclosure-notrevokedbefore",
        "negative-nonrev-flipped-bit",
        "negative-nonrev-proof-omitted",
        "disclosure-revoked-verifier-cache",
        "disclosure-revoked-without-revocation-request",
    ])
    .await;
}

/// B2, started after the revocation: attaches the new update, so a proof against the old
/// accumulator is INVALID; credentials issued after the revocation (here and by a remote
/// issuer) pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_verifier_b2_sessions() {
    replay_instance(&[
        "negative-stale-accumulator",
        "disclosure-revoked",
        "disclosure-revoked-without-revocation-request-wallet-knows",
        "disclosure-nonrevoked-after-revocation",
        "disclosure-nonrevoked-remote-issued",
    ])
    .await;
}

/// B3: no authority and nothing cached: the app's GET fails with REVOCATION and the session
/// is cancelled with that error, as recorded; but the message does not give the app the
/// authority's internal URL, as the reference's does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_authority_cancels_without_telling_its_url() {
    let case = case("disclosure-authority-unreachable");
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/irma", closed.local_addr().unwrap());
    drop(closed);
    let sessions = verifier(&url, case["recorded_at"].as_i64().unwrap());
    let request = RequestorRequest::from_json(case["session_request"].clone()).unwrap();
    let package = sessions.start(request, None).await.unwrap();
    let client = AppToken::parse(package.session_ptr.url.rsplit('/').next().unwrap()).unwrap();
    let headers = ClientHeaders {
        min: Some("2.4"),
        max: Some("2.8"),
        authorization: Some("HxjSTRZW1Tllu0pS4tok"),
    };
    let err = sessions.app_get(&client, headers).await.unwrap_err();
    let recorded = &case["exchanges"]["client"][0];
    assert_eq!(err.kind(), ErrorKind::Revocation);
    assert_eq!(err.kind().status(), recorded["status"]);
    assert_eq!(err.kind().name(), recorded["response_body"]["error"]);
    let message = err.to_string();
    assert!(message.contains("irma-demo.MijnOverheid.root"), "{message}");
    assert!(!message.contains("127.0.0.1"), "{message}");

    let result = serde_json::to_value(sessions.result(&package.token).await.unwrap()).unwrap();
    let expected = &case["session_result"];
    assert_eq!(result["status"], expected["status"]);
    assert_eq!(result["error"]["error"], expected["error"]["error"]);
    assert_eq!(result["error"]["status"], expected["error"]["status"]);
    assert_eq!(result["error"]["message"], message.as_str());
}

/// A request for nonrevocation proofs of a type without revocation, or of an unknown type,
/// is refused with the reference's messages (`error-bodies`).
#[tokio::test]
async fn revocation_of_unsupported_types_is_refused_as_recorded() {
    let bodies = case_file("error-bodies");
    let sessions = verifier("http://127.0.0.1:1/irma", 1_796_588_827);
    let mut refused = 0;
    for call in bodies["calls"].as_array().unwrap() {
        let request = &call["request_body"];
        if call["path"] != "/session" || request.get("revocation").is_none() {
            continue;
        }
        let request = RequestorRequest::from_json(request.clone()).unwrap();
        let err = sessions.start(request, None).await.unwrap_err();
        assert_eq!(err.kind().status(), call["status"]);
        assert_eq!(err.kind().name(), call["response_body"]["error"]);
        assert_eq!(
            err.to_string(),
            call["response_body"]["message"].as_str().unwrap()
        );
        refused += 1;
    }
    assert_eq!(refused, 2);
}

fn case_file(name: &str) -> Value {
    let path = test_data().join(format!("vectors/revocation/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// With the authority down, a verifier that fetched before attaches its older copy (and
/// logs a warning) instead of failing the session, and the result says since when
/// nonrevocation is known (`disclosure-authority-unreachable-verifier-cached`, here with a
/// tolerance of 1 s, which always fetches, instead of waiting 30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_update_serves_while_the_authority_is_down() {
    let (authority, url) = authority().await;
    let first = case("disclosure-nonrevoked");
    let sessions = verifier(&url, first["recorded_at"].as_i64().unwrap());
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    *authority.answers.lock().unwrap() = first["exchanges"]["revocation"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .collect();
    replay(&sessions, &schemes, &first).await;
    // Nothing more to answer: the authority now fails every request (503).
    let fresh = case("disclosure-notrevokedbefore");
    replay(&sessions, &schemes, &fresh).await;
    let path = "/irma/revocation/irma-demo.MijnOverheid.root/update/16";
    assert_eq!(*authority.asked.lock().unwrap(), [path, path]);
}

/// The recorded update in `case`'s call or exchange `exchange`.
fn recorded_updates(exchange: &Value) -> crate::crypto::revocation::Updates {
    let raw = STANDARD
        .decode(exchange["response_body_raw_b64"].as_str().unwrap())
        .unwrap();
    crate::crypto::revocation::from_cbor(&raw).unwrap()
}

/// An issuer like the recording's A: the demo schemes with their private keys, the authority
/// of the root credential, whose state is `updates` (as recorded), on a clock at `at`.
async fn authority_engine(updates: &crate::crypto::revocation::Updates, at: i64) -> Arc<Sessions> {
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    let clock = Clock::tokio_at(u64::try_from(at).unwrap() * 1000);
    let mut sessions = engine(schemes, clock);
    let settings = RevocationSettings {
        authority: true,
        server: true,
        ..Default::default()
    };
    let service = Arc::new(Service::new(
        BTreeMap::from([(root(), settings)]),
        None,
        clock,
    ));
    Arc::get_mut(&mut sessions)
        .expect("a new engine")
        .set_revocation(Arc::clone(&service));
    let keys = sessions.revocation_keys();
    for update in updates.values() {
        service
            .add_update(keys.as_ref(), &root(), update)
            .await
            .unwrap();
    }
    sessions
}

/// Checks an issued witness against the recorded answer: the same JSON fields, a witness
/// that verifies against the accumulator the recorded one was issued against (and the
/// recorded one does too), `e` of the reference's size, the issuer's zero time.
fn check_witness(case: &Value, sigs: &[crate::crypto::idemix::IssueSignatureMessage]) {
    use crate::crypto::revocation::Witness;
    let name = case["case"].as_str().unwrap();
    let recorded = &case["server_response_to_client_message"]["body"]["sigs"][0];
    let [sig] = sigs else {
        panic!("{name}: {} signatures", sigs.len());
    };
    let ours = serde_json::to_value(sig).unwrap();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(recorded), "{name}");
    assert_eq!(keys(&ours["nonrev"]), keys(&recorded["nonrev"]), "{name}");
    assert_eq!(ours["nonrev"]["sacc"], recorded["nonrev"]["sacc"], "{name}");
    assert_eq!(
        ours["nonrev"]["Updated"], recorded["nonrev"]["Updated"],
        "{name}"
    );
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    let id = crate::protocol::identifiers::PublicKeyId {
        issuer: root().issuer(),
        counter: 2,
    };
    let pk =
        crate::crypto::idemix::PublicKey::from_xml(schemes.public_key_xml(&id).unwrap()).unwrap();
    let witness = sig.nonrev.as_ref().unwrap();
    let acc = witness.verify(&pk).unwrap();
    let theirs: Witness = serde_json::from_value(recorded["nonrev"].clone()).unwrap();
    assert_eq!(theirs.verify(&pk).unwrap(), acc, "{name}");
    assert!(
        witness.e.0.bits() <= 196 && witness.e.0 != theirs.e.0,
        "{name}"
    );
}

/// A (the authority) issues the revocable root credential as recorded before and after the
/// revocation: the app's request carries `revocationSupported` and not the requestor's key,
/// the signature comes with a witness against the authority's accumulator and over `e` as
/// the revocation attribute (`check_issued`), and the issuance record is kept, so that the
/// requestor's key revokes the credential, after which the witness cannot follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_issuance_at_the_authority() {
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    let initial = recorded_updates(&case_file("update-messages")["calls"][0]);
    let revoked = recorded_updates(&case_file("revoke")["updates_after"][0]);
    for (name, updates) in [
        ("issuance-root", &initial),
        ("issuance-root-after-revocation", &revoked),
    ] {
        let case = case(name);
        let sessions = authority_engine(updates, case["recorded_at"].as_i64().unwrap()).await;
        let sigs = replay(&sessions, &schemes, &case).await;
        check_witness(&case, &sigs);

        let keys = sessions.revocation_keys();
        let service = sessions.revocation();
        let key = case["session_request"]["credentials"][0]["revocationKey"]
            .as_str()
            .unwrap();
        let unknown = service
            .revoke(keys.as_ref(), &root(), "no-such-key", None)
            .await;
        assert!(
            matches!(
                unknown,
                Err(crate::revocation::ServiceError::Store(
                    crate::revocation::StoreError::UnknownRevocationKey
                ))
            ),
            "{name}: {unknown:?}"
        );
        service
            .revoke(keys.as_ref(), &root(), key, None)
            .await
            .unwrap();
        let latest = service
            .latest_updates(keys.as_ref(), &root(), 16, Some(2))
            .await
            .unwrap();
        let mut witness = sigs[0].nonrev.clone().unwrap();
        let pk = keys.public_key(&crate::protocol::identifiers::PublicKeyId {
            issuer: root().issuer(),
            counter: 2,
        });
        assert_eq!(
            witness.update(&pk.unwrap(), &latest[&2]),
            Err(crate::crypto::revocation::RevocationError::Revoked),
            "{name}"
        );
    }
}

/// C, an issuer that is not the authority, fetches the accumulator from it, issues against
/// it, and posts the issuance record signed with the issuer's revocation key, as recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_issuance_via_the_remote_authority() {
    use crate::crypto::revocation::{SignedMessage, signed};
    use crate::revocation::IssuanceRecord;
    let case = case("issuance-via-remote-authority");
    let (authority, url) = authority().await;
    let recorded: Vec<Value> = case["exchanges"]["revocation"].as_array().unwrap().clone();
    *authority.answers.lock().unwrap() = recorded.iter().cloned().collect();
    let sessions = verifier(&url, case["recorded_at"].as_i64().unwrap());
    let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
    let sigs = replay(&sessions, &schemes, &case).await;
    check_witness(&case, &sigs);
    let paths: Vec<&str> = recorded
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(*authority.asked.lock().unwrap(), paths);

    let keys = sessions.revocation_keys();
    let pk = keys
        .public_key(&crate::protocol::identifiers::PublicKeyId {
            issuer: root().issuer(),
            counter: 2,
        })
        .unwrap();
    let verifying = signed::verifying_key(&pk).unwrap();
    let read = |bytes: Vec<u8>| -> IssuanceRecord {
        SignedMessage::from_bytes(bytes).verify(&verifying).unwrap()
    };
    let posted = authority.posted.lock().unwrap().clone();
    let [ours] = posted.as_slice() else {
        panic!("{} bodies posted", posted.len());
    };
    let ours = read(ours.clone());
    let theirs = read(
        STANDARD
            .decode(recorded[1]["request_body_raw_b64"].as_str().unwrap())
            .unwrap(),
    );
    assert_eq!(ours.key, theirs.key);
    assert_eq!(ours.cred_type, theirs.cred_type);
    assert_eq!(ours.pk_counter, theirs.pk_counter);
    assert_eq!(ours.valid_until, theirs.valid_until);
    assert_eq!(ours.revoked_at, 0);
    assert_eq!(&ours.attr, &sigs[0].nonrev.as_ref().unwrap().e);
    // Issued at the session's time (ns), within the second the reference issued in.
    assert_eq!(ours.issued / 1_000_000_000, theirs.issued / 1_000_000_000);
}

/// Issuance requests for the revocable type are refused as recorded without a revocation
/// key, or at a server with no revocation server for the type; a key for a type without
/// revocation, which the reference ignores, is refused too.
#[tokio::test]
async fn issuance_requests_without_what_revocation_needs_are_refused() {
    let bodies = case_file("error-bodies");
    let calls: Vec<&Value> = bodies["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["path"] == "/session"
                && c["request_body"]["@context"] == "https://irma.app/ld/request/issuance/v2"
        })
        .collect();
    let at: i64 = 1_796_588_827;
    let updates = recorded_updates(&case_file("update-messages")["calls"][0]);
    let plain = {
        let schemes = Configuration::load(&test_data().join("schemes")).unwrap();
        engine(schemes, Clock::tokio_at(u64::try_from(at).unwrap() * 1000))
    };
    let issuer = authority_engine(&updates, at).await;
    let mut refused = 0;
    for call in calls {
        let request = RequestorRequest::from_json(call["request_body"].clone()).unwrap();
        let message = call["response_body"]["message"].as_str().unwrap();
        let at = if message.contains("no revocationKey") {
            &issuer
        } else if message.contains("no revocation server") {
            &plain
        } else {
            continue; // a verifier without private keys
        };
        let err = at.start(request, None).await.unwrap_err();
        assert_eq!(err.kind().status(), call["status"]);
        assert_eq!(err.kind().name(), call["response_body"]["error"]);
        assert_eq!(err.to_string(), message);
        refused += 1;
    }
    assert_eq!(refused, 2);
    let keyed = serde_json::json!({
        "@context": "https://irma.app/ld/request/issuance/v2",
        "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
            "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"},
            "revocationKey": "k"}]
    });
    let err = issuer
        .start(RequestorRequest::from_json(keyed).unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(
        err.to_string().contains("does not support revocation"),
        "{err}"
    );
}
