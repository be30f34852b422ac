//! The online atum key check against a tiny timestamp server on 127.0.0.1 that answers
//! `checkPublicKey` as the recorded atum server did (vectors/signature/atum-timestamp.json).

use std::sync::{Arc, Mutex};

use irma::protocol::timestamp::{AtumKeyCheck, KeyTrust, TimestampError};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::util::data_dir;

/// A one-route HTTP server: answers every request with the current (status, body) and
/// records the request targets it saw.
struct FakeAtum {
    url: String,
    answer: Arc<Mutex<(u16, String)>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FakeAtum {
    async fn start(status: u16, body: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new((status, body.to_owned())));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (a, s) = (answer.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
                s.lock().unwrap().push(target);
                let (status, body) = a.lock().unwrap().clone();
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(response.as_bytes()).await;
            }
        });
        Self { url, answer, seen }
    }

    fn answer(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned());
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn recorded() -> Value {
    let path = data_dir().join("vectors/signature/atum-timestamp.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn atum_key_check_asks_once_and_caches() {
    let case = recorded();
    let exchange = &case["atum_exchanges"][2];
    let server = FakeAtum::start(200, exchange["response_body_raw"].as_str().unwrap()).await;
    let ts = &case["client_message"]["body"]["timestamp"];
    let time = ts["Time"].as_i64().unwrap();
    let key = base64_decode(ts["Sig"]["PublicKey"].as_str().unwrap());

    let check = AtumKeyCheck::new(reqwest::Client::new());
    check
        .check(&server.url, "ed25519", &key, time)
        .await
        .unwrap();
    // The same request path as the reference sent.
    assert_eq!(
        server.requests(),
        vec![exchange["path"].as_str().unwrap().to_owned()]
    );

    // A trusted key is cached until "Expires": no second request, even without the
    // trailing slash.
    server.answer(
        200,
        r#"{"Trusted":true,"Expires":"2999-01-01T00:00:00.5Z"}"#,
    );
    let cached = vec![9u8; 32];
    check
        .check(&server.url, "ed25519", &cached, time)
        .await
        .unwrap();
    check
        .check(server.url.trim_end_matches('/'), "ed25519", &cached, time)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // Another key is asked about, and refused when the server does not trust it.
    server.answer(200, r#"{"Trusted":false,"Expires":"2027-11-22T05:00:22Z"}"#);
    let other = vec![7u8; 32];
    assert_eq!(
        check.check(&server.url, "ed25519", &other, time).await,
        Err(TimestampError::Untrusted)
    );
    // Trust that ended before the timestamp was made does not count.
    server.answer(200, r#"{"Trusted":true,"Expires":"2020-01-01T00:00:00Z"}"#);
    assert!(matches!(
        check.check(&server.url, "ed25519", &other, time).await,
        Err(TimestampError::KeyExpired { .. })
    ));
    // Server errors and junk are errors, not panics.
    for (status, body) in [
        (500, "{}"),
        (200, "not json"),
        (200, r#"{"Trusted":true,"Expires":"soon"}"#),
    ] {
        server.answer(status, body);
        assert!(matches!(
            check.check(&server.url, "ed25519", &other, time).await,
            Err(TimestampError::KeyCheck(_))
        ));
    }
    assert_eq!(server.requests().len(), 7);
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
