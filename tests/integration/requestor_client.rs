//! The requestor client library (`irma::requestor`) against our real server, authenticated
//! as the reference's recorded requestors, with wallet P as the app; and its polling
//! fallback behind a proxy that does not stream.

use std::time::{SystemTime, UNIX_EPOCH};

use irma::jwt::keys::{HmacKey, RsaPrivateKey, SigningKey, VerifyingKey};
use irma::jwt::verify::{Jwt, JwtKind, TimeCheck};
use irma::protocol::identifiers::AttributeTypeId;
use irma::protocol::messages::ProofStatus;
use irma::protocol::request::RequestorRequest;
use irma::protocol::status::ServerStatus;
use irma::protocol::tokens::RequestorToken;
use irma::requestor::builder::{Conjunction, DisclosureBuilder, Disjunction};
use irma::requestor::http::{Authentication, ClientError, RequestorClient};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::App;
use crate::util::{Server, vector};

fn over18_request() -> RequestorRequest {
    let over18 = AttributeTypeId::parse("irma-demo.MijnOverheid.ageLower.over18").unwrap();
    DisclosureBuilder::new(Disjunction::new(Conjunction::new(over18)))
        .validity(60)
        .build()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every status until the events end.
async fn statuses(client: &RequestorClient, token: &RequestorToken) -> Vec<ServerStatus> {
    let mut events = client.status_events(token).await;
    let mut seen = Vec::new();
    while let Some(status) = events.next().await {
        seen.push(status.unwrap());
    }
    seen
}

#[tokio::test]
async fn authenticated_sessions_results_and_result_jwts() {
    let vector: Value = vector("jwt/server-config-and-keys.json");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("irmaserver.json");
    std::fs::write(&config, vector["requestor_config"].to_string()).unwrap();
    let app = App::new();
    for sse in [true, false] {
        let mut flags = vec!["--config", config.to_str().unwrap()];
        if sse {
            flags.push("--sse");
        }
        let server = Server::start(&flags).await;
        let keys = &vector["keys"];
        let key = |k: &str| keys[k].as_str().unwrap().as_bytes().to_vec();
        let auths = [
            Authentication::Token(keys["token"].as_str().unwrap().to_owned()),
            Authentication::Jwt {
                name: "vg_hmac".into(),
                key: SigningKey::Hmac(HmacKey::from_base64(&key("hmac_key_base64")).unwrap()),
            },
            Authentication::Jwt {
                name: "vg_rsa".into(),
                key: SigningKey::Rsa(
                    RsaPrivateKey::from_pem(&key("requestor_rsa_private_pem")).unwrap(),
                ),
            },
        ];
        for auth in auths {
            let client = RequestorClient::new(&server.base, auth).unwrap();
            let package = client.start_session(&over18_request()).await.unwrap();
            let token = package.token.clone();
            let mut events = client.status_events(&token).await;
            assert_eq!(
                events.next().await.unwrap().unwrap(),
                ServerStatus::Initialized
            );
            app.disclose(&package.session_ptr.url, false).await;
            let mut rest = Vec::new();
            while let Some(s) = events.next().await {
                rest.push(s.unwrap());
            }
            assert_eq!(
                rest.last(),
                Some(&ServerStatus::Done),
                "sse {sse}: {rest:?}"
            );
            let result = client.result(&token).await.unwrap();
            assert_eq!(result.proof_status, Some(ProofStatus::Valid));
            assert_eq!(client.status(&token).await.unwrap(), ServerStatus::Done);

            let jwt = client.result_jwt(&token).await.unwrap();
            let key = VerifyingKey::Rsa(client.public_key().await.unwrap());
            let jwt = Jwt::decode(&jwt).unwrap();
            jwt.verify(&key, &TimeCheck::at(now())).unwrap();
            assert!(matches!(jwt.kind(), JwtKind::SessionResult(_)));
            assert_eq!(jwt.claims()["proofStatus"], "VALID");
        }

        // Cancelled before anyone follows: the events still deliver the final status.
        let client = RequestorClient::new(
            &server.base,
            Authentication::Token(vector["keys"]["token"].as_str().unwrap().to_owned()),
        )
        .unwrap();
        let package = client.start_session(&over18_request()).await.unwrap();
        client.cancel(&package.token).await.unwrap();
        assert_eq!(
            statuses(&client, &package.token).await,
            [ServerStatus::Cancelled]
        );

        // Refusals come back as the server's error body.
        let wrong =
            RequestorClient::new(&server.base, Authentication::Token("nope".into())).unwrap();
        let e = wrong.start_session(&over18_request()).await.unwrap_err();
        assert_eq!(e.remote().unwrap().error, "UNAUTHORIZED", "{e}");
        let unknown = RequestorToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
        let e = client.result(&unknown).await.unwrap_err();
        assert_eq!(e.remote().unwrap().error, "SESSION_UNKNOWN");
    }
}

/// A stand-in for a buffering proxy: `/statusevents` answers 200 `text/event-stream` and
/// then sends nothing; `/status` answers `"DONE"`.
async fn buffering_proxy(listener: tokio::net::TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let n = stream.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            if head.contains("/statusevents") {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
                    .await;
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            } else {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 6\r\nConnection: close\r\n\r\n\"DONE\"")
                    .await;
            }
        });
    }
}

/// An event stream that breaks after each event: CONNECTED on the first connection, DONE
/// on the next; `/status` is never asked.
async fn breaking_stream(listener: tokio::net::TcpListener) {
    let mut connections = 0;
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        connections += 1;
        let mut buf = vec![0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap_or(0);
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        let answer = match (head.contains("/statusevents"), connections) {
            (true, 1) => "data: \"CONNECTED\"\n\n",
            (true, _) => ": keep-alive\n\ndata: \"DONE\"\n\n",
            (false, _) => panic!("polled instead of reconnecting: {head}"),
        };
        let _ = stream
            .write_all(
                format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{answer}")
                    .as_bytes(),
            )
            .await;
        drop(stream);
    }
}

#[tokio::test]
async fn broken_event_streams_are_reconnected() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(breaking_stream(listener));
    let client = RequestorClient::new(&base, Authentication::None).unwrap();
    let token = RequestorToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
    assert_eq!(
        statuses(&client, &token).await,
        [ServerStatus::Connected, ServerStatus::Done]
    );
}

#[tokio::test]
async fn silent_event_streams_fall_back_to_polling() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(buffering_proxy(listener));
    let client = RequestorClient::new(&base, Authentication::None).unwrap();
    let token = RequestorToken::parse("AAAAAAAAAAAAAAAAAAAA").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(statuses(&client, &token).await, [ServerStatus::Done]);
    assert!(started.elapsed() >= std::time::Duration::from_secs(4));

    // Nothing listening: the error, after a few tries.
    let dead = RequestorClient::new(
        &format!("http://127.0.0.1:{}", crate::util::free_port()),
        Authentication::None,
    )
    .unwrap();
    let mut events = dead.status_events(&token).await;
    assert!(matches!(
        events.next().await,
        Some(Err(ClientError::Http { .. }))
    ));
    assert!(events.next().await.is_none());
}
