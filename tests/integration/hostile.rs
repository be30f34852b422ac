//! `irma server` (the real binary) under hostile use on 127.0.0.1: concurrent proofs for
//! one session, connections above the listener's cap, bodies that trickle, and callback
//! URLs aimed at internal services in production mode.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::app::App;
use crate::util::{Server, free_port};

fn over18() -> Value {
    json!({"@context": "https://irma.app/ld/request/disclosure/v2",
           "disclose": [[["irma-demo.MijnOverheid.ageLower.over18"]]]})
}

/// How many verifications the server started, from its debug log.
fn verifications_started(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("proof verification started"))
        .count()
}

/// Waits until the log (copied from the server's standard error by a thread) holds
/// `n` verifications, or 10 s passed; returns the count.
async fn settled_verifications(log: &std::path::Path, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let count = verifications_started(log);
        if count >= n || Instant::now() > deadline {
            // A moment more, for any that should not have happened.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return verifications_started(log);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Eight copies of the app's proofs posted at once to one session: the first claims the
/// session and is verified, the other seven are refused at once, before any parsing or
/// verification; proofs for a session that is no longer CONNECTED are never verified.
#[tokio::test]
async fn one_proof_message_per_session_is_verified() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start_logged(&["-v"], log.reopen().unwrap()).await;
    let app = App::new();
    let package = server.start_session(&over18()).await;
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let request = app.connect(u).await["request"].clone();
    let body = app.proofs(&request, false);
    let answers = futures_util::future::join_all((0..8).map(|_| app.post_proofs(u, &body))).await;
    let valid = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(valid, 1, "{answers:?}");
    for (status, answer) in answers.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(*status, 403, "{answer}");
        assert_eq!(answer["error"], "UNEXPECTED_REQUEST", "{answer}");
    }
    let token = package["token"].as_str().unwrap();
    let (_, _, result) = server
        .call("GET", &format!("/session/{token}/result"), &[], None)
        .await;
    let result: Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["proofStatus"], "VALID", "{result}");
    assert_eq!(settled_verifications(log.path(), 1).await, 1);

    // Cancelled after the app connected: its proofs are refused unverified.
    let package = server.start_session(&over18()).await;
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let request = app.connect(u).await["request"].clone();
    let token = package["token"].as_str().unwrap();
    let (status, _, _) = server
        .call("DELETE", &format!("/session/{token}"), &[], None)
        .await;
    assert_eq!(status, 200);
    let (status, answer) = app.post_proofs(u, &app.proofs(&request, false)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (403, Some("UNEXPECTED_REQUEST"))
    );
    assert_eq!(settled_verifications(log.path(), 2).await, 1);
}

/// A raw HTTP/1.1 connection to `addr`.
fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Reads an HTTP answer until the server closes the connection.
fn read_answer(mut stream: TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// A body that stops arriving is cut a few seconds after it started (a minimum data
/// rate), not after two minutes; the connection's descriptor is free again.
#[tokio::test]
async fn stalled_bodies_are_cut_after_seconds() {
    let server = Server::start(&[]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = connect(&addr);
        let head = "POST /session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"@context\":";
        stream.write_all(head.as_bytes()).unwrap();
        read_answer(stream)
    })
    .await
    .unwrap();
    let took = started.elapsed();
    // The requestor API's answer to a body it cannot read, as the reference's.
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("INVALID_REQUEST"), "{answer}");
    assert!(answer.contains("slower than 1024 bytes/s"), "{answer}");
    // The grace period is 2 s; the old deadline was 120 s.
    assert!(took < Duration::from_secs(15), "{took:?}");
}

/// With `max_connections` 4, a fifth connection to the app listener waits in the accept
/// backlog until one of the four closes, while the requestor listener (and its
/// `/health`) is not affected.
#[tokio::test]
async fn connections_above_the_cap_wait_and_health_is_not_starved() {
    let client_port = free_port();
    let server = Server::start(&[
        "--client-port",
        &client_port.to_string(),
        "--client-listen-addr",
        "127.0.0.1",
        "--max-connections",
        "4",
    ])
    .await;
    let package = server.start_session(&over18()).await;
    let u = package["sessionPtr"]["u"].as_str().unwrap();
    let app_addr = format!("127.0.0.1:{client_port}");
    let path = &u[format!("http://{app_addr}").len()..];
    // Four idle connections take every place of the app listener.
    let idle: Vec<TcpStream> = (0..4).map(|_| connect(&app_addr)).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let request = format!("GET {path}/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let waiting = tokio::task::spawn_blocking(move || {
        let mut stream = connect(&app_addr);
        stream.write_all(request.as_bytes()).unwrap();
        read_answer(stream)
    });
    // Meanwhile the requestor listener answers.
    for _ in 0..5 {
        let (status, _, body) = server.call("GET", "/health", &[], None).await;
        assert_eq!((status, body.as_str()), (200, "OK"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!waiting.is_finished(), "served above the cap");
    drop(idle);
    let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiting connection was never served")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\"INITIALIZED\""), "{answer}");
}

/// `POST /session` with `request` as requestor `r` (token `secret-token`).
async fn post(server: &Server, request: Value) -> (u16, Value) {
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", "secret-token"),
    ];
    let body = request.to_string();
    let (status, _, body) = server.call("POST", "/session", &headers, Some(&body)).await;
    (status, serde_json::from_str(&body).unwrap())
}

/// In production mode a `callbackUrl` or `nextSession.url` on a loopback, private or
/// link-local address is refused (the requestor could make the server call internal
/// services), unless `allow_private_callbacks` says otherwise; the error names the host,
/// not the path or query.
#[tokio::test]
async fn production_refuses_callbacks_to_internal_addresses() {
    let requestors = r#"{"r": {"auth_method": "token", "key": "secret-token"}}"#;
    let production = [
        "--production",
        "--no-tls",
        "--requestors",
        requestors,
        "--allow-unsigned-callbacks",
    ];
    let with = |key: &str, url: &str| {
        let mut request = json!({"request": over18()});
        match key {
            "callbackUrl" => request["callbackUrl"] = json!(url),
            _ => request["nextSession"] = json!({"url": url}),
        }
        request
    };
    let server = Server::start(&production).await;
    for (key, url, host) in [
        (
            "callbackUrl",
            "http://127.0.0.1:9/cb?key=s3cret",
            "127.0.0.1",
        ),
        ("callbackUrl", "http://localhost/cb", "localhost"),
        (
            "callbackUrl",
            "http://169.254.169.254/latest/meta-data",
            "169.254.169.254",
        ),
        ("callbackUrl", "https://10.0.0.8/", "10.0.0.8"),
        ("nextSession", "http://[::1]:8080/next", "::1"),
        ("nextSession", "http://192.168.1.20/next", "192.168.1.20"),
    ] {
        let (status, error) = post(&server, with(key, url)).await;
        assert_eq!(status, 400, "{url}: {error}");
        assert_eq!(error["error"], "INVALID_REQUEST", "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&format!("host {host} ")), "{message}");
        assert!(
            !message.contains("s3cret") && !message.contains("/cb"),
            "{message}"
        );
    }
    // A public address is fine (nothing is called before the session ends).
    let (status, package) = post(&server, with("callbackUrl", "https://93.184.215.14/cb")).await;
    assert_eq!(status, 200, "{package}");
    drop(server);

    // Allowed by the setting; and outside production mode.
    let mut allowed = production.to_vec();
    allowed.push("--allow-private-callbacks");
    let server = Server::start(&allowed).await;
    let (status, package) = post(&server, with("callbackUrl", "http://127.0.0.1:9/cb")).await;
    assert_eq!(status, 200, "{package}");
    drop(server);
    let outside = [
        "--no-auth=false",
        "--requestors",
        requestors,
        "--allow-unsigned-callbacks",
    ];
    let server = Server::start(&outside).await;
    let (status, package) = post(&server, with("nextSession", "http://127.0.0.1:9/")).await;
    assert_eq!(status, 200, "{package}");
}
