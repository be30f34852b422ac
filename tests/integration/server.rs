//! `irma server` over real HTTP on 127.0.0.1: session packages and client requests as
//! recorded from the reference, the recorded error bodies, statuses, pairing, cancelling,
//! timeouts and server-sent events.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::util::{Server, data_dir, sse_events, vector};

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

fn age_lower_issuance() -> Value {
    json!({"@context": "https://irma.app/ld/request/issuance/v2",
           "credentials": [{"credential": "irma-demo.MijnOverheid.ageLower",
                            "attributes": {"over12": "yes", "over16": "yes", "over18": "yes", "over21": "no"}}]})
}

fn app_token(package: &Value) -> String {
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    u.rsplit('/').next().unwrap().to_owned()
}

/// Starts a session and has the app fetch it (CONNECTED): its requestor and client token.
async fn connected(server: &Server, request: &Value) -> (String, String) {
    let package = server.start_session(request).await;
    let ct = app_token(&package);
    let (status, _, body) = server
        .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
        .await;
    assert_eq!(status, 200, "{body}");
    (package["token"].as_str().unwrap().to_owned(), ct)
}

const APP_HEADERS: [(&str, &str); 3] = [
    ("Authorization", "HxjSTRZW1Tllu0pS4tok"),
    ("X-IRMA-MinProtocolVersion", "2.4"),
    ("X-IRMA-MaxProtocolVersion", "2.9"),
];

/// Blanks the values that differ per run: tokens, host, nonce, credential validity.
fn normalise(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    match k.as_str() {
                        "token" | "authorization" | "nonce" | "u" | "validity" => {
                            *val = Value::String("*".into())
                        }
                        _ => walk(val),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

fn vectors() -> Vec<Value> {
    let mut out = Vec::new();
    for folder in ["disclosure", "issuance", "signature", "negative"] {
        let dir = data_dir().join("vectors").join(folder);
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["scheme"]["variant"] == "pristine" && v["session_request"].is_object() {
                out.push(v);
            }
        }
    }
    assert!(out.len() >= 25, "{} session vectors", out.len());
    out
}

#[tokio::test]
async fn packages_and_client_requests_match_the_recorded_ones() {
    let server = Server::start(&[]).await;
    for v in vectors() {
        let case = v["case"].as_str().unwrap();
        let package = server.start_session(&v["session_request"]).await;
        assert_eq!(
            normalise(package.clone()),
            normalise(v["session_package"].clone()),
            "{case}"
        );
        let ct = app_token(&package);
        assert!(
            package["sessionPtr"]["u"]
                .as_str()
                .unwrap()
                .starts_with(&server.url("/irma/session/"))
        );
        let (status, content_type, body) = server
            .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
            .await;
        assert_eq!(status, 200, "{case}: {body}");
        assert_eq!(content_type, "application/json; charset=UTF-8");
        let got: Value = serde_json::from_str(&body).unwrap();
        let nonce = got["request"]["nonce"].as_str().unwrap();
        // 128 random bits as base64 of the big-endian magnitude (leading zero bytes dropped).
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(nonce)
            .unwrap();
        assert!((12..=16).contains(&bytes.len()), "{case}: 128-bit nonce");
        assert_eq!(
            normalise(got),
            normalise(v["client_session_request"].clone()),
            "{case}"
        );
        let token = package["token"].as_str().unwrap();
        assert_eq!(server.status(token).await, "CONNECTED");
    }
}

#[tokio::test]
async fn error_bodies_match_the_recorded_ones() {
    let server = Server::start(&[]).await;
    let v: Value = vector("errors/error-bodies.json");
    let calls = v["calls"].as_array().unwrap();
    // Sessions the recording completed with proofs: we cannot replay those calls.
    let proof_sessions: Vec<String> = calls
        .iter()
        .filter_map(|c| {
            c["path"]
                .as_str()?
                .strip_suffix("/proofs")
                .map(str::to_owned)
        })
        .map(|p| p.rsplit('/').next().unwrap().to_owned())
        .collect();
    let mut tokens: Vec<(String, String)> = Vec::new();
    let mut skipped_requestor: Vec<String> = Vec::new();
    let mut checked = 0;
    for call in calls {
        let what = call["what"].as_str().unwrap();
        let mut path = call["path"].as_str().unwrap().to_owned();
        if skipped_requestor
            .iter()
            .chain(&proof_sessions)
            .any(|t| path.contains(t.as_str()))
        {
            continue;
        }
        for (recorded, ours) in &tokens {
            path = path.replace(recorded, ours);
        }
        let headers: Vec<(&str, &str)> = call["request_headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let method = call["method"].as_str().unwrap();
        let (status, content_type, body) = server
            .call(method, &path, &headers, call["request_body_raw"].as_str())
            .await;
        assert_eq!(status, call["status"], "{what}: {body}");
        // The reference replays a cached answer as text/plain; we cache only successes.
        let replayed_error = what.contains("NO trailing slash") && what.contains("unsupported");
        let expected_ct = call["response_headers"]["Content-Type"]
            .as_str()
            .unwrap_or("");
        if !expected_ct.is_empty() && !replayed_error {
            assert_eq!(content_type, expected_ct, "{what}");
        }
        if method == "POST" && path == "/session" && status == 200 {
            let ours: Value = serde_json::from_str(&body).unwrap();
            let recorded = &call["response_body"];
            if proof_sessions.contains(&app_token(recorded)) {
                skipped_requestor.push(recorded["token"].as_str().unwrap().to_owned());
            }
            tokens.push((
                recorded["token"].as_str().unwrap().into(),
                ours["token"].as_str().unwrap().into(),
            ));
            tokens.push((app_token(recorded), app_token(&ours)));
        } else if what.starts_with("unknown attribute")
            || what.starts_with("unknown credential type")
        {
            // The reference's message is its failed scheme download; we name the identifier.
            let ours: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(ours["error"], call["response_body"]["error"], "{what}");
            assert_eq!(
                ours["description"], call["response_body"]["description"],
                "{what}"
            );
            assert!(
                ours["message"]
                    .as_str()
                    .unwrap()
                    .contains("irma-demo.MijnOverheid")
            );
        } else {
            let mut expected = call["response_body_raw"].as_str().unwrap_or("").to_owned();
            for (recorded, ours) in &tokens {
                expected = expected.replace(recorded, ours);
            }
            assert_eq!(body, expected, "{what}");
        }
        checked += 1;
    }
    assert!(checked >= 25, "{checked} calls checked");
}

#[tokio::test]
async fn pairing_with_the_frontend() {
    let server = Server::start(&[]).await;
    let package = server.start_session(&age_lower_issuance()).await;
    assert_eq!(package["frontendRequest"]["pairingHint"], true);
    let token = package["token"].as_str().unwrap();
    let ct = app_token(&package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let frontend = |p: &str| format!("/irma/session/{ct}/frontend/{p}");
    let options =
        r#"{"@context":"https://irma.app/ld/request/frontendoptions/v1","pairingMethod":"pin"}"#;

    let (status, _, body) = server
        .call("POST", &frontend("options"), &[], Some(options))
        .await;
    assert_eq!(
        (status, body.contains("\"UNAUTHORIZED\"")),
        (403, true),
        "{body}"
    );
    let (status, _, body) = server
        .call(
            "POST",
            &frontend("options"),
            &[("Authorization", fauth)],
            Some(options),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let opts: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(opts["@context"], "https://irma.app/ld/options/v1");
    assert_eq!(opts["pairingMethod"], "pin");
    let code = opts["pairingCode"].as_str().unwrap();
    assert!(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()));

    let (status, _, body) = server
        .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
        .await;
    assert_eq!(status, 200);
    let csr: Value = serde_json::from_str(&body).unwrap();
    assert!(csr.get("request").is_none(), "{body}");
    assert_eq!(csr["options"]["pairingCode"], code);
    assert_eq!(server.status(token).await, "PAIRING");

    let request = format!("/irma/session/{ct}/request");
    let (status, _, body) = server.call("GET", &request, &APP_HEADERS, None).await;
    assert_eq!(status, 403);
    assert!(body.contains("PAIRING_REQUIRED"));
    let (status, _, _) = server
        .call(
            "POST",
            &frontend("options"),
            &[("Authorization", fauth)],
            Some(options),
        )
        .await;
    assert_eq!(status, 403, "options only while INITIALIZED");
    let (status, _, body) = server
        .call(
            "GET",
            &frontend("status"),
            &[("Authorization", fauth)],
            None,
        )
        .await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"PAIRING"}"#));

    let (status, _, _) = server
        .call(
            "POST",
            &frontend("pairingcompleted"),
            &[("Authorization", fauth)],
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(server.status(token).await, "CONNECTED");
    let (status, _, _) = server
        .call(
            "GET",
            &request,
            &[("Authorization", "wrongwrongwrongwrong")],
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, body) = server.call("GET", &request, &APP_HEADERS, None).await;
    assert_eq!(status, 200, "{body}");
    let req: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(req["credentials"][0]["keyCounter"], 2);
    assert_eq!(req["protocolVersion"], "2.8");
}

#[tokio::test]
async fn cancel_is_idempotent_and_isolated() {
    let server = Server::start(&[]).await;
    let a = server.start_session(&over18()).await;
    let b = server.start_session(&over18()).await;
    let ta = a["token"].as_str().unwrap();
    for _ in 0..2 {
        let (status, _, body) = server
            .call("DELETE", &format!("/session/{ta}"), &[], None)
            .await;
        assert_eq!((status, body.as_str()), (200, ""));
    }
    assert_eq!(server.status(ta).await, "CANCELLED");
    let (_, _, body) = server
        .call("GET", &format!("/session/{ta}/result"), &[], None)
        .await;
    assert_eq!(
        body,
        format!(r#"{{"token":"{ta}","status":"CANCELLED","type":"disclosing"}}"#)
    );
    // Bad input on another session does not touch this one.
    let tb = b["token"].as_str().unwrap();
    let ctb = app_token(&b);
    let (status, _, _) = server
        .call(
            "GET",
            &format!("/irma/session/{ctb}/"),
            &[("X-IRMA-MinProtocolVersion", "x")],
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(server.status(tb).await, "INITIALIZED");
    // The app's first GET is replayed for an identical retry.
    let path = format!("/irma/session/{ctb}/");
    let first = server.call("GET", &path, &APP_HEADERS, None).await;
    let second = server.call("GET", &path, &APP_HEADERS, None).await;
    assert_eq!(first.0, 200);
    assert_eq!(first.2, second.2);
    let (status, _, body) = server
        .call("DELETE", &format!("/irma/session/{ctb}"), &[], None)
        .await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(server.status(tb).await, "CANCELLED");
}

/// One log line per session event, naming the session by a token prefix only.
#[tokio::test]
async fn logs_one_line_per_session_event() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start_logged(&[], log.reopen().unwrap()).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap();
    let ct = app_token(&package);
    let path = format!("/irma/session/{ct}/");
    assert_eq!(server.call("GET", &path, &APP_HEADERS, None).await.0, 200);
    let (status, _, _) = server
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert_eq!(status, 200);
    let short = format!("RequestorToken({}…)", &token[..4]);
    // The log reaches the file through a pipe and a copying thread: wait for the last line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(log.path()).unwrap();
        let done = text.lines().filter(|l| l.contains(&short)).count() >= 3;
        if done || std::time::Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(&short)).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("session started"), "{text}");
    assert!(lines[1].contains("status=\"CONNECTED\""), "{text}");
    assert!(lines[2].contains("status=\"CANCELLED\""), "{text}");
    for secret in [
        token,
        ct.as_str(),
        package["frontendRequest"]["authorization"]
            .as_str()
            .unwrap(),
    ] {
        assert!(!text.contains(secret), "a secret in the log:\n{text}");
    }
}

#[tokio::test]
async fn server_sent_events_and_timeouts() {
    let server = Server::start(&["--sse"]).await;
    let package = server.start_session(&over18()).await;
    let token = package["token"].as_str().unwrap().to_owned();
    let ct = app_token(&package);
    let stream = server
        .http
        .get(server.url(&format!("/session/{token}/statusevents")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let reader = tokio::spawn(sse_events(stream, 10));
    // A watch channel keeps the latest status: give the reader time between changes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server
        .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    server
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    let got = reader.await.unwrap();
    // As the reference: an `open` event, then only the changes after subscribing.
    assert_eq!(got, ["<open>", "\"CONNECTED\"", "\"CANCELLED\""]);

    // A client timeout of 1 s: TIMEOUT arrives without any request touching the session.
    let extended = json!({"timeout": 1, "request": over18()});
    let package = server.start_session(&extended).await;
    let ct = app_token(&package);
    let fauth = package["frontendRequest"]["authorization"]
        .as_str()
        .unwrap();
    let stream = server
        .http
        .get(server.url(&format!("/irma/session/{ct}/frontend/statusevents")))
        .header("Authorization", fauth)
        .send()
        .await
        .unwrap();
    let got = sse_events(stream, 10).await;
    assert_eq!(got, ["<open>", r#"{"status":"TIMEOUT"}"#]);
    let token = package["token"].as_str().unwrap();
    assert_eq!(server.status(token).await, "TIMEOUT");
    let (status, _, body) = server
        .call("GET", &format!("/session/{token}/statusevents"), &[], None)
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = server
        .call(
            "GET",
            "/session/AAAAAAAAAAAAAAAAAAAA/statusevents",
            &[],
            None,
        )
        .await;
    assert_eq!((status, body.contains("SESSION_UNKNOWN")), (400, true));
}

#[tokio::test]
async fn sse_disabled_and_prefix() {
    let server = Server::start_at("/api", &["--api-prefix", "/api"]).await;
    let (status, _, _) = server.call("GET", "/health", &[], None).await;
    assert_eq!(status, 404);
    let (status, _, body) = server
        .call(
            "POST",
            "/api/session",
            &[("Content-Type", "application/json")],
            Some(&over18().to_string()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = server
        .call(
            "GET",
            &format!("/api/session/{token}/statusevents"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (status, body.as_str()),
        (
            500,
            r#"{"status":500,"error":"SSE_DISABLED","description":"Server sent events disabled"}"#
        )
    );
    let (status, _, body) = server.call("GET", "/api/irma/nothing", &[], None).await;
    assert_eq!(
        (status, body.as_str()),
        (404, r#"{"status":404,"error":"INVALID_REQUEST"}"#)
    );
}

#[tokio::test]
async fn permissions_and_unsupported_callbacks() {
    let server = Server::start(&[
        "--disclose-perms",
        "irma-demo.MijnOverheid.ageLower.*",
        "--issue-perms",
        "irma-demo.MijnOverheid.fullName",
    ])
    .await;
    server.start_session(&over18()).await;
    let post = |body: Value| {
        let server = &server;
        async move {
            server
                .call(
                    "POST",
                    "/session",
                    &[("Content-Type", "application/json")],
                    Some(&body.to_string()),
                )
                .await
        }
    };
    let name = json!({"@context": "https://irma.app/ld/request/disclosure/v2",
                      "disclose": [[["irma-demo.MijnOverheid.fullName.firstname"]]]});
    let (status, _, body) = post(name).await;
    assert_eq!(status, 403, "{body}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["error"], "UNAUTHORIZED");
    assert_eq!(err["message"], "irma-demo.MijnOverheid.fullName.firstname");
    let (status, _, body) = post(age_lower_issuance()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(
        "No issuer permissions configured for credential 'irma-demo.MijnOverheid.ageLower'"
    ));
    let (status, _, body) =
        post(json!({"callbackUrl": "http://127.0.0.1:1/", "request": over18()})).await;
    assert_eq!(status, 501, "{body}");
    let (status, _, body) = post(json!({"request": over18(), "validity": "x"})).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn replayed_proofs_are_invalid_and_retries_replayed() {
    let server = Server::start(&[]).await;
    let v: Value = vector("negative/replayed-proof.json");
    let package = server.start_session(&v["session_request"]).await;
    let token = package["token"].as_str().unwrap();
    let ct = app_token(&package);
    let proofs = format!("/irma/session/{ct}/proofs");
    let body = v["client_message"]["body"].to_string();
    let (status, _, _) = server
        .call("POST", &proofs, &APP_HEADERS, Some(&body))
        .await;
    assert_eq!(status, 403, "proofs before the first GET");
    server
        .call("GET", &format!("/irma/session/{ct}/"), &APP_HEADERS, None)
        .await;
    let (status, _, answer) = server.call("POST", &proofs, &APP_HEADERS, Some("{")).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("MALFORMED_INPUT"));
    let (status, ct1, answer) = server
        .call("POST", &proofs, &APP_HEADERS, Some(&body))
        .await;
    assert_eq!(
        (status, answer.as_str()),
        (200, r#"{"proofStatus":"INVALID"}"#)
    );
    assert_eq!(ct1, "application/json; charset=UTF-8");
    assert_eq!(server.status(token).await, "DONE");
    // The app's retry gets the same answer (as the reference: text/plain).
    let (status, ct2, again) = server
        .call("POST", &proofs, &APP_HEADERS, Some(&body))
        .await;
    assert_eq!((status, again.as_str()), (200, answer.as_str()));
    assert_eq!(ct2, "text/plain; charset=utf-8");
    let (_, _, result) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    assert_eq!(
        result,
        format!(
            r#"{{"token":"{token}","status":"DONE","type":"disclosing","proofStatus":"INVALID"}}"#
        )
    );
}

/// Commitments without proofs (what a crypto-free stand-in app sends) fail the session as
/// the reference fails it: CANCELLED, with the error in the result.
#[tokio::test]
async fn empty_commitments_cancel_the_issuance() {
    let server = Server::start(&[]).await;
    let (token, ct) = connected(&server, &age_lower_issuance()).await;
    let (status, _, body) = server
        .call(
            "POST",
            &format!("/irma/session/{ct}/commitments"),
            &APP_HEADERS,
            Some(r#"{"combinedProofs":[]}"#),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("MALFORMED_INPUT"), "{body}");
    assert_eq!(server.status(&token).await, "CANCELLED");
    let (_, _, result) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    assert!(result.contains("insufficient proofs"), "{result}");
}

/// No proofs for a disjunction (what a crypto-free stand-in app sends): DONE with
/// MISSING_ATTRIBUTES, and `disclosed` holds an empty list for it where the reference has
/// `null`, so the crates.io `irma` crate can read the result (see `disclosed_lists`).
#[tokio::test]
async fn unsatisfied_disjunctions_are_empty_lists_in_the_result() {
    let server = Server::start(&[]).await;
    let (token, ct) = connected(&server, &over18()).await;
    let (status, _, answer) = server
        .call(
            "POST",
            &format!("/irma/session/{ct}/proofs"),
            &APP_HEADERS,
            Some(r#"{"proofs":[],"indices":[[]]}"#),
        )
        .await;
    assert_eq!(
        (status, answer.as_str()),
        (200, r#"{"proofStatus":"MISSING_ATTRIBUTES"}"#)
    );
    let (_, _, result) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["status"], "DONE");
    assert_eq!(result["disclosed"], json!([[]]), "{result}");
}
