//! Bad input of every kind against the real server: the reference's errors, nothing lost
//! for the sessions in flight, no 5xx the reference would not give, and the timeouts.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::app::App;
use crate::util::Server;

/// The server's body limit (the reference's 10 MiB).
const LIMIT: usize = 10 << 20;

const JSON: (&str, &str) = ("Content-Type", "application/json");
const APP: [(&str, &str); 3] = [
    ("X-IRMA-MinProtocolVersion", "2.8"),
    ("X-IRMA-MaxProtocolVersion", "2.8"),
    ("Authorization", "testappauthorization"),
];

fn over18() -> Value {
    json!({
        "@context": "https://irma.app/ld/request/disclosure/v2",
        "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]
    })
}

fn session_url(package: &Value) -> String {
    package["sessionPtr"]["u"].as_str().unwrap().to_owned()
}

fn client_path(package: &Value) -> String {
    let u = session_url(package);
    format!("/irma/session/{}", u.rsplit('/').next().unwrap())
}

/// Status and parsed error body of a call.
async fn error_of(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Value) {
    let (status, content_type, body) = server.call(method, path, headers, body).await;
    assert_eq!(
        content_type, "application/json; charset=UTF-8",
        "{path}: {body}"
    );
    (status, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn bad_input_gets_the_reference_errors_and_leaves_sessions_alone() {
    let server = Server::start(&[]).await;
    let app = App::new();
    // A: connected, to be completed after the bad calls; B: pending, never touched.
    let a = server.start_session(&over18()).await;
    let a_path = client_path(&a);
    let a_token = a["token"].as_str().unwrap();
    let request = app.connect(&session_url(&a)).await["request"].clone();
    let b = server.start_session(&over18()).await;
    let b_token = b["token"].as_str().unwrap();

    let oversize = " ".repeat(LIMIT + 1);
    let (status, e) = error_of(&server, "POST", "/session", &[JSON], Some(&oversize)).await;
    assert_eq!((status, &e["error"]), (400, &json!("INVALID_REQUEST")));
    assert_eq!(e["message"], "http: request body too large");
    // Exactly the limit is read (and then refused as JSON: it is only spaces).
    let (status, e) = error_of(&server, "POST", "/session", &[JSON], Some(&oversize[1..])).await;
    assert_eq!(
        (status, &e["error"]),
        (400, &json!("INVALID_REQUEST")),
        "{e}"
    );
    assert_ne!(e["message"], "http: request body too large");

    let xml = [("Content-Type", "application/xml")];
    let (status, e) = error_of(&server, "POST", "/session", &xml, Some("<a/>")).await;
    assert_eq!((status, &e["error"]), (400, &json!("INVALID_REQUEST")));
    assert_eq!(e["message"], "Unsupported Content-Type: application/xml");
    let (status, e) = error_of(&server, "POST", "/session", &[JSON], Some("{\"@context\"")).await;
    assert_eq!((status, &e["error"]), (400, &json!("INVALID_REQUEST")));

    for token in [
        "short",
        "aaaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaaaaa%20",
        "%00",
    ] {
        for path in [
            format!("/session/{token}/status"),
            format!("/session/{token}/result"),
        ] {
            let (status, e) = error_of(&server, "GET", &path, &[], None).await;
            assert_eq!(
                (status, &e["error"]),
                (400, &json!("INVALID_REQUEST")),
                "{path}"
            );
        }
        let path = format!("/irma/session/{token}/");
        let (status, e) = error_of(&server, "GET", &path, &APP, None).await;
        assert_eq!(
            (status, &e["error"]),
            (400, &json!("SESSION_UNKNOWN")),
            "{path}"
        );
    }

    let proofs = format!("{a_path}/proofs");
    let (status, e) = error_of(&server, "POST", &proofs, &APP, Some(&oversize)).await;
    assert_eq!((status, &e["error"]), (400, &json!("MALFORMED_INPUT")));
    assert_eq!(e["message"], "http: request body too large");
    let (status, e) = error_of(&server, "POST", &proofs, &APP, Some("{\"proofs\":")).await;
    assert_eq!(
        (status, &e["error"]),
        (400, &json!("MALFORMED_INPUT")),
        "{e}"
    );
    let wrong_auth = [APP[0], APP[1], ("Authorization", "someoneelse")];
    let (status, e) = error_of(&server, "POST", &proofs, &wrong_auth, Some("{}")).await;
    assert_eq!((status, &e["error"]), (403, &json!("UNAUTHORIZED")), "{e}");
    // The app's retry of its first GET gets the cached answer, as from the reference.
    let (status, _, again) = server.call("GET", &format!("{a_path}/"), &APP, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&again).unwrap()["request"],
        request
    );
    // Commitments to a disclosure session: the reference panics (a failed type assertion
    // in `handlePostCommitments`); we refuse them and keep the session.
    let commitments = format!("{a_path}/commitments");
    let (status, e) = error_of(&server, "POST", &commitments, &APP, Some("{}")).await;
    assert_eq!(
        (status, &e["error"]),
        (400, &json!("INVALID_REQUEST")),
        "{e}"
    );
    assert_eq!(server.status(a_token).await, "CONNECTED");

    // A completes as if nothing happened; a different second POST is out of order.
    let answer = app.prove(&session_url(&a), &request, false).await;
    assert_eq!(answer["proofStatus"], "VALID");
    let again = json!({"proofs": [], "indices": []}).to_string();
    let (status, e) = error_of(&server, "POST", &proofs, &APP, Some(&again)).await;
    assert_eq!(
        (status, &e["error"]),
        (403, &json!("UNEXPECTED_REQUEST")),
        "{e}"
    );
    let (_, _, result) = server
        .call("GET", &format!("/session/{a_token}/result"), &[], None)
        .await;
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(
        (&result["status"], &result["proofStatus"]),
        (&json!("DONE"), &json!("VALID"))
    );

    assert_eq!(server.status(b_token).await, "INITIALIZED");
    let answer = app.disclose(&session_url(&b), false).await;
    assert_eq!(answer["proofStatus"], "VALID");
}

/// An index naming a proof that is not there: the reference's `ErrorUnknown` (500
/// EXCEPTION), the session CANCELLED with the error in its result; other sessions go on.
#[tokio::test]
async fn proofs_that_cannot_be_resolved_fail_only_their_session() {
    let server = Server::start(&[]).await;
    let app = App::new();
    let a = server.start_session(&over18()).await;
    let b = server.start_session(&over18()).await;
    app.connect(&session_url(&a)).await;
    let body = json!({"proofs": [], "indices": [[{"cred": 7, "attr": 2}]]}).to_string();
    let proofs = format!("{}/proofs", client_path(&a));
    let (status, e) = error_of(&server, "POST", &proofs, &APP, Some(&body)).await;
    assert_eq!((status, &e["error"]), (500, &json!("EXCEPTION")), "{e}");
    let a_token = a["token"].as_str().unwrap();
    assert_eq!(server.status(a_token).await, "CANCELLED");
    let (_, _, result) = server
        .call("GET", &format!("/session/{a_token}/result"), &[], None)
        .await;
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["error"]["error"], "EXCEPTION", "{result}");
    let answer = app.disclose(&session_url(&b), false).await;
    assert_eq!(answer["proofStatus"], "VALID");
}

/// Endpoints that take input, with the methods the app and requestors use.
fn endpoints(package: &Value) -> Vec<(&'static str, String)> {
    let app = client_path(package);
    let token = package["token"].as_str().unwrap();
    vec![
        ("POST", "/session".into()),
        ("POST", format!("{app}/proofs")),
        ("POST", format!("{app}/commitments")),
        ("POST", format!("{app}/frontend/options")),
        ("GET", format!("{app}/")),
        ("GET", format!("/session/{token}/result")),
        ("DELETE", format!("/session/{token}x")),
    ]
}

/// Bodies near valid ones: a disclosure message and a request with a random value put in
/// at a random place, or plain random text.
fn body() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9+/=]{0,40}".prop_map(Value::from),
        Just(json!([[{"cred": 7, "attr": 99}]])),
        Just(
            json!([{"c": "AQ==", "A": "AQ==", "e_response": "AQ==", "v_response": "AQ==",
            "a_responses": {"0": "AQ=="}, "a_disclosed": {"1": "AQ=="}}])
        ),
    ];
    let template = prop_oneof![
        Just(json!({"proofs": [], "indices": []})),
        Just(
            json!({"@context": "https://irma.app/ld/request/disclosure/v2",
            "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
        ),
        Just(json!({"pairingMethod": "pin"})),
        Just(json!({"n_2": "AQ==", "combinedProofs": [], "indices": []})),
    ];
    prop_oneof![
        (template, "[a-zA-Z@_0-9]{1,12}", leaf).prop_map(|(mut t, key, leaf)| {
            let first = t.as_object().unwrap().keys().next().unwrap().clone();
            t[if key.len() % 2 == 0 { first } else { key }] = leaf;
            t.to_string()
        }),
        ".{0,200}",
    ]
}

/// Whatever arrives, the answer is the reference's JSON error (or a success), never a
/// 5xx other than the reference's `EXCEPTION` (`ErrorUnknown`) for proofs it cannot resolve, and a pending
/// session stays pending.
#[test]
fn random_input_never_breaks_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, pending, target) = runtime.block_on(async {
        let server = Server::start(&[]).await;
        let pending = server.start_session(&over18()).await;
        let target = server.start_session(&over18()).await;
        App::new().connect(&session_url(&target)).await;
        (server, pending, target)
    });
    let endpoints = endpoints(&target);
    let config = ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(which in 0..endpoints.len(), body in body(), json_type in any::<bool>())| {
        let (method, path) = &endpoints[which];
        let mut headers = APP.to_vec();
        if json_type {
            headers.push(JSON);
        }
        let (status, content_type, text) =
            runtime.block_on(server.call(method, path, &headers, Some(&body)));
        if status >= 400 {
            prop_assert_eq!(&content_type, "application/json; charset=UTF-8", "{} {}", path, text);
            let e: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&e["status"], &json!(status));
            prop_assert!(status < 500 || e["error"] == "EXCEPTION", "{} {}: {}", method, path, text);
        }
    });
    runtime.block_on(async {
        let (status, _, _) = server.call("GET", "/health", &[], None).await;
        assert_eq!(status, 200);
        assert_eq!(
            server.status(pending["token"].as_str().unwrap()).await,
            "INITIALIZED"
        );
    });
}

#[tokio::test]
async fn slow_uploads_pass_and_stalled_headers_are_cut() {
    let server = Server::start(&[]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Stalled headers: the connection is closed after the header timeout (10 s).
    let stalled = {
        let addr = addr.clone();
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(&addr).await.unwrap();
            stream
                .write_all(b"POST /session HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
            let started = Instant::now();
            let mut buf = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut buf));
            let closed = read.await.is_ok();
            (closed, started.elapsed())
        })
    };

    // A request body sent over 4 s, twice the reference's whole-request timeout, at 2 KiB/s
    // (above the minimum rate of 1 KiB/s after the first 2 s; JSON allows the padding).
    let body = format!("{}{}", over18(), " ".repeat(8000));
    let request = format!(
        "POST /session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let head = request.find("\r\n\r\n").unwrap() + 4;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(&request.as_bytes()[..head]).await.unwrap();
    for piece in request.as_bytes()[head..].chunks(body.len().div_ceil(4)) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        stream.write_all(piece).await.unwrap();
    }
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"sessionPtr\""), "{answer}");

    let (closed, after) = stalled.await.unwrap();
    assert!(closed, "the stalled connection stayed open");
    assert!(after >= Duration::from_secs(9), "closed after {after:?}");
}
